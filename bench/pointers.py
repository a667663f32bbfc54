"""Records per second fetched by pointer (HTTP range requests) against reading the whole WARC, same run.

A WARC of N HTML responses (written with warcio, one gzip member per record) is served
from 127.0.0.1 by a Range-honouring HTTP server running in a separate process. Measured:

* whole file: the WARC streamed over HTTP through the reader (``iter_records`` +
  ``html_page``) — the baseline;
* by pointer: each response record fetched with its own range request
  (``RangeFetcher.fetch_many`` at concurrency 1, 4, 16), then parsed by the same reader.

Both end at the same point (a decoded HTML page), so the ratio is the cost of fetching
records one request at a time. ``--latency-ms`` adds a server-side wait per request, a
stand-in for the round trip to a remote store, where concurrency is what makes pointers
usable. ``--extract`` also runs the extractor on every page (both sides).

    python bench/pointers.py                  # loopback, no added latency
    python bench/pointers.py --latency-ms 20  # a nearer picture of fetching from S3
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from obelics.io.pointers import RangeFetcher, record_from_bytes  # noqa: E402
from obelics.io.warc import CountSink, html_page, iter_records  # noqa: E402


def _serve(root: str, delay: float, port_q) -> None:
    from tests.test_warc_helpers import RangeServer

    srv = RangeServer(Path(root), delay=delay)
    port_q.put(srv.url)
    srv.httpd.serve_forever()


def _page_html(i: int, rnd: int) -> bytes:
    parts = [f"<html><head><title>Page {i}</title></head><body><article><h1>Article {i}</h1>"]
    for j in range(40):
        parts.append(
            f"<p>Paragraph {j} of page {i}: a sentence of ordinary length with a number {rnd * j % 9973} in it, "
            "so that the payload looks like a real article body of a few tens of kilobytes.</p>"
            f'<img src="/img/{i}/{j}.jpg" width="300" height="200" alt="image {j}">'
        )
    parts.append("</article></body></html>")
    return "".join(parts).encode()


def make_warc(path: Path, n: int) -> list[tuple[str, int, int]]:
    """A gzip WARC of n request/response pairs; returns the (url, offset, length) of each response."""
    import io

    from warcio.archiveiterator import ArchiveIterator
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        for i in range(n):
            url = f"http://site{i % 50}.example/page/{i}"
            req = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=req))
            body = _page_html(i, i * 7919)
            hh = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=hh))
    out = []
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for rec in it:
            if rec.rec_type == "response":
                it.read_to_end(rec)
                out.append(
                    (rec.rec_headers.get_header("WARC-Target-URI"), it.get_record_offset(), it.get_record_length())
                )
    return out


def _extract(page) -> None:
    from obelics.html.extract import extract_document

    extract_document(page.html, page.url, mode="obelics")


def run_whole(url: str, extract: bool) -> tuple[int, float]:
    st = CountSink()
    t = time.perf_counter()
    n = 0
    for rec in iter_records(url, stats=st):
        page = html_page(rec, st)
        if page is not None:
            n += 1
            if extract:
                _extract(page)
    return n, time.perf_counter() - t


def run_pointers(url: str, pointers: list[tuple[str, int, int]], concurrency: int, extract: bool) -> tuple[int, float]:
    fetcher = RangeFetcher(concurrency=concurrency, rate_limit=0, retries=2, backoff=0.05)
    st = CountSink()
    t = time.perf_counter()
    n = 0
    for _, data, err in fetcher.fetch_many((p, url, p[1], p[2]) for p in pointers):
        if err is not None:
            continue
        rec, reason = record_from_bytes(data)
        if rec is None:
            continue
        page = html_page(rec, st)
        if page is not None:
            n += 1
            if extract:
                _extract(page)
    fetcher.close()
    return n, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=1500, help="HTML responses in the WARC (default 1500)")
    ap.add_argument("--concurrency", default="1,4,16", help="fetch threads to try (default 1,4,16)")
    ap.add_argument("--latency-ms", type=float, default=0.0, help="server-side wait per request (default 0)")
    ap.add_argument("--extract", action="store_true", help="also extract every page (both sides)")
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs each (default 2)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        warc = Path(tmp) / "bench.warc.gz"
        pointers = make_warc(warc, args.records)
        size = warc.stat().st_size
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        proc = ctx.Process(target=_serve, args=(tmp, args.latency_ms / 1000.0, q), daemon=True)
        proc.start()
        base = q.get(timeout=60)
        url = base + warc.name
        try:
            print(
                f"WARC: {len(pointers)} HTML records, {size / 1e6:.1f} MB gzip; server: 127.0.0.1 "
                f"(separate process), latency {args.latency_ms:g} ms; extract: {args.extract}; cpus: {os.cpu_count()}"
            )
            n, best = 0, float("inf")
            for _ in range(args.repeat):
                n, dt = run_whole(url, args.extract)
                best = min(best, dt)
            whole = n / best
            print(f"{'whole file (HTTP stream)':<28} {n:>6} records {best:7.2f} s {whole:9.0f} rec/s   1.00x")
            for c in [int(x) for x in args.concurrency.split(",") if x.strip()]:
                best = float("inf")
                for _ in range(args.repeat):
                    m, dt = run_pointers(url, pointers, c, args.extract)
                    best = min(best, dt)
                rate = m / best
                print(
                    f"{'by pointer, concurrency ' + str(c):<28} {m:>6} records {best:7.2f} s {rate:9.0f} rec/s"
                    f"   {rate / whole:.2f}x"
                )
        finally:
            proc.terminate()
            proc.join(5)


if __name__ == "__main__":
    main()
