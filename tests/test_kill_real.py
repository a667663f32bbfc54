"""SIGKILL a run of the real stages (the demo pipeline: extract, images from a loopback server, filter,
opt-out, dedup, shard) at several points; the rerun's outputs are byte for byte those of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from obelics.data.demo import ImageServer, load_pages, write_images, write_warc
from tests.pipeline_toys import data_digests

PIPELINE = str(Path(__file__).resolve().parent.parent / "obelics" / "data" / "pipelines" / "demo.yaml")


def _markers(out: Path) -> int:
    # os.walk, not rglob: stages delete their work folders while we look
    return sum(1 for _, _, files in os.walk(out) for f in files if f.endswith(".stats.json"))


def _outputs(out: Path) -> dict[str, str]:
    """Digests of the stages' outputs; ``_work`` folders hold intermediate files (some of them counters)."""
    return {k: v for k, v in data_digests(out).items() if "/_work/" not in k}


def test_real_stages_survive_sigkill(tmp_path):
    sample = load_pages()
    write_images(tmp_path / "img", sample)
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1"}

    def cmd(out: Path) -> list[str]:
        return [sys.executable, "-m", "obelics", "-q", "run", PIPELINE, "--input", str(tmp_path / "in"),
                "--output", str(out), "--workers", "2"]  # fmt: skip

    with ImageServer(tmp_path / "img") as server:
        pages = sample["pages"]
        for i in range(3):  # three WARCs: several tasks per step
            part = {"images": sample["images"], "pages": pages[i::3]}
            write_warc(tmp_path / "in" / f"part{i}.warc.gz", server.url, part)
        # the reference runs in the same folder name as the killed run, so the paths recorded inside match
        work = tmp_path / "work"
        subprocess.run(cmd(work / "out"), env=env, check=True, capture_output=True)
        expected = _outputs(work / "out")
        assert any(k.endswith(".tar") for k in expected) and any(k.startswith("02-images/") for k in expected)
        total = _markers(work / "out")
        (work / "out").rename(tmp_path / "ref")

        out = work / "out"
        kills = 0
        for at in (total // 4, total // 2, (4 * total) // 5):
            proc = subprocess.Popen(
                cmd(out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            while proc.poll() is None and _markers(out) < at:
                time.sleep(0.005)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                kills += 1
            proc.wait()
        assert kills == 3
        subprocess.run(cmd(out), env=env, check=True, capture_output=True)
    assert _outputs(out) == expected
    assert not list(out.rglob(".*.tmp"))
