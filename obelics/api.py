"""The Python API: run a stage or a pipeline from a script or a notebook, get its stats back.

::

    import obelics

    stats = obelics.run("filter", "docs/", "filtered/", languages=["en"], document_min_words=20)
    summary = obelics.run_pipeline("demo", "warcs/", "corpus/", workers=2)

Inputs are files, folders (searched for the stage's input files) or globs, as on the command
line. Settings are keywords (or ``settings=``, a dict or the stage's ``Settings`` dataclass),
checked exactly as ``--set`` is: a bad one raises :class:`obelics.SettingsError` before any work.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from obelics.run.settings import SettingsError


def _paths(inputs: Any) -> list[str]:
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    return [os.fspath(p) for p in inputs]


def _settings(settings: Any, keywords: dict[str, Any]) -> dict[str, Any]:
    if settings is None:
        given: dict[str, Any] = {}
    elif dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        given = dataclasses.asdict(settings)
    elif isinstance(settings, dict):
        given = dict(settings)
    else:
        raise SettingsError(f"settings must be a dict or a stage's Settings, got {type(settings).__name__}")
    return {**given, **keywords}


def _engine(engine: Any, workers: int) -> Any:
    if engine is not None:
        return engine
    from obelics.run.engines.local import LocalEngine

    return LocalEngine(workers)


def run(
    stage: str,
    inputs: Any,
    output: str | os.PathLike,
    *,
    settings: Any = None,
    workers: int = 1,
    engine: Any = None,
    retries: int = 1,
    force: bool = False,
    **keywords: Any,
) -> dict[str, Any]:
    """Run one stage on ``inputs`` (files, folders, globs) into the folder ``output``; return its stats.

    The stats are those of ``OUTPUT/stats.json``: counts, removal reasons, the settings used,
    the inputs and the output files. Raises ``SettingsError`` on a bad setting,
    ``FileNotFoundError`` when there is no input, and ``StageFailed`` when tasks failed after
    their retries (the others are complete; a rerun finishes the work).
    """
    from obelics.io.paths import expand_inputs
    from obelics.run.engines import close_engine
    from obelics.run.pipeline import input_suffixes
    from obelics.run.runner import run_stage, stage_settings

    overrides = _settings(settings, keywords)
    stage_settings(stage, overrides)  # a bad setting fails before the inputs are searched
    suffixes = input_suffixes(stage)
    paths = expand_inputs(_paths(inputs), suffixes)
    if not paths:
        raise FileNotFoundError(f"no input files with suffix {', '.join(suffixes)} in {_paths(inputs)}")
    eng = _engine(engine, workers)
    try:
        return run_stage(stage, paths, os.fspath(output), overrides, engine=eng, retries=retries, force=force)
    finally:
        if engine is None:
            close_engine(eng)


def run_pipeline(
    pipeline: str | os.PathLike,
    inputs: Any,
    output: str | os.PathLike,
    *,
    stages: list[str] | None = None,
    settings: dict[str, dict[str, Any]] | None = None,
    workers: int = 1,
    engine: Any = None,
    retries: int = 1,
    force: bool = False,
) -> dict[str, Any]:
    """Run a pipeline (a YAML file, or a bundled one by name: ``demo``, ``obelics``); return its summary.

    ``settings`` overrides stage settings by stage name (``{"filter": {"document_min_words": 5}}``);
    ``stages`` runs only those (names, or a range ``"first:last"``). ``inputs=None`` reads the
    previous stage's output in ``output``. The summary is that of ``OUTPUT/summary.json``.
    """
    from obelics.run.engines import close_engine
    from obelics.run.pipeline import find_pipeline, load_pipeline
    from obelics.run.pipeline import run_pipeline as _run

    pipe = load_pipeline(find_pipeline(os.fspath(pipeline)), settings)
    eng = _engine(engine, workers)
    try:
        return _run(
            pipe,
            None if inputs is None else _paths(inputs),
            os.fspath(output),
            only=stages,
            engine=eng,
            retries=retries,
            force=force,
        )
    finally:
        if engine is None:
            close_engine(eng)


def stage_settings(stage: str, **overrides: Any) -> dict[str, Any]:
    """A stage's settings: the defaults with ``overrides``, checked (``obelics.stage_settings("filter")``)."""
    from obelics.run.runner import stage_settings as resolve

    return resolve(stage, overrides)
