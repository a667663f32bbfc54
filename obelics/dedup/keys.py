"""Keys the dedup passes group documents by: URLs, recency, domains, paragraphs, image sets, MinHash bands.

Pure functions of a document; no files. Hashes are stable across processes and machines
(BLAKE2b, never Python's salted ``hash``), so partitions and decisions are reproducible.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import numpy as np

_CRAWL_ID = re.compile(r"CC-MAIN-(\d{4})-(\d{2})")
_WORDS = re.compile(r"\w+", re.UNICODE)


def hash128(text: str | bytes) -> bytes:
    """16 bytes of BLAKE2b: every dedup key; collisions are negligible at any corpus size."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).digest()


def partition_of(key: bytes, partitions: int) -> int:
    """The hash partition a key lands in."""
    return int.from_bytes(key[:8], "little") % partitions if partitions > 1 else 0


def canonical_url(url: str) -> str:
    """The URL as compared by URL dedup: scheme and fragment dropped, host lower-cased, default port dropped."""
    text = url.strip()
    try:
        parts = urlsplit(text if "://" in text else "//" + text)
        port = parts.port
    except ValueError:
        return text
    host = (parts.hostname or "").rstrip(".").lower()
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    return host + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def url_host(url: str) -> str:
    try:
        return (urlsplit(url if "://" in url else "//" + url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


@lru_cache(maxsize=65536)
def registered_domain(url_or_host: str) -> str:
    """The registered domain (``news.bbc.co.uk`` -> ``bbc.co.uk``) by the Public Suffix List.

    Uses the suffix list bundled with the ``tld`` package (a dependency of trafilatura), offline;
    falls back to the host name (without ``www.``) for IPs, ``localhost`` and unknown suffixes.
    """
    host = url_host(url_or_host)
    if not host:
        return ""
    try:
        from tld import get_fld

        fld = get_fld(host, fix_protocol=True, fail_silently=True)
    except Exception:  # noqa: BLE001 - any failure of the optional lookup falls back to the host
        fld = None
    if fld:
        return str(fld).lower()
    return host[4:] if host.startswith("www.") else host


def recency(general_metadata: dict[str, Any]) -> str:
    """A string that sorts by how recent the crawl of a page is ('' = unknown, oldest).

    The WARC-Date (``crawl_date``) when recorded, else the Monday of the crawl's ISO week
    from the crawl id in ``warc_filename`` (``CC-MAIN-2023-06`` -> 2023-02-06).
    """
    raw = general_metadata.get("crawl_date")
    if isinstance(raw, str) and raw:
        try:
            dt = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            if dt.tzinfo is not None:
                dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
            return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
        except ValueError:
            pass
    cid = _CRAWL_ID.search(str(general_metadata.get("warc_filename") or ""))
    if cid:
        try:
            d = date.fromisocalendar(int(cid.group(1)), int(cid.group(2)), 1)
            return d.strftime("%Y-%m-%dT00:00:00.000000")
        except ValueError:
            pass
    return ""


def tiebreak(general_metadata: dict[str, Any]) -> str:
    """Orders copies of equal recency by where they were crawled (WARC file, then offset)."""
    offset = general_metadata.get("warc_record_offset")
    try:
        off = int(offset) if offset is not None else 0
    except (TypeError, ValueError):
        off = 0
    return f"{general_metadata.get('warc_filename') or ''}@{off:020d}"


def normalise_paragraph(paragraph: str) -> str:
    """Paragraph identity: Unicode NFKC, lower case, runs of whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", paragraph).lower().split())


def paragraph_key(domain: str, paragraph: str) -> bytes | None:
    """The key of a (domain, normalised paragraph) pair; None for an empty paragraph."""
    norm = normalise_paragraph(paragraph)
    if not norm:
        return None
    return hash128(domain + "\x00" + norm)


def image_set_key(images: list[str | None]) -> bytes | None:
    """The key of a document's set of image URLs (order and repeats ignored); None without images."""
    urls = sorted({u for u in images if u})
    if not urls:
        return None
    return hash128("\n".join(urls))


# ---- MinHash over word n-grams --------------------------------------------------------------


def shingles(text: str, n: int = 5) -> set[bytes]:
    """Word n-grams of the lower-cased text (the whole text as one shingle when shorter than n words)."""
    words = _WORDS.findall(text.lower())
    if not words:
        return set()
    if len(words) < n:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + n]).encode("utf-8") for i in range(len(words) - n + 1)}


def _integral(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    trapezoid = getattr(np, "trapezoid", None) or np.trapz
    return trapezoid(y, x, axis=-1)


@lru_cache(maxsize=1 << 20)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=4).digest(), "little")


_FNV = np.uint32(0x01000193)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer: an avalanching bijection on 32-bit values."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def shingle_hashes(text: str, n: int = 5) -> np.ndarray:
    """32-bit hashes of the word n-grams of :func:`shingles` (same n-grams, computed from cached word hashes)."""
    words = _WORDS.findall(text.lower())
    if not words:
        return np.empty(0, dtype=np.uint32)
    w = np.fromiter(map(_word_hash, words), dtype=np.uint32, count=len(words))
    n = min(n, len(w))
    count = len(w) - n + 1
    h = np.zeros(count, dtype=np.uint32)
    for j in range(n):  # order-sensitive combination of the n word hashes
        h = (h * _FNV) ^ w[j : j + count]
    return _fmix32(h ^ np.uint32(n))


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int, bands: int = 0, rows: int = 0) -> tuple[int, int]:
    """(bands, rows per band): given, or the pair minimising false positives + false negatives.

    The same criterion as datasketch's ``MinHashLSH`` (equal weights): the area under the
    candidate probability ``1 - (1 - s^r)^b`` below the Jaccard threshold plus the area above
    it of its complement, integrated numerically.
    """
    if bands > 0 and rows > 0:
        if bands * rows > num_perm:
            raise ValueError(f"minhash bands x rows ({bands} x {rows}) exceeds num_perm ({num_perm})")
        return bands, rows
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"minhash_threshold must be between 0 and 1, got {threshold}")
    lo = np.linspace(0.0, threshold, 513)
    hi = np.linspace(threshold, 1.0, 513)
    best, best_err = (1, 1), float("inf")
    for b in range(1, num_perm + 1):
        r = np.arange(1, num_perm // b + 1, dtype=np.float64)[:, None]
        fp = _integral(1 - (1 - lo[None, :] ** r) ** b, lo)
        fn = _integral((1 - hi[None, :] ** r) ** b, hi)
        err = fp + fn
        i = int(np.argmin(err))
        if err[i] < best_err - 1e-12:
            best, best_err = (b, i + 1), float(err[i])
    return best


class MinHasher:
    """MinHash signatures over word n-grams, and LSH band keys.

    Each shingle is hashed to 32 bits (:func:`shingle_hashes`), then permuted by ``num_perm`` affine maps
    ``a*h + b mod 2^32`` with odd ``a`` (bijections: datasketch's default ``affine32`` scheme); the
    signature keeps the minimum of each. The maps come from BLAKE2b of the seed, so signatures
    are identical on every machine and numpy version.
    """

    def __init__(self, num_perm: int = 128, seed: int = 1, ngram: int = 5, bands: int = 9, rows: int = 13) -> None:
        def draw(tag: str, i: int) -> int:
            return int.from_bytes(hashlib.blake2b(f"{tag}{seed}:{i}".encode(), digest_size=4).digest(), "little")

        self.a = np.array([draw("a", i) | 1 for i in range(num_perm)], dtype=np.uint32)
        self.b = np.array([draw("b", i) for i in range(num_perm)], dtype=np.uint32)
        self.num_perm = num_perm
        self.ngram = ngram
        self.bands = bands
        self.rows = rows

    def signature(self, text: str) -> np.ndarray | None:
        """The MinHash signature (``num_perm`` uint32) of the text's shingles; None without words."""
        h = shingle_hashes(text, self.ngram)
        if not len(h):
            return None
        sig = np.full(self.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        for i in range(0, len(h), 2048):  # bounded memory on very long documents
            block = h[i : i + 2048, None] * self.a[None, :] + self.b[None, :]  # wraps mod 2^32
            np.minimum(sig, block.min(axis=0), out=sig)
        return sig

    def band_hashes(self, text: str) -> list[bytes]:
        """One 128-bit key per band (band index mixed in); empty when the text has no words."""
        sig = self.signature(text)
        if sig is None:
            return []
        r = self.rows
        raw = sig.astype("<u4")
        return [hash128(b.to_bytes(2, "little") + raw[b * r : (b + 1) * r].tobytes()) for b in range(self.bands)]
