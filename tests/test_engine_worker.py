"""The worker program that engines' jobs run: groups of tasks from a task file or folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obelics.run.engines import EngineError, make_engine
from obelics.run.engines.local import LocalEngine
from obelics.run.runner import run_stage
from obelics.run.task import Task
from obelics.run.worker import main, read_group
from tests.pipeline_toys import write_inputs


def _tasks(tmp_path: Path, fail: str = "") -> list[Task]:
    from tests.pipeline_toys import gen

    flag = tmp_path / "flag"
    flag.write_text("1")
    inputs = write_inputs(tmp_path / "in", n_files=5)
    settings = {**gen.DEFAULTS, "fail_on": fail, "fail_flag": str(flag)}
    return gen.plan(inputs, str(tmp_path / "out"), settings)[0]


def test_worker_runs_one_group_of_a_task_file(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    tasks = _tasks(tmp_path, fail="part3_txt")
    listing = tmp_path / "tasks.jsonl"
    listing.write_text("".join(t.to_json() + "\n" for t in tasks))
    assert [n for n, _ in read_group(str(listing), 1, 2)] == [2, 3]
    assert main([str(listing), "--index", "1", "--group-size", "2", "--retries", "0"]) == 1
    assert [t.is_done() for t in tasks] == [False, False, True, False, False]
    record = json.loads((tmp_path / "failed" / "3.json").read_text())
    assert record["task"] == "part3_txt" and "asked to fail" in record["error"]
    # a folder of one file per group, as the Slurm engine writes it
    (tmp_path / "groups").mkdir()
    (tmp_path / "groups" / "0.jsonl").write_text("".join(t.to_json() + "\n" for t in tasks[:2]))
    monkeypatch.setenv("SLURM_ARRAY_TASK_ID", "0")
    assert main([str(tmp_path / "groups"), "--group-size", "2", "--workers", "2"]) == 0
    assert [t.is_done() for t in tasks] == [True, True, True, False, False]


def test_tasks_round_trip_as_json(tmp_path):
    t = _tasks(tmp_path)[0]
    assert Task.from_json(t.to_json()) == t


def test_make_engine_and_stage_by_module_path(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    assert isinstance(make_engine("local", workers=2), LocalEngine)
    with pytest.raises(ValueError, match="allowed: local, slurm, ray"):
        make_engine("spark")
    inputs = write_inputs(tmp_path / "in", n_files=2)
    summary = run_stage("tests.pipeline_toys.gen", inputs, str(tmp_path / "o"))
    assert summary["documents_out"] == 40 and len(summary["outputs"]) == 2
    assert issubclass(EngineError, RuntimeError)


def test_engine_options_build_engines():
    from obelics.cli import build_parser
    from obelics.commands._common import engine_from_args
    from obelics.run.engines.ray import RayEngine
    from obelics.run.engines.slurm import SlurmEngine

    parse = build_parser().parse_args
    e = engine_from_args(parse(["run", "demo", "-o", "x", "--workers", "3"]))
    assert isinstance(e, LocalEngine) and e.workers == 3
    argv = ["run", "demo", "-o", "x", "--engine", "slurm", "--slurm-partition", "cpu", "--slurm-cpus", "8"]
    argv += ["--slurm-time", "2:00:00", "--slurm-tasks-per-job", "4", "--slurm-sbatch-arg=--qos=low"]
    e = engine_from_args(parse(argv))
    assert isinstance(e, SlurmEngine) and (e.partition, e.cpus_per_task, e.time_limit, e.tasks_per_job) == (
        "cpu",
        8,
        "2:00:00",
        4,
    )
    script = e._script(Path("/j"), groups=3, size=4, retries=2, name="obelics-x-1")
    assert "#SBATCH --array=0-2" in script and "#SBATCH --qos=low" in script and "#SBATCH --partition=cpu" in script
    assert "--group-size 4 --retries 2 --workers 8" in script
    e = engine_from_args(parse(["extract", "a.warc", "-o", "x", "--engine", "ray", "--ray-address", "auto"]))
    assert isinstance(e, RayEngine) and e.address == "auto"
