"""Parquet export: the OBELICS Hub layout (URLs only) and with image bytes, small row groups."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from obelics.io.parquet import read_documents
from obelics.run.runner import run_stage
from tests.test_shard_fixtures import IMAGE_COUNTS, make_docs, write_inputs


def test_hub_layout_from_tars_and_bytes_from_parquet(tmp_path):
    import datasets

    datasets.disable_progress_bars()
    docs = make_docs()
    for d in docs:
        d.extra["source_id"] = 7  # an extra input column: dropped unless keep_extra
    inputs = write_inputs(tmp_path / "in", docs)
    run_stage("shard", inputs, str(tmp_path / "shards"), {"max_documents": 5})

    # Hub layout from the tars
    hub = tmp_path / "hub"
    # the shard stage's recorded output (its manifest) stands for its tars, as in a pipeline
    summary = run_stage("export", [str(tmp_path / "shards" / "manifest.json")], str(hub), {})
    assert summary["tasks"] == 1 + len(list((tmp_path / "shards").glob("*.tar")))
    assert summary["documents_out"] == len(docs)
    files = sorted(hub.glob("*.parquet"))
    assert pq.read_schema(files[0]).names == ["texts", "images", "metadata", "general_metadata"]
    back = [d for f in files for d in read_documents(str(f))]
    assert [(d.texts, d.images, d.metadata) for d in back] == [(d.texts, d.images, d.metadata) for d in docs]
    assert all(d.image_bytes is None for d in back)
    ds = datasets.load_dataset(str(hub), split="train", cache_dir=str(tmp_path / "c1"))
    assert len(ds) == len(docs) and json.loads(ds[0]["general_metadata"])["url"] == docs[0].url
    assert "| stage |" in (hub / "README.md").read_text() and "shard" in (hub / "README.md").read_text()

    # with bytes, small row groups
    withb = tmp_path / "bytes"
    run_stage("export", inputs, str(withb), {"format": "bytes", "row_group_size": 3})
    for f in withb.glob("*.parquet"):
        meta = pq.ParquetFile(f).metadata
        assert all(meta.row_group(i).num_rows <= 3 for i in range(meta.num_row_groups))
    manifest = json.loads((withb / "manifest.json").read_text())
    assert manifest["images"] == sum(IMAGE_COUNTS) and all(len(s["sha256"]) == 64 for s in manifest["shards"])
    ds = datasets.load_dataset(str(withb), split="train", cache_dir=str(tmp_path / "c2"))
    assert ds.features["image_bytes"] == datasets.List(datasets.Image())
    n_pil = sum(x is not None and hasattr(x, "mode") for row in ds for x in row["image_bytes"])
    assert n_pil == sum(IMAGE_COUNTS)
    raw = ds.cast_column("image_bytes", datasets.List(datasets.Image(decode=False)))
    assert [[x and x["bytes"] for x in r["image_bytes"]] for r in raw] == [
        d.image_bytes or [None] * len(d.texts) for d in docs
    ]
    plain = datasets.load_dataset(
        "parquet", data_files=str(withb / "*.parquet"), split="train", cache_dir=str(tmp_path / "c3")
    )
    assert len(plain) == len(docs)
