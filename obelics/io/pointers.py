"""WARC record pointers: lists of (warc_filename, offset, length), fetched with range requests.

A pointer list is a Parquet, CSV or JSONL file (``.gz`` allowed for the text formats)
with columns ``warc_filename``, ``warc_record_offset``, ``warc_record_length`` (Common
Crawl's columnar index names; ``filename``/``offset``/``length`` as in its CDX API
also work) and optionally ``url``. Rows of the published OBELICS files work as they
are: their ``general_metadata`` JSON holds the pointer, and their ``texts``/``images``
are kept so a re-extraction can be compared with them.

Fetching: HTTP(S) range requests through the project's HTTP layer (:mod:`obelics.io.http`),
or ranged reads through fsspec (``s3://`` and others) and local files; a bounded number of
threads, retries with exponential backoff (honouring ``Retry-After``) on 429, 5xx, timeouts
and connection errors, and a per-host request rate limit.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import threading
import zlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any
from urllib.parse import urlsplit

from obelics.document import Document, DocumentError
from obelics.io.http import RETRY_STATUS, HostRateLimiter, HttpClient, HttpError, RetryPolicy
from obelics.io.paths import is_remote
from obelics.io.warc import GZIP_MAGIC, CountSink, WarcRecord, is_arc_record_start, iter_records

log = logging.getLogger("obelics")

POINTER_SUFFIXES = (".parquet", ".csv", ".csv.gz", ".tsv", ".tsv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".json")
_ALIASES = {
    "warc_filename": ("warc_filename", "filename", "warc_file", "warc_path"),
    "warc_record_offset": ("warc_record_offset", "offset", "record_offset"),
    "warc_record_length": ("warc_record_length", "length", "record_length"),
    "url": ("url", "target_uri", "warc_target_uri"),
}
USER_AGENT = "obelics/0.1 (re-extraction of web archive records by pointer)"


def is_pointer_list(path: str) -> bool:
    return path.lower().split("?", 1)[0].endswith(POINTER_SUFFIXES)


@dataclass
class Pointer:
    """Where one WARC record lies, and (for OBELICS rows) the document published from it."""

    warc_filename: str
    offset: int
    length: int
    url: str = ""
    row: int = 0
    published: Document | None = None


class PointerError(ValueError):
    """A pointer list that cannot be read (no pointer columns)."""


# ----------------------------------------------------------------------------------------
# Reading pointer lists
# ----------------------------------------------------------------------------------------
def _open(path: str, mode: str = "rb"):
    import fsspec

    return fsspec.open(path, mode, compression="infer").open()


def count_pointers(path: str) -> int:
    """Rows in a pointer list (Parquet metadata, or lines of a text list)."""
    low = path.lower()
    if low.endswith(".parquet"):
        import pyarrow.parquet as pq

        with _open(path) as fh:
            return pq.ParquetFile(fh).metadata.num_rows
    n = 0
    with _open(path) as fh:
        for line in fh:
            if line.strip():
                n += 1
    if low.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
        n = max(0, n - 1)  # header line
    return n


def _rows(path: str, start: int, stop: int | None) -> Iterator[dict[str, Any]]:
    """Rows ``start:stop`` of a pointer list as dicts (only the row groups needed, for Parquet)."""
    low = path.lower()
    if low.endswith(".parquet"):
        import pyarrow.parquet as pq

        with _open(path) as fh:
            pf = pq.ParquetFile(fh)
            names = set(pf.schema_arrow.names)
            cols = [c for c in pf.schema_arrow.names if c not in ("image_bytes",)]
            if not names & {"general_metadata", *_ALIASES["warc_filename"]}:
                raise PointerError(f"{path}: no pointer columns (warc_filename, ... or general_metadata)")
            first = 0
            for g in range(pf.metadata.num_row_groups):
                n = pf.metadata.row_group(g).num_rows
                last = first + n
                if (stop is None or first < stop) and last > start:
                    rows = pf.read_row_group(g, columns=cols).to_pylist()
                    lo = max(start - first, 0)
                    hi = n if stop is None else min(stop - first, n)
                    yield from rows[lo:hi]
                first = last
                if stop is not None and first >= stop:
                    break
        return
    with _open(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        if low.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
            delim = "\t" if ".tsv" in low else ","
            it: Iterable[dict[str, Any]] = csv.DictReader(text, delimiter=delim)
        else:
            it = (_json_line(line) for line in text if line.strip())
        for i, row in enumerate(it):
            if i < start:
                continue
            if stop is not None and i >= stop:
                break
            yield row


def _json_line(line: str) -> dict[str, Any]:
    try:
        v = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return v if isinstance(v, dict) else {}


def _pick(row: dict[str, Any], key: str) -> Any:
    for k in _ALIASES[key]:
        v = row.get(k)
        if v is not None and v != "":
            return v
    return None


def pointer_from_row(row: dict[str, Any], index: int = 0, *, keep_published: bool = True) -> Pointer | None:
    """The pointer of one row (its own columns, else its ``general_metadata``); None when it has none."""
    src = row
    if _pick(row, "warc_filename") is None and row.get("general_metadata") is not None:
        gm = row["general_metadata"]
        if isinstance(gm, (str, bytes)):
            try:
                gm = json.loads(gm)
            except json.JSONDecodeError:
                return None
        if not isinstance(gm, dict):
            return None
        src = gm
    name, off, ln = _pick(src, "warc_filename"), _pick(src, "warc_record_offset"), _pick(src, "warc_record_length")
    try:
        offset, length = int(off), int(ln)
    except (TypeError, ValueError):
        return None
    if not name or offset < 0 or length <= 0:
        return None
    published = None
    if keep_published and row.get("texts") is not None and row.get("images") is not None:
        try:
            published = Document.from_row({k: row.get(k) for k in ("texts", "images", "metadata", "general_metadata")})
        except (DocumentError, TypeError, ValueError):
            published = None
    url = _pick(src, "url") or _pick(row, "url") or ""
    return Pointer(str(name).strip(), offset, length, str(url).strip(), index, published)


def read_pointers(
    path: str, start: int = 0, stop: int | None = None, stats: Any = None, *, keep_published: bool = True
) -> list[Pointer]:
    """Pointers of rows ``start:stop`` of a list; rows without a usable pointer are counted and skipped."""
    out = []
    for i, row in enumerate(_rows(path, start, stop), start=start):
        p = pointer_from_row(row, i, keep_published=keep_published)
        if p is None:
            if stats is not None:
                stats.reason("skipped", "no_pointer_in_row")
            continue
        out.append(p)
    return out


def sort_pointers(pointers: list[Pointer]) -> list[Pointer]:
    """Grouped by WARC file, in file order inside each (fewer connections, sequential reads)."""
    return sorted(pointers, key=lambda p: (p.warc_filename, p.offset, p.row))


# ----------------------------------------------------------------------------------------
# Fetching
# ----------------------------------------------------------------------------------------
class FetchError(Exception):
    """A pointer that could not be fetched; ``reason`` is the stats key."""

    def __init__(self, reason: str, transient: bool = False, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.transient = transient


class RangeFetcher:
    """Fetch byte ranges of WARC files from HTTP(S) (through :class:`obelics.io.http.HttpClient`), fsspec URLs or
    local paths.

    ``concurrency`` threads; each request is retried up to ``retries`` times on 429, 5xx, timeouts and connection
    errors, waiting ``backoff * 2**attempt`` seconds (with jitter, at most 60 s, or what ``Retry-After`` asks up to
    that cap); at most ``rate_limit`` requests per second to each host.
    """

    RETRY_STATUS = RETRY_STATUS

    def __init__(
        self,
        concurrency: int = 16,
        rate_limit: float = 0.0,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 60.0,
        storage_options: dict[str, Any] | None = None,
    ) -> None:
        self.concurrency = max(1, int(concurrency))
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.timeout = float(timeout)
        self.retry = RetryPolicy(self.retries, self.backoff, max_backoff=60.0, jitter=True)
        self.limiter = HostRateLimiter(rate_limit)
        self.storage_options = storage_options or {}
        self.http = HttpClient(
            timeout=self.timeout,
            connect_timeout=30.0,
            user_agent=USER_AGENT,
            headers={"Accept-Encoding": "identity"},
            pool_size=self.concurrency,
            max_pools=64,
        )
        self._fs: dict[str, Any] = {}
        self._fs_lock = threading.Lock()
        self.requests = 0
        self.retried = 0
        self._count_lock = threading.Lock()

    # -- one range -------------------------------------------------------------------
    def fetch(self, location: str, offset: int, length: int) -> bytes:
        """The bytes ``[offset, offset + length)`` of ``location``; raises FetchError."""
        host = urlsplit(location).netloc if "://" in location else ""
        tries = [0]

        def once() -> bytes:
            tries[0] += 1
            if location.startswith(("http://", "https://")):
                self.limiter.wait(host)
                return self._http(location, offset, length)
            if is_remote(location) or "://" in location:
                self.limiter.wait(host)
                return self._fsspec(location, offset, length)
            return self._local(location, offset, length)

        def count_retry(_e: HttpError, _attempt: int, _wait: float) -> None:
            with self._count_lock:
                self.retried += 1

        try:
            return self.retry.call(once, on_retry=count_retry)
        except HttpError as e:
            raise FetchError(e.reason, transient=e.transient, detail=f"{location} after {tries[0]} tries") from None

    def _http(self, url: str, offset: int, length: int) -> bytes:
        with self._count_lock:
            self.requests += 1
        need = offset + length  # a server that ignores Range sends the file from its start: read only that far
        r = self.http.request_once("GET", url, headers={"Range": f"bytes={offset}-{need - 1}"}, read_limit=need)
        if r.status == 206:
            return r.body[:length]
        if r.status == 200:
            return r.body[offset:need]
        if r.status == 416:
            raise FetchError("range_not_satisfiable", detail=url)
        raise FetchError(f"http_{r.status}", detail=url)

    def _fsspec(self, location: str, offset: int, length: int) -> bytes:
        import fsspec

        proto = location.split("://", 1)[0]
        with self._fs_lock:
            fs = self._fs.get(proto)
            if fs is None:
                fs = fsspec.filesystem(proto, **self.storage_options)
                self._fs[proto] = fs
        with self._count_lock:
            self.requests += 1
        try:
            return fs.cat_file(location, start=offset, end=offset + length)
        except FileNotFoundError:
            raise FetchError("not_found", detail=location) from None
        except (TimeoutError, ConnectionError, OSError) as e:
            raise HttpError(type(e).__name__.lower(), transient=True, detail=location) from None

    @staticmethod
    def _local(path: str, offset: int, length: int) -> bytes:
        try:
            with open(path, "rb") as fh:
                fh.seek(offset)
                return fh.read(length)
        except FileNotFoundError:
            raise FetchError("not_found", detail=path) from None
        except OSError as e:
            raise FetchError("read_error", detail=f"{path}: {e}") from None

    # -- many ranges -----------------------------------------------------------------------
    def fetch_many(
        self, items: Iterable[tuple[Any, str, int, int]], window: int | None = None
    ) -> Iterator[tuple[Any, bytes | None, FetchError | None]]:
        """Fetch ``(key, location, offset, length)`` items on the threads; results in input order.

        At most ``window`` requests are in flight or waiting to be consumed (memory stays bounded).
        """
        window = window or self.concurrency * 4
        pending: deque[tuple[Any, Future]] = deque()
        it = iter(items)
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="fetch") as pool:
            done = False
            while True:
                while not done and len(pending) < window:
                    try:
                        key, loc, off, ln = next(it)
                    except StopIteration:
                        done = True
                        break
                    pending.append((key, pool.submit(self.fetch, loc, off, ln)))
                if not pending:
                    break
                key, fut = pending.popleft()
                try:
                    yield key, fut.result(), None
                except FetchError as e:
                    yield key, None, e
                except Exception as e:  # noqa: BLE001 - an unexpected client error is this pointer's failure
                    yield key, None, FetchError("fetch_error", transient=True, detail=repr(e))

    def close(self) -> None:
        self.http.close()


# ----------------------------------------------------------------------------------------
# Bytes of one pointer -> one record
# ----------------------------------------------------------------------------------------
def record_from_bytes(data: bytes, reader: str = "auto") -> tuple[WarcRecord | None, str | None]:
    """The one WARC record a fetched range holds, or ``(None, reason)``.

    Reasons: ``not_a_record`` (the range does not start at a record: wrong offset),
    ``truncated_record`` (the range ends inside the record: length too short, or the
    file is cut), ``wrong_length`` (the range holds more than the record), ``bad_gzip``.
    """
    if not data:
        return None, "empty_range"
    extra = False  # bytes after the record: a partial or foreign gzip member, or garbage
    if data[:2] == GZIP_MAGIC[:2]:
        parts = []
        rest = data
        while rest:
            d = zlib.decompressobj(31)
            try:
                parts.append(d.decompress(rest))
            except zlib.error:
                if not parts:
                    return None, "bad_gzip"
                extra = True
                break
            if not d.eof:  # the range ends inside this member
                if len(parts) == 1:
                    return None, "truncated_record"
                extra = True
                break
            rest = d.unused_data
            if rest and rest[:2] != GZIP_MAGIC[:2]:
                extra = bool(rest.strip(b"\r\n\x00 "))
                break
        plain = b"".join(parts)
    else:
        plain = data
    if not re.match(rb"\s*WARC/\d", plain[:64]) and not is_arc_record_start(plain[:4096]):
        return None, "not_a_record"
    sink = CountSink()
    records = list(iter_records(plain, reader=reader, stats=sink))
    if not records:
        return None, "not_a_record"
    first = records[0]
    if first.truncated:
        return None, "truncated_record"
    if extra or len(records) > 1 or sink.reasons.get("skipped"):
        return None, "wrong_length"
    return first, None


# ----------------------------------------------------------------------------------------
# Comparing a re-extraction with the published document
# ----------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _tokens(text: str, limit: int = 20000) -> list[str]:
    return _TOKEN.findall(text.lower())[:limit]


def compare_documents(new: Document, published: Document) -> dict[str, float]:
    """How close a re-extracted document is to the published one.

    ``text_similarity``: difflib ratio over word tokens (order-aware); ``text_jaccard``:
    Jaccard of the word sets; ``images_published`` / ``images_kept``: distinct published
    image URLs and how many the new document has; ``order_pairs`` / ``order_concordant``:
    pairs of shared images, and how many appear in the same order in both.
    """
    a, b = _tokens(published.text), _tokens(new.text)
    if not a and not b:
        sim = jac = 1.0
    else:
        sim = SequenceMatcher(None, a, b).ratio()
        sa, sb = set(a), set(b)
        jac = len(sa & sb) / len(sa | sb) if sa | sb else 1.0
    pub_imgs = _first_positions([u for u in published.images if u])
    new_imgs = _first_positions([u for u in new.images if u])
    shared = [u for u in pub_imgs if u in new_imgs]
    pairs = concordant = 0
    for i in range(len(shared)):
        for j in range(i + 1, len(shared)):
            pairs += 1
            concordant += new_imgs[shared[i]] < new_imgs[shared[j]]
    return {
        "text_similarity": sim,
        "text_jaccard": jac,
        "text_exact": float(published.text == new.text),
        "images_published": float(len(pub_imgs)),
        "images_kept": float(len(shared)),
        "images_new": float(len(new_imgs)),
        "order_pairs": float(pairs),
        "order_concordant": float(concordant),
    }


def _first_positions(urls: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, u in enumerate(urls):
        out.setdefault(u, i)
    return out


def reextract_summary(stats: dict[str, Any]) -> dict[str, float] | None:
    """Means from the summed ``reextract`` counters of a stage summary (None when nothing was compared)."""
    r = stats.get("reextract") or {}
    n = r.get("documents", 0)
    if not n and not r.get("not_reextracted"):
        return None
    out: dict[str, float] = {"compared": n, "not_reextracted": r.get("not_reextracted", 0)}
    if n:
        out["text_similarity_mean"] = round(r.get("text_similarity", 0) / n, 4)
        out["text_jaccard_mean"] = round(r.get("text_jaccard", 0) / n, 4)
        out["text_exact_share"] = round(r.get("text_exact", 0) / n, 4)
    if r.get("images_published"):
        out["image_urls_kept_share"] = round(r.get("images_kept", 0) / r["images_published"], 4)
    if r.get("order_pairs"):
        out["image_order_agreement"] = round(r.get("order_concordant", 0) / r["order_pairs"], 4)
    return out
