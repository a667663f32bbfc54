"""Node-level image filters, decided from the real downloaded bytes and from the sizes declared in the HTML.

:func:`analyse` never raises on bad payloads: corrupt, truncated, non-image and decompression-bomb bytes
come back as a reason. Reasons (the ``filter:`` outcomes of the images stage):

=====================  ==================================================================
``empty``              no bytes
``not_an_image``       the bytes are not an image PIL knows (HTML, text, SVG, ...)
``decompression_bomb`` more pixels than ``max_pixels`` (checked before decoding)
``format``             a format outside the allowed list (jpg/jpeg/png/webp by default)
``too_small``          a side under ``min_side`` (150 px)
``too_large``          a side over ``max_side`` (20,000 px)
``aspect_ratio``       longer side / shorter side over ``max_aspect_ratio`` (2)
``truncated``          the payload ends before the image does
``corrupt``            the decoder failed for another reason
=====================  ==================================================================
"""

from __future__ import annotations

import io
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

from obelics.images.hashing import phash, sha256

FORMAT_ALIASES = {"jpg": "jpeg", "mpo": "jpeg", "jpe": "jpeg"}
PIL_MAX_IMAGE_PIXELS = 89_478_485  # PIL's own default decompression-bomb limit


@dataclass(frozen=True)
class FilterConfig:
    """Thresholds of the node-level filters (OBELICS values by default)."""

    formats: tuple[str, ...] = ("jpg", "jpeg", "png", "webp")
    min_side: int = 150
    max_side: int = 20_000
    max_aspect_ratio: float = 2.0
    max_pixels: int = PIL_MAX_IMAGE_PIXELS

    @classmethod
    def from_settings(cls, s: dict[str, Any]) -> FilterConfig:
        return cls(
            formats=tuple(s.get("formats", cls.formats)),
            min_side=int(s.get("min_side", cls.min_side)),
            max_side=int(s.get("max_side", cls.max_side)),
            max_aspect_ratio=float(s.get("max_aspect_ratio", cls.max_aspect_ratio)),
            max_pixels=int(s.get("max_pixels", cls.max_pixels)),
        )

    @property
    def allowed(self) -> frozenset[str]:
        return frozenset(normalize_format(f) for f in self.formats)


@dataclass(frozen=True)
class ImageInfo:
    """What the stage records about a downloaded image that passed the filters."""

    format: str
    width: int
    height: int
    bytes_size: int
    sha256: str
    phash: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalize_format(fmt: str | None) -> str:
    f = (fmt or "").lower().lstrip(".")
    return FORMAT_ALIASES.get(f, f)


def size_refusal(width: int | None, height: int | None, cfg: FilterConfig) -> str | None:
    """``too_small``, ``too_large`` or ``aspect_ratio`` for these sides (a None side is not checked)."""
    sides = [s for s in (width, height) if s is not None]
    if any(s < cfg.min_side for s in sides):
        return "too_small"
    if any(s > cfg.max_side for s in sides):
        return "too_large"
    if len(sides) == 2 and min(sides) > 0 and max(sides) / min(sides) > cfg.max_aspect_ratio:
        return "aspect_ratio"
    return None


def declared_size(meta: dict[str, Any] | None) -> tuple[int | None, int | None]:
    """The width and height the HTML declared (``rendered_width/height``), as ints when they are plain numbers."""
    if not meta:
        return None, None
    return _px(meta.get("rendered_width")), _px(meta.get("rendered_height"))


def _px(v: Any) -> int | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return int(v) if v > 0 else None
    s = str(v).strip().lower().removesuffix("px").strip()
    try:
        f = float(s)
    except ValueError:
        return None  # "100%", "auto": not a pixel size
    return int(f) if f > 0 else None


def declared_refusal(meta: dict[str, Any] | None, cfg: FilterConfig) -> str | None:
    """The size rule applied to the sizes declared in the HTML."""
    w, h = declared_size(meta)
    return size_refusal(w, h, cfg)


_warnings_set = False


def _quiet_bomb_warnings() -> None:
    # We check the pixel count ourselves before decoding; PIL's warning would only add noise.
    global _warnings_set
    if not _warnings_set:
        warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
        _warnings_set = True


def analyse(data: bytes | None, cfg: FilterConfig = FilterConfig()) -> tuple[ImageInfo | None, str | None]:
    """Decide on one downloaded payload: ``(info, None)`` when it passes, ``(None, reason)`` when it does not."""
    if not data:
        return None, "empty"
    _quiet_bomb_warnings()
    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        return None, "decompression_bomb"
    except UnidentifiedImageError:
        return None, "not_an_image"
    except Exception:  # noqa: BLE001 - a bad payload is an outcome, never a crash
        return None, "corrupt"
    with img:
        fmt = normalize_format(img.format)
        width, height = img.size
        if width <= 0 or height <= 0:
            return None, "corrupt"
        if width * height > cfg.max_pixels:
            return None, "decompression_bomb"
        if fmt not in cfg.allowed:
            return None, "format"
        reason = size_refusal(width, height, cfg)
        if reason:
            return None, reason
        try:
            if fmt == "jpeg":
                img.draft("L", (64, 64))  # decode at a reduced scale: enough for the 32x32 pHash, still reads all data
            img.load()
            ph = phash(img)
        except Image.DecompressionBombError:
            return None, "decompression_bomb"
        except OSError as e:
            return None, "truncated" if "truncated" in str(e) else "corrupt"
        except Exception:  # noqa: BLE001
            return None, "corrupt"
    return ImageInfo(fmt, width, height, len(data), sha256(data), ph), None
