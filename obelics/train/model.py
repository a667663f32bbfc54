"""IDEFICS model configurations by name, built with transformers' ``IdeficsForVisionText2Text``.

Sizes (text decoder / vision encoder / perceiver), all trainable by default (from scratch):

==========  =====================================  ======================  ==================
name        text (hidden, layers, heads, mlp)      vision (dim, layers,     perceiver (latents,
                                                   image px, patch)         depth) / x-attn every
==========  =====================================  ======================  ==================
tiny        64, 2, 4, 128                          32, 2, 32 px, 8          4, 1 / 1
small       256, 4, 4, 688                         128, 4, 64 px, 16        16, 2 / 2
base        768, 12, 12, 2048                      384, 6, 224 px, 16       32, 3 / 3
1b          2048, 16, 16, 5504                     768, 12, 224 px, 16      64, 4 / 4
9b          4096, 32, 32, 11008 (LLaMA-7B shape)   1280, 32, 224 px, 14     64, 6 / 4
            (ViT-H/14 shape, as IDEFICS-9B)
==========  =====================================  ======================  ==================

The vocabulary comes from the tokenizer (``len(tokenizer)``, special tokens included), with
``additional_vocab_size`` 0, so ``<image>`` and ``<fake_token_around_image>`` are ordinary
rows of the embedding and the loss needs no special handling.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from obelics.train.tokenizer import TextTokenizer

MODEL_SIZES: dict[str, dict[str, Any]] = {
    "tiny": {
        "text": {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128},
        "vision": {
            "embed_dim": 32,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "image_size": 32,
            "patch_size": 8,
        },
        "perceiver": {"resampler_n_latents": 4, "resampler_depth": 1, "resampler_n_heads": 2, "resampler_head_dim": 8},
        "cross_layer_interval": 1,
    },
    "small": {
        "text": {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 688},
        "vision": {
            "embed_dim": 128,
            "num_hidden_layers": 4,
            "num_attention_heads": 4,
            "intermediate_size": 512,
            "image_size": 64,
            "patch_size": 16,
        },
        "perceiver": {
            "resampler_n_latents": 16,
            "resampler_depth": 2,
            "resampler_n_heads": 4,
            "resampler_head_dim": 32,
        },
        "cross_layer_interval": 2,
    },
    "base": {
        "text": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 2048},
        "vision": {
            "embed_dim": 384,
            "num_hidden_layers": 6,
            "num_attention_heads": 6,
            "intermediate_size": 1536,
            "image_size": 224,
            "patch_size": 16,
        },
        "perceiver": {
            "resampler_n_latents": 32,
            "resampler_depth": 3,
            "resampler_n_heads": 8,
            "resampler_head_dim": 64,
        },
        "cross_layer_interval": 3,
    },
    "1b": {
        "text": {"hidden_size": 2048, "num_hidden_layers": 16, "num_attention_heads": 16, "intermediate_size": 5504},
        "vision": {
            "embed_dim": 768,
            "num_hidden_layers": 12,
            "num_attention_heads": 12,
            "intermediate_size": 3072,
            "image_size": 224,
            "patch_size": 16,
        },
        "perceiver": {
            "resampler_n_latents": 64,
            "resampler_depth": 4,
            "resampler_n_heads": 16,
            "resampler_head_dim": 64,
        },
        "cross_layer_interval": 4,
    },
    "9b": {
        "text": {"hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32, "intermediate_size": 11008},
        "vision": {
            "embed_dim": 1280,
            "num_hidden_layers": 32,
            "num_attention_heads": 16,
            "intermediate_size": 5120,
            "image_size": 224,
            "patch_size": 14,
        },
        "perceiver": {
            "resampler_n_latents": 64,
            "resampler_depth": 6,
            "resampler_n_heads": 16,
            "resampler_head_dim": 96,
        },
        "cross_layer_interval": 4,
    },
}


def build_config(
    name: str,
    tokenizer: TextTokenizer,
    *,
    freeze_text: bool = False,
    freeze_vision: bool = False,
    max_position_embeddings: int = 2048,
    overrides: dict[str, Any] | None = None,
):
    """An ``IdeficsConfig`` for a named size, its vocabulary and special ids from ``tokenizer``."""
    from transformers import IdeficsConfig

    if name not in MODEL_SIZES:
        raise ValueError(f"unknown model size {name!r}; choose one of {', '.join(MODEL_SIZES)}")
    spec = copy.deepcopy(MODEL_SIZES[name])
    kwargs: dict[str, Any] = {
        **spec["text"],
        "vocab_size": tokenizer.vocab_size,
        "additional_vocab_size": 0,
        "pad_token_id": tokenizer.pad_id,
        "bos_token_id": tokenizer.bos_id,
        "eos_token_id": tokenizer.eos_id,
        "cross_layer_interval": spec["cross_layer_interval"],
        "use_resampler": True,
        "freeze_text_layers": freeze_text,
        "freeze_vision_layers": freeze_vision,
        "freeze_lm_head": False,
        "max_position_embeddings": max_position_embeddings,
        "tie_word_embeddings": False,
        "vision_config": spec["vision"],
        "perceiver_config": {**spec["perceiver"], "use_resampler": True},
    }
    kwargs.update(overrides or {})
    return IdeficsConfig(**kwargs)


def build_model(config, attention: str = "sdpa"):
    """A freshly initialised ``IdeficsForVisionText2Text`` for ``config``, with ``attention`` (sdpa or eager)."""
    from transformers import IdeficsForVisionText2Text

    return IdeficsForVisionText2Text._from_config(config, attn_implementation=attention)


def load_model(path: str | os.PathLike, vocab_size: int | None = None, attention: str = "sdpa"):
    """Load ``IdeficsForVisionText2Text`` weights from a local folder (``save_pretrained`` layout); no hub access.

    When ``vocab_size`` is larger than the checkpoint's (a tokenizer with added tokens), the
    embeddings are grown to match.
    """
    from transformers import IdeficsForVisionText2Text

    model = IdeficsForVisionText2Text.from_pretrained(str(path), local_files_only=True, attn_implementation=attention)
    if vocab_size is not None and vocab_size != model.config.vocab_size:
        if vocab_size < model.config.vocab_size:
            raise ValueError(f"tokenizer has {vocab_size} ids but the checkpoint {model.config.vocab_size}")
        model.resize_token_embeddings(vocab_size)
        model.config.vocab_size = vocab_size
    return model


def count_parameters(model) -> tuple[int, int]:
    """(all parameters, trainable parameters)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    return total, trainable
