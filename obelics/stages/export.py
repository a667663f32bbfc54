"""Export stage: documents (Parquet shards or our tars) to Parquet in the OBELICS Hub layout.

``format=hub`` writes the published OBELICS columns only (``texts``, ``images`` as URLs,
``metadata`` and ``general_metadata`` as JSON strings); ``format=bytes`` adds ``image_bytes``
(a list parallel to ``texts``, the image bytes as downloaded). Row groups are small (by rows
and by bytes) so ``datasets`` reads the nested list columns without chunked-array errors.
A second step writes ``manifest.json`` and a dataset card, so ``load_dataset(OUT)`` works
(with ``image_bytes`` typed as images).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from obelics.document import SCHEMA, Document, DocumentError
from obelics.io.atomic import temp_path, write_json
from obelics.io.paths import WORK
from obelics.io.webdataset import DOCUMENT_FEATURES, features_yaml, file_sha256
from obelics.run.runner import map_tasks, reduce_task
from obelics.run.settings import StageSettings, setting
from obelics.run.task import Task
from obelics.stages._documents import Skip, map_documents
from obelics.stats import Stats, merge

STAGE = "export"


@dataclass
class Settings(StageSettings):
    """Settings of the export stage."""

    format: str = setting(
        "hub", "hub: image URLs only (the published layout); bytes: plus image_bytes", choices=["hub", "bytes"]
    )
    row_group_size: int = setting(0, "rows per row group (0 = 100 for hub, 20 with bytes)", min=0)
    row_group_bytes: int = setting(
        64_000_000, "also end a row group once its image bytes pass this", min=1, unit="bytes"
    )
    keep_extra: bool = setting(False, "keep other input columns (the card then leaves typing to datasets)")
    name: str = setting("", 'dataset name for the card ("" = the output folder\'s name)', group="dataset card")
    pretty_name: str = setting("", "title of the card", group="dataset card")
    license: str = setting("cc-by-4.0", "license id for the card", group="dataset card")


DEFAULTS: dict[str, Any] = Settings.defaults()
CHOICES: dict[str, list[Any]] = Settings.choices()

BYTES_FEATURE = {"name": "image_bytes", "list": "image"}


def expand_manifests(inputs: list[str]) -> list[str]:
    """A shard stage's ``manifest.json`` (its recorded output) stands for the tars it lists."""
    out: list[str] = []
    for p in inputs:
        if Path(p).name == "manifest.json":
            with open(p, encoding="utf-8") as fh:
                out += [str(Path(p).parent / s["name"]) for s in json.load(fh).get("shards", [])]
        else:
            out.append(p)
    return out


def plan(inputs: list[str], output: str, settings: dict[str, Any]) -> list[list[Task]]:
    inputs = expand_manifests(inputs)
    tasks = map_tasks(STAGE, "obelics.stages.export:export_task", inputs, output, settings, suffix=".parquet")
    finalize = reduce_task(
        STAGE,
        "obelics.stages.export:finalize_task",
        tasks,
        os.path.join(output, "manifest.json"),
        output,
        settings,
        inputs,
        WORK,
    )
    return [tasks, [finalize]]


class _HubWriter:
    """Rows in the Hub layout to one Parquet file, in small row groups (by rows and by image bytes), atomically."""

    def __init__(self, output: str, settings: dict[str, Any]) -> None:
        self.output = output
        self.with_bytes = settings["format"] == "bytes"
        self.rows_per_group = int(settings["row_group_size"]) or (20 if self.with_bytes else 100)
        self.bytes_per_group = int(settings["row_group_bytes"])
        self.fields = [f for f in SCHEMA if self.with_bytes or f.name != "image_bytes"]
        self.schema: pa.Schema | None = None if settings["keep_extra"] else pa.schema(self.fields)
        self.tmp = temp_path(output)
        self.writer: pq.ParquetWriter | None = None
        self.batch: list[dict[str, Any]] = []
        self.batch_bytes = 0
        self.groups = 0

    def write(self, doc: Document) -> None:
        row = doc.to_row(with_bytes=self.with_bytes)
        if self.with_bytes and row.get("image_bytes") is None:
            row["image_bytes"] = [None] * len(doc.texts)
        self.batch.append(row)
        self.batch_bytes += image_size(doc) if self.with_bytes else 0
        if len(self.batch) >= self.rows_per_group or self.batch_bytes >= self.bytes_per_group:
            self._flush()

    def _flush(self) -> None:
        if not self.batch:
            return
        if self.schema is None:  # keep_extra: core columns typed, the rest inferred from the first batch
            extra = pa.Table.from_pylist([{k: v for k, v in r.items() if k not in SCHEMA.names} for r in self.batch])
            self.schema = pa.schema(self.fields + list(extra.schema))
        table = pa.Table.from_pylist(self.batch, schema=self.schema)
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, self.schema, compression="zstd")
        self.writer.write_table(table, row_group_size=len(self.batch))
        self.groups += 1
        self.batch, self.batch_bytes = [], 0

    def __enter__(self) -> _HubWriter:
        Path(self.output).parent.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._flush()
                if self.writer is None:  # no documents: an empty file with the schema
                    self.writer = pq.ParquetWriter(self.tmp, self.schema or pa.schema(self.fields), compression="zstd")
                self.writer.close()
                self.writer = None
                os.replace(self.tmp, self.output)
        finally:
            if self.writer is not None:
                self.writer.close()
            with contextlib.suppress(FileNotFoundError):
                self.tmp.unlink()


def image_size(doc: Document) -> int:
    """The bytes of the document's images."""
    return sum(len(b) for b in (doc.image_bytes or []) if b is not None)


def export_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Write the documents of one input to ``output`` (Parquet), atomically."""
    (path,) = inputs
    writer = _HubWriter(output, settings)

    def to_row(doc: Document) -> Document | Skip:
        try:
            doc.validate()
        except DocumentError:
            return Skip("invalid_document")
        if not settings["keep_extra"]:
            doc = Document(doc.texts, doc.images, doc.metadata, doc.general_metadata, doc.image_bytes)
        else:
            doc.extra.pop("__key__", None)
        stats.inc("words", sum(len(t.split()) for t in doc.texts if t is not None))
        if writer.with_bytes:
            stats.inc("images_with_bytes", sum(b is not None for b in (doc.image_bytes or [])))
            stats.inc("image_bytes", image_size(doc))
        return doc

    map_documents(STAGE, path, output, to_row, stats, writer=writer)
    stats.inc("row_groups", writer.groups)
    stats.inc("bytes_out", os.path.getsize(output))


def finalize_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """``manifest.json`` (files, counts, sha256) and the dataset card."""
    from obelics.report.card import write_card

    out_dir = Path(output).parent
    task_stats = []
    for name in settings.get("task_names", []):
        with open(out_dir / f"{name}.stats.json", encoding="utf-8") as fh:
            task_stats.append(json.load(fh))
    files = []
    for path, ts in zip(inputs, task_stats):
        files.append(
            {
                "name": Path(path).name,
                "documents": ts.get("documents_out", 0),
                "images": ts.get("images_out", 0),
                "row_groups": ts.get("row_groups", 0),
                "bytes": os.path.getsize(path),
                "sha256": file_sha256(path),
            }
        )
    files.sort(key=lambda f: f["name"])
    merged = merge(task_stats) if task_stats else {}
    merged["stage"] = STAGE
    merged["inputs"] = settings.get("stage_inputs", [])
    with_bytes = settings["format"] == "bytes"
    columns = DOCUMENT_FEATURES + ([BYTES_FEATURE] if with_bytes else [])
    features = None if settings["keep_extra"] else features_yaml(columns)
    manifest = {
        "format": f"obelics-parquet-{settings['format']}",
        "documents": sum(f["documents"] for f in files),
        "images": sum(f["images"] for f in files),
        "images_with_bytes": merged.get("images_with_bytes", 0),
        "image_bytes": merged.get("image_bytes", 0),
        "words": merged.get("words", 0),
        "bytes": sum(f["bytes"] for f in files),
        "shards": files,
        "features_yaml": features,
    }
    write_json(output, manifest)
    write_card(str(out_dir), manifest, merged, settings, kind=f"parquet-{settings['format']}")
    stats.inc("manifest_written")
