"""Shard stage: document Parquet shards in, WebDataset tars + manifest + dataset card out.

Two steps:
1. one task per input Parquet shard: its documents into ``OUT/<name>-NNNNNN.tar`` (sized by
   document count and bytes, each tar written atomically), the list of tars written to
   ``OUT/_work/<name>.shards.json``;
2. one small task: ``OUT/manifest.json`` (every tar with its counts, bytes and sha256) and the
   dataset card ``OUT/README.md`` (so ``datasets.load_dataset(OUT)`` works with typed image
   columns), with the counts, the filter funnel of the earlier stages, settings and sources.

The layout of a sample is described in :mod:`obelics.io.webdataset`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obelics.document import Document, DocumentError
from obelics.io.atomic import write_json
from obelics.io.paths import WORK
from obelics.io.webdataset import ShardWriter, image_format, safe_key
from obelics.run.runner import map_tasks, reduce_task
from obelics.run.settings import StageSettings, setting
from obelics.run.task import Task
from obelics.stages._documents import Skip, map_documents
from obelics.stats import Stats, merge

log = logging.getLogger("obelics")


@dataclass
class Settings(StageSettings):
    """Settings of the shard stage."""

    max_documents: int = setting(1000, "documents per tar at most", min=1)
    max_bytes: int = setting(
        500_000_000, "bytes per tar at most (a single larger document gets a tar of its own)", min=1, unit="bytes"
    )
    typed_head: bool = setting(True, "move a document forward so the first 5 samples of a tar show every column type")
    drop_undecodable_images: bool = setting(
        True, "drop images whose bytes no reader decodes (false: keep them URL-only)"
    )
    drop_empty_documents: bool = setting(True, "drop documents with no text and no image")
    tokenizer: str = setting("", 'local tokenizer (tokenizer.json file or folder) to count tokens ("" counts words)')
    name: str = setting("", 'dataset name for the card ("" = the output folder\'s name)', group="dataset card")
    license: str = setting(
        "cc-by-4.0", "license id for the card (of the compilation; see the card's notes)", group="dataset card"
    )
    pretty_name: str = setting("", "title of the card", group="dataset card")


DEFAULTS: dict[str, Any] = Settings.defaults()

STAGE = "shard"


def plan(inputs: list[str], output: str, settings: dict[str, Any]) -> list[list[Task]]:
    """Step 1: one task per input shard; step 2: manifest and card."""
    tasks = map_tasks(STAGE, "obelics.stages.shard:shard_task", inputs, output, settings, suffix=".shards.json")
    for t in tasks:
        t.output = os.path.join(output, WORK, f"{t.name}.shards.json")
    finalize = reduce_task(
        STAGE,
        "obelics.stages.shard:finalize_task",
        tasks,
        os.path.join(output, "manifest.json"),
        output,
        settings,
        inputs,
        WORK,
    )
    return [tasks, [finalize]]


# ------------------------------------------------------------------------------------------------
# step 1
# ------------------------------------------------------------------------------------------------
class _TokenCounter:
    """Counts tokens with a local tokenizer, or words when none is named."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.name = ""  # words
        self._encode = None
        if spec:
            self._encode, self.name = load_tokenizer(spec)

    def __call__(self, text: str) -> int:
        if self._encode is None:
            return len(text.split())
        return self._encode(text)


def load_tokenizer(spec: str):
    """``(count_fn, name)`` for a local tokenizer: a ``tokenizer.json`` file or a folder transformers reads."""
    path = Path(spec)
    if path.is_file():
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(path))
        return (lambda text: len(tok.encode(text, add_special_tokens=False).ids)), path.name
    if path.is_dir():
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        name = getattr(tok, "name_or_path", "") or path.name
        return (lambda text: len(tok(text, add_special_tokens=False)["input_ids"])), f"{Path(name).name}"
    raise FileNotFoundError(f"tokenizer not found: {spec} (give a tokenizer.json file or a local folder)")


OPT_OUT_SIGNALS = ("noai", "noimageai", "tdm_reservation", "opt_out", "opted_out")


def opted_out(value: Any) -> list[str]:
    """The AI-use opt-out signals in an ``opt_out`` value (a dict of signals, or a flag)."""
    if isinstance(value, dict):
        return [k for k in OPT_OUT_SIGNALS if value.get(k) is True]
    return ["opt_out"] if value is True or (isinstance(value, str) and value.lower() in ("true", "1", "yes")) else []


def _check_images(doc: Document, settings: dict[str, Any], stats: Stats) -> Document:
    """Fill each image's ``format`` from its bytes; drop images (or their bytes) no reader can decode."""
    if doc.image_bytes is None:
        return doc
    drop: set[int] = set()
    for pos, (meta, data) in enumerate(zip(doc.metadata, doc.image_bytes)):
        if data is None or doc.images[pos] is None:
            continue
        fmt = image_format(data)
        if fmt is None:
            if settings["drop_undecodable_images"]:
                stats.reason("images_dropped", "undecodable")
                drop.add(pos)
            else:
                stats.reason("image_bytes_dropped", "undecodable")
                doc.image_bytes[pos] = None
            continue
        if isinstance(meta, dict) and not meta.get("format"):
            meta["format"] = fmt
    if not drop:
        return doc
    return doc.replace_nodes(n for pos, n in enumerate(doc.nodes()) if pos not in drop)


class _KeyedTars:
    """The tar writer as the per-document base takes it: each document under the key its process gave."""

    def __init__(self, writer: ShardWriter) -> None:
        self.writer = writer
        self.key = ""

    def write(self, doc: Document) -> None:
        self.writer.write(doc, self.key)

    def __enter__(self) -> _KeyedTars:
        self.writer.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.writer.__exit__(exc_type, exc, tb)


class _ToSample:
    """What happens to one document on its way to a tar: checked, keyed, counted."""

    def __init__(self, settings: dict[str, Any], stats: Stats, tars: _KeyedTars, prefix: str, path: str) -> None:
        self.s = settings
        self.stats = stats
        self.tars = tars
        self.prefix = prefix
        self.path = path
        self.counter = _TokenCounter(settings.get("tokenizer") or "")
        self.tokens = 0
        self.index = 0  # the document's position among those read (its key)

    def __call__(self, doc: Document) -> Document | Skip:
        index = self.index
        self.index += 1
        try:
            doc.validate()
            doc = _check_images(doc, self.s, self.stats)
        except DocumentError as e:
            log.debug("%s row %d: %s", self.path, index, e)
            return Skip("invalid_document")
        if self.s["drop_empty_documents"] and not doc.texts:
            return Skip("empty_document")
        self.tars.key = f"{self.prefix}_{index:07d}"
        self.tokens += sum(self.counter(t) for t in doc.texts if t is not None)
        self._count(doc)
        return doc

    def _count(self, doc: Document) -> None:
        stats = self.stats
        stats.inc("images_with_bytes", sum(b is not None for b in (doc.image_bytes or [])))
        stats.inc("texts", sum(t is not None for t in doc.texts))
        stats.inc("words", sum(len(t.split()) for t in doc.texts if t is not None))
        signals = opted_out(doc.general_metadata.get("opt_out"))
        if signals:
            stats.inc("documents_opt_out_flagged")
            for sig in signals:
                stats.reason("opt_out_signals", sig)
        stats.inc("images_opt_out_flagged", sum(bool(m and opted_out(m.get("opt_out"))) for m in doc.metadata))


def shard_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Write the documents of one input shard to tars ``OUT/<name>-NNNNNN.tar``; list them in ``output``."""
    (path,) = inputs
    out_dir = Path(output).parent.parent
    name = Path(output).name[: -len(".shards.json")]
    prefix = safe_key(name)
    writer = ShardWriter(
        out_dir,
        prefix,
        max_documents=settings["max_documents"],
        max_bytes=settings["max_bytes"],
        typed_head=settings["typed_head"],
    )
    tars = _KeyedTars(writer)
    to_sample = _ToSample(settings, stats, tars, prefix, path)
    map_documents("shard", path, output, to_sample, stats, writer=tars)
    counter, tokens = to_sample.counter, to_sample.tokens
    shards = writer.shards
    _remove_stale(out_dir, prefix, {s.name for s in shards})
    if counter.name:
        stats.inc("tokens", tokens)
    stats.set("token_count_by", counter.name or "words")
    stats.inc("shards", len(shards))
    stats.inc("bytes_out", sum(s.bytes for s in shards))
    stats.inc("image_bytes", sum(s.image_bytes for s in shards))
    stats.inc("documents_reordered", sum(s.reordered for s in shards))
    write_json(
        output,
        {
            "input": path,
            "name": name,
            "tokens": tokens,
            "words": stats.counts.get("words", 0),
            "token_count_by": counter.name,
            "opt_out_flagged": {
                "documents": stats.counts.get("documents_opt_out_flagged", 0),
                "images": stats.counts.get("images_opt_out_flagged", 0),
            },
            "shards": [{**s.to_dict(), "source": path} for s in shards],
        },
    )


def _remove_stale(folder: Path, prefix: str, keep: set[str]) -> None:
    """Remove tars of this prefix left by an earlier run with other settings."""
    pat = re.compile(rf"^{re.escape(prefix)}-\d{{6}}\.tar$")
    for p in folder.iterdir():
        if pat.match(p.name) and p.name not in keep:
            log.info("removing stale shard %s", p)
            p.unlink()


# ------------------------------------------------------------------------------------------------
# step 2
# ------------------------------------------------------------------------------------------------
def finalize_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Write ``manifest.json`` (``output``) and the dataset card ``README.md`` beside it."""
    from obelics.report.card import write_card

    out_dir = Path(output).parent
    parts = []
    for p in inputs:
        with open(p, encoding="utf-8") as fh:
            parts.append(json.load(fh))
    shards = sorted((s for part in parts for s in part["shards"]), key=lambda s: s["name"])
    task_stats = []
    for name in settings.get("task_names", []):
        sp = out_dir / f"{name}.stats.json"
        if sp.exists():
            with open(sp, encoding="utf-8") as fh:
                task_stats.append(json.load(fh))
    merged = merge(task_stats) if task_stats else {}
    merged["stage"] = STAGE
    merged["inputs"] = settings.get("stage_inputs", [])
    token_by = {part.get("token_count_by") or "" for part in parts}
    manifest = {
        "format": "obelics-webdataset",
        "layout_version": 1,
        "sample_members": {"json": "texts, image URLs, metadata (OBELICS Hub row)", "images.mp": "image bytes"},
        "documents": sum(s["documents"] for s in shards),
        "images": sum(s["images"] for s in shards),
        "images_with_bytes": sum(s["images_with_bytes"] for s in shards),
        "image_bytes": sum(s["image_bytes"] for s in shards),
        "bytes": sum(s["bytes"] for s in shards),
        "words": sum(int(part.get("words", 0)) for part in parts),
        "tokens": sum(int(part.get("tokens", 0)) for part in parts),
        "token_count_by": ", ".join(sorted(t for t in token_by if t)),
        "opt_out_flagged": {
            k: sum(int((part.get("opt_out_flagged") or {}).get(k, 0)) for part in parts)
            for k in ("documents", "images")
        },
        "shards": shards,
    }
    first = shards[0] if shards else None
    all_types = sorted({t for s in shards for t in s.get("types", [])})
    if first and set(first.get("head_types", [])) != set(all_types):
        manifest["warning"] = (
            f"the first shard ({first['name']}) shows no {', '.join(sorted(set(all_types) - set(first['head_types'])))} "
            "in its first 5 samples: load with the dataset card (load_dataset(DIR)) or pass "
            "features=obelics.io.webdataset.hf_features()"
        )
        log.warning("shard: %s", manifest["warning"])
    write_json(output, manifest)
    write_card(str(out_dir), manifest, merged, settings)
    stats.inc("manifest_written")
