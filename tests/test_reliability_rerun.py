"""Reruns into a used output folder: one fingerprint rule for every stage, --force, and a lock per folder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from obelics.cli import main as cli
from obelics.document import Document, Node, image_metadata
from obelics.io.parquet import write_documents
from obelics.run import outdir
from obelics.run.fingerprint import RECORD, FingerprintMismatch
from obelics.run.runner import run_stage
from tests.pipeline_toys import write_inputs, write_pipeline
from tests.test_filter_stage import EN, english_doc

ROOT = Path(__file__).resolve().parent.parent


def one_image_doc() -> Document:
    url = "http://img.test/single.png"
    return Document.from_nodes(
        [Node(text=f"{EN[0]} {EN[3]}"), Node(image=url, meta=image_metadata(url)), Node(text=f"{EN[5]} {EN[6]}")],
        {"url": "http://example.org/single"},
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("corpus")
    write_documents(d / "a.parquet", [english_doc(0), english_doc(1), one_image_doc()])
    write_documents(d / "b.parquet", [english_doc(2), english_doc(3), english_doc(1)])  # doc 1 twice
    return [str(d / "a.parquet"), str(d / "b.parquet")]


def data_files(folder: Path) -> dict[str, tuple[str, int]]:
    """Data files (not stats, logs, work or hidden files): name -> (sha256, mtime_ns)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or p.name.endswith("stats.json") or any(x.startswith((".", "_")) for x in rel.parts):
            continue
        if rel.parts[0] == "logs":
            continue
        out[str(rel)] = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    return out


def digests(folder: Path) -> dict[str, str]:
    return {k: v[0] for k, v in data_files(folder).items()}


def settings_of(folder: Path) -> dict:
    return json.loads((folder / "stats.json").read_text())["settings"]


# stage, settings of the first run, the changed settings, whether the data must differ
CASES = [
    ("filter", {}, {"min_images": 3}, True),
    ("dedup", {"passes": ["paragraph"]}, {"passes": ["url"]}, True),
    ("shard", {}, {"max_documents": 2}, True),
    ("export", {}, {"keep_extra": True, "row_group_size": 1}, True),
]


@pytest.mark.parametrize("stage,first,changed,differs", CASES, ids=[c[0] for c in CASES])
def test_changed_settings_refused_then_force_redoes(corpus, tmp_path, stage, first, changed, differs):
    out = tmp_path / "out"
    run_stage(stage, corpus, str(out), first)
    before = data_files(out)
    assert before and (out / RECORD).exists()
    # the same settings again: nothing redone
    again = run_stage(stage, corpus, str(out), first)
    assert again.get("skipped_done") and data_files(out) == before
    with pytest.raises(FingerprintMismatch, match=f"{stage}: .* holds a run with other inputs or settings .*--force"):
        run_stage(stage, corpus, str(out), changed)
    assert data_files(out) == before  # refused before touching anything
    run_stage(stage, corpus, str(out), changed, force=True)
    after = data_files(out)
    assert all(settings_of(out)[k] == v for k, v in changed.items())
    assert all(after.get(name, ("", 0))[1] != mtime for name, (_, mtime) in before.items())  # nothing old kept
    if differs:
        assert digests(out) != {k: v[0] for k, v in before.items()}


def test_filter_via_cli_one_line_exit_2_and_force(corpus, tmp_path, capsys):
    out = tmp_path / "f"
    assert cli(["-q", "filter", *corpus, "-o", str(out)]) == 0
    kept = json.loads((out / "stats.json").read_text())["documents_out"]
    capsys.readouterr()
    assert cli(["-q", "filter", *corpus, "-o", str(out), "--set", "min_images=3"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "min_images: 1 -> 3" in err and "--force" in err, err
    assert cli(["-q", "filter", *corpus, "-o", str(out), "--set", "min_images=3", "--force"]) == 0
    assert json.loads((out / "stats.json").read_text())["documents_out"] == kept - 1  # the one-image page
    # a setting that changes how, not what (progress) is free to change
    assert cli(["-q", "filter", *corpus, "-o", str(out), "--set", "min_images=3", "--set", "progress=false"]) == 0


def test_optout_list_added_or_changed_is_refused(corpus, tmp_path, capsys):
    out = tmp_path / "o"
    lst = tmp_path / "optout.txt"
    lst.write_text("http://example.org/0\n")
    assert cli(["-q", "optout", *corpus, "-o", str(out)]) == 0
    n = json.loads((out / "stats.json").read_text())["documents_out"]
    assert cli(["-q", "optout", *corpus, "-o", str(out), "--list", str(lst)]) == 2
    assert "lists: [] -> [" in capsys.readouterr().err
    assert cli(["-q", "optout", *corpus, "-o", str(out), "--list", str(lst), "--force"]) == 0
    assert json.loads((out / "stats.json").read_text())["documents_out"] == n - 1
    lst.write_text("http://example.org/0\nhttp://example.org/2\n")  # same file, other contents
    assert cli(["-q", "optout", *corpus, "-o", str(out), "--list", str(lst)]) == 2
    assert "the contents of optout.txt (lists)" in capsys.readouterr().err
    assert cli(["-q", "optout", *corpus, "-o", str(out), "--list", str(lst), "--force"]) == 0
    assert json.loads((out / "stats.json").read_text())["documents_out"] == n - 2


def test_extract_mode_changed_is_refused_and_force_redoes(data_dir, tmp_path, capsys):
    out = tmp_path / "x"
    warc = str(data_dir / "cc-whirlwind.warc.gz")
    assert cli(["-q", "extract", warc, "-o", str(out), "--no-progress"]) == 0
    before = data_files(out)
    assert cli(["-q", "extract", warc, "-o", str(out), "--no-progress", "--mode", "obelics"]) == 2
    assert "mode: 'main-content' -> 'obelics'" in capsys.readouterr().err
    assert data_files(out) == before
    assert cli(["-q", "extract", warc, "-o", str(out), "--no-progress", "--mode", "obelics", "--force"]) == 0
    assert settings_of(out)["mode"] == "obelics" and digests(out) != {k: v[0] for k, v in before.items()}


def test_images_refuses_through_the_shared_runner(tmp_path):
    src = "http://127.0.0.1:9/a.jpg"  # loopback: refused by the guard, nothing is fetched
    doc = Document.from_nodes(
        [Node(text="one"), Node(image=src, meta=image_metadata(src)), Node(text="two")], {"url": "http://p.example/"}
    )
    write_documents(tmp_path / "in.parquet", [doc])
    inputs, out = [str(tmp_path / "in.parquet")], str(tmp_path / "img")
    run_stage("images", inputs, out, {"processes_count": 1}, allow_empty=True)
    before = data_files(Path(out))
    with pytest.raises(FingerprintMismatch, match="min_side: 150 -> 10"):
        run_stage("images", inputs, out, {"processes_count": 1, "min_side": 10}, allow_empty=True)
    # processes_count changes how, not what
    run_stage("images", inputs, out, {"processes_count": 2}, allow_empty=True)
    run_stage("images", inputs, out, {"processes_count": 1, "min_side": 10}, allow_empty=True, force=True)
    assert settings_of(Path(out))["min_side"] == 10
    assert all(data_files(Path(out))[k][1] != m for k, (_, m) in before.items())


def test_other_inputs_into_the_same_folder_are_refused(corpus, tmp_path, capsys):
    out = tmp_path / "s"
    assert cli(["-q", "shard", corpus[0], "-o", str(out)]) == 0
    assert cli(["-q", "shard", *corpus, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "inputs (1 -> 2 files, new b.parquet)" in err and "--force" in err
    assert json.loads((out / "stats.json").read_text())["inputs"] == [corpus[0]]  # the stats are the first run's


def test_upstream_redone_makes_the_next_stage_stale(corpus, tmp_path, capsys):
    f, s = tmp_path / "f", tmp_path / "s"
    assert cli(["-q", "filter", *corpus, "-o", str(f)]) == 0
    assert cli(["-q", "shard", str(f), "-o", str(s)]) == 0
    assert cli(["-q", "filter", *corpus, "-o", str(f), "--set", "min_images=3", "--force"]) == 0
    assert cli(["-q", "shard", str(f), "-o", str(s)]) == 2
    assert f"the inputs in {f} were remade by another run" in capsys.readouterr().err


def test_folder_of_an_older_version_is_refused(corpus, tmp_path, capsys):
    out = tmp_path / "old"
    run_stage("shard", corpus, str(out))
    (out / RECORD).unlink()  # as an older version left it
    assert cli(["-q", "shard", *corpus, "-o", str(out)]) == 2
    assert "made by an older version" in capsys.readouterr().err
    (out / "notes.txt").write_text("mine")
    assert cli(["-q", "shard", *corpus, "-o", str(out), "--force"]) == 0


def test_force_keeps_what_was_in_the_folder_before(corpus, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    run_stage("filter", corpus, str(out))
    run_stage("filter", corpus, str(out), {"min_images": 3}, force=True)
    assert (out / "notes.txt").read_text() == "mine"


def test_a_held_lock_refuses_a_second_run(corpus, tmp_path, capsys):
    out = tmp_path / "l"
    outdir.prepare(str(out))
    with outdir.lock(str(out)):
        assert cli(["-q", "filter", *corpus, "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("obelics: error:") and "in use by another run (pid " in err
    assert not (out / ".lock").exists()
    assert cli(["-q", "filter", *corpus, "-o", str(out)]) == 0


def test_two_concurrent_pipeline_runs_second_refused(tmp_path):
    write_inputs(tmp_path / "in")
    pipe = write_pipeline(tmp_path / "toy.yaml", "sleep: 0.5")
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "obelics", "-q", "run", pipe, "--input", str(tmp_path / "in"), "--output", str(out)]
    first = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while not (out / "01-gen" / ".lock").exists() and time.time() < deadline:
            time.sleep(0.05)
        second = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True, timeout=120)
        assert second.returncode == 2
        assert "in use by another run" in second.stderr and "Traceback" not in second.stderr
    finally:
        _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    stats = json.loads((out / "02-vocab" / "stats.json").read_text())
    assert stats["documents_out"] == 100 and not list(out.rglob(".lock"))


def test_export_without_bytes_over_an_export_with_bytes(corpus, tmp_path, capsys):
    out = tmp_path / "e"
    assert cli(["-q", "export", *corpus, "-o", str(out), "--with-bytes"]) == 0
    card = (out / "README.md").read_text()
    assert cli(["-q", "export", *corpus, "-o", str(out)]) == 2
    assert "format: 'bytes' -> 'hub'" in capsys.readouterr().err
    assert (out / "README.md").read_text() == card  # the card still describes the data beside it
    assert cli(["-q", "export", *corpus, "-o", str(out), "--force"]) == 0
    assert settings_of(out)["format"] == "hub"
