"""``obelics optout``: remove opted-out pages and images."""

from __future__ import annotations

import argparse
import os

from obelics.commands._common import UsageError, add_input_options, add_stage_options, resolve_inputs, run_stage_command

HELP = "remove opted-out pages (noai, TDM reservation, lists, opt-out API) and opted-out images"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p)
    add_stage_options(p)
    p.add_argument(
        "--list",
        action="append",
        default=[],
        metavar="FILE",
        help="opt-out list: text (one URL or domain per line, # comments) or Parquet (url/domain column); repeatable",
    )
    p.add_argument("--api-url", metavar="URL", help="opt-out service endpoint (Spawning-style, see README)")
    p.add_argument(
        "--on-api-failure",
        choices=["fail", "keep", "drop"],
        help="when the service cannot answer after retries: fail the shard (default), keep or drop unchecked data",
    )
    p.add_argument("--keep-rejected", action="store_true", help="also write removed documents to OUT/rejected/")


def main(args: argparse.Namespace) -> int:
    inputs = resolve_inputs(args)
    settings: dict = {}
    if args.list:
        missing = [f for f in args.list if "://" not in f and not os.path.isfile(f)]
        if missing:
            raise UsageError(f"opt-out list not found: {', '.join(missing)}")
        settings["lists"] = [f if "://" in f else os.path.abspath(f) for f in args.list]
    if args.api_url:
        if not args.api_url.startswith(("http://", "https://")):
            raise UsageError(f"--api-url must be an http(s) URL, got {args.api_url!r}")
        settings["api_url"] = args.api_url
    if args.on_api_failure:
        settings["on_api_failure"] = args.on_api_failure
    if args.keep_rejected:
        settings["keep_rejected"] = True
    return run_stage_command("optout", inputs, args, settings)
