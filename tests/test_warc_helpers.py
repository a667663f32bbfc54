"""Helpers for the WARC, extract-stage and pointer tests: WARC builders and a loopback Range server.

(No tests here; the name keeps it among the WARC tests' files.)
"""

from __future__ import annotations

import gzip
import io
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CRLF = b"\r\n"


def http_block(body: bytes, headers: list[tuple[str, str]] | None = None, status: str = "200 OK", eol: bytes = CRLF):
    """An HTTP response as bytes (``eol=b"\\n"`` for the bare-LF headers of old crawls)."""
    lines = [f"HTTP/1.1 {status}".encode()] + [f"{k}: {v}".encode() for k, v in (headers or [])]
    return eol.join(lines) + eol + eol + body


def warc_record(
    url: str,
    block: bytes,
    rec_type: str = "response",
    version: str = "1.0",
    extra: list[tuple[str, str]] | None = None,
    date: str = "2023-02-01T10:00:00Z",
    record_id: str = "<urn:uuid:00000000-0000-0000-0000-000000000000>",
) -> bytes:
    """One WARC record, written by hand (for formats the writers will not produce)."""
    ctype = "application/http; msgtype=response" if rec_type == "response" else "application/http; msgtype=request"
    hdr = [
        f"WARC/{version}",
        f"WARC-Type: {rec_type}",
        f"WARC-Target-URI: {url}",
        f"WARC-Date: {date}",
        f"WARC-Record-ID: {record_id}",
        f"Content-Type: {ctype}",
        *[f"{k}: {v}" for k, v in (extra or [])],
        f"Content-Length: {len(block)}",
    ]
    return ("\r\n".join(hdr) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def join_records(records: list[bytes], gz: bool) -> tuple[bytes, list[tuple[int, int]]]:
    """A WARC file (one gzip member per record when ``gz``) and each record's (offset, length)."""
    out = io.BytesIO()
    spans = []
    for r in records:
        data = gzip.compress(r, mtime=0) if gz else r
        spans.append((out.tell(), len(data)))
        out.write(data)
    return out.getvalue(), spans


def page_html(i: int, n_images: int = 3, title: str = "Page") -> str:
    """An article page with paragraphs and images."""
    parts = [f"<html><head><title>{title} {i}</title></head><body><article><h1>{title} number {i}</h1>"]
    for j in range(n_images):
        parts.append(
            f"<p>Paragraph {j} of page {i} tells a long enough story about the town, its church, "
            f"its people and its history, so that it reads like an article.</p>"
            f'<figure><img src="/images/p{i}_{j}.jpg" alt="picture {j}" width="400" height="300">'
            f"<figcaption>Caption {j}</figcaption></figure>"
        )
    parts.append("</article></body></html>")
    return "".join(parts)


def write_warcio_warc(path: Path, pages: list[tuple[str, bytes]], gz: bool = True, with_requests: bool = True) -> None:
    """A multi-record WARC written with warcio: per page a request and a response (text/html)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=gz)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "obelics-tests"}))
        for url, body in pages:
            if with_requests:
                req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "example.org")], is_http_request=True)
                w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=req))
            hh = StatusAndHeaders(
                "200 OK",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
                protocol="HTTP/1.1",
            )
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=hh))


def warcio_pointers(path: Path) -> list[tuple[str, int, int]]:
    """(url, offset, length) of each response record, as warcio reports them."""
    from warcio.archiveiterator import ArchiveIterator

    out = []
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            if rec.rec_type == "response":
                url = rec.rec_headers.get_header("WARC-Target-URI")
                it.read_to_end(rec)
                out.append((url, it.get_record_offset(), it.get_record_length()))
    return out


# ---------------------------------------------------------------------------------------------
# A loopback HTTP server honouring Range, answering 503 to some first requests
# ---------------------------------------------------------------------------------------------
class RangeServer:
    """Serves the files of a folder on 127.0.0.1 with single byte-range support.

    ``fail_first``: answer ``503`` (with ``Retry-After: 0``) to the first request of every
    n-th distinct (path, Range) pair (0: never). ``honour_range=False`` ignores Range (200).
    ``delay``: seconds to wait before each answer (a stand-in for network latency).
    """

    def __init__(self, root: Path, fail_first: int = 0, honour_range: bool = True, delay: float = 0.0) -> None:
        self.root = Path(root)
        self.delay = delay
        self.fail_first = fail_first
        self.honour_range = honour_range
        self.requests: list[tuple[str, str | None, int]] = []
        self._seen: dict[tuple[str, str | None], int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body meet delayed ACKs: 40 ms a request

            def log_message(self, *args):  # quiet
                pass

            def do_HEAD(self):
                self._serve(head=True)

            def do_GET(self):
                self._serve(head=False)

            def _serve(self, head: bool) -> None:
                path = self.path.split("?", 1)[0].lstrip("/")
                rng = self.headers.get("Range")
                status = server._decide(path, rng)
                f = server.root / path
                if status == 503:
                    self._send(503, b"busy", [("Retry-After", "0")], head)
                    return
                if not f.is_file():
                    self._send(404, b"not found", [], head)
                    return
                if server.delay:
                    time.sleep(server.delay)
                size = f.stat().st_size
                m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "") if server.honour_range else None
                if m:
                    a = int(m.group(1))
                    b = int(m.group(2)) if m.group(2) else size - 1
                    if a >= size:
                        self._send(416, b"", [("Content-Range", f"bytes */{size}")], head)
                        return
                    b = min(b, size - 1)
                    with open(f, "rb") as fh:
                        fh.seek(a)
                        part = fh.read(b + 1 - a)
                    self._send(206, part, [("Content-Range", f"bytes {a}-{b}/{size}")], head)
                else:
                    self._send(200, f, [], head)

            def _send(self, code: int, body: bytes | Path, headers: list[tuple[str, str]], head: bool) -> None:
                with server._lock:
                    server.requests.append((self.path, self.headers.get("Range"), code))
                self.send_response(code)
                size = body.stat().st_size if isinstance(body, Path) else len(body)
                self.send_header("Content-Length", str(size))
                self.send_header("Accept-Ranges", "bytes")
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                if head:
                    return
                try:
                    if isinstance(body, Path):  # a whole file, streamed
                        with open(body, "rb") as fh:
                            while chunk := fh.read(1 << 16):
                                self.wfile.write(chunk)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _decide(self, path: str, rng: str | None) -> int:
        if not self.fail_first:
            return 200
        with self._lock:
            key = (path, rng)
            if key not in self._seen:
                self._seen[key] = len(self._seen)
                if self._seen[key] % self.fail_first == 0:
                    return 503
        return 200

    def count(self, code: int) -> int:
        return sum(1 for _, _, c in self.requests if c == code)

    def __enter__(self) -> RangeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serve(root: Path, **kw) -> Iterator[RangeServer]:
    with RangeServer(root, **kw) as s:
        yield s
