"""A task is one unit of work of a stage step: one input shard to one output.

Tasks are plain data (JSON-serialisable), so any engine can ship them. A task is
done when its stats file exists; the stats file is written last, atomically,
after the output is in place, so it is the completion marker.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from obelics.io.atomic import write_json
from obelics.stats import Stats

log = logging.getLogger("obelics")


@dataclass
class Task:
    """What to run (``fn`` as ``module:function``), on what, writing where."""

    stage: str
    name: str
    fn: str
    inputs: list[str]
    output: str
    stats_path: str
    settings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Task:
        return cls(**json.loads(text))

    @property
    def log_path(self) -> str:
        return str(Path(self.stats_path).parent / "logs" / f"{self.name}.log")

    def is_done(self) -> bool:
        return os.path.exists(self.stats_path)


def resolve(fn: str):
    module, _, attr = fn.partition(":")
    return getattr(importlib.import_module(module), attr)


def execute(task: Task, retries: int = 0) -> dict[str, Any]:
    """Run a task unless done; retry on error; return its stats (with ``failed`` set on failure).

    The task function is called as ``fn(inputs, output, settings, stats)``.
    """
    if task.is_done():
        with open(task.stats_path) as fh:
            stats = json.load(fh)
        stats["skipped_done"] = 1
        return stats
    func = resolve(task.fn)
    error = ""
    for attempt in range(retries + 1):
        stats = Stats(task.stage, task.name)
        try:
            func(task.inputs, task.output, task.settings, stats)
        except Exception:  # noqa: BLE001 - a task's failure must not take down the others
            error = traceback.format_exc()
            _write_log(task, f"attempt {attempt + 1} of {retries + 1} failed\n{error}")
            log.warning(
                "task %s/%s failed (attempt %d): %s", task.stage, task.name, attempt + 1, error.strip().splitlines()[-1]
            )
            continue
        d = stats.to_dict()
        if attempt:
            d["retries_used"] = attempt
        write_json(task.stats_path, d)
        return d
    return {
        "stage": task.stage,
        "task": task.name,
        "failed": 1,
        "error": error.strip().splitlines()[-1],
        "log": task.log_path,
    }


def _write_log(task: Task, text: str) -> None:
    p = Path(task.log_path)
    p.parent.mkdir(parents=True, exist_ok=True)
    with open(p, "a") as fh:
        fh.write(text + "\n")
