"""A base for per-document stages: the stage says what happens to one document, the base does the rest.

A stage's task calls :func:`map_documents` with a ``process(doc) -> Document | Reject``. The
base owns what every such stage did its own way: reading rows with one bad-row policy (a row
that is not a document is a counted skip, ``skipped: bad_row:<error>``, and a logged warning),
the progress bar, the atomic writer, the rejected-documents layout (with ``keep_rejected``:
``OUT/rejected/NAME.parquet``, the documents as they came in, with ``general_metadata.rejected``
and a ``reject_reason`` column; a later stage given ``OUT`` skips ``rejected/``) and the funnel
counters that the card and the report read by name: ``documents_in``, ``documents_out``,
``images_in``, ``images_out``, ``removed_documents`` (by reason) and ``removed_images``
(``in_removed_document`` for the images of a removed document).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from obelics.document import Document
from obelics.io.parquet import DocumentWriter, read_rows
from obelics.progress import progress
from obelics.stats import Stats

log = logging.getLogger("obelics")

FUNNEL = ("documents_in", "documents_out", "images_in", "images_out", "removed_documents", "removed_images")


@dataclass(frozen=True)
class Reject:
    """A document removed, and why (the ``removed_documents`` reason).

    Its images count as ``removed_images: in_removed_document`` unless ``count_images`` is false
    (the stage counted them already, each with its own reason).
    """

    reason: str
    count_images: bool = True


def read_documents_counted(path: str, stats: Stats | None) -> Iterator[Document]:
    """The documents of a shard; a bad row is skipped, counted in ``stats`` (when given) and logged."""
    for i, row in enumerate(read_rows(path)):
        try:
            yield Document.from_row(row)
        except Exception as e:  # noqa: BLE001 - a bad row is a counted skip, not a lost shard
            if stats is not None:
                stats.reason("skipped", f"bad_row:{type(e).__name__}")
                log.warning("%s row %d: skipping a bad row: %s", path, i, e)


def rejected_path(output: str) -> str:
    """``OUT/rejected/NAME.parquet`` for the output shard ``OUT/NAME.parquet``."""
    return os.path.join(os.path.dirname(output), "rejected", os.path.basename(output))


def map_documents(
    stage: str,
    path: str,
    output: str,
    process: Callable[[Document], Document | Reject],
    stats: Stats,
    *,
    keep_rejected: bool = False,
    show_progress: bool = True,
) -> None:
    """Write ``process(doc)`` of every document of ``path`` to ``output``; count the funnel; keep rejects."""
    rejected = DocumentWriter(rejected_path(output)) if keep_rejected else None
    try:
        with DocumentWriter(output) as out:
            docs = read_documents_counted(path, stats)
            for doc in progress(docs, desc=f"{stage} {os.path.basename(path)}", unit="doc", enabled=show_progress):
                n_images = doc.num_images
                stats.inc("documents_in")
                stats.inc("images_in", n_images)
                result = process(doc)
                if isinstance(result, Reject):
                    stats.reason("removed_documents", result.reason)
                    if n_images and result.count_images:
                        stats.reason("removed_images", "in_removed_document", n_images)
                    if rejected is not None:
                        doc.general_metadata["rejected"] = {"stage": stage, "reason": result.reason}
                        doc.extra["reject_reason"] = result.reason
                        rejected.write(doc)
                    continue
                stats.inc("documents_out")
                stats.inc("images_out", result.num_images)
                out.write(result)
    except BaseException:
        if rejected is not None:
            rejected.abort()
        raise
    if rejected is not None:
        rejected.close()
        stats.set("rejected_shard", rejected_path(output))
