"""Toy two-step stage: count words over all shards, then keep paragraphs of common words."""

from __future__ import annotations

import json
import os
from collections import Counter

from obelics.document import Document
from obelics.io.atomic import write_json
from obelics.io.parquet import read_documents, write_documents
from obelics.io.paths import shard_name
from obelics.run.runner import map_tasks
from obelics.run.task import Task
from obelics.stats import Stats
from tests.pipeline_toys import misbehave

DEFAULTS = {"min_count": 2, "sleep": 0.0, "fail_on": "", "fail_flag": "", "crash_on": "", "fail_step": 2}
# Test knobs: they make tasks slow or fail, never change what a task writes.
EXECUTION_KEYS = frozenset({"sleep", "fail_on", "fail_flag", "crash_on", "fail_step"})


def plan(inputs: list[str], output: str, settings: dict) -> list[list[Task]]:
    work = os.path.join(output, "_work", "counts")
    count_paths = [os.path.join(work, shard_name(p) + ".json") for p in inputs]
    step1 = [
        Task("vocab", shard_name(p), f"{__name__}:count", [p], c, c[: -len(".json")] + ".stats.json", settings)
        for p, c in zip(inputs, count_paths)
    ]
    step2 = map_tasks("vocab", f"{__name__}:keep", inputs, output, {**settings, "counts": count_paths})
    return [step1, step2]


def count(inputs: list[str], output: str, settings: dict, stats: Stats) -> None:
    if settings["fail_step"] == 1:
        misbehave(shard_name(inputs[0]), settings)
    c: Counter[str] = Counter()
    for doc in read_documents(inputs[0]):
        for t in doc.texts:
            if t:
                c.update(t.lower().split())
    write_json(output, dict(sorted(c.items())))
    stats.inc("words", sum(c.values()))


def keep(inputs: list[str], output: str, settings: dict, stats: Stats) -> None:
    if settings["fail_step"] == 2:
        misbehave(shard_name(inputs[0]), settings)
    total: Counter[str] = Counter()
    for p in settings["counts"]:
        with open(p) as fh:
            total.update(json.load(fh))
    out = []
    for doc in read_documents(inputs[0]):
        texts = []
        for t in doc.texts:
            if t is not None and any(total[w] < settings["min_count"] for w in t.lower().split()):
                stats.inc("paragraphs_removed")
                t = "(removed)"
            texts.append(t)
        out.append(Document(texts, doc.images, doc.metadata, doc.general_metadata, doc.image_bytes))
    write_documents(output, out)
    stats.inc("documents_out", len(out))
