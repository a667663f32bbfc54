"""``obelics report DIR``: a static HTML report (charts) and a document viewer of a corpus."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from obelics.commands._common import UsageError

HELP = "write a static HTML report (funnel, histograms) and a document viewer for an output folder"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", metavar="DIR", help="a folder of shard tars (obelics shard) or Parquet document shards")
    p.add_argument("--output", "-o", help="where to write index.html and viewer.html (default DIR/report)")
    p.add_argument("--samples", type=int, default=20, help="documents shown in the viewer (default 20)")
    p.add_argument("--max-documents", type=int, help="profile only the first N documents (default all)")
    p.add_argument("--title", help="page title (default: the folder's name)")
    p.add_argument("--screenshot", metavar="PNG", help="also save a screenshot of the report (needs chromium)")


def main(args: argparse.Namespace) -> int:
    from obelics.report.html import build_report, screenshot

    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"not a folder: {folder}")
    if args.samples < 0:
        raise UsageError("--samples must be 0 or more")
    pages = build_report(folder, args.output, samples=args.samples, max_documents=args.max_documents, title=args.title)
    print(f"report: {pages['index']}\nviewer: {pages['viewer']}", file=sys.stderr)
    if args.screenshot:
        screenshot(pages["index"], args.screenshot, height=1600)
        print(f"screenshot: {args.screenshot}", file=sys.stderr)
    print(pages["index"])
    return 0
