"""Dedup passes across several shards: every cross-shard case, the funnel, determinism whatever the
task order or partitioning, resuming after a crash, and the pieces (keys, grouped files, components)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from obelics.cli import main as cli_main
from obelics.dedup import keys as K
from obelics.dedup.passes import EDGE_SCHEMA, INFO_SCHEMA, MinHashPass
from obelics.dedup.store import connect, write_grouped
from obelics.document import SCHEMA, Document, Node, image_metadata
from obelics.io.parquet import read_documents
from obelics.run.runner import LocalEngine, run_stage
from obelics.run.settings import SettingsError
from obelics.run.task import execute

RNG = random.Random(7)
VOCAB = ["".join(RNG.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(RNG.randint(3, 9))) for _ in range(5000)]


def words(n: int, seed: int) -> str:
    r = random.Random(seed)
    return " ".join(r.choice(VOCAB) for _ in range(n))


def doc(url: str, parts: list, date: str | None = None, warc: str = "crawl-data/CC-MAIN-2022-05/w.warc.gz", offset=0):
    nodes = [Node(text=p) if isinstance(p, str) else Node(image=p[1], meta=image_metadata(p[1])) for p in parts]
    gm = {"url": url, "warc_filename": warc, "warc_record_offset": offset, "warc_record_length": 10}
    if date:
        gm["crawl_date"] = date
    return Document.from_nodes(nodes, gm)


BOILER = "Follow us on Twitter for more news"
NEAR = words(300, 99)

# shard -> documents; the comment says what must happen to each
CORPUS: dict[str, list[Document]] = {
    "s0": [
        # URL: three copies across shards; the 2023 one (s2) is kept
        doc("https://news.site-u.com/a", [words(40, 1)], date="2022-01-01T10:00:00Z"),
        # URL by crawl id only: CC-MAIN-2023-06 is newer than CC-MAIN-2022-49 (s1) -> this one kept
        doc("https://site-c.com/b", [words(40, 2)], warc="crawl-data/CC-MAIN-2023-06/x.warc.gz"),
        # URL tie (same date, WARC and offset as s1's copy): the lower shard (this one) is kept
        doc("https://tie.com/t", [words(40, 3)], date="2022-05-05T00:00:00Z"),
        # paragraph: BOILER in 3 documents of example.co.uk (s0, s1, s2) -> removed from all
        doc("https://a.example.co.uk/1", [words(30, 4), BOILER, ("img", "https://i.com/p1.jpg")]),
        # paragraph seen only twice in two.org (s0, s2) -> kept
        doc("https://two.org/1", [words(30, 5), "Shared only twice here"]),
        # paragraph: a document whose only text is boilerplate of empty.net -> removed
        doc("https://empty.net/1", ["Cookie notice text here", ("img", "https://i.com/e1.jpg")]),
        # image set {x1, x2}, older -> removed in favour of s2's
        doc(
            "https://img-a.com/1",
            [words(30, 6), ("img", "https://i.com/x1.jpg"), ("img", "https://i.com/x2.jpg")],
            date="2022-01-01T00:00:00Z",
        ),
        # near duplicate cluster: 2021 copy
        doc("https://m1.com/1", [NEAR], date="2021-01-01T00:00:00Z"),
    ],
    "s1": [
        doc("https://news.site-u.com/a#comments", [words(40, 11)], warc="crawl-data/CC-MAIN-2021-04/w.warc.gz"),
        doc("http://site-c.com/b", [words(40, 12)], warc="crawl-data/CC-MAIN-2022-49/x.warc.gz"),
        doc("https://tie.com/t", [words(40, 13)], date="2022-05-05T00:00:00Z"),
        doc("https://b.example.co.uk/2", [words(30, 14) + "\n\n  follow US on   twitter for more news "]),
        doc("https://empty.net/2", [words(30, 15), "Cookie notice text here"]),
        # image subset {x1}: a different set -> kept
        doc("https://img-b.com/1", [words(30, 16), ("img", "https://i.com/x1.jpg")]),
        # near duplicate: same words, other case and punctuation, 2022 -> the kept one of its cluster
        doc("https://m2.com/1", [NEAR.upper().replace(" ", ", ", 20)], date="2022-01-01T00:00:00Z"),
    ],
    "s2": [
        doc("https://NEWS.site-u.com/a", [words(40, 21)], date="2023-03-01T00:00:00+00:00"),
        doc("https://example.co.uk/3", [BOILER, words(30, 22)]),
        doc("https://two.org/2", ["Shared only twice here", words(30, 23)]),
        doc("https://other.co.uk/1", [words(30, 24), BOILER]),  # another domain: kept
        doc("https://empty.net/3", [words(30, 25), "cookie notice text here"]),
        doc(
            "https://img-c.com/1",
            [
                words(30, 26),
                ("img", "https://i.com/x2.jpg"),
                ("img", "https://i.com/x1.jpg"),
                ("img", "https://i.com/x1.jpg"),
            ],
            date="2023-01-01T00:00:00Z",
        ),
        # near duplicate: a few words appended, 2020 -> removed
        doc("https://m3.com/1", [NEAR + " and three more"], date="2020-01-01T00:00:00Z"),
        # a distinct document with no URL: untouched by every pass
        doc("", [words(50, 27)]),
    ],
}

EXPECTED_REMOVED = {
    "url_duplicate": 4,  # site-u x2, site-c x1, tie x1
    "no_text_after_paragraph_dedup": 1,  # empty.net/1
    "image_set_duplicate": 1,  # img-a
    "near_duplicate": 2,  # m1, m3
}


def write_corpus(folder: Path) -> list[str]:
    """One Parquet file per shard; s1 starts with an unreadable row (bad metadata JSON)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, docs in CORPUS.items():
        rows = [d.to_row() for d in docs]
        if name == "s1":
            rows.insert(0, {"texts": ["x"], "images": [None], "metadata": "{not json", "general_metadata": "{}"})
        table = pa.table({f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in SCHEMA})
        pq.write_table(table, folder / f"{name}.parquet")
        paths.append(str(folder / f"{name}.parquet"))
    return paths


def read_out(folder: Path) -> dict[str, list[Document]]:
    return {p.stem: list(read_documents(str(p))) for p in sorted(folder.glob("*.parquet"))}


def shard_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.parquet"))}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("dedup")
    inputs = write_corpus(base / "in")
    summary = run_stage("dedup", inputs, str(base / "out"), {"keep_rejected": True})
    return base, inputs, summary


# ---------------------------------------------------------------- the passes, cross-shard


def test_url_pass_keeps_newest_crawl_across_shards(corpus):
    base, _, s = corpus
    out = read_out(base / "out")
    urls = [(shard, d.url, d.texts[0]) for shard, docs in out.items() for d in docs]
    site_u = [u for u in urls if "site-u" in u[1].lower()]
    assert site_u == [("s2", "https://NEWS.site-u.com/a", words(40, 21))]  # WARC-Date 2023 wins
    assert [u[0] for u in urls if "site-c" in u[1]] == ["s0"]  # crawl id 2023-06 beats 2022-49
    assert [(u[0], u[2]) for u in urls if "tie.com" in u[1]] == [("s0", words(40, 3))]  # tie: lower shard
    assert s["pass0_url"] == {"documents_in": 23, "documents_removed": 4, "documents_out": 19}


def test_paragraph_pass_within_registered_domain(corpus):
    base, _, s = corpus
    docs = {d.url: d for ds in read_out(base / "out").values() for d in ds}
    for url in ("https://a.example.co.uk/1", "https://b.example.co.uk/2", "https://example.co.uk/3"):
        assert "twitter" not in docs[url].text.lower(), url  # 3 documents of example.co.uk, in 3 shards
    assert docs["https://a.example.co.uk/1"].images[-1] == "https://i.com/p1.jpg"
    assert docs["https://b.example.co.uk/2"].texts == [words(30, 14)]
    assert BOILER in docs["https://other.co.uk/1"].text  # once in its own domain
    assert "Shared only twice here" in docs["https://two.org/1"].text  # 2 < 3
    assert "https://empty.net/1" not in docs  # nothing left but an image: removed
    assert docs["https://empty.net/3"].texts == [words(30, 25)]
    assert s["removed_paragraphs"] == {"repeated_in_domain": 6}  # 3 x BOILER, 3 x the cookie notice
    assert s["pass1_paragraph"]["paragraphs_removed"] == 6


def test_image_set_and_minhash_passes(corpus):
    base, _, s = corpus
    docs = {d.url: d for ds in read_out(base / "out").values() for d in ds}
    assert "https://img-a.com/1" not in docs and "https://img-c.com/1" in docs and "https://img-b.com/1" in docs
    assert "https://m1.com/1" not in docs and "https://m3.com/1" not in docs and "https://m2.com/1" in docs
    assert "" in docs  # no URL: untouched
    assert s["removed_documents"] == EXPECTED_REMOVED
    assert s["minhash_components"]["near_duplicate_clusters"] == 1
    assert s["minhash_components"]["documents_in_clusters"] == 3


def test_funnel_rejected_and_skips(corpus):
    base, _, s = corpus
    assert s["documents_in"] == 23 and s["skipped"] == {"bad_row:DocumentError": 1}
    assert s["documents_out"] == 23 - sum(EXPECTED_REMOVED.values())
    assert [s[f"pass{i}_{p}"]["documents_in"] for i, p in enumerate(["url", "paragraph", "image_set", "minhash"])] == [
        23,
        19,
        18,
        17,
    ]
    assert s["outputs"] == [str(base / "out" / f"s{i}.parquet") for i in range(3)]
    rejected = {
        p.parent.name: sorted(d.url for d in read_documents(str(p))) for p in (base / "out" / "rejected").rglob("*.pq")
    }
    assert set(rejected) == {"url", "paragraph", "image_set", "minhash"}
    # key files are gone once used; only decisions and markers stay in _work
    work = base / "out" / "_work"
    assert not list(work.rglob("keys/*.pq")) and list(work.rglob("drops/*.pq"))


# ---------------------------------------------------------------- determinism and resuming


class ShuffledEngine:
    """Runs each step's tasks in a random order (as another engine might)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def run(self, tasks, retries, desc):
        order = list(tasks)
        self.rng.shuffle(order)
        return [execute(t, retries) for t in order]


class CrashingEngine:
    """Runs tasks in order and 'dies' after a given number of them."""

    def __init__(self, after: int) -> None:
        self.left = after

    def run(self, tasks, retries, desc):
        out = []
        for t in tasks:
            if self.left == 0:
                raise KeyboardInterrupt("killed")
            self.left -= 1
            out.append(execute(t, retries))
        return out


def test_same_bytes_whatever_task_order_or_partitioning(corpus, tmp_path):
    base, inputs, _ = corpus
    run_stage("dedup", inputs, str(tmp_path / "shuffled"), {"keep_rejected": True}, engine=ShuffledEngine(3))
    assert shard_bytes(tmp_path / "shuffled") == shard_bytes(base / "out")
    run_stage("dedup", inputs, str(tmp_path / "p5"), {"partitions": 5}, engine=ShuffledEngine(4))
    assert shard_bytes(tmp_path / "p5") == shard_bytes(base / "out")


def test_resume_after_crash_gives_the_same_output(corpus, tmp_path):
    base, inputs, _ = corpus
    with pytest.raises(KeyboardInterrupt):
        run_stage("dedup", inputs, str(tmp_path / "out"), {"keep_rejected": True}, engine=CrashingEngine(after=11))
    s = run_stage("dedup", inputs, str(tmp_path / "out"), {"keep_rejected": True}, engine=LocalEngine())
    assert s["skipped_done"] == 11  # the finished tasks were not redone
    assert shard_bytes(tmp_path / "out") == shard_bytes(base / "out")
    assert s["removed_documents"] == EXPECTED_REMOVED  # the funnel still counts every shard once
    with pytest.raises(SettingsError, match="other inputs or settings"):
        run_stage("dedup", inputs[:2], str(tmp_path / "out"), {"keep_rejected": True})


def test_single_pass_and_bad_settings(corpus, tmp_path):
    _, inputs, _ = corpus
    s = run_stage("dedup", inputs, str(tmp_path / "url"), {"passes": ["url"]})
    assert s["removed_documents"] == {"url_duplicate": 4} and s["documents_out"] == 19
    with pytest.raises(SettingsError, match=r"'passes' is \['exact'\]; allowed values: url, paragraph"):
        run_stage("dedup", inputs, str(tmp_path / "bad"), {"passes": ["url", "exact"]})
    with pytest.raises(SettingsError, match="passes must be distinct names"):
        run_stage("dedup", inputs, str(tmp_path / "bad"), {"passes": ["url", "url"]})
    with pytest.raises(SettingsError, match="exceeds num_perm"):
        run_stage("dedup", inputs, str(tmp_path / "bad2"), {"minhash_bands": 20, "minhash_rows": 20})


def test_cli(corpus, tmp_path, capsys):
    _, inputs, _ = corpus
    assert cli_main(["dedup", *inputs, "--output", str(tmp_path / "x"), "--passes", "url,nope"]) == 2
    assert "unknown pass nope" in capsys.readouterr().err
    rc = cli_main(["-q", "dedup", *inputs, "--output", str(tmp_path / "o"), "--passes", "image_set,url", "--keep-work"])
    assert rc == 0
    summary = json.loads((tmp_path / "o" / "stats.json").read_text())
    assert summary["removed_documents"] == {"image_set_duplicate": 1, "url_duplicate": 4}
    assert list((tmp_path / "o" / "_work").rglob("keys/*.pq"))  # kept on request


# ---------------------------------------------------------------- the pieces


def test_keys():
    assert K.recency({"crawl_date": "2023-01-27T12:34:56Z"}) == "2023-01-27T12:34:56.000000"
    assert K.recency({"crawl_date": "2023-01-27T13:34:56+01:00"}) == "2023-01-27T12:34:56.000000"
    assert K.recency({"warc_filename": "crawl-data/CC-MAIN-2023-06/segments/1/warc/x.warc.gz"}) == (
        "2023-02-06T00:00:00.000000"
    )
    assert K.recency({"crawl_date": "garbage"}) == "" and K.recency({}) == ""
    assert K.registered_domain("https://news.bbc.co.uk/x") == "bbc.co.uk"
    assert K.registered_domain("https://a.b.example.com:8080/") == "example.com"
    assert K.registered_domain("http://127.0.0.1:8000/p") == "127.0.0.1"
    assert K.registered_domain("http://localhost/p") == "localhost"
    assert K.canonical_url("HTTPS://Example.COM:443#x") == K.canonical_url("http://example.com/")
    assert K.canonical_url("https://example.com/a?b=1") != K.canonical_url("https://example.com/a?b=2")
    assert K.image_set_key(["b", None, "a", "a"]) == K.image_set_key(["a", "b"]) and K.image_set_key([None]) is None
    assert K.paragraph_key("d.com", "Hello   World") == K.paragraph_key("d.com", " hello world ")
    assert K.paragraph_key("d.com", "x") != K.paragraph_key("e.com", "x")
    assert K.shingles("a b c", 5) == {b"a b c"} and len(K.shingles(" ".join("abcdefg"), 5)) == 3


def test_minhash_bands_separate_near_from_distinct():
    b, r = K.lsh_params(0.8, 128)
    h = K.MinHasher(128, 1, 5, b, r)
    base = words(200, 5)
    same = set(h.band_hashes(base)) & set(h.band_hashes(base.upper() + " end"))
    other = set(h.band_hashes(base)) & set(h.band_hashes(words(200, 6)))
    assert len(same) >= 1 and not other and h.band_hashes("") == []
    # the share of equal signature values estimates the Jaccard similarity of the shingle sets
    a, c = words(600, 8).split(), words(200, 9).split()
    sa, sb = K.shingles(" ".join(a), 5), K.shingles(" ".join(a[:400] + c), 5)
    est = float((h.signature(" ".join(a)) == h.signature(" ".join(a[:400] + c))).mean())
    assert abs(est - len(sa & sb) / len(sa | sb)) < 0.12


def test_grouped_file_has_one_row_group_per_partition(tmp_path):
    t = pa.table({"part": pa.array([2, 0, 2, 1, 0], pa.int32()), "v": pa.array([1, 2, 3, 4, 5], pa.int64())})
    write_grouped(str(tmp_path / "k.pq"), t, "part")
    f = pq.ParquetFile(tmp_path / "k.pq")
    assert f.metadata.num_row_groups == 3
    assert [f.read_row_group(i).column("part").to_pylist() for i in range(3)] == [[0, 0], [1], [2, 2]]
    write_grouped(str(tmp_path / "e.pq"), t.slice(0, 0), "part")
    assert pq.read_table(tmp_path / "e.pq").num_rows == 0


def test_connected_components_follow_chains(tmp_path):
    # a chain 1-2, 2-3, 3-4 (no edge 1-4) and a separate pair 10-11; the newest of each component is kept
    g = [((0 << 32) | i) for i in range(12)]
    edges = pa.table({"a": [g[1], g[2], g[3], g[10]], "b": [g[2], g[3], g[4], g[11]]}, schema=EDGE_SCHEMA)
    pq.write_table(edges, tmp_path / "edges.pq")
    dates = {1: "2020", 2: "2021", 3: "2023", 4: "2022", 10: "2020", 11: "2020"}
    info = pa.table(
        {"gid": [g[i] for i in dates], "recency": list(dates.values()), "tie": [""] * len(dates)}, schema=INFO_SCHEMA
    )
    pq.write_table(info, tmp_path / "info.pq")
    p = MinHashPass({"minhash_threshold": 0.8, "minhash_num_perm": 128}, 1)
    con = connect({}, str(tmp_path / "tmp"))
    counts = p.decide(
        "components", con, [str(tmp_path / "edges.pq")], str(tmp_path / "drops.pq"), 0, [str(tmp_path / "info.pq")]
    )
    drops = pq.read_table(tmp_path / "drops.pq").column("row").to_pylist()
    assert drops == [1, 2, 4, 11]  # 3 is the newest of the chain; 10 wins the tie by id
    assert counts["near_duplicate_clusters"] == 2 and counts["documents_in_clusters"] == 6
