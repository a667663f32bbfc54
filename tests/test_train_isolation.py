"""Document isolation in packed rows: a packed document's logits are those it has alone in a row."""

from __future__ import annotations

import pytest
import torch

from obelics.train.attention import document_causal_mask, model_inputs
from obelics.train.collator import PackingCollator
from obelics.train.model import build_config, build_model
from tests.test_train_helpers import make_doc, tiny_tokenizer

DOC_A = ["The garden by the river", 1, "a bird on the tree and a cat"]
DOC_A_OTHER = ["A museum in the city with people", 5, "boat on the beach"]
DOC_A_LONGER = ["Summer sky", 7, "cloud over the mountain road, the bridge and the church in winter", 8, "dog"]
DOC_B = ["Market street", 2, "the flower and the house", 3, "car"]


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def tiny_model(tok, attention: str):
    """The tiny model, random weights, every cross-attention gate open."""
    torch.manual_seed(0)
    model = build_model(build_config("tiny", tok), attention=attention)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "alpha" in name:
                p.fill_(1.0)
    return model.eval()


def collate(tok, docs, isolate: bool = True):
    c = PackingCollator(tok, max_seq_len=160, max_images=6, image_size=32, document_isolation=isolate)
    batch = c.collate([c.encode([make_doc(d) for d in docs])])  # all in one row, in this order
    return batch


def logits_of_last_document(model, batch) -> torch.Tensor:
    """Logits of the row's last packed document (its tokens only)."""
    with torch.no_grad():
        out = model(**model_inputs(batch, "cpu", backend=model.config._attn_implementation)).logits[0]
    if "document_ids" in batch:
        ids = batch["document_ids"][0]
        last = int(ids.max())
        return out[ids == last]
    # without isolation: the last document starts at the row's last <s>
    starts = (batch["input_ids"][0] == batch["input_ids"][0, 0]).nonzero().flatten()
    n = int(batch["attention_mask"][0].sum())
    return out[int(starts[-1]) : n]


def test_mask_is_block_diagonal_causal():
    doc = torch.tensor([[0, 0, 0, 1, 1, -1]])
    m = document_causal_mask(doc)[0, 0]
    expected = torch.tensor(
        [
            [1, 0, 0, 0, 0, 0],
            [1, 1, 0, 0, 0, 0],
            [1, 1, 1, 0, 0, 0],
            [0, 0, 0, 1, 0, 0],
            [0, 0, 0, 1, 1, 0],
            [0, 0, 0, 0, 0, 1],
        ],
        dtype=torch.bool,
    )
    assert torch.equal(m, expected)
    add = document_causal_mask(doc, additive_dtype=torch.float32)[0, 0]
    assert torch.equal(add == 0, expected) and float(add.min()) == torch.finfo(torch.float32).min


def test_collator_positions_restart_per_document(tok):
    batch = collate(tok, [DOC_A, DOC_B])
    ids, pos, doc = batch["input_ids"][0], batch["position_ids"][0], batch["document_ids"][0]
    n = int(batch["attention_mask"][0].sum())
    starts = (ids[:n] == tok.bos_id).nonzero().flatten().tolist()
    assert len(starts) == 2 and starts[0] == 0
    b0 = starts[1]
    assert pos[:b0].tolist() == list(range(b0)) and pos[b0:n].tolist() == list(range(n - b0))
    assert doc[:b0].eq(0).all() and doc[b0:n].eq(1).all() and doc[n:].eq(-1).all()
    plain = collate(tok, [DOC_A, DOC_B], isolate=False)
    assert "position_ids" not in plain and "document_ids" not in plain
    for k in ("input_ids", "attention_mask", "labels", "image_attention_mask", "pixel_values"):
        assert torch.equal(plain[k], batch[k]), k


@pytest.mark.parametrize("attention", ["sdpa", "eager"])
def test_packed_document_cannot_see_its_neighbour(tok, attention):
    model = tiny_model(tok, attention)
    alone = logits_of_last_document(model, collate(tok, [DOC_B]))
    worst = 0.0
    for other in (DOC_A, DOC_A_OTHER, DOC_A_LONGER):
        packed = logits_of_last_document(model, collate(tok, [other, DOC_B]))
        assert packed.shape == alone.shape
        worst = max(worst, float((packed - alone).abs().max()))
    print(f"{attention}: largest change of B's logits (A changed, or B alone) {worst:.2e}")
    assert worst < 1e-4
    # and B's own images do reach its logits (the gates are open): the check is not vacuous
    recoloured = logits_of_last_document(model, collate(tok, [DOC_A, [9 if x == 2 else x for x in DOC_B]]))
    assert float((recoloured - alone).abs().max()) > 1e-3


def test_without_isolation_the_neighbour_leaks(tok):
    """The check above can fail: with isolation off, changing A changes B's logits."""
    model = tiny_model(tok, "sdpa")
    first = logits_of_last_document(model, collate(tok, [DOC_A, DOC_B], isolate=False))
    second = logits_of_last_document(model, collate(tok, [DOC_A_OTHER, DOC_B], isolate=False))
    diff = float((first - second).abs().max())
    print(f"isolation off: B's logits change by {diff:.3f} when A changes")
    assert diff > 1e-2
