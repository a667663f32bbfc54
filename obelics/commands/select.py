"""``obelics select``: a WARC record pointer list from Common Crawl's columnar index, through DuckDB."""

from __future__ import annotations

import argparse
import os
import sys

from obelics.commands._common import UsageError, add_input_options, resolve_inputs
from obelics.io.cc_index import SelectError, Selection, select_pointers
from obelics.io.paths import is_remote

HELP = "select WARC record pointers from Common Crawl's columnar URL index (Parquet) with filters, via DuckDB"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p, what="Common Crawl index Parquet files (cc-index/table/cc-main/warc/...) or folders")
    p.add_argument("--output", "-o", required=True, help="pointer list to write: .parquet, .csv or .jsonl")
    p.add_argument("--domain", action="append", default=[], metavar="D", help="registered domain, e.g. wikipedia.org")
    p.add_argument("--host", action="append", default=[], metavar="H", help="exact host name, e.g. en.wikipedia.org")
    p.add_argument(
        "--language",
        action="append",
        default=[],
        metavar="L",
        help="content language (ISO 639-3 as in the index, e.g. eng; 2-letter codes are mapped); repeatable",
    )
    p.add_argument("--primary-language", action="store_true", help="match --language on the first language only")
    p.add_argument("--mime", action="append", default=[], metavar="M", help="MIME type, e.g. text/html; repeatable")
    p.add_argument("--status", default="200", help="fetch_status to keep (default 200; 'any' for all)")
    p.add_argument("--subset", default="warc", help="index subset to keep (default warc; 'any' for all)")
    p.add_argument("--crawl", action="append", default=[], metavar="C", help="crawl name, e.g. CC-MAIN-2023-06")
    p.add_argument("--where", default="", metavar="SQL", help="an extra SQL condition over the index columns")
    p.add_argument("--limit", type=int, metavar="N", help="at most N pointers")
    p.add_argument("--columns", default="", metavar="A,B", help="extra index columns to copy into the list")
    p.add_argument("--no-sort", action="store_true", help="do not sort by WARC file and offset (faster, no spill)")
    p.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit; beyond it, it spills to disk")
    p.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")


def main(args: argparse.Namespace) -> int:
    paths = resolve_inputs(args, (".parquet",))
    paths = [p if is_remote(p) else os.path.abspath(p) for p in paths]
    if args.status.lower() == "any":
        status = None
    else:
        try:
            status = int(args.status)
        except ValueError:
            raise UsageError(f"--status wants a number or 'any', got {args.status!r}") from None
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit must be at least 0")
    sel = Selection(
        domains=args.domain,
        hosts=args.host,
        languages=args.language,
        primary_language=args.primary_language,
        mimes=args.mime,
        status=status,
        subset=None if args.subset.lower() == "any" else args.subset,
        crawls=args.crawl,
        where=args.where,
        limit=args.limit,
        columns=[c.strip() for c in args.columns.split(",") if c.strip()],
        sort=not args.no_sort,
    )
    try:
        n = select_pointers(paths, args.output, sel, memory_limit=args.memory_limit, threads=args.threads)
    except SelectError as e:
        raise UsageError(str(e)) from None
    print(f"[select] {n} pointers from {len(paths)} index file(s) -> {args.output}", file=sys.stderr)
    return 0
