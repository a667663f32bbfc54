"""Image transforms for training, with PIL and numpy only (no torchvision).

Two halves, so the costly part runs once per image and the cheap part at batch time:

* :meth:`ImageTransform.load` decodes image bytes, flattens transparency onto white,
  converts to RGB and resizes to ``size`` x ``size`` (bicubic, no crop, like IDEFICS'
  image processor): a ``uint8`` array ``[size, size, 3]``.

Transparency: an alpha channel (RGBA, LA, PA), a palette with a transparent entry, and the
PNG ``tRNS`` colour key of RGB and greyscale images (one colour, or one grey level, marked
fully transparent) are all composited onto white, as transformers' ``convert_to_rgb`` does.

JPEG draft decoding (``jpeg_draft=True``, the default): for a JPEG much larger than the
target, PIL's ``img.draft`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale (never below the
target size), which is several times faster on photos. The pixels then differ slightly from
a full decode followed by the same bicubic resize (up to about 0.09 in normalised units at
224 px on photos); turn it off (``--no-jpeg-draft``) to match the reference processor exactly.
* :meth:`ImageTransform.normalize` turns such arrays into ``float32 [3, size, size]``
  with ``(x / 255 - mean) / std``.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# OpenAI CLIP statistics, the ones IDEFICS' image processor uses.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


class ImageDecodeError(ValueError):
    """Image bytes that PIL cannot decode."""


@dataclass
class ImageTransform:
    """Resize to a square of ``size`` pixels and normalise with ``mean`` and ``std``."""

    size: int = 224
    mean: Sequence[float] = field(default=CLIP_MEAN)
    std: Sequence[float] = field(default=CLIP_STD)
    max_pixels: int = 20_000 * 20_000
    jpeg_draft: bool = True  # JPEG: decode at a reduced scale when much larger (module docstring)

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("image size must be positive")
        if len(self.mean) != 3 or len(self.std) != 3:
            raise ValueError("mean and std need three values (R, G, B)")
        if any(s <= 0 for s in self.std):
            raise ValueError("std values must be positive")
        self._scale = (1.0 / (255.0 * np.asarray(self.std, dtype=np.float32))).reshape(3, 1, 1)
        self._shift = (np.asarray(self.mean, dtype=np.float32) / np.asarray(self.std, dtype=np.float32)).reshape(
            3, 1, 1
        )

    def load(self, data: bytes) -> np.ndarray:
        """Decode ``data`` to a ``uint8 [size, size, 3]`` RGB array; raise ImageDecodeError."""
        from PIL import Image

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                img = Image.open(io.BytesIO(data))
                if img.width * img.height > self.max_pixels:
                    raise ImageDecodeError(f"image too large ({img.width}x{img.height})")
                if self.jpeg_draft:  # JPEG: let the decoder downscale by a power of two (faster, see above)
                    img.draft("RGB", (self.size, self.size))
                img = _to_rgb(img)
                if img.size != (self.size, self.size):
                    img = img.resize((self.size, self.size), Image.Resampling.BICUBIC)
                arr = np.asarray(img, dtype=np.uint8)
        except ImageDecodeError:
            raise
        except Exception as e:  # noqa: BLE001 - PIL raises many kinds on bad bytes
            raise ImageDecodeError(f"cannot decode image: {type(e).__name__}: {e}") from None
        if arr.shape != (self.size, self.size, 3):
            raise ImageDecodeError(f"unexpected decoded shape {arr.shape}")
        return arr

    def normalize(self, arr: np.ndarray) -> np.ndarray:
        """``uint8 [..., H, W, 3]`` to ``float32 [..., 3, H, W]`` normalised."""
        x = np.moveaxis(arr, -1, -3).astype(np.float32)
        return x * self._scale - self._shift

    def __call__(self, data: bytes) -> np.ndarray:
        """Bytes to a normalised ``float32 [3, size, size]`` array."""
        return self.normalize(self.load(data))


def _to_rgb(img):
    """RGB, with any transparency composited onto white (as IDEFICS' processor does)."""
    from PIL import Image

    has_key = img.info.get("transparency") is not None  # palette entry, or a PNG tRNS colour/grey key
    if img.mode == "RGB" and not has_key:
        return img
    if has_key and img.mode not in ("RGBA", "LA", "PA"):
        img = img.convert("RGBA")  # PIL turns the key into alpha 0 on exactly the keyed pixels
    if img.mode in ("RGBA", "LA", "PA"):
        img = img.convert("RGBA")
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, img).convert("RGB")
    return img.convert("RGB")
