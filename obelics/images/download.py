"""Downloading images with the project's HTTP layer, results journalled as they arrive.

:func:`download_urls` fetches a list of distinct URLs on ``thread_count`` threads with
:class:`obelics.io.http.HttpClient` (timeouts, retries of transient failures only, the internal-address guard at
every hop, redirects followed by our own code), checks the ``X-Robots-Tag`` opt-out header, then runs the node
filters and hashes on the original bytes (in ``processes_count`` worker processes when more than one, else in the
download threads), and resizes with img2dataset's resizer when ``resize_mode`` asks for it
(:mod:`obelics.images._i2d`).

Each result (``ok``, ``download:<reason>`` or ``filter:<reason>``, with the bytes and the image info of a kept
image) is appended to a journal (an Arrow IPC stream, ``jNNNN.arrows``) and flushed as soon as it is known; at the
end, or at the start of the next run after a kill, each journal is sealed into a Parquet chunk ``cNNNN.pq`` (row
groups of ``chunk_size`` rows). A rerun reads the URLs already in the chunks and fetches only the others, so a
killed download loses only the requests in flight. Memory holds the URL list, the requests in flight and one row
group, whatever the number of URLs.

Outcomes come from structured data (the :class:`~obelics.io.http.HttpError` reason, the status code, the
filter's reason), never from error messages.
"""

from __future__ import annotations

import glob
import os
import sys
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from obelics.images.filters import FilterConfig, analyse
from obelics.images.guard import Guard
from obelics.io.atomic import atomic_path
from obelics.io.http import HttpClient, HttpError, RetryPolicy

RESULT_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("status", pa.string()),
        ("error", pa.string()),
        ("bytes", pa.binary()),
        ("format", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("bytes_size", pa.int64()),
        ("sha256", pa.string()),
        ("phash", pa.string()),
        ("ph", pa.uint64()),  # the pHash as a number, for the near-duplicate bands
    ]
)
INFO_SCHEMA = pa.schema([f for f in RESULT_SCHEMA if f.name != "bytes"])  # a chunk's table: all but the bytes
BYTES_SCHEMA = pa.schema([RESULT_SCHEMA.field("bytes")])
JOURNAL_SUFFIX = ".arrows"
CHUNK_SUFFIX = ".pq"
BYTES_SUFFIX = ".arrow"
USER_AGENT = "Mozilla/5.0 (compatible; {token})"  # the token names the crawler for X-Robots-Tag rules


# ---- one URL --------------------------------------------------------------------------------------------


def user_agent(token: str | None) -> str:
    return USER_AGENT.format(token=(token or "obelics").strip())


def robots_disallowed(values: list[str], token: str | None, directives: Iterable[str]) -> bool:
    """Whether ``X-Robots-Tag`` header values forbid this use (``noai``, ``noimageai``, ...), for every crawler or
    for ours (``obelics: noai``)."""
    wanted = {d.strip().lower() for d in directives}
    token = (token or "").strip().lower()
    if not wanted:
        return False
    for value in values:  # "noai, noimageai" applies to every crawler, "obelics: noai" to ours only
        ua, sep, rest = value.partition(":")
        scope, names = (ua.strip().lower(), rest) if sep else (None, value)
        if (scope is None or scope == token) and any(n.strip().lower() in wanted for n in names.split(",")):
            return True
    return False


class ImageFetcher:
    """Fetch one image URL and decide its outcome (a row of :data:`RESULT_SCHEMA` as a dict)."""

    def __init__(self, settings: dict[str, Any], analyse_fn: Callable[[bytes], dict[str, Any]] | None = None) -> None:
        self.client = HttpClient(
            guard=Guard(bool(settings.get("allow_loopback"))) if settings.get("guard", True) else None,
            timeout=float(settings.get("timeout", 10)),
            retry=RetryPolicy(int(settings.get("retries", 1)), backoff=0.25, max_backoff=4.0, jitter=False),
            user_agent=user_agent(settings.get("user_agent_token")),
            headers={"Accept": "image/*,*/*;q=0.8"},
            pool_size=4,
            max_pools=max(64, int(settings.get("thread_count", 64)) * 2),
        )
        self.max_bytes = int(settings.get("max_image_bytes") or 0) or None
        self.token = settings.get("user_agent_token") or ""
        self.directives = list(settings.get("disallowed_header_directives") or [])
        self.analyse = analyse_fn or Analyser(settings)

    def __call__(self, url: str) -> dict[str, Any]:
        row: dict[str, Any] = {"url": url}
        try:
            r = self.client.get(url, read_limit=self.max_bytes + 1 if self.max_bytes else None)
        except HttpError as e:
            return {**row, "status": f"download:{e.reason}", "error": str(e)[:300]}
        except Exception as e:  # noqa: BLE001 - an unexpected client failure is this URL's outcome, not the task's
            return {**row, "status": "download:client_error", "error": repr(e)[:300]}
        if not 200 <= r.status < 300:
            return {**row, "status": f"download:http_{r.status}", "error": f"HTTP {r.status} ({r.url})"[:300]}
        if self.max_bytes and len(r.body) > self.max_bytes:
            return {**row, "status": "download:too_many_bytes", "error": f"more than {self.max_bytes} bytes"}
        if self.directives and robots_disallowed(r.headers.getlist("X-Robots-Tag"), self.token, self.directives):
            return {**row, "status": "download:opt_out_header", "error": "X-Robots-Tag"}
        return {**row, **self.analyse(r.body)}

    def close(self) -> None:
        self.client.close()


class Analyser:
    """Node filters and hashes on the original bytes, then the optional resize: the outcome columns of a row."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.cfg = FilterConfig.from_settings(settings)
        self.resize_settings = {k: settings.get(k) for k in ("resize_mode", "image_size", "encode_format")}
        self._resizer: Any = None

    def __call__(self, data: bytes) -> dict[str, Any]:
        info, reason = analyse(data, self.cfg)
        if reason is not None or info is None:
            return {"status": f"filter:{reason}"}
        out = {"status": "ok", "bytes": data, **info.to_dict(), "ph": int(info.phash, 16)}
        if self.resize_settings.get("resize_mode", "no") != "no":
            if self._resizer is None:
                from obelics.images._i2d import make_resizer

                self._resizer = make_resizer(self.resize_settings)
            resized = self._resizer(data)
            if resized is None:
                return {"status": "filter:resize_failed"}
            out["bytes"] = resized
        return out


_PROCESS_ANALYSER: dict[str, Any] = {}


def _analyse_in_process(settings: dict[str, Any], data: bytes) -> dict[str, Any]:
    """Runs in a worker process: one Analyser per process."""
    a = _PROCESS_ANALYSER.get("a")
    if a is None:
        a = _PROCESS_ANALYSER["a"] = Analyser(settings)
    return a(data)


# ---- journals and chunks --------------------------------------------------------------------------------


class Journal:
    """An append-only Arrow IPC stream of result rows; each row is written and flushed as it comes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._writer = ipc.new_stream(self._fh, RESULT_SCHEMA)
        self._lock = threading.Lock()
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        batch = pa.RecordBatch.from_pylist([row], schema=RESULT_SCHEMA)
        with self._lock:
            self._writer.write_batch(batch)
            self._fh.flush()
            self.rows += 1

    def close(self) -> None:
        with self._lock:
            self._writer.close()
            self._fh.close()


def read_journal(path: str) -> Iterable[pa.RecordBatch]:
    """The complete batches of a journal (a process killed mid-write leaves a cut last batch: it is dropped)."""
    with open(path, "rb") as fh:
        try:
            reader = ipc.open_stream(fh)
        except (pa.ArrowInvalid, OSError):
            return
        while True:
            try:
                yield reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, OSError):
                return


def seal_journals(folder: str, chunk_size: int) -> None:
    """Turn each journal ``jNNNN.arrows`` into the chunk ``cNNNN``: ``cNNNN.arrow``, an Arrow IPC file holding the
    bytes of row k in record batch k (read back one image at a time: :func:`read_image`), then ``cNNNN.pq``, every
    other column (row groups of ``chunk_size``; written last, it marks the chunk complete). The same number, so
    sealing again after a kill rewrites the same chunk; the journal is deleted last."""
    for path in sorted(glob.glob(os.path.join(folder, "j*" + JOURNAL_SUFFIX))):
        stem = os.path.join(folder, "c" + os.path.basename(path)[1 : -len(JOURNAL_SUFFIX)])
        with atomic_path(stem + CHUNK_SUFFIX) as info_tmp, atomic_path(stem + BYTES_SUFFIX) as bytes_tmp:
            info = pq.ParquetWriter(info_tmp, INFO_SCHEMA, compression="zstd")
            data = ipc.new_file(str(bytes_tmp), BYTES_SCHEMA)
            try:
                pending: list[pa.RecordBatch] = []
                rows = 0
                for batch in read_journal(path):
                    for k in range(batch.num_rows):
                        data.write_batch(pa.record_batch([batch.column("bytes").slice(k, 1)], schema=BYTES_SCHEMA))
                    pending.append(batch.drop_columns(["bytes"]))
                    rows += batch.num_rows
                    if rows >= chunk_size:
                        info.write_table(pa.Table.from_batches(pending, INFO_SCHEMA))
                        pending, rows = [], 0
                if pending:
                    info.write_table(pa.Table.from_batches(pending, INFO_SCHEMA))
            finally:
                data.close()
                info.close()
        os.unlink(path)


def chunk_files(folder: str) -> list[str]:
    """The complete chunks' tables (``cNNNN.pq``; their bytes are in ``cNNNN.arrow``)."""
    return sorted(glob.glob(os.path.join(folder, "c*" + CHUNK_SUFFIX)))


def bytes_file(chunk: str) -> str:
    return chunk[: -len(CHUNK_SUFFIX)] + BYTES_SUFFIX


class ImageReader:
    """Random access to the bytes of sealed chunks: one record batch (one image) read per call."""

    def __init__(self) -> None:
        self._open: dict[str, Any] = {}

    def read(self, chunk: str, row: int) -> bytes | None:
        reader = self._open.get(chunk)
        if reader is None:
            reader = self._open[chunk] = ipc.open_file(pa.OSFile(bytes_file(chunk)))
        return reader.get_batch(row).column(0)[0].as_py()

    def close(self) -> None:
        self._open.clear()


def fetched_urls(folder: str) -> set[str]:
    """URLs with a result in the sealed chunks of ``folder``."""
    out: set[str] = set()
    for f in chunk_files(folder):
        out.update(pq.read_table(f, columns=["url"]).column("url").to_pylist())
    return out


def _next_journal(folder: str) -> str:
    numbers = [int(os.path.basename(p)[1:-3]) for p in chunk_files(folder)]
    return os.path.join(folder, f"j{max(numbers, default=-1) + 1:04d}{JOURNAL_SUFFIX}")


# ---- many URLs ------------------------------------------------------------------------------------------


def worker_processes(settings: dict[str, Any]) -> int:
    """Processes for the filters and hashes: ``processes_count``, 0 = one per CPU (at most 16)."""
    return int(settings.get("processes_count", 0)) or max(1, min(os.cpu_count() or 1, 16))


def download_urls(urls: Iterable[str], folder: str, settings: dict[str, Any], *, total: int, desc: str = "") -> int:
    """Fetch every URL without a result in ``folder`` yet; results go to its journal and chunks (module doc).
    Returns the number of URLs fetched now."""
    from tqdm.auto import tqdm

    Path(folder).mkdir(parents=True, exist_ok=True)
    chunk_size = max(1, int(settings.get("chunk_size", 1000)))
    seal_journals(folder, chunk_size)
    done = fetched_urls(folder)
    todo = (u for u in urls if u not in done)
    threads = max(1, int(settings.get("thread_count", 64)))
    procs = worker_processes(settings)
    pool: list[Any] = []  # started at the first image, when there is one
    pool_lock = threading.Lock()
    analyse_fn = None
    if procs > 1:
        a_settings = dict(settings)

        def analyse_fn(data: bytes) -> dict[str, Any]:
            with pool_lock:
                if not pool:
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    pool.append(ProcessPoolExecutor(procs, mp_context=multiprocessing.get_context("spawn")))
            return pool[0].submit(_analyse_in_process, a_settings, data).result()

    fetcher = ImageFetcher(settings, analyse_fn)
    journal = Journal(_next_journal(folder))
    n = 0
    try:
        with (
            tqdm(
                total=total, initial=len(done), desc=desc, unit="img", leave=False, disable=None, file=sys.stderr
            ) as bar,
            ThreadPoolExecutor(threads, thread_name_prefix="img") as ex,
        ):
            slots = threading.BoundedSemaphore(threads * 2)  # requests queued or in flight: memory stays bounded
            failures: list[BaseException] = []

            def one(url: str) -> None:
                try:
                    journal.write(fetcher(url))
                except BaseException as e:  # noqa: BLE001 - re-raised by the submitting thread
                    failures.append(e)
                finally:
                    slots.release()
                    bar.update(1)

            for url in todo:
                if failures:
                    break
                slots.acquire()
                ex.submit(one, url)
                n += 1
        if failures:
            raise failures[0]
    finally:
        journal.close()
        fetcher.close()
        for p in pool:
            p.shutdown(cancel_futures=True)
    seal_journals(folder, chunk_size)
    return n
