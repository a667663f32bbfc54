"""Run a stage: plan its steps into tasks, hand each step to an engine, merge the stats."""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Protocol

from tqdm.auto import tqdm

from obelics.io.atomic import remove_stale_temps, write_json
from obelics.io.paths import shard_name
from obelics.run import settings as settings_mod
from obelics.run.task import Task, execute
from obelics.stats import format_summary, merge

log = logging.getLogger("obelics")


class StageFailed(RuntimeError):
    """Some tasks failed after their retries; the others completed."""

    def __init__(self, stage: str, failed: list[dict[str, Any]]) -> None:
        self.failed = failed
        lines = [f"  {f.get('task')}: {f.get('error')} (log: {f.get('log')})" for f in failed]
        super().__init__(f"stage {stage}: {len(failed)} task(s) failed\n" + "\n".join(lines))


class Engine(Protocol):
    """Runs the tasks of one step, in any order, and returns their stats."""

    def run(self, tasks: list[Task], retries: int, desc: str) -> list[dict[str, Any]]: ...


class LocalEngine:
    """A process pool on this machine (``workers=1`` runs in this process)."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))

    def run(self, tasks: list[Task], retries: int, desc: str) -> list[dict[str, Any]]:
        todo = [t for t in tasks if not t.is_done()]
        done = [execute(t) for t in tasks if t.is_done()]
        if self.workers == 1 or len(todo) <= 1:
            bar = tqdm(todo, desc=desc, unit="task", disable=len(todo) <= 1)
            return done + [execute(t, retries) for t in bar]
        results = []
        with ProcessPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            futures = [pool.submit(execute, t, retries) for t in todo]
            for f in tqdm(as_completed(futures), total=len(futures), desc=desc, unit="task"):
                results.append(f.result())
        return done + results


def stage_module(stage: str):
    return importlib.import_module(f"obelics.stages.{stage.replace('-', '_')}")


def stage_settings(stage: str, overrides: dict[str, Any] | None) -> dict[str, Any]:
    mod = stage_module(stage)
    return settings_mod.resolve(mod.DEFAULTS, overrides, getattr(mod, "CHOICES", None), where=stage)


def map_tasks(
    stage: str,
    fn: str,
    inputs: list[str],
    output_dir: str,
    settings: dict[str, Any],
    suffix: str = ".parquet",
) -> list[Task]:
    """One task per input: ``OUT/<name><suffix>`` with ``OUT/<name>.stats.json`` as its marker."""
    names: dict[str, int] = {}
    tasks = []
    for path in inputs:
        name = shard_name(path)
        if name in names:  # same file name from different folders
            name = f"{name}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"
        names[name] = 1
        tasks.append(
            Task(
                stage=stage,
                name=name,
                fn=fn,
                inputs=[path],
                output=os.path.join(output_dir, name + suffix),
                stats_path=os.path.join(output_dir, name + ".stats.json"),
                settings=settings,
            )
        )
    return tasks


def run_stage(
    stage: str,
    inputs: list[str],
    output: str,
    overrides: dict[str, Any] | None = None,
    engine: Engine | None = None,
    retries: int = 1,
    force: bool = False,
) -> dict[str, Any]:
    """Run every step of ``stage``; write ``OUT/stats.json``; raise StageFailed if tasks failed."""
    mod = stage_module(stage)
    settings = stage_settings(stage, overrides)
    Path(output).mkdir(parents=True, exist_ok=True)
    remove_stale_temps(output)
    steps: list[list[Task]] = mod.plan(inputs, output, settings)
    if force:
        for step in steps:
            for t in step:
                Path(t.stats_path).unlink(missing_ok=True)
    engine = engine or LocalEngine()
    results: list[dict[str, Any]] = []
    for i, step in enumerate(steps):
        desc = f"{stage}" + (f" step {i + 1}/{len(steps)}" if len(steps) > 1 else "")
        step_results = engine.run(step, retries, desc)
        results.extend(step_results)
        failed = [r for r in step_results if r.get("failed")]
        if failed:
            _write_summary(stage, output, settings, results, inputs)
            raise StageFailed(stage, failed)
    summary = _write_summary(stage, output, settings, results, inputs)
    log.info(format_summary(summary))
    return summary


def _write_summary(
    stage: str, output: str, settings: dict[str, Any], results: list[dict[str, Any]], inputs: list[str]
) -> dict[str, Any]:
    """Merged stats of all tasks, the settings and the inputs (so a card can walk the funnel back)."""
    summary = merge([r for r in results if not r.get("failed")])
    summary["stage"] = stage
    summary["settings"] = settings
    summary["inputs"] = inputs
    failed = [r for r in results if r.get("failed")]
    if failed:
        summary["failed_tasks"] = [{k: r.get(k) for k in ("task", "error", "log")} for r in failed]
    write_json(os.path.join(output, "stats.json"), summary)
    return summary
