"""A local HTTP image server for tests and benchmarks, with the bad cases of the web.

    with ImageServer() as srv:
        url = srv.add("/a.jpg", make_jpeg(300, 200))          # a real image
        srv.add_status("/gone.jpg", 404)                      # an error
        srv.add_slow("/slow.jpg", make_jpeg(300, 200), 3.0)   # answers after 3 s
        srv.add_redirect("/r.jpg", "/a.jpg")                  # 302 to another path (or a full URL)
        ...
        srv.count("/a.jpg")                                   # GET requests seen for a path
        srv.served["/a.jpg"]                                  # answers sent in full for a path
        srv.stall_at = 5                                      # hold the 5th GET unanswered (srv.stalled, srv.release)

It listens on 127.0.0.1 on a free port, in a thread, and logs every request (``GET /__requests`` returns the
counts as JSON, for a server run in another process).
"""

from __future__ import annotations

import io
import json
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fail_first: int = 0  # answer 503 to the first N requests, then normally


class ImageServer:
    """Serve registered routes on 127.0.0.1; unknown paths get 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: Counter[str] = Counter()
        self.log: list[tuple[str, str]] = []  # (path, user agent)
        self.hosts: list[str] = []  # the Host header of each request
        self.served: Counter[str] = Counter()  # answers sent in full, per path
        self.stall_at = 0  # the Nth GET (1-based; 0 = none) is held without an answer until `release` is set
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?", 1)[0]
                if path == "/__requests":  # the request log, for a server run in another process
                    with server._lock:
                        body = json.dumps(dict(server.requests)).encode()
                    self._send(200, body, "application/json", {})
                    return
                with server._lock:
                    server.requests[path] += 1
                    n = server.requests[path]
                    stall = server.stall_at and sum(server.requests.values()) == server.stall_at
                    server.log.append((path, self.headers.get("User-Agent", "")))
                    server.hosts.append(self.headers.get("Host", ""))
                if stall:  # held, then dropped without an answer (its client is killed meanwhile)
                    server.stalled.set()
                    server.release.wait(60)
                    self.close_connection = True
                    return
                route = server.routes.get(path)
                if route is None:
                    self._send(404, b"not found", "text/plain", {})
                    return
                if route.delay:
                    time.sleep(route.delay)
                if n <= route.fail_first:
                    self._send(503, b"busy", "text/plain", {"Retry-After": "0"})
                    return
                self._send(route.status, route.body, route.content_type, route.headers)

            def do_HEAD(self) -> None:  # noqa: N802 - what fsspec asks first of an HTTP file
                route = server.routes.get(self.path.split("?", 1)[0])
                self.send_response(200 if route else 404)
                self.send_header("Content-Length", str(len(route.body) if route else 0))
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

            def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                    with server._lock:
                        server.served[self.path.split("?", 1)[0]] += 1
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> ImageServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ImageServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- routes -------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes, content_type: str | None = None, **kw: object) -> str:
        """Serve ``body`` at ``path`` (content type guessed from the bytes unless given); return its URL."""
        self.routes[path] = Route(200, body, content_type or guess_type(body), **kw)  # type: ignore[arg-type]
        return self.url(path)

    def add_status(self, path: str, status: int, body: bytes = b"error") -> str:
        self.routes[path] = Route(status, body, "text/plain")
        return self.url(path)

    def add_slow(self, path: str, body: bytes, delay: float) -> str:
        self.routes[path] = Route(200, body, guess_type(body), delay=delay)
        return self.url(path)

    def add_redirect(self, path: str, target: str, status: int = 302) -> str:
        """Redirect ``path`` to ``target`` (a path on this server or a full URL)."""
        location = target if "://" in target else self.url(target)
        self.routes[path] = Route(status, b"", "text/plain", {"Location": location})
        return self.url(path)

    def add_flaky(self, path: str, body: bytes, fail_first: int = 1) -> str:
        """Answer 503 to the first ``fail_first`` requests, then the image."""
        self.routes[path] = Route(200, body, guess_type(body), fail_first=fail_first)
        return self.url(path)

    # ---- request log --------------------------------------------------------------------------
    def count(self, path: str) -> int:
        with self._lock:
            return self.requests[path]

    def total(self) -> int:
        with self._lock:
            return sum(self.requests.values())

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.log.clear()
            self.hosts.clear()
            self.served.clear()


# ---- payloads ------------------------------------------------------------------------------------
def guess_type(body: bytes) -> str:
    if body.startswith(b"\xff\xd8"):
        return "image/jpeg"
    if body.startswith(b"\x89PNG"):
        return "image/png"
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    if body.startswith(b"GIF8"):
        return "image/gif"
    return "application/octet-stream"


def pattern(width: int, height: int, seed: int = 0) -> Image.Image:
    """A smooth, seed-specific picture (distinct seeds give distinct perceptual hashes)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    img = Image.fromarray(coarse, "RGB").resize((width, height), Image.Resampling.BICUBIC)
    return img


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def make_jpeg(width: int, height: int, seed: int = 0, quality: int = 80) -> bytes:
    return encode(pattern(width, height, seed), "JPEG", quality=quality)


def make_png(width: int, height: int, seed: int = 0) -> bytes:
    return encode(pattern(width, height, seed), "PNG")


def make_webp(width: int, height: int, seed: int = 0) -> bytes:
    return encode(pattern(width, height, seed), "WEBP", quality=80)


def make_gif(width: int, height: int, seed: int = 0) -> bytes:
    return encode(pattern(width, height, seed).convert("P"), "GIF")


def truncated_jpeg(width: int = 400, height: int = 300, seed: int = 0) -> bytes:
    """A JPEG cut in the middle of its scan data."""
    data = encode(pattern(width, height, seed), "JPEG", quality=95)
    return data[: len(data) // 2]


def decompression_bomb_png(side: int = 60_000) -> bytes:
    """A tiny PNG whose header claims ``side`` x ``side`` pixels (billions of pixels once decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)  # 8-bit greyscale
    row = b"\x00" + b"\x00" * side
    idat = zlib.compress(row * 4, 9)  # a few rows only: the file stays small
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
