"""Run a stage: plan its steps into tasks, hand each step to an engine, merge the stats."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from obelics.io.atomic import remove_stale_temps, write_json
from obelics.io.paths import WORK, shard_name
from obelics.run import outdir
from obelics.run import settings as settings_mod
from obelics.run.engines import Engine
from obelics.run.engines.local import LocalEngine
from obelics.run.task import Task, execute
from obelics.stats import format_summary, merge, refusal_hints

log = logging.getLogger("obelics")
# one summary per stage; the command line prints this logger on stdout, other logs go to stderr
summary_log = logging.getLogger("obelics.summary")


class StageFailed(RuntimeError):
    """Some tasks failed after their retries; the others completed."""

    def __init__(self, stage: str, failed: list[dict[str, Any]], total: int | None = None) -> None:
        self.failed = failed
        lines = [f"  {f.get('task')}: {f.get('error')} (log: {f.get('log')})" for f in failed]
        of = f" of {total}" if total else ""
        super().__init__(f"stage {stage}: {len(failed)}{of} task(s) failed\n" + "\n".join(lines))


class NothingProduced(RuntimeError):
    """A stage ran on non-empty input and wrote no document (see ``allow_empty``)."""


# The counters of a stage's summary that say how many documents it wrote, first found counts.
OUTPUT_COUNTERS = ("documents_out", "documents")
INPUT_COUNTERS = ("documents_in", "records", "pointers")


def stage_module(stage: str):
    """The module of a stage: ``obelics.stages.<stage>``, or any module by its dotted path."""
    if "." in stage:
        return importlib.import_module(stage)
    return importlib.import_module(f"obelics.stages.{stage.replace('-', '_')}")


def settings_class(stage: str) -> type[settings_mod.StageSettings]:
    """The settings declaration of a stage: its ``Settings`` class (or one made from plain ``DEFAULTS``)."""
    mod = stage_module(stage)
    cls = getattr(mod, "Settings", None)
    if cls is None:
        cls = settings_mod.from_defaults(mod.DEFAULTS, getattr(mod, "CHOICES", None))
    return cls


def stage_settings(stage: str, overrides: dict[str, Any] | None, where: str = "") -> dict[str, Any]:
    """The stage's settings: its defaults with ``overrides``, every value checked against the declaration."""
    return settings_class(stage).resolve(overrides, where=where or stage)


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


def reduce_task(
    stage: str,
    fn: str,
    tasks: list[Task],
    output: str,
    output_dir: str,
    settings: dict[str, Any],
    inputs: list[str],
    work: str = WORK,
) -> Task:
    """One task over the outputs of ``tasks`` (a manifest, a card), writing ``output``.

    Its marker is keyed to a digest of the tasks and settings, so adding inputs redoes it.
    """
    digest = hashlib.sha1(
        json.dumps([[t.inputs, t.name] for t in tasks] + [settings], sort_keys=True, default=str).encode()
    ).hexdigest()[:12]
    return Task(
        stage=stage,
        name="finalize",
        fn=fn,
        inputs=[t.output for t in tasks],
        output=output,
        stats_path=os.path.join(output_dir, work, f"finalize-{digest}.stats.json"),
        settings=settings,
        params={"stage_inputs": list(inputs), "task_names": [t.name for t in tasks]},
    )


def run_stage(
    stage: str,
    inputs: list[str],
    output: str,
    overrides: dict[str, Any] | None = None,
    engine: Engine | None = None,
    retries: int = 1,
    force: bool = False,
    allow_empty: bool = False,
) -> dict[str, Any]:
    """Run every step of ``stage``; write ``OUT/stats.json``; return the merged stats.

    The output folder is locked for the run and claimed by the run's fingerprint (see
    :mod:`obelics.run.outdir`): a folder holding a run of other settings or inputs is refused
    (FingerprintMismatch) unless ``force``, which removes that run's outputs first. Raises
    StageFailed if tasks failed, NothingProduced if no document was written (unless ``allow_empty``).
    """
    mod = stage_module(stage)
    settings = stage_settings(stage, overrides)
    outdir.prepare(output)
    with outdir.lock(output):
        outdir.claim(stage, output, inputs, settings, mod, force=force)
        summary = _run_steps(stage, mod, inputs, output, settings, engine, retries, force)
    if not allow_empty:
        check_produced(stage, summary, inputs)
    return summary


def check_produced(stage: str, summary: dict[str, Any], inputs: list[str]) -> None:
    """NothingProduced (one line, with the counts) when a stage that counts documents wrote none."""
    counter = next((k for k in OUTPUT_COUNTERS if k in summary), None)
    if counter is None and "." in stage:  # a stage of another package that does not count documents
        return
    if not inputs or summary.get(counter or "documents", 0):
        return
    counts = [f"{len(inputs)} input(s)"]
    counts += [f"{k}={summary[k]}" for k in INPUT_COUNTERS if k in summary]
    for group in ("skipped", "ignored", "removed_documents", "rejected"):
        reasons = summary.get(group)
        if isinstance(reasons, dict) and reasons:
            top = sorted(reasons.items(), key=lambda kv: -kv[1] if isinstance(kv[1], (int, float)) else 0)[:3]
            counts.append(f"{group}: " + ", ".join(f"{k}={v}" for k, v in top))
    raise NothingProduced(
        f"stage {stage}: no document written ({'; '.join(counts)}); "
        "see its stats.json, or rerun with --allow-empty to accept an empty result"
    )


def _run_steps(
    stage: str,
    mod: Any,
    inputs: list[str],
    output: str,
    settings: dict[str, Any],
    engine: Engine | None,
    retries: int,
    force: bool,
) -> dict[str, Any]:
    remove_stale_temps(output)
    steps: list[list[Task]] = mod.plan(inputs, output, settings)
    # temp files of writers killed in an earlier run, wherever the tasks write
    for folder in sorted({os.path.dirname(p) for step in steps for t in step for p in (t.output, t.stats_path)}):
        if folder and folder != output.rstrip("/"):
            remove_stale_temps(folder)
    if force:
        for step in steps:
            for t in step:
                Path(t.stats_path).unlink(missing_ok=True)
    engine = engine or LocalEngine()
    outputs = [t.output for t in steps[-1]] if steps else []
    results: list[dict[str, Any]] = []
    run_steps = getattr(engine, "run_steps", None)
    if run_steps is not None:  # the engine takes every step at once (e.g. dependent Slurm arrays)
        step_results_list = run_steps(steps, retries, stage)
    else:
        step_results_list = None
    for i, step in enumerate(steps):
        desc = f"{stage}" + (f" step {i + 1}/{len(steps)}: {step_name(step)}" if len(steps) > 1 else "")
        if step:
            log.info("%s: %d task(s)", desc, len(step))
        step_results = step_results_list[i] if step_results_list is not None else engine.run(step, retries, desc)
        results.extend(step_results)
        failed = [r for r in step_results if r.get("failed")]
        if failed:
            _write_summary(stage, output, settings, results, inputs, outputs)
            raise StageFailed(stage, failed, len(step))
    summary = _write_summary(stage, output, settings, results, inputs, outputs)
    from obelics.report.card import write_stage_card

    write_stage_card(output, summary)  # so load_dataset(OUT) reads the shards, not the stats files
    summary_log.info(format_summary(summary, os.path.join(output, "stats.json")))
    for hint in refusal_hints(summary, getattr(mod, "HINTS", None)):
        log.warning("%s: %s", stage, hint)
    return summary


def step_name(step: list[Task]) -> str:
    """What a step does, for progress and logs: its tasks' common name prefix, else its function's name."""
    if not step:
        return ""
    fn = step[0].fn.rsplit(":", 1)[-1]
    for suffix in ("_task", "_step", "_shard"):
        fn = fn.removesuffix(suffix)
    prefix = os.path.commonprefix([t.name for t in step])
    prefix = prefix.rsplit("-", 1)[0] if "-" in prefix else ""
    return prefix if prefix[:1].isalpha() and len(prefix) > 2 else fn


def _write_summary(
    stage: str,
    output: str,
    settings: dict[str, Any],
    results: list[dict[str, Any]],
    inputs: list[str],
    outputs: list[str],
) -> dict[str, Any]:
    """Merged stats of all tasks, the settings, the inputs and the outputs (so a card can walk the funnel back)."""
    summary = merge([r for r in results if not r.get("failed")])
    summary["stage"] = stage
    summary["settings"] = settings
    summary["inputs"] = inputs
    summary["outputs"] = outputs
    summarize = getattr(stage_module(stage), "summarize", None)  # figures derived from the merged counts
    if summarize is not None and not any(r.get("failed") for r in results):
        summary.update(summarize(summary))
    failed = [r for r in results if r.get("failed")]
    if failed:
        summary["failed_tasks"] = [{k: r.get(k) for k in ("task", "error", "log")} for r in failed]
    write_json(os.path.join(output, "stats.json"), summary)
    return summary


__all__ = [
    "Engine",
    "LocalEngine",
    "NothingProduced",
    "StageFailed",
    "Task",
    "execute",
    "map_tasks",
    "run_stage",
    "stage_module",
]
