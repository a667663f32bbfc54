"""The Ray engine on a real local Ray cluster, compared byte for byte with the local engine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from obelics.run.engines.local import LocalEngine
from obelics.run.engines.ray import RayEngine
from obelics.run.pipeline import load_pipeline, run_pipeline
from obelics.run.runner import StageFailed
from tests.pipeline_toys import data_digests, write_inputs, write_pipeline

ROOT = str(Path(__file__).resolve().parent.parent)


@pytest.fixture
def ray_env(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # Ray writes ~/.ray: keep it in the test's folder
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    (tmp_path / "home").mkdir()
    return tmp_path


def test_pipeline_on_ray_matches_local_and_reports_failures(ray_env):
    tmp = ray_env
    inputs = write_inputs(tmp / "in", n_files=5)
    pipe = load_pipeline(write_pipeline(tmp / "p.yaml"))
    run_pipeline(pipe, inputs, str(tmp / "local"), engine=LocalEngine(1))
    engine = RayEngine(num_cpus=2, temp_dir="/tmp/ray-obelics-test")
    try:
        summary = run_pipeline(pipe, inputs, str(tmp / "ray"), engine=engine)
        assert data_digests(tmp / "ray") == data_digests(tmp / "local")
        assert summary["stages"][1]["tasks"] == 10 and "skipped_done" not in summary["stages"][1]
        # a failing task on Ray: retried, reported with its log, the others complete
        flag = tmp / "flag"
        flag.write_text("1")
        bad = load_pipeline(write_pipeline(tmp / "f.yaml", f"fail_on: part3_txt, fail_flag: {flag}"))
        with pytest.raises(StageFailed) as e:
            run_pipeline(bad, inputs, str(tmp / "f"), engine=engine, retries=1)
        assert [f["task"] for f in e.value.failed] == ["part3_txt"]
        assert Path(e.value.failed[0]["log"]).read_text().count("failed\nTraceback") == 2
        assert len(list((tmp / "f" / "01-gen").glob("*.parquet"))) == 4
    finally:
        engine.close()
