"""A base for per-document stages: the stage says what happens to one document, the base does the rest.

A stage's task calls :func:`map_documents` with a ``process(doc) -> Document | Reject`` (or, for
a stage that works on batches, a ``process_batch(docs) -> [Document | Reject | None]``). The
base owns what every such stage did its own way: reading rows with one bad-row policy (a row
that is not a document is a counted skip, ``skipped: bad_row:<error>``, and a logged warning),
the progress bar, the atomic writer, the rejected-documents layout (with ``keep_rejected``:
``OUT/rejected/NAME.parquet``, the documents as they came in, with ``general_metadata.rejected``
and a ``reject_reason`` column; a later stage given ``OUT`` skips ``rejected/``) and the funnel
counters that the card and the report read by name: ``documents_in``, ``documents_out``,
``images_in``, ``images_out``, ``removed_documents`` (by reason) and ``removed_images``
(``in_removed_document`` for the images of a removed document, or the reject's ``images_reason``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from obelics.document import Document
from obelics.io.parquet import DocumentWriter, count_rows, read_rows
from obelics.progress import progress
from obelics.stats import Stats

log = logging.getLogger("obelics")

FUNNEL = ("documents_in", "documents_out", "images_in", "images_out", "removed_documents", "removed_images")


class Writer(Protocol):
    """Where a per-document stage's kept documents go: written atomically on leaving the block."""

    def write(self, doc: Document) -> None: ...

    def __enter__(self) -> Any: ...

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any: ...


@dataclass(frozen=True)
class Reject:
    """A document removed, and why (the ``removed_documents`` reason).

    Its images count as ``removed_images: <images_reason>`` unless ``count_images`` is false
    (the stage counted them already, each with its own reason). ``kind`` names the rejected
    shard it goes to when the stage keeps one per kind (dedup: one per pass); ``metadata``
    adds keys to ``general_metadata["rejected"]``.
    """

    reason: str
    count_images: bool = True
    images_reason: str = "in_removed_document"
    kind: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skip:
    """A document left out and counted as ``skipped: <reason>`` (not valid, empty): not a removal."""

    reason: str


Outcome = Document | Reject | Skip | None  # None: left out and counted by the stage itself


def iter_documents(path: str, stats: Stats | None, columns: list[str] | None = None) -> Iterator[tuple[int, Document]]:
    """(row number, document) for every row of a shard; a bad row is skipped, counted in ``stats`` and logged.

    A Parquet shard, or one of our WebDataset tars (``.tar``; a sample is a row). Without
    ``stats`` (a pass that only looks, the same rows are counted when they are written) a bad
    row is skipped silently.
    """
    if path.endswith(".tar"):
        from obelics.io.webdataset import iter_samples, sample_to_document

        rows: Iterator[Any] = iter_samples(path)
        to_document: Callable[[Any], Document] = sample_to_document
    else:
        rows, to_document = read_rows(path, columns=columns), Document.from_row
    for i, row in enumerate(rows):
        try:
            yield i, to_document(row)
        except Exception as e:  # noqa: BLE001 - a bad row is a counted skip, not a lost shard
            if stats is not None:
                stats.reason("skipped", f"bad_row:{type(e).__name__}")
                log.warning("%s row %d: skipping a bad row: %s", path, i, e)


def read_documents_counted(path: str, stats: Stats | None) -> Iterator[Document]:
    """The documents of a shard; a bad row is skipped, counted in ``stats`` (when given) and logged."""
    for _, doc in iter_documents(path, stats):
        yield doc


def rejected_path(output: str) -> str:
    """``OUT/rejected/NAME.parquet`` for the output shard ``OUT/NAME.parquet``."""
    return os.path.join(os.path.dirname(output), "rejected", os.path.basename(output))


class RejectedWriter:
    """The removed documents, as they came in, marked with their stage and reason.

    By default one shard, ``OUT/rejected/NAME.parquet`` (written even when empty, and recorded
    as ``rejected_shard``); with ``paths`` one shard per reject ``kind``, opened on first use.
    """

    def __init__(self, stage: str, output: str, paths: dict[str, str] | None = None) -> None:
        self.stage = stage
        self.default = None if paths else rejected_path(output)
        self.paths = paths or {}
        self.writers: dict[str, DocumentWriter] = {}
        if self.default:
            self.writers[""] = DocumentWriter(self.default)

    def write(self, doc: Document, reject: Reject) -> None:
        key = "" if self.default else reject.kind or ""
        if key not in self.writers:
            self.writers[key] = DocumentWriter(self.paths[key])
        doc.general_metadata["rejected"] = {"stage": self.stage, "reason": reject.reason, **reject.metadata}
        doc.extra["reject_reason"] = reject.reason
        self.writers[key].write(doc)

    def abort(self) -> None:
        for w in self.writers.values():
            w.abort()

    def close(self, stats: Stats) -> None:
        for w in self.writers.values():
            w.close()
        if self.default:
            stats.set("rejected_shard", self.default)


class _Funnel:
    """The funnel counters of one shard, and where removed documents go."""

    def __init__(self, stats: Stats, rejected: RejectedWriter | None, counts: bool) -> None:
        self.stats = stats
        self.rejected = rejected
        self.counts = counts

    def came_in(self, doc: Document) -> None:
        if self.counts:
            self.stats.inc("documents_in")
            self.stats.inc("images_in", doc.num_images)

    def removed(self, doc: Document, reject: Reject) -> None:
        if self.counts:
            self.stats.reason("removed_documents", reject.reason)
            if doc.num_images and reject.count_images:
                self.stats.reason("removed_images", reject.images_reason, doc.num_images)
        if self.rejected is not None:
            self.rejected.write(doc, reject)

    def skipped(self, skip: Skip) -> None:
        self.stats.reason("skipped", skip.reason)

    def kept(self, doc: Document) -> None:
        if self.counts:
            self.stats.inc("documents_out")
            self.stats.inc("images_out", doc.num_images)


def _batches(items: Iterator[Any], n: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for x in items:
        batch.append(x)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def map_documents(
    stage: str,
    path: str,
    output: str,
    process: Callable[..., Outcome] | None,
    stats: Stats,
    *,
    process_batch: Callable[[Sequence[Document]], Sequence[Outcome]] | None = None,
    writer: Writer | None = None,
    batch_size: int = 64,
    keep_rejected: bool = False,
    rejected_paths: dict[str, str] | None = None,
    counts_funnel: bool = True,
    with_row: bool = False,
    show_progress: bool = True,
) -> None:
    """Write ``process(doc)`` of every document of ``path`` to ``output``; count the funnel; keep rejects.

    ``process_batch`` (instead of ``process``) gets ``batch_size`` documents at a time and
    returns one outcome per document, None for a document it skipped (and counted). With
    ``with_row`` ``process`` is called as ``process(doc, row)`` (the row number in ``path``).
    ``counts_funnel=False``: the stage counts the funnel itself. ``rejected_paths``: one rejected
    shard per reject kind instead of ``OUT/rejected/NAME.parquet``. ``writer``: where kept
    documents go (a context manager with ``write(doc)`` that writes atomically; by default a
    Parquet shard at ``output``). A ``Skip`` outcome counts ``skipped: <reason>``.
    """
    rejected = RejectedWriter(stage, output, rejected_paths) if keep_rejected else None
    funnel = _Funnel(stats, rejected, counts_funnel)
    try:
        total: int | None = count_rows(path)
    except Exception:  # noqa: BLE001 - only for the progress bar; reading reports the error
        total = None
    bar = progress(total=total, desc=f"{stage} {os.path.basename(path)}", unit="doc", enabled=show_progress)
    try:
        with writer if writer is not None else DocumentWriter(output) as out:
            rows = iter_documents(path, stats)
            if process_batch is None:
                assert process is not None
                for row, doc in rows:
                    funnel.came_in(doc)
                    _write(funnel, out, doc, process(doc, row) if with_row else process(doc))
                    bar.update(1)
            else:
                for batch in _batches((doc for _, doc in rows), batch_size):
                    for doc in batch:
                        funnel.came_in(doc)
                    for doc, result in zip(batch, process_batch(batch)):
                        _write(funnel, out, doc, result)
                    bar.update(len(batch))
    except BaseException:
        if rejected is not None:
            rejected.abort()
        raise
    finally:
        bar.close()
    if rejected is not None:
        rejected.close(stats)


def _write(funnel: _Funnel, out: Writer, doc: Document, result: Outcome) -> None:
    if result is None:
        return
    if isinstance(result, Reject):
        funnel.removed(doc, result)
        return
    if isinstance(result, Skip):
        funnel.skipped(result)
        return
    funnel.kept(result)
    out.write(result)
