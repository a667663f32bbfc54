"""SIGKILL a run at several points, run it again, and get exactly the output of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.pipeline_toys import data_digests, write_inputs, write_pipeline

ROOT = str(Path(__file__).resolve().parent.parent)


def _cmd(pipe: str, inputs: str, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "obelics", "-q", "run", pipe, "--input", inputs, "--output", str(out),
            "--workers", str(workers)]  # fmt: skip


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)}


def _markers(out: Path) -> int:
    # os.walk, not rglob: stages delete their work folders while we look
    return sum(1 for _, _, files in os.walk(out) for f in files if f.endswith(".stats.json"))


def _run_and_kill(cmd: list[str], out: Path, at_markers: int, whole_group: bool, timeout: float = 60) -> bool:
    """Start the run; SIGKILL it once ``at_markers`` task markers exist. False if it finished first."""
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            assert proc.returncode == 0, proc.stderr.read().decode()
            return False
        if _markers(out) >= at_markers:
            if whole_group:  # the machine goes away: driver and workers at once
                os.killpg(proc.pid, signal.SIGKILL)
            else:  # only the driver: its pool workers must die with it
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.01)
    proc.kill()
    raise AssertionError("the run did not reach the kill point in time")


def test_sigkill_at_several_points_then_rerun_gives_identical_output(tmp_path):
    inputs = tmp_path / "in"
    write_inputs(inputs, n_files=8, lines=30)
    pipe = write_pipeline(tmp_path / "p.yaml", "sleep: 0.15")
    ref = tmp_path / "ref"
    subprocess.run(_cmd(pipe, str(inputs), ref, 2), env=_env(), check=True, capture_output=True)
    expected = data_digests(ref)
    assert len(expected) == 26  # 8 + 8 + 8 shards, 2 folder cards (README.md)

    out = tmp_path / "out"
    cmd = _cmd(pipe, str(inputs), out, 2)
    kills = 0
    for at, whole_group in ((0, True), (5, False), (11, True), (19, False)):
        kills += _run_and_kill(cmd, out, at, whole_group)
        time.sleep(0.2)
        # nothing half-written is ever visible under a final name
        for p in out.rglob("*.parquet"):
            assert p.stat().st_size > 0
    assert kills >= 3
    time.sleep(0.5)  # any worker still alive would write now: there must be none
    before = data_digests(out)
    subprocess.run(cmd, env=_env(), check=True, capture_output=True)
    assert data_digests(out) == expected
    visible = {k for k in before if not Path(k).name.startswith(".")}
    assert visible <= set(expected)  # killed runs left only complete files under final names
    assert all(before[k] == expected[k] for k in visible)
    # the temp files of the killed writers are gone from the stage folders
    assert not list(out.rglob(".*.tmp"))
