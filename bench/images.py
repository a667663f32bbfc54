"""The images stage against img2dataset alone, on the same distinct URLs served from loopback, same run.

A server process (tests/imageserver.py) serves N small generated JPEGs on 127.0.0.1. Documents in several shards
use them (some URLs by several documents, so the stage has real counting and joining to do). Per repeat and per
process count, alternating:

- **img2dataset alone**: ``img2dataset.download`` on a Parquet list of the N distinct URLs, with the stage's own
  download settings (no resize, no re-encoding, same processes, threads and timeout);
- **the whole stage**: ``run_stage("images", shards, ...)``: URL collection and counting, the guard, the same
  download, filters and hashes, pHash near-duplicate counting, the join back into the documents and the output
  shards.

It prints images/s of each and the ratio stage time / img2dataset time (goal: at most 1.10), and checks from the
server's request log that the stage fetched every URL exactly once.

Usage: ``python bench/images.py [--images 2000] [--shards 4] [--processes 1,2] [--threads 32] [--repeats 2]``
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from obelics.document import Document, Node, image_metadata  # noqa: E402
from obelics.images.download import _output_to, img2dataset_kwargs  # noqa: E402
from obelics.io.parquet import write_documents  # noqa: E402
from obelics.run.runner import run_stage, stage_settings  # noqa: E402


def serve(n: int, ready, stop) -> None:
    """Server process: N distinct small JPEGs at /img/<i>.jpg."""
    from tests.imageserver import ImageServer, make_jpeg

    srv = ImageServer()
    for i in range(n):
        srv.add(f"/img/{i}.jpg", make_jpeg(200 + (i % 7) * 10, 160 + (i % 5) * 10, seed=i, quality=75))
    srv.start()
    ready.put(srv.base)
    stop.wait()
    srv.stop()


def requests(base: str) -> dict[str, int]:
    with urllib.request.urlopen(base + "/__requests", timeout=10) as r:
        return json.loads(r.read())


def make_shards(folder: Path, urls: list[str], shards: int) -> list[str]:
    """Documents of 4 images each; every 5th URL is also used by a second document in another shard."""
    docs = []
    extra = urls[::5]
    pool = urls + extra
    for d in range(0, len(pool), 4):
        nodes = [Node(text=f"Document {d} starts here with a sentence about the pictures below.")]
        for j, u in enumerate(pool[d : d + 4]):
            nodes += [Node(image=u, meta=image_metadata(u)), Node(text=f"A caption-like paragraph {j} of {d}.")]
        docs.append(Document.from_nodes(nodes, {"url": f"http://bench.example/{d}"}))
    folder.mkdir(parents=True)
    paths = []
    per = -(-len(docs) // shards)
    for s in range(shards):
        p = folder / f"part-{s:03d}.parquet"
        write_documents(p, docs[s * per : (s + 1) * per])
        paths.append(str(p))
    return paths


def step_seconds(out: Path) -> dict[str, float]:
    """Wall seconds of each step of a stage run, from its tasks' stats (steps run one after the other)."""
    steps: dict[str, float] = {}
    for f in (out / "_work" / "markers").glob("*/*.stats.json"):
        steps[f.parent.name] = steps.get(f.parent.name, 0.0) + json.loads(f.read_text()).get("seconds", 0.0)
    steps["6-attach"] = sum(json.loads(f.read_text()).get("seconds", 0.0) for f in out.glob("*.stats.json"))
    return steps


def run_img2dataset_alone(url_list: str, out: str, settings: dict) -> None:
    import img2dataset

    kw = img2dataset_kwargs(settings)
    with _output_to(out + ".log"):  # its prints to a log, as the stage does with them
        img2dataset.download(url_list=url_list, output_folder=out, **kw)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--processes", default="1,2", help="comma-separated process counts to compare")
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()

    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(args.images, ready, stop), daemon=True)
    server.start()
    base = ready.get(timeout=300)
    tmp = Path(tempfile.mkdtemp(prefix="bench-images-"))
    try:
        urls = [f"{base}/img/{i}.jpg" for i in range(args.images)]
        url_list = tmp / "urls.parquet"
        pq.write_table(pa.table({"url": urls}), url_list)
        shards = make_shards(tmp / "shards", urls, args.shards)
        import img2dataset  # noqa: F401 - imported once, before any timing, for both sides

        results: dict[int, dict[str, list[float]]] = {}
        fetched_twice = 0
        print(f"{args.images} distinct URLs, {len(shards)} shards, threads {args.threads}", flush=True)
        for procs in [int(p) for p in args.processes.split(",")]:
            settings = {
                "allow_loopback": True,
                "processes_count": procs,
                "thread_count": args.threads,
                "timeout": 10,
                "retries": 0,
            }
            full = stage_settings("images", settings)
            times: dict[str, list[float]] = {
                "img2dataset": [],
                "stage": [],
                "stage_download_step": [],
                "stage_other_steps": [],
            }
            for rep in range(args.repeats):
                for side in ("img2dataset", "stage"):
                    out = tmp / f"{side}-{procs}-{rep}"
                    before = requests(base)
                    t0 = time.perf_counter()
                    if side == "img2dataset":
                        run_img2dataset_alone(str(url_list), str(out), full)
                    else:
                        summary = run_stage("images", shards, str(out), settings)
                    dt = time.perf_counter() - t0
                    after = requests(base)
                    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
                    fetched = sum(delta.values())
                    twice = sum(1 for v in delta.values() if v > 1)
                    if side == "stage":
                        fetched_twice += twice
                        assert summary["download"].get("success") == args.images, summary["download"]
                        steps = step_seconds(out)
                        times["stage_download_step"].append(steps.get("3-download", 0.0))
                        times["stage_other_steps"].append(dt - steps.get("3-download", 0.0))
                    times[side].append(dt)
                    print(
                        f"  processes={procs} repeat={rep} {side:<11} {dt:7.2f} s  {args.images / dt:7.0f} img/s  "
                        f"requests={fetched} fetched_twice={twice}",
                        flush=True,
                    )
                    shutil.rmtree(out, ignore_errors=True)
            results[procs] = times
        print()
        print(
            "processes  img2dataset img/s  stage img/s  stage/img2dataset time (goal <= 1.10)  "
            "stage's other steps / img2dataset time"
        )
        for procs, t in results.items():
            a, s = statistics.median(t["img2dataset"]), statistics.median(t["stage"])
            other = statistics.median(t["stage_other_steps"])
            print(f"{procs:>9}  {args.images / a:17.0f}  {args.images / s:11.0f}  {s / a:41.2f}  {other / a:.2f}")
        print(f"URLs the stage fetched more than once: {fetched_twice}")
    finally:
        stop.set()
        server.join(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
