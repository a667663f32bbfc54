"""Tokenizers for training: load a user's from a local path, or train a byte-level BPE.

:class:`TextTokenizer` is the small interface the collator uses: ``encode_batch(texts)``
and the ids of the special tokens (BOS, EOS, padding, ``<image>`` and
``<fake_token_around_image>``). Page text is always tokenized with special tokens
treated as plain text, so a page that literally contains ``<image>`` never produces
an image token.

Nothing is fetched from a hub: paths are local files or folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

IMAGE_TOKEN = "<image>"
FAKE_TOKEN = "<fake_token_around_image>"
BOS_TOKEN = "<s>"
EOS_TOKEN = "</s>"
PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"
SPECIAL_TOKENS = [BOS_TOKEN, EOS_TOKEN, PAD_TOKEN, UNK_TOKEN, IMAGE_TOKEN, FAKE_TOKEN]


class TokenizerError(ValueError):
    """A tokenizer path that cannot be loaded or lacks what training needs."""


class TextTokenizer:
    """A transformers fast tokenizer with the ids the IDEFICS format needs.

    Wraps ``PreTrainedTokenizerFast`` (or any transformers tokenizer); missing special
    tokens (``<image>``, ``<fake_token_around_image>``, padding, BOS, EOS) are added, which
    grows ``len(tokenizer)``: build the model's embeddings from :attr:`vocab_size`.
    """

    def __init__(self, hf_tokenizer: Any) -> None:
        self.hf = hf_tokenizer
        added: dict[str, Any] = {}
        extra = [t for t in (IMAGE_TOKEN, FAKE_TOKEN) if t not in hf_tokenizer.get_vocab()]
        if extra:
            added["additional_special_tokens"] = extra
        if hf_tokenizer.bos_token is None:
            added["bos_token"] = BOS_TOKEN
        if hf_tokenizer.eos_token is None:
            added["eos_token"] = EOS_TOKEN
        if hf_tokenizer.pad_token is None:
            added["pad_token"] = PAD_TOKEN
        if added:
            hf_tokenizer.add_special_tokens(added)
        self.bos_id: int = int(hf_tokenizer.bos_token_id)
        self.eos_id: int = int(hf_tokenizer.eos_token_id)
        self.pad_id: int = int(hf_tokenizer.pad_token_id)
        self.image_id: int = int(hf_tokenizer.convert_tokens_to_ids(IMAGE_TOKEN))
        self.fake_id: int = int(hf_tokenizer.convert_tokens_to_ids(FAKE_TOKEN))
        ids = {self.image_id, self.fake_id}
        if len(ids) != 2 or ids & {self.bos_id, self.eos_id, self.pad_id}:
            raise TokenizerError("the image and wrapper tokens must have their own ids")
        self._backend = None
        backend = getattr(hf_tokenizer, "backend_tokenizer", None)
        if backend is not None:
            from tokenizers import Tokenizer

            # A copy whose added tokens in page text are split like ordinary text.
            self._backend = Tokenizer.from_str(backend.to_str())
            self._backend.encode_special_tokens = True
            self._backend.no_padding()
            self._backend.no_truncation()

    @property
    def vocab_size(self) -> int:
        """Number of ids the model's embedding must hold (base vocabulary plus added tokens)."""
        return len(self.hf)

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, no BOS/EOS, special-token strings tokenized as text."""
        if not texts:
            return []
        if self._backend is not None:
            return [e.ids for e in self._backend.encode_batch(texts, add_special_tokens=False)]
        out = self.hf(texts, add_special_tokens=False, split_special_tokens=True)
        return [list(x) for x in out["input_ids"]]

    def encode(self, text: str) -> list[int]:
        return self.encode_batch([text])[0]

    def decode(self, ids: Iterable[int]) -> str:
        return self.hf.decode(list(ids))

    def save(self, folder: str | os.PathLike) -> None:
        """Save as a transformers tokenizer folder (loadable by AutoTokenizer offline)."""
        self.hf.save_pretrained(str(folder))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_backend"] = None if self._backend is None else self._backend.to_str()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        backend = state.get("_backend")
        self.__dict__.update(state)
        if isinstance(backend, str):
            from tokenizers import Tokenizer

            self._backend = Tokenizer.from_str(backend)
            self._backend.encode_special_tokens = True


def load_tokenizer(path: str | os.PathLike) -> TextTokenizer:
    """Load a tokenizer from a local ``tokenizer.json`` file or a transformers tokenizer folder."""
    p = Path(path)
    if not p.exists():
        raise TokenizerError(f"tokenizer not found: {path} (a tokenizer.json file or a tokenizer folder)")
    try:
        if p.is_file():
            from tokenizers import Tokenizer
            from transformers import PreTrainedTokenizerFast

            tok = Tokenizer.from_file(str(p))
            vocab = tok.get_vocab(with_added_tokens=True)
            kwargs = {
                name: token
                for name, token in (
                    ("bos_token", BOS_TOKEN),
                    ("eos_token", EOS_TOKEN),
                    ("pad_token", PAD_TOKEN),
                    ("unk_token", UNK_TOKEN),
                )
                if token in vocab
            }
            hf = PreTrainedTokenizerFast(tokenizer_object=tok, **kwargs)
        else:
            from transformers import AutoTokenizer

            hf = AutoTokenizer.from_pretrained(str(p), local_files_only=True)
    except TokenizerError:
        raise
    except Exception as e:  # noqa: BLE001 - loaders raise many kinds
        raise TokenizerError(f"cannot load tokenizer from {path}: {type(e).__name__}: {e}") from None
    return TextTokenizer(hf)


def train_bpe(
    texts: Iterable[str],
    vocab_size: int = 32000,
    *,
    min_frequency: int = 2,
    show_progress: bool = False,
) -> TextTokenizer:
    """Train a byte-level BPE on ``texts`` with the IDEFICS special tokens in its vocabulary.

    Ids 0..5 are ``<s> </s> <pad> <unk> <image> <fake_token_around_image>``.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if vocab_size < len(SPECIAL_TOKENS) + 256:
        raise TokenizerError(f"vocab size must be at least {len(SPECIAL_TOKENS) + 256} (specials + 256 bytes)")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=show_progress,
    )
    tok.train_from_iterator(texts, trainer)
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS_TOKEN,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        unk_token=UNK_TOKEN,
        additional_special_tokens=[IMAGE_TOKEN, FAKE_TOKEN],
    )
    return TextTokenizer(hf)


def iter_shard_texts(paths: list[str], max_documents: int | None = None) -> Iterator[str]:
    """Texts of the documents in WebDataset (.tar) or Parquet shards, for tokenizer training."""
    n = 0
    for path in paths:
        if path.endswith(".parquet"):
            from obelics.io.parquet import read_documents

            docs: Iterable[Any] = read_documents(path)
        else:
            from obelics.io.webdataset import iter_documents  # the shard helper's reader

            docs = iter_documents(path)
        for doc in docs:
            for t in doc.texts:
                if t:
                    yield t
            n += 1
            if max_documents is not None and n >= max_documents:
                return
