"""``obelics images``: download, filter, deduplicate and attach the images of document shards."""

from __future__ import annotations

import argparse

from obelics.commands._common import add_input_options, add_stage_options, resolve_inputs, run_stage_command

HELP = "download each distinct image URL once, filter and deduplicate, attach images to their slots"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p, "document Parquet shards (obelics extract output or published OBELICS files) or folders")
    add_stage_options(p)
    p.add_argument(
        "--allow-loopback",
        action="store_true",
        help="allow image URLs on loopback addresses (127.0.0.1, ::1, localhost), for tests and local servers; "
        "private, link-local and cloud-metadata addresses stay refused",
    )
    p.add_argument(
        "--processes", type=int, metavar="N", help="processes for the image filters and hashes (default: one per CPU)"
    )
    p.add_argument("--threads", type=int, metavar="N", help="download threads per process (default 64)")
    p.add_argument("--timeout", type=float, metavar="S", help="seconds per request (default 10)")
    p.add_argument("--max-url-count", type=int, metavar="N", help="drop URLs used by more documents (default 10)")
    p.add_argument("--max-phash-count", type=int, metavar="N", help="drop pHashes used by more documents (default 10)")


def main(args: argparse.Namespace) -> int:
    inputs = resolve_inputs(args)
    mapping = {
        "processes": "processes_count",
        "threads": "thread_count",
        "timeout": "timeout",
        "max_url_count": "max_url_count",
        "max_phash_count": "max_phash_count",
    }
    settings = {key: getattr(args, arg) for arg, key in mapping.items() if getattr(args, arg, None) is not None}
    if args.allow_loopback:
        settings["allow_loopback"] = True
    return run_stage_command("images", inputs, args, settings)
