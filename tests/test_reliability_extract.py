"""Pages the HTML parser cannot be trusted with: a nesting cut before parsing, a time limit that holds."""

from __future__ import annotations

import json
import time

from obelics.cli import main as cli
from obelics.io.parquet import read_documents
from obelics.io.warc import html_too_deep
from tests.test_warc_helpers import http_block, join_records, page_html, warc_record

HTML = [("Content-Type", "text/html; charset=utf-8")]


def nested_page(depth: int) -> bytes:
    return ("<html><body>" + "<div>" * depth + "deep text" + "</div>" * depth + "</body></html>").encode()


def write_warc(path, pages: list[tuple[str, bytes]]) -> None:
    data, _ = join_records([warc_record(url, http_block(body, HTML)) for url, body in pages], gz=False)
    path.write_bytes(data)


def normal_pages() -> list[tuple[str, bytes]]:
    return [(f"http://e.org/{i}", page_html(i).encode()) for i in range(4)]


def docs_by_url(folder) -> dict[str, object]:
    return {d.url: d for p in sorted(folder.glob("*.parquet")) for d in read_documents(str(p))}


def test_depth_estimate():
    assert not html_too_deep(b"<p>" * 5, 5)  # no more '<' than the limit: not scanned
    assert html_too_deep(b"<p>" * 6, 5)  # implied end tags count as open: the estimate is high, never low
    assert html_too_deep(nested_page(100), 50)
    assert not html_too_deep(b"<div></div>" * 100, 50)  # closed at once: depth 1
    assert not html_too_deep(b"<div>" + b"<br><img src=x><hr>" * 100 + b"</div>", 50)  # void elements
    assert not html_too_deep(nested_page(100), 0)  # 0 = no limit


def test_megabytes_of_nested_divs_are_cut_before_parsing(tmp_path):
    pages = normal_pages()
    write_warc(tmp_path / "ref.warc", pages)
    deep = nested_page(600_000)  # 6.6 MB, under the 8 MB size limit; minutes for the parser
    assert len(deep) < 8 * 1024 * 1024
    write_warc(tmp_path / "mixed.warc", pages[:2] + [("http://e.org/deep", deep)] + pages[2:])
    assert cli(["-q", "extract", str(tmp_path / "ref.warc"), "-o", str(tmp_path / "ref"), "--no-progress"]) == 0
    start = time.monotonic()
    assert cli(["-q", "extract", str(tmp_path / "mixed.warc"), "-o", str(tmp_path / "out"), "--no-progress"]) == 0
    assert time.monotonic() - start < 60
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["skipped"] == {"html_too_deep": 1} and stats["documents"] == 4
    got, ref = docs_by_url(tmp_path / "out"), docs_by_url(tmp_path / "ref")
    assert sorted(got) == sorted(ref) == [u for u, _ in pages]
    for url in ref:  # the normal pages' documents are intact
        assert got[url].texts == ref[url].texts and got[url].images == ref[url].images


def test_a_page_past_page_timeout_is_killed_and_skipped(tmp_path):
    """Without the nesting cut, a slow page runs into page_timeout: the parser is killed with its process."""
    pages = normal_pages()
    slow = nested_page(80_000)  # ~0.9 MB: tens of seconds of parsing
    write_warc(tmp_path / "slow.warc", pages[:2] + [("http://e.org/slow", slow)] + pages[2:])
    start = time.monotonic()
    rc = cli(
        ["-q", "extract", str(tmp_path / "slow.warc"), "-o", str(tmp_path / "out"), "--no-progress"]
        + ["--set", "max_html_depth=0", "--set", "page_timeout=1"]
    )
    assert rc == 0
    assert time.monotonic() - start < 45
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["skipped"] == {"extraction_timeout": 1} and stats["documents"] == 4
    assert stats["html_responses"] == 5 and stats["records"] == 5  # counted once, not once per attempt
    assert sorted(docs_by_url(tmp_path / "out")) == [u for u, _ in pages]
    assert not list((tmp_path / "out").glob(".*.tmp"))  # the killed attempt's partial shard is gone
    log = (tmp_path / "out" / "logs" / "slow.log").read_text()
    assert "took longer than 1 s; skipped, task restarted" in log
