"""Downloading with img2dataset, used as a library, and reading its results back.

:func:`run_img2dataset` calls ``img2dataset.download`` on a list of distinct URLs with settings that keep the
original bytes (``resize_mode="no"`` and ``disable_all_reencoding=True``: img2dataset's default re-encodes every
image to JPEG, which hid the real format from the OBELICS format filter). It wraps img2dataset's worker side
(see :mod:`obelics.images._i2d`) so that

- every request and redirect passes the internal-address guard (a urllib opener installed in its workers);
- only transient failures (timeouts, 429, 5xx, dropped connections) are retried, never a 404 or an opt-out;
- the node filters and hashes run on the original bytes inside img2dataset's download threads, in parallel
  with the downloads, and filtered images are never written to disk.

img2dataset starts processes (spawn), prints a lot and leaves ``wandb`` folders in the temp dir: its output
goes to a log file, its temp dir is a folder we delete, and SIGINT handling is restored afterwards. Its logger
process (a spawned process that only aggregates stats for printing and wandb) is replaced by our progress bar,
and with ``processes_count=1`` its downloader runs in this process (its download threads do the work; a worker
process would add nothing but start-up time), so no process is started at all.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import json
import os
import re
import shutil
import signal
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

FILTER_PREFIX = "obelics-filter:"
TRANSIENT = frozenset({"timeout", "http_429", "http_500", "http_502", "http_503", "http_504", "connection_error"})
SIDECAR_SUFFIX = "_obelics.pq"

_HTTP_RE = re.compile(r"http error (\d{3})")


def classify_error(message: str | None) -> str:
    """A short bucket for one of img2dataset's error messages (``http_404``, ``timeout``, ``opt_out_header``, ...)."""
    if not message:
        return "unknown"
    m = message.lower()
    if m.startswith(FILTER_PREFIX):
        return m[len(FILTER_PREFIX) :]
    if "obelics-guard" in m:
        return "guard_refused"
    if "x-robots-tag" in m:
        return "opt_out_header"
    if "infinite loop" in m or "too many redirects" in m:
        return "too_many_redirects"
    http = _HTTP_RE.search(m)
    if http:
        return f"http_{http.group(1)}"
    if "timed out" in m or "timeout" in m:
        return "timeout"
    if any(
        s in m
        for s in (
            "name or service not known",
            "nodename nor servname",
            "name resolution",
            "no address associated",
            "getaddrinfo",
        )
    ):
        return "dns"
    if "connection refused" in m:
        return "connection_refused"
    if "certificate" in m or "ssl" in m:
        return "ssl"
    if any(
        s in m
        for s in ("remote end closed", "connection reset", "broken pipe", "incompleteread", "connection aborted", "eof")
    ):
        return "connection_error"
    if "unknown url type" in m or "no host given" in m or "url can't contain control characters" in m:
        return "bad_url"
    if "image decoding error" in m:
        return "not_an_image"
    return "other"


def is_transient(message: str | None) -> bool:
    """Worth retrying: the same request may succeed later."""
    return classify_error(message) in TRANSIENT


def img2dataset_kwargs(settings: dict[str, Any]) -> dict[str, Any]:
    """The ``img2dataset.download`` arguments for the stage settings."""
    resize = settings.get("resize_mode", "no")
    processes = int(settings.get("processes_count", 0)) or max(1, min(os.cpu_count() or 1, 16))
    return {
        "processes_count": processes,
        "thread_count": int(settings.get("thread_count", 64)),
        "timeout": settings.get("timeout", 10),
        "retries": int(settings.get("retries", 1)),
        "user_agent_token": settings.get("user_agent_token") or None,
        "disallowed_header_directives": list(settings.get("disallowed_header_directives", [])),
        "output_format": settings.get("output_format", "parquet"),
        "number_sample_per_shard": int(settings.get("number_sample_per_shard", 10_000)),
        "resize_mode": resize,
        "image_size": int(settings.get("image_size", 256)),
        "encode_format": settings.get("encode_format", "jpg"),
        "skip_reencode": True,
        "disable_all_reencoding": resize == "no",
        "extract_exif": False,
        "compute_hash": None,
        "enable_wandb": False,
        "incremental_mode": "incremental",
        "input_format": "parquet",
        "url_col": "url",
    }


@contextlib.contextmanager
def _env(values: dict[str, str]) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextlib.contextmanager
def _output_to(log_path: str) -> Iterator[Any]:
    """Send fds 1 and 2 (ours and the spawned workers') to a log; yield a stream on the real stderr for a bar."""
    for s in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            s.flush()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    saved = [os.dup(1), os.dup(2)]
    bar = os.fdopen(os.dup(saved[1]), "w", buffering=1)
    log = os.fdopen(os.dup(fd), "w", buffering=1)  # for Python-level writers when sys.stdout is not fd 1
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            yield bar
    finally:
        for s in (sys.stdout, sys.stderr, log):
            with contextlib.suppress(Exception):
                s.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for f in (*saved, fd):
            os.close(f)
        bar.close()
        log.close()


@contextlib.contextmanager
def _signals_tolerated(main_module: Any) -> Iterator[None]:
    """img2dataset installs a SIGINT handler that exits with status 0: put ours back afterwards.
    Off the main thread (some engines run tasks in threads) signal.signal would raise: make it a no-op."""
    if threading.current_thread() is threading.main_thread():
        old = signal.getsignal(signal.SIGINT)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, old)
    else:
        real = main_module.signal

        class _NoSignals:
            SIGINT = signal.SIGINT

            @staticmethod
            def signal(*_args: Any) -> None:
                return None

        main_module.signal = _NoSignals
        try:
            yield
        finally:
            main_module.signal = real


def _progress(folder: str, total: int, stream: Any, stop: threading.Event, desc: str) -> None:
    from tqdm.auto import tqdm

    seen: set[str] = set()
    with tqdm(total=total, desc=desc, unit="img", file=stream, mininterval=1.0, leave=False) as bar:
        while True:
            done = stop.wait(0.5)
            for path in glob.glob(os.path.join(folder, "*_stats.json")):
                if path in seen:
                    continue
                try:
                    with open(path) as fh:
                        bar.update(int(json.load(fh).get("count", 0)))
                    seen.add(path)
                except (OSError, ValueError):
                    pass
            if done:
                return


class _NoLoggerProcess:
    """Stands in for img2dataset's LoggerProcess (stats printing and wandb; our progress bar reads the same files)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.done_shards: set[int] = set()

    def start(self) -> None:
        return None

    def join(self, timeout: float | None = None) -> None:
        return None

    def terminate(self) -> None:
        return None


def _inprocess_distributor(processes_count, downloader, reader, subjob_size, max_shard_retry) -> None:
    """img2dataset's multiprocessing distributor, without the process: shards one after the other, here."""
    failed = [row for row in reader if not downloader(row)[0]]
    for _ in range(max_shard_retry):
        if not failed:
            break
        failed = [row for row in failed if not downloader(row)[0]]


def run_img2dataset(
    url_list: str,
    output_folder: str,
    settings: dict[str, Any],
    *,
    total: int,
    work_tmp: str,
    log_path: str,
    desc: str = "download",
) -> None:
    """Download every URL of ``url_list`` (a Parquet file with a ``url`` column) into ``output_folder``.

    Resumable: img2dataset's incremental mode skips its shards already complete.
    """
    Path(work_tmp).mkdir(parents=True, exist_ok=True)
    Path(output_folder).parent.mkdir(parents=True, exist_ok=True)
    env = {
        "NO_ALBUMENTATIONS_UPDATE": "1",
        "WANDB_MODE": "disabled",
        "WANDB_SILENT": "true",
        "WANDB_DIR": work_tmp,
        "TMPDIR": work_tmp,  # the spawned workers' temp dir (wandb leaves folders there); deleted by the caller
    }
    options = {
        "guard": bool(settings.get("guard", True)),
        "allow_loopback": bool(settings.get("allow_loopback", False)),
        "filters": {k: settings[k] for k in ("formats", "min_side", "max_side", "max_aspect_ratio", "max_pixels")},
    }
    with _env(env), _output_to(log_path) as bar_stream:
        import img2dataset  # noqa: F401 - its package attribute `main` is a function that hides the module

        from obelics.images import _i2d

        i2d_main = sys.modules["img2dataset.main"]

        kwargs = img2dataset_kwargs(settings)
        inprocess = kwargs["processes_count"] == 1
        patches = {
            "Downloader": functools.partial(_i2d.ObelicsDownloader, obelics_options=options),
            "LoggerProcess": _NoLoggerProcess,
        }
        if inprocess:
            patches["multiprocessing_distributor"] = _inprocess_distributor
        originals = {k: getattr(i2d_main, k) for k in patches}
        for k, v in patches.items():
            setattr(i2d_main, k, v)
        stop = threading.Event()
        bar = threading.Thread(target=_progress, args=(output_folder, total, bar_stream, stop, desc), daemon=True)
        bar.start()
        try:
            with _signals_tolerated(i2d_main):
                i2d_main.download(url_list=url_list, output_folder=output_folder, **kwargs)
        except SystemExit:  # img2dataset's SIGINT handler
            raise KeyboardInterrupt from None
        finally:
            for k, v in originals.items():
                setattr(i2d_main, k, v)
            if inprocess:
                _i2d.uninstall()
            stop.set()
            bar.join(timeout=5)


# ---- reading img2dataset's output ----------------------------------------------------------------

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
    ]
)


def completed_shards(folder: str) -> list[str]:
    """Stems (``00000``) of img2dataset shards that finished (their ``_stats.json`` exists)."""
    return sorted(os.path.basename(p)[: -len("_stats.json")] for p in glob.glob(os.path.join(folder, "*_stats.json")))


def read_shard(folder: str, stem: str, output_format: str, encode_format: str) -> Iterator[dict[str, Any]]:
    """Rows ``{url, status, error_message, bytes}`` of one finished img2dataset shard."""
    meta = pq.read_table(os.path.join(folder, f"{stem}.parquet"))
    cols = set(meta.column_names)
    if output_format == "parquet":
        data_col = meta.column(encode_format).to_pylist() if encode_format in cols else [None] * meta.num_rows
    else:
        by_key: dict[str, bytes] = {}
        tar_path = os.path.join(folder, f"{stem}.tar")
        if os.path.exists(tar_path):
            with tarfile.open(tar_path) as tf:
                for member in tf:
                    key, _, ext = member.name.partition(".")
                    if ext == encode_format and member.isfile():
                        fh = tf.extractfile(member)
                        if fh is not None:
                            by_key[key] = fh.read()
        data_col = [by_key.get(k) for k in meta.column("key").to_pylist()]
    urls = meta.column("url").to_pylist()
    status = meta.column("status").to_pylist()
    errors = meta.column("error_message").to_pylist()
    for u, s, e, d in zip(urls, status, errors, data_col):
        yield {"url": u, "status": s, "error_message": e, "bytes": d}


def read_sidecar(folder: str, stem: str) -> dict[str, dict[str, Any]]:
    """The filter results our worker hook recorded for one shard (url -> info); empty if it is missing."""
    path = os.path.join(folder, stem + SIDECAR_SUFFIX)
    if not os.path.exists(path):
        return {}
    t = pq.read_table(path)
    return {r.pop("url"): r for r in t.to_pylist()}


def remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)
