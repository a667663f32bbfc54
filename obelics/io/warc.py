"""Reading WARC files: records with their byte pointers, and the HTML pages inside them.

Two record readers do the framing (record boundaries, gzip members, WARC headers):
FastWARC (fast) and warcio (also reads WARC/0.x and ARC). ``reader="auto"`` uses
FastWARC for WARC/1.x files and switches to warcio for older formats or from the
point where FastWARC fails. Everything after the framing is ours and shared by both
readers, so they give the same pages: HTTP header parsing (bare-LF headers included,
which FastWARC's own parser misreads), chunked transfer-encoding, content-encoding
(gzip, deflate, br, zstd), the HTML test and the charset.

Each record keeps ``offset`` and ``length``: the byte range to fetch it again (for a
``.warc.gz`` the range of its gzip member, as in Common Crawl's index). A record
that cannot be re-fetched alone (a gzip member holding several records) gets
``None`` there. A malformed or truncated record is counted and skipped; reading
resumes at the next record boundary found after it.
"""

from __future__ import annotations

import codecs
import gzip
import io
import logging
import os
import re
import time
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from obelics.io.paths import is_remote

log = logging.getLogger("obelics")

READERS = ("auto", "fastwarc", "warcio")
DEFAULT_BASE_URL = "https://data.commoncrawl.org/"
HTML_MIME_TYPES = ("text/html", "application/xhtml+xml")
GZIP_MAGIC = b"\x1f\x8b\x08"
# An ARC (version 1) record header line: URL IP DATE MIME LENGTH.
_ARC_LINE = re.compile(rb"\s*\S+://\S* \S+ \d{14} \S* \d+\r?\n")
# Records larger than this are not read into memory (counted as ``record_too_large``).
DEFAULT_MAX_RECORD_BYTES = 32 * 1024 * 1024

_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


def is_arc_record_start(head: bytes) -> bool:
    """Whether bytes start with an ARC record header line (old Internet Archive / Common Crawl files)."""
    return bool(_ARC_LINE.match(head))


class CountSink:
    """Where readers count what they read and skip; ``obelics.stats.Stats`` fits, so does this."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.reasons: dict[str, dict[str, int]] = {}

    def inc(self, key: str, n: int | float = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def reason(self, group: str, reason: str, n: int = 1) -> None:
        g = self.reasons.setdefault(group, {})
        g[reason] = g.get(reason, 0) + n


# ----------------------------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------------------------
@dataclass
class WarcRecord:
    """One WARC record with the byte range that holds it in its file."""

    rec_type: str
    headers: list[tuple[str, str]]
    version: str
    offset: int | None
    length: int | None = None
    block: bytes | None = None  # the record block (read for response records only)
    declared_length: int | None = None  # the WARC Content-Length
    too_large: bool = False
    _min_end: int | None = field(default=None, repr=False)  # where the next record can start, when known

    def header(self, name: str, default: str | None = None) -> str | None:
        """A WARC header by name (case-insensitive)."""
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return default

    @property
    def url(self) -> str:
        return (self.header("WARC-Target-URI") or "").strip().strip("<>")

    @property
    def date(self) -> str:
        return self.header("WARC-Date") or ""

    @property
    def truncated(self) -> bool:
        """The block is shorter than the WARC Content-Length says (the file was cut)."""
        return (
            self.block is not None
            and self.declared_length is not None
            and not self.too_large
            and len(self.block) < self.declared_length
        )


class _Tap:
    """A read-through wrapper: counts bytes, keeps recent raw bytes (to verify gzip member starts)."""

    def __init__(self, fh: IO[bytes], start: int, keep: int = 0) -> None:
        self.fh = fh
        self.start = start
        self.pos = start
        self.eof = False
        self.keep = keep
        self._recent: deque[tuple[int, bytes]] = deque()
        self._kept = 0

    def tell(self) -> int:
        return self.pos

    def read(self, n: int = -1) -> bytes:
        try:
            b = self.fh.read(n) if n is not None else self.fh.read()
        except Exception as e:  # noqa: BLE001 - whatever the storage raises, it is not the file's format
            raise WarcSourceError(f"reading at byte {self.pos}: {e!r}") from e
        if not b and n != 0:
            self.eof = True
        if self.keep and b:
            self._recent.append((self.pos, bytes(b)))
            self._kept += len(b)
            while self._kept - len(self._recent[0][1]) > self.keep:
                self._kept -= len(self._recent.popleft()[1])
        self.pos += len(b)
        return b

    def readinto(self, buf: Any) -> int:
        b = self.read(len(buf))
        buf[: len(b)] = b
        return len(b)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def starts_member(self, pos: int) -> bool | None:
        """Whether the raw bytes at ``pos`` start a gzip member (None: no longer kept)."""
        for start, chunk in self._recent:
            if start <= pos < start + len(chunk):
                head = chunk[pos - start : pos - start + 3]
                if len(head) < 3:
                    nxt = [c for s, c in self._recent if s == start + len(chunk)]
                    head = (head + (nxt[0] if nxt else b""))[:3]
                return head == GZIP_MAGIC
        return None

    def close(self) -> None:
        self.fh.close()


class WarcSourceError(OSError):
    """The storage failed while a WARC was read (network, disk), as opposed to a malformed record."""


class _Source:
    """Something to read a WARC from at any offset: a local path, an fsspec URL or bytes."""

    def __init__(self, src: str | bytes | os.PathLike, storage_options: dict[str, Any] | None = None) -> None:
        self.src = src
        self.storage_options = storage_options or {}
        self.size: int | None = None
        self.remote = not isinstance(src, bytes) and (is_remote(str(src)) or "://" in str(src))
        if isinstance(src, bytes):
            self.size = len(src)
        elif not self.remote:
            self.size = os.path.getsize(src)

    def open_at(self, pos: int) -> IO[bytes]:
        if isinstance(self.src, bytes):
            fh: IO[bytes] = io.BytesIO(self.src)
        elif self.remote:
            import fsspec

            fh = fsspec.open(str(self.src), "rb", **self.storage_options).open()
            if self.size is None:
                self.size = getattr(fh, "size", None)
        else:
            fh = open(self.src, "rb")  # noqa: SIM115 - closed by the caller
        if pos:
            try:
                fh.seek(pos)
            except (OSError, ValueError, io.UnsupportedOperation):
                _skip(fh, pos)
        return fh


def _skip(fh: IO[bytes], n: int) -> None:
    while n > 0:
        b = fh.read(min(n, 1 << 20))
        if not b:
            break
        n -= len(b)


def _first_bytes(fh: IO[bytes], n: int = 65536) -> tuple[bool, bytes]:
    """(is gzip, the first decompressed bytes) of a stream, without caring where it ends."""
    try:
        head = fh.read(n)
    except Exception as e:  # noqa: BLE001 - a storage failure, reported as such
        raise WarcSourceError(f"reading the start: {e!r}") from e
    if head.startswith(GZIP_MAGIC[:2]):
        try:
            return True, zlib.decompressobj(31).decompress(head, 4096)
        except zlib.error:
            return True, b""
    return False, head[:4096]


# ---- the two framing engines ---------------------------------------------------------------
def _fastwarc_records(tap: _Tap, gz: bool, max_bytes: int) -> Iterator[WarcRecord]:
    from fastwarc.warc import ArchiveIterator

    for rec in ArchiveIterator(tap, parse_http=False):
        headers = [(str(k), str(v)) for k, v in rec.headers.items()]
        pos = rec.stream_pos
        ok = True
        if gz:
            ok = tap.starts_member(pos) is True
        yield _make_record(headers, rec.headers.status_line, pos if ok else None, rec.reader, max_bytes)


def _make_record(headers: list[tuple[str, str]], version: str, offset: int | None, reader: Any, max_bytes: int):
    rec_type = ""
    declared = None
    for k, v in headers:
        lk = k.lower()
        if lk == "warc-type":
            rec_type = v.strip().lower()
        elif lk == "content-length":
            try:
                declared = int(v.strip())
            except ValueError:
                declared = None
    r = WarcRecord(rec_type=rec_type, headers=headers, version=str(version or "").strip(), offset=offset)
    r.declared_length = declared
    if rec_type == "response":
        if declared is not None and declared > max_bytes:
            r.too_large = True
        else:
            r.block = reader.read()
    return r


class _WarcioIter:
    """warcio's ArchiveIterator without its stderr warnings (they are counted instead)."""

    def __init__(self, fh: Any, arc: bool) -> None:
        from warcio.archiveiterator import ArchiveIterator

        class _Quiet(ArchiveIterator):
            def _consume_blanklines(self):  # same as warcio's, minus the print
                empty_size = 0
                first_line = True
                while True:
                    line = self.reader.readline()
                    if len(line) == 0:
                        return None, empty_size
                    stripped = line.rstrip()
                    if len(stripped) == 0 or first_line:
                        empty_size += len(line)
                        if len(stripped) != 0:
                            self.err_count += 1
                        first_line = False
                        continue
                    return line, empty_size

        self.it = _Quiet(fh, no_record_parse=True, arc2warc=arc)


def _warcio_records(
    tap: _Tap | Any, arc: bool, max_bytes: int, offsets: bool = True, skip_first: int = 0
) -> Iterator[WarcRecord]:
    w = _WarcioIter(tap, arc)
    it = w.it
    n = 0
    for rec in it:
        n += 1
        headers = [(str(k), str(v)) for k, v in rec.rec_headers.headers]
        if n <= skip_first:
            continue
        offset = it.offset if offsets else None  # the start of this record (get_record_offset reads it all)
        r = _make_record(headers, rec.rec_headers.protocol, offset, rec.raw_stream, max_bytes)
        if offsets:
            it.read_to_end(rec)
            r._min_end = it.get_record_offset() + it.get_record_length()
        yield r


# ---- the driver --------------------------------------------------------------------------------
def iter_records(
    source: str | bytes | os.PathLike,
    *,
    reader: str = "auto",
    stats: Any = None,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
    storage_options: dict[str, Any] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    source_retries: int = 3,
) -> Iterator[WarcRecord]:
    """Every record of a WARC (local path, fsspec URL or bytes) with its offset and length.

    Malformed records are counted in ``stats`` (``skipped``: ``malformed_record``) and
    skipped; reading goes on at the next record boundary. A storage failure (network,
    disk) is not a malformed record: reading starts again at the last record boundary,
    up to ``source_retries`` times, then WarcSourceError is raised (the task fails, so
    a rerun redoes the file rather than leaving records out). ``on_bytes`` gets the size of
    the file (or the bytes read, when the size is unknown) once it is done.
    """
    if reader not in READERS:
        raise ValueError(f"reader must be one of {', '.join(READERS)}, got {reader!r}")
    stats = stats if stats is not None else CountSink()
    records = _RecordReader(source, reader, stats, max_record_bytes, storage_options, source_retries)
    yield from records.read()
    if on_bytes is not None:
        on_bytes(records.src.size if records.src.size is not None else records.bytes_read)


def _finish(rec: WarcRecord, end: int | None) -> WarcRecord:
    """The record with its length, now that the next record (or the end of the file) says where it ends."""
    if rec.offset is None or rec._min_end == -1 or end is None:
        rec.length = None
    else:
        rec.length = end - rec.offset
    return rec


class _RecordReader:
    """The records of one WARC, read in sessions: each session reads from a record boundary until
    the end of the file or an error, after which :meth:`_recover` decides where (and with which
    reader) the next session starts.

    A record is held back (``pending``) until the next one tells where it ends.
    """

    def __init__(
        self,
        source: str | bytes | os.PathLike,
        reader: str,
        stats: Any,
        max_record_bytes: int,
        storage_options: dict[str, Any] | None,
        source_retries: int,
    ) -> None:
        self.src = _Source(source, storage_options)
        self.name = f"<{len(source)} bytes>" if isinstance(source, bytes) else str(source)
        self.reader = reader
        self.stats = stats
        self.max_record_bytes = max_record_bytes
        self.source_retries = source_retries
        self.gz, self.arc, self.engine = self._choose_engine(source)
        self.pos = 0  # where the current reading session starts
        self.high = -1  # highest record offset seen: never go back before it
        self.bytes_read = 0
        self.single_stream = False  # a gzip file whose members hold several records: read on as one stream
        self.skip_first = 0
        self.pending: WarcRecord | None = None  # held back until the next record tells where it ends
        self.warned = False
        self.fallback_left: int | None = None
        self.retry_wait = 1.0

    def _choose_engine(self, source: Any) -> tuple[bool, bool, str]:
        """Whether the file is gzipped, whether it is an ARC file, and the reader to start with."""
        fh = self.src.open_at(0)
        try:
            gz, head = _first_bytes(fh)
        finally:
            fh.close()
        arc = head.lstrip().startswith(b"filedesc:") or bool(_ARC_LINE.match(head))
        version_ok = bool(re.match(rb"\s*WARC/1\.[01]\r?\n", head))
        engine = self.reader
        if self.reader == "auto":
            engine = "fastwarc" if version_ok and not arc else "warcio"
            if not version_ok and not arc:
                self.stats.reason("warnings", "old_warc_version_read_with_warcio")
        elif self.reader == "fastwarc" and arc:
            raise ValueError(f"{source}: FastWARC cannot read ARC files; use reader=warcio or auto")
        return gz, arc, engine

    def read(self) -> Iterator[WarcRecord]:
        """Every record, session after session, until the end of the file."""
        while True:
            error, rec, end = yield from self._session()
            if error is None:  # clean end of file
                if self.pending is not None:
                    yield _finish(self.pending, end)
                return
            go_on = yield from self._recover(error, rec)
            if not go_on:
                return

    def _open_records(self, tap: _Tap) -> Iterator[WarcRecord]:
        if self.single_stream:
            return _warcio_records(
                gzip.GzipFile(fileobj=tap), self.arc, self.max_record_bytes, offsets=False, skip_first=self.skip_first
            )
        if self.engine == "fastwarc":
            return _fastwarc_records(tap, self.gz, self.max_record_bytes)
        return _warcio_records(tap, self.arc, self.max_record_bytes)

    def _session(self) -> Generator[WarcRecord, None, tuple[BaseException | None, WarcRecord | None, int | None]]:
        """Read from ``pos`` until the end or an error; return the error, the last record read, the end offset."""
        fh = self.src.open_at(self.pos)
        keep = (8 << 20) if (self.gz and self.engine == "fastwarc" and not self.single_stream) else 0
        tap = _Tap(fh, self.pos, keep=keep)
        records = self._open_records(tap)
        error: BaseException | None = None
        rec: WarcRecord | None = None
        try:
            while True:
                try:
                    rec = next(records)
                except StopIteration:
                    break
                except BaseException as e:  # noqa: BLE001 - FastWARC raises pyo3's PanicException (a BaseException)
                    if isinstance(e, _FATAL):
                        raise
                    error = _source_error(e) or e
                    break
                error = self._check(rec)
                if error is not None:
                    break
                if rec.offset is not None:
                    self.high = max(self.high, rec.offset)
                if self.pending is not None:
                    yield _finish(self.pending, rec.offset)
                self.pending = rec
        finally:
            self.bytes_read += tap.pos - tap.start
            fh.close()
        end = self.src.size if self.src.size is not None else (tap.pos if tap.eof else None)
        return error, rec, end

    def _check(self, rec: WarcRecord) -> BaseException | None:
        """A record just read: note what it says of the file's layout; an error when reading must change course."""
        if self.single_stream:
            rec.offset = rec.length = None
        elif rec.offset is None:  # FastWARC: not at a gzip member start, so it shares a member
            if self.pending is not None:
                self.pending._min_end = -1
            if not self.warned:
                self.stats.reason("warnings", "non_chunked_gzip")
                self.warned = True
        elif self.gz and self.engine == "warcio" and rec.truncated and _member_ends_early(rec, self.src):
            # the block stops at a gzip member end although the file goes on: members and
            # records do not line up; read on from this record as one gzip stream
            return _NonChunked()
        if (
            self.fallback_left is not None
            and self.engine == "warcio"
            and not self.single_stream
            and rec.offset is not None
        ):
            self.fallback_left -= 1
            if self.fallback_left < 0 and rec.offset > self.high:
                return _SwitchBack()  # past the spot FastWARC failed on: give it the rest again
        return None

    def _recover(self, error: BaseException, rec: WarcRecord | None) -> Generator[WarcRecord, None, bool]:
        """After an error: where the next session starts (False: nowhere, the file is done)."""
        if isinstance(error, WarcSourceError):
            self._retry_source(error)
            return True
        if isinstance(error, _SwitchBack):
            assert rec is not None
            if self.pending is not None:
                yield _finish(self.pending, rec.offset)
                self.pending = None
            self.pos, self.engine, self.fallback_left = rec.offset or 0, "fastwarc", None
            return True
        if self.single_stream:
            self.stats.reason("skipped", "malformed_record")
            if self.pending is not None:
                yield _finish(self.pending, None)
            return False
        msg = str(error)
        if isinstance(error, _NonChunked) or "non-chunked gzip" in msg:
            yield from self._read_on_as_one_stream(error, rec)
            return True
        if (
            self.engine == "fastwarc"
            and self.reader == "auto"
            and (self.pending is None or self.pending.offset is not None)
        ):
            log.info(
                "%s: FastWARC failed after offset %s (%s); going on with warcio", self.name, self.pos, msg.strip()[:200]
            )
            self.stats.reason("warnings", "fastwarc_fallback")
            self.engine = "warcio"
            self.fallback_left = 8  # records warcio reads past the failure before FastWARC takes over again
            if self.pending is not None:
                self.pos = self.pending.offset  # warcio reads it again
                self.pending = None
            return True
        go_on = yield from self._skip_malformed(msg)
        return go_on

    def _retry_source(self, error: WarcSourceError) -> None:
        """The storage failed, not the file: read again from the last record boundary."""
        if self.source_retries <= 0 or self.single_stream:
            raise error
        self.source_retries -= 1
        self.stats.reason("warnings", "read_retried")
        log.warning("%s: %s; reading again from byte %s", self.name, error, self.pos)
        time.sleep(self.retry_wait)
        self.retry_wait = min(self.retry_wait * 2, 60.0)
        if self.pending is not None and self.pending.offset is not None:
            self.pos = self.pending.offset
            self.pending = None
        elif self.pending is not None:
            raise error  # inside a multi-record gzip stream: no boundary to go back to

    def _read_on_as_one_stream(self, error: BaseException, rec: WarcRecord | None) -> Iterator[WarcRecord]:
        """Gzip members hold several records: go on reading the rest as one gzip stream, without pointers."""
        self.stats.reason("warnings", "non_chunked_gzip")
        log.info("%s: gzip members hold several records; reading on as one stream, without pointers", self.name)
        if isinstance(error, _NonChunked):  # restart at the record whose block ran short
            assert rec is not None
            if self.pending is not None:
                yield _finish(self.pending, rec.offset)
            self.pos, self.skip_first = rec.offset or 0, 0
        elif self.pending is not None:  # warcio found a second record in the member of the pending one
            self.pending._min_end = -1
            self.pos, self.skip_first = self.pending.offset or 0, 1
            yield _finish(self.pending, None)
        else:
            self.skip_first = 0
        self.pending = None
        self.single_stream = True

    def _skip_malformed(self, msg: str) -> Generator[WarcRecord, None, bool]:
        """A malformed record: count it and go on at the next record boundary (False: there is none)."""
        self.stats.reason("skipped", "malformed_record")
        log.info("%s: malformed record after offset %s: %s", self.name, self.pos, msg.strip()[:200])
        scan_from = max(self.pos, self.high) + 1
        if self.pending is not None and self.pending._min_end and self.pending._min_end > 0:
            scan_from = max(scan_from, self.pending._min_end)
        nxt = _find_next_record(self.src, scan_from, self.gz)
        if self.pending is not None:
            yield _finish(self.pending, nxt if nxt is not None else self.src.size)
            self.pending = None
        if nxt is None:
            return False
        self.pos = nxt
        return True


class _NonChunked(Exception):
    pass


def _source_error(e: BaseException) -> WarcSourceError | None:
    """The storage error behind an exception raised while records were parsed, if any."""
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, WarcSourceError):
            return e
        e = e.__cause__ or e.__context__
        seen += 1
    return None


class _SwitchBack(Exception):
    pass


def _member_ends_early(rec: WarcRecord, src: _Source) -> bool:
    """A short block whose gzip member ends before the file does: the record goes on in the next member."""
    return rec._min_end is not None and rec._min_end > 0 and (src.size is None or rec._min_end < src.size)


def _find_next_record(src: _Source, start: int, gz: bool, limit: int = 1 << 30) -> int | None:
    """The offset of the next plausible record start at or after ``start`` (None when none)."""
    fh = src.open_at(start)
    try:
        pos = start
        carry = b""
        scanned = 0
        while scanned < limit:
            chunk = fh.read(1 << 20)
            if not chunk:
                return None
            buf = carry + chunk
            base = pos - len(carry)
            i = 0
            while True:
                if gz:
                    j = buf.find(GZIP_MAGIC, i)
                else:
                    j = buf.find(b"WARC/", i)
                if j < 0:
                    break
                if gz:
                    try:
                        out = zlib.decompressobj(31).decompress(buf[j : j + 65536], 512)
                    except zlib.error:
                        out = b""
                    if out.startswith(b"WARC/") or _ARC_LINE.match(out) or (not out and len(buf) - j < 64):
                        if out:
                            return base + j
                        break  # too close to the end of the buffer: look again with more bytes
                elif (j == 0 and base == start) or buf[j - 1 : j] == b"\n" or (j == 0 and base == 0):
                    line_end = buf.find(b"\n", j)
                    if re.match(rb"WARC/\d\.\d+\r?$", buf[j:line_end] if line_end >= 0 else buf[j : j + 12]):
                        return base + j
                i = j + 1
            carry = buf[-64:]
            pos += len(chunk)
            scanned += len(chunk)
        return None
    finally:
        fh.close()


# ----------------------------------------------------------------------------------------
# HTTP
# ----------------------------------------------------------------------------------------
class HttpError(ValueError):
    """A record block that is not a readable HTTP response."""


class Headers(dict):
    """HTTP headers: a dict keeping the original names, looked up case-insensitively.

    Repeated headers are joined with ``", "``.
    """

    def __init__(self, pairs: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self._lower: dict[str, str] = {}
        for k, v in pairs or []:
            self.add(k, v)

    def add(self, key: str, value: str) -> None:
        low = key.lower()
        if low in self._lower:
            orig = self._lower[low]
            dict.__setitem__(self, orig, dict.__getitem__(self, orig) + ", " + value)
        else:
            self._lower[low] = key
            dict.__setitem__(self, key, value)

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, self._lower.get(key.lower(), key))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._lower

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        orig = self._lower.get(key.lower())
        return default if orig is None else dict.__getitem__(self, orig)


_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass
class HttpResponse:
    status: int
    headers: Headers
    body: bytes


def parse_http_response(block: bytes, max_header_bytes: int = 256 * 1024) -> HttpResponse:
    """Split an HTTP response block into status, headers and raw body; bare-LF lines accepted."""
    m = _HEADER_END.search(block, 0, max_header_bytes)
    if m is None:
        if block.count(b"\n") <= 64 and block.startswith(b"HTTP/"):
            head, body = block, b""
        else:
            raise HttpError("no end of HTTP headers")
    else:
        head, body = block[: m.start()], block[m.end() :]
    lines = head.decode("iso-8859-1").splitlines()
    if not lines or not lines[0].startswith("HTTP/"):
        raise HttpError("not an HTTP response")
    parts = lines[0].split(None, 2)
    try:
        status = int(parts[1])
    except (IndexError, ValueError):
        raise HttpError(f"bad HTTP status line {lines[0][:80]!r}") from None
    pairs: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and pairs:  # obsolete line folding
            k, v = pairs[-1]
            pairs[-1] = (k, v + " " + line.strip())
            continue
        k, sep, v = line.partition(":")
        if sep and k.strip():
            pairs.append((k.strip(), v.strip()))
    return HttpResponse(status, Headers(pairs), body)


def dechunk(body: bytes) -> bytes | None:
    """Undo HTTP chunked transfer-encoding; None when the body is not chunked after all."""
    out = []
    pos = 0
    n = len(body)
    first = True
    while pos < n:
        nl = body.find(b"\n", pos, pos + 1024)
        if nl < 0:
            if first:
                return None
            break
        size_s = body[pos:nl].split(b";", 1)[0].strip()
        try:
            size = int(size_s, 16)
        except ValueError:
            if first:
                return None
            out.append(body[pos:])  # garbage after good chunks: keep it rather than lose text
            break
        first = False
        if size == 0:
            break
        start = nl + 1
        out.append(body[start : start + size])
        pos = start + size
        if body[pos : pos + 2] == b"\r\n":
            pos += 2
        elif body[pos : pos + 1] == b"\n":
            pos += 1
    return b"".join(out)


def decode_content(body: bytes, encoding: str) -> bytes:
    """Undo a Content-Encoding (gzip, deflate, br, zstd; chains like ``gzip, br``)."""
    for enc in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        if enc in ("identity", "none", ""):
            continue
        if enc in ("gzip", "x-gzip"):
            d = zlib.decompressobj(47)  # gzip or zlib header
            body = d.decompress(body) + d.flush()
        elif enc == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:
                body = zlib.decompress(body, -15)  # raw deflate, as some servers send
        elif enc == "br":
            import brotli  # optional: installed with aiohttp / fsspec[http]

            body = brotli.decompress(body)
        elif enc == "zstd":
            from compression import zstd  # type: ignore[import-not-found]  # Python 3.14+

            body = zstd.decompress(body)
        else:
            raise ValueError(f"unknown content encoding {enc!r}")
    return body


# ----------------------------------------------------------------------------------------
# HTML pages
# ----------------------------------------------------------------------------------------
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "utf8": "utf-8",
    "unicode": "utf-8",
    "x-user-defined": "cp1252",
}
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)


def charset_from_content_type(value: str | None) -> str | None:
    if not value:
        return None
    m = _CT_CHARSET.search(value)
    return m.group(1) if m else None


def meta_charset(head: bytes) -> str | None:
    """The charset a ``<meta charset>`` or ``<meta http-equiv=Content-Type>`` declares in the first 4 KB."""
    m = _META_CHARSET.search(head[:4096])
    return m.group(1).decode("ascii", "ignore") if m else None


def _codec(name: str | None, from_meta: bool = False) -> str | None:
    if not name:
        return None
    n = name.strip().strip("\"'").lower()
    if from_meta and n.startswith("utf-16"):
        return "utf-8"  # a page read as bytes cannot be UTF-16 if its meta tag was found as ASCII
    n = _CHARSET_ALIASES.get(n, n)
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None, warc_charset: str | None = None) -> tuple[str, str, str]:
    """Bytes to text: (text, charset, where the charset came from). Never raises.

    Order: a byte-order mark; the HTTP Content-Type charset; the WARC's
    ``WARC-Identified-Content-Charset``; ``<meta charset>``; then detection (UTF-8 if
    it decodes, else charset-normalizer). A declared charset that does not decode is
    passed over for the next one; when none decodes cleanly, the first declared one
    is used with undecodable bytes replaced.
    """
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace"), name, "bom"
    declared = [
        (_codec(charset_from_content_type(content_type)), "http"),
        (_codec(warc_charset), "warc"),
        (_codec(meta_charset(body), from_meta=True), "meta"),
    ]
    declared = [(c, s) for c, s in declared if c]
    for cs, src in declared:
        try:
            return body.decode(cs), cs, src
        except (UnicodeDecodeError, LookupError):
            continue
    if declared:
        cs, src = declared[0]
        try:
            return body.decode(cs, "replace"), cs, src + "-replaced"
        except LookupError:
            pass
    try:
        return body.decode("utf-8"), "utf-8", "detected"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None and best.encoding:
            cs = _codec(best.encoding) or best.encoding
            return body.decode(cs, "replace"), cs, "detected"
    except Exception:  # noqa: BLE001 - detection is best effort
        pass
    return body.decode("cp1252", "replace"), "cp1252", "fallback"


def looks_like_html(body: bytes) -> bool:
    """Sniff HTML when no Content-Type says what the payload is."""
    head = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")):
        return head.startswith(b"<?xml") is False or b"<html" in head
    if head.startswith(b"<!--") or head.startswith(b"<"):
        return any(t in head for t in (b"<html", b"<head", b"<body", b"<title", b"<p>", b"<div"))
    return False


def html_mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


@dataclass
class HtmlPage:
    """An HTML response record, decoded, with its pointer."""

    url: str
    html: str
    http_headers: Headers
    status: int
    warc_date: str
    offset: int | None
    length: int | None
    charset: str
    charset_source: str
    payload_bytes: int
    warc_truncated: str | None = None  # WARC-Truncated (the crawler cut the payload)


# Elements that never hold others: they do not deepen the nesting.
_VOID_TAGS = b"area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr|keygen|command|basefont|frame"
_TAG = re.compile(rb"<(/?)(?!(?:" + _VOID_TAGS + rb")[\s/>])[a-zA-Z]", re.IGNORECASE)
DEFAULT_MAX_HTML_DEPTH = 5000


def html_too_deep(body: bytes, max_depth: int = DEFAULT_MAX_HTML_DEPTH) -> bool:
    """Whether the element nesting of an HTML payload may exceed ``max_depth`` (0 = no limit).

    An HTML parser's time grows with the square of the nesting (each tag checks the open
    elements), in native code no timer can interrupt: a few MB of nested ``<div>`` take
    minutes. The check is on the bytes, before any parsing: a page with fewer ``<`` than the
    limit cannot be that deep (one count, most pages stop there); others are scanned tag by tag,
    start tags of non-void elements opening and end tags closing a level. Implied end tags
    (``<p>``, ``<li>`` left open) count as open, so the estimate is high, never low.
    """
    if max_depth <= 0 or body.count(b"<") <= max_depth:
        return False
    depth = 0
    for slash in _TAG.findall(body):
        if slash:
            if depth:
                depth -= 1
        else:
            depth += 1
            if depth > max_depth:
                return True
    return False


def html_page(
    rec: WarcRecord,
    stats: Any = None,
    *,
    max_html_bytes: int = 8 * 1024 * 1024,
    max_html_depth: int = DEFAULT_MAX_HTML_DEPTH,
    count_records: bool = True,
) -> HtmlPage | None:
    """The HTML page of a record, or None (not a response, not HTML, or bad: counted in ``stats``).

    Counts go to ``records`` and ``html_responses``; bad input under ``skipped`` and
    ordinary non-pages (requests, images...) under ``ignored``. Pages larger than
    ``max_html_bytes`` or nested deeper than ``max_html_depth`` (:func:`html_too_deep`)
    are skipped before they are parsed (``html_too_large``, ``html_too_deep``).
    """
    stats = stats if stats is not None else CountSink()
    if count_records:
        stats.inc("records")
    if rec.rec_type != "response":
        stats.reason("ignored", f"{rec.rec_type or 'unknown'}_record")
        return None
    if rec.too_large:
        stats.reason("skipped", "record_too_large")
        return None
    if rec.block is None:
        stats.reason("skipped", "malformed_record")
        return None
    if rec.truncated:
        stats.reason("skipped", "truncated_record")
        return None
    if not rec.url.lower().startswith(("http://", "https://")):
        stats.reason("ignored", "non_http_url")
        return None
    try:
        resp = parse_http_response(rec.block)
    except HttpError:
        stats.reason("skipped", "bad_http_headers")
        return None
    if not 200 <= resp.status < 300:
        stats.reason("ignored", f"http_status_{resp.status // 100}xx")
        return None
    body = resp.body
    te = (resp.headers.get("Transfer-Encoding") or "").lower()
    if "chunked" in te:
        dec = dechunk(body)
        if dec is None:
            stats.reason("warnings", "bad_chunked_encoding")
        else:
            body = dec
    ce = resp.headers.get("Content-Encoding")
    if ce and ce.strip().lower() not in ("identity", "none", ""):
        try:
            body = decode_content(body, ce)
        except Exception:  # noqa: BLE001 - any codec failure
            if not looks_like_html(body):  # some archives store the decoded body under the old header
                stats.reason("skipped", "bad_content_encoding")
                return None
            stats.reason("warnings", "content_encoding_already_decoded")
    ctype = resp.headers.get("Content-Type")
    mime = html_mime(ctype) or html_mime(rec.header("WARC-Identified-Payload-Type"))
    if mime:
        if mime not in HTML_MIME_TYPES:
            stats.reason("ignored", "non_html")
            return None
    elif not looks_like_html(body):
        stats.reason("ignored", "non_html")
        return None
    stats.inc("html_responses")
    if len(body) > max_html_bytes:
        stats.reason("skipped", "html_too_large")
        return None
    if html_too_deep(body, max_html_depth):
        stats.reason("skipped", "html_too_deep")
        return None
    text, cs, cs_src = decode_html(body, ctype, rec.header("WARC-Identified-Content-Charset"))
    stats.reason("charset_source", cs_src)
    if rec.header("WARC-Truncated"):
        stats.reason("warnings", "payload_truncated_by_crawler")  # still extracted: the start of the page
    if cs_src.endswith("replaced") or cs_src == "fallback":
        stats.reason("warnings", "undecodable_bytes_replaced")
    return HtmlPage(
        url=rec.url,
        html=text,
        http_headers=resp.headers,
        status=resp.status,
        warc_date=rec.date,
        offset=rec.offset,
        length=rec.length,
        charset=cs,
        charset_source=cs_src,
        payload_bytes=len(body),
        warc_truncated=rec.header("WARC-Truncated"),
    )


def iter_html_pages(
    source: str | bytes | os.PathLike,
    *,
    reader: str = "auto",
    stats: Any = None,
    max_html_bytes: int = 8 * 1024 * 1024,
    storage_options: dict[str, Any] | None = None,
) -> Iterator[HtmlPage]:
    """The HTML response pages of a WARC, in file order, with their pointers."""
    stats = stats if stats is not None else CountSink()
    for rec in iter_records(
        source, reader=reader, stats=stats, storage_options=storage_options, on_bytes=lambda n: stats.inc("bytes_in", n)
    ):
        page = html_page(rec, stats, max_html_bytes=max_html_bytes)
        if page is not None:
            yield page


# ----------------------------------------------------------------------------------------
# Common Crawl listings and names
# ----------------------------------------------------------------------------------------
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def is_warc(path: str) -> bool:
    """A WARC or ARC file name (Common Crawl's WET and WAT files are WARCs too)."""
    return bool(re.search(r"\.(warc|arc)(\.(wet|wat))?(\.gz)?$", path.lower().split("?", 1)[0]))


def is_listing(path: str) -> bool:
    name = path.lower().rsplit("/", 1)[-1]
    return name.endswith((".paths", ".paths.gz"))


def resolve_location(name: str, base_url: str) -> str:
    """Where a WARC named in a listing or pointer lives: URLs and existing local paths as they are,
    other names under ``base_url`` (a URL or a local folder)."""
    name = name.strip()
    if "://" in name:
        return name
    if os.path.isabs(name) and os.path.exists(name):
        return name
    if not base_url:
        return name
    if "://" in base_url:
        return base_url.rstrip("/") + "/" + name.lstrip("/")
    return os.path.join(base_url, name.lstrip("/"))


def relative_name(location: str, base_url: str) -> str:
    """The inverse of ``resolve_location`` for names stored in ``general_metadata``."""
    if base_url:
        b = base_url.rstrip("/") + "/"
        if location.startswith(b):
            return location[len(b) :]
    return location


def read_listing(path: str, base_url: str = DEFAULT_BASE_URL) -> list[str]:
    """The WARC locations named by a ``warc.paths`` / ``warc.paths.gz`` listing, resolved against ``base_url``."""
    if "://" in path:
        import fsspec

        with fsspec.open(path, "rb", compression="infer") as fh:
            data = fh.read()
    else:
        with open(path, "rb") as fh:
            data = fh.read()
        if data[:2] == GZIP_MAGIC[:2]:
            data = gzip.decompress(data)
    out = []
    for line in data.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(resolve_location(line, base_url))
    return out
