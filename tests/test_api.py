"""The Python API: ``obelics.run`` and ``obelics.run_pipeline`` on files and folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import obelics
from obelics.io.parquet import read_documents, write_documents
from obelics.stages.filter import Settings as FilterSettings
from tests.pipeline_toys import write_inputs, write_pipeline
from tests.test_filter_stage import english_doc, french_doc


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "docs"
    write_documents(d / "a.parquet", [english_doc(0), french_doc(), english_doc(1)])
    write_documents(d / "sub" / "b.parquet", [english_doc(2), french_doc()])
    return d


def test_run_a_stage_on_a_folder_returns_its_stats(folder, tmp_path):
    stats = obelics.run("filter", folder, tmp_path / "en", languages=["en"], nsfw_images=False)
    assert stats == json.loads((tmp_path / "en" / "stats.json").read_text())
    assert stats["documents_in"] == 5 and stats["documents_out"] == 3 and stats["tasks"] == 2
    assert stats["settings"]["languages"] == ["en"] and len(stats["outputs"]) == 2
    kept = [d.url for p in stats["outputs"] for d in read_documents(p)]
    assert sorted(kept) == ["http://example.org/0", "http://example.org/1", "http://example.org/2"]


def test_settings_as_the_stage_dataclass_and_a_single_file(folder, tmp_path):
    off = dict.fromkeys(["paragraph_min_stopwords", "document_min_stopwords", "paragraph_min_common_words"])
    settings = FilterSettings(languages=["fr"], document_min_common_words=None, **off)
    stats = obelics.run("filter", str(folder / "a.parquet"), str(tmp_path / "fr"), settings=settings)
    assert stats["documents_in"] == 3 and stats["settings"]["languages"] == ["fr"]
    assert [d.url for d in read_documents(stats["outputs"][0])] == ["http://exemple.fr/"]


def test_bad_setting_or_no_input_fails_before_any_work(folder, tmp_path):
    with pytest.raises(obelics.SettingsError, match="'document_min_words' is -1; allowed: 0 or more"):
        obelics.run("filter", folder, tmp_path / "x", document_min_words=-1)
    with pytest.raises(obelics.SettingsError, match="unknown setting 'min_words'"):
        obelics.run("filter", folder, tmp_path / "x", min_words=5)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no input files"):
        obelics.run("filter", tmp_path / "empty", tmp_path / "y")
    assert not (tmp_path / "y").exists()
    assert obelics.stage_settings("shard", max_documents="7")["max_documents"] == 7


def test_stage_output_folder_feeds_the_next_stage(folder, tmp_path):
    obelics.run("filter", folder, tmp_path / "f", nsfw_images=False)
    stats = obelics.run("shard", tmp_path / "f", tmp_path / "s", max_documents=2)
    assert stats["documents_in"] == 3 and stats["stage"] == "shard"


def test_run_pipeline_on_a_folder(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    write_inputs(tmp_path / "in")
    pipe = write_pipeline(tmp_path / "toy.yaml")
    summary = obelics.run_pipeline(pipe, tmp_path / "in", tmp_path / "out", settings={"vocab": {"min_count": 1000}})
    assert [s["name"] for s in summary["stages"]] == ["gen", "vocab"]
    assert summary["stages"][1]["settings"]["min_count"] == 1000 and summary["stages"][1]["documents_out"] == 100
    again = obelics.run_pipeline(
        pipe, None, tmp_path / "out", stages=["vocab"], settings={"vocab": {"min_count": 1000}}
    )
    assert again["stages"][1]["skipped_done"] == 10
