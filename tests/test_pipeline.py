"""Pipeline files and `obelics run`: chaining, subsets, reruns, validation, failures."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest

from obelics.cli import main
from obelics.run.pipeline import PipelineError, find_pipeline, load_pipeline, parse_stage_overrides
from obelics.run.runner import stage_settings
from obelics.run.settings import SettingsError
from tests.pipeline_toys import data_digests, write_inputs, write_pipeline


@pytest.fixture
def toy(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    write_inputs(tmp_path / "in")
    return tmp_path, write_pipeline(tmp_path / "toy.yaml")


def run(*argv: str) -> int:
    return main(["-q", "run", *argv])


def test_run_chains_stages_and_reruns_nothing(toy):
    tmp, pipe = toy
    assert run(pipe, "--input", str(tmp / "in"), "--output", str(tmp / "a")) == 0
    out = tmp / "a"
    assert sorted(p.name for p in out.iterdir()) == ["01-gen", "02-vocab", "pipeline.json", "summary.json"]
    vocab = json.loads((out / "02-vocab" / "stats.json").read_text())
    assert vocab["inputs"] == [str(out / "01-gen" / f"part{i}_txt.parquet") for i in range(5)]
    assert vocab["documents_out"] == 100 and vocab["tasks"] == 10  # two steps of five tasks
    summary = json.loads((out / "summary.json").read_text())
    assert [s["name"] for s in summary["stages"]] == ["gen", "vocab"]
    digests = data_digests(out)
    assert len(digests) == 17  # 5 gen shards, 5 counts, 5 vocab shards, 2 folder cards (README.md)
    # a rerun finds every task done and changes nothing
    assert run(pipe, "--input", str(tmp / "in"), "--output", str(out)) == 0
    again = json.loads((out / "02-vocab" / "stats.json").read_text())
    assert again["skipped_done"] == 10 and data_digests(out) == digests
    # the same run with a pool of two workers gives the same bytes
    assert run(pipe, "--input", str(tmp / "in"), "--output", str(tmp / "b"), "--workers", "2") == 0
    assert data_digests(tmp / "b") == digests


def test_stages_subset_reads_previous_output_and_set_overrides(toy):
    tmp, pipe = toy
    out = tmp / "o"
    assert run(pipe, "--input", str(tmp / "in"), "--output", str(out), "--stages", "gen") == 0
    assert not (out / "02-vocab").exists()
    assert run(pipe, "--output", str(out), "--stages", "vocab", "--set", "vocab.min_count=1000") == 0
    stats = json.loads((out / "02-vocab" / "stats.json").read_text())
    assert stats["settings"]["min_count"] == 1000 and stats["paragraphs_removed"] == 200
    # changing a finished stage's settings needs --force
    assert run(pipe, "--output", str(out), "--stages", "vocab:", "--set", "vocab.min_count=1") == 2
    assert run(pipe, "--output", str(out), "--stages", "vocab:", "--set", "vocab.min_count=1", "--force") == 0
    assert json.loads((out / "02-vocab" / "stats.json").read_text()).get("paragraphs_removed", 0) == 0


def test_bundled_pipelines_load_and_resolve_by_name():
    """Both bundled pipelines name real stages with valid settings (checked against each stage's DEFAULTS)."""
    demo = load_pipeline(find_pipeline("demo"))
    assert demo.names() == ["extract", "images", "filter", "optout", "dedup", "shard"]
    assert demo.stages[1].settings["allow_loopback"] is True
    ob = load_pipeline(find_pipeline("obelics"))
    assert ob.names() == ["extract", "text-filter", "images", "filter", "dedup", "optout", "shard"]
    st = {s.name: s.settings for s in ob.stages}
    assert st["extract"]["mode"] == "obelics" and st["images"]["max_url_count"] == 10
    assert st["images"]["allow_loopback"] is False and st["images"]["max_aspect_ratio"] == 2.0
    assert st["filter"]["document_min_stopwords"] == 0.35 and st["filter"]["max_images"] == 30
    assert st["dedup"]["passes"] == ["url", "paragraph", "image_set", "minhash"]
    # the settings of the filter stage are the declared OBELICS defaults, not restated
    assert st["filter"] == {**stage_settings("filter", {}), "kenlm_model": ""}
    with pytest.raises(PipelineError, match="bundled pipeline: demo, obelics"):
        find_pipeline("nope")


BAD_PIPELINES = [
    ("stages: [", "not valid YAML"),
    ("- a\n- b\n", "want a mapping"),
    ("name: x\n", "'stages' must be a non-empty list"),
    ("stages: []\n", "'stages' must be a non-empty list"),
    ("stages: [gen]\nstagess: 1\n", "unknown key\\(s\\) stagess; allowed: name, description, stages"),
    ("stages:\n  - stage: no_such_stage\n", "unknown stage 'no_such_stage'; allowed:"),
    ("stages:\n  - stage: tests.pipeline_toys.gen\n    settings: {slep: 1}\n", "unknown setting 'slep'; allowed: "),
    (
        "stages:\n  - stage: tests.pipeline_toys.gen\n    settings: {mode: x}\n",
        "'mode' is 'x'; allowed values: plain, upper",
    ),
    ("stages:\n  - stage: tests.pipeline_toys.gen\n    settings: {sleep: soon}\n", "'sleep' must be a number"),
    ("stages:\n  - stage: tests.pipeline_toys.gen\n    setting: {}\n", "unknown key\\(s\\) setting"),
    ("stages:\n  - tests.pipeline_toys.gen\n  - tests.pipeline_toys.gen\n", "the name is used twice"),
    ("stages:\n  - stage: tests.no_such_module.x\n", "cannot be loaded"),
]


@pytest.mark.parametrize("text,message", BAD_PIPELINES)
def test_bad_pipeline_files_fail_fast(toy, capsys, text, message):
    tmp, _ = toy
    p = tmp / "bad.yaml"
    p.write_text(text)
    assert run(str(p), "--input", str(tmp / "in"), "--output", str(tmp / "o")) == 2
    err = capsys.readouterr().err
    assert "obelics: error:" in err
    assert re.search(message, err), err
    assert not (tmp / "o").exists()  # nothing started


def test_bad_overrides_and_stage_names(toy, capsys):
    tmp, pipe = toy
    cases = [
        (["--set", "nope.x=1"], "--set names stage\\(s\\) nope not in pipeline .*its stages: gen, vocab"),
        (["--set", "min_count=1"], "--set wants STAGE.KEY=VALUE"),
        (
            ["--set", "vocab.min_cnt=1"],
            "unknown setting 'min_cnt'; allowed: crash_on, fail_flag, fail_on, fail_step, min_count",
        ),
        (["--stages", "gen,nope"], "--stages: unknown stage 'nope'; the pipeline's stages: gen, vocab"),
    ]
    for extra, message in cases:
        assert run(pipe, "--input", str(tmp / "in"), "--output", str(tmp / "o"), *extra) == 2
        err = capsys.readouterr().err
        assert re.search(message, err), err
    assert not (tmp / "o").exists()
    with pytest.raises(SettingsError, match="'mode' is 'shout'; allowed values: plain, upper"):
        load_pipeline(pipe, parse_stage_overrides(["gen.mode=shout"]))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_bad_inputs_fail_fast(toy, capsys):
    tmp, pipe = toy
    (tmp / "empty").mkdir()
    (tmp / "list.txt").write_text("# nothing\n")
    url = f"http://127.0.0.1:{_closed_port()}/CC-MAIN-0001.warc.gz"
    cases = [
        (["--input", str(tmp / "missing.txt")], "input not found: .*missing.txt"),
        (["--input", str(tmp / "empty")], "no input files for stage 'gen' \\(suffixes .txt\\)"),
        (["--files-from", str(tmp / "list.txt")], "the list is empty"),
        ([], "no input given"),
        (["--input", url], "input\\(s\\) cannot be read: http://127.0.0.1:.*CC-MAIN-0001.warc.gz"),
        (["--stages", "vocab"], "stage 'vocab' reads the output of stage 'gen', which is not complete"),
    ]
    for extra, message in cases:
        assert run(pipe, "--output", str(tmp / "o"), *extra) == 2, extra
        err = capsys.readouterr().err
        assert re.search(message, err), err
    assert not (tmp / "o").exists()


def test_failing_task_is_retried_reported_and_rerun_completes(toy, capsys):
    tmp, _ = toy
    flag = tmp / "fail.flag"
    flag.write_text("1")
    pipe = write_pipeline(tmp / "f.yaml", f"fail_on: part2_txt, fail_flag: {flag}")
    out = tmp / "o"
    assert run(pipe, "--input", str(tmp / "in"), "--output", str(out), "--workers", "2", "--retries", "2") == 1
    err = capsys.readouterr().err
    assert "stage tests.pipeline_toys.gen: 1 of 5 task(s) failed" in err and "asked to fail on part2_txt" in err
    log = out / "01-gen" / "logs" / "part2_txt.log"
    assert str(log) in err
    text = log.read_text()
    assert text.count("failed\nTraceback") == 3 and "RuntimeError: asked to fail on part2_txt" in text
    done = sorted(p.name for p in (out / "01-gen").glob("*.parquet"))
    assert done == [
        "part0_txt.parquet",
        "part1_txt.parquet",
        "part3_txt.parquet",
        "part4_txt.parquet",
    ]  # the others completed
    summary = json.loads((out / "01-gen" / "stats.json").read_text())
    assert summary["failed_tasks"][0]["task"] == "part2_txt" and summary["tasks"] == 4
    assert not (out / "02-vocab").exists()
    flag.unlink()  # the cause goes away: a rerun does only what is missing
    assert run(pipe, "--input", str(tmp / "in"), "--output", str(out)) == 0
    gen = json.loads((out / "01-gen" / "stats.json").read_text())
    assert gen["skipped_done"] == 4 and gen["tasks"] == 5
    assert run(write_pipeline(tmp / "g.yaml"), "--input", str(tmp / "in"), "--output", str(tmp / "ref")) == 0
    assert data_digests(out) == data_digests(tmp / "ref")


def test_dead_worker_process_fails_only_its_task(toy, capsys):
    tmp, _ = toy
    pipe = write_pipeline(tmp / "c.yaml", "crash_on: part1_txt")
    out = tmp / "o"
    assert run(pipe, "--input", str(tmp / "in"), "--output", str(out), "--workers", "2", "--retries", "1") == 1
    err = capsys.readouterr().err
    assert "part1_txt: worker process died" in err
    assert sorted(p.name for p in (out / "01-gen").glob("*.parquet")) == [f"part{i}_txt.parquet" for i in (0, 2, 3, 4)]
