"""``obelics train-tokenizer``: a byte-level BPE trained on shard texts, with the IDEFICS special tokens."""

from __future__ import annotations

import argparse
import sys

from obelics.commands._common import UsageError, add_input_options, resolve_inputs

HELP = "train a byte-level BPE tokenizer (with <image> and <fake_token_around_image>) on shard texts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p, what="WebDataset .tar or Parquet shards, or folders of them")
    p.add_argument("--output", "-o", required=True, help="folder for the tokenizer (transformers layout)")
    p.add_argument("--vocab-size", type=int, default=32000, help="vocabulary size (default 32000)")
    p.add_argument("--min-frequency", type=int, default=2, help="minimum pair frequency for a merge (default 2)")
    p.add_argument("--max-documents", type=int, help="train on at most this many documents")


def main(args: argparse.Namespace) -> int:
    paths = resolve_inputs(args, suffixes=(".tar", ".parquet"))
    from obelics.train.tokenizer import TokenizerError, iter_shard_texts, train_bpe

    if args.vocab_size < 262:
        raise UsageError("--vocab-size must be at least 262 (256 bytes and 6 special tokens)")
    counter = {"texts": 0}

    def texts():
        for t in iter_shard_texts(paths, max_documents=args.max_documents):
            counter["texts"] += 1
            yield t

    try:
        tok = train_bpe(texts(), args.vocab_size, min_frequency=args.min_frequency, show_progress=sys.stderr.isatty())
    except TokenizerError as e:
        raise UsageError(str(e)) from None
    if counter["texts"] == 0:
        raise UsageError("no text found in the inputs")
    tok.save(args.output)
    if tok.vocab_size < args.vocab_size:
        print(
            f"obelics train-tokenizer: warning: {tok.vocab_size} tokens, fewer than --vocab-size {args.vocab_size}: "
            f"the texts hold no more merges seen at least {args.min_frequency} times (give more text, or a lower "
            "--min-frequency)",
            file=sys.stderr,
        )
    print(
        f"obelics train-tokenizer: {tok.vocab_size} tokens from {counter['texts']} texts of {len(paths)} shards "
        f"-> {args.output} (image id {tok.image_id}, wrapper id {tok.fake_id})"
    )
    return 0
