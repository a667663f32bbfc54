"""Images stage: download each distinct image URL once, filter, deduplicate and attach the images to their slots.

Input: document shards (``obelics extract`` output, or the published OBELICS Parquet files: extra columns are
carried along). Output: one shard per input with the surviving images' bytes in ``image_bytes`` and their
metadata filled (``original_width/height``, ``format``, ``bytes_size``, ``sha256``, ``phash``); failed and
filtered images are removed and the texts around them merged.

Steps (work files under ``OUT/_work``, each task's stats JSON its completion marker, so a rerun resumes):

1. **collect**, one task per input shard: the image URLs of each document (each URL counted once per
   document; slots whose HTML-declared size fails the size rules are not counted), hash-partitioned by URL:
   ``uses/pNNNN/<shard>.pq`` rows ``(url, shard, doc)``.
2. **reduce**, one task per URL partition: documents per URL; a URL is dropped everywhere, before any
   download, when more than ``max_url_count`` documents use it, when it contains a banned substring, or when
   the internal-address guard refuses it: ``part/pNNNN/urls.pq`` (every URL with its status) and
   ``download.pq`` (the distinct URLs to fetch).
3. **download**, one task per URL partition: each kept URL is fetched exactly once with the project's HTTP
   client, every hop checked by the guard before it connects (:mod:`obelics.images.download`); node filters
   and hashes run on the original bytes; each result is journalled as it arrives (``part/pNNNN/fetched/``), so
   a killed run resumes with the URLs without a result. Then, on disk with DuckDB, the outcomes (not the
   bytes, which stay in the download chunks) are shuffled to the shards that use them
   (``results/shard=N/pNNNN_*.pq``) and each image use, once per band of its 64-bit pHash
   (``phash_distance + 1`` bands), to the partition of that band value (``phash/bands/q=M/``).
4. **phash-near**, one task per band partition: pHashes sharing a band value are compared; for each pHash,
   the documents using a pHash within ``phash_distance`` bits of it go to that pHash's partition
   (``phash/near/r=K/``). Two pHashes within the distance agree on at least one band, so no near pair is
   missed.
5. **phash-count**, one task per pHash partition: documents per pHash, near-duplicates included; pHashes used
   by more than ``max_phash_count`` documents are listed in ``phash/drop-K.pq`` and dropped everywhere.
6. **attach**, one task per input shard: reads only its own results, removes failed, filtered, frequent and
   repeated images, fills the metadata and writes ``OUT/<shard>.parquet``, reading the bytes of
   ``chunk_size`` images at a time. The last attach task to finish
   deletes the work files (``keep_work`` keeps them); the markers stay, so a rerun finds everything done.

Each task's parameters name every file or folder it reads, writes and removes (``_reads``,
``_writes``, ``_removes``, set by :func:`plan`); the step functions use those paths, not conventions of
their own (DuckDB writes partitioned folders, named as folders).

The download and attach tasks first save their stats beside their output (the last attach task then deletes
the work files), so a task killed between its output and its marker is completed from that record instead of
redone on missing inputs.

Outcome of each image slot (the ``image_removed`` counts of the stats): ``declared_size``, ``too_frequent``,
``banned_substring``, ``guard:<kind>``, ``download:<reason>`` (``http_404``, ``timeout``,
``too_many_redirects``, ``opt_out_header``, ``guard_refused``, ``connection_error``, ...),
``filter:<reason>`` (``not_an_image``, ``truncated``, ``decompression_bomb``, ``format``, ``too_small``,
``too_large``, ``aspect_ratio``, ``corrupt``), ``phash_frequent``, ``repeated_in_document``.
"""

from __future__ import annotations

import functools
import glob
import json
import logging
import math
import os
import shutil
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from obelics.document import Document, DocumentError, Node
from obelics.images import guard as _guard
from obelics.images.download import INFO_SCHEMA, ImageReader
from obelics.images.filters import FilterConfig, declared_refusal
from obelics.images.guard import host_refusal, url_refusal
from obelics.images.hashing import partition_of
from obelics.images.urls import DEFAULT_BANNED_SUBSTRINGS, url_status
from obelics.io.atomic import atomic_path, write_json
from obelics.io.parquet import DocumentWriter, read_rows
from obelics.io.paths import WORK
from obelics.run.runner import map_tasks
from obelics.run.settings import SettingsError, StageSettings, setting
from obelics.run.task import Task
from obelics.stats import Stats

log = logging.getLogger("obelics")

STAGE = "images"


@dataclass
class Settings(StageSettings):
    """Settings of the images stage."""

    # URL rules, before download
    max_url_count: int = setting(
        10, "a URL used by more documents is dropped everywhere (OBELICS: 10; 0 = no limit)", min=0, group="URL rules"
    )
    banned_url_substrings: list = setting(
        list(DEFAULT_BANNED_SUBSTRINGS), "image URLs containing any of these are dropped", group="URL rules"
    )
    guard: bool = setting(
        True,
        "refuse internal addresses (loopback, private, link-local, metadata, ...) and non-http(s)",
        group="URL rules",
    )
    allow_loopback: bool = setting(
        False, "allow 127.0.0.0/8, ::1 and localhost (tests, demo); private ranges stay refused", group="URL rules"
    )
    guard_dns: bool = setting(
        True,
        "resolve host names before download too (the download itself always checks the peer)",
        group="URL rules",
    )
    # node filters (on the downloaded bytes; sizes also on the sizes declared in the HTML)
    formats: list = setting(["jpg", "jpeg", "png", "webp"], "image formats kept", group="image filters")
    min_side: int = setting(150, "images with a shorter side are dropped", min=0, unit="pixels", group="image filters")
    max_side: int = setting(
        20_000, "images with a longer side are dropped", min=1, unit="pixels", group="image filters"
    )
    max_aspect_ratio: float = setting(2.0, "images more elongated are dropped", min=1, group="image filters")
    max_pixels: int = setting(
        89_478_485,
        "more pixels is a decompression bomb: refused before decoding",
        min=1,
        unit="pixels",
        group="image filters",
    )
    filter_declared_size: bool = setting(
        True, "also apply the size rules to the sizes declared in the HTML, before download", group="image filters"
    )
    # dedup
    max_phash_count: int = setting(
        10,
        "an image whose pHash (or a near one) is used by more documents is dropped (0 = no limit)",
        min=0,
        group="dedup",
    )
    phash_distance: int = setting(
        2,
        "near-duplicate: pHashes within this Hamming distance (0 = equal pHashes only)",
        min=0,
        max=8,
        unit="bits",
        group="dedup",
    )
    dedup_in_document: bool = setting(
        True, "drop an image repeated in its document (same URL or same sha256)", group="dedup"
    )
    # download
    processes_count: int = setting(
        0, "processes for filters and hashes (0 = one per CPU, at most 16)", min=0, group="download"
    )
    thread_count: int = setting(64, "download threads per process", min=1, group="download")
    timeout: float = setting(10, "time per image request", min=0.01, unit="s", group="download")
    retries: int = setting(
        1, "retries of transient failures only (timeouts, 429, 5xx, dropped connections)", min=0, group="download"
    )
    user_agent_token: str = setting("obelics", "token added to the User-Agent", group="download")
    disallowed_header_directives: list = setting(
        ["noai", "noimageai", "noindex", "noimageindex"],
        "X-Robots-Tag directives that refuse an image",
        group="download",
    )
    max_image_bytes: int = setting(
        100_000_000,
        "a larger answer is cut and counted as download:too_many_bytes",
        min=1,
        unit="bytes",
        group="download",
    )
    resize_mode: str = setting(
        "no",
        "no: keep the original bytes and format; others resize and re-encode (img2dataset's resizer)",
        choices=["no", "keep_ratio", "center_crop", "border", "keep_ratio_largest"],
        group="download",
    )
    image_size: int = setting(256, "target size when resizing", min=1, unit="pixels", group="download")
    encode_format: str = setting("jpg", "format when re-encoding", choices=["jpg", "png", "webp"], group="download")
    # execution
    partitions: int = setting(
        0, "URL and pHash partitions (0 = one per 8 input shards, 1..256)", min=0, max=256, group="execution"
    )
    duckdb_memory_limit: str = setting(
        "", 'DuckDB memory limit, e.g. "4GB" ("" = DuckDB\'s default)', group="execution"
    )
    drop_documents_without_images: bool = setting(False, "remove documents left with no image", group="execution")
    keep_work: bool = setting(False, "keep the intermediate files in OUT/_work", group="execution")
    chunk_size: int = setting(
        256,
        "images held at once when attaching (and per results row group): bounds memory",
        min=1,
        unit="images",
        group="execution",
    )


DEFAULTS: dict[str, Any] = Settings.defaults()
CHOICES: dict[str, list[Any]] = Settings.choices()

# What to do when a whole class of images is refused (the runner's hint after the summary).
HINTS = {
    "guard:loopback": "image URLs on 127.0.0.1/localhost are refused; for a local server set allow_loopback=true",
    "guard:private": "image URLs on private addresses are always refused (an internal server cannot be fetched)",
}

# Settings that change how, not what: a run may be resumed with other values.
EXECUTION_KEYS = frozenset(
    {
        "processes_count",
        "thread_count",
        "timeout",
        "retries",
        "duckdb_memory_limit",
        "keep_work",
        "chunk_size",
    }
)


# ------------------------------------------------------------------------------------------------
# plan
# ------------------------------------------------------------------------------------------------
WORK_FOLDERS = ("uses", "part", "results", "phash", "duckdb-tmp")  # deleted by the last attach task


def _files(
    reads: dict[str, str] | None = None, writes: dict[str, str] | None = None, removes: list[str] | None = None
) -> dict[str, Any]:
    """The files (or folders) a task reads, writes and removes, by name: its functions use no other path."""
    return {"_reads": reads or {}, "_writes": writes or {}, "_removes": removes or []}


def _stale_attach(work: str, shard: int) -> list[str]:
    """What a new collect of ``shard`` invalidates: the run's clean-up record and the shard's attach record."""
    return [os.path.join(work, "cleaned.json"), os.path.join(work, "attached", f"{shard}.json")]


def auto_partitions(n_inputs: int) -> int:
    return max(1, min(256, math.ceil(n_inputs / 8)))


def plan(inputs: list[str], output: str, settings: dict[str, Any]) -> list[list[Task]]:
    """Six steps: collect, reduce, download, phash-near, phash-count, attach (see the module doc)."""
    if settings["max_url_count"] < 0 or settings["max_phash_count"] < 0:
        raise SettingsError(f"{STAGE}: max_url_count and max_phash_count must be >= 0 (0 = no limit)")
    if not 0 <= settings["phash_distance"] <= 8:
        raise SettingsError(f"{STAGE}: phash_distance must be between 0 and 8 bits")
    if settings["min_side"] > settings["max_side"]:
        raise SettingsError(f"{STAGE}: min_side is larger than max_side")
    parts = int(settings["partitions"]) or auto_partitions(len(inputs))
    work = os.path.join(output, WORK)
    marks = os.path.join(work, "markers")
    final = map_tasks(STAGE, f"{__name__}:attach_task", inputs, output, settings)

    def task(step: str, name: str, fn: str, ins: list[str], out: str, extra: dict[str, Any]) -> Task:
        return Task(
            stage=STAGE,
            name=name,
            fn=f"{__name__}:{fn}",
            inputs=ins,
            output=out,
            stats_path=os.path.join(marks, step, f"{name}.stats.json"),
            settings=settings,
            params={"_work": work, "_partitions": parts, **extra},
        )

    w = functools.partial(os.path.join, work)
    pnames = [f"p{p:04d}" for p in range(parts)]
    collect = [
        task(
            "1-collect",
            t.name,
            "collect_task",
            t.inputs,
            w("uses"),
            {"_shard": i, "_name": t.name, **_files(writes={"uses": w("uses")}, removes=_stale_attach(work, i))},
        )
        for i, t in enumerate(final)
    ]
    reduce = [
        task(
            "2-reduce",
            n,
            "reduce_task",
            [w("uses", n)],
            w("part", n),
            {
                "_part": p,
                **_files(
                    reads={"uses": w("uses", n)},
                    writes={"urls": w("part", n, "urls.pq"), "download": w("part", n, "download.pq")},
                    removes=[w("part", n, "shuffled.json"), w("part", n, "fetched")],
                ),
            },
        )
        for p, n in enumerate(pnames)
    ]
    download = [
        task(
            "3-download",
            n,
            "download_task",
            [w("part", n)],
            w("part", n),
            {
                "_part": p,
                **_files(
                    reads={
                        "download": w("part", n, "download.pq"),
                        "urls": w("part", n, "urls.pq"),
                        "uses": w("uses", n),
                    },
                    writes={
                        "fetched": w("part", n, "fetched"),
                        "done": w("part", n, "shuffled.json"),
                        "results": w("results"),  # results/shard=N/<part>_*.pq
                        "bands": w("phash", "bands"),  # phash/bands/q=M/<part>_*.pq
                    },
                ),
            },
        )
        for p, n in enumerate(pnames)
    ]
    near = [
        task(
            "4-phash-near",
            f"q{q:04d}",
            "phash_near_task",
            [w("phash", "bands", f"q={q}")],
            w("phash", "near", f"q{q:04d}"),
            {"_part": q, **_files(reads={"bands": w("phash", "bands", f"q={q}")}, writes={"near": w("phash", "near")})},
        )
        for q in range(parts)
    ]
    count = [
        task(
            "5-phash-count",
            f"r{r:04d}",
            "phash_count_task",
            [w("phash", "near", f"r={r}")],
            w("phash", f"drop-{r:04d}.pq"),
            {
                "_part": r,
                **_files(reads={"near": w("phash", "near", f"r={r}")}, writes={"drop": w("phash", f"drop-{r:04d}.pq")}),
            },
        )
        for r in range(parts)
    ]
    for i, t in enumerate(final):
        t.params = {
            "_work": work,
            "_partitions": parts,
            "_shard": i,
            "_shards": len(final),
            **_files(
                reads={
                    "shard": t.inputs[0],
                    "results": w("results", f"shard={i}"),
                    "images": w("part"),  # part/<part>/fetched/<chunk>, as the results say
                    "frequent": w("phash"),  # phash/drop-*.pq
                    "cleaned": w("cleaned.json"),
                    "attached": w("attached"),  # every shard's marker: the last one cleans up
                },
                writes={"shard": t.output, "done": w("attached", f"{i}.json"), "cleaned": w("cleaned.json")},
                removes=[w(d) for d in WORK_FOLDERS],
            ),
        }
    return [collect, reduce, download, near, count, final]


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------
def _cfg(settings: dict[str, Any]) -> FilterConfig:
    return FilterConfig.from_settings(settings)


def _meta_list(value: Any, n: int) -> list[Any]:
    if value is None:
        return [None] * n
    if isinstance(value, (str, bytes)):
        value = json.loads(value)
    return list(value) if isinstance(value, list) else [None] * n


def _columns(path: str, wanted: list[str]) -> list[str] | None:
    """The wanted columns the file has (reading only those is much faster than whole rows)."""
    from obelics.io.parquet import open_input

    with open_input(path) as fh:
        names = pq.ParquetFile(fh).schema_arrow.names
    return [c for c in wanted if c in names] or None


def _sql_path(path: str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _remove(paths: list[str]) -> None:
    """Delete these files or folders, where they exist."""
    for path in paths:
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        elif os.path.exists(path):
            os.unlink(path)


def _duckdb(settings: dict[str, Any]):
    import duckdb

    con = duckdb.connect()
    tmp = os.path.join(settings["_work"], "duckdb-tmp")
    con.execute(f"SET temp_directory = {_sql_path(tmp)}")
    con.execute("SET preserve_insertion_order = false")
    if settings.get("duckdb_memory_limit"):
        con.execute(f"SET memory_limit = {_sql_path(settings['duckdb_memory_limit'])}")
    return con


def _save(stats: Stats, path: str) -> None:
    """Record a task's stats beside its output (see the module doc)."""
    write_json(path, {"counts": dict(stats.counts), "reasons": {g: dict(c) for g, c in stats.reasons.items()}})


def _restore(stats: Stats, path: str) -> bool:
    """Load stats saved by :func:`_save`; False when there are none."""
    if not os.path.exists(path):
        return False
    with open(path) as fh:
        saved = json.load(fh)
    stats.counts.update(saved.get("counts", {}))
    for group, counts in saved.get("reasons", {}).items():
        stats.reasons[group].update(counts)
    return True


def _write_table(path: str, table: pa.Table) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


USES_SCHEMA = pa.schema([("url", pa.string()), ("shard", pa.int32()), ("doc", pa.int32())])
URLS_SCHEMA = pa.schema([("url", pa.string()), ("docs", pa.int32()), ("status", pa.string())])


# ------------------------------------------------------------------------------------------------
# step 1: collect
# ------------------------------------------------------------------------------------------------
def collect_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """URLs of one shard, once per document, into the URL partitions."""
    parts = settings["_partitions"]
    shard = settings["_shard"]
    # A new collect (first run or --force) invalidates what later steps recorded for this shard.
    _remove(settings["_removes"])
    cfg = _cfg(settings)
    check_declared = settings["filter_declared_size"]
    urls: list[list[str]] = [[] for _ in range(parts)]
    docs: list[list[int]] = [[] for _ in range(parts)]
    for j, row in enumerate(read_rows(inputs[0], columns=_columns(inputs[0], ["images", "metadata"]))):
        images = row.get("images")
        if not isinstance(images, list):
            stats.reason("skipped", "no_images_column")
            continue
        try:
            metas = _meta_list(row.get("metadata"), len(images))
        except (ValueError, TypeError):
            stats.reason("skipped", "bad_metadata")
            continue
        stats.inc("documents")
        seen: set[str] = set()
        for k, url in enumerate(images):
            if url is None:
                continue
            stats.inc("image_slots")
            if not isinstance(url, str) or not url.strip():
                stats.reason("slot_skipped", "empty_url")
                continue
            meta = metas[k] if k < len(metas) and isinstance(metas[k], dict) else None
            if check_declared and declared_refusal(meta, cfg):
                stats.reason("slot_skipped", "declared_size")
                continue
            if url in seen:
                continue
            seen.add(url)
            p = partition_of(url, parts)
            urls[p].append(url)
            docs[p].append(j)
    stats.inc("url_uses", sum(len(u) for u in urls))
    for p in range(parts):
        if not urls[p]:
            continue
        table = pa.table(
            {
                "url": urls[p],
                "shard": pa.array([shard] * len(urls[p]), pa.int32()),
                "doc": pa.array(docs[p], pa.int32()),
            },
            schema=USES_SCHEMA,
        )
        _write_table(os.path.join(settings["_writes"]["uses"], f"p{p:04d}", f"{settings['_name']}.pq"), table)


# ------------------------------------------------------------------------------------------------
# step 2: reduce
# ------------------------------------------------------------------------------------------------
def reduce_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Documents per URL in one partition; decide which URLs to download."""
    _remove(settings["_removes"])  # a new reduce (first run or --force) restarts downloads
    uses = settings["_reads"]["uses"]
    files = sorted(glob.glob(os.path.join(uses, "*.pq")))
    if files:
        con = _duckdb(settings)
        table = con.sql(
            f"SELECT url, count(*)::INTEGER AS docs FROM read_parquet({_sql_path(os.path.join(uses, '*.pq'))}) "
            "GROUP BY url"
        ).to_arrow_table()
        con.close()
        url_list = table.column("url").to_pylist()
        doc_counts = table.column("docs").to_pylist()
    else:
        url_list, doc_counts = [], []
    statuses = [
        url_status(u, d, max_url_count=settings["max_url_count"], banned=settings["banned_url_substrings"])
        for u, d in zip(url_list, doc_counts)
    ]
    if settings["guard"]:
        statuses = _guard_statuses(url_list, statuses, settings)
    counts = Counter(statuses)
    stats.inc("urls_distinct", len(url_list))
    stats.inc("urls_to_download", counts.pop("ok", 0))
    for reason, n in counts.items():
        stats.reason("url_dropped", reason, n)
    _write_table(
        settings["_writes"]["urls"],
        pa.table({"url": url_list, "docs": pa.array(doc_counts, pa.int32()), "status": statuses}, schema=URLS_SCHEMA),
    )
    # Spread hosts over the download threads: order by a hash of the URL, not by the URL.
    kept = sorted((u for u, s in zip(url_list, statuses) if s == "ok"), key=lambda u: zlib.crc32(u.encode()))
    _write_table(settings["_writes"]["download"], pa.table({"url": pa.array(kept, pa.string())}))


def _guard_statuses(urls: list[str], statuses: list[str], settings: dict[str, Any]) -> list[str]:
    allow = settings["allow_loopback"]
    cache: dict[str, str | None] = {}
    if settings["guard_dns"]:
        # Resolve every distinct host once, in parallel (DNS answers are the slow part).
        from urllib.parse import urlsplit

        hosts = set()
        for u, s in zip(urls, statuses):
            if s == "ok":
                try:
                    hosts.add(urlsplit(u).hostname or "")
                except ValueError:
                    pass
        with ThreadPoolExecutor(32) as ex:
            resolved = dict(zip(hosts, ex.map(lambda h: host_refusal(h, allow, _guard.SYSTEM_RESOLVER), hosts)))
        cache.update(resolved)
    resolver = _guard.SYSTEM_RESOLVER if settings["guard_dns"] else None
    out = []
    for u, s in zip(urls, statuses):
        if s == "ok":
            reason = url_refusal(u, allow, resolver, cache)
            if reason:
                s = f"guard:{reason}"
        out.append(s)
    return out


# ------------------------------------------------------------------------------------------------
# step 3: download, filter, hash, shuffle to shards
# ------------------------------------------------------------------------------------------------
def download_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Download one URL partition (resuming what a killed run fetched), then route each result to the shards that
    use it."""
    from obelics.images import download as dl

    done_path = settings["_writes"]["done"]
    if _restore(stats, done_path):
        return
    fetched = settings["_writes"]["fetched"]
    url_list = settings["_reads"]["download"]
    todo = pq.read_metadata(url_list).num_rows
    urls = (u for b in pq.ParquetFile(url_list).iter_batches(columns=["url"]) for u in b.column(0).to_pylist())
    dl.download_urls(urls, fetched, settings, total=todo, desc=f"download p{settings['_part']:04d}")
    chunks = dl.chunk_files(fetched)
    _count_outcomes(chunks, todo, stats)
    _shuffle(os.path.basename(output), chunks, settings)
    _save(stats, done_path)  # the bytes stay in the chunks until the last attach task deletes the work files


def _count_outcomes(chunks: list[str], todo: int, stats: Stats) -> None:
    counts: Counter[str] = Counter()
    rows = 0
    for f in chunks:
        t = pq.read_table(f, columns=["status", "bytes_size"])
        rows += t.num_rows
        counts.update(t.column("status").to_pylist())
        stats.inc("image_bytes_kept", sum(s for s in t.column("bytes_size").to_pylist() if s))
    fetched = 0
    for status, n in counts.items():
        kind, _, reason = status.partition(":")
        if status == "ok":
            fetched += n
            stats.inc("images_ok", n)
        elif kind == "filter":
            fetched += n
            stats.reason("image_filtered", reason, n)
        else:
            stats.reason("download", reason, n)
    if todo > rows:
        stats.reason("download", "not_attempted", todo - rows)
    if fetched:
        stats.reason("download", "success", fetched)
    stats.inc("urls_downloaded", todo)


def _shuffle(name: str, chunks: list[str], settings: dict[str, Any]) -> None:
    """On disk, with DuckDB: each shard's results to ``results/shard=N`` (outcome and info, and where the bytes
    are: partition, chunk file and row; the bytes stay in the chunks), pHash uses to ``phash/bands/q=M``."""
    reads, writes = settings["_reads"], settings["_writes"]
    uses_glob = os.path.join(reads["uses"], "*.pq")
    for old in glob.glob(os.path.join(writes["results"], "shard=*", f"{name}_*.pq")) + glob.glob(
        os.path.join(writes["bands"], "q=*", f"{name}_*.pq")
    ):
        os.unlink(old)
    if not glob.glob(uses_glob):
        return
    for folder in (writes["results"], writes["bands"]):
        Path(folder).mkdir(parents=True, exist_ok=True)
    con = _duckdb(settings)
    con.register("empty_images", INFO_SCHEMA.empty_table())
    uses = f"read_parquet({_sql_path(uses_glob)}, hive_partitioning = false)"
    urls = f"read_parquet({_sql_path(reads['urls'])})"
    files = ", ".join(_sql_path(c) for c in chunks)
    images = (
        f"read_parquet([{files}], filename = true, file_row_number = true)"
        if chunks
        else "(SELECT *, '' AS filename, 0::BIGINT AS file_row_number FROM empty_images)"
    )
    opts = (
        f"FORMAT parquet, COMPRESSION zstd, OVERWRITE_OR_IGNORE, FILENAME_PATTERN '{name}_{{i}}', FILE_EXTENSION 'pq'"
    )
    con.execute(
        f"""COPY (
            SELECT su.shard, su.url,
                   CASE WHEN u.status <> 'ok' THEN u.status ELSE coalesce(i.status, 'download:not_attempted') END AS status,
                   i.format, i.width, i.height, i.bytes_size, i.sha256, i.phash,
                   '{name}' AS part, regexp_extract(i.filename, '[^/\\\\]+$') AS chunk, i.file_row_number AS row
            FROM (SELECT DISTINCT shard, url FROM {uses}) su
            JOIN {urls} u USING (url)
            LEFT JOIN {images} i USING (url)
        ) TO {_sql_path(writes["results"])} ({opts}, PARTITION_BY (shard))"""
    )
    n_ok = con.execute(f"SELECT count(*) FROM {images} WHERE status = 'ok'").fetchone()[0]
    if n_ok:
        # Each image use once per band of its pHash, to the partition of (band, band value): two pHashes within
        # Hamming distance d agree on at least one of d + 1 bands, so every near pair meets in some partition.
        bands = ", ".join(f"({b}, {shift}, {mask})" for b, shift, mask in phash_bands(settings["phash_distance"]))
        parts = int(settings["_partitions"])
        con.execute(
            f"""COPY (
                SELECT ((((i.ph >> b.shift) & b.mask) % {parts} + b.band) % {parts})::INTEGER AS q,
                       b.band::TINYINT AS band, (i.ph >> b.shift) & b.mask AS key, i.ph, su.shard, su.doc
                FROM {uses} su JOIN {images} i USING (url), (VALUES {bands}) b(band, shift, mask)
                WHERE i.status = 'ok'
            ) TO {_sql_path(writes["bands"])} ({opts}, PARTITION_BY (q))"""
        )
    con.close()


def phash_bands(distance: int) -> list[tuple[int, int, int]]:
    """``(band, shift, mask)`` splitting a 64-bit hash into ``distance + 1`` bands (one band of 64 bits at 0)."""
    n = int(distance) + 1
    widths = [64 // n + (1 if i < 64 % n else 0) for i in range(n)]
    out, shift = [], 64
    for b, w in enumerate(widths):
        shift -= w
        out.append((b, shift, (1 << w) - 1))
    return out


# ------------------------------------------------------------------------------------------------
# step 4: near-duplicate pHash pairs, then documents per pHash
# ------------------------------------------------------------------------------------------------
NEAR_GROUP_LIMIT = 5000  # distinct pHashes sharing one band value beyond which only equal pHashes are matched


def phash_near_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """In one band partition: for each pHash, the documents using a pHash within ``phash_distance`` of it
    (at most ``max_phash_count + 1`` per neighbour: enough to decide), routed to the pHash's partition."""
    limit = settings["max_phash_count"]
    name = os.path.basename(output.rstrip("/"))
    bands, near = settings["_reads"]["bands"], settings["_writes"]["near"]
    for old in glob.glob(os.path.join(near, "r=*", f"{name}_*.pq")):
        os.unlink(old)
    if limit <= 0 or not glob.glob(os.path.join(bands, "*.pq")):
        return
    d = int(settings["phash_distance"])
    parts = int(settings["_partitions"])
    Path(near).mkdir(parents=True, exist_ok=True)
    con = _duckdb(settings)
    src = f"read_parquet({_sql_path(os.path.join(bands, '*.pq'))}, hive_partitioning = false)"
    con.execute(f"CREATE TEMP TABLE t AS SELECT DISTINCT band, key, ph, shard, doc FROM {src}")
    con.execute(
        f"""CREATE TEMP TABLE c AS SELECT band, key, ph, shard, doc FROM (
              SELECT *, row_number() OVER (PARTITION BY band, key, ph ORDER BY shard, doc) AS rn FROM t
            ) WHERE rn <= {int(limit) + 1}"""
    )
    con.execute("CREATE TEMP TABLE p AS SELECT DISTINCT band, key, ph FROM t")
    con.execute(
        f"CREATE TEMP TABLE big AS SELECT band, key FROM p GROUP BY band, key HAVING count(*) > {NEAR_GROUP_LIMIT}"
    )
    (n_big,) = con.execute("SELECT count(*) FROM big").fetchone()
    stats.inc("phash_band_groups_too_large", n_big)
    opts = (
        f"FORMAT parquet, COMPRESSION zstd, OVERWRITE_OR_IGNORE, FILENAME_PATTERN '{name}_{{i}}', FILE_EXTENSION 'pq'"
    )
    con.execute(
        f"""COPY (
            WITH ps AS (SELECT p.* FROM p ANTI JOIN big USING (band, key)),
                 pb AS (SELECT p.* FROM p SEMI JOIN big USING (band, key))
            SELECT (ps.ph % {parts})::INTEGER AS r, ps.ph AS h, c.shard, c.doc
            FROM ps JOIN c ON ps.band = c.band AND ps.key = c.key
            WHERE bit_count(xor(ps.ph, c.ph)) <= {d}
            UNION ALL
            SELECT (pb.ph % {parts})::INTEGER AS r, pb.ph AS h, c.shard, c.doc
            FROM pb JOIN c ON pb.band = c.band AND pb.key = c.key AND pb.ph = c.ph
        ) TO {_sql_path(near)} ({opts}, PARTITION_BY (r))"""
    )
    con.close()


def phash_count_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Documents per pHash (its near-duplicates included) in one pHash partition; list those over
    ``max_phash_count``."""
    limit = settings["max_phash_count"]
    rows: list[tuple[int, int]] = []
    near = settings["_reads"]["near"]
    if limit > 0 and glob.glob(os.path.join(near, "*.pq")):
        con = _duckdb(settings)
        src = f"read_parquet({_sql_path(os.path.join(near, '*.pq'))}, hive_partitioning = false)"
        (distinct,) = con.execute(f"SELECT count(DISTINCT h) FROM {src}").fetchone()
        stats.inc("phash_distinct", distinct)
        rows = con.execute(
            f"SELECT h, count(*) AS docs FROM (SELECT DISTINCT h, shard, doc FROM {src}) "
            f"GROUP BY h HAVING count(*) > {int(limit)}"
        ).fetchall()
        con.close()
    stats.inc("phash_frequent", len(rows))
    _write_table(
        settings["_writes"]["drop"],
        pa.table(
            {"phash": [format(int(r[0]), "016x") for r in rows], "docs": pa.array([r[1] for r in rows], pa.int32())},
            schema=pa.schema([("phash", pa.string()), ("docs", pa.int32())]),
        ),
    )


# ------------------------------------------------------------------------------------------------
# step 5: attach
# ------------------------------------------------------------------------------------------------
RESULT_META = ["url", "status", "format", "width", "height", "bytes_size", "sha256", "phash", "part", "chunk", "row"]


class ShardResults:
    """The download results of one shard: every URL's outcome and info held in memory (no bytes); the bytes read
    from the download chunks one image at a time, for one batch of documents (so memory follows ``chunk_size``,
    not the shard's number of images)."""

    def __init__(self, results: str, images: str) -> None:
        self.images = images  # the folder of the download partitions: <part>/fetched/<chunk>
        self.meta: dict[str, dict[str, Any]] = {}
        for f in sorted(glob.glob(os.path.join(results, "*.pq"))):
            for r in pq.read_table(f, columns=RESULT_META).to_pylist():
                self.meta[r["url"]] = r
        self._reader = ImageReader()

    def get(self, url: str) -> dict[str, Any] | None:
        return self.meta.get(url)

    def image_bytes(self, urls: set[str]) -> dict[str, bytes]:
        """The bytes of these URLs (images kept), each read alone from its download chunk."""
        out: dict[str, bytes] = {}
        for u in urls:
            r = self.meta.get(u)
            if r is not None and r["status"] == "ok":
                chunk = os.path.join(self.images, r["part"], "fetched", r["chunk"])
                out[u] = self._reader.read(chunk, int(r["row"]))
        return out


def _frequent_phashes(folder: str) -> set[str]:
    out: set[str] = set()
    for f in glob.glob(os.path.join(folder, "drop-*.pq")):
        out.update(pq.read_table(f, columns=["phash"]).column("phash").to_pylist())
    return out


def attach_task(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Join this shard's download results back into its documents and write the output shard, in batches of
    about ``chunk_size`` images."""
    reads = settings["_reads"]
    done_path = settings["_writes"]["done"]
    if os.path.exists(output) and _restore(stats, done_path):
        _cleanup_when_all_attached(settings, stats)
        return
    if os.path.exists(reads["cleaned"]):
        raise RuntimeError(
            f"the work files of this run were deleted when it completed, so {os.path.basename(output)} cannot be "
            "rebuilt alone: rerun with --force (or set keep_work=true to keep them next time)"
        )
    results = ShardResults(reads["results"], reads["images"])
    frequent = _frequent_phashes(reads["frequent"])
    limit = max(1, int(settings["chunk_size"]))
    with DocumentWriter(output) as writer:
        batch: list[tuple[Document, list[tuple[Node, dict[str, Any] | None]]]] = []
        wanted: set[str] = set()
        for row in read_rows(inputs[0]):
            try:
                doc = Document.from_row(row)
            except (DocumentError, TypeError, ValueError):
                stats.reason("skipped", "bad_document")
                continue
            stats.inc("documents_in")
            decided = _decide_images(doc, results, frequent, settings, stats)
            batch.append((doc, decided))
            wanted.update(node.image for node, res in decided if res is not None)
            if len(wanted) >= limit or len(batch) >= limit:
                _write_batch(batch, results.image_bytes(wanted), writer, settings, stats)
                batch, wanted = [], set()
        _write_batch(batch, results.image_bytes(wanted), writer, settings, stats)
    _save(stats, done_path)
    _cleanup_when_all_attached(settings, stats)


def _decide_images(
    doc: Document, results: ShardResults, frequent: set[str], settings: dict[str, Any], stats: Stats
) -> list[tuple[Node, dict[str, Any] | None]]:
    """The document's nodes, each image with its result when it stays (None: text, or an image removed)."""
    cfg = _cfg(settings)
    out: list[tuple[Node, dict[str, Any] | None]] = []
    seen_urls: set[str] = set()
    seen_sha: set[str] = set()
    for node in doc.nodes():
        if not node.is_image:
            if node.text:
                out.append((Node(text=node.text), None))
            continue
        stats.inc("images_in")
        url = node.image or ""
        meta = node.meta if isinstance(node.meta, dict) else {}
        res = results.get(url)
        if not url.strip():
            reason = "empty_url"
        elif settings["filter_declared_size"] and declared_refusal(meta, cfg):
            reason = "declared_size"
        elif res is None:
            reason = "not_collected"
        elif res["status"] != "ok":
            reason = res["status"]
        elif res["phash"] in frequent:
            reason = "phash_frequent"
        elif settings["dedup_in_document"] and (url in seen_urls or res["sha256"] in seen_sha):
            reason = "repeated_in_document"
        else:
            reason = None
        if reason:
            stats.reason("image_removed", reason)
            continue
        seen_urls.add(url)
        seen_sha.add(res["sha256"])
        out.append((Node(image=url, meta=meta), res))
    return out


def _write_batch(
    batch: list[tuple[Document, list[tuple[Node, dict[str, Any] | None]]]],
    data: dict[str, bytes],
    writer: DocumentWriter,
    settings: dict[str, Any],
    stats: Stats,
) -> None:
    for doc, decided in batch:
        nodes: list[Node] = []
        for node, res in decided:
            if res is None:
                nodes.append(node)
                continue
            new_meta = dict(node.meta)
            new_meta.update(
                original_width=res["width"],
                original_height=res["height"],
                format=res["format"],
                bytes_size=res["bytes_size"],
                sha256=res["sha256"],
                phash=res["phash"],
            )
            nodes.append(Node(image=node.image, meta=new_meta, data=data[node.image]))
            stats.inc("images_out")
        out = doc.replace_nodes(nodes)
        if not out.texts:
            stats.reason("documents_dropped", "empty")
            continue
        if settings["drop_documents_without_images"] and not out.num_images:
            stats.reason("documents_dropped", "no_images")
            continue
        if out.image_bytes is None:
            out.image_bytes = [None] * len(out.texts)
        writer.write(out)
        stats.inc("documents_out")


def _cleanup_when_all_attached(settings: dict[str, Any], stats: Stats) -> None:
    """The last attach task to finish deletes the work files (URL lists, downloads, shuffled results)."""
    attached = glob.glob(os.path.join(settings["_reads"]["attached"], "*.json"))
    if settings["keep_work"] or len(attached) < settings["_shards"]:
        return
    removed = 0
    for path in settings["_removes"]:
        if os.path.isdir(path):
            removed += sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
            shutil.rmtree(path, ignore_errors=True)
    write_json(settings["_writes"]["cleaned"], {"work_bytes_removed": removed})
    stats.inc("work_bytes_removed", removed)
