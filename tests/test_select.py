"""``obelics select``: pointers from a Common Crawl-style columnar index, filters, and fetching what it selects."""

from __future__ import annotations

import csv
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from obelics.cli import main as cli
from obelics.io.cc_index import SelectError, Selection, build_query, select_pointers
from obelics.io.parquet import read_documents
from tests.test_warc_helpers import page_html, serve, warcio_pointers, write_warcio_warc

LANGS = ["eng", "fra,eng", "deu", "eng,deu"]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """A WARC of 16 pages over 4 domains, and an index of it (plus rows of records that are elsewhere)."""
    root = tmp_path_factory.mktemp("cc")
    (root / "crawl-data").mkdir()
    pages = [(f"http://www.site{i % 4}.example/p{i}", page_html(i, n_images=1).encode()) for i in range(16)]
    write_warcio_warc(root / "crawl-data" / "W.warc.gz", pages, gz=True)
    ptrs = warcio_pointers(root / "crawl-data" / "W.warc.gz")
    rows = []
    for i, (url, off, ln) in enumerate(ptrs):
        rows.append(
            {
                "url": url,
                "url_host_name": f"www.site{i % 4}.example",
                "url_host_registered_domain": f"site{i % 4}.example",
                "content_mime_type": "text/html",
                "content_mime_detected": "text/html" if i % 8 else "application/xhtml+xml",
                "content_languages": LANGS[i % 4],
                "fetch_status": 200 if i != 5 else 404,
                "warc_filename": "crawl-data/W.warc.gz",
                "warc_record_offset": off,
                "warc_record_length": ln,
            }
        )
    # rows of other WARC files, and a PDF
    for j in range(40):
        rows.append(
            {
                **rows[j % 16],
                "url": f"http://elsewhere.example/{j}",
                "url_host_registered_domain": "elsewhere.example",
                "url_host_name": "elsewhere.example",
                "warc_filename": f"crawl-data/other-{j % 3}.warc.gz",
                "content_mime_detected": "application/pdf" if j == 0 else "text/html",
            }
        )
    index = root / "index" / "crawl=CC-MAIN-2023-06" / "subset=warc"
    index.mkdir(parents=True)
    t = pa.Table.from_pylist(rows)
    pq.write_table(t.slice(0, 30), index / "part-00000.parquet", row_group_size=7)
    pq.write_table(t.slice(30), index / "part-00001.parquet", row_group_size=7)
    diag = root / "index" / "crawl=CC-MAIN-2023-06" / "subset=crawldiagnostics"
    diag.mkdir(parents=True)
    pq.write_table(t.slice(0, 4), diag / "part-00000.parquet")
    return root, pages, rows


def _read(path):
    return pq.read_table(path).to_pylist()


def test_select_filters_and_fetch(crawl, tmp_path):
    root, pages, rows = crawl
    out = tmp_path / "ptr.parquet"
    code = cli(
        ["-q", "select", str(root / "index"), "--output", str(out), "--domain", "site1.example", "--language", "en"]
    )
    assert code == 0
    got = _read(out)
    want = [
        r for r in rows[:16] if r["url_host_registered_domain"] == "site1.example" and "eng" in r["content_languages"]
    ]
    want = [r for r in want if r["fetch_status"] == 200]
    # site1 is pages 1, 5, 9, 13; page 5 was a 404; the crawldiagnostics copies are left out
    assert [g["url"] for g in got] == [w["url"] for w in want] and len(got) == 3
    assert set(got[0]) == {"url", "warc_filename", "warc_record_offset", "warc_record_length"}

    # the pointers fetch exactly those records
    docs_dir = tmp_path / "docs"
    with serve(root) as srv:
        code = cli(["-q", "extract", str(out), "--output", str(docs_dir), "--base-url", srv.url, "--no-progress"])
    assert code == 0
    docs = [d for f in sorted(docs_dir.glob("*.parquet")) for d in read_documents(str(f))]
    assert sorted(d.url for d in docs) == sorted(w["url"] for w in want)
    html_of = dict(pages)
    for d in docs:
        i = int(d.url.rsplit("p", 1)[1])
        assert f"page {i} tells" in d.text and html_of[d.url]
        assert f"http://www.site{i % 4}.example/images/p{i}_0.jpg" in d.images


def test_select_options(crawl, tmp_path):
    root, _, rows = crawl
    idx = str(root / "index")
    # --primary-language, --mime, --where, --limit, csv output, extra columns
    out = tmp_path / "p.csv"
    assert (
        cli(
            ["-q", "select", idx, "-o", str(out), "--language", "eng", "--primary-language", "--mime", "text/html"]
            + ["--where", "warc_record_offset > 0", "--columns", "content_languages,url_host_name"]
        )
        == 0
    )
    with open(out) as fh:
        got = list(csv.DictReader(fh))
    assert got and all(g["content_languages"].split(",")[0] == "eng" for g in got)
    assert "url_host_name" in got[0]
    # --status any keeps the 404, --subset any adds the crawldiagnostics rows
    n_all = select_pointers([idx], str(tmp_path / "a.parquet"), Selection(status=None, subset=None))
    assert n_all == len(rows) + 4
    n_ok = select_pointers([idx], str(tmp_path / "b.parquet"), Selection())
    assert n_ok == len(rows) - 1 - sum(1 for j in range(40) if j % 16 == 5)
    # sorted by WARC file and offset; --limit; jsonl
    got = _read(tmp_path / "b.parquet")
    keys = [(g["warc_filename"], g["warc_record_offset"]) for g in got]
    assert keys == sorted(keys)
    assert select_pointers([idx], str(tmp_path / "c.jsonl"), Selection(limit=3)) == 3
    lines = (tmp_path / "c.jsonl").read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["warc_filename"]
    # --crawl uses the Hive folder names
    assert select_pointers([idx], str(tmp_path / "d.parquet"), Selection(crawls=["CC-MAIN-2099-01"])) == 0
    # errors are usage errors, with nothing written
    assert cli(["-q", "select", idx, "-o", str(tmp_path / "e.parquet"), "--where", "no_such_column = 1"]) == 2
    assert cli(["-q", "select", idx, "-o", str(tmp_path / "e.txt")]) == 2
    assert not (tmp_path / "e.parquet").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_query_quotes_user_values():
    cols = {"url", "warc_filename", "warc_record_offset", "warc_record_length", "url_host_registered_domain"}
    sql = build_query(["/x/it's.parquet"], Selection(domains=["a'b.example"]), cols)
    assert "'a''b.example'" in sql and "'/x/it''s.parquet'" in sql
    with pytest.raises(SelectError):
        build_query(["x"], Selection(languages=["en"]), cols)
    with pytest.raises(SelectError):
        build_query(["x"], Selection(), {"url"})


def test_select_streams_a_larger_index_under_a_small_memory_limit(tmp_path):
    """200,000 index rows selected and sorted with DuckDB held to 64 MB (it streams and spills)."""
    n = 200_000
    t = pa.table(
        {
            "url": [f"http://h{i % 1000}.example/{i}" for i in range(n)],
            "url_host_registered_domain": [f"h{i % 1000}.example" for i in range(n)],
            "warc_filename": [f"crawl-data/f{(i * 7919) % 500:04d}.warc.gz" for i in range(n)],
            "warc_record_offset": [(i * 104729) % 1_000_000_007 for i in range(n)],
            "warc_record_length": [1000 + i % 5000 for i in range(n)],
            "fetch_status": [200] * n,
        }
    )
    pq.write_table(t, tmp_path / "big.parquet", row_group_size=20_000)
    out = tmp_path / "sel.parquet"
    sel = Selection(where="url_host_registered_domain <> 'h3.example'")
    count = select_pointers([str(tmp_path / "big.parquet")], str(out), sel, memory_limit="64MB", threads=1)
    assert count == n - n // 1000
    got = pq.read_table(out, columns=["warc_filename", "warc_record_offset"])
    f = got.column(0).to_pylist()
    assert f == sorted(f)
