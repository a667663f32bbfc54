"""Extract stage: WARC records to interleaved documents.

Inputs, each planned into tasks:

* WARC files (``.warc``, ``.warc.gz``; local, ``http(s)://``, ``s3://``): one task and
  one output shard per file.
* Common Crawl listings (``warc.paths``, ``warc.paths.gz``): one task per listed WARC,
  resolved against ``base_url``.
* Pointer lists (Parquet, CSV, JSONL of ``warc_filename, warc_record_offset,
  warc_record_length``, or published OBELICS rows): one task per ``pointer_chunk_size``
  rows. Chunks rather than whole files: a published OBELICS file has about 100,000
  rows, hours of fetching at polite rates; chunks spread one file over many workers,
  a killed run redoes at most one chunk, and a chunk's documents stay within memory
  bounds. Inside a chunk the pointers are sorted by WARC file and offset, fetched on
  ``concurrency`` threads, and written in that order.

Every record goes through the same reader (:mod:`obelics.io.warc`) and the same
extractor (:func:`obelics.html.extract.extract_document`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from dataclasses import dataclass
from typing import Any

from obelics.document import Document
from obelics.io.parquet import DocumentWriter
from obelics.io.paths import shard_name
from obelics.io.pointers import (
    RangeFetcher,
    compare_documents,
    count_pointers,
    is_pointer_list,
    read_pointers,
    record_from_bytes,
    sort_pointers,
)
from obelics.io.warc import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_HTML_DEPTH,
    READERS,
    HtmlPage,
    html_page,
    is_listing,
    is_warc,
    iter_records,
    read_listing,
    relative_name,
    resolve_location,
)
from obelics.progress import progress
from obelics.run.runner import map_tasks
from obelics.run.settings import StageSettings, setting
from obelics.run.task import Task
from obelics.stages._page_worker import PageGuard, run_guarded
from obelics.stats import Stats

log = logging.getLogger("obelics")


@dataclass
class Settings(StageSettings):
    """Settings of the extract stage."""

    # main-content | obelics (see docs/extraction.md). The OBELICS rules drop tables and lists with
    # their content, and with them most article images of pages such as Wikipedia's (infobox
    # images); main-content keeps them and prunes boilerplate. ``obelics`` reproduces the paper.
    mode: str = setting(
        "main-content",
        "extraction rules: main-content prunes boilerplate and keeps tables/lists; obelics reproduces the paper",
        choices=["main-content", "obelics"],
    )
    reader: str = setting("auto", "WARC reader (auto: FastWARC, warcio where it cannot)", choices=list(READERS))
    base_url: str = setting(DEFAULT_BASE_URL, "where relative WARC names (listings, pointers) live: a URL or a folder")
    max_html_bytes: int = setting(
        8 * 1024 * 1024, "larger HTML payloads are skipped (html_too_large)", min=1, unit="bytes"
    )
    max_record_bytes: int = setting(
        32 * 1024 * 1024, "larger records are not read into memory (record_too_large)", min=1, unit="bytes"
    )
    max_html_depth: int = setting(
        DEFAULT_MAX_HTML_DEPTH, "pages nested deeper are skipped unparsed (html_too_deep; 0 = no limit)", min=0
    )
    page_timeout: float = setting(
        60.0,
        "time one page may take to extract: pages are extracted in a child process, killed past it "
        "(extraction_timeout); 0 = no limit, in the task's own process",
        min=0,
        unit="s",
    )
    progress: bool = setting(True, "a progress bar over records (on a terminal)")
    pointer_chunk_size: int = setting(
        5000, "record pointers per task (0 = one task per pointer list)", min=0, group="record pointers"
    )
    concurrency: int = setting(16, "fetch threads per task", min=1, group="record pointers")
    rate_limit: float = setting(
        20.0, "requests per second per host (0 = no limit)", min=0, unit="requests/s", group="record pointers"
    )
    fetch_retries: int = setting(
        5, "retries of a request on 429, 5xx, timeouts, connection errors", min=0, group="record pointers"
    )
    backoff: float = setting(
        0.5, "first retry wait, doubled each retry (jittered, at most 60 s)", min=0, unit="s", group="record pointers"
    )
    timeout: float = setting(60.0, "time per request", min=0.01, unit="s", group="record pointers")
    max_failed_share: float = setting(
        0.05,
        "a task whose share of pointers failing after retries is larger fails (rerun)",
        min=0,
        max=1,
        group="record pointers",
    )
    compare: bool = setting(
        True, "compare with the published texts/images when pointer rows carry them", group="record pointers"
    )
    storage_options: dict = setting({}, "fsspec options for s3:// and other remote files")


DEFAULTS: dict[str, Any] = Settings.defaults()
CHOICES: dict[str, list[Any]] = Settings.choices()
# What a folder given as input is searched for; pointer lists (.parquet, .csv, .jsonl) must be named.
INPUT_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz", ".warc.wet.gz", ".warc.wat.gz", ".paths", ".paths.gz")

WARC_FN = "obelics.stages.extract:extract_warc"
POINTER_FN = "obelics.stages.extract:extract_pointers"


class InputError(ValueError):
    """An input the extract stage cannot read."""


def plan(inputs: list[str], output: str, settings: dict[str, Any]) -> list[list[Task]]:
    """One task per WARC (listings expanded), one per chunk of each pointer list."""
    warcs: list[str] = []
    pointer_lists: list[str] = []
    for path in inputs:
        if is_listing(path):
            warcs.extend(read_listing(path, settings["base_url"]))
        elif is_warc(path):
            warcs.append(path)
        elif is_pointer_list(path):
            pointer_lists.append(path)
        else:
            raise InputError(
                f"{path}: not a WARC (.warc, .warc.gz), a listing (warc.paths[.gz]) "
                "or a pointer list (.parquet, .csv, .jsonl)"
            )
    tasks = map_tasks("extract", WARC_FN, warcs, output, settings)
    taken = {t.name for t in tasks}
    chunk = int(settings.get("pointer_chunk_size") or 0)
    for path in pointer_lists:
        stem = shard_name(path)
        if stem in taken or any(n.startswith(stem + "-") for n in taken):
            stem = f"{stem}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"
        n = count_pointers(path)
        ranges = [(0, None)] if chunk <= 0 or n <= chunk else [(a, min(a + chunk, n)) for a in range(0, n, chunk)]
        for k, (a, b) in enumerate(ranges):
            name = stem if len(ranges) == 1 else f"{stem}-{k:05d}"
            taken.add(name)
            tasks.append(
                Task(
                    stage="extract",
                    name=name,
                    fn=POINTER_FN,
                    inputs=[path],
                    output=os.path.join(output, name + ".parquet"),
                    stats_path=os.path.join(output, name + ".stats.json"),
                    settings=settings,
                    params={"rows": [a, b]},
                )
            )
    return [tasks]


# ----------------------------------------------------------------------------------------
# Tasks
# ----------------------------------------------------------------------------------------
def extract_warc(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Every HTML response of one WARC file to one Parquet shard (see :mod:`obelics.stages._page_worker`
    for how ``page_timeout`` holds)."""
    run_guarded(_extract_warc, inputs, output, settings, stats, float(settings.get("page_timeout") or 0))


def extract_pointers(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """The records a chunk of a pointer list points to, fetched by range, to one Parquet shard."""
    run_guarded(_extract_pointers, inputs, output, settings, stats, float(settings.get("page_timeout") or 0))


def _extract_warc(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats, guard: PageGuard) -> None:
    (path,) = inputs
    warc_name = relative_name(path, settings["base_url"])
    name = shard_name(path)
    with (
        DocumentWriter(output) as writer,
        progress(desc=name, unit=" rec", enabled=settings.get("progress", True)) as bar,
    ):
        for rec in iter_records(
            path,
            reader=settings["reader"],
            stats=stats,
            max_record_bytes=int(settings["max_record_bytes"]),
            storage_options=settings.get("storage_options") or None,
            on_bytes=lambda n: stats.inc("bytes_in", n),
        ):
            bar.update(1)
            page = html_page(rec, stats, **_page_limits(settings))
            if page is None:
                continue
            doc = extract_page(page, warc_name, settings, stats, guard)
            if doc is not None:
                writer.write(doc)
    _finish(output, stats)


def _extract_pointers(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats, guard: PageGuard) -> None:
    (path,) = inputs
    start, stop = (settings.get("rows") or [0, None])[:2]
    pointers = sort_pointers(read_pointers(path, int(start or 0), stop, stats, keep_published=settings["compare"]))
    base = settings["base_url"]
    fetcher = RangeFetcher(
        concurrency=int(settings["concurrency"]),
        rate_limit=float(settings["rate_limit"]),
        retries=int(settings["fetch_retries"]),
        backoff=float(settings["backoff"]),
        timeout=float(settings["timeout"]),
        storage_options=settings.get("storage_options") or None,
    )
    items = ((p, resolve_location(p.warc_filename, base), p.offset, p.length) for p in pointers)
    transient = 0
    try:
        with (
            DocumentWriter(output) as writer,
            progress(
                total=len(pointers), desc=shard_name(path), unit=" rec", enabled=settings.get("progress", True)
            ) as bar,
        ):
            for ptr, data, err in fetcher.fetch_many(items):
                bar.update(1)
                stats.inc("pointers")
                if err is not None:
                    stats.reason("skipped", f"fetch_{err.reason}")
                    transient += err.transient
                    log.debug("pointer %s@%s: %s", ptr.warc_filename, ptr.offset, err)
                    _not_reextracted(ptr, stats)
                    continue
                stats.inc("bytes_in", len(data))
                rec, reason = record_from_bytes(data, settings["reader"])
                if rec is None:
                    stats.inc("records")
                    stats.reason("skipped", reason or "not_a_record")
                    _not_reextracted(ptr, stats)
                    continue
                rec.offset, rec.length = ptr.offset, ptr.length
                page = html_page(rec, stats, **_page_limits(settings))
                if page is None:
                    _not_reextracted(ptr, stats)
                    continue
                if ptr.url and page.url != ptr.url:
                    stats.reason("skipped", "url_mismatch")
                    _not_reextracted(ptr, stats)
                    continue
                doc = extract_page(page, ptr.warc_filename, settings, stats, guard)
                if doc is None:
                    _not_reextracted(ptr, stats)
                    continue
                if ptr.published is not None:
                    for k, v in compare_documents(doc, ptr.published).items():
                        stats.reason("reextract", k, v)
                    stats.reason("reextract", "documents")
                writer.write(doc)
            if pointers and transient / len(pointers) > float(settings["max_failed_share"]):
                raise RuntimeError(
                    f"{transient} of {len(pointers)} pointers still failed after retries "
                    f"(more than max_failed_share={settings['max_failed_share']}); rerun to try again"
                )
    finally:
        stats.inc("requests", fetcher.requests)
        stats.inc("request_retries", fetcher.retried)
        fetcher.close()
    _finish(output, stats)


def _not_reextracted(ptr: Any, stats: Stats) -> None:
    if ptr.published is not None:
        stats.reason("reextract", "not_reextracted")


def _finish(output: str, stats: Stats) -> None:
    with contextlib.suppress(OSError):
        stats.inc("bytes_out", os.path.getsize(output))


# ----------------------------------------------------------------------------------------
# One page
# ----------------------------------------------------------------------------------------
def _page_limits(settings: dict[str, Any]) -> dict[str, int]:
    return {
        "max_html_bytes": int(settings["max_html_bytes"]),
        "max_html_depth": int(settings.get("max_html_depth", DEFAULT_MAX_HTML_DEPTH) or 0),
    }


def extract_page(
    page: HtmlPage,
    warc_name: str,
    settings: dict[str, Any],
    stats: Stats,
    guard: PageGuard | None = None,
) -> Document | None:
    """The document of one page with its WARC pointer in ``general_metadata``; None (counted) when none.

    ``guard`` tells the process watching this one which page is extracted since when, and skips
    the pages an earlier attempt gave up on (already counted there).
    """
    from obelics.html.extract import extract_document

    if guard is not None and not guard.begin():
        return None
    headers = {k.lower(): v for k, v in page.http_headers.items()}
    try:
        doc = extract_document(page.html, page.url, mode=settings["mode"], http_headers=headers)
    except RecursionError:
        stats.reason("skipped", "extraction_recursion")
        return None
    except Exception as e:  # noqa: BLE001 - one bad page must not lose the shard
        stats.reason("skipped", "extraction_error")
        log.warning("extraction of %s failed: %r", page.url, e)
        return None
    finally:
        if guard is not None:
            guard.end()
    if doc is None:
        stats.reason("ignored", "no_text_or_image")
        return None
    gm = {
        "url": page.url,
        "warc_filename": warc_name,
        "warc_record_offset": page.offset,
        "warc_record_length": page.length,
        "crawl_date": page.warc_date,
    }
    for k, v in doc.general_metadata.items():
        gm.setdefault(k, v)
    doc.general_metadata = gm
    stats.inc("documents")
    stats.inc("images", doc.num_images)
    return doc


def summarize(summary: dict[str, Any]) -> dict[str, Any]:
    """The means of the re-extraction check (pointer rows that carry the published document), for stats.json."""
    from obelics.io.pointers import reextract_summary

    means = reextract_summary(summary)
    return {"reextract_summary": means} if means is not None else {}
