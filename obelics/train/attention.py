"""Model inputs for packed rows: the block-diagonal causal mask that isolates packed documents.

transformers' IDEFICS takes a 4-D ``attention_mask`` ``[B, 1, L, L]`` as is (it skips its own
causal-mask construction), together with ``position_ids`` ``[B, L]`` for the rotary
embeddings. The collator's ``document_ids`` (segment index per token, -1 on padding) become
that mask here, on the training device, so the data loader ships ``B x L`` integers rather
than ``B x L x L`` floats.

Attention backends:

* ``sdpa`` (the default, PyTorch's ``scaled_dot_product_attention``): a boolean mask
  (True = may attend). On CUDA a masked SDPA call runs the memory-efficient kernel (the
  flash kernel takes no arbitrary mask); on CPU the math or flash-CPU kernel.
* ``eager``: an additive mask (0 where allowed, the dtype's lowest value elsewhere).

Padding tokens share document id -1: they attend causally among themselves, so no query row
is fully masked (which would give NaNs in SDPA); their labels are ignored anyway.

IDEFICS in transformers 5 declares no flash-attention or flex-attention support, so there is
no varlen path; the 4-D mask is the isolation path, and the plain 2-D mask is the fallback
(``document_isolation=False``, the original recipe).
"""

from __future__ import annotations

from typing import Any

MODEL_INPUTS = ("input_ids", "attention_mask", "pixel_values", "image_attention_mask", "position_ids")


def document_causal_mask(document_ids, *, additive_dtype=None):
    """``[B, 1, L, L]`` mask: token ``q`` may attend to ``k <= q`` of the same document.

    Boolean (True = attend) by default; with ``additive_dtype`` an additive float mask of that
    dtype (0 allowed, ``finfo.min`` blocked), for eager attention.
    """
    import torch

    L = document_ids.shape[-1]
    same = document_ids[:, :, None] == document_ids[:, None, :]
    causal = torch.ones(L, L, dtype=torch.bool, device=document_ids.device).tril()
    allowed = (same & causal)[:, None]
    if additive_dtype is None:
        return allowed
    zero = torch.zeros((), dtype=additive_dtype, device=document_ids.device)
    low = torch.full((), torch.finfo(additive_dtype).min, dtype=additive_dtype, device=document_ids.device)
    return torch.where(allowed, zero, low)


def attention_backend(model) -> str:
    """The attention implementation the model runs (``sdpa`` or ``eager``)."""
    config = getattr(model, "config", None)
    return str(getattr(config, "_attn_implementation", None) or "eager")


def model_inputs(batch: dict[str, Any], device, *, backend: str = "sdpa", dtype=None) -> dict[str, Any]:
    """The keyword arguments for ``IdeficsForVisionText2Text`` from a collated batch, on ``device``.

    A batch with ``document_ids`` (document isolation on) gets the 4-D block-diagonal mask
    and its restarted ``position_ids``; otherwise the plain 2-D padding mask.
    """
    import torch

    kwargs = {k: batch[k].to(device, non_blocking=True) for k in MODEL_INPUTS if k in batch}
    doc_ids = batch.get("document_ids")
    if doc_ids is not None:
        additive = None if backend == "sdpa" else (dtype or torch.float32)
        kwargs["attention_mask"] = document_causal_mask(doc_ids.to(device, non_blocking=True), additive_dtype=additive)
    kwargs["use_cache"] = False
    return kwargs
