"""The one place img2dataset is used: its resizer, behind :func:`make_resizer`.

Why img2dataset no longer downloads: its downloader fetches with ``urllib.request.urlopen`` inside its own worker
processes, and lets urllib resolve names and follow redirects. The address guard must resolve each hop itself,
check every address and connect to the checked address (no second resolution), and follow redirects through that
same path; img2dataset's public API (``download``, its ``Downloader``, reader and writer classes) offers no hook
for the connection, so using it meant replacing its downloader, logger process, distributor, retry function and
urllib opener at run time, and classifying its results by parsing error strings. The images stage now fetches
with the project's HTTP layer (:mod:`obelics.io.http`, :mod:`obelics.images.download`) and writes its own
results, and uses img2dataset for what it does well: resizing and re-encoding (``img2dataset.resizer.Resizer``,
its public class), only when ``resize_mode`` is not "no" (the default keeps the original bytes).

Tested with img2dataset 1.47 (the ``images`` extra pins ``img2dataset>=1.47,<1.48``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import Any

Resizer = Callable[[bytes], "bytes | None"]


def make_resizer(settings: dict[str, Any]) -> Resizer:
    """``resize(bytes) -> bytes`` (None when the image cannot be resized), for ``resize_mode``, ``image_size`` and
    ``encode_format``."""
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    from img2dataset.resizer import ResizeMode
    from img2dataset.resizer import Resizer as I2dResizer

    mode = settings.get("resize_mode") or "no"
    fmt = settings.get("encode_format") or "jpg"
    resizer = I2dResizer(
        image_size=int(settings.get("image_size") or 256),
        resize_mode=ResizeMode[mode],
        resize_only_if_bigger=False,
        encode_format=fmt,
        encode_quality=9 if fmt == "png" else 95,  # img2dataset's defaults (png: compression level)
        skip_reencode=False,
        disable_all_reencoding=mode == "no",
    )

    def resize(data: bytes) -> bytes | None:
        img, _w, _h, _ow, _oh, err = resizer(io.BytesIO(data))
        return None if err is not None or img is None else img

    return resize
