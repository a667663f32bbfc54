"""``obelics export-model``: a training checkpoint as a standalone transformers model folder."""

from __future__ import annotations

import argparse

from obelics.commands._common import UsageError

HELP = "copy a training checkpoint's model, tokenizer and processor to a folder that from_pretrained loads"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", help="a run folder (its latest checkpoint), its checkpoints/ or a step-N folder")
    p.add_argument("--output", "-o", required=True, help="new (or empty) folder for the model")
    p.add_argument("--dtype", default="fp32", choices=("fp32", "bf16", "fp16"), help="weight dtype (default fp32)")
    p.epilog = "Load the result with IdeficsForVisionText2Text.from_pretrained(OUTPUT) and AutoProcessor.from_pretrained(OUTPUT)."


def main(args: argparse.Namespace) -> int:
    from obelics.train.checkpoint import export_model

    try:
        dest = export_model(args.checkpoint, args.output, dtype=args.dtype)
    except (FileNotFoundError, FileExistsError) as e:
        raise UsageError(str(e)) from None
    print(f"obelics export-model: {args.checkpoint} -> {dest} ({args.dtype})")
    return 0
