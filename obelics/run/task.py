"""A task is one unit of work of a stage step: one input shard to one output.

Tasks are plain data (JSON-serialisable), so any engine can ship them. A task is
done when its stats file exists; the stats file is written last, atomically,
after the output is in place, so it is the completion marker.

Every attempt of a task appends to its own log, ``<stats folder>/logs/<name>.log``:
a start line, what the ``obelics`` loggers said during the task, and the traceback
of a failure.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import socket
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from obelics.io.atomic import write_json
from obelics.stats import Stats

log = logging.getLogger("obelics")


@dataclass
class Task:
    """What to run (``fn`` as ``module:function``), on what, writing where.

    ``settings`` are the stage's user settings (the same for every task of a run); ``params``
    are what the planner tells this one task (its shard number, work folder, row range, ...).
    """

    stage: str
    name: str
    fn: str
    inputs: list[str]
    output: str
    stats_path: str
    settings: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Task:
        return cls(**json.loads(text))

    @property
    def log_path(self) -> str:
        return str(Path(self.stats_path).parent / "logs" / f"{self.name}.log")

    def is_done(self) -> bool:
        return os.path.exists(self.stats_path)


def resolve(fn: str):
    """The function named ``module:function``."""
    module, _, attr = fn.partition(":")
    return getattr(importlib.import_module(module), attr)


def read_stats(task: Task, skipped: bool = True) -> dict[str, Any]:
    """The stats of a completed task; flagged ``skipped_done`` when it was done before this run."""
    with open(task.stats_path) as fh:
        stats = json.load(fh)
    if skipped:
        stats["skipped_done"] = 1
    return stats


def split_done(tasks: list[Task]) -> tuple[dict[int, dict[str, Any]], list[int]]:
    """The stats of tasks already done, by index, and the indices of those still to run."""
    results: dict[int, dict[str, Any]] = {}
    todo: list[int] = []
    for i, t in enumerate(tasks):
        if t.is_done():
            results[i] = read_stats(t)
        else:
            todo.append(i)
    return results, todo


def failure(task: Task, error: str) -> dict[str, Any]:
    """The record of a task that failed for good."""
    return {"stage": task.stage, "task": task.name, "failed": 1, "error": error, "log": task.log_path}


def execute(task: Task, retries: int = 0) -> dict[str, Any]:
    """Run a task unless done; retry on error; return its stats (with ``failed`` set on failure).

    The task function is called as ``fn(inputs, output, settings, stats)``, ``settings`` holding
    the task's ``params`` on top of the stage's settings.
    """
    if task.is_done():
        return read_stats(task)
    error = ""
    for attempt in range(retries + 1):
        stats = Stats(task.stage, task.name)
        with _task_log(task, attempt, retries) as fh:
            try:
                func = resolve(task.fn)
                func(task.inputs, task.output, {**task.settings, **task.params}, stats)
            except Exception:  # noqa: BLE001 - a task's failure must not take down the others
                error = traceback.format_exc()
                fh.write(f"attempt {attempt + 1} of {retries + 1} failed\n{error}")
                log.warning(
                    "task %s/%s failed (attempt %d of %d): %s",
                    task.stage,
                    task.name,
                    attempt + 1,
                    retries + 1,
                    error.strip().splitlines()[-1],
                )
                continue
            d = stats.to_dict()
            if attempt:
                d["retries_used"] = attempt
            write_json(task.stats_path, d)
            fh.write(f"done in {d.get('seconds')} s\n")
            return d
    return failure(task, error.strip().splitlines()[-1] if error else "unknown error")


@contextlib.contextmanager
def _task_log(task: Task, attempt: int, retries: int) -> Iterator[Any]:
    """Append to the task's log file; route ``obelics`` log records there while the task runs."""
    p = Path(task.log_path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "a", encoding="utf-8", errors="replace") as fh:
        fh.write(
            f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {task.stage}/{task.name} attempt {attempt + 1} of "
            f"{retries + 1} on {socket.gethostname()} pid {os.getpid()}\n"
        )
        fh.flush()
        handler = logging.StreamHandler(fh)
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
        try:
            yield fh
        finally:
            log.removeHandler(handler)
            fh.flush()
