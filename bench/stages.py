"""Per-core cost of each text stage on the same documents: the figures of docs/scaling.md.

Generated article pages (bench/extract.py's generator: 37-74 KB of HTML with scripts, menus,
sidebars, an article with figures, comments, a footer) are written to WARC files, then the
stages run one after the other on them, each reading the previous one's output, in this
process (``LocalEngine(workers=1)``): extract (OBELICS mode) -> filter (text: language ID and
every OBELICS metric; no image bytes, so no NSFW) -> dedup (URL, paragraph, image set,
MinHash) -> opt-out -> shard. For each stage: documents per CPU second (this process and its
children, so other work on a shared machine counts less), wall time, and output bytes per
document. Images and NSFW are measured by bench/images.py and bench/filters.py.

Usage: ``python bench/stages.py [--files 4] [--pages 1500] [--workdir DIR]``
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

STAGES = [
    ("extract", {"mode": "obelics"}),
    ("filter", {"nsfw_images": False, "max_images": 100000}),
    ("dedup", {"passes": ["url", "paragraph", "image_set", "minhash"]}),
    ("optout", {}),
    ("shard", {}),
]


def cpu_seconds() -> float:
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def write_warcs(folder: Path, files: int, pages: int) -> list[str]:
    from extract import make_page  # bench/extract.py
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(files):
        p = folder / f"in{f}.warc.gz"
        with open(p, "wb") as fh:
            w = WARCWriter(fh, gzip=True)
            for i in range(pages):
                html, url, _ = make_page(f * pages + i, seed=7)
                h = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
                w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(html.encode()), http_headers=h))
        paths.append(str(p))
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--pages", type=int, default=1500, help="pages per WARC file")
    ap.add_argument("--workdir", help="keep the files here (default: a temporary folder)")
    args = ap.parse_args()
    from obelics.run.runner import LocalEngine, run_stage

    root = Path(args.workdir or tempfile.mkdtemp(prefix="obelics-bench-stages-"))
    inputs = write_warcs(root / "in", args.files, args.pages)
    warc_bytes = sum(os.path.getsize(p) for p in inputs)
    n = args.files * args.pages
    print(f"{n} generated pages in {args.files} WARCs, {warc_bytes / n / 1e3:.1f} KB of WARC per page; one process")
    print(
        f"{'stage':8s} {'docs in':>8s} {'docs out':>8s} {'cpu s':>7s} {'wall s':>7s} {'docs/cpu-s':>10s} {'bytes/doc':>9s}"
    )
    for name, settings in STAGES:
        out = root / f"out-{name}"
        shutil.rmtree(out, ignore_errors=True)
        c0, t0 = cpu_seconds(), time.perf_counter()
        s = run_stage(name, inputs, str(out), settings, engine=LocalEngine(1))
        cpu, wall = cpu_seconds() - c0, time.perf_counter() - t0
        docs_in = s.get("documents_in", s.get("html_responses"))
        docs_out = s.get("documents_out", s.get("documents")) or 0
        size = sum(p.stat().st_size for p in out.iterdir() if p.suffix in (".parquet", ".tar"))
        print(
            f"{name:8s} {docs_in:8d} {docs_out:8d} {cpu:7.2f} {wall:7.2f} {docs_in / cpu:10.0f} "
            f"{size / max(1, docs_out):9.0f}",
            flush=True,
        )
        inputs = [o for o in s["outputs"] if os.path.exists(o)]
    if not args.workdir:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
