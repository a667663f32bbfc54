"""Opt-out: page and image signals, user lists (text and Parquet), and the opt-out API client
against a local server on 127.0.0.1 (batching, rate limit, retries, outage)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from obelics.cli import main as cli_main
from obelics.document import Document, Node, image_metadata
from obelics.filters.optout import OptOutList, image_signal, page_decision, url_key
from obelics.io.parquet import read_documents, write_documents
from obelics.optout.api import OptOutClient, OptOutServiceError, parse_response
from obelics.optout.lists import load_list, parse_text_list
from obelics.run.runner import NothingProduced, StageFailed, run_stage

# ---------------------------------------------------------------- helpers


def make_doc(url: str, parts: list, opt_out: dict | None = None) -> Document:
    """parts: strings are texts, ("img", url[, opt_out]) tuples are images."""
    nodes = []
    for p in parts:
        if isinstance(p, str):
            nodes.append(Node(text=p))
        else:
            meta = image_metadata(p[1], document_url=url)
            if len(p) > 2:
                meta["opt_out"] = p[2]
            nodes.append(Node(image=p[1], meta=meta))
    gm = {"url": url}
    if opt_out is not None:
        gm["opt_out"] = {"noai": False, "noimageai": False, "noindex": False, "tdm_reservation": False, **opt_out}
    return Document.from_nodes(nodes, gm)


def docs_by_url(folder: Path) -> dict[str, Document]:
    return {d.url: d for f in sorted(folder.glob("*.parquet")) for d in read_documents(str(f))}


# ---------------------------------------------------------------- pure decisions


def test_page_signals_decide_page_and_images():
    assert page_decision({"opt_out": {"noai": True}}) == ("page_noai", None)
    assert page_decision({"opt_out": {"tdm_reservation": True, "sources": ["tdmrep.json"]}}) == (
        "page_tdm_reservation",
        None,
    )
    assert page_decision({"opt_out": {"noimageai": True}}) == (None, "page_noimageai")
    assert page_decision({"opt_out": {"noindex": True}}) == (None, None)  # not a training opt-out by default
    assert page_decision({"opt_out": {"noindex": True}}, noindex_opt_out=True) == ("page_noindex", None)
    assert page_decision({}) == (None, None)


@pytest.mark.parametrize(
    "sig,expected",
    [
        (None, False),
        (False, False),
        (True, True),
        ({"noai": True}, True),
        ({"noimageai": True, "noai": False}, True),
        ({"noindex": True}, False),
        ("noai, noimageai", True),
        ("noindex", False),
        (["noimageai"], True),
        ([], False),
    ],
)
def test_image_signal_shapes(sig, expected):
    meta = {"src": "x"} if sig is None else {"src": "x", "opt_out": sig}
    assert image_signal(meta) is expected


def test_list_matching_urls_and_domains():
    lst = OptOutList(urls=["https://Example.com/page?id=1#frag"], domains=["blocked.org", "*.cdn.net"])
    assert lst.match("http://example.com/page?id=1") == "url"  # scheme, case and fragment ignored
    assert lst.match("https://example.com/page?id=2") is None
    assert lst.match("https://blocked.org/x.jpg") == "domain"
    assert lst.match("https://img.static.blocked.org/x.jpg") == "domain"  # subdomains covered
    assert lst.match("https://notblocked.org/x.jpg") is None  # a suffix of the name is not a subdomain
    assert lst.match("https://a.cdn.net/y") == "domain"
    assert url_key("https://example.com") == url_key("http://EXAMPLE.com:80/")


def test_text_list_with_comments(tmp_path):
    p = tmp_path / "optout.txt"
    p.write_text(
        "# my opt-outs\nhttps://a.com/page   # a page\n\nblocked.org\nwww.b.com/img.png\n   # indented comment\n"
    )
    lst = load_list(str(p))
    assert lst.urls == {"a.com/page", "www.b.com/img.png"} and lst.domains == {"blocked.org"}
    assert parse_text_list("").urls == set()


def test_parquet_lists_url_and_domain_columns(tmp_path):
    pq.write_table(pa.table({"url": ["https://a.com/p", None]}), tmp_path / "urls.parquet")
    pq.write_table(pa.table({"domain": ["c.org"], "note": ["x"]}), tmp_path / "domains.parquet")
    pq.write_table(pa.table({"other": [1]}), tmp_path / "bad.parquet")
    assert load_list(str(tmp_path / "urls.parquet")).urls == {"a.com/p"}
    assert load_list(str(tmp_path / "domains.parquet")).domains == {"c.org"}
    with pytest.raises(ValueError, match="'url' or 'domain' column"):
        load_list(str(tmp_path / "bad.parquet"))


# ---------------------------------------------------------------- the stage without the API


def test_stage_signals_and_lists(tmp_path):
    docs = [
        make_doc("https://ok.com/1", ["keep me", ("img", "https://ok.com/a.jpg"), "and me"], {}),
        make_doc("https://noai.com/1", ["gone"], {"noai": True}),
        make_doc("https://tdm.com/1", ["gone"], {"tdm_reservation": True, "sources": ["tdmrep"]}),
        make_doc("https://noimg.com/1", ["text stays", ("img", "https://noimg.com/a.jpg"), "too"], {"noimageai": True}),
        make_doc("https://noindex.com/1", ["kept by default"], {"noindex": True}),
        make_doc(
            "https://imgsig.com/1",
            ["before", ("img", "https://imgsig.com/a.jpg", {"noai": True}), "after", ("img", "https://x.com/b.jpg")],
        ),
        make_doc("https://listed.com/page", ["url listed"]),
        make_doc("https://sub.blocked.org/p", ["domain listed"]),
        make_doc(
            "https://fine.com/2", ["t", ("img", "https://img.blocked.org/i.jpg"), "u", ("img", "https://p.com/x.jpg")]
        ),
        make_doc("https://fine.com/3", [("img", "https://listed.com/only.jpg")]),
    ]
    write_documents(tmp_path / "in" / "a.parquet", docs[:5])
    write_documents(tmp_path / "in" / "b.parquet", docs[5:])
    (tmp_path / "list.txt").write_text("https://listed.com/page\nhttps://listed.com/only.jpg\n")
    pq.write_table(pa.table({"domain": ["blocked.org"]}), tmp_path / "domains.parquet")
    lists = [str(tmp_path / "list.txt"), str(tmp_path / "domains.parquet")]
    inputs = sorted(str(p) for p in (tmp_path / "in").glob("*.parquet"))
    s = run_stage("optout", inputs, str(tmp_path / "out"), {"lists": lists, "keep_rejected": True})
    out = docs_by_url(tmp_path / "out")
    assert set(out) == {
        "https://ok.com/1",
        "https://noimg.com/1",
        "https://noindex.com/1",
        "https://imgsig.com/1",
        "https://fine.com/2",
    }
    assert out["https://noimg.com/1"].texts == ["text stays\n\ntoo"] and out["https://noimg.com/1"].num_images == 0
    assert out["https://imgsig.com/1"].texts == ["before\n\nafter", None]  # texts merged around the removed image
    assert out["https://imgsig.com/1"].images == [None, "https://x.com/b.jpg"]
    assert out["https://fine.com/2"].images == [None, "https://p.com/x.jpg"]
    assert s["removed_documents"] == {
        "page_noai": 1,
        "page_tdm_reservation": 1,
        "page_list_url": 1,
        "page_list_domain": 1,
        "empty_after_image_optout": 1,
    }
    assert s["removed_images"] == {"page_noimageai": 1, "image_signal": 1, "image_list_domain": 1, "image_list_url": 1}
    assert s["documents_in"] == 10 and s["documents_out"] == 5
    rejected = [d for f in (tmp_path / "out" / "rejected").glob("*.parquet") for d in read_documents(str(f))]
    assert all(d.extra["reject_reason"] == d.general_metadata["rejected"]["reason"] for d in rejected)
    assert "config_name: rejected" in (tmp_path / "out" / "README.md").read_text()  # load_dataset(OUT, "rejected")
    assert sorted(d.general_metadata["rejected"]["reason"] for d in rejected) == [
        "empty_after_image_optout",
        "page_list_domain",
        "page_list_url",
        "page_noai",
        "page_tdm_reservation",
    ]
    s2 = run_stage("optout", inputs, str(tmp_path / "out2"), {"noindex_opt_out": True})
    assert s2["removed_documents"]["page_noindex"] == 1


# ---------------------------------------------------------------- a local opt-out service


class OptOutServer:
    """A Spawning-style opt-out API on 127.0.0.1: POST URLs (text or JSON), answers {"urls": [{url, optOut}]}."""

    def __init__(self, opted_out: set[str], fail_first: int = 0, status: int = 429, down: bool = False):
        self.opted_out = opted_out
        self.fail_first = fail_first
        self.status = status
        self.down = down
        self.sizes: list[int] = []
        self.times: list[float] = []
        self.formats: list[str] = []
        self.auth: list[str | None] = []
        self.calls = 0
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                srv.calls += 1
                srv.times.append(time.monotonic())
                srv.auth.append(self.headers.get("Authorization"))
                if srv.down or srv.calls <= srv.fail_first:
                    self.send_response(srv.status)
                    self.send_header("Retry-After", "0")
                    self.end_headers()
                    return
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    urls = json.loads(body)["urls"]
                    srv.formats.append("json")
                else:
                    urls = body.decode().split("\n")
                    srv.formats.append("text")
                srv.sizes.append(len(urls))
                answer = json.dumps({"urls": [{"url": u, "optOut": u in srv.opted_out} for u in urls]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2/query/urls"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def dead_url() -> str:
    """An address on 127.0.0.1 where nothing listens."""
    s = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = s.server_address[1]
    s.server_close()
    return f"http://127.0.0.1:{port}/query"


def test_client_batches_of_1000_and_answers(monkeypatch):
    urls = [f"https://site{i}.com/p" for i in range(2500)]
    opted = {urls[3], urls[1500], urls[2499]}
    monkeypatch.setenv("TEST_OPTOUT_KEY", "secret")
    with OptOutServer(opted) as srv:
        client = OptOutClient.from_settings(
            {
                "api_url": srv.url,
                "api_batch_size": 1000,
                "api_rate_limit": 0,
                "api_retries": 0,
                "api_backoff": 0.01,
                "api_timeout": 5,
                "api_format": "text",
                "api_key_env": "TEST_OPTOUT_KEY",
            }
        )
        res = client.check(urls)
    assert srv.sizes == [1000, 1000, 500] and srv.formats == ["text"] * 3
    assert srv.auth == ["API secret"] * 3
    assert res.opted_out == opted and res.unchecked == [] and res.requests == 3


def test_client_rate_limit_spaces_requests():
    with OptOutServer(set()) as srv:
        client = OptOutClient(srv.url, batch_size=1, rate_limit=20.0, retries=0, request_format="json")
        client.check([f"https://a.com/{i}" for i in range(6)])
    gaps = [b - a for a, b in zip(srv.times, srv.times[1:])]
    assert len(srv.times) == 6 and srv.formats == ["json"] * 6
    # 20 requests/s: starts 50 ms apart at the client; arrival jitter on a loaded machine allowed for
    assert srv.times[-1] - srv.times[0] >= 0.23, gaps
    assert min(gaps) >= 0.02, gaps


def test_client_retries_429_and_5xx_then_succeeds():
    with OptOutServer({"https://a.com/1"}, fail_first=2, status=429) as srv:
        client = OptOutClient(srv.url, rate_limit=0, retries=3, backoff=0.01)
        res = client.check(["https://a.com/1", "https://a.com/2"])
    assert res.opted_out == {"https://a.com/1"} and res.retries == 2 and res.requests == 3
    with OptOutServer(set(), fail_first=5, status=503) as srv:
        client = OptOutClient(srv.url, rate_limit=0, retries=2, backoff=0.01)
        with pytest.raises(OptOutServiceError, match="no answer after 3 attempts: HTTP 503"):
            client.query_batch(["https://a.com/1"])
        assert srv.calls == 3


def test_parse_response_rejects_incomplete_answers():
    assert parse_response({"urls": [{"url": "a", "optOut": True}, {"url": "b", "optOut": False}]}, ["a", "b"]) == {"a"}
    assert parse_response([{"optOut": False}, {"opt_out": True}], ["a", "b"]) == {"b"}  # by position
    with pytest.raises(ValueError, match="lacks 1"):
        parse_response({"urls": [{"url": "a", "optOut": True}]}, ["a", "b"])
    with pytest.raises(ValueError, match="boolean optOut"):
        parse_response({"urls": [{"url": "a"}]}, ["a"])


def api_corpus(tmp_path: Path) -> list[str]:
    docs = [
        make_doc("https://a.com/1", ["first", ("img", "https://img.com/1.jpg"), "second"]),
        make_doc("https://a.com/2", ["page opted out by the API", ("img", "https://img.com/2.jpg")]),
        make_doc("https://b.com/3", ["x", ("img", "https://img.com/3.jpg"), "y", ("img", "https://img.com/4.jpg")]),
        make_doc("https://b.com/4", ["only text"]),
    ]
    write_documents(tmp_path / "in" / "s.parquet", docs)
    return [str(tmp_path / "in" / "s.parquet")]


API_FAST = {"api_rate_limit": 0, "api_retries": 1, "api_backoff": 0.01, "api_timeout": 5}


def test_stage_with_api_batches_and_removes(tmp_path):
    inputs = api_corpus(tmp_path)
    with OptOutServer({"https://a.com/2", "https://img.com/3.jpg"}) as srv:
        s = run_stage("optout", inputs, str(tmp_path / "out"), {"api_url": srv.url, "api_batch_size": 3, **API_FAST})
    # 4 page URLs + 4 image URLs, deduplicated and sorted, in batches of 3
    assert srv.sizes == [3, 3, 2]
    out = docs_by_url(tmp_path / "out")
    assert set(out) == {"https://a.com/1", "https://b.com/3", "https://b.com/4"}
    assert (
        out["https://b.com/3"].images == [None, "https://img.com/4.jpg"] and out["https://b.com/3"].texts[0] == "x\n\ny"
    )
    assert s["removed_documents"] == {"page_api": 1} and s["removed_images"]["image_api"] == 1
    assert s["api_requests"] == 3 and s["api_urls_checked"] == 8 and s["api_urls_opted_out"] == 2


def test_stage_outage_fails_by_default_and_writes_nothing(tmp_path):
    inputs = api_corpus(tmp_path)
    with OptOutServer(set(), down=True, status=503) as srv:
        with pytest.raises(StageFailed, match="could not check 8 of 8 URLs"):
            run_stage("optout", inputs, str(tmp_path / "out"), {"api_url": srv.url, **API_FAST}, retries=0)
        assert srv.calls == 2  # one try and one retry of the first batch, then the task stops
    assert not list((tmp_path / "out").glob("*.parquet")) and not (tmp_path / "out" / "s.stats.json").exists()
    log = (tmp_path / "out" / "logs" / "s.log").read_text()
    assert "on_api_failure=keep" in log and "Nothing was written" in log


def test_stage_outage_keep_or_drop_counted(tmp_path):
    inputs = api_corpus(tmp_path)
    url = dead_url()  # connection refused
    keep = run_stage("optout", inputs, str(tmp_path / "keep"), {"api_url": url, "on_api_failure": "keep", **API_FAST})
    assert len(docs_by_url(tmp_path / "keep")) == 4
    assert keep["api_unchecked_kept"] == {"documents": 4, "images": 4} and keep["api_failed_batches"] == 1
    settings = {"api_url": url, "on_api_failure": "drop", **API_FAST}
    with pytest.raises(NothingProduced, match="no document written .*page_api_unavailable=4"):
        run_stage("optout", inputs, str(tmp_path / "drop"), settings)
    drop = run_stage("optout", inputs, str(tmp_path / "drop"), settings, allow_empty=True)
    assert docs_by_url(tmp_path / "drop") == {}
    assert drop["removed_documents"] == {"page_api_unavailable": 4}
    assert drop["documents_in"] == 4 and drop.get("documents_out", 0) == 0


def test_cli_optout_outage_exit_code_and_message(tmp_path, capsys):
    inputs = api_corpus(tmp_path)
    rc = cli_main(
        ["-q", "optout", inputs[0], "--output", str(tmp_path / "out"), "--api-url", dead_url(), "--retries", "0"]
        + ["--set", "api_retries=0", "--set", "api_rate_limit=0"]
    )
    assert rc == 1
    assert "could not check" in capsys.readouterr().err
    assert cli_main(["optout", inputs[0], "--output", str(tmp_path / "o2"), "--list", str(tmp_path / "nope.txt")]) == 2


def test_bad_rows_are_counted_skips_as_in_every_per_document_stage(tmp_path):
    from obelics.document import Node

    good = Document.from_nodes([Node(text="a page")], {"url": "https://a.example/"}).to_row()
    path = tmp_path / "in" / "mixed.parquet"
    path.parent.mkdir()
    pq.write_table(pa.Table.from_pylist([good, dict(good, metadata="{not json")]), path)
    s = run_stage("optout", [str(path)], str(tmp_path / "out"), {})
    assert s["documents_in"] == s["documents_out"] == 1 and s["skipped"] == {"bad_row:DocumentError": 1}
