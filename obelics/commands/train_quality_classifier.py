"""``obelics train-quality-classifier``: the OBELICS paper's logistic regression on hashed token counts."""

from __future__ import annotations

import argparse
import json
import os
import sys

from obelics.commands._common import UsageError

HELP = "train the model-based quality classifier (good vs ordinary text) used by obelics filter --quality-model"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--good",
        nargs="+",
        required=True,
        metavar="FILE",
        help="text the classifier should prefer (the paper: Wikipedia, OpenWebText): plain text with one "
        "document per line, .jsonl with a 'text' field, or Parquet (document shards or a 'text' column)",
    )
    p.add_argument(
        "--ordinary", nargs="+", required=True, metavar="FILE", help="ordinary web text (the paper: Common Crawl)"
    )
    p.add_argument("--output", "-o", required=True, metavar="MODEL", help="where to write the model (.npz)")
    p.add_argument("--features", type=int, default=2**20, help="hash buckets (default 2**20)")
    p.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength of the regression")
    p.add_argument("--max-iter", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--holdout", type=float, default=0.1, help="share of texts held out to report accuracy")


def main(args: argparse.Namespace) -> int:
    from obelics.filters.classifier import read_texts, train

    for f in [*args.good, *args.ordinary]:
        if not os.path.isfile(f):
            raise UsageError(f"training file not found: {f}")
    if args.features < 2 or not 0.0 <= args.holdout < 1.0:
        raise UsageError("--features must be >= 2 and --holdout in [0, 1)")
    try:
        good = read_texts(args.good)
        ordinary = read_texts(args.ordinary)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if not good or not ordinary:
        raise UsageError(f"need texts on both sides: {len(good)} good, {len(ordinary)} ordinary")
    print(f"training on {len(good)} good and {len(ordinary)} ordinary texts", file=sys.stderr)
    model = train(
        good,
        ordinary,
        n_features=args.features,
        c=args.c,
        max_iter=args.max_iter,
        seed=args.seed,
        holdout=args.holdout,
    )
    model.info["good_files"] = [os.path.abspath(f) for f in args.good]
    model.info["ordinary_files"] = [os.path.abspath(f) for f in args.ordinary]
    model.save(args.output)
    print(json.dumps({"model": args.output, **model.info}, indent=2))
    return 0
