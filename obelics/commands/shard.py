"""``obelics shard``: document shards into WebDataset tars, a manifest and a dataset card."""

from __future__ import annotations

import argparse

from obelics.commands._common import add_input_options, add_stage_options, resolve_inputs, run_stage_command

HELP = "write documents as WebDataset tars (one sample per document) with a manifest and a dataset card"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p)
    add_stage_options(p)
    p.add_argument("--max-documents", type=int, help="documents per tar at most (default 1000)")
    p.add_argument("--max-bytes", type=int, help="bytes per tar at most (default 500000000)")
    p.add_argument("--tokenizer", help="a local tokenizer (tokenizer.json or folder) to count tokens for the card")
    p.add_argument("--license", help="license id for the dataset card (default cc-by-4.0)")
    p.add_argument("--name", help="dataset name for the card (default: the output folder's name)")
    p.epilog = (
        "Load the result with datasets.load_dataset(OUTPUT) (typed through the generated README.md), or "
        'datasets.load_dataset("webdataset", data_files="OUTPUT/*.tar").'
    )


def main(args: argparse.Namespace) -> int:
    inputs = resolve_inputs(args)
    settings = {
        k: getattr(args, k)
        for k in ("max_documents", "max_bytes", "tokenizer", "license", "name")
        if getattr(args, k, None) is not None
    }
    return run_stage_command("shard", inputs, args, settings)
