"""``obelics preview``: print a few documents of a stage folder or shard, texts and images in order."""

from __future__ import annotations

import argparse
import itertools
import shutil
import textwrap
from collections.abc import Iterator

from obelics.commands._common import UsageError
from obelics.document import Document

HELP = "print the first documents of a folder or file (Parquet shards or tars): texts and image URLs in order"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="PATH", help="a stage output folder, a Parquet shard or a tar shard")
    p.add_argument("-n", type=int, default=3, metavar="N", help="documents to print (default 3)")
    p.add_argument("--chars", type=int, default=300, metavar="N", help="characters of each text shown (default 300)")


def documents(path: str) -> Iterator[Document]:
    """The documents of a file or of every shard in a folder (Parquet first, else tars), in file order."""
    from obelics.io.parquet import read_documents
    from obelics.io.paths import expand_inputs
    from obelics.io.webdataset import iter_documents

    try:
        files = expand_inputs([path], (".parquet",))
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    if not files:
        files = expand_inputs([path], (".tar",))
    if not files:
        raise UsageError(f"{path}: no Parquet or tar shards")
    for f in files:
        yield from (iter_documents(f) if f.endswith(".tar") else read_documents(f))


def render(doc: Document, number: int, chars: int, width: int) -> str:
    """One document as lines: its URL, then each text (shortened) and image (URL, size, bytes) in order."""
    n_images = sum(1 for u in doc.images if u is not None)
    head = f"[{number}] {doc.general_metadata.get('url', '(no url)')}  ({len(doc.texts)} positions, {n_images} images)"
    lines = [head]
    for i, (text, url) in enumerate(zip(doc.texts, doc.images)):
        if url is not None:
            meta = doc.metadata[i] if i < len(doc.metadata) and doc.metadata[i] else {}
            size = f" {meta.get('original_width')}x{meta.get('original_height')}" if meta.get("original_width") else ""
            has = doc.image_bytes is not None and i < len(doc.image_bytes) and doc.image_bytes[i] is not None
            lines.append(f"  image: {url}{size}{' (bytes)' if has else ''}")
        elif text is not None:
            short = " ".join(text.split())
            short = short if len(short) <= chars else short[: max(chars - 3, 0)] + "..."
            lines += textwrap.wrap(short, width, initial_indent="  text:  ", subsequent_indent="         ")
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise UsageError("-n must be 1 or more")
    width = min(shutil.get_terminal_size((100, 24)).columns, 120)
    shown = 0
    for k, doc in enumerate(itertools.islice(documents(args.path), args.n), 1):
        print(render(doc, k, args.chars, width) + "\n")
        shown += 1
    if not shown:
        raise UsageError(f"{args.path}: no documents")
    return 0
