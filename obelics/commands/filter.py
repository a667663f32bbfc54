"""``obelics filter``: the OBELICS document filters (language, text quality, perplexity, classifier, NSFW)."""

from __future__ import annotations

import argparse

from obelics.commands._common import add_input_options, add_stage_options, resolve_inputs, run_stage_command

HELP = "filter documents: language ID, OBELICS text-quality cutoffs, perplexity, quality classifier, NSFW images"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p)
    add_stage_options(p)
    p.add_argument("--languages", metavar="CODES", help="lid.176 codes to keep, comma-separated (default: en)")
    p.add_argument("--kenlm-model", metavar="FILE", help="KenLM model (ARPA or binary) for the perplexity filter")
    p.add_argument("--sentencepiece-model", metavar="FILE", help="SentencePiece model used with --kenlm-model")
    p.add_argument("--quality-model", metavar="FILE", help="model from obelics train-quality-classifier")
    p.add_argument(
        "--keep-rejected", action="store_true", help="also write removed documents to OUT/rejected/NAME.parquet"
    )


def main(args: argparse.Namespace) -> int:
    inputs = resolve_inputs(args)
    settings: dict = {}
    for opt, key in (
        ("languages", "languages"),
        ("kenlm_model", "kenlm_model"),
        ("sentencepiece_model", "sentencepiece_model"),
        ("quality_model", "quality_model"),
    ):
        value = getattr(args, opt, None)
        if value:
            settings[key] = value
    if args.keep_rejected:
        settings["keep_rejected"] = True
    return run_stage_command("filter", inputs, args, settings)
