"""Image hashes: exact (sha256 of the bytes) and perceptual (pHash of the pixels)."""

from __future__ import annotations

import hashlib
import zlib

from PIL import Image


def sha256(data: bytes) -> str:
    """Hex sha256 of the image bytes (exact duplicates)."""
    return hashlib.sha256(data).hexdigest()


def phash(img: Image.Image) -> str:
    """64-bit perceptual hash (imagehash.phash) as 16 hex digits; equal for near-duplicate images."""
    import imagehash

    return str(imagehash.phash(img))


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def partition_of(key: str, partitions: int) -> int:
    """A stable partition for a string key (the same in every process and run)."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % max(1, partitions)
