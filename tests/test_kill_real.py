"""SIGKILL the real stages (extract, filter, opt-out, dedup, shard) at several points; the rerun's output
is byte for byte the output of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from obelics.data.demo import load_pages, write_warc
from tests.pipeline_toys import data_digests

PIPELINE = """name: real
stages:
  - stage: extract
    settings: {mode: obelics}
  - stage: filter
    settings: {nsfw_images: false}
  - optout
  - stage: dedup
    settings: {passes: [url, paragraph, image_set]}
  - stage: shard
    settings: {name: killtest}
"""


def _warcs(folder: Path, parts: int = 4) -> list[str]:
    sample = load_pages()
    pages = sample["pages"]
    paths = []
    for i in range(parts):
        p = folder / f"part{i}.warc.gz"
        write_warc(p, "http://127.0.0.1:9/img", {"images": sample["images"], "pages": pages[i::parts]})
        paths.append(str(p))
    return paths


def _markers(out: Path) -> int:
    return sum(1 for _ in out.rglob("*.stats.json")) if out.exists() else 0


def test_real_stages_survive_sigkill(tmp_path):
    _warcs(tmp_path / "in")
    pipe = tmp_path / "real.yaml"
    pipe.write_text(PIPELINE)
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1"}

    def cmd(out: Path) -> list[str]:
        return [sys.executable, "-m", "obelics", "-q", "run", str(pipe), "--input", str(tmp_path / "in"),
                "--output", str(out), "--workers", "2"]  # fmt: skip

    # the reference runs in the same folder name as the killed run, so the paths recorded inside match
    work = tmp_path / "work"
    subprocess.run(cmd(work / "out"), env=env, check=True, capture_output=True)
    expected = data_digests(work / "out")
    assert any(k.endswith(".tar") for k in expected) and any(k.startswith("04-dedup/") for k in expected)
    (work / "out").rename(tmp_path / "ref")

    out = work / "out"
    total = _markers(tmp_path / "ref")
    kills = 0
    for at in (total // 4, (2 * total) // 3):
        proc = subprocess.Popen(
            cmd(out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        while proc.poll() is None and _markers(out) < at:
            time.sleep(0.005)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills == 2
    subprocess.run(cmd(out), env=env, check=True, capture_output=True)
    assert data_digests(out) == expected
    assert not list(out.rglob(".*.tmp"))
