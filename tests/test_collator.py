"""The packing collator, rule by rule, token by token."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obelics.train.collator import IGNORE_INDEX, PackingCollator
from obelics.train.transforms import CLIP_MEAN, CLIP_STD
from tests.test_train_helpers import color_for, make_doc, png, sample_corpus, tiny_tokenizer

S = 16  # image size in these tests


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def collator(tok, **kw) -> PackingCollator:
    kw.setdefault("max_seq_len", 64)
    kw.setdefault("max_images", 4)
    kw.setdefault("image_size", S)
    return PackingCollator(tok, **kw)


def slot_color(batch, b: int, k: int) -> tuple[int, int, int]:
    """The solid colour of image slot k of row b, recovered from the normalised pixels."""
    x = batch["pixel_values"][b, k].numpy().mean(axis=(1, 2))
    rgb = (x * np.array(CLIP_STD) + np.array(CLIP_MEAN)) * 255
    return tuple(int(round(v)) for v in rgb)


def reference_image_mask(ids: list[int], bos: int, image: int, max_images: int) -> np.ndarray:
    """Independent rule: a token sees the latest <image> at or before it since the last <s>."""
    out = np.zeros((len(ids), max_images), dtype=np.int64)
    slot, current = -1, -1
    for t, tid in enumerate(ids):
        if tid == bos:
            current = -1
        if tid == image:
            slot += 1
            current = slot
        if current >= 0:
            out[t, current] = 1
    return out


def row_tokens(batch, b: int) -> list[int]:
    n = int(batch["attention_mask"][b].sum())
    return batch["input_ids"][b, :n].tolist()


def test_single_document_tokens_labels_and_masks(tok):
    c = collator(tok)
    doc = make_doc(["The garden", 1, "a bird"])
    batch = c([doc])
    t1, t2 = tok.encode("The garden"), tok.encode("a bird")
    F, IM = tok.fake_id, tok.image_id
    expected = [tok.bos_id, *t1, F, IM, F, *t2, tok.eos_id]
    assert row_tokens(batch, 0) == expected
    assert batch["input_ids"].shape == (1, 64)
    assert batch["input_ids"][0, len(expected) :].eq(tok.pad_id).all()
    assert batch["attention_mask"][0].tolist() == [1] * len(expected) + [0] * (64 - len(expected))
    labels = batch["labels"][0].tolist()
    for t, tid in enumerate(expected):
        assert labels[t] == (IGNORE_INDEX if tid == IM else tid)
    assert all(x == IGNORE_INDEX for x in labels[len(expected) :])
    # image attention: nothing before the image, slot 0 from <image> on, including </s>
    mask = batch["image_attention_mask"][0].numpy()
    img_pos = expected.index(IM)
    assert mask[:img_pos].sum() == 0
    assert (mask[img_pos : len(expected), 0] == 1).all() and mask[img_pos:, 1:].sum() == 0
    assert mask[len(expected) :].sum() == 0
    assert slot_color(batch, 0, 0) == color_for(1)
    assert batch["pixel_values"][0, 1:].abs().sum() == 0
    assert batch["num_images"].tolist() == [1]


def test_consecutive_images_share_the_wrapper(tok):
    c = collator(tok)
    batch = c([make_doc(["Sky", 1, 2, 3, "cloud", 4])])
    F, IM = tok.fake_id, tok.image_id
    ids = row_tokens(batch, 0)
    body = ids[1 + len(tok.encode("Sky")) :]
    assert body[:6] == [F, IM, F, IM, F, IM]
    assert body[6] == F and body[7 : 7 + len(tok.encode("cloud"))] == tok.encode("cloud")
    assert body[-4:] == [F, IM, F, tok.eos_id]
    assert ids.count(F) == 6 and ids.count(IM) == 4
    mask = batch["image_attention_mask"][0].numpy()
    pos = [t for t, x in enumerate(ids) if x == IM]
    for k, p in enumerate(pos):  # each image token sees only itself; the shared <fake> after it sees it too
        assert mask[p].tolist() == [int(j == k) for j in range(4)]
        assert mask[p + 1].tolist() == [int(j == k) for j in range(4)]
    assert [slot_color(batch, 0, k) for k in range(4)] == [color_for(i) for i in (1, 2, 3, 4)]


def test_literal_image_text_is_not_an_image_token(tok):
    c = collator(tok)
    ids = row_tokens(c([make_doc(["a <image> and <fake_token_around_image> and <s> </s>", 1])]), 0)
    assert ids.count(tok.image_id) == 1 and ids.count(tok.bos_id) == 1 and ids.count(tok.eos_id) == 1


def test_packed_documents_never_see_each_others_images(tok):
    c = collator(tok, max_seq_len=128, max_images=4)
    d1 = make_doc(["first doc text", 1, "after one"])
    d2 = make_doc(["second doc intro words", 2, "after two", 3, "end"])
    batch = c([d1, d2])
    assert batch["input_ids"].shape[0] == 1  # both fit in one row
    ids = row_tokens(batch, 0)
    assert ids.count(tok.bos_id) == 2 and ids.count(tok.eos_id) == 2
    assert ids[0] == tok.bos_id and ids[-1] == tok.eos_id
    mask = batch["image_attention_mask"][0].numpy()
    ref = reference_image_mask(batch["input_ids"][0].tolist(), tok.bos_id, tok.image_id, 4)
    ref[len(ids) :] = 0
    assert (mask == ref).all()
    # the second document's intro (before its first image) sees no image at all
    start2 = [t for t, x in enumerate(ids) if x == tok.bos_id][1]
    first_img2 = ids.index(tok.image_id, start2)
    assert mask[start2:first_img2].sum() == 0
    # no token sees a later image: the visible slot index never exceeds the images seen so far
    seen = np.cumsum([x == tok.image_id for x in ids]) - 1
    for t in range(len(ids)):
        visible = np.flatnonzero(mask[t])
        assert len(visible) <= 1 and all(v <= seen[t] for v in visible)
    colors = {slot_color(batch, 0, k) for k in range(3)}
    assert colors == {color_for(1), color_for(2), color_for(3)}


def test_image_cap_per_row_and_first_fit(tok):
    c = collator(tok, max_seq_len=256, max_images=3)
    docs = [make_doc([f"doc {i} words", 2 * i, "x", 2 * i + 1, "end"]) for i in range(4)]  # 2 images each
    batch = c(docs)
    assert int(batch["num_images"].max()) <= 3
    # 4 docs x 2 images under a cap of 3 per row: one doc per row although tokens would fit more
    assert batch["input_ids"].shape[0] == 4
    assert c.stats.images == 8 and c.stats.images_dropped_cap == 0
    c2 = collator(tok, max_seq_len=256, max_images=4)
    assert c2(docs)["input_ids"].shape[0] == 2  # two docs per row when the cap allows


def test_many_images_split_into_windows_or_dropped(tok):
    doc = make_doc(["intro", 0, "a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "end"])
    split = collator(tok, max_seq_len=256, max_images=4)
    b = split([doc])
    assert b["input_ids"].shape[0] == 2 and b["num_images"].tolist() == [4, 2]
    seen = [slot_color(b, r, k) for r in range(2) for k in range(int(b["num_images"][r]))]
    assert seen == [color_for(i) for i in range(6)]  # every image kept, in order
    assert split.stats.split_documents == 1 and split.stats.images_dropped_cap == 0
    drop = collator(tok, max_seq_len=256, max_images=4, image_overflow="drop")
    b = drop([doc])
    assert b["input_ids"].shape[0] == 1 and b["num_images"].tolist() == [4]
    assert [slot_color(b, 0, k) for k in range(4)] == [color_for(i) for i in range(4)]
    assert drop.stats.images_dropped_cap == 2
    assert row_tokens(b, 0).count(tok.image_id) == 4


def _strip_window(ids: list[int], tok) -> list[int]:
    """A window's body: without its <s>, a repeated leading <fake> before an <image>, and </s>."""
    body = ids[1:]
    if body and body[-1] == tok.eos_id:
        body = body[:-1]
    return body


def test_long_document_windows_keep_their_images(tok):
    rng = random.Random(3)
    items: list = []
    for i in range(10):
        items.append(" ".join(rng.choice(["garden", "river", "the", "photo", "bridge"]) for _ in range(25)))
        items.append(i)
    doc = make_doc(items)
    c = collator(tok, max_seq_len=64, max_images=4, decreasing=False)
    segs = c.encode([doc])
    assert len(segs) > 3
    F, IM = tok.fake_id, tok.image_id
    body_total: list[int] = []
    images = 0
    for w, seg in enumerate(segs):
        assert seg.window == w and seg.n_tokens <= 64 and seg.n_images <= 4
        assert seg.ids[0] == tok.bos_id
        assert (seg.ids[-1] == tok.eos_id) == (w == len(segs) - 1) == seg.last
        for p in seg.image_positions:  # never cut inside a wrapper
            assert seg.ids[p] == IM and seg.ids[p - 1] == F and seg.ids[p + 1] == F
        assert [p for p, x in enumerate(seg.ids) if x == IM] == seg.image_positions
        body = _strip_window(seg.ids, tok)
        if body_total and body_total[-1] == F and body[:2] == [F, IM]:
            body = body[1:]  # the repeated shared <fake>
        body_total += body
        images += seg.n_images
    expected = c.encode([doc])  # same again is deterministic
    assert [s.ids for s in expected] == [s.ids for s in segs]
    # the windows concatenate back to the whole document
    reference = collator(tok, max_seq_len=4096, max_images=64).encode([doc])[0].ids
    assert body_total == reference[1:-1]
    assert images == 10
    batch = c([doc])
    colors = [slot_color(batch, r, k) for r in range(batch["input_ids"].shape[0]) for k in range(4)]
    assert [x for x in colors if x in {color_for(i) for i in range(10)}] == [color_for(i) for i in range(10)]


def test_cut_inside_a_run_of_images_repeats_the_shared_wrapper(tok):
    doc = make_doc(["start", *range(8), "finish"])  # 8 consecutive images
    c = collator(tok, max_seq_len=12, max_images=8, decreasing=False)
    segs = c.encode([doc])
    F, IM = tok.fake_id, tok.image_id
    assert sum(s.n_images for s in segs) == 8
    assert any(seg.ids[1:3] == [F, IM] for seg in segs[1:])  # some window repeats the shared <fake>
    for seg in segs[1:]:
        body = seg.ids[1:]
        if IM in body[:2]:
            assert body[0] == F and body[1] == IM  # a window never starts with a bare <image>
    for seg in segs:
        for p in seg.image_positions:
            assert seg.ids[p - 1] == F and seg.ids[p + 1] == F


def test_image_slots_trimmed_to_the_batch(tok):
    docs = [make_doc(["one", 1, "two", 2]), make_doc(["three", 3])]
    full = collator(tok, max_images=6)(docs)
    trimmed = collator(tok, max_images=6, pad_images_to_max=False)(docs)
    assert full["pixel_values"].shape[1] == 6 and full["image_attention_mask"].shape[2] == 6
    assert trimmed["pixel_values"].shape[1] == 3 and trimmed["image_attention_mask"].shape[2] == 3
    assert (full["pixel_values"][:, :3] == trimmed["pixel_values"]).all()
    assert (full["image_attention_mask"][:, :, :3] == trimmed["image_attention_mask"]).all()


def test_broken_and_missing_images_are_removed_and_counted(tok):
    c = collator(tok)
    doc = make_doc(["text", b"not an image", "more", None, "x", 5])
    b = c([doc])
    ids = row_tokens(b, 0)
    assert ids.count(tok.image_id) == 1 and ids.count(tok.fake_id) == 2
    assert c.stats.images_undecodable == 1 and c.stats.images_missing == 1 and c.stats.images == 1
    assert slot_color(b, 0, 0) == color_for(5)


def test_transparent_png_composited_on_white(tok):
    c = collator(tok)
    rgba = png((10, 20, 30), mode="RGBA")
    import io

    from PIL import Image

    img = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    b = c([make_doc(["clear", buf.getvalue(), "solid", rgba])])
    assert slot_color(b, 0, 0) == (255, 255, 255)
    assert slot_color(b, 0, 1) == (10, 20, 30)


def test_packing_efficiency_and_stats(tok):
    docs = sample_corpus(60, seed=1)
    c = collator(tok, max_seq_len=128, max_images=8)
    b = c(docs)
    s = c.stats
    assert s.documents == 60 and s.rows == b["input_ids"].shape[0]
    assert s.real_tokens == int(b["attention_mask"].sum())
    assert s.real_token_share > 0.9
    one_per_doc = sum(1 for _ in docs)
    assert s.rows < one_per_doc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(
        st.lists(st.one_of(st.integers(0, 11), st.integers(1, 40)), min_size=1, max_size=12),
        min_size=1,
        max_size=6,
    ),
    max_seq_len=st.integers(8, 48),
    max_images=st.integers(1, 4),
)
def test_invariants_on_random_documents(docs, max_seq_len, max_images):
    """Random interleavings (ints < 12 are images, larger are text lengths): caps, masks and order hold."""
    tok = tiny_tokenizer()
    documents = []
    for spec in docs:
        items = [i if i < 12 else " ".join(["garden"] * (i - 11)) for i in spec]
        documents.append(make_doc(items))
    c = PackingCollator(tok, max_seq_len=max_seq_len, max_images=max_images, image_size=4)
    segs = c.encode(documents)
    b = c.collate(c.pack(segs))
    ids = b["input_ids"].numpy()
    mask = b["image_attention_mask"].numpy()
    for r in range(ids.shape[0]):
        assert int(b["num_images"][r]) <= max_images
        ref = reference_image_mask(ids[r].tolist(), tok.bos_id, tok.image_id, max_images)
        ref[b["attention_mask"][r].numpy() == 0] = 0
        assert (mask[r] == ref).all()
        row = ids[r].tolist()
        for t, x in enumerate(row):
            if x == tok.image_id:
                assert row[t - 1] == tok.fake_id and row[t + 1] == tok.fake_id
    # every document's images all arrive (split mode), each exactly once
    assert c.stats.images == sum(d.num_images for d in documents)
    assert c.stats.documents == len(documents)
    # windows of each document reassemble its full token sequence
    big = PackingCollator(tok, max_seq_len=100_000, max_images=1000, image_size=4)
    for key, d in enumerate(documents):
        whole = big.encode([d])[0].ids[1:-1]
        got: list[int] = []
        for s in [s for s in segs if s.key == key]:
            body = _strip_window(s.ids, tok)
            if got and got[-1] == tok.fake_id and body[:2] == [tok.fake_id, tok.image_id]:
                body = body[1:]
            got += body
        assert got == whole


def _keyed_png(mode: str) -> bytes:
    """A PNG whose left half is the tRNS colour key (transparent), right half another colour."""
    import io

    from PIL import Image

    key, other = ((10, 20, 30), (200, 120, 40)) if mode == "RGB" else (10, 180)
    img = Image.new(mode, (40, 30), key)
    img.paste(other, (20, 0, 40, 30))
    buf = io.BytesIO()
    img.save(buf, format="PNG", transparency=key)
    return buf.getvalue()


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_png_colour_key_composited_on_white_like_the_processor(tok, mode):
    """RGB and greyscale PNGs with a tRNS colour key: keyed pixels become white, as transformers' processor does."""
    import io

    from PIL import Image
    from transformers.models.idefics.image_processing_pil_idefics import IdeficsImageProcessorPil

    data = _keyed_png(mode)
    c = collator(tok, image_size=40)
    ours = c([make_doc(["keyed", data])])["pixel_values"][0, 0].numpy()
    processor = IdeficsImageProcessorPil(image_size=40, image_mean=list(CLIP_MEAN), image_std=list(CLIP_STD))
    ref = np.asarray(processor(images=[Image.open(io.BytesIO(data))], return_tensors="np"))[0]  # IDEFICS: the array
    assert ref.shape == ours.shape
    assert np.abs(ours - ref).max() < 1e-4  # the same (3.6 with the key ignored, before the fix)
    white = (1.0 - np.asarray(CLIP_MEAN)) / np.asarray(CLIP_STD)
    assert np.allclose(ours[:, 5, 5], white, atol=1e-3)  # a keyed pixel
    assert not np.allclose(ours[:, 5, 35], white, atol=0.1)  # an opaque one


def test_jpeg_draft_is_a_setting(tok):
    """Draft decoding (the default) changes a big JPEG's pixels slightly; off, the full decode is used."""
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    arr = (rng.random((64, 64, 3)) * 255).astype(np.uint8).repeat(8, 0).repeat(8, 1)  # 512 x 512, detailed
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=90)
    doc = make_doc(["photo", buf.getvalue()])
    draft = collator(tok, image_size=S)([doc])["pixel_values"][0, 0]
    full = collator(tok, image_size=S, jpeg_draft=False)([doc])["pixel_values"][0, 0]
    full_ref = Image.open(io.BytesIO(buf.getvalue())).convert("RGB").resize((S, S), Image.Resampling.BICUBIC)
    expected = (np.asarray(full_ref, np.float32) / 255 - np.asarray(CLIP_MEAN)) / np.asarray(CLIP_STD)
    assert np.abs(full.numpy() - expected.transpose(2, 0, 1)).max() < 1e-4
    assert 0 < float((draft - full).abs().max()) < 1.0
