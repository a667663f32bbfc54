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
