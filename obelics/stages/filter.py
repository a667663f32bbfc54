"""Filter stage: language, text quality, perplexity, quality classifier and NSFW filters.

One task per input shard: ``OUT/NAME.parquet`` holds the kept documents (failing paragraphs
removed), ``OUT/NAME.stats.json`` the funnel (documents, paragraphs and images removed, by
reason). With ``keep_rejected`` the removed documents, as they came in, go to
``OUT/rejected/NAME.parquet`` with a ``reject_reason`` column (a later stage given the folder
``OUT`` skips ``rejected/``). See :mod:`obelics.filters.pipeline` for the
order of the checks and :mod:`obelics.filters.config` for the settings.
"""

from __future__ import annotations

import copy
import logging
import os
from typing import Any

from obelics.document import Document
from obelics.filters import config
from obelics.run.runner import map_tasks
from obelics.run.settings import SettingsError
from obelics.run.task import Task
from obelics.stages._documents import Reject, map_documents
from obelics.stats import Stats

log = logging.getLogger("obelics")

STAGE = "filter"
Settings = config.Settings
DEFAULTS: dict[str, Any] = dict(config.DEFAULTS)
CHOICES: dict[str, list[Any]] = dict(config.CHOICES)
BATCH = 64  # documents whose text metrics are computed together (64-128 fit the CPU caches best)
FILE_SETTINGS = config.FILE_SETTINGS


def prepare_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Check the settings before any work: values, files, and language codes against the model."""
    s = dict(settings)
    for k in FILE_SETTINGS:
        if s.get(k) and "://" not in s[k]:
            s[k] = os.path.abspath(s[k])
    s = config.check(s)
    if s.get("language_min_score") is not None or s.get("paragraph_language"):
        from obelics.filters.language import LanguageIdentifier

        try:
            lid = LanguageIdentifier(s.get("language_model") or None)
        except (FileNotFoundError, ValueError, RuntimeError) as e:
            raise SettingsError(f"filter: cannot load the language model: {e}") from None
        unknown = lid.check_languages(s["languages"])
        if unknown:
            raise SettingsError(
                f"filter: language code(s) {', '.join(unknown)} unknown to {lid.path}; "
                f"known: {', '.join(sorted(lid.labels))}"
            )
    if s.get("quality_model"):
        from obelics.filters.classifier import QualityClassifier

        try:
            QualityClassifier.load(s["quality_model"])
        except (FileNotFoundError, ValueError) as e:
            raise SettingsError(f"filter: quality_model: {e}") from None
    return s


def plan(inputs: list[str], output: str, settings: dict[str, Any]) -> list[list[Task]]:
    """One task per shard."""
    s = prepare_settings(settings)
    return [map_tasks(STAGE, "obelics.stages.filter:filter_shard", inputs, output, s)]


def _snapshot(stats: Stats):
    by_language = copy.deepcopy(stats.values.get(config.BY_LANGUAGE))
    return stats.counts.copy(), {k: v.copy() for k, v in stats.reasons.items()}, by_language


def _restore(stats: Stats, saved) -> None:
    counts, reasons, by_language = saved
    if by_language is None:
        stats.values.pop(config.BY_LANGUAGE, None)
    else:
        stats.values[config.BY_LANGUAGE] = by_language
    stats.counts.clear()
    stats.counts.update(counts)
    stats.reasons.clear()
    for k, v in reasons.items():
        stats.reasons[k] = v


def filter_shard(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Filter one shard of documents (the task function)."""
    from obelics.filters.pipeline import DocumentFilter

    (path,) = inputs
    flt = DocumentFilter(settings, stats)
    try:
        map_documents(
            STAGE,
            path,
            output,
            None,
            stats,
            process_batch=lambda batch: _filter_batch(flt, batch, path, stats),
            batch_size=BATCH,
            keep_rejected=bool(settings.get("keep_rejected")),
            counts_funnel=False,  # the filter counts it, per language and with its own image count
            show_progress=settings.get("progress", True),
        )
    finally:
        close = getattr(flt._nsfw, "close", None)
        if close:
            close()


def _filter_batch(flt, batch: list[Document], path: str, stats: Stats) -> list[Document | Reject | None]:
    """One outcome per document of the batch; a batch that fails is filtered one document at a time."""
    from obelics.filters.pipeline import FilterSetupError

    saved = _snapshot(stats)
    try:
        return [_outcome(o) for o in flt.filter_batch(batch)]
    except FilterSetupError:
        raise
    except Exception as e:  # noqa: BLE001 - fall back to one document at a time
        log.warning("%s: a batch failed (%s); filtering its documents one by one", path, e)
        _restore(stats, saved)  # the batch's partial counts go; each document is counted again below
    outcomes: list[Document | Reject | None] = []
    errors = 0
    for doc in batch:
        try:
            (o,) = flt.filter_batch([doc])
            outcomes.append(_outcome(o))
        except FilterSetupError:
            raise
        except Exception as e1:  # noqa: BLE001 - a document that breaks a filter is skipped
            errors += 1
            outcomes.append(None)
            stats.reason("skipped", f"filter_error:{type(e1).__name__}")
            log.warning("%s: skipping %s: %s", path, doc.url, e1)
            last = e1
    if errors == len(batch) > 1:  # not bad input: something systemic, fail rather than drop all
        raise RuntimeError(f"every document of a batch failed to filter: {last}") from last
    return outcomes


def _outcome(o) -> Document | Reject:
    """The filter's outcome as the per-document base takes it (the filter counted the removal)."""
    return o.document if o.reason is None else Reject(o.reason, count_images=False)
