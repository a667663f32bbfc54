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

``--rss FEW,MANY`` measures instead the peak RSS of the images stage's largest process (``obelics images`` run as a
subprocess, ``ru_maxrss`` of its process tree) on one shard with FEW, then MANY image URLs (distinct ~50 KB JPEGs),
for this source tree and, with ``--baseline-src DIR``, for another one (for example an older commit unpacked with
``git archive COMMIT | tar -x -C DIR``), in the same run. Goal: the peak does not grow with the URLs per shard.

Usage: ``python bench/images.py [--images 2000] [--shards 4] [--processes 1,2] [--threads 32] [--repeats 2]``
       ``python bench/images.py --rss 500,4000 [--baseline-src DIR] [--threads 16]``
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
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
from obelics.io.parquet import write_documents  # noqa: E402
from obelics.run.runner import run_stage, stage_settings  # noqa: E402


def serve(n: int, ready, stop, large: bool = False) -> None:
    """Server process: N distinct JPEGs at /img/<i>.jpg (small, or ~50 KB: 40 pictures, each URL's bytes made
    distinct by a trailer after the image)."""
    from tests.imageserver import ImageServer, make_jpeg

    srv = ImageServer()
    bases = [make_jpeg(640, 480, seed=s, quality=95) for s in range(40)] if large else []
    for i in range(n):
        if large:
            body = bases[i % 40] + i.to_bytes(4, "big")
        else:
            body = make_jpeg(200 + (i % 7) * 10, 160 + (i % 5) * 10, seed=i, quality=75)
        srv.add(f"/img/{i}.jpg", body)
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


@contextlib.contextmanager
def _quiet(log_path: str):
    """fds 1 and 2 (img2dataset prints a lot, also from its workers) to a log."""
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    saved = [os.dup(1), os.dup(2)]
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (*saved, fd):
            os.close(f)


def run_img2dataset_alone(url_list: str, out: str, settings: dict) -> None:
    """img2dataset's own download of the URL list, with the stage's download settings."""
    import img2dataset

    kw = {
        "processes_count": settings["processes_count"],
        "thread_count": settings["thread_count"],
        "timeout": settings["timeout"],
        "retries": settings["retries"],
        "user_agent_token": settings["user_agent_token"],
        "disallowed_header_directives": settings["disallowed_header_directives"],
        "resize_mode": "no",
        "disable_all_reencoding": True,
        "output_format": "parquet",
        "input_format": "parquet",
        "url_col": "url",
        "enable_wandb": False,
    }
    with _quiet(out + ".log"):
        img2dataset.download(url_list=url_list, output_folder=out, **kw)


def _tree_peaks(root: int, peaks: dict[int, int]) -> None:
    """Record the peak RSS (VmHWM, KiB) of ``root`` and its descendants now alive (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
        except OSError:
            pass


def peak_rss_mib(src: str, shard: str, out: str, threads: int) -> float:
    """Peak RSS (MiB) of the largest process of ``obelics images`` on one shard, run from source tree ``src``:
    the kernel's peak (VmHWM) of each process of its tree, polled every 50 ms, and the peak of those reaped
    (``ru_maxrss`` of the children), whichever is larger."""
    probe = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    stage = [sys.executable, "-m", "obelics", "images", shard, "-o", out, "--allow-loopback", "--processes", "1"]
    stage += ["--threads", str(threads), "--timeout", "30"]
    stage += ["--set", "max_url_count=0", "--set", "max_phash_count=0", "--set", "dedup_in_document=false"]
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    # cwd=src: ``python -m`` puts the working directory first on sys.path, ahead of PYTHONPATH
    proc = subprocess.Popen([sys.executable, "-c", probe, *stage], env=env, cwd=src, stdout=subprocess.PIPE, text=True)
    peaks: dict[int, int] = {}
    while proc.poll() is None:
        _tree_peaks(proc.pid, peaks)
        time.sleep(0.05)
    code, kib = proc.stdout.read().split()[-2:]
    if code != "0":
        raise SystemExit(f"obelics images from {src} failed with exit status {code}")
    peaks.pop(proc.pid, None)  # the probe itself
    return max(int(kib), *peaks.values(), 0) / 1024


def rss_main(args: argparse.Namespace) -> None:
    sizes = [int(x) for x in args.rss.split(",")]
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Queue(), ctx.Event()
    server = ctx.Process(target=serve, args=(max(sizes), ready, stop, True), daemon=True)
    server.start()
    base = ready.get(timeout=600)
    tmp = Path(tempfile.mkdtemp(prefix="bench-images-rss-"))
    trees = {"this tree": str(Path(__file__).resolve().parent.parent)}
    if args.baseline_src:
        trees = {"baseline": args.baseline_src, **trees}
    try:
        shards = {}
        for n in sizes:
            shards[n] = make_shards(tmp / f"in-{n}", [f"{base}/img/{i}.jpg" for i in range(n)], 1)[0]
        print(f"peak RSS of obelics images (MiB), one shard, ~50 KB images, threads {args.threads}", flush=True)
        print("source       " + "  ".join(f"{n:>7} URLs" for n in sizes) + "   growth")
        for name, src in trees.items():
            peaks = []
            for n in sizes:
                out = tmp / f"out-{name.replace(' ', '-')}-{n}"
                peaks.append(peak_rss_mib(src, shards[n], str(out), args.threads))
                shutil.rmtree(out, ignore_errors=True)
            cells = "  ".join(f"{p:12.0f}" for p in peaks)
            print(f"{name:<11}  {cells}   {peaks[-1] - peaks[0]:+.0f} MiB", flush=True)
    finally:
        stop.set()
        server.join(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--processes", default="1,2", help="comma-separated process counts to compare")
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--rss", metavar="FEW,MANY", help="measure peak RSS with these URL counts per shard instead")
    ap.add_argument("--baseline-src", metavar="DIR", help="with --rss: also measure the source tree in DIR")
    args = ap.parse_args()
    if args.rss:
        rss_main(args)
        return

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
