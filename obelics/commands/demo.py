"""``obelics demo``: build a small corpus end to end, offline, from the sample pages shipped in the package."""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from obelics.commands._common import UsageError

HELP = "build a small corpus end to end from bundled sample pages (offline; images served from 127.0.0.1)"
MARKER = ".obelics-demo"
log = logging.getLogger("obelics")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", default="obelics-demo", help="output folder (default ./obelics-demo)")
    p.add_argument("--workers", type=int, default=2, help="parallel tasks (default 2)")
    p.add_argument("--train-steps", type=int, default=6, help="packed training steps of a tiny model (default 6)")
    p.add_argument("--no-train", action="store_true", help="skip the training steps")
    p.add_argument("--no-report", action="store_true", help="skip the HTML report")
    p.add_argument(
        "--set", action="append", default=[], metavar="STAGE.KEY=VALUE", help="override a setting of the demo pipeline"
    )


def _prepare(out: Path) -> None:
    """An empty output folder, or one from an earlier demo (cleared: its WARC named another server port)."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).exists():
            raise UsageError(f"{out} exists and is not the output of an earlier demo: choose another --output")
        for child in out.iterdir():
            if child.name != MARKER:
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("made by `obelics demo`; rerunning the demo clears this folder\n")


def _cli(argv: list[str]) -> int:
    """Run another obelics command in this process."""
    from obelics.cli import build_parser
    from obelics.commands._common import run_command

    args = build_parser().parse_args(argv)
    return run_command(args._main, args)


def _load(shards: Path, cache: Path) -> dict[str, Any]:
    """Load the corpus with plain ``datasets.load_dataset(FOLDER)`` and check every document and image."""
    import datasets

    ds = datasets.load_dataset(str(shards), split="train", cache_dir=str(cache))
    docs = images = 0
    first: dict[str, Any] = {}
    for row in ds:
        doc = row["json"]
        pics = row["images.mp"]
        texts, urls = doc["texts"], doc["images"]
        if len(texts) != len(urls) or len(pics) != len(urls):
            raise RuntimeError(f"document {row['__key__']}: texts, images and pictures differ in length")
        for t, u, pic in zip(texts, urls, pics):
            if (t is None) == (u is None):
                raise RuntimeError(f"document {row['__key__']}: a position holds both or neither of text and image")
            if u is not None:
                if pic is None or min(pic.size) < 1:
                    raise RuntimeError(f"document {row['__key__']}: image {u} did not load")
                pic.load()
                images += 1
        docs += 1
        if not first:
            first = {"texts": texts, "images": urls, "sizes": [p.size if p else None for p in pics]}
    return {"documents": docs, "images": images, "columns": ds.column_names, "first": first}


def _train(shards: Path, out: Path, steps: int, workers: int) -> dict[str, Any] | None:
    """A tokenizer and a few packed training steps of the tiny model, if the train extra is installed."""
    missing = [m for m in ("torch", "transformers", "tokenizers") if importlib.util.find_spec(m) is None]
    if missing or importlib.util.find_spec("obelics.train.loop") is None:
        print(f"demo: training skipped (install the train extra: missing {', '.join(missing) or 'obelics.train'})")
        return None
    tok = out / "tokenizer"
    if _cli(["-q", "train-tokenizer", str(shards), "--output", str(tok), "--vocab-size", "600"]) != 0:
        raise RuntimeError("train-tokenizer failed")
    argv = ["-q", "train", str(shards), "--output", str(out), "--tokenizer", str(tok), "--model", "tiny"]
    argv += ["--steps", str(steps), "--batch-size", "2", "--max-seq-len", "256", "--max-images", "4"]
    argv += [
        "--lr",
        "2e-3",
        "--warmup-steps",
        "1",
        "--workers",
        "0",
        "--save-every",
        str(steps),
        "--threads",
        str(max(1, workers)),
    ]
    if _cli(argv) != 0:
        raise RuntimeError("train failed")
    losses = []
    log_file = out / "train_log.jsonl"
    if log_file.exists():
        for line in log_file.read_text().splitlines():
            rec = json.loads(line)
            if "loss" in rec:
                losses.append(round(float(rec["loss"]), 3))
    return {"folder": str(out), "losses": losses}


def main(args: argparse.Namespace) -> int:
    from obelics.data.demo import ImageServer, load_pages, write_images, write_warc
    from obelics.run.engines.local import LocalEngine
    from obelics.run.pipeline import find_pipeline, load_pipeline, parse_stage_overrides, run_pipeline

    start = time.perf_counter()
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    out = Path(args.output)
    pipe = load_pipeline(find_pipeline("demo"), parse_stage_overrides(args.set))  # validate before any work
    _prepare(out)
    sample = load_pages()
    images = out / "sample" / "images"
    write_images(images, sample)
    timings: dict[str, float] = {}
    with ImageServer(images) as server:
        warc = out / "sample" / "pages.warc.gz"
        n_pages = write_warc(warc, server.url, sample)
        print(f"demo: {n_pages} sample pages in {warc}, {len(sample['images'])} pictures served at {server.url}")
        for st in pipe.stages:
            t = time.perf_counter()
            inputs = [str(warc)] if st.index == 1 else None
            run_pipeline(pipe, inputs, str(out), only=[st.name], engine=LocalEngine(args.workers), check=False)
            timings[st.name] = round(time.perf_counter() - t, 1)
        fetched = len(server.requests)
    shard_stage = next(s for s in reversed(pipe.stages) if s.stage == "shard")
    shards = out / shard_stage.folder
    t = time.perf_counter()
    loaded = _load(shards, out / "_cache")
    timings["load_dataset"] = round(time.perf_counter() - t, 1)
    trained = None
    if not args.no_train:
        t = time.perf_counter()
        trained = _train(shards, out / "train", args.train_steps, args.workers)
        timings["train"] = round(time.perf_counter() - t, 1)
    report = None
    if not args.no_report:
        t = time.perf_counter()
        if _cli(["-q", "report", str(shards), "--output", str(out / "report")]) != 0:
            raise RuntimeError("report failed")
        report = out / "report" / "index.html"
        timings["report"] = round(time.perf_counter() - t, 1)
    seconds = round(time.perf_counter() - start, 1)
    summary = {
        "seconds": seconds,
        "timings": timings,
        "pages": n_pages,
        "image_requests": fetched,
        "documents": loaded["documents"],
        "images": loaded["images"],
        "train": trained,
        "report": str(report) if report else None,
    }
    (out / "demo.json").write_text(json.dumps(summary, indent=2) + "\n")
    _print_summary(out, pipe, loaded, trained, report, summary)
    return 0


def _print_summary(
    out: Path, pipe: Any, loaded: dict, trained: dict | None, report: Path | None, summary: dict
) -> None:
    p = print
    p("")
    p(f"The demo corpus is in {out}/ (timings in {out}/demo.json):")
    p(f"  sample/                 the {summary['pages']} sample pages as a WARC, and their pictures")
    for st in pipe.stages:
        stats = _stats(out / st.folder)
        docs = stats.get("documents_out", stats.get("documents", ""))
        what = f"{docs} documents" if docs != "" else ""
        p(f"  {st.folder + '/':<24}{st.name} ({what}{', ' if what else ''}{summary['timings'].get(st.name)} s)")
    p(f"  summary.json            every stage's counts: the funnel from {summary['pages']} pages")
    if report:
        p("  report/index.html       charts of the corpus; report/viewer.html shows its documents")
    if trained:
        p(
            f"  train/                  a tiny IDEFICS model after {len(trained['losses'])} packed steps, loss {trained['losses']}"
        )
    p("")
    first = loaded["first"]
    text = " ".join(t for t in first.get("texts", []) if t).replace("\n", " ")
    p(
        f"First document: {len(first.get('texts', []))} positions, {sum(1 for u in first.get('images', []) if u)} images;"
    )
    p(f'  "{text[:150]}..."')
    p("Load it yourself:")
    p(f"  python -c \"import datasets; print(datasets.load_dataset('{out}/{pipe.stages[-1].folder}', split='train'))\"")
    p(
        f"obelics demo: {loaded['documents']} documents with {loaded['images']} images from "
        f"{summary['pages']} pages in {summary['seconds']} s -> {out}"
    )


def _stats(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / "stats.json").read_text())
    except (OSError, ValueError):
        return {}
