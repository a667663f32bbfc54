"""Toy stage: text files to Parquet shards of documents (one task per input file)."""

from __future__ import annotations

from obelics.io.parquet import write_documents
from obelics.io.paths import shard_name
from obelics.run.runner import map_tasks
from obelics.stats import Stats
from tests.pipeline_toys import document, misbehave

DEFAULTS = {"sleep": 0.0, "fail_on": "", "fail_flag": "", "crash_on": "", "mode": "plain"}
# Test knobs: they make tasks slow or fail, never change what a task writes.
EXECUTION_KEYS = frozenset({"sleep", "fail_on", "fail_flag", "crash_on"})
CHOICES = {"mode": ["plain", "upper"]}
INPUT_SUFFIXES = (".txt",)


def plan(inputs: list[str], output: str, settings: dict) -> list[list]:
    return [map_tasks("gen", f"{__name__}:run", inputs, output, settings)]


def run(inputs: list[str], output: str, settings: dict, stats: Stats) -> None:
    name = shard_name(inputs[0])
    misbehave(name, settings)
    docs = []
    with open(inputs[0], encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            line = line.strip()
            if not line:
                stats.reason("skipped", "empty_line")
                continue
            if settings["mode"] == "upper":
                line = line.upper()
            docs.append(document(line, f"https://example.com/{name}/{n}", n))
    write_documents(output, docs)
    stats.inc("documents_out", len(docs))
    stats.inc("images_out", len(docs))
