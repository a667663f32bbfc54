"""``obelics extract``: WARC files, Common Crawl listings or record pointers to interleaved documents."""

from __future__ import annotations

import argparse
import os

from obelics.commands._common import UsageError, add_input_options, add_stage_options, resolve_inputs, run_stage_command
from obelics.io.paths import is_remote
from obelics.io.pointers import is_pointer_list
from obelics.io.warc import DEFAULT_BASE_URL, READERS, is_listing, is_warc, read_listing
from obelics.stages.extract import INPUT_SUFFIXES

HELP = "extract interleaved documents from WARC files, warc.paths listings or WARC record pointers"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(
        p,
        what="WARC files (.warc, .warc.gz), Common Crawl listings (warc.paths[.gz]) or pointer lists "
        "(.parquet, .csv, .jsonl with warc_filename/warc_record_offset/warc_record_length, or OBELICS rows)",
    )
    add_stage_options(p)
    p.add_argument(
        "--mode",
        choices=["main-content", "obelics"],
        help="main-content (default: boilerplate pruned, article images kept) or obelics (the paper's rules); "
        "see docs/extraction.md",
    )
    p.add_argument("--reader", choices=list(READERS), help="WARC reader (default auto: FastWARC, warcio where needed)")
    p.add_argument(
        "--base-url",
        metavar="URL",
        help=f"where relative WARC names in listings and pointers live: a URL or a folder (default {DEFAULT_BASE_URL})",
    )
    g = p.add_argument_group("record pointers")
    g.add_argument("--concurrency", type=int, metavar="N", help="fetch threads per task (default 16)")
    g.add_argument("--rate-limit", type=float, metavar="R", help="requests per second per host, 0 = none (default 20)")
    g.add_argument(
        "--chunk-size", type=int, metavar="N", help="pointers per task, 0 = one task per list (default 5000)"
    )
    g.add_argument(
        "--no-compare", action="store_true", help="do not compare re-extracted documents with published OBELICS rows"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar over records")


def main(args: argparse.Namespace) -> int:
    settings: dict = {}
    base = args.base_url
    if base:
        if "://" not in base:
            if not os.path.isdir(base):
                raise UsageError(f"--base-url {base!r} is neither a URL nor a folder")
            base = os.path.abspath(base)
        settings["base_url"] = base
    for key, value in (
        ("mode", args.mode),
        ("reader", args.reader),
        ("concurrency", args.concurrency),
        ("rate_limit", args.rate_limit),
        ("pointer_chunk_size", args.chunk_size),
    ):
        if value is not None:
            settings[key] = value
    if args.no_compare:
        settings["compare"] = False
    if args.no_progress:
        settings["progress"] = False

    take, args.take = args.take, None
    paths = resolve_inputs(args, INPUT_SUFFIXES)
    inputs: list[str] = []
    for path in paths:
        if is_listing(path):
            inputs.extend(read_listing(path, settings.get("base_url", DEFAULT_BASE_URL)))
        elif is_warc(path) or is_pointer_list(path):
            inputs.append(path if is_remote(path) or "://" in path else os.path.abspath(path))
        else:
            raise UsageError(
                f"{path}: not a WARC (.warc, .warc.gz), a listing (warc.paths[.gz]) "
                "or a pointer list (.parquet, .csv, .jsonl)"
            )
    if take:
        try:
            a, _, b = take.partition(":")
            inputs = inputs[int(a or 0) : int(b) if b else None]
        except ValueError:
            raise UsageError(f"--take wants START:STOP, got {take!r}") from None
    if not inputs:
        raise UsageError("no WARC or pointer input left to extract")
    return run_stage_command("extract", inputs, args, settings)
