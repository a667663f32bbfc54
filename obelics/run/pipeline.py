"""Pipeline files: the stages of a run, in order, with their settings.

A pipeline is a YAML file::

    name: demo
    description: what this run is for
    stages:
      - stage: extract            # a module obelics.stages.<stage> (or a dotted module path)
        settings: {mode: obelics}
      - images                    # a stage with its default settings
      - stage: dedup
        name: dedup-urls          # a name for --stages and --set when a stage appears twice
        settings: {...}

``run_pipeline`` runs the stages in order: stage ``n`` writes ``OUT/<nn>-<name>/`` and
its output shards (its last step's outputs, recorded in its ``stats.json``) are the
next stage's inputs. Everything is validated before any work starts: the file's
shape, the stage names, every setting (names, types, allowed values) and the inputs.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from obelics.io.atomic import write_json
from obelics.io.paths import expand_inputs, is_remote
from obelics.run import fingerprint, outdir
from obelics.run.runner import run_stage, stage_module, stage_settings
from obelics.run.settings import SettingsError

log = logging.getLogger("obelics")

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "pipelines"
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz", ".paths", ".paths.gz", ".txt")
TOP_KEYS = ("name", "description", "stages")
ENTRY_KEYS = ("stage", "name", "settings")


class PipelineError(SettingsError):
    """A bad pipeline file, stage name, override or input: the message says which and what is allowed."""


@dataclass
class PipelineStage:
    """One stage of a pipeline with its resolved settings."""

    index: int  # 1-based position in the pipeline
    name: str
    stage: str
    settings: dict[str, Any]

    @property
    def folder(self) -> str:
        return f"{self.index:02d}-{self.name}"


@dataclass
class Pipeline:
    name: str
    description: str
    stages: list[PipelineStage]
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [s.name for s in self.stages]


def available_stages() -> list[str]:
    """The stage modules shipped in ``obelics.stages``."""
    import obelics.stages

    return sorted(m.name for m in pkgutil.iter_modules(obelics.stages.__path__) if not m.name.startswith("_"))


def bundled_pipelines() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.yaml"))


def find_pipeline(name_or_path: str) -> Path:
    """A pipeline file by path, or by the name of a bundled one (``demo``, ``obelics``)."""
    p = Path(name_or_path)
    if p.is_file():
        return p
    bundled = BUNDLED / f"{name_or_path}.yaml"
    if "/" not in name_or_path and bundled.is_file():
        return bundled
    raise PipelineError(
        f"pipeline not found: {name_or_path!r} (a YAML file, or a bundled pipeline: {', '.join(bundled_pipelines())})"
    )


def parse_stage_overrides(pairs: list[str]) -> dict[str, dict[str, Any]]:
    """``["filter.min_words=5"]`` from ``--set STAGE.KEY=VALUE`` into ``{"filter": {"min_words": "5"}}``."""
    out: dict[str, dict[str, Any]] = {}
    for p in pairs or []:
        key, eq, value = p.partition("=")
        stage, dot, setting = key.strip().partition(".")
        if not eq or not dot or not stage or not setting:
            raise PipelineError(f"--set wants STAGE.KEY=VALUE for a pipeline, got {p!r}")
        out.setdefault(stage, {})[setting] = value
    return out


def _module(stage: str, where: str):
    known = available_stages()
    if "." not in stage and stage.replace("-", "_") not in known:
        raise PipelineError(f"{where}: unknown stage {stage!r}; allowed: {', '.join(known) or '(none installed)'}")
    try:
        mod = stage_module(stage)
    except ImportError as e:
        raise PipelineError(f"{where}: stage {stage!r} cannot be loaded: {e}") from None
    has_settings = hasattr(mod, "Settings") or isinstance(getattr(mod, "DEFAULTS", None), dict)
    if not has_settings or not callable(getattr(mod, "plan", None)):
        raise PipelineError(f"{where}: {stage!r} is not a stage (it needs Settings or DEFAULTS, and plan())")
    return mod


def load_pipeline(path: str | os.PathLike, overrides: dict[str, dict[str, Any]] | None = None) -> Pipeline:
    """Read and validate a pipeline file, applying ``overrides`` (stage name -> settings)."""
    path = str(path)
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as e:
        raise PipelineError(f"pipeline {path}: not valid YAML: {e}") from None
    except OSError as e:
        raise PipelineError(f"pipeline {path}: cannot be read: {e}") from None
    if not isinstance(data, dict):
        raise PipelineError(f"pipeline {path}: want a mapping with a 'stages' list, got {type(data).__name__}")
    unknown = sorted(set(data) - set(TOP_KEYS))
    if unknown:
        raise PipelineError(f"pipeline {path}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(TOP_KEYS)}")
    entries = data.get("stages")
    if not isinstance(entries, list) or not entries:
        raise PipelineError(f"pipeline {path}: 'stages' must be a non-empty list of stages")
    overrides = dict(overrides or {})
    stages: list[PipelineStage] = []
    for n, entry in enumerate(entries, 1):
        where = f"pipeline {path}, stage #{n}"
        if isinstance(entry, str):
            entry = {"stage": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("stage"), str):
            raise PipelineError(f"{where}: want a stage name or a mapping with 'stage', got {entry!r}")
        bad = sorted(set(entry) - set(ENTRY_KEYS))
        if bad:
            raise PipelineError(f"{where}: unknown key(s) {', '.join(bad)}; allowed: {', '.join(ENTRY_KEYS)}")
        stage = entry["stage"]
        name = str(entry.get("name") or stage.rsplit(".", 1)[-1])
        where = f"pipeline {path}, stage {name!r}"
        if name in [s.name for s in stages]:
            raise PipelineError(f"{where}: the name is used twice; give one of them another 'name'")
        _module(stage, where)
        given = entry.get("settings") or {}
        if not isinstance(given, dict):
            raise PipelineError(f"{where}: 'settings' must be a mapping, got {given!r}")
        merged = {**given, **overrides.pop(name, {})}
        resolved = stage_settings(stage, merged, where=f"stage {name!r}")
        stages.append(PipelineStage(n, name, stage, resolved))
    if overrides:
        raise PipelineError(
            f"--set names stage(s) {', '.join(sorted(overrides))} not in pipeline {path}; "
            f"its stages: {', '.join(s.name for s in stages)}"
        )
    return Pipeline(str(data.get("name") or Path(path).stem), str(data.get("description") or ""), stages, path)


def select(pipe: Pipeline, only: list[str] | None) -> list[PipelineStage]:
    """The stages named in ``only`` (all when empty), in pipeline order; ``a:b`` names a range."""
    if not only:
        return list(pipe.stages)
    names = pipe.names()
    chosen: set[str] = set()
    for item in only:
        if ":" in item:
            a, _, b = item.partition(":")
            for x in (a, b):
                if x and x not in names:
                    raise PipelineError(f"--stages: unknown stage {x!r}; the pipeline's stages: {', '.join(names)}")
            i, j = names.index(a) if a else 0, names.index(b) if b else len(names) - 1
            chosen.update(names[i : j + 1])
        elif item not in names:
            raise PipelineError(f"--stages: unknown stage {item!r}; the pipeline's stages: {', '.join(names)}")
        else:
            chosen.add(item)
    return [s for s in pipe.stages if s.name in chosen]


def input_suffixes(stage: str) -> tuple[str, ...]:
    """The input file suffixes of a stage: its ``INPUT_SUFFIXES``, WARCs for extract, else Parquet."""
    mod = stage_module(stage)
    suffixes = getattr(mod, "INPUT_SUFFIXES", None)
    if suffixes:
        return tuple(suffixes)
    return WARC_SUFFIXES if stage == "extract" else (".parquet",)


def check_inputs(paths: list[str], timeout: float = 20.0, max_remote: int = 64) -> None:
    """Fail fast on inputs that cannot be read: local files, and (up to ``max_remote``) URLs."""
    bad = []
    for p in paths:
        if not is_remote(p) and not (os.path.isfile(p) and os.access(p, os.R_OK)):
            bad.append(f"{p}: not a readable file")
    remote = [p for p in paths if is_remote(p)][:max_remote]
    if remote:
        with concurrent.futures.ThreadPoolExecutor(min(16, len(remote))) as pool:
            for p, err in zip(remote, pool.map(lambda u: _probe(u, timeout), remote)):
                if err:
                    bad.append(f"{p}: {err}")
    if bad:
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise PipelineError("input(s) cannot be read: " + "; ".join(bad[:5]) + more)


def _probe(url: str, timeout: float) -> str:
    """'' when the first byte of ``url`` can be read, else why not."""
    try:
        import fsspec

        kwargs: dict[str, Any] = {}
        if url.startswith(("http://", "https://")):
            import aiohttp

            kwargs["client_kwargs"] = {"timeout": aiohttp.ClientTimeout(total=timeout)}
        with fsspec.open(url, "rb", **kwargs) as fh:
            fh.read(1)
    except Exception as e:  # noqa: BLE001 - any failure to read is the answer
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".strip()
    return ""


def _stage_inputs(pipe: Pipeline, st: PipelineStage, output: str, given: list[str] | None) -> list[str]:
    if given is not None:
        return given
    if st.index == 1:
        raise PipelineError("no input given: name the input files with --input")
    prev = pipe.stages[st.index - 2]
    summary = Path(output) / prev.folder / "stats.json"
    try:
        outputs = json.loads(summary.read_text()).get("outputs") or []
    except (OSError, ValueError):
        raise PipelineError(
            f"stage {st.name!r} reads the output of stage {prev.name!r}, which is not complete in {output}: "
            f"run that stage first (--stages {prev.name}:{st.name}) or give --input"
        ) from None
    return [o for o in outputs if os.path.exists(o)]


def _check_previous_run(output: str, selected: list[PipelineStage], inputs: list[str] | None) -> None:
    """Refuse before any work when a selected stage's folder holds a run of other settings (or, for
    the first, other inputs): the same fingerprints each stage checks when it starts."""
    for n, st in enumerate(selected):
        folder = str(Path(output) / st.folder)
        old = fingerprint.read_record(folder)
        if old is None:
            continue
        if n == 0 and inputs is not None:
            new = fingerprint.compute(st.stage, inputs, st.settings, stage_module(st.stage), old, exclude=folder)
            changes = fingerprint.differences(old, new)
        else:
            changes = fingerprint.settings_differences(old, st.stage, st.settings, stage_module(st.stage))
        if changes:
            raise fingerprint.FingerprintMismatch(fingerprint.mismatch_message(st.name, folder, changes))


def run_pipeline(
    pipe: Pipeline,
    inputs: list[str] | None,
    output: str,
    only: list[str] | None = None,
    engine: Any = None,
    retries: int = 1,
    force: bool = False,
    check: bool = True,
    allow_empty: bool = False,
) -> dict[str, Any]:
    """Run the selected stages in order; return (and write to ``OUT/summary.json``) their summaries.

    ``inputs`` feed the first selected stage (expanded from files, folders and globs);
    without them it reads the previous stage's output in ``output``. ``OUT`` is locked for the
    run; each stage refuses a folder holding a run of other settings or inputs unless ``force``.
    A stage that writes no document stops the run (NothingProduced) unless ``allow_empty``.
    """
    selected = select(pipe, only)
    first = selected[0]
    expanded = None
    if inputs is not None:
        if not inputs:
            raise PipelineError("no input given: the input list is empty")
        expanded = expand_inputs(inputs, input_suffixes(first.stage))
        if not expanded:
            raise PipelineError(
                f"no input files for stage {first.name!r} (suffixes {', '.join(input_suffixes(first.stage))}) "
                f"in {', '.join(inputs)}"
            )
    current = _stage_inputs(pipe, first, output, expanded)
    if not current:
        raise PipelineError(f"no input files for stage {first.name!r}")
    if check:
        check_inputs(current)
    outdir.prepare(output)
    with outdir.lock(output):
        return _run_selected(pipe, selected, current, output, engine, retries, force, allow_empty)


def _run_selected(
    pipe: Pipeline,
    selected: list[PipelineStage],
    current: list[str],
    output: str,
    engine: Any,
    retries: int,
    force: bool,
    allow_empty: bool,
) -> dict[str, Any]:
    first = selected[0]
    if not force:
        _check_previous_run(output, selected, current)
    record = {
        "pipeline": pipe.name,
        "path": pipe.path,
        "inputs": current if first.index == 1 else _recorded_inputs(output),
        "stages": [{"name": s.name, "stage": s.stage, "folder": s.folder, "settings": s.settings} for s in pipe.stages],
    }
    write_json(Path(output) / "pipeline.json", record)
    summaries: dict[str, Any] = {}
    for st in selected:
        folder = str(Path(output) / st.folder)
        if st is not first:
            current = _stage_inputs(pipe, st, output, None)
        log.info("stage %d/%d %s: %d input(s) -> %s", st.index, len(pipe.stages), st.name, len(current), folder)
        summary = run_stage(
            st.stage,
            current,
            folder,
            st.settings,
            engine=engine,
            retries=retries,
            force=force,
            allow_empty=allow_empty,
        )
        summaries[st.name] = summary
        current = [o for o in summary.get("outputs", []) if os.path.exists(o)]
    return write_run_summary(output, pipe)


def _recorded_inputs(output: str) -> list[str] | None:
    try:
        return json.loads((Path(output) / "pipeline.json").read_text()).get("inputs")
    except (OSError, ValueError):
        return None


def write_run_summary(output: str, pipe: Pipeline) -> dict[str, Any]:
    """``OUT/summary.json``: each completed stage's merged stats, in pipeline order."""
    stages = []
    for st in pipe.stages:
        p = Path(output) / st.folder / "stats.json"
        if p.exists():
            s = json.loads(p.read_text())
            s = {k: v for k, v in s.items() if k not in ("inputs", "outputs")}
            stages.append({"name": st.name, "folder": st.folder, **s})
    summary = {"pipeline": pipe.name, "output": str(output), "stages": stages}
    write_json(Path(output) / "summary.json", summary)
    return summary
