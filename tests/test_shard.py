"""The shard stage: tars that `datasets` and `webdataset` load, a manifest, a card, atomic output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from obelics.cli import main as cli_main
from obelics.io.webdataset import file_sha256, iter_documents
from obelics.run.runner import run_stage
from tests.test_shard_fixtures import IMAGE_COUNTS, make_docs, write_inputs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Documents split over two input shards, sharded into tars of at most 4 documents."""
    base = tmp_path_factory.mktemp("shard")
    docs = make_docs()
    inputs = write_inputs(base / "in", docs)
    out = base / "out"
    summary = run_stage("shard", inputs, str(out), {"max_documents": 4})
    return docs, out, summary


def _expected(docs):
    """Per document: texts, URLs and the image bytes at their positions."""
    return [(d.texts, d.images, d.image_bytes or [None] * len(d.texts)) for d in docs]


def _hf_env(tmp_path: Path) -> None:
    """Quiet datasets; every load in these tests names its own cache_dir under tmp_path."""
    import datasets

    datasets.disable_progress_bars()


def test_stage_outputs_manifest_and_stats(built):
    docs, out, summary = built
    manifest = json.loads((out / "manifest.json").read_text())
    tars = sorted(p.name for p in out.glob("*.tar"))
    assert [s["name"] for s in manifest["shards"]] == tars
    assert manifest["documents"] == len(docs) == summary["documents_out"]
    assert manifest["images"] == sum(IMAGE_COUNTS) == manifest["images_with_bytes"]
    for s in manifest["shards"]:
        assert s["documents"] <= 4
        assert file_sha256(out / s["name"]) == s["sha256"]
        assert (out / s["name"]).stat().st_size == s["bytes"]
    assert summary["stage"] == "shard" and summary["inputs"]
    assert not list(out.glob(".*.tmp"))
    card = (out / "README.md").read_text()
    assert "configs:" in card and "list: image" in card and f"| documents | {len(docs)} |" in card


def test_plain_datasets_webdataset_loader_gives_every_text_and_image(built, tmp_path):
    import datasets

    _hf_env(tmp_path)
    docs, out, _ = built
    ds = datasets.load_dataset(
        "webdataset", data_files=str(out / "*.tar"), split="train", cache_dir=str(tmp_path / "c1")
    )
    assert len(ds) == len(docs)
    assert ds.features["images.mp"] == datasets.List(datasets.Value("binary"))
    rows = sorted(ds, key=lambda r: r["__key__"])  # keys keep the input order
    got = [(r["json"]["texts"], r["json"]["images"], r["images.mp"]) for r in rows]
    assert got == _expected(docs)  # byte for byte, in order
    meta = json.loads(rows[6]["json"]["metadata"])
    assert meta[1]["format"] == "webp"
    # the documented one-line cast gives PIL images
    typed = ds.cast_column("images.mp", datasets.List(datasets.Image()))
    row = next(r for r in typed if r["__key__"] == rows[1]["__key__"])
    img = [x for x in row["images.mp"] if x is not None][0]
    assert img.size == (24, 17) and img.convert("RGB").getpixel((3, 3)) == (255, 0, 255)


def test_load_dataset_of_the_folder_uses_the_card(built, tmp_path):
    import datasets

    _hf_env(tmp_path)
    docs, out, _ = built
    ds = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "c2"))
    assert len(ds) == len(docs)
    assert ds.features["images.mp"] == datasets.List(datasets.Image())
    n_pil = sum(
        sum(hasattr(x, "size") and hasattr(x, "mode") for x in (v if isinstance(v, list) else [v]))
        for row in ds
        for v in row.values()
    )
    assert n_pil == sum(IMAGE_COUNTS)
    raw = ds.cast_column("images.mp", datasets.List(datasets.Image(decode=False)))
    rows = sorted(raw, key=lambda r: r["__key__"])
    got = [(r["json"]["texts"], r["json"]["images"], [x and x["bytes"] for x in r["images.mp"]]) for r in rows]
    assert got == _expected(docs)


def test_first_five_samples_without_images_still_load(tmp_path):
    import datasets

    _hf_env(tmp_path)
    docs = make_docs([0, 0, 0, 0, 0, 0, 3, 0, 1, 2])
    inputs = write_inputs(tmp_path / "in", docs, parts=1)
    run_stage("shard", inputs, str(tmp_path / "out"), {})
    ds = datasets.load_dataset(
        "webdataset", data_files=str(tmp_path / "out" / "*.tar"), split="train", cache_dir=str(tmp_path / "c")
    )
    rows = sorted(ds, key=lambda r: r["__key__"])
    assert [(r["json"]["texts"], r["json"]["images"], r["images.mp"]) for r in rows] == _expected(docs)


def test_undecodable_bytes_and_url_only_images(tmp_path):
    docs = make_docs([2, 1])
    docs[0].image_bytes[1] = b"<svg xmlns='http://www.w3.org/2000/svg'/>"  # not an image a reader decodes
    docs[1].image_bytes = None  # URL only (images not downloaded)
    inputs = write_inputs(tmp_path / "in", docs, parts=1)
    summary = run_stage("shard", inputs, str(tmp_path / "out"), {})
    assert summary["images_dropped"] == {"undecodable": 1}
    back = [d for p in sorted((tmp_path / "out").glob("*.tar")) for d in iter_documents(str(p))]
    assert back[0].num_images == 1 and back[0].image_bytes[1] == docs[0].image_bytes[3]
    assert back[1].num_images == 1 and back[1].image_bytes is None


_KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    import obelics.io.webdataset as w
    orig = w.ShardWriter._emit
    n = [0]
    def emit(self, item):
        orig(self, item)
        n[0] += 1
        print("EMIT", n[0], flush=True)
        if n[0] == 6:
            time.sleep(120)  # killed here: the first tar is complete, the second half written
    w.ShardWriter._emit = emit
    from obelics.run.runner import run_stage
    run_stage("shard", sys.argv[1:-1], sys.argv[-1], {"max_documents": 4, "typed_head": False})
    """
)


def test_killed_writer_leaves_no_partial_shard_and_rerun_completes(tmp_path):
    docs = make_docs()
    inputs = write_inputs(tmp_path / "in", docs, parts=1)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WRITER, *inputs, str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "EMIT 6":
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    visible = sorted(p.name for p in out.glob("*.tar"))
    assert visible == ["part-000-000000.tar"]  # the finished tar only; the second is a hidden temp
    assert list(out.glob(".*.tmp"))
    assert len(list(iter_documents(str(out / visible[0])))) == 4
    assert not (out / "manifest.json").exists() and not (out / "README.md").exists()

    run_stage("shard", inputs, str(out), {"max_documents": 4, "typed_head": False})
    clean = tmp_path / "clean"
    run_stage("shard", inputs, str(clean), {"max_documents": 4, "typed_head": False})
    assert not list(out.glob(".*.tmp"))
    got = {p.name: file_sha256(p) for p in out.glob("*.tar")}
    assert got == {p.name: file_sha256(p) for p in clean.glob("*.tar")} and len(got) == 4
    assert (
        json.loads((out / "manifest.json").read_text())["shards"]
        == json.loads((clean / "manifest.json").read_text())["shards"]
    )


def test_cli_shard_and_bad_input(tmp_path, capsys):
    inputs = write_inputs(tmp_path / "in", make_docs([1, 0, 2]), parts=1)
    assert cli_main(["-q", "shard", inputs[0], "--output", str(tmp_path / "o"), "--max-documents", "2"]) == 0
    assert len(list((tmp_path / "o").glob("*.tar"))) == 2
    assert cli_main(["-q", "shard", str(tmp_path / "missing"), "--output", str(tmp_path / "o2")]) == 2
    assert "not found" in capsys.readouterr().err
    assert cli_main(["-q", "shard", inputs[0], "--output", str(tmp_path / "o3"), "--set", "max_documents=x"]) == 2


def test_same_folder_name_other_content_is_not_read_from_a_stale_cache(tmp_path):
    import datasets

    _hf_env(tmp_path)
    got = []
    for run, counts in enumerate(([1, 0, 2], [3, 1])):
        docs = make_docs(counts, words=3 + run)
        inputs = write_inputs(tmp_path / f"in{run}", docs, parts=1)
        out = tmp_path / f"run{run}" / "shards"  # the same folder name, as two runs of a user would have
        run_stage("shard", inputs, str(out), {})
        ds = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "shared-cache"))
        got.append([r["json"]["texts"] for r in ds])
        assert got[-1] == [d.texts for d in docs]
    assert got[0] != got[1]


def test_token_counts_by_a_named_local_tokenizer(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers

    docs = make_docs([1, 2])
    tok = Tokenizer(models.WordLevel({"[UNK]": 0, "caption": 1}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()  # splits "doc0word1" into one token, "\n\n" away
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    inputs = write_inputs(tmp_path / "in", docs, parts=1)
    summary = run_stage("shard", inputs, str(tmp_path / "out"), {"tokenizer": str(path)})
    expected = sum(len(tok.encode(t).ids) for d in docs for t in d.texts if t is not None)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert summary["tokens"] == manifest["tokens"] == expected > 0
    assert "| tokens (tokenizer `tokenizer.json`) |" in (tmp_path / "out" / "README.md").read_text()


def test_opt_out_flags_are_counted_for_the_card(tmp_path):
    from obelics.stages.shard import opted_out

    assert opted_out({"noai": False, "noimageai": False, "noindex": True, "sources": []}) == []
    assert opted_out({"noai": True, "tdm_reservation": True}) == ["noai", "tdm_reservation"]
    assert opted_out(True) == ["opt_out"] and opted_out(None) == []
    docs = make_docs([1, 1])
    docs[0].general_metadata["opt_out"] = {"noai": True, "noimageai": False, "sources": ["noai:meta:robots"]}
    docs[1].metadata[1]["opt_out"] = True
    summary = run_stage("shard", write_inputs(tmp_path / "in", docs, parts=1), str(tmp_path / "out"), {})
    assert summary["documents_opt_out_flagged"] == 1 and summary["opt_out_signals"] == {"noai": 1}
    assert summary["images_opt_out_flagged"] == 1
    assert "Flagged items left in this dataset: documents: 1, images: 1" in (tmp_path / "out" / "README.md").read_text()


def test_first_shard_without_images_is_flagged_and_the_card_still_loads(tmp_path):
    import datasets

    _hf_env(tmp_path)
    docs = make_docs([0, 0, 0, 2, 1])
    inputs = write_inputs(tmp_path / "in", docs, parts=2)  # part-000 has no image at all
    run_stage("shard", inputs, str(tmp_path / "out"), {})
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert "part-000-000000.tar" in manifest["warning"] and "features=" in manifest["warning"]
    assert manifest["warning"] in (tmp_path / "out" / "README.md").read_text()
    ds = datasets.load_dataset(str(tmp_path / "out"), split="train", cache_dir=str(tmp_path / "c"))
    assert sum(x is not None for r in ds for x in r["images.mp"]) == 3
    from obelics.io.webdataset import hf_features

    plain = datasets.load_dataset(
        "webdataset",
        data_files=str(tmp_path / "out" / "*.tar"),
        split="train",
        features=hf_features(),
        cache_dir=str(tmp_path / "c2"),
    )
    assert sum(x is not None for r in plain for x in r["images.mp"]) == 3
