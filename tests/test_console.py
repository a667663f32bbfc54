"""The console when not on a terminal: one rounded summary per stage on stdout, plain logs on stderr."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from obelics.document import Node, image_metadata
from obelics.io.parquet import write_documents
from obelics.stats import format_summary, refusal_hints
from tests.test_filter_stage import english_doc, french_doc

ROOT = Path(__file__).resolve().parent.parent


def obelics(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "obelics", *argv]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "docs"
    write_documents(d / "a.parquet", [english_doc(i) for i in range(6)] + [english_doc(0), french_doc()])
    return d


def test_stage_summary_once_on_stdout_no_escape_codes_named_steps(folder, tmp_path):
    r = obelics("dedup", str(folder), "-o", str(tmp_path / "d"))
    assert r.returncode == 0, r.stderr
    out, err = r.stdout, r.stderr
    assert out.startswith("dedup: 8 -> ") and out.count("dedup:") == 1  # once, on stdout
    assert "removed_documents: url_duplicate 1" in out and len(out.splitlines()) <= 12
    assert not re.search(r"\d\.\d{4,}", out)  # rounded
    assert "\r" not in out + err and "\x1b" not in out + err  # no progress bars in a pipe
    assert re.search(r"dedup step 3/\d+: [a-z]\S+: \d+ task", err)
    assert "documents_out" not in err  # the summary is not repeated in the logs


def test_pipeline_prints_one_summary_per_stage(folder, tmp_path):
    pipe = tmp_path / "p.yaml"
    pipe.write_text("stages:\n  - stage: filter\n    settings: {nsfw_images: false}\n  - optout\n")
    r = obelics("run", str(pipe), "--input", str(folder), "-o", str(tmp_path / "run"))
    assert r.returncode == 0, r.stderr
    heads = [line.split(":")[0] for line in r.stdout.splitlines() if not line.startswith(" ")]
    assert heads[:2] == ["filter", "optout"] and "\r" not in r.stderr


def test_a_whole_class_refused_gives_a_hint(tmp_path):
    url = "http://127.0.0.1:9/a.png"
    doc = english_doc(1)
    doc = doc.from_nodes([Node(text="some words here"), Node(image=url, meta=image_metadata(url))], {"url": "x"})
    write_documents(tmp_path / "in" / "a.parquet", [doc])
    r = obelics("images", str(tmp_path / "in"), "-o", str(tmp_path / "o"), "--set", "processes_count=1")
    assert r.returncode == 0, r.stderr
    assert "every image was removed (1), most as guard:loopback (1)" in r.stderr
    assert "allow_loopback=true" in r.stderr


def test_summary_and_hints_are_short_and_rounded():
    s = {"stage": "x", "documents_in": 10, "documents_out": 0, "tasks": 1, "seconds": 1.23456789}
    s["removed_documents"] = {f"r{i}": i + 1 for i in range(9)}
    text = format_summary(s, "OUT/stats.json")
    assert text.splitlines()[0] == "x: 10 -> 0 documents, 1 task, 1.23 s of task time (all figures: OUT/stats.json)"
    assert "r8 9, r7 8" in text and "+3 more" in text
    assert refusal_hints(s, {"r8": "do this"}) == ["every document was removed (45), most as r8 (9): do this"]
    assert refusal_hints({**s, "documents_out": 3}) == []


def test_preview_prints_texts_and_images_in_order(folder):
    r = obelics("preview", str(folder), "-n", "2", "--chars", "40")
    assert r.returncode == 0, r.stderr
    blocks = r.stdout.strip().split("\n\n")
    assert len(blocks) == 2 and blocks[0].startswith("[1] http://example.org/0  (7 positions, 3 images)")
    kinds = [line.split(":")[0].strip() for line in blocks[0].splitlines()[1:] if line.startswith("  ") and ":" in line]
    assert kinds[:4] == ["text", "image", "text", "image"]
    assert "image: http://img.test/0/0.png" in blocks[0]
    assert obelics("preview", str(folder / "nope")).returncode == 2
