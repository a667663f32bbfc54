"""The extract stage and ``obelics extract``: shards per WARC, stats, reruns, atomic output, modes and readers."""

from __future__ import annotations

import json
import time

import pyarrow.parquet as pq
import pytest

from obelics.cli import main as cli
from obelics.document import Document
from obelics.io.parquet import read_documents
from obelics.run.runner import StageFailed, run_stage
from obelics.stages import extract as stage
from obelics.stats import Stats
from tests.test_warc_helpers import http_block, join_records, page_html, serve, warc_record, write_warcio_warc


def _docs(folder):
    return {f.name: list(read_documents(str(f))) for f in sorted(folder.glob("*.parquet"))}


def _stats(folder, name="stats.json"):
    return json.loads((folder / name).read_text())


def test_real_warcs_end_to_end(data_dir, tmp_path):
    out = tmp_path / "docs"
    files = sorted(str(p) for p in data_dir.glob("*.warc*"))
    assert cli(["-q", "extract", *files, "--output", str(out), "--no-progress"]) == 0
    shards = _docs(out)
    assert len(shards) == len(files)  # one shard per input WARC, empty ones included
    docs = [d for ds in shards.values() for d in ds]
    for d in docs:
        d.validate()
    wiki = [d for d in docs if d.url == "https://an.wikipedia.org/wiki/Escopete"]
    assert len(wiki) == 1
    gm = wiki[0].general_metadata
    assert gm["warc_filename"].endswith("cc-whirlwind.warc.gz")
    assert (gm["warc_record_offset"], gm["warc_record_length"]) == (1023, 17351)
    assert gm["crawl_date"] == "2024-05-18T01:58:10Z"
    assert set(gm["opt_out"]) >= {"noai", "noimageai", "noindex", "tdm_reservation"}
    assert wiki[0].num_images >= 1 and "Escopete" in wiki[0].text
    s = _stats(out)
    for key in ("records", "html_responses", "documents", "images", "bytes_in", "bytes_out", "seconds"):
        assert key in s, key
    assert s["documents"] == len(docs) == 5
    assert s["records"] == 27
    assert s["bytes_in"] == sum((data_dir / p).stat().st_size for p in [f.rsplit("/", 1)[1] for f in files])
    assert s["bytes_out"] == sum(p.stat().st_size for p in out.glob("*.parquet"))
    per_task = _stats(out, "warcio-example-trunc.stats.json")
    assert per_task["documents"] == 1 and per_task["records"] == 4


def test_rerun_skips_complete_shards_and_force_redoes(data_dir, tmp_path):
    out = tmp_path / "o"
    args = ["-q", "extract", str(data_dir / "cc-whirlwind.warc.gz"), str(data_dir / "warcio-example.warc.gz")]
    assert cli([*args, "--output", str(out), "--no-progress"]) == 0
    mtime = (out / "cc-whirlwind.parquet").stat().st_mtime_ns
    (out / "warcio-example.stats.json").unlink()  # as if killed before this shard completed
    time.sleep(0.01)
    assert cli([*args, "--output", str(out), "--no-progress"]) == 0
    assert (out / "cc-whirlwind.parquet").stat().st_mtime_ns == mtime
    assert _stats(out)["skipped_done"] == 1
    assert cli([*args, "--output", str(out), "--no-progress", "--force"]) == 0
    assert (out / "cc-whirlwind.parquet").stat().st_mtime_ns != mtime


def test_failed_input_leaves_no_partial_shard(tmp_path):
    (tmp_path / "www").mkdir()
    out = tmp_path / "o"
    with serve(tmp_path / "www") as srv:
        with pytest.raises(StageFailed):
            run_stage("extract", [srv.url + "missing.warc.gz"], str(out), {"progress": False}, retries=0)
    assert not list(out.glob("*.parquet")) and not list(out.glob(".*.tmp"))
    assert not (out / "missing.stats.json").exists()


def test_modes_readers_and_http_input(tmp_path):
    pages = [(f"http://news.example/{i}", page_html(i, n_images=2).encode()) for i in range(8)]
    www = tmp_path / "www"
    www.mkdir()
    write_warcio_warc(www / "n.warc.gz", pages)
    results = {}
    for mode in ("obelics", "main-content"):
        for reader in ("fastwarc", "warcio"):
            out = tmp_path / f"{mode}-{reader}"
            assert (
                cli(["-q", "extract", str(www / "n.warc.gz"), "-o", str(out), "--mode", mode, "--reader", reader]) == 0
            )
            docs = _docs(out)["n.parquet"]
            results[mode, reader] = [(d.texts, d.images, d.general_metadata) for d in docs]
            assert _stats(out)["settings"]["mode"] == mode
    assert results["obelics", "fastwarc"] == results["obelics", "warcio"]
    assert results["main-content", "fastwarc"] == results["main-content", "warcio"]
    assert len(results["obelics", "fastwarc"]) == 8
    with serve(www) as srv:
        out = tmp_path / "http"
        assert cli(["-q", "extract", srv.url + "n.warc.gz", "-o", str(out), "--mode", "obelics"]) == 0
    got = [(d.texts, d.images) for d in _docs(out)["n.parquet"]]
    assert got == [(t, i) for t, i, _ in results["obelics", "fastwarc"]]
    assert _docs(out)["n.parquet"][0].general_metadata["warc_filename"] == srv.url + "n.warc.gz"


def test_opt_out_headers_and_odd_pages(tmp_path):
    """X-Robots-Tag reaches the extractor; empty pages and bad payloads are counted, not fatal."""
    html = page_html(1).encode()
    recs = [
        warc_record("http://a.example/", http_block(html, [("Content-Type", "text/html"), ("X-Robots-Tag", "noai")])),
        warc_record("http://b.example/", http_block(b"<html><body></body></html>", [("Content-Type", "text/html")])),
        warc_record(
            "http://c.example/",
            http_block(b"\x1f\x8bxx", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]),
        ),
        warc_record(
            "http://d.example/",
            http_block("<p>caf\xe9 \xff\xfe</p>".encode("latin-1"), [("Content-Type", "text/html; charset=utf-8")]),
        ),
    ]
    data, _ = join_records(recs, gz=True)
    (tmp_path / "x.warc.gz").write_bytes(data)
    out = tmp_path / "o"
    assert cli(["-q", "extract", str(tmp_path / "x.warc.gz"), "-o", str(out)]) == 0
    docs = {d.url: d for d in _docs(out)["x.parquet"]}
    assert docs["http://a.example/"].general_metadata["opt_out"]["noai"] is True
    assert "http://b.example/" not in docs and "http://c.example/" not in docs
    assert "caf" in docs["http://d.example/"].text
    s = _stats(out)
    assert s["ignored"]["no_text_or_image"] == 1
    assert s["skipped"]["bad_content_encoding"] == 1
    assert s["warnings"]["undecodable_bytes_replaced"] == 1


def test_extraction_errors_are_counted(tmp_path, monkeypatch):
    """A page whose extraction raises is counted and skipped (in-process here, page_timeout=0, to patch it);
    timeouts in the child process: tests/test_reliability_extract.py."""
    import obelics.html.extract as ex

    data, _ = join_records(
        [
            warc_record(f"http://e.org/{i}", http_block(page_html(i).encode(), [("Content-Type", "text/html")]))
            for i in range(3)
        ],
        gz=False,
    )
    (tmp_path / "x.warc").write_bytes(data)
    real = ex.extract_document

    def flaky(html, url, **kw):
        if url.endswith("/0"):
            raise ValueError("boom")
        if url.endswith("/1"):
            raise RecursionError("deep")
        return real(html, url, **kw)

    monkeypatch.setattr(ex, "extract_document", flaky)
    settings = {**stage.DEFAULTS, "page_timeout": 0, "progress": False}
    st = Stats("extract", "x")
    stage.extract_warc([str(tmp_path / "x.warc")], str(tmp_path / "x.parquet"), settings, st)
    d = st.to_dict()
    assert d["documents"] == 1
    assert d["skipped"] == {"extraction_error": 1, "extraction_recursion": 1}
    rows = pq.read_table(tmp_path / "x.parquet").to_pylist()
    assert [Document.from_row(r).url for r in rows] == ["http://e.org/2"]


def test_plan_inputs(tmp_path):
    listing = tmp_path / "warc.paths"
    listing.write_text("crawl-data/a.warc.gz\ncrawl-data/b.warc.gz\n")
    (tmp_path / "p.csv").write_text("warc_filename,warc_record_offset,warc_record_length\n" + "a,0,10\n" * 12)
    settings = {**stage.DEFAULTS, "base_url": "http://127.0.0.1:1/", "pointer_chunk_size": 5}
    (step,) = stage.plan([str(listing), str(tmp_path / "p.csv")], str(tmp_path / "o"), settings)
    assert [t.name for t in step] == ["a", "b", "p-00000", "p-00001", "p-00002"]
    assert step[0].inputs == ["http://127.0.0.1:1/crawl-data/a.warc.gz"]
    assert [t.params["rows"] for t in step[2:]] == [[0, 5], [5, 10], [10, 12]]
    assert all("rows" not in t.settings for t in step)  # planner parameters travel apart from the settings
    assert all(json.loads(t.to_json()) for t in step)  # plain data for any engine
    with pytest.raises(ValueError):
        stage.plan([str(tmp_path / "notes.txt")], str(tmp_path / "o"), settings)
    assert (
        cli(["-q", "extract", str(tmp_path / "p.csv"), "-o", str(tmp_path / "o"), "--base-url", str(tmp_path / "nope")])
        == 2
    )
