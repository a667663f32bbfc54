"""Runs that produce nothing exit non-zero with the counts; output-path problems are one line, exit 2."""

from __future__ import annotations

import json
import os

import pytest

from obelics.cli import main as cli
from obelics.io.parquet import write_documents
from obelics.run import outdir
from tests.test_filter_stage import english_doc
from tests.test_warc_helpers import http_block, join_records, page_html, warc_record


def one_line_error(capsys, start: str = "obelics: ") -> str:
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("obelics")]
    assert len(err) == 1 and err[0].startswith(start), err
    return err[0]


@pytest.fixture
def warc(tmp_path):
    data, _ = join_records(
        [
            warc_record(f"http://e.org/{i}", http_block(page_html(i).encode(), [("Content-Type", "text/html")]))
            for i in range(3)
        ],
        gz=False,
    )
    (tmp_path / "pages.warc").write_bytes(data)
    return tmp_path / "pages.warc"


def test_empty_and_non_warc_inputs_to_extract(tmp_path, capsys):
    (tmp_path / "empty.warc.gz").write_bytes(b"")
    (tmp_path / "notes.warc").write_text("these are notes, not a WARC\n" * 20)
    for name in ("empty.warc.gz", "notes.warc"):
        out = tmp_path / f"out-{name}"
        assert cli(["-q", "extract", str(tmp_path / name), "-o", str(out), "--no-progress"]) == 1
        line = one_line_error(capsys)
        assert "stage extract" in line and ("no document written" in line or "task(s) failed" in line), line
    # asked for: an empty result is fine
    out = tmp_path / "ok"
    assert cli(["-q", "extract", str(tmp_path / "empty.warc.gz"), "-o", str(out), "--allow-empty"]) == 0


def test_settings_that_make_every_page_fail(warc, tmp_path, capsys):
    out = tmp_path / "o"
    assert cli(["-q", "extract", str(warc), "-o", str(out), "--no-progress", "--set", "max_html_bytes=10"]) == 1
    line = one_line_error(capsys)
    assert "no document written (1 input(s); records=3; skipped: html_too_large=3)" in line, line
    assert "--allow-empty" in line
    assert json.loads((out / "stats.json").read_text())["skipped"] == {"html_too_large": 3}  # the record is kept


def test_every_pointer_invalid(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("warc_filename,warc_record_offset,warc_record_length\n" + ",x,\n" * 5)
    out = tmp_path / "o"
    rc = cli(["-q", "extract", str(tmp_path / "p.csv"), "-o", str(out), "--base-url", str(tmp_path), "--no-progress"])
    assert rc == 1
    line = one_line_error(capsys)
    assert "no document written" in line and "no_pointer_in_row=5" in line, line


def test_filter_removing_everything(tmp_path, capsys):
    write_documents(tmp_path / "a.parquet", [english_doc(0), english_doc(1)])
    assert cli(["-q", "filter", str(tmp_path / "a.parquet"), "-o", str(tmp_path / "f"), "--set", "min_images=9"]) == 1
    line = one_line_error(capsys)
    assert "stage filter: no document written" in line and "documents_in=2" in line, line


def test_pipeline_stops_at_the_stage_that_wrote_nothing(tmp_path, capsys):
    (tmp_path / "empty.warc").write_bytes(b"")
    pipe = tmp_path / "p.yaml"
    pipe.write_text("name: p\nstages:\n  - stage: extract\n    settings: {progress: false}\n  - filter\n")
    args = ["-q", "run", str(pipe), "--input", str(tmp_path / "empty.warc"), "--output", str(tmp_path / "o")]
    assert cli(args) == 1
    line = one_line_error(capsys)
    assert "stage extract" in line
    assert not (tmp_path / "o" / "02-filter").exists()
    assert cli([*args, "--allow-empty"]) == 0
    assert (tmp_path / "o" / "02-filter" / "stats.json").exists()


def test_output_is_a_file(warc, tmp_path, capsys):
    (tmp_path / "taken").write_text("x")
    assert cli(["-q", "extract", str(warc), "-o", str(tmp_path / "taken")]) == 2
    assert "is a file, not a folder" in one_line_error(capsys, "obelics: error:")
    assert cli(["-q", "extract", str(warc), "-o", str(tmp_path / "taken" / "sub")]) == 2
    assert "a part of the path is a file" in one_line_error(capsys, "obelics: error:")
    pipe = tmp_path / "p.yaml"
    pipe.write_text("name: p\nstages:\n  - extract\n")
    assert cli(["-q", "run", str(pipe), "--input", str(warc), "--output", str(tmp_path / "taken")]) == 2
    assert "is a file, not a folder" in one_line_error(capsys, "obelics: error:")


def test_output_not_writable(warc, tmp_path, capsys, monkeypatch):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.geteuid() != 0:  # root writes anywhere: there, the check itself is exercised below
            assert cli(["-q", "extract", str(warc), "-o", str(ro)]) == 2
            assert "is not writable" in one_line_error(capsys, "obelics: error:")
            assert cli(["-q", "extract", str(warc), "-o", str(ro / "new")]) == 2
            assert "cannot make output folder" in one_line_error(capsys, "obelics: error:")
        real = os.access
        monkeypatch.setattr(outdir.os, "access", lambda p, m: False if str(p) == str(ro) else real(p, m))
        assert cli(["-q", "extract", str(warc), "-o", str(ro)]) == 2
        assert "is not writable" in one_line_error(capsys, "obelics: error:")
    finally:
        ro.chmod(0o700)


def test_missing_parents_are_made(warc, tmp_path):
    out = tmp_path / "a" / "b" / "c"
    assert cli(["-q", "extract", str(warc), "-o", str(out), "--no-progress"]) == 0
    assert json.loads((out / "stats.json").read_text())["documents"] == 3
