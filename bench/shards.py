"""Shard write and read throughput against raw baselines measured in the same run.

Writing: ``ShardWriter`` (documents -> samples -> tars with fixed headers, sha256, fsync,
atomic rename) against raw ``tarfile`` writing of the very same member bytes (with fsync too,
and without). Goal: within 1.5x of the raw tar.

Reading: ``datasets.load_dataset("webdataset", data_files=...)`` (building its Arrow cache, then
one pass over every row with its image bytes; and the same with ``streaming=True``) against
plain ``webdataset.WebDataset`` iteration with ``.decode()`` over the same tars. Goal: within
2x of webdataset.

Usage: ``python bench/shards.py [--documents 2000] [--images 3] [--image-kb 30] [--repeats 5]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from obelics.document import Document, Node, image_metadata  # noqa: E402
from obelics.io.webdataset import FIELDS, ShardWriter, document_to_sample  # noqa: E402


def make_docs(n: int, images_mean: float, image_kb: int, seed: int = 0) -> list[Document]:
    """Documents with 0..30 images of JPEG-headed random bytes (sizes vary around ``image_kb``)."""
    rng = random.Random(seed)
    pool = [b"\xff\xd8\xff\xe0" + os.urandom(int(image_kb * 1024 * rng.uniform(0.5, 1.5))) for _ in range(64)]
    docs = []
    for i in range(n):
        k = min(30, int(rng.expovariate(1 / images_mean))) if images_mean else 0
        nodes = [Node(text=" ".join(f"word{rng.randrange(5000)}" for _ in range(rng.randint(50, 400))))]
        for j in range(k):
            url = f"http://example.com/{i}/{j}.jpg"
            nodes.append(Node(image=url, meta=image_metadata(url), data=pool[rng.randrange(len(pool))]))
            nodes.append(Node(text=" ".join(f"word{rng.randrange(5000)}" for _ in range(rng.randint(10, 80)))))
        docs.append(Document.from_nodes(nodes, {"url": f"http://example.com/{i}"}))
    return docs


class Clock:
    """Wall and CPU seconds (this process, all threads) of a block."""

    def __enter__(self) -> Clock:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0


def write_obelics(docs: list[Document], folder: Path, per_shard: int) -> Clock:
    with Clock() as c, ShardWriter(folder, "bench", max_documents=per_shard, max_bytes=10**12) as w:
        for i, d in enumerate(docs):
            w.write(d, f"bench_{i:07d}")
    return c


def write_raw(members: list[list[tuple[str, bytes]]], folder: Path, per_shard: int, fsync: bool) -> Clock:
    """Plain tarfile writing of pre-encoded member bytes (no hashing, no temp names)."""
    folder.mkdir(parents=True, exist_ok=True)
    with Clock() as c:
        _write_raw(members, folder, per_shard, fsync)
    return c


def _write_raw(members: list[list[tuple[str, bytes]]], folder: Path, per_shard: int, fsync: bool) -> None:
    for s in range(0, len(members), per_shard):
        with open(folder / f"raw-{s // per_shard:06d}.tar", "wb") as fh:
            with tarfile.open(fileobj=fh, mode="w") as tf:
                for sample in members[s : s + per_shard]:
                    for name, data in sample:
                        ti = tarfile.TarInfo(name)
                        ti.size = len(data)
                        tf.addfile(ti, io.BytesIO(data))
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())


def read_webdataset(urls: list[str]) -> tuple[Clock, int, int]:
    import webdataset as wds

    n = nbytes = 0
    with Clock() as c:
        for s in wds.WebDataset(urls, shardshuffle=False, empty_check=False).decode():
            n += 1
            nbytes += sum(len(b) for b in s["images.mp"] if b is not None) + len(s["json"]["texts"])
    return c, n, nbytes


def read_datasets(pattern: str, cache: Path) -> tuple[Clock, Clock, int, int]:
    """(time to prepare, time including one pass over all rows, rows, image bytes)."""
    import datasets

    datasets.disable_progress_bars()
    n = nbytes = 0
    with Clock() as total:
        with Clock() as prep:
            ds = datasets.load_dataset("webdataset", data_files=pattern, split="train", cache_dir=str(cache))
        for batch in ds.iter(batch_size=64):
            for imgs, js in zip(batch["images.mp"], batch["json"]):
                n += 1
                nbytes += sum(len(b) for b in imgs if b is not None) + len(js["texts"])
    return prep, total, n, nbytes


def read_datasets_streaming(pattern: str) -> tuple[Clock, int, int]:
    """One pass with ``load_dataset(..., streaming=True)`` (no Arrow cache written)."""
    import datasets

    datasets.disable_progress_bars()
    n = nbytes = 0
    with Clock() as c:
        ds = datasets.load_dataset("webdataset", data_files=pattern, split="train", streaming=True)
        for row in ds:
            n += 1
            nbytes += sum(len(b) for b in row["images.mp"] if b is not None) + len(row["json"]["texts"])
    return c, n, nbytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=2000)
    ap.add_argument("--images", type=float, default=3.0, help="mean images per document")
    ap.add_argument("--image-kb", type=int, default=30)
    ap.add_argument("--per-shard", type=int, default=250)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-shards-"))
    docs = make_docs(args.documents, args.images, args.image_kb)
    members = []
    for i, d in enumerate(docs):
        s = document_to_sample(d, f"bench_{i:07d}")
        members.append([(f"bench_{i:07d}.{f}", s[f]) for f in FIELDS])
    payload = sum(len(b) for m in members for _, b in m)
    mb = payload / 1e6

    # the three writers take turns, so each sees the same machine load; the best of each counts
    writers = {
        "ours": lambda f: write_obelics(docs, f, args.per_shard),
        "raw_sync": lambda f: write_raw(members, f, args.per_shard, fsync=True),
        "raw_nosync": lambda f: write_raw(members, f, args.per_shard, fsync=False),
    }
    times: dict[str, list[Clock]] = {k: [] for k in writers}
    for _ in range(args.repeats):
        for name, fn in writers.items():
            folder = work / f"w-{name}"
            shutil.rmtree(folder, ignore_errors=True)
            times[name].append(fn(folder))
            shutil.rmtree(folder, ignore_errors=True)

    shard_dir = work / "read"
    shutil.rmtree(shard_dir, ignore_errors=True)
    write_obelics(docs, shard_dir, args.per_shard)
    urls = sorted(str(p) for p in shard_dir.glob("*.tar"))
    for name in ("wds", "hf_prep", "hf_total", "hf_stream"):
        times[name] = []
    for r in range(args.repeats):
        c, n, nb = read_webdataset(urls)
        assert n == len(docs)
        times["wds"].append(c)
        prep, total, n2, nb2 = read_datasets(str(shard_dir / "*.tar"), work / f"hf-cache-{r}")
        assert n2 == n and nb2 == nb, (n2, n, nb2, nb)
        times["hf_prep"].append(prep)
        times["hf_total"].append(total)
        stream, n3, nb3 = read_datasets_streaming(str(shard_dir / "*.tar"))
        assert n3 == n and nb3 == nb
        times["hf_stream"].append(stream)
        shutil.rmtree(work / f"hf-cache-{r}", ignore_errors=True)
    wall = {k: min(c.wall for c in v) for k, v in times.items()}
    cpu = {k: min(c.cpu for c in v) for k, v in times.items()}

    n = len(docs)
    labels = {
        "ours": "write: obelics ShardWriter",
        "raw_sync": "write: raw tarfile + fsync",
        "raw_nosync": "write: raw tarfile, no fsync",
        "wds": "read: webdataset .decode()",
        "hf_prep": "read: datasets load (prepare)",
        "hf_total": "read: datasets load + full pass",
        "hf_stream": "read: datasets streaming pass",
    }
    print(f"{n} documents, {sum(d.num_images for d in docs)} images, {mb:.1f} MB of sample payload")
    print(f"best of {args.repeats}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'':34s} {'wall s':>8s} {'docs/s':>9s} {'MB/s':>8s} {'cpu s':>8s}")
    for k, label in labels.items():
        print(f"{label:34s} {wall[k]:8.3f} {n / wall[k]:9.0f} {mb / wall[k]:8.1f} {cpu[k]:8.3f}")
    ratios = {
        "write_vs_raw_tar_fsync": wall["ours"] / wall["raw_sync"],
        "write_vs_raw_tar_no_fsync": wall["ours"] / wall["raw_nosync"],
        "write_cpu_vs_raw_tar": cpu["ours"] / cpu["raw_sync"],
        "datasets_load_vs_webdataset": wall["hf_total"] / wall["wds"],
        "datasets_prepare_vs_webdataset": wall["hf_prep"] / wall["wds"],
        "datasets_load_cpu_vs_webdataset": cpu["hf_total"] / cpu["wds"],
        "datasets_streaming_vs_webdataset": wall["hf_stream"] / wall["wds"],
    }
    print(
        f"write: {ratios['write_vs_raw_tar_fsync']:.2f}x raw tar with fsync, "
        f"{ratios['write_vs_raw_tar_no_fsync']:.2f}x without; CPU time {ratios['write_cpu_vs_raw_tar']:.2f}x "
        "(goal <= 1.5x)"
    )
    print(
        f"read: datasets {ratios['datasets_load_vs_webdataset']:.2f}x webdataset iteration "
        f"(prepare only {ratios['datasets_prepare_vs_webdataset']:.2f}x; CPU time "
        f"{ratios['datasets_load_cpu_vs_webdataset']:.2f}x; streaming "
        f"{ratios['datasets_streaming_vs_webdataset']:.2f}x; goal <= 2x)"
    )
    if args.json:
        print(json.dumps({"documents": n, "mb": mb, "wall": wall, "cpu": cpu, "ratios": ratios}))
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
