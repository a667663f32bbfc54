"""The images stage end to end against a local image server with the bad cases of the web.

One corpus of three shards is run once (the run is interrupted in its last step, then resumed through the
command line); the tests below check each outcome of that run. Download settings are small so it is quick.
"""

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from obelics.cli import main as cli
from obelics.document import Document, Node, image_metadata
from obelics.io.parquet import read_documents, write_documents
from obelics.run.runner import StageFailed, run_stage
from obelics.stages import images as stage
from tests.imageserver import (
    ImageServer,
    decompression_bomb_png,
    make_gif,
    make_jpeg,
    make_png,
    make_webp,
    truncated_jpeg,
)

FAST = {"allow_loopback": True, "processes_count": 1, "thread_count": 8, "timeout": 1, "max_side": 1000}
FAST_CLI = ["--allow-loopback", "--processes", "1", "--threads", "8", "--timeout", "1", "--set", "max_side=1000"]


class Corpus:
    """Three shards whose documents use good and bad image URLs; ``expected`` says what survives."""

    def __init__(self, srv: ImageServer, folder) -> None:
        self.srv = srv
        self.body: dict[str, bytes] = {}
        add = self.add
        photos = [add(f"/photo{i}.jpg", make_jpeg(300 + 10 * i, 220, seed=i)) for i in range(8)]
        self.shared = add("/shared.jpg", make_jpeg(320, 240, seed=20))
        self.popular = add("/popular.jpg", make_jpeg(320, 240, seed=21))
        self.dup_a = add("/dup-a.jpg", make_jpeg(300, 200, seed=50))
        self.dup_b = add("/dup-b.png", make_png(320, 220, seed=50))  # the same picture, resized and re-encoded
        self.png = add("/pic.png", make_png(320, 240, seed=40))
        self.webp = add("/pic.webp", make_webp(330, 240, seed=41))
        copy = make_jpeg(310, 230, seed=60)
        self.copy1, self.copy2 = add("/copy1.jpg", copy), add("/copy2.jpg", copy)
        self.logo = add("/site-logo.jpg", make_jpeg(300, 200, seed=70))
        self.declared = add("/declared.jpg", make_jpeg(300, 200, seed=71))
        self.target = make_jpeg(300, 250, seed=80)
        srv.add("/target.jpg", self.target)
        self.moved = srv.add_redirect("/moved.jpg", "/target.jpg")
        self.body[self.moved] = self.target
        self.flaky = srv.add_flaky("/flaky.jpg", make_jpeg(300, 260, seed=81))
        self.body[self.flaky] = srv.routes["/flaky.jpg"].body
        bad = {
            "missing": srv.add_status("/missing.jpg", 404),
            "slow": srv.add_slow("/slow.jpg", make_jpeg(300, 200, seed=90), delay=3.0),
            "loop": srv.add_redirect("/loop-a.jpg", "/loop-b.jpg"),
            "meta": srv.add_redirect("/to-metadata.jpg", "http://169.254.169.254/latest/meta-data/"),
            "private": srv.add_redirect("/to-private.jpg", "http://10.11.12.13/x.jpg"),
            "huge": add("/huge.jpg", make_jpeg(1200, 800, seed=91)),
            "small": add("/small.jpg", make_jpeg(100, 100, seed=92)),
            "wide": add("/wide.jpg", make_jpeg(600, 200, seed=93)),
            "gif": add("/anim.gif", make_gif(300, 200, seed=94)),
            "html": srv.add(
                "/page.jpg", b"<html><body>" + b"<p>not an image</p>" * 50 + b"</body></html>", "text/html"
            ),
            "truncated": add("/truncated.jpg", truncated_jpeg(seed=95)),
            "bomb": add("/bomb.png", decompression_bomb_png()),
            "noai": srv.add("/noai.jpg", make_jpeg(300, 200, seed=96), headers={"X-Robots-Tag": "noai"}),
        }
        srv.add_redirect("/loop-b.jpg", "/loop-a.jpg")
        self.bad = bad
        self.good = set(photos) | {self.shared, self.png, self.webp, self.copy1, self.copy2, self.moved, self.flaky}

        per_doc: list[list] = [[] for _ in range(14)]
        for k in range(14):
            if k != 12:
                per_doc[k].append(photos[k % 8])
        for k in range(10):
            per_doc[k].append(self.shared)
        for k in range(12):
            per_doc[k].append(self.popular)
            per_doc[k].append(self.dup_a if k < 6 else self.dup_b)
        per_doc[0] += [bad["missing"], self.logo]
        per_doc[1] += [bad["slow"], self.moved]
        per_doc[2] += [bad["loop"], bad["meta"], bad["private"]]
        per_doc[3] += [bad["huge"], bad["small"], bad["wide"]]
        per_doc[4] += [bad["gif"], bad["html"], bad["truncated"]]
        per_doc[5] += [bad["bomb"], bad["noai"], self.flaky]
        per_doc[6] += [self.png, self.webp, ("declared", self.declared)]
        per_doc[7] += [photos[7], self.copy1, self.copy2]  # photo7 twice in doc 7; copy2 = copy1's bytes
        per_doc[13] = [bad["missing"], bad["small"]]
        self.docs = []
        for k, items in enumerate(per_doc):
            nodes = [Node(text=f"Document {k} opens with a paragraph.")]
            for j, item in enumerate(items):
                declared = isinstance(item, tuple)
                url = item[1] if declared else item
                meta = image_metadata(url, document_url=f"http://pages.example/{k}", alt_text=f"image {j}")
                if declared:
                    meta.update(rendered_width=100, rendered_height=80)
                nodes += [Node(image=url, meta=meta), Node(text=f"Paragraph {j} of document {k}.")]
            self.docs.append(Document.from_nodes(nodes, {"url": f"http://pages.example/{k}"}))
        folder.mkdir()
        self.paths = []
        for name, (a, b) in zip("abc", [(0, 5), (5, 10), (10, 14)]):
            path = folder / f"{name}.parquet"
            write_documents(path, self.docs[a:b], row_group_size=2)
            self.paths.append(str(path))

    def add(self, path: str, body: bytes) -> str:
        url = self.srv.add(path, body)
        self.body[url] = body
        return url

    def expected(self, doc: Document) -> Document:
        """The document as the stage must leave it."""
        seen_urls, seen_bytes, nodes = set(), set(), []
        for n in doc.nodes():
            if n.is_image:
                declared = (n.meta or {}).get("rendered_width") == 100
                if n.image not in self.good or declared or n.image in seen_urls or self.body[n.image] in seen_bytes:
                    continue
                seen_urls.add(n.image)
                seen_bytes.add(self.body[n.image])
            nodes.append(n)
        return doc.replace_nodes(nodes)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("images")
    with ImageServer() as srv:
        corpus = Corpus(srv, tmp / "in")
        out = tmp / "out"
        real_attach = stage.attach_task

        def crash_on_b(inputs, output, settings, stats):
            if settings["_shard"] == 1:
                raise OSError("simulated crash while attaching shard b")
            return real_attach(inputs, output, settings, stats)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(stage, "attach_task", crash_on_b)
            with pytest.raises(StageFailed, match="simulated crash"):
                run_stage("images", corpus.paths, str(out), FAST)
        after_first = dict(srv.requests)
        rc = cli(["images", str(tmp / "in"), "--output", str(out), *FAST_CLI])
        assert rc == 0
        yield corpus, out, after_first, dict(srv.requests), srv.log


def test_every_surviving_image_is_in_its_slot_with_its_bytes(run):
    corpus, out, *_ = run
    got = [d for name in "abc" for d in read_documents(str(out / f"{name}.parquet"))]
    assert len(got) == len(corpus.docs)
    for doc, new in zip(corpus.docs, got):
        want = corpus.expected(doc)
        assert new.texts == want.texts
        assert new.images == want.images
        new.validate()
        for url, meta, data in zip(new.images, new.metadata, new.image_bytes):
            if url is None:
                assert data is None
                continue
            assert data == corpus.body[url]  # the original bytes: no re-encoding
            assert meta["sha256"] == hashlib.sha256(data).hexdigest() and meta["bytes_size"] == len(data)
            assert meta["original_width"] > 0 and meta["original_height"] > 0 and len(meta["phash"]) == 16
            assert meta["alt_text"].startswith("image ")  # the slot's own metadata is kept
    formats = {u: m["format"] for d in got for u, m in zip(d.images, d.metadata) if u}
    assert formats[corpus.png] == "png" and formats[corpus.webp] == "webp" and formats[corpus.shared] == "jpeg"
    assert got[12].images == [None] and got[13].texts == [corpus.docs[13].text]  # texts merged around removed images


def test_each_distinct_url_is_downloaded_once(run):
    corpus, _, after_first, requests, log = run
    assert requests == after_first  # the resumed run downloaded nothing again
    assert requests["/shared.jpg"] == 1  # used by 10 documents in 3 shards
    for url in corpus.good - {corpus.moved, corpus.flaky}:
        assert requests[url.removeprefix(corpus.srv.base)] == 1, url
    assert requests["/moved.jpg"] == 1 and requests["/target.jpg"] == 1
    assert requests["/flaky.jpg"] == 2  # 503, then retried once
    assert requests["/missing.jpg"] == 1  # a 404 is not retried
    assert requests["/slow.jpg"] == 2  # a timeout is retried once
    for path in ("/popular.jpg", "/site-logo.jpg", "/declared.jpg"):
        assert requests.get(path, 0) == 0, path  # dropped before any download
    assert all("obelics" in agent for _, agent in log)  # the user agent names the project


def test_each_case_ends_as_its_documented_outcome(run):
    _, out, *_ = run
    s = json.loads((out / "stats.json").read_text())
    assert s["url_dropped"] == {"too_frequent": 1, "banned_substring": 1}
    assert s["download"] == {
        "success": 24,
        "http_404": 1,
        "timeout": 1,
        "too_many_redirects": 1,
        "guard_refused": 2,
        "opt_out_header": 1,
    }
    assert s["image_filtered"] == {
        "too_large": 1,
        "too_small": 1,
        "aspect_ratio": 1,
        "format": 1,
        "not_an_image": 1,
        "truncated": 1,
        "decompression_bomb": 1,
    }
    assert s["slot_skipped"] == {"declared_size": 1}
    assert s["phash_frequent"] == 2  # dup-a and dup-b: 6 + 6 documents, one picture
    removed = s["image_removed"]
    assert removed["too_frequent"] == 12 and removed["banned_substring"] == 1
    assert removed["phash_frequent"] == 12 and removed["declared_size"] == 1
    assert removed["repeated_in_document"] == 2  # the same URL, and the same bytes under another URL
    assert removed["download:http_404"] == 2 and removed["filter:too_small"] == 2
    for reason in ("download:timeout", "download:too_many_redirects", "download:opt_out_header", "filter:truncated"):
        assert removed[reason] == 1, reason
    assert removed["download:guard_refused"] == 2
    assert s["images_out"] == s["images_in"] - sum(removed.values())
    assert s["documents_in"] == s["documents_out"] == 14


def test_work_files_are_removed_and_a_rerun_is_a_no_op(run, tmp_path):
    corpus, out, _, requests, _ = run
    assert not list(out.rglob("*.parquet.tmp")) and not (out / "_work" / "results").exists()
    assert sorted(p.name for p in out.glob("*.parquet")) == ["a.parquet", "b.parquet", "c.parquet"]
    assert not [p for p in (out / "_work").rglob("*.parquet")]  # nothing a later stage could take for a shard
    before = (out / "a.parquet").read_bytes()
    assert cli(["images", str(out.parent / "in"), "--output", str(out), *FAST_CLI]) == 0
    assert (out / "a.parquet").read_bytes() == before
    # other settings in the same output folder are refused
    assert cli(["images", str(out.parent / "in"), "--output", str(out), *FAST_CLI, "--max-url-count", "3"]) == 2


def test_guard_refuses_loopback_unless_allowed(tmp_path):
    with ImageServer() as srv:
        a = srv.add("/a.jpg", make_jpeg(300, 200, seed=1))
        b = srv.url("/b.jpg").replace("127.0.0.1", "localhost")
        srv.add("/b.jpg", make_jpeg(300, 200, seed=2))
        doc = Document.from_nodes(
            [Node(text="one"), Node(image=a, meta=image_metadata(a)), Node(text="two"), Node(image=b, meta={})],
            {"url": "http://pages.example/x"},
        )
        write_documents(tmp_path / "in.parquet", [doc])
        s = run_stage("images", [str(tmp_path / "in.parquet")], str(tmp_path / "out"), {"processes_count": 1})
        assert srv.total() == 0
    assert s["url_dropped"] == {"guard:loopback": 2} and s["image_removed"] == {"guard:loopback": 2}
    (new,) = read_documents(str(tmp_path / "out" / "in.parquet"))
    assert new.texts == ["one\n\ntwo"] and new.images == [None]
    # its work files are gone, so one shard alone cannot be rebuilt: the message says what to do
    (tmp_path / "out" / "in.parquet").unlink()
    (tmp_path / "out" / "in.stats.json").unlink()
    with pytest.raises(StageFailed, match="--force"):
        run_stage("images", [str(tmp_path / "in.parquet")], str(tmp_path / "out"), {"processes_count": 1}, retries=0)


def test_published_obelics_layout(tmp_path):
    """A Parquet file as published on the Hub: JSON-string metadata, extra columns, several row groups."""
    with ImageServer() as srv:
        imgs = [srv.add(f"/p{i}.jpg", make_jpeg(300 + 20 * i, 260, seed=100 + i)) for i in range(5)]
        gone = srv.add_status("/gone.jpg", 404)
        text = srv.add("/notes.txt", b"just text " * 40, "text/plain")
        para = "The harbour town woke early, and the boats went out before the sun rose."
        rows = [
            [para],
            [para, imgs[0], para, gone, para, imgs[1], imgs[2], para, text, para, imgs[3]],
            [imgs[4], para, imgs[0]],
            [para, gone],
            [para, imgs[1], para],
        ]
        table = {"texts": [], "images": [], "metadata": [], "general_metadata": [], "extra_note": [], "score": []}
        for n, items in enumerate(rows):
            images = [x if x.startswith("http") else None for x in items]
            table["texts"].append([None if x.startswith("http") else x for x in items])
            table["images"].append(images)
            table["metadata"].append(
                json.dumps(
                    [None if u is None else image_metadata(u, document_url=f"http://h.example/{n}") for u in images]
                )
            )
            table["general_metadata"].append(
                json.dumps(
                    {
                        "url": f"http://h.example/{n}",
                        "warc_filename": "crawl-data/x.warc.gz",
                        "warc_record_offset": 1000 * n,
                        "warc_record_length": 900,
                    }
                )
            )
            table["extra_note"].append(f"row {n}")
            table["score"].append(n / 10)
        src = tmp_path / "in" / "obelics-part.parquet"
        src.parent.mkdir()
        pq.write_table(pa.table(table), src, row_group_size=2)
        out = tmp_path / "out"
        args = ["images", str(src.parent), "-o", str(out), *FAST_CLI]
        assert cli(args) == 0
        assert srv.count("/p0.jpg") == 1 and srv.count("/gone.jpg") == 1
    assert pq.ParquetFile(src).num_row_groups == 3
    got = list(read_documents(str(out / "obelics-part.parquet")))
    assert [d.extra for d in got] == [{"extra_note": f"row {n}", "score": n / 10} for n in range(5)]
    ok = set(imgs)
    for n, (items, doc) in enumerate(zip(rows, got)):
        want_images = [x for x in items if x in ok]
        assert [u for u in doc.images if u] == want_images
        kept = [x for x in items if not x.startswith("http") or x in ok]
        want_texts = Document.from_nodes(
            [Node(image=x) if x.startswith("http") else Node(text=x) for x in kept], {}
        ).texts
        assert doc.texts == want_texts  # texts unchanged, merged where a failed image was removed
        assert doc.general_metadata["warc_record_offset"] == 1000 * n
        for u, data in zip(doc.images, doc.image_bytes):
            if u:
                assert data == srv.routes[u.removeprefix(srv.base)].body
    s = json.loads((out / "stats.json").read_text())
    assert s["download"]["http_404"] == 1 and s["image_filtered"] == {"not_an_image": 1}


def test_worker_processes_path(tmp_path):
    """processes_count > 1: the filters and hashes run in worker processes; the guard still checks every hop."""
    import signal

    before_sigint = signal.getsignal(signal.SIGINT)
    with ImageServer() as srv:
        good = [srv.add(f"/w{i}.jpg", make_jpeg(300, 220 + 10 * i, seed=200 + i)) for i in range(3)]
        meta = srv.add_redirect("/meta.jpg", "http://169.254.169.254/latest/meta-data/")
        cut = srv.add("/cut.jpg", truncated_jpeg(seed=210))
        docs = [
            Document.from_nodes(
                [Node(text=f"doc {k}")]
                + [Node(image=u, meta=image_metadata(u)) for u in (good[k], good[2], meta, cut)],
                {"url": f"http://pages.example/{k}"},
            )
            for k in range(2)
        ]
        paths = []
        for k, d in enumerate(docs):
            write_documents(tmp_path / f"s{k}.parquet", [d])
            paths.append(str(tmp_path / f"s{k}.parquet"))
        s = run_stage("images", paths, str(tmp_path / "out"), {**FAST, "processes_count": 2})
        assert srv.count("/w2.jpg") == 1 and srv.total() == 5  # each distinct URL once
    assert s["download"] == {"success": 4, "guard_refused": 1} and s["image_filtered"] == {"truncated": 1}
    assert s["images_out"] == 4
    assert signal.getsignal(signal.SIGINT) == before_sigint


def test_input_by_url(tmp_path):
    """A shard read through fsspec (here over HTTP from the test server), as published files on a hub are."""
    with ImageServer() as srv:
        img = srv.add("/x.jpg", make_jpeg(300, 200, seed=300))
        doc = Document.from_nodes(
            [Node(text="before"), Node(image=img, meta=image_metadata(img)), Node(text="after")], {"url": "http://p/1"}
        )
        write_documents(tmp_path / "remote.parquet", [doc])
        shard_url = srv.add("/data/remote.parquet", (tmp_path / "remote.parquet").read_bytes())
        assert cli(["images", shard_url, "-o", str(tmp_path / "out"), *FAST_CLI]) == 0
        assert srv.count("/x.jpg") == 1
    (new,) = read_documents(str(tmp_path / "out" / "remote.parquet"))
    assert new.images == [None, img, None] and new.image_bytes[1] == srv.routes["/x.jpg"].body


def test_fetcher_outcomes_come_from_structured_data():
    """One URL at a time: the status code, the failure's type, the size cap and the opt-out header decide."""
    from obelics.images.download import ImageFetcher

    with ImageServer() as srv:
        img = srv.add("/x.jpg", make_jpeg(300, 200, seed=310))
        big = srv.add("/big.jpg", make_jpeg(800, 600, seed=311, quality=95))
        noai = srv.add("/noai.jpg", make_jpeg(300, 200, seed=312), headers={"X-Robots-Tag": "obelics: noai"})
        other = srv.add("/other.jpg", make_jpeg(300, 200, seed=313), headers={"X-Robots-Tag": "otherbot: noai"})
        gone = srv.add_status("/gone.jpg", 410)
        fetch = ImageFetcher({**stage.DEFAULTS, **FAST, "max_image_bytes": 20_000})
        assert len(srv.routes["/x.jpg"].body) < 20_000 < len(srv.routes["/big.jpg"].body)
        got = {u: fetch(u) for u in (img, big, noai, other, gone)}
    assert got[img]["status"] == "ok" and got[img]["bytes"] == srv.routes["/x.jpg"].body
    assert got[big]["status"] == "download:too_many_bytes" and "bytes" not in got[big]
    assert got[noai]["status"] == "download:opt_out_header"
    assert got[other]["status"] == "ok"  # a directive for another crawler
    assert got[gone]["status"] == "download:http_410"
