"""What every per-document stage shares: one bad-row policy and the funnel counters, by name."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from obelics.document import Document, Node
from obelics.run.runner import run_stage
from obelics.stages._documents import FUNNEL


@pytest.fixture
def mixed(tmp_path) -> str:
    rows = [
        Document.from_nodes(
            [Node(text=f"page {i} " + "words of a page " * 5), Node(image=f"https://a.example/{i}.jpg", meta={})],
            {"url": f"https://a.example/{i}"},
        ).to_row()
        for i in range(3)
    ]
    path = tmp_path / "in" / "mixed.parquet"
    path.parent.mkdir()
    pq.write_table(pa.Table.from_pylist([*rows, dict(rows[0], metadata="{not json")]), path)
    return str(path)


@pytest.mark.parametrize(
    "stage, settings",
    [
        ("optout", {}),
        ("dedup", {}),
        ("shard", {}),
        ("export", {}),
        ("filter", {"languages": ["en"], "nsfw_images": False, "language_min_score": None}),
    ],
)
def test_a_bad_row_is_a_counted_skip_in_every_per_document_stage(stage, settings, mixed, tmp_path):
    s = run_stage(stage, [mixed], str(tmp_path / stage), settings, allow_empty=True)
    assert s["skipped"].get("bad_row:DocumentError") == 1, s.get("skipped")
    assert s["documents_in"] == 3  # the three good rows
    # the funnel by the names the card reads: every good document is kept or removed for a reason
    assert s.get(FUNNEL[1], 0) + sum(s.get("removed_documents", {}).values()) == 3


def _docs(n: int) -> list[Document]:
    return [
        Document.from_nodes(
            [Node(text=f"page {i}"), Node(image=f"https://a.example/{i}.jpg", meta={})],
            {"url": f"https://a.example/{i}"},
        )
        for i in range(n)
    ]


def test_the_base_counts_the_funnel_keeps_rejects_by_kind_and_counts_skips(tmp_path):
    from obelics.io.parquet import read_documents, write_documents
    from obelics.stages._documents import Reject, Skip, map_documents
    from obelics.stats import Stats

    src = tmp_path / "in.parquet"
    write_documents(src, _docs(6))
    out = tmp_path / "out" / "in.parquet"
    rejected = {"odd": str(tmp_path / "out" / "rejected" / "odd" / "in.pq")}
    rows_seen = []

    def process(doc, row):
        rows_seen.append(row)
        if row == 5:
            return Skip("empty_document")
        if row % 2:
            return Reject("odd_row", images_reason="in_odd_row", kind="odd", metadata={"pass": "odd"})
        return doc

    stats = Stats()
    map_documents("t", str(src), str(out), process, stats, keep_rejected=True, rejected_paths=rejected, with_row=True)
    assert rows_seen == [0, 1, 2, 3, 4, 5]
    assert [d.url for d in read_documents(str(out))] == [f"https://a.example/{i}" for i in (0, 2, 4)]
    kept_out = list(read_documents(rejected["odd"]))
    assert [d.url for d in kept_out] == ["https://a.example/1", "https://a.example/3"]
    assert kept_out[0].general_metadata["rejected"] == {"stage": "t", "reason": "odd_row", "pass": "odd"}
    assert kept_out[0].extra["reject_reason"] == "odd_row"
    assert stats.counts["documents_in"] == 6 and stats.counts["documents_out"] == 3
    assert stats.reasons["removed_documents"] == {"odd_row": 2}
    assert stats.reasons["removed_images"] == {"in_odd_row": 2}
    assert stats.reasons["skipped"] == {"empty_document": 1}
    assert not (tmp_path / "out" / "rejected" / "in.parquet").exists()  # the default layout is not used


def test_the_base_in_batches_with_the_stage_counting_and_a_tar_as_input(tmp_path):
    from obelics.io.parquet import read_documents
    from obelics.io.webdataset import write_shards
    from obelics.stages._documents import Reject, map_documents
    from obelics.stats import Stats

    shards = write_shards(tmp_path / "tars", "s", [(f"s_{i:07d}", d) for i, d in enumerate(_docs(5))])
    tar = str(tmp_path / "tars" / shards[0].name)
    sizes = []

    def process_batch(batch):
        sizes.append(len(batch))
        return [None if d.url.endswith("/0") else Reject("r") if d.url.endswith("/1") else d for d in batch]

    stats = Stats()
    out = tmp_path / "out" / "s.parquet"
    map_documents("t", tar, str(out), None, stats, process_batch=process_batch, batch_size=2, counts_funnel=False)
    assert sizes == [2, 2, 1]
    assert [d.url for d in read_documents(str(out))] == [f"https://a.example/{i}" for i in (2, 3, 4)]
    assert not stats.counts and not stats.reasons  # the stage counts the funnel itself
