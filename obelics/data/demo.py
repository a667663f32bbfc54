"""The demo's sample data: pictures drawn on the spot, a live image server, and a WARC of the pages.

``pages.yaml`` (beside this file) holds the pages, written for this project, and the list of
their pictures. ``draw_image`` draws each picture deterministically (gradients and shapes,
seeded by its path); ``ImageServer`` serves them over HTTP on 127.0.0.1; ``write_warc`` writes
the pages as a gzipped WARC whose image addresses point at that server.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import random
import threading
import uuid
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
PAGES = HERE / "demo" / "pages.yaml"
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}


def load_pages(path: str | Path = PAGES) -> dict[str, Any]:
    """The ``images`` and ``pages`` of the sample."""
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def draw_image(name: str, width: int, height: int) -> bytes:
    """A colourful picture (gradient and shapes) seeded by ``name``; encoded by ``name``'s extension."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = random.Random(hashlib.sha256(name.encode()).hexdigest())

    def colour() -> tuple[int, int, int]:
        return (rng.randrange(30, 256), rng.randrange(30, 256), rng.randrange(30, 256))

    a, b = colour(), colour()
    horizontal = rng.random() < 0.5
    n = width if horizontal else height
    ramp = np.linspace(0.0, 1.0, n)[:, None] * (np.array(b, float) - np.array(a, float)) + np.array(a, float)
    grid = (
        np.broadcast_to(ramp[None, :, :], (height, width, 3))
        if horizontal
        else np.broadcast_to(ramp[:, None, :], (height, width, 3))
    )
    img = Image.fromarray(grid.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randrange(4, 9)):
        x0, y0 = rng.randrange(0, width), rng.randrange(0, height)
        w, h = rng.randrange(width // 8, width // 2), rng.randrange(height // 8, height // 2)
        box = (x0 - w // 2, y0 - h // 2, x0 + w // 2, y0 + h // 2)
        kind = rng.choice(["ellipse", "rectangle", "polygon"])
        if kind == "ellipse":
            draw.ellipse(box, fill=colour(), outline=colour(), width=3)
        elif kind == "rectangle":
            draw.rectangle(box, fill=colour())
        else:
            pts = [(rng.randrange(box[0], box[2] + 1), rng.randrange(box[1], box[3] + 1)) for _ in range(3)]
            draw.polygon(pts, fill=colour())
    fmt = FORMATS[Path(name).suffix.lower()]
    buf = io.BytesIO()
    options = {"JPEG": {"quality": 88}, "WEBP": {"quality": 85}, "PNG": {}}[fmt]
    img.save(buf, format=fmt, **options)
    return buf.getvalue()


def write_images(folder: str | Path, sample: dict[str, Any] | None = None) -> list[Path]:
    """Draw every picture of the sample into ``folder`` (``garden/banner.jpg`` ...)."""
    sample = sample or load_pages()
    out = []
    for name, (w, h) in sorted(sample["images"].items()):
        p = Path(folder) / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(draw_image(name, int(w), int(h)))
        out.append(p)
    return out


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        self.server.requests.append(self.path)  # type: ignore[attr-defined]


class ImageServer:
    """Serve a folder over HTTP on 127.0.0.1 (a free port) in a background thread; a context manager."""

    def __init__(self, folder: str | Path) -> None:
        handler = functools.partial(_Quiet, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.requests = []  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[str]:
        return self.httpd.requests  # type: ignore[attr-defined]

    def __enter__(self) -> ImageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
<header class="site-header"><a href="/" class="brand">{site}</a>
<nav><a href="/">Home</a> <a href="/archive">Archive</a> <a href="/about">About</a> <a href="/contact">Contact</a></nav>
</header>
<main>
<article>
<h1>{title}</h1>
{body}
</article>
</main>
<footer><p>Copyright 2023 {site}. Written and photographed by its authors.</p>
<p><a href="/privacy">Privacy</a> <a href="/feed">Feed</a></p></footer>
</body>
</html>
"""


def page_html(page: dict[str, Any], image_base: str) -> str:
    site = page["url"].split("/")[2]
    return PAGE.format(
        lang=page.get("lang", "en"),
        title=html.escape(page["title"]),
        head=page.get("head", ""),
        site=site,
        body=page["body"].replace("{img}", image_base.rstrip("/")),
    )


def write_warc(path: str | Path, image_base: str, sample: dict[str, Any] | None = None) -> int:
    """Write the pages as a gzipped WARC (response records, plus a warcinfo and a robots.txt); return pages."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    sample = sample or load_pages()
    from obelics.io.atomic import atomic_open

    path = Path(path)
    with atomic_open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        info = writer.create_warcinfo_record(
            path.name, {"software": "obelics demo", "description": "sample pages written for the obelics demo"}
        )
        writer.write_record(info)
        for n, page in enumerate(sample["pages"]):
            body = page_html(page, image_base).encode("utf-8")
            date = page["date"]
            http_date = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").strftime("%a, %d %b %Y %H:%M:%S GMT")
            headers = [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Date", http_date),
                ("Content-Length", str(len(body))),
            ]
            headers += [(k, str(v)) for k, v in (page.get("headers") or {}).items()]
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            rec = writer.create_warc_record(
                page["url"],
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={
                    "WARC-Date": date,
                    "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, str(n) + ':' + page['url'])}>",
                },
            )
            writer.write_record(rec)
            if n == 0:  # a non-HTML response the extractor must skip
                robots = b"User-agent: *\nDisallow: /private/\n"
                rec = writer.create_warc_record(
                    page["url"].split("/notes/")[0] + "/robots.txt",
                    "response",
                    payload=io.BytesIO(robots),
                    http_headers=StatusAndHeaders(
                        "200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(robots)))], "HTTP/1.1"
                    ),
                    warc_headers_dict={"WARC-Date": date},
                )
                writer.write_record(rec)
    return len(sample["pages"])
