"""The local engine: a process pool on this machine (``workers=1`` runs tasks in this process)."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import signal
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from typing import Any

from obelics.progress import progress
from obelics.run.task import Task, execute, failure, read_stats, split_done

log = logging.getLogger("obelics")

# Workers are started with "spawn", never "fork": the driver has threads (progress bars, download
# and inference pools) and a forked child can inherit one of their locks held, then wait on it
# forever (seen with tqdm's write lock). A spawned worker starts clean; tasks name their function
# as "module:function", so nothing else needs to cross.
MP_CONTEXT = multiprocessing.get_context("spawn")


def _die_with_parent() -> None:
    """Pool initializer: on Linux, have the kernel kill this worker when the driver dies."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:  # pragma: no cover - no libc
            pass


class LocalEngine:
    """A process pool on this machine; ``workers=1`` runs in this process.

    A worker process that dies (killed, out of memory, a crash in native code) fails
    only the tasks it held: those are run again in a fresh pool, up to ``retries``
    times, then reported as failed. Workers die with the driver, so a killed run
    leaves nothing running behind it.
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))

    def run(self, tasks: list[Task], retries: int, desc: str) -> list[dict[str, Any]]:
        results, todo = split_done(tasks)
        if self.workers == 1 or len(todo) <= 1:
            for i in progress(todo, desc=desc, unit="task", enabled=len(todo) > 1, leave=True):
                results[i] = execute(tasks[i], retries)
            return [results[i] for i in range(len(tasks))]
        lost: list[int] = []
        with progress(total=len(todo), desc=desc, unit="task", leave=True) as bar:
            with ProcessPoolExecutor(
                max_workers=min(self.workers, len(todo)), mp_context=MP_CONTEXT, initializer=_die_with_parent
            ) as pool:
                futures = {pool.submit(execute, tasks[i], retries): i for i in todo}
                for f in as_completed(futures):
                    i = futures[f]
                    try:
                        results[i] = f.result()
                    except Exception:  # noqa: BLE001 - a dead worker process breaks the whole pool
                        if tasks[i].is_done():  # it finished before the pool broke
                            results[i] = read_stats(tasks[i], skipped=False)
                        else:
                            lost.append(i)
                            continue
                    bar.update(1)
            if lost:
                # Which task killed its worker is unknown: run each lost one in a process of its own.
                log.warning("%s: a worker process died; running %d task(s) again, one process each", desc, len(lost))
                with ThreadPoolExecutor(min(self.workers, len(lost))) as threads:
                    for i, r in zip(lost, threads.map(lambda i: _isolated(tasks[i], retries), lost)):
                        results[i] = r
                        bar.update(1)
        return [results[i] for i in range(len(tasks))]


def _isolated(task: Task, retries: int) -> dict[str, Any]:
    """Run one task in a fresh process of its own, again if that process dies, up to ``retries`` times."""
    error = ""
    for _ in range(retries + 1):
        with ProcessPoolExecutor(max_workers=1, mp_context=MP_CONTEXT, initializer=_die_with_parent) as pool:
            try:
                return pool.submit(execute, task, retries).result()
            except Exception as e:  # noqa: BLE001 - the process died
                error = f"worker process died: {type(e).__name__}: {e}"
        if task.is_done():
            return read_stats(task, skipped=False)
    return failure(task, error)
