"""``obelics dedup``: the OBELICS dedup passes plus MinHash near-duplicates, hash-partitioned on disk."""

from __future__ import annotations

import argparse

from obelics.commands._common import UsageError, add_input_options, add_stage_options, resolve_inputs, run_stage_command
from obelics.dedup.passes import PASS_NAMES

HELP = "deduplicate documents: URL (newest crawl), paragraphs within a domain, image sets, MinHash near-duplicates"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p)
    add_stage_options(p)
    p.add_argument(
        "--passes",
        metavar="LIST",
        help=f"comma-separated passes, run in this order (default: {','.join(PASS_NAMES)})",
    )
    p.add_argument("--partitions", type=int, help="hash partitions per pass (default: one per input shard, max 256)")
    p.add_argument("--keep-rejected", action="store_true", help="also write removed documents to OUT/rejected/PASS/")
    p.add_argument("--keep-work", action="store_true", help="keep OUT/_work (keys, decisions) after the run")


def main(args: argparse.Namespace) -> int:
    inputs = resolve_inputs(args)
    settings: dict = {}
    if args.passes is not None:
        passes = [x.strip() for x in args.passes.split(",") if x.strip()]
        bad = [x for x in passes if x not in PASS_NAMES]
        if bad or not passes:
            raise UsageError(
                f"--passes: unknown pass {', '.join(bad) or '(none)'}; choose from {', '.join(PASS_NAMES)}"
            )
        if len(set(passes)) != len(passes):
            raise UsageError("--passes: a pass is named twice")
        settings["passes"] = passes
    if args.partitions is not None:
        if args.partitions < 1:
            raise UsageError("--partitions must be at least 1")
        settings["partitions"] = args.partitions
    if args.keep_rejected:
        settings["keep_rejected"] = True
    if args.keep_work:
        settings["keep_work"] = True
    return run_stage_command("dedup", inputs, args, settings)
