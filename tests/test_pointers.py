"""Record pointers: range requests against a loopback server, same documents as whole files, bad pointers."""

from __future__ import annotations

import csv
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from obelics.cli import main as cli
from obelics.document import Document
from obelics.io.parquet import read_documents
from obelics.io.pointers import (
    FetchError,
    RangeFetcher,
    compare_documents,
    count_pointers,
    read_pointers,
    record_from_bytes,
    reextract_summary,
)
from tests.test_warc_helpers import page_html, serve, warcio_pointers, write_warcio_warc

N_PAGES = 24


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    """A folder like Common Crawl's bucket: crawl-data/A.warc.gz, crawl-data/B.warc (written with warcio)."""
    root = tmp_path_factory.mktemp("crawl")
    (root / "crawl-data").mkdir()
    pages_a = [(f"http://site{i % 4}.example/a/{i}", page_html(i, n_images=i % 4).encode()) for i in range(N_PAGES)]
    pages_b = [(f"http://other.example/b/{i}", page_html(100 + i, n_images=2).encode()) for i in range(6)]
    write_warcio_warc(root / "crawl-data" / "A.warc.gz", pages_a, gz=True)
    write_warcio_warc(root / "crawl-data" / "B.warc", pages_b, gz=False)
    return root


def _docs(folder):
    docs = []
    for f in sorted(folder.glob("*.parquet")):
        docs.extend(read_documents(str(f)))
    return docs


def _key(d: Document):
    return d.url


def _run(args):
    code = cli(["-q", "extract", "--no-progress", "--rate-limit", "0", *map(str, args)])
    return code


def test_pointer_list_gives_the_same_documents_as_the_whole_file(crawl, tmp_path):
    with serve(crawl, fail_first=3) as srv:
        whole = tmp_path / "whole"
        assert _run([srv.url + "crawl-data/A.warc.gz", "--output", whole, "--base-url", srv.url]) == 0
        docs_whole = _docs(whole)
        assert len(docs_whole) == N_PAGES
        gm = docs_whole[0].general_metadata
        assert gm["warc_filename"] == "crawl-data/A.warc.gz"  # relative to the base URL, as in OBELICS
        assert [(gm["url"], gm["warc_record_offset"], gm["warc_record_length"])] == [
            p for p in warcio_pointers(crawl / "crawl-data" / "A.warc.gz") if p[0] == gm["url"]
        ]

        # the whole-file output is itself a list of OBELICS rows: use it as the pointer list
        out = tmp_path / "by-pointer"
        before = len(srv.requests)
        code = _run(
            [whole / "A.parquet", "--output", out, "--base-url", srv.url, "--concurrency", "4", "--set", "backoff=0.01"]
        )
        assert code == 0
        ranged = srv.requests[before:]
        assert all(r is not None and r.startswith("bytes=") for _, r, _ in ranged)
        assert sum(c == 503 for *_, c in ranged) >= N_PAGES // 3  # the server refused some first tries...
        docs_ptr = _docs(out)
        # ...and every document still came, identical to the whole-file extraction
        assert sorted(map(_key, docs_ptr)) == sorted(map(_key, docs_whole))
        by_url = {d.url: d for d in docs_whole}
        for d in docs_ptr:
            w = by_url[d.url]
            assert (d.texts, d.images, d.metadata, d.general_metadata) == (
                w.texts,
                w.images,
                w.metadata,
                w.general_metadata,
            )
        stats = json.loads((out / "stats.json").read_text())
        assert stats["pointers"] == N_PAGES and stats["documents"] == N_PAGES
        assert stats["request_retries"] >= N_PAGES // 3
        assert "skipped" not in stats
        # the re-extraction check against the published rows
        summary = stats["reextract_summary"]
        assert summary["compared"] == N_PAGES
        assert summary["text_exact_share"] == 1.0 and summary["text_similarity_mean"] == 1.0
        assert summary["image_urls_kept_share"] == 1.0 and summary["image_order_agreement"] == 1.0
        # grouped and sorted by WARC file and offset
        offsets = [d.general_metadata["warc_record_offset"] for d in docs_ptr]
        assert offsets == sorted(offsets)


def test_wrong_pointers_are_counted_skips(crawl, tmp_path):
    warc = crawl / "crawl-data" / "A.warc.gz"
    ptrs = warcio_pointers(warc)
    size = warc.stat().st_size
    (u0, o0, l0), (u1, o1, l1), (u2, o2, l2), (u3, o3, l3), (u4, o4, l4) = ptrs[:5]
    name = "crawl-data/A.warc.gz"
    rows = [
        (name, o0, l0, u0),  # good
        (name, o1 + 1, l1, u1),  # wrong offset
        (name, o2, l2 - 40, u2),  # too short: truncated
        (name, o3, l3 + 200, u3),  # too long: runs into the next record
        (name, size + 10, 100, ""),  # past the end of the file
        ("crawl-data/missing.warc.gz", 0, 100, ""),  # no such file
        (name, o4, l4, "http://not-the-same.example/"),  # the record is another page
        ("", "", "", ""),  # no pointer at all
    ]
    lst = tmp_path / "pointers.csv"
    with open(lst, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["warc_filename", "warc_record_offset", "warc_record_length", "url"])
        w.writerows(rows)
    out = tmp_path / "out"
    with serve(crawl) as srv:
        assert _run([lst, "--output", out, "--base-url", srv.url, "--set", "max_failed_share=1"]) == 0
    docs = _docs(out)
    assert [d.url for d in docs] == [u0]
    skipped = json.loads((out / "stats.json").read_text())["skipped"]
    assert skipped == {
        "not_a_record": 1,
        "truncated_record": 1,
        "wrong_length": 1,
        "fetch_range_not_satisfiable": 1,
        "fetch_http_404": 1,
        "url_mismatch": 1,
        "no_pointer_in_row": 1,
    }


def test_jsonl_cdx_style_pointers_plain_warc_and_chunks(crawl, tmp_path):
    """CDX-API keys (filename/offset/length), a plain .warc, a local folder as base, chunked tasks, rerun."""
    ptrs = warcio_pointers(crawl / "crawl-data" / "B.warc")
    lst = tmp_path / "cdx.jsonl.gz"
    lines = [json.dumps({"url": u, "filename": "crawl-data/B.warc", "offset": o, "length": n}) for u, o, n in ptrs]
    lst.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    assert count_pointers(str(lst)) == 6
    out = tmp_path / "out"
    assert _run([lst, "--output", out, "--base-url", crawl, "--chunk-size", "4"]) == 0
    names = sorted(p.name for p in out.glob("*.parquet"))
    assert names == ["cdx-00000.parquet", "cdx-00001.parquet"]
    docs = _docs(out)
    assert sorted(d.url for d in docs) == sorted(u for u, *_ in ptrs)
    first = (out / "cdx-00000.parquet").stat().st_mtime_ns
    assert _run([lst, "--output", out, "--base-url", crawl, "--chunk-size", "4"]) == 0
    assert (out / "cdx-00000.parquet").stat().st_mtime_ns == first  # complete shards are not redone


def test_obelics_rows_parquet_with_general_metadata_only(crawl, tmp_path):
    """Published OBELICS rows: general_metadata JSON holds the pointer; several row groups; rows sliced per chunk."""
    ptrs = warcio_pointers(crawl / "crawl-data" / "A.warc.gz")
    gms = [
        json.dumps(
            {"url": u, "warc_filename": "crawl-data/A.warc.gz", "warc_record_offset": o, "warc_record_length": n}
        )
        for u, o, n in ptrs
    ]
    texts = [["some published text that differs"] for _ in ptrs]
    images = [[None] for _ in ptrs]
    t = pa.table(
        {
            "texts": texts,
            "images": images,
            "metadata": ["[null]"] * len(ptrs),
            "general_metadata": gms,
            "extra": list(range(len(ptrs))),
        }
    )
    f = tmp_path / "obelics-train-00000.parquet"
    pq.write_table(t, f, row_group_size=5)
    assert [p.offset for p in read_pointers(str(f), 7, 13)] == [o for _, o, _ in ptrs[7:13]]
    out = tmp_path / "out"
    assert _run([f, "--output", out, "--base-url", crawl, "--chunk-size", "10"]) == 0
    assert len(_docs(out)) == N_PAGES
    summary = json.loads((out / "stats.json").read_text())["reextract_summary"]
    assert summary["compared"] == N_PAGES
    assert summary["text_exact_share"] == 0.0 and 0 < summary["text_jaccard_mean"] < 0.5


def test_listing_against_a_local_base_url(crawl, tmp_path):
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(b"crawl-data/A.warc.gz\ncrawl-data/B.warc\n"))
    out = tmp_path / "out"
    with serve(crawl) as srv:
        assert _run([listing, "--output", out, "--base-url", srv.url]) == 0
        assert _run([listing, "--output", tmp_path / "one", "--base-url", srv.url, "--take", "1:2"]) == 0
    assert sorted(p.name for p in out.glob("*.parquet")) == ["A.parquet", "B.parquet"]
    assert len(_docs(out)) == N_PAGES + 6
    assert [p.name for p in (tmp_path / "one").glob("*.parquet")] == ["B.parquet"]
    gm = _docs(tmp_path / "one")[0].general_metadata
    assert gm["warc_filename"] == "crawl-data/B.warc"


def test_fetcher_retries_then_gives_up(crawl, tmp_path):
    warc = crawl / "crawl-data" / "A.warc.gz"
    u, o, n = warcio_pointers(warc)[0]
    data = warc.read_bytes()[o : o + n]
    with serve(crawl, fail_first=1) as srv:  # every first try of every range is refused
        f = RangeFetcher(concurrency=2, retries=3, backoff=0.01)
        assert f.fetch(srv.url + "crawl-data/A.warc.gz", o, n) == data
        assert f.retried == 1
        f0 = RangeFetcher(retries=0, backoff=0.01)
        with pytest.raises(FetchError) as e:
            f0.fetch(srv.url + "crawl-data/A.warc.gz", o + 1, n)
        assert e.value.reason == "http_503" and e.value.transient
    with serve(crawl, honour_range=False) as srv:  # a server that ignores Range
        assert RangeFetcher().fetch(srv.url + "crawl-data/A.warc.gz", o, n) == data
    with serve(crawl) as srv:
        results = list(
            RangeFetcher(concurrency=8).fetch_many(
                (i, srv.url + "crawl-data/A.warc.gz", off, ln) for i, (_, off, ln) in enumerate(warcio_pointers(warc))
            )
        )
    assert [k for k, *_ in results] == list(range(N_PAGES))  # in input order
    assert all(record_from_bytes(b)[1] is None for _, b, _ in results)
    with pytest.raises(FetchError):
        RangeFetcher().fetch(str(tmp_path / "nope.warc.gz"), 0, 10)


def test_persistent_failures_fail_the_task_and_write_nothing(crawl, tmp_path):
    lst = tmp_path / "p.csv"
    ptrs = warcio_pointers(crawl / "crawl-data" / "A.warc.gz")
    lst.write_text(
        "warc_filename,warc_record_offset,warc_record_length\n"
        + "".join(f"crawl-data/A.warc.gz,{o},{n}\n" for _, o, n in ptrs[:4])
    )
    out = tmp_path / "out"
    # a port where nothing listens: connection errors, retried, then the task fails
    code = _run([lst, "--output", out, "--base-url", "http://127.0.0.1:9/", "--retries", "0"] + ["--set", "backoff=0"])
    assert code == 1
    assert not list(out.glob("*.parquet")) and not list(out.glob("p.stats.json"))
    assert not list(out.glob(".*.tmp"))


def test_record_from_bytes_and_compare():
    from tests.test_warc_helpers import http_block, join_records, warc_record

    recs = [
        warc_record(f"http://e.org/{i}", http_block(b"<p>x</p>", [("Content-Type", "text/html")])) for i in range(3)
    ]
    data, spans = join_records(recs, gz=True)
    o, n = spans[1]
    assert record_from_bytes(data[o : o + n])[0].url == "http://e.org/1"
    assert record_from_bytes(data[o : o + n - 5])[1] == "truncated_record"
    assert record_from_bytes(data[o + 3 : o + n])[1] == "not_a_record"
    assert record_from_bytes(data[o : o + n + 10])[1] == "wrong_length"
    assert record_from_bytes(b"")[1] == "empty_range"
    plain, spans = join_records(recs, gz=False)
    o, n = spans[2]
    assert record_from_bytes(plain[o : o + n])[0].url == "http://e.org/2"
    assert record_from_bytes(plain[o : o + n - 4])[0].url == "http://e.org/2"  # trailing CRLFs optional
    assert record_from_bytes(plain[o : o + n - 10])[1] == "truncated_record"

    a = Document.from_nodes([], {"url": "u"})
    pub = Document(
        ["one two three", None, "four", None], [None, "http://i/1", None, "http://i/2"], [None, {}, None, {}], {}
    )
    new = Document(["one two three four", None, None], [None, "http://i/2", "http://i/1"], [None, {}, {}], {})
    c = compare_documents(new, pub)
    assert c["text_jaccard"] == 1.0 and c["images_kept"] == 2 and c["order_pairs"] == 1 and c["order_concordant"] == 0
    assert compare_documents(a, a)["text_similarity"] == 1.0
    s = reextract_summary(
        {"reextract": {"documents": 2, "text_similarity": 1.5, "images_published": 4, "images_kept": 3}}
    )
    assert s["text_similarity_mean"] == 0.75 and s["image_urls_kept_share"] == 0.75


def test_fsspec_sources_whole_file_and_ranged_reads(crawl, tmp_path):
    """Any fsspec URL (here memory://, as s3:// would be): whole-file streaming and ranged reads by pointer."""
    import fsspec

    from obelics.run.runner import run_stage

    fs = fsspec.filesystem("memory")
    fs.pipe("/bucket/crawl-data/A.warc.gz", (crawl / "crawl-data" / "A.warc.gz").read_bytes())
    try:
        # memory:// lives in this process: extract here, not in a child process (page_timeout=0)
        settings = {"progress": False, "base_url": "memory://bucket/", "page_timeout": 0}
        run_stage("extract", ["memory://bucket/crawl-data/A.warc.gz"], str(tmp_path / "whole"), settings)
        whole = _docs(tmp_path / "whole")
        assert len(whole) == N_PAGES and whole[0].general_metadata["warc_filename"] == "crawl-data/A.warc.gz"
        run_stage("extract", [str(tmp_path / "whole" / "A.parquet")], str(tmp_path / "ptr"), settings)
        got = _docs(tmp_path / "ptr")
        assert sorted((d.url, d.text) for d in got) == sorted((d.url, d.text) for d in whole)
        assert json.loads((tmp_path / "ptr" / "stats.json").read_text())["requests"] == N_PAGES
    finally:
        fs.rm("/bucket", recursive=True)


def test_per_host_rate_limit():
    import threading
    import time

    from obelics.io.pointers import HostRateLimiter

    lim = HostRateLimiter(50.0)  # 50 requests per second per host: 20 ms apart
    stamps: dict[str, list[float]] = {"a": [], "b": []}

    def hit(host):
        lim.wait(host)
        stamps[host].append(time.monotonic())

    threads = [threading.Thread(target=hit, args=(h,)) for h in ["a"] * 11 + ["b"] * 11]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for host in "ab":
        s = sorted(stamps[host])
        assert s[-1] - s[0] >= 0.19  # 10 gaps of 20 ms, however many threads ask at once
    assert time.monotonic() - t0 < 0.6  # the two hosts are limited separately, in parallel
    assert HostRateLimiter(0).interval == 0
