"""WARC reading: real files, both readers, pointers, resynchronisation, HTTP payloads, charsets."""

from __future__ import annotations

import gzip
import io

import pytest

from obelics.io.pointers import record_from_bytes
from obelics.io.warc import (
    CountSink,
    Headers,
    WarcSourceError,
    dechunk,
    decode_content,
    decode_html,
    html_page,
    is_listing,
    is_warc,
    iter_html_pages,
    iter_records,
    parse_http_response,
    read_listing,
    resolve_location,
)
from tests.test_warc_helpers import (
    http_block,
    join_records,
    page_html,
    warc_record,
    warcio_pointers,
    write_warcio_warc,
)

READERS = ("auto", "fastwarc", "warcio")


def _pages(source, reader):
    st = CountSink()
    pages = [(p.url, p.html, p.offset, p.length) for p in iter_html_pages(source, reader=reader, stats=st)]
    return pages, st


def _records(source, reader):
    st = CountSink()
    return [(r.rec_type, r.url, r.offset, r.length, r.block) for r in iter_records(source, reader=reader, stats=st)], st


# ---- the real WARC files ---------------------------------------------------------------------------
def test_real_files_no_page_lost_against_warcio(data_dir):
    """Every file in tests/data: auto and FastWARC read every page warcio reads; nothing crashes."""
    files = sorted(data_dir.glob("*.warc*"))
    assert len(files) >= 7
    total = 0
    for f in files:
        ref, _ = _pages(f, "warcio")
        for reader in ("auto", "fastwarc"):
            got, _ = _pages(f, reader)
            missing = {(u, h) for u, h, *_ in ref} - {(u, h) for u, h, *_ in got}
            assert not missing, f"{f.name}: {reader} lost {missing}"
        total += len(ref)
    assert total >= 5


@pytest.mark.parametrize(
    "name",
    ["cc-whirlwind.warc.gz", "warcio-example.warc.gz", "warcio-example-resource.warc.gz", "cc-whirlwind.warc.wet.gz"],
)
def test_well_formed_files_give_identical_records(data_dir, name):
    ref, st = _records(data_dir / name, "warcio")
    for reader in ("fastwarc", "auto"):
        got, st2 = _records(data_dir / name, reader)
        assert got == ref
        assert not st2.reasons.get("skipped")


def test_common_crawl_record_pointer_matches_the_index(data_dir):
    """The response record's offset/length are its gzip member, and fetching them gives the record."""
    f = data_dir / "cc-whirlwind.warc.gz"
    (page,) = list(iter_html_pages(f))
    assert page.url == "https://an.wikipedia.org/wiki/Escopete"
    assert (page.offset, page.length) == (1023, 17351)
    (ref,) = warcio_pointers(f)
    assert ref[1:] == (page.offset, page.length)
    data = f.read_bytes()[page.offset : page.offset + page.length]
    rec, reason = record_from_bytes(data)
    assert reason is None and rec.url == page.url
    assert page.charset == "utf-8" and page.charset_source == "http"
    assert page.warc_date == "2024-05-18T01:58:10Z"
    assert "Escopete" in page.html


def test_truncated_file(data_dir):
    f = data_dir / "warcio-example-trunc.warc"
    for reader in READERS:
        pages, st = _pages(f, reader)
        assert [u for u, *_ in pages] == ["http://example.com/"]
        assert st.counts["records"] == 4


def test_bad_non_chunked_gzip_read_without_pointers(data_dir):
    """One gzip member for many records: every page is read, pointers are None (not re-fetchable)."""
    for reader in READERS:
        recs, st = _records(data_dir / "warcio-example-bad-non-chunked.warc.gz", reader)
        assert [r[0] for r in recs] == ["warcinfo", "warcinfo", "response", "request", "revisit", "request"]
        assert all(r[3] is None for r in recs)
        assert st.reasons["warnings"]["non_chunked_gzip"] == 1
        pages, _ = _pages(data_dir / "warcio-example-bad-non-chunked.warc.gz", reader)
        assert len(pages) == 1 and pages[0][2] is None


def test_wrong_chunks_gzip(data_dir):
    """A record spread over two gzip members: the page is read by every reader."""
    for reader in READERS:
        pages, st = _pages(data_dir / "warcio-example-wrong-chunks.warc.gz", reader)
        assert [u for u, *_ in pages] == ["http://example.com/"], reader
        assert "Example Domain" in pages[0][1]


def test_resource_only_file_has_no_pages(data_dir):
    for reader in READERS:
        pages, st = _pages(data_dir / "warcio-example-resource.warc.gz", reader)
        assert pages == []
        assert st.reasons["ignored"]["resource_record"] == 1


# ---- generated files ------------------------------------------------------------------------------------
def _html_records(n=6):
    recs = []
    for i in range(n):
        body = page_html(i).encode()
        recs.append(warc_record(f"http://example.org/{i}", http_block(body, [("Content-Type", "text/html")])))
        recs.append(warc_record(f"http://example.org/{i}", b"GET / HTTP/1.1\r\n\r\n", rec_type="request"))
    return recs


@pytest.mark.parametrize("gz", [True, False])
def test_warcio_written_file_same_pointers_for_every_reader(tmp_path, gz):
    pages = [(f"http://site{i % 3}.example/p{i}", page_html(i).encode()) for i in range(25)]
    path = tmp_path / ("w.warc.gz" if gz else "w.warc")
    write_warcio_warc(path, pages, gz=gz)
    ref = warcio_pointers(path)
    data = path.read_bytes()
    for reader in READERS:
        got, st = _pages(path, reader)
        assert [u for u, *_ in got] == [u for u, _ in pages]
        assert [o for *_, o, _ in got] == [o for _, o, _ in ref]
        for url, _, off, ln in got:
            # the range holds exactly that record (gz: its member; plain: up to the next record)
            rec, reason = record_from_bytes(data[off : off + ln], reader)
            assert reason is None and rec.url == url
        assert got[0][1] == pages[0][1].decode()


def test_old_warc_with_bare_lf_http_headers(tmp_path):
    """WARC/0.18 with bare-LF HTTP headers: FastWARC's own HTTP parser misreads it; ours does not."""
    recs = [
        warc_record(
            f"http://old.example/{i}",
            http_block(
                f"<html><body><p>Old page {i}</p></body></html>".encode(), [("Content-Type", "text/html")], eol=b"\n"
            ),
            version="0.18",
        )
        for i in range(3)
    ]
    data, spans = join_records(recs, gz=True)
    path = tmp_path / "old.warc.gz"
    path.write_bytes(data)

    from fastwarc.warc import ArchiveIterator

    # the library's parse: garbage headers, no Content-Type (why HTTP parsing is ours)
    assert all(r.http_content_type is None for r in ArchiveIterator(open(path, "rb"), parse_http=True))
    ref, _ = _pages(path, "warcio")
    assert [u for u, *_ in ref] == [f"http://old.example/{i}" for i in range(3)]
    for reader in ("auto", "fastwarc"):
        got, st = _pages(path, reader)
        assert got == ref
    _, st = _pages(path, "auto")
    assert st.reasons["warnings"]["old_warc_version_read_with_warcio"] == 1
    assert [(o, n) for *_, o, n in ref] == spans


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("reader", READERS)
def test_garbage_between_records_is_skipped_and_reading_goes_on(tmp_path, gz, reader):
    recs = _html_records(6)
    parts = [gzip.compress(r, mtime=0) if gz else r for r in recs]
    garbage = b"\x00garbage that is no WARC record at all\r\n" * 20
    data = b"".join(parts[:4]) + garbage + b"".join(parts[4:])
    path = tmp_path / ("g.warc.gz" if gz else "g.warc")
    path.write_bytes(data)
    pages, st = _pages(path, reader)
    assert [u for u, *_ in pages] == [f"http://example.org/{i}" for i in range(6)]
    assert st.reasons["skipped"]["malformed_record"] >= 1 or st.reasons.get("warnings")
    # pointers after the garbage are still exact
    off, ln = pages[-1][2], pages[-1][3]
    rec, reason = record_from_bytes(data[off : off + ln])
    assert reason is None and rec.url == "http://example.org/5"


@pytest.mark.parametrize("reader", READERS)
def test_corrupt_gzip_member_skipped(tmp_path, reader):
    recs = _html_records(5)
    parts = [gzip.compress(r, mtime=0) for r in recs]
    bad = bytearray(parts[4])  # the response of page 2
    bad[30:60] = b"\xff" * 30
    parts[4] = bytes(bad)
    path = tmp_path / "c.warc.gz"
    path.write_bytes(b"".join(parts))
    pages, st = _pages(path, reader)
    urls = [u for u, *_ in pages]
    assert "http://example.org/2" not in urls
    assert {"http://example.org/0", "http://example.org/1", "http://example.org/3", "http://example.org/4"} <= set(urls)
    assert sum(st.reasons.get("skipped", {}).values()) >= 1


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("reader", READERS)
def test_file_cut_in_the_middle_of_a_record(tmp_path, gz, reader):
    recs = _html_records(4)
    data, spans = join_records(recs, gz=gz)
    off, ln = spans[6]  # the last response
    path = tmp_path / ("t.warc.gz" if gz else "t.warc")
    path.write_bytes(data[: off + ln // 2])
    pages, st = _pages(path, reader)
    assert [u for u, *_ in pages] == [f"http://example.org/{i}" for i in range(3)]
    assert sum(st.reasons.get("skipped", {}).values()) >= 1


def test_bytes_source_and_listing(tmp_path):
    recs = _html_records(2)
    data, _ = join_records(recs, gz=True)
    pages, _ = _pages(data, "auto")
    assert len(pages) == 2
    (tmp_path / "crawl-data").mkdir()
    (tmp_path / "crawl-data" / "a.warc.gz").write_bytes(data)
    listing = tmp_path / "warc.paths.gz"
    listing.write_bytes(gzip.compress(b"crawl-data/a.warc.gz\n\n# comment\nhttp://elsewhere.example/b.warc.gz\n"))
    assert is_listing(str(listing)) and not is_warc(str(listing))
    assert read_listing(str(listing), "http://127.0.0.1:9/") == [
        "http://127.0.0.1:9/crawl-data/a.warc.gz",
        "http://elsewhere.example/b.warc.gz",
    ]
    assert read_listing(str(listing), str(tmp_path))[0] == str(tmp_path / "crawl-data" / "a.warc.gz")
    assert resolve_location("crawl-data/x.warc.gz", "https://data.commoncrawl.org/") == (
        "https://data.commoncrawl.org/crawl-data/x.warc.gz"
    )
    assert resolve_location("s3://commoncrawl/x.warc.gz", "https://data.commoncrawl.org/").startswith("s3://")
    assert is_warc("x.warc.wet.gz") and is_warc("a/B.WARC") and not is_warc("x.parquet")


# ---- HTTP payloads ------------------------------------------------------------------------------------
def _page_of(block: bytes, extra=None):
    rec = next(iter_records(warc_record("http://e.org/", block, extra=extra)))
    st = CountSink()
    return html_page(rec, st), st


def test_chunked_and_gzip_payloads():
    html = page_html(1).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(html[i : i + 100]), html[i : i + 100]) for i in range(0, len(html), 100))
    chunked += b"0\r\n\r\n"
    page, _ = _page_of(http_block(chunked, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
    assert page.html == html.decode()
    gz = gzip.compress(html)
    page, _ = _page_of(http_block(gz, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]))
    assert page.html == html.decode()
    both = b"%x\r\n%s\r\n0\r\n\r\n" % (len(gz), gz)
    page, _ = _page_of(
        http_block(
            both, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")]
        )
    )
    assert page.html == html.decode()
    # a header saying chunked over a body that is not: the body is kept as it is
    page, st = _page_of(http_block(html, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]))
    assert page.html == html.decode() and st.reasons["warnings"]["bad_chunked_encoding"] == 1
    # gzip header over a decoded body (some archives): kept, with a warning
    page, st = _page_of(http_block(html, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]))
    assert page.html == html.decode()
    # broken gzip over something that is not HTML: a counted skip
    page, st = _page_of(http_block(b"\x1f\x8bnonsense", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]))
    assert page is None and st.reasons["skipped"]["bad_content_encoding"] == 1


def test_html_detection_and_status():
    html = b"<!DOCTYPE html><html><body><p>x</p></body></html>"
    assert _page_of(http_block(html, [("Content-Type", "application/xhtml+xml")]))[0] is not None
    assert _page_of(http_block(html, []))[0] is not None  # sniffed
    page, st = _page_of(http_block(b"\x89PNG....", [("Content-Type", "image/png")]))
    assert page is None and st.reasons["ignored"]["non_html"] == 1
    page, st = _page_of(http_block(b"plain words", []))
    assert page is None and st.reasons["ignored"]["non_html"] == 1
    page, st = _page_of(http_block(html, [("Content-Type", "text/html")], status="404 Not Found"))
    assert page is None and st.reasons["ignored"]["http_status_4xx"] == 1
    page, st = _page_of(b"not http at all")
    assert page is None and st.reasons["skipped"]["bad_http_headers"] == 1
    # WARC-Identified-Payload-Type stands in for a missing Content-Type
    page, _ = _page_of(http_block(b"no markup here", []), extra=[("WARC-Identified-Payload-Type", "text/html")])
    assert page is not None


def test_parse_http_response_variants():
    r = parse_http_response(b"HTTP/1.0 200 OK\nContent-Type: text/html\nX-Long: a\n  b\nX-A: 1\nx-a: 2\n\nbody")
    assert r.status == 200 and r.body == b"body"
    assert r.headers["content-type"] == "text/html" and r.headers.get("X-LONG") == "a b"
    assert r.headers["X-A"] == "1, 2" and "x-a" in r.headers
    assert isinstance(r.headers, Headers)
    assert dechunk(b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n") == b"abcde"
    assert dechunk(b"<html>") is None
    assert decode_content(__import__("zlib").compress(b"hello"), "deflate") == b"hello"
    assert decode_content(gzip.compress(b"hello"), "identity, gzip") == b"hello"


# ---- charsets -----------------------------------------------------------------------------------------
def test_charset_order_and_never_crash():
    text = "Ça coûte très cher — “quoted”"
    body = f"<html><body><p>{text}</p></body></html>"
    # HTTP header first
    out, cs, src = decode_html(body.encode("cp1252"), "text/html; charset=windows-1252", "utf-8")
    assert (out, src) == (body, "http")
    # ISO-8859-1 is read as windows-1252 (as browsers do)
    assert decode_html(body.encode("cp1252"), "text/html; charset=ISO-8859-1")[0] == body
    # WARC-Identified-Content-Charset when the header says nothing
    assert decode_html(body.encode("cp1252"), "text/html", "windows-1252")[2] == "warc"
    # <meta charset> and <meta http-equiv>
    meta = f'<html><head><meta charset="koi8-r"></head><body>{"Привет мир"}</body></html>'
    assert decode_html(meta.encode("koi8_r"))[0] == meta
    equiv = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><p>日本語のテキスト</p>'
    assert decode_html(equiv.encode("cp932"))[0] == equiv
    # a declared charset that does not decode gives way to the next one
    out, cs, src = decode_html(body.encode("cp1252"), "text/html; charset=utf-8", "windows-1252")
    assert out == body and src == "warc"
    # unknown charset names are passed over
    assert decode_html(body.encode(), "text/html; charset=no-such-charset")[0] == body
    # detection: UTF-8, then charset-normalizer
    assert decode_html(body.encode())[1:] == ("utf-8", "detected")
    ru = "<html><body><p>" + "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 5 + "</p></body></html>"
    assert decode_html(ru.encode("cp1251"))[0] == ru
    # BOM wins
    assert decode_html(b"\xef\xbb\xbf" + body.encode(), "text/html; charset=latin-1")[0] == body
    # undecodable bytes never crash
    junk = b"<p>\xff\xfe\x80\x81 caf\xe9 \xc3\x28</p>"
    for ct in (None, "text/html; charset=utf-8", "text/html; charset=ascii"):
        out, _, _ = decode_html(junk, ct)
        assert isinstance(out, str) and out.startswith("<p>")


def test_http_page_charset_from_record():
    body = "<html><body><p>Größe und Maß</p></body></html>".encode("latin-1")
    page, st = _page_of(
        http_block(body, [("Content-Type", "text/html")]), extra=[("WARC-Identified-Content-Charset", "ISO-8859-1")]
    )
    assert "Größe und Maß" in page.html and page.charset_source == "warc"


def test_stream_from_file_object_like_sources(tmp_path):
    """Local paths given as str or Path both work, and bytes_in is reported."""
    data, _ = join_records(_html_records(3), gz=True)
    p = tmp_path / "x.warc.gz"
    p.write_bytes(data)
    seen = []
    recs = list(iter_records(str(p), on_bytes=seen.append))
    assert len(recs) == 6 and seen == [len(data)]
    assert list(io.BytesIO(data).read(2)) == [0x1F, 0x8B]


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("reader", READERS)
def test_storage_failures_are_retried_from_the_last_record_not_skipped(monkeypatch, gz, reader):
    """A connection reset mid-file is no malformed record: reading starts again at the last record boundary."""
    import obelics.io.warc as W

    data, _ = join_records(_html_records(40), gz=gz)
    opened = []

    class Flaky(io.BytesIO):
        def read(self, n=-1):
            if len(opened) in (2, 3) and self.tell() > 2000:  # the 1st and 2nd reading sessions fail
                raise ConnectionResetError("peer reset")
            return super().read(n)

    def open_at(self, pos):
        opened.append(pos)
        f = Flaky(data)
        f.seek(pos)
        return f

    monkeypatch.setattr(W._Source, "open_at", open_at)
    monkeypatch.setattr(W.time, "sleep", lambda s: None)
    st = CountSink()
    recs = list(iter_records(data, reader=reader, stats=st))
    urls = [r.url for r in recs if r.rec_type == "response"]
    assert urls == [f"http://example.org/{i}" for i in range(40)]  # each once, none lost
    assert st.reasons["warnings"]["read_retried"] == 2 and "skipped" not in st.reasons
    opened.clear()
    monkeypatch.setattr(Flaky, "read", lambda self, n=-1: (_ for _ in ()).throw(ConnectionResetError("down")))
    with pytest.raises(WarcSourceError):
        list(iter_records(data, reader=reader, stats=CountSink()))


def _arc_file(gz: bool) -> bytes:
    body = b"<html><body><p>An old ARC page</p></body></html>"
    http = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    desc_body = b"1 0 Internet Archive\nURL IP-address Archive-date Content-type Archive-length\n"
    parts = [b"filedesc://test.arc 0.0.0.0 20050101000000 text/plain %d\n" % len(desc_body) + desc_body + b"\n"]
    for i in range(2):
        parts.append(b"http://arc.example/%d 1.2.3.4 20050101000000 text/html %d\n" % (i, len(http)) + http + b"\n")
    return b"".join(gzip.compress(p, mtime=0) if gz else p for p in parts)


@pytest.mark.parametrize("gz", [True, False])
def test_arc_files_through_warcio(gz):
    data = _arc_file(gz)
    for reader in ("auto", "warcio"):
        pages, _ = _pages(data, reader)
        assert [u for u, *_ in pages] == ["http://arc.example/0", "http://arc.example/1"]
        assert "An old ARC page" in pages[0][1]
        off, ln = pages[1][2], pages[1][3]
        rec, reason = record_from_bytes(data[off : off + ln])
        assert reason is None and rec.url == "http://arc.example/1"
    with pytest.raises(ValueError):
        list(iter_records(data, reader="fastwarc"))


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as hs  # noqa: E402

_BASE = {gz: join_records(_html_records(3), gz=gz)[0] for gz in (True, False)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    gz=hs.booleans(),
    reader=hs.sampled_from(READERS),
    cut=hs.integers(0, 10_000),
    flips=hs.lists(hs.tuples(hs.integers(0, 10_000), hs.integers(0, 255)), max_size=8),
    insert=hs.tuples(hs.integers(0, 10_000), hs.binary(max_size=200)),
)
def test_damaged_warcs_never_crash(gz, reader, cut, flips, insert):
    """Cut, flipped and inserted bytes anywhere: records come out or are counted, nothing raises."""
    data = bytearray(_BASE[gz])
    for pos, val in flips:
        data[pos % len(data)] = val
    at, junk = insert
    data[at % len(data) : at % len(data)] = junk
    data = bytes(data[: max(1, len(data) - cut % len(data))])
    st = CountSink()
    for rec in iter_records(data, reader=reader, stats=st):
        page = html_page(rec, st)
        assert page is None or isinstance(page.html, str)
        if rec.offset is not None and rec.length is not None:
            assert 0 <= rec.offset and rec.offset + rec.length <= len(data)
