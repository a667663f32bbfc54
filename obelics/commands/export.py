"""``obelics export``: documents to Parquet in the OBELICS Hub layout (URLs only, or with image bytes)."""

from __future__ import annotations

import argparse

from obelics.commands._common import add_input_options, add_stage_options, resolve_inputs, run_stage_command

HELP = "export documents (Parquet shards or shard tars) as Parquet in the OBELICS Hub layout, optionally with bytes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p, what="Parquet document shards or WebDataset tars written by `obelics shard`")
    add_stage_options(p)
    p.add_argument(
        "--with-bytes",
        action="store_true",
        help="add the image_bytes column (default: the published layout, image URLs only)",
    )
    p.add_argument("--row-group-size", type=int, help="rows per row group (default 100, or 20 with bytes)")
    p.epilog = (
        "Load the result with datasets.load_dataset(OUTPUT). Settings: format (hub|bytes), row_group_size, "
        "row_group_bytes, keep_extra, name, pretty_name, license (--set KEY=VALUE)."
    )


def main(args: argparse.Namespace) -> int:
    inputs = resolve_inputs(args, suffixes=(".parquet", ".tar"))
    settings: dict = {}
    if args.with_bytes:
        settings["format"] = "bytes"
    if args.row_group_size is not None:
        settings["row_group_size"] = args.row_group_size
    return run_stage_command("export", inputs, args, settings)
