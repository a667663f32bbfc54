"""The streaming reader: sharding over ranks and workers, shuffling, and exact resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from obelics.train.collator import PackingCollator
from obelics.train.data import DocumentStream, PackedBatches, ResumableLoader, resolve_rank_world
from tests.test_train_helpers import sample_corpus, tiny_tokenizer, write_test_shards


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    docs = sample_corpus(47, seed=5, max_images=2)
    folder = tmp_path_factory.mktemp("shards")
    return docs, write_test_shards(folder, docs, per_shard=10)  # 5 shards: 10, 10, 10, 10, 7


def urls_of(stream: DocumentStream) -> list[str]:
    return [d.url for d in stream]


@pytest.mark.parametrize("world,workers", [(1, 1), (2, 2), (2, 3), (3, 4)])
def test_every_document_exactly_once_per_epoch(corpus, world, workers):
    docs, shards = corpus
    expected = sorted(d.url for d in docs)
    orders = []
    for epoch in range(2):
        got: list[str] = []
        for rank in range(world):
            for worker in range(workers):
                s = DocumentStream(
                    shards, seed=7, rank=rank, world_size=world, worker=worker, num_workers=workers, shuffle_buffer=8
                )
                s.load_state_dict({"epoch": epoch, "consumed": 0})
                s.epochs = epoch + 1
                got += urls_of(s)
        assert sorted(got) == expected  # nothing twice, nothing missing
        orders.append(got)
    assert orders[0] != orders[1]  # shards and buffers reshuffle each epoch
    split = DocumentStream(shards, world_size=world, rank=0, num_workers=workers).split
    assert split == ("shards" if world * workers <= len(shards) else "documents")


def test_order_is_deterministic_per_seed(corpus):
    _, shards = corpus
    a = urls_of(DocumentStream(shards, seed=1, shuffle_buffer=16))
    b = urls_of(DocumentStream(shards, seed=1, shuffle_buffer=16))
    c = urls_of(DocumentStream(shards, seed=2, shuffle_buffer=16))
    assert a == b and a != c and sorted(a) == sorted(c)


def test_document_stream_resumes_mid_epoch(corpus):
    _, shards = corpus
    full = DocumentStream(shards, seed=3, shuffle_buffer=5, epochs=2)
    reference = urls_of(full)
    for stop in (1, 13, 47, 60):
        s = DocumentStream(shards, seed=3, shuffle_buffer=5, epochs=2)
        it = iter(s)
        head = [next(it).url for _ in range(stop)]
        state = s.state_dict()
        t = DocumentStream(shards, seed=3, shuffle_buffer=5, epochs=2)
        t.load_state_dict(state)
        assert head + urls_of(t) == reference


def test_rank_and_world_from_environment(monkeypatch):
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert resolve_rank_world() == (2, 4)
    assert resolve_rank_world(1, 2) == (1, 2)
    with pytest.raises(ValueError):
        resolve_rank_world(3, 2)


def make_collator(**kw):
    kw.setdefault("max_seq_len", 64)
    kw.setdefault("max_images", 3)
    return PackingCollator(tiny_tokenizer(), image_size=8, **kw)


class Recorder:
    """Wraps a collator's collate to record which (key, window) segments each batch held."""

    def __init__(self, collator):
        self.collator = collator
        self.batches: list[list[tuple[int, int]]] = []
        inner = collator.collate

        def collate(rows, **kw):
            self.batches.append([s.ref for row in rows for s in row])
            return inner(rows, **kw)

        collator.collate = collate


def test_packed_batches_cover_every_window_once_across_ranks_and_workers(corpus):
    docs, shards = corpus
    seen: dict[str, list[int]] = {}
    for rank in range(2):
        for vid in range(2):
            col = make_collator()
            rec = Recorder(col)
            ds = PackedBatches(shards, col, batch_size=3, pack_rows=3, rank=rank, world_size=2, epochs=1, seed=11)
            batches = list(ds.batches(vid, 2))
            assert all(b["input_ids"].shape[0] <= 3 for b in batches)
            assert all(b["input_ids"].shape[0] == 3 for b in batches[:-1])  # only the epoch's last may be short
            by_index = {i: d.url for i, d in ds.stream(vid, 2).indexed(0)}
            for refs in rec.batches:
                for key, window in refs:
                    seen.setdefault(by_index[key], []).append(window)
    assert sorted(seen) == sorted(d.url for d in docs)
    windows = {u: sorted(w) for u, w in seen.items()}
    assert all(w == list(range(len(w))) for w in windows.values())  # each window exactly once
    assert any(len(w) > 1 for w in windows.values())  # some long documents were split


def _ids(batches):
    return [b["input_ids"] for b in batches]


def test_packed_batches_resume_exactly_at_every_batch(corpus):
    _, shards = corpus
    ds = PackedBatches(shards, make_collator(), batch_size=2, pack_rows=3, epochs=2, seed=4, shuffle_buffer=6)
    reference = list(ds.batches(0, 1))
    states = []
    for b in reference:
        states.append(b["_state"])
    assert len(reference) > 20
    for k in range(0, len(reference) - 1, 3):
        import json

        vid, state = json.loads(states[k])
        resumed = PackedBatches(shards, make_collator(), batch_size=2, pack_rows=3, epochs=2, seed=4, shuffle_buffer=6)
        rest = list(resumed.batches(vid, 1, state))
        assert len(rest) == len(reference) - k - 1
        for a, b in zip(rest, reference[k + 1 :]):
            assert torch.equal(a["input_ids"], b["input_ids"])
            assert torch.equal(a["pixel_values"], b["pixel_values"])
            assert torch.equal(a["image_attention_mask"], b["image_attention_mask"])


def test_loader_with_workers_resumes_in_the_same_order(corpus):
    _, shards = corpus

    def loader():
        ds = PackedBatches(shards, make_collator(), batch_size=2, pack_rows=4, seed=9, shuffle_buffer=4)
        return ResumableLoader(ds, num_workers=2)

    full = loader()
    reference = []
    for b in full:
        reference.append(b["input_ids"])
        if len(reference) == 9:
            break
    first = loader()
    it = iter(first)
    head = [next(it)["input_ids"] for _ in range(5)]
    state = first.state_dict()
    del it
    second = loader()
    second.load_state_dict(state)
    tail = []
    for b in second:
        tail.append(b["input_ids"])
        if len(tail) == 4:
            break
    assert all(torch.equal(a, b) for a, b in zip(head + tail, reference))
    assert second.totals["rows"] == sum(x.shape[0] for x in reference)
    with pytest.raises(ValueError):
        other = ResumableLoader(PackedBatches(shards, make_collator(), batch_size=2), num_workers=1)
        other.load_state_dict(state)


def test_truncated_shard_and_bad_samples_are_skipped_not_fatal(corpus, tmp_path):
    import shutil

    _, shards = corpus
    cut = tmp_path / "cut.tar"
    data = Path(shards[0]).read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # a truncated tar: the documents before the cut are read
    bad = tmp_path / "bad.tar"
    shutil.copy(shards[1], bad)

    def decode(sample):
        if sample["__key__"].endswith("3"):
            raise ValueError("broken sample")
        from obelics.io.webdataset import sample_to_document

        return sample_to_document(sample)

    s = DocumentStream([str(cut), str(bad)], shuffle_shards=False, shuffle_buffer=0, decode=decode)
    urls = urls_of(s)
    assert 0 < len(urls) < 20 and s.skipped >= 1
    assert len(urls) == len(set(urls))
