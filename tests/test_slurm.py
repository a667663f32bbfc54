"""The Slurm engine on a real single-node Slurm (slurm-wlm + munge on 127.0.0.1).

The cluster is started by the session fixture; if it cannot start, the tests fail
(they are not skipped): install the packages of .ci/apt-packages.txt as root.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from obelics.run.engines.local import LocalEngine
from obelics.run.engines.slurm import SlurmEngine
from obelics.run.pipeline import load_pipeline, run_pipeline
from obelics.run.runner import StageFailed
from tests.pipeline_toys import data_digests, write_inputs, write_pipeline
from tests.slurm_cluster import SlurmCluster

ROOT = str(Path(__file__).resolve().parent.parent)


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm")).start()
    old = {k: os.environ.get(k) for k in ("SLURM_CONF", "PYTHONPATH")}
    os.environ["SLURM_CONF"] = str(cluster.conf)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, old["PYTHONPATH"]) if p)
    yield cluster
    cluster.stop()
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_pipeline_on_slurm_arrays_matches_local(slurm, tmp_path):
    inputs = write_inputs(tmp_path / "in", n_files=5)
    pipe = load_pipeline(write_pipeline(tmp_path / "p.yaml"))
    run_pipeline(pipe, inputs, str(tmp_path / "local"), engine=LocalEngine(1))
    engine = SlurmEngine(tasks_per_job=2, poll_interval=0.3)  # 5 tasks -> arrays of 3 array tasks
    summary = run_pipeline(pipe, inputs, str(tmp_path / "slurm"), engine=engine)
    assert data_digests(tmp_path / "slurm") == data_digests(tmp_path / "local")
    assert len(data_digests(tmp_path / "slurm")) == 17  # and the 2 folder cards
    # three job arrays (gen; vocab's two steps, the second submitted with afterok on the first)
    assert len(engine.submitted) == 3
    jobs = sorted((tmp_path / "slurm").glob("*/_slurm/*/job.sh"))
    assert len(jobs) == 3 and all("#SBATCH --array=0-2" in j.read_text() for j in jobs)
    assert sorted(len(list(j.parent.glob("logs/*.out"))) for j in jobs) == [3, 3, 3]
    vocab = summary["stages"][1]
    assert vocab["tasks"] == 10 and vocab["documents_out"] == 100 and "skipped_done" not in vocab
    # the task logs were written on the node
    assert "attempt 1 of 2" in (tmp_path / "slurm" / "01-gen" / "logs" / "part0_txt.log").read_text()


def test_slurm_failure_is_reported_and_the_next_step_never_starts(slurm, tmp_path):
    inputs = write_inputs(tmp_path / "in", n_files=4)
    flag = tmp_path / "flag"
    flag.write_text("1")
    text = (
        "stages:\n  - stage: tests.pipeline_toys.vocab\n    name: vocab\n"
        f"    settings: {{fail_on: part1_txt, fail_flag: {flag}, fail_step: 1}}\n"
    )
    (tmp_path / "v.yaml").write_text(text)
    # the vocab stage reads Parquet: make its inputs with the gen stage first, locally
    gen = load_pipeline(write_pipeline(tmp_path / "g.yaml"))
    run_pipeline(gen, inputs, str(tmp_path / "g"), only=["gen"], engine=LocalEngine(1))
    shards = sorted(str(p) for p in (tmp_path / "g" / "01-gen").glob("*.parquet"))
    pipe = load_pipeline(tmp_path / "v.yaml")
    engine = SlurmEngine(tasks_per_job=2, poll_interval=0.3)
    with pytest.raises(StageFailed) as e:
        run_pipeline(pipe, shards, str(tmp_path / "o"), engine=engine, retries=1)
    assert len(engine.submitted) == 2  # both steps submitted at once, the second with afterok
    assert len(e.value.failed) == 1 and "asked to fail on part1_txt" in e.value.failed[0]["error"]
    log = Path(e.value.failed[0]["log"])
    assert log.read_text().count("failed\nTraceback") == 2  # tried twice on the node
    out = tmp_path / "o" / "01-vocab"
    counts = sorted(p.name for p in (out / "_work" / "counts").glob("*.json") if "stats" not in p.name)
    assert counts == ["part0_txt.json", "part2_txt.json", "part3_txt.json"]  # the others of the step completed
    assert not list(out.glob("*.parquet"))  # step 2 never started (its dependency failed; it was cancelled)
    assert json.loads((out / "stats.json").read_text())["failed_tasks"][0]["task"] == "part1_txt"
    # rerun once the cause is gone: only what is missing runs
    flag.unlink()
    before = set(out.glob("_slurm/*"))
    engine = SlurmEngine(tasks_per_job=2, poll_interval=0.3)
    run_pipeline(pipe, shards, str(tmp_path / "o"), engine=engine)
    new = sorted(set(out.glob("_slurm/*")) - before)
    assert len(engine.submitted) == 2 and len(new) == 2
    assert sorted(sum(len(f.read_text().splitlines()) for f in (d / "tasks").glob("*.jsonl")) for d in new) == [1, 4]
    run_pipeline(pipe, shards, str(tmp_path / "ref"), engine=LocalEngine(1))
    assert data_digests(tmp_path / "o") == data_digests(tmp_path / "ref")


def test_killed_driver_is_restarted_and_adopts_its_running_jobs(slurm, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    inputs = write_inputs(tmp_path / "in", n_files=4)
    pipe_file = write_pipeline(tmp_path / "p.yaml", "sleep: 1.5")
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "obelics", "-q", "run", pipe_file, "--input", str(tmp_path / "in"),
           "--output", str(out), "--engine", "slurm", "--slurm-tasks-per-job", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    jobs = out / "01-gen" / "_slurm" / "jobs.json"
    deadline = time.time() + 60
    while not jobs.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert jobs.exists(), "the driver did not submit"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver dies; its job array goes on in Slurm
    proc.wait()
    first = json.loads(jobs.read_text())
    assert len(first) == 1
    engine = SlurmEngine(tasks_per_job=2, poll_interval=0.3)
    run_pipeline(load_pipeline(pipe_file), inputs, str(out), engine=engine)
    # the restarted driver waited for the running array instead of submitting the gen tasks again
    assert json.loads(jobs.read_text()) == first
    assert len(engine.submitted) == 2  # only vocab's two steps
    run_pipeline(load_pipeline(pipe_file), inputs, str(tmp_path / "ref"), engine=LocalEngine(1))
    assert data_digests(out) == data_digests(tmp_path / "ref")
