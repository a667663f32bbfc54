"""Run an extract task in a child process that is killed when one page takes too long.

A timer signal cannot stop the HTML parser: it only runs between Python steps, and the parser
is native code. So with ``page_timeout > 0`` the extract task runs in a child process. Before
each page the child writes the page's number and the time into a small shared file (a few bytes
in memory: no message, no waiting, so normal pages cost nothing more); the task's process looks
at it twice a second. A page extracted for longer than ``page_timeout`` gets the child killed,
is counted ``extraction_timeout`` and the task starts again in a fresh child that skips that
page (the shard is written atomically, so the killed child's part is just dropped). A child that
dies inside a page (a crash in native code, out of memory) costs that page the same way
(``extraction_crash``); one that fails elsewhere fails the task with its error, as in-process.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import mmap
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from obelics.stats import Stats

log = logging.getLogger("obelics")

_STATE = struct.Struct("qqq")  # number of the page being extracted, 1 while extracting, its start (monotonic ns)
MAX_RESTARTS = 100  # pages one task may lose to timeouts and crashes before it fails


class PageGuard:
    """Tells the watching process which page is being extracted since when; skips pages it gave up on."""

    def __init__(self, state_path: str | None = None, skip: list[int] | None = None) -> None:
        self.seq = -1
        self.skip = set(skip or ())
        self._map = None
        if state_path:
            with open(state_path, "r+b") as fh:
                self._map = mmap.mmap(fh.fileno(), _STATE.size)

    def begin(self) -> bool:
        """Before a page: False when it must be skipped (it timed out or crashed in an earlier attempt)."""
        self.seq += 1
        if self.seq in self.skip:
            return False
        if self._map is not None:
            _STATE.pack_into(self._map, 0, self.seq, 1, time.monotonic_ns())
        return True

    def end(self) -> None:
        if self._map is not None:
            _STATE.pack_into(self._map, 0, self.seq, 0, 0)


TaskBody = Callable[[list[str], str, dict[str, Any], Stats, PageGuard], None]


def run_guarded(
    body: TaskBody, inputs: list[str], output: str, settings: dict[str, Any], stats: Stats, timeout: float
) -> None:
    """Run ``body(inputs, output, settings, stats, guard)``: here when ``timeout`` is 0, else in a
    child process watched as the module doc says; the child's counts are added to ``stats``."""
    if not timeout or timeout <= 0:
        body(inputs, output, settings, stats, PageGuard())
        return
    skip: list[int] = []
    folder = os.path.dirname(os.path.abspath(output)) or "."
    state_path = os.path.join(folder, f".{os.path.basename(output)}.{os.getpid()}-guard.tmp")
    result_path = state_path[: -len(".tmp")] + "-result.tmp"
    try:
        while True:
            outcome, value = _attempt(body, inputs, output, settings, skip, state_path, result_path, timeout)
            if outcome == "done":
                _add(stats, value)
                return
            if outcome == "error":
                raise RuntimeError(value)
            seq, why = value
            skip.append(seq)
            stats.reason("skipped", "extraction_timeout" if outcome == "timeout" else "extraction_crash")
            log.warning("%s: page %d of %s %s; skipped, task restarted", output, seq, inputs[0], why)
            if len(skip) > MAX_RESTARTS:
                raise RuntimeError(f"{len(skip)} pages timed out or crashed the extraction; giving up on the task")
    finally:
        for p in (state_path, result_path):
            with contextlib.suppress(OSError):
                os.unlink(p)


def _add(stats: Stats, counts: dict[str, Any]) -> None:
    """Add a child's Stats.to_dict() to ``stats``."""
    for k, v in counts.items():
        if k in ("stage", "task", "seconds"):
            continue
        if isinstance(v, dict):
            for r, n in v.items():
                stats.reason(k, r, n)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            stats.inc(k, v)
        else:
            stats.set(k, v)


def _log_files() -> list[str]:
    """The files the ``obelics`` logger writes to (the task log), for the child to append to."""
    names = []
    for h in log.handlers:
        stream = getattr(h, "stream", None)
        name = getattr(stream, "name", None)
        if isinstance(name, str) and os.path.isfile(name):
            names.append(name)
    return names


def _attempt(
    body: TaskBody,
    inputs: list[str],
    output: str,
    settings: dict[str, Any],
    skip: list[int],
    state_path: str,
    result_path: str,
    timeout: float,
) -> tuple[str, Any]:
    """One child run: ("done", counts), ("error", message), ("timeout" | "crash", (page, why))."""
    Path(state_path).write_bytes(b"\0" * _STATE.size)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(result_path)
    import obelics

    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(obelics.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    job = {
        "body": f"{body.__module__}:{body.__name__}",
        "args": (inputs, output, settings),
        "skip": skip,
        "state": state_path,
        "result": result_path,
        "log_level": log.getEffectiveLevel(),
        "log_files": _log_files(),
    }
    proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, env=env, close_fds=True)
    try:
        proc.stdin.write(pickle.dumps(job))  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
        with open(state_path, "r+b") as fh, mmap.mmap(fh.fileno(), _STATE.size) as state:
            poll = min(0.5, max(0.02, timeout / 4))
            while True:
                try:
                    code = proc.wait(poll)
                    break
                except subprocess.TimeoutExpired:
                    seq, busy, since = _STATE.unpack_from(state, 0)
                    if busy and (time.monotonic_ns() - since) / 1e9 > timeout:
                        proc.kill()
                        proc.wait()
                        _remove_partial(output, proc.pid)
                        return "timeout", (seq, f"took longer than {timeout:g} s")
            seq, busy, _ = _STATE.unpack_from(state, 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    result = _read_result(result_path)
    if code == 0 and result and result[0] == "done":
        return "done", result[1]
    if result and result[0] == "error":
        return "error", result[1]
    _remove_partial(output, proc.pid)
    if busy:
        return "crash", (seq, f"ended the extraction process (exit code {code})")
    return "error", f"the extraction process ended with exit code {code}"


def _read_result(path: str) -> tuple[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def _remove_partial(output: str, pid: int) -> None:
    """Temp files a killed child left beside ``output`` (its writers name them with its pid)."""
    p = Path(output)
    for tmp in p.parent.glob(f".{p.name}.{pid}-*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() == 1:  # the parent died before the line above
        sys.exit(1)


def main() -> int:
    """The child: run the task body, write ("done", counts) or ("error", message) to the result file."""
    _die_with_parent()
    job = pickle.loads(sys.stdin.buffer.read())
    log.setLevel(job["log_level"])
    for name in job["log_files"]:
        h = logging.FileHandler(name, encoding="utf-8", errors="replace")
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        log.addHandler(h)
    from obelics.run.task import resolve

    body = resolve(job["body"])
    stats = Stats()
    guard = PageGuard(job["state"], job["skip"])
    try:
        body(*job["args"], stats, guard)
        result: tuple[str, Any] = ("done", stats.to_dict())
        code = 0
    except Exception as e:  # noqa: BLE001 - handed to the task's process, which raises it there
        log.debug("extract task failed", exc_info=True)
        result, code = ("error", f"{type(e).__name__}: {e}"), 1
    with open(job["result"], "wb") as fh:
        pickle.dump(result, fh)
    return code


if __name__ == "__main__":
    sys.exit(main())
