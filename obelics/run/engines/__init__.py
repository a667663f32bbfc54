"""Engines run the tasks of a stage's steps: on this machine, on Slurm, or on Ray.

An engine knows nothing of what a task does: it ships ``Task`` objects (plain data,
``Task.to_json``) to wherever they run, calls ``obelics.run.task.execute`` on each,
and hands back one stats dict per task (``failed`` set for tasks that failed for good).

Every engine has ``run(tasks, retries, desc) -> list[dict]`` for one step. An engine
may also define ``run_steps(steps, retries, desc) -> list[list[dict]]`` to receive all
the steps of a stage at once (Slurm submits them as dependent job arrays); the
runner uses it when present. ``close()`` releases what the engine started.
"""

from __future__ import annotations

from typing import Any, Protocol

from obelics.run.task import Task


class EngineError(RuntimeError):
    """An engine could not run the tasks (a scheduler refused them or could not be reached)."""


class Engine(Protocol):
    """Runs the tasks of one step, in any order, and returns their stats."""

    def run(self, tasks: list[Task], retries: int, desc: str) -> list[dict[str, Any]]: ...


ENGINES = ("local", "slurm", "ray")


def make_engine(kind: str = "local", **options: Any) -> Engine:
    """An engine by name, with its options (``workers`` for local; see each engine's class)."""
    if kind == "local":
        from obelics.run.engines.local import LocalEngine

        return LocalEngine(**options)
    if kind == "slurm":
        from obelics.run.engines.slurm import SlurmEngine

        return SlurmEngine(**options)
    if kind == "ray":
        from obelics.run.engines.ray import RayEngine

        return RayEngine(**options)
    raise ValueError(f"unknown engine {kind!r}; allowed: {', '.join(ENGINES)}")


def close_engine(engine: Any) -> None:
    """Call the engine's ``close`` if it has one."""
    close = getattr(engine, "close", None)
    if close:
        close()
