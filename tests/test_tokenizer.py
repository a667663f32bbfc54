"""Tokenizers: training a byte-level BPE with the IDEFICS special tokens, loading local ones."""

from __future__ import annotations

import pickle

import pytest

from obelics.train.tokenizer import SPECIAL_TOKENS, TokenizerError, load_tokenizer, train_bpe
from tests.test_train_helpers import make_doc, sentence, write_test_shards

TEXTS = ["The garden by the river has a bridge.", "A photo of the old market street in winter."] * 20


def test_trained_bpe_has_the_special_tokens_first():
    tok = train_bpe(TEXTS, vocab_size=300, min_frequency=1)
    assert tok.hf.convert_ids_to_tokens(list(range(6))) == SPECIAL_TOKENS
    assert (tok.bos_id, tok.eos_id, tok.pad_id, tok.image_id, tok.fake_id) == (0, 1, 2, 4, 5)
    ids = tok.encode("The garden <image> photo </s>")
    assert tok.image_id not in ids and tok.eos_id not in ids  # page text never yields special tokens
    assert tok.decode(ids) == "The garden <image> photo </s>"  # byte-level: lossless
    assert tok.encode_batch(["", "é 中文 🙂"])[0] == []
    assert tok.decode(tok.encode("é 中文 🙂")) == "é 中文 🙂"


def test_save_and_load_folder_and_json_file(tmp_path):
    tok = train_bpe(TEXTS, vocab_size=300, min_frequency=1)
    tok.save(tmp_path / "tok")
    again = load_tokenizer(tmp_path / "tok")
    assert again.vocab_size == tok.vocab_size and again.image_id == tok.image_id
    assert again.encode("The garden by the river") == tok.encode("The garden by the river")
    # a bare tokenizers JSON file works too
    single = load_tokenizer(tmp_path / "tok" / "tokenizer.json")
    assert single.image_id == tok.image_id and single.bos_id == tok.bos_id
    copy = pickle.loads(pickle.dumps(tok))  # DataLoader workers may pickle it
    assert copy.encode("a <image> b") == tok.encode("a <image> b")


def test_user_tokenizer_without_image_tokens_gets_them_added(tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(TEXTS, trainers.WordLevelTrainer(special_tokens=["[UNK]"]))
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(tmp_path / "user")
    base = len(raw.get_vocab())
    tok = load_tokenizer(tmp_path / "user")
    assert tok.vocab_size == base + 5  # <image>, <fake_token_around_image>, <s>, </s>, <pad>
    assert len({tok.bos_id, tok.eos_id, tok.pad_id, tok.image_id, tok.fake_id}) == 5
    assert max(tok.bos_id, tok.eos_id, tok.pad_id, tok.image_id, tok.fake_id) < tok.vocab_size


def test_missing_tokenizer_is_a_clear_error(tmp_path):
    with pytest.raises(TokenizerError, match="not found"):
        load_tokenizer(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TokenizerError, match="cannot load"):
        load_tokenizer(tmp_path / "empty")
    with pytest.raises(TokenizerError):
        train_bpe(TEXTS, vocab_size=100)


def test_train_tokenizer_command_on_shards(tmp_path, capsys):
    import random

    from obelics.cli import main

    rng = random.Random(0)
    docs = [make_doc([sentence(rng, 12), i % 5, sentence(rng, 8)]) for i in range(30)]
    write_test_shards(tmp_path / "shards", docs, per_shard=10)
    out = tmp_path / "tok"
    assert main(["train-tokenizer", str(tmp_path / "shards"), "--output", str(out), "--vocab-size", "320"]) == 0
    tok = load_tokenizer(out)
    assert tok.vocab_size <= 320 and tok.image_id == 4
    # a vocabulary the texts cannot fill is said, not silently smaller
    assert main(["train-tokenizer", str(tmp_path / "shards"), "--output", str(out), "--vocab-size", "32000"]) == 0
    err = capsys.readouterr().err
    assert "fewer than --vocab-size 32000" in err and load_tokenizer(out).vocab_size < 32000
    assert main(["train-tokenizer", str(tmp_path / "nothing"), "--output", str(out)]) == 2
