"""Run a group of tasks from a JSON-lines task file: the program an engine's job runs.

    python -m obelics.run.worker TASKS --index I --group-size G [--retries R] [--workers W]

runs tasks ``I*G .. I*G+G-1`` of TASKS, a JSON-lines file, or of a folder of one file per group
(``TASKS/I.jsonl``); ``--index`` defaults to ``$SLURM_ARRAY_TASK_ID``.
A task that fails after its retries leaves ``<failed-dir>/<line>.json`` (its failure
record, with the path of its log) and makes the exit status 1; the other tasks of the
group still run. Completed tasks are skipped, so a group can be run again safely.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from obelics.io.atomic import write_json
from obelics.run.engines.local import LocalEngine
from obelics.run.task import Task


def read_group(path: str, index: int, group_size: int) -> list[tuple[int, Task]]:
    """The tasks of group ``index``, with their line numbers in the whole task list.

    ``path`` is one JSON-lines file of every task, or a folder of one file per group (``<index>.jsonl``).
    """
    start, stop = index * group_size, (index + 1) * group_size
    if os.path.isdir(path):
        with open(os.path.join(path, f"{index}.jsonl"), encoding="utf-8") as fh:
            return [(start + j, Task.from_json(line)) for j, line in enumerate(ln for ln in fh if ln.strip())]
    out = []
    with open(path, encoding="utf-8") as fh:
        for line_no, line in enumerate(fh):
            if line_no >= stop:
                break
            if line_no >= start and line.strip():
                out.append((line_no, Task.from_json(line)))
    return out


def run_group(path: str, index: int, group_size: int, retries: int = 1, workers: int = 1, failed_dir: str = "") -> int:
    """Run one group of a task file; write failure records; return the number of failed tasks."""
    group = read_group(path, index, group_size)
    failed_dir = failed_dir or str(Path(path).parent / "failed")  # beside the task file or folder
    engine = LocalEngine(workers)
    results = engine.run([t for _, t in group], retries, f"group {index}")
    n_failed = 0
    for (line_no, task), r in zip(group, results):
        if r.get("failed"):
            n_failed += 1
            write_json(os.path.join(failed_dir, f"{line_no}.json"), r)
            print(f"FAILED {task.stage}/{task.name}: {r.get('error')} (log: {r.get('log')})", file=sys.stderr)
        else:
            print(f"ok {task.stage}/{task.name}", file=sys.stderr)
    return n_failed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obelics.run.worker", description=__doc__.splitlines()[0])
    p.add_argument("tasks", help="a JSON-lines file, one Task per line, or a folder of <index>.jsonl files")
    p.add_argument("--index", type=int, default=None, help="group index (default: $SLURM_ARRAY_TASK_ID)")
    p.add_argument("--group-size", type=int, default=1)
    p.add_argument("--retries", type=int, default=1)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--failed-dir", default="")
    args = p.parse_args(argv)
    index = args.index if args.index is not None else int(os.environ.get("SLURM_ARRAY_TASK_ID", "0"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    n_failed = run_group(args.tasks, index, args.group_size, args.retries, args.workers, args.failed_dir)
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
