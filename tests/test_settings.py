"""Settings declared once: validation, help, ``obelics config`` and docs/settings.md come from the declaration."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from obelics.cli import STAGE_COMMANDS
from obelics.cli import main as cli
from obelics.commands.config import settings_markdown, stage_yaml
from obelics.document import Document
from obelics.run.pipeline import available_stages, find_pipeline, load_pipeline, parse_stage_overrides
from obelics.run.runner import settings_class, stage_settings
from obelics.run.settings import SettingsError

ROOT = Path(__file__).resolve().parent.parent


def _help(stage: str, capsys) -> str:
    with pytest.raises(SystemExit):
        cli([stage, "--help"])
    return capsys.readouterr().out


@pytest.mark.parametrize("stage", STAGE_COMMANDS)
def test_help_and_config_list_every_setting_with_its_default(stage, capsys):
    """What run_stage records as a stage's settings is exactly what --help and `obelics config` show."""
    recorded = stage_settings(stage, {})
    assert recorded == settings_class(stage).defaults() and recorded
    text = _help(stage, capsys)
    listed = dict(re.findall(r"^  (\w+) = (.*)$", text, re.M))
    assert set(listed) == set(recorded)
    for key, value in recorded.items():
        assert yaml.safe_load(listed[key]) == value, key
    assert yaml.safe_load(stage_yaml(stage)) == recorded


def test_settings_recorded_by_a_run_are_all_listed(tmp_path, capsys):
    """A real run's stats.json: every recorded setting is in `obelics filter --help` with its value as default."""
    doc = Document.from_row(
        {
            "url": "https://a.example/x",
            "texts": ["hello world " * 20, None],
            "images": [None, "https://a.example/i.jpg"],
        }
    )
    shard = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist([doc.to_row()]), shard)
    assert (
        cli(["-q", "filter", str(shard), "-o", str(tmp_path / "o"), "--set", "language_min_score=off", "--allow-empty"])
        == 0
    )
    capsys.readouterr()
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    listed = dict(re.findall(r"^  (\w+) = (.*)$", _help("filter", capsys), re.M))
    assert set(stats["settings"]) == set(listed)
    assert stats["settings"]["language_min_score"] is None
    assert all(k not in stats["settings"] for k in ("rows", "_work", "_task", "task_names", "stage_inputs"))


@pytest.mark.parametrize(
    "stage, setting, value, message",
    [
        ("extract", "page_timeout", "-1", "'page_timeout' is -1.0; allowed: 0 or more (s)"),
        ("extract", "max_html_bytes", "-5", "'max_html_bytes' is -5; allowed: 1 or more (bytes)"),
        ("extract", "concurrency", "0", "'concurrency' is 0; allowed: 1 or more"),
        ("images", "timeout", "-3", "'timeout' is -3; allowed: 0.01 or more (s)"),
        ("shard", "max_documents", "0", "'max_documents' is 0; allowed: 1 or more"),
        ("optout", "api_batch_size", "0", "'api_batch_size' is 0; allowed: 1 or more"),
        ("dedup", "minhash_threshold", "1.5", "'minhash_threshold' is 1.5; allowed: 0 to 1"),
        ("filter", "nsfw_threshold", "2", "'nsfw_threshold' is 2.0; allowed: 0 to 1"),
        ("filter", "nsfw_batch_size", "off", "'nsfw_batch_size' must be a number, got 'off'"),
        ("export", "format", "csv", "'format' is 'csv'; allowed values: hub, bytes"),
    ],
)
def test_out_of_range_is_exit_2_with_one_line(stage, setting, value, message, tmp_path, capsys):
    (tmp_path / "in.parquet").write_bytes(b"")
    (tmp_path / "in.warc.gz").write_bytes(b"")
    inp = tmp_path / ("in.warc.gz" if stage == "extract" else "in.parquet")
    assert cli(["-q", stage, str(inp), "-o", str(tmp_path / "o"), "--set", f"{setting}={value}"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    # the same check from the Python API and a pipeline file
    with pytest.raises(SettingsError, match=re.escape(message)):
        stage_settings(stage, {setting: value})


def test_off_means_the_same_under_the_stage_command_and_a_pipeline():
    pipe = load_pipeline(find_pipeline("obelics"), parse_stage_overrides(["filter.document_min_words=off"]))
    assert {s.name: s.settings for s in pipe.stages}["filter"]["document_min_words"] is None
    assert stage_settings("filter", {"document_min_words": "off"})["document_min_words"] is None
    with pytest.raises(SettingsError, match="'concurrency' cannot be off"):
        load_pipeline(find_pipeline("obelics"), {"extract": {"concurrency": None}})


def test_run_help_example_works(capsys):
    with pytest.raises(SystemExit):
        cli(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    example = re.search(r"e\.g\. --set (\S+)", text).group(1)
    pipe = load_pipeline(find_pipeline("obelics"), parse_stage_overrides([example]))
    key, value = example.split("=")
    stage, setting = key.split(".")
    assert {s.name: s.settings for s in pipe.stages}[stage][setting] == int(value)


def test_config_command_prints_pipelines_and_a_usable_settings_file(tmp_path, capsys):
    assert cli(["config", "pipeline", "obelics"]) == 0
    assert capsys.readouterr().out == find_pipeline("obelics").read_text()
    assert cli(["config", "images"]) == 0
    text = capsys.readouterr().out
    assert "phash_distance: 2" in text and "# --- dedup ---" in text
    cfg = tmp_path / "images.yaml"
    cfg.write_text(text.replace("timeout: 10", "timeout: -1"))
    (tmp_path / "in.parquet").write_bytes(b"")
    assert cli(["-q", "images", str(tmp_path), "-o", str(tmp_path / "o"), "--config", str(cfg)]) == 2
    assert "'timeout' is -1" in capsys.readouterr().err
    assert cli(["config", "nope"]) == 2
    assert "unknown stage 'nope'" in capsys.readouterr().err


def test_docs_settings_md_is_generated_and_up_to_date():
    text = (ROOT / "docs" / "settings.md").read_text()
    assert text == settings_markdown(), "run: obelics config --docs > docs/settings.md"
    for stage in available_stages():
        assert f"## {stage}" in text
