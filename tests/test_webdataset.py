"""The WebDataset sample layout: round trips, deterministic tars, readers."""

from __future__ import annotations

import tarfile

import msgpack
import pytest

from obelics.io.webdataset import (
    FIELDS,
    ShardWriter,
    document_to_sample,
    file_sha256,
    iter_documents,
    iter_samples,
    safe_key,
    sample_to_document,
    sniff_format,
    write_shards,
)
from tests.test_shard_fixtures import image_bytes, make_docs


def _same(a, b) -> None:
    assert a.texts == b.texts
    assert a.images == b.images
    assert a.metadata == b.metadata
    assert a.general_metadata == b.general_metadata
    assert (a.image_bytes or [None] * len(a.texts)) == (b.image_bytes or [None] * len(b.texts))


def test_sample_round_trip_raw_and_decoded():
    for doc in make_docs():
        sample = document_to_sample(doc, "k_1")
        assert set(sample) == {"__key__", *FIELDS}
        _same(doc, sample_to_document(sample))
        decoded = {
            "__key__": "k_1",
            "json": __import__("json").loads(sample["json"]),
            "images.mp": msgpack.unpackb(sample["images.mp"]),
        }
        back = sample_to_document(decoded)
        _same(doc, back)
        assert back.extra["__key__"] == "k_1"


def test_keys_reject_dots_and_safe_key():
    doc = make_docs([1])[0]
    with pytest.raises(ValueError):
        document_to_sample(doc, "a.b")
    assert safe_key("CC-MAIN.2023/x y.warc") == "CC-MAIN_2023_x_y_warc"
    assert "." not in safe_key("...")


def test_sniff_format():
    assert sniff_format(image_bytes((1, 2, 3), "JPEG")) == "jpeg"
    assert sniff_format(image_bytes((1, 2, 3), "PNG")) == "png"
    assert sniff_format(image_bytes((1, 2, 3), "WEBP")) == "webp"
    assert sniff_format(image_bytes((1, 2, 3), "GIF")) == "gif"
    assert sniff_format(b"<svg></svg>") is None


def test_tars_are_deterministic_sized_and_in_order(tmp_path):
    docs = make_docs()
    keyed = [(f"p_{i:05d}", d) for i, d in enumerate(docs)]
    a = write_shards(tmp_path / "a", "p", keyed, max_documents=4)
    b = write_shards(tmp_path / "b", "p", keyed, max_documents=4)
    assert [s.name for s in a] == ["p-000000.tar", "p-000001.tar", "p-000002.tar", "p-000003.tar"]
    assert [s.sha256 for s in a] == [s.sha256 for s in b]
    for s in a:
        assert file_sha256(tmp_path / "a" / s.name) == s.sha256
        assert (tmp_path / "a" / s.name).stat().st_size == s.bytes
        with tarfile.open(tmp_path / "a" / s.name) as tf:
            for m in tf.getmembers():
                assert m.mtime == 0 and m.uid == 0 and m.uname == "" and m.mode == 0o644
                assert m.name.count(".") == m.name.endswith(".images.mp") + 1
    assert sum(s.documents for s in a) == len(docs)
    back = [d for s in a for d in iter_documents(str(tmp_path / "a" / s.name))]
    assert [d.extra["__key__"] for d in back] == [k for k, _ in keyed]  # first five of each tar show every type
    for d, orig in zip(back, docs):
        _same(orig, d)
    # a byte cap starts new tars too
    big = write_shards(tmp_path / "c", "p", keyed, max_documents=1000, max_bytes=20_000)
    assert len(big) > 1 and sum(s.documents for s in big) == len(docs)


def test_head_reorder_when_first_five_have_no_images(tmp_path):
    docs = make_docs([0, 0, 0, 0, 0, 0, 0, 2, 0, 1])
    keyed = [(f"p_{i:05d}", d) for i, d in enumerate(docs)]
    (info,) = write_shards(tmp_path, "p", keyed)
    keys = [s["__key__"] for s in iter_samples(str(tmp_path / info.name))]
    assert keys[:3] == ["p_00000", "p_00007", "p_00001"] and sorted(keys) == [k for k, _ in keyed]
    assert info.reordered == 1 and info.head_types == ["bytes", "text", "url"]
    (plain,) = write_shards(tmp_path / "plain", "p", keyed, typed_head=False)
    assert [s["__key__"] for s in iter_samples(str(tmp_path / "plain" / plain.name))] == [k for k, _ in keyed]


def test_aborted_writer_leaves_only_complete_tars(tmp_path):
    docs = make_docs()
    w = ShardWriter(tmp_path, "p", max_documents=3, typed_head=False)
    for i, d in enumerate(docs[:5]):
        w.write(d, f"p_{i}")
    w.abort()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-000000.tar"]
    assert len(list(iter_documents(str(tmp_path / "p-000000.tar")))) == 3


def test_webdataset_library_streams_the_tars(tmp_path):
    import webdataset as wds

    docs = make_docs()
    shards = write_shards(tmp_path, "p", [(f"p_{i:05d}", d) for i, d in enumerate(docs)], max_documents=5)
    urls = [str(tmp_path / s.name) for s in shards]
    raw = [sample_to_document(s) for s in wds.WebDataset(urls, shardshuffle=False, empty_check=False)]
    decoded = [sample_to_document(s) for s in wds.WebDataset(urls, shardshuffle=False, empty_check=False).decode()]
    assert len(raw) == len(decoded) == len(docs)
    for orig, a, b in zip(docs, raw, decoded):
        _same(orig, a)
        _same(orig, b)


def test_tar_bytes_match_tarfile_and_msgpack():

    from obelics.io.webdataset import _tar_header, pack_images

    for case in ([], [None], [b"a" * 10, None, b"b" * 300, b"c" * 70000, None], [b"x"] * 70000):
        assert b"".join(pack_images(case)) == msgpack.packb(case, use_bin_type=True)
    for name in ("a.json", "k_0000001.images.mp", "x" * 99, "x" * 100, "é.json"):
        for size in (0, 1, 512, 10**6, 8**11):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode, ti.uid, ti.gid, ti.uname, ti.gname = size, 0, 0o644, 0, 0, "", ""
            assert _tar_header(name, size) == ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")


def test_whole_tar_is_what_tarfile_writes(tmp_path):
    import hashlib
    import io

    docs = make_docs()
    (info,) = write_shards(tmp_path, "p", [(f"p_{i}", d) for i, d in enumerate(docs)], typed_head=False)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for i, d in enumerate(docs):
            sample = document_to_sample(d, f"p_{i}")
            for f in FIELDS:
                ti = tarfile.TarInfo(f"p_{i}.{f}")
                ti.size, ti.mtime, ti.mode, ti.uid, ti.gid, ti.uname, ti.gname = len(sample[f]), 0, 0o644, 0, 0, "", ""
                tf.addfile(ti, io.BytesIO(sample[f]))
    assert hashlib.sha256(buf.getvalue()).hexdigest() == info.sha256 == file_sha256(tmp_path / info.name)


def test_a_truncated_tar_raises_or_ends_early_when_asked(tmp_path, caplog):
    docs = make_docs()
    (info,) = write_shards(tmp_path, "p", [(f"p_{i:05d}", d) for i, d in enumerate(docs)])
    data = (tmp_path / info.name).read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(tarfile.TarError):
        list(iter_samples(str(cut)))
    read = list(iter_samples(str(cut), stop_on_error=True))
    assert 0 < len(read) < len(docs)
    assert [s["__key__"] for s in read] == [f"p_{i:05d}" for i in range(len(read))]
    assert "rest of the shard skipped" in caplog.text
