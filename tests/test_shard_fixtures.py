"""Documents for the shard, export and report tests (helpers only, no tests here)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from obelics.document import Document, Node, image_metadata
from obelics.io.parquet import write_documents

# Images per document, in order: the first five differ, webp and gif first appear after the fifth.
IMAGE_COUNTS = [0, 1, 7, 0, 2, 30, 1, 0, 3, 5, 0, 1, 2]
MAGENTA = (255, 0, 255)


def image_bytes(color: tuple[int, int, int], fmt: str, size: tuple[int, int] = (24, 16)) -> bytes:
    buf = io.BytesIO()
    im = Image.new("RGB", size, color)
    if fmt == "GIF":
        im = im.convert("P")
    im.save(buf, fmt)
    return buf.getvalue()


def _fmt_for(doc_index: int, k: int) -> str:
    if (doc_index, k) == (1, 0):
        return "PNG"  # the magenta image, exact colours
    if doc_index < 5:
        return ("JPEG", "PNG")[k % 2]
    if doc_index == 6:
        return "WEBP"  # first webp after the fifth sample
    if doc_index == 8:
        return "GIF"
    return ("PNG", "JPEG", "WEBP")[k % 3]


def make_docs(counts: list[int] = IMAGE_COUNTS, words: int = 6) -> list[Document]:
    """Documents with the given image counts; texts before, between and after images."""
    docs = []
    for i, n in enumerate(counts):
        nodes = [Node(text=" ".join(f"doc{i}word{w}" for w in range(words)))]
        for k in range(n):
            fmt = _fmt_for(i, k)
            color = MAGENTA if (i, k) == (1, 0) else ((37 * i) % 256, (53 * k) % 256, 90)
            size = (24 + k, 16 + (i % 5))
            url = f"http://127.0.0.1/img/{i}/{k}.{fmt.lower()}"
            meta = image_metadata(url, document_url=f"http://127.0.0.1/page/{i}", alt_text=f"image {k}")
            meta.update({"original_width": size[0], "original_height": size[1], "format": fmt.lower()})
            nodes.append(Node(image=url, meta=meta, data=image_bytes(color, fmt, size)))
            if k % 3 != 1:  # sometimes two images in a row
                nodes.append(Node(text=f"caption {k} of doc {i}\n\nsecond paragraph"))
        gm = {"url": f"http://127.0.0.1/page/{i}", "warc_filename": "x.warc.gz", "language_score": 0.5 + i / 40}
        docs.append(Document.from_nodes(nodes, gm).validate())
    return docs


def write_inputs(folder: Path, docs: list[Document], parts: int = 2) -> list[str]:
    """Split ``docs`` over ``parts`` Parquet shards in ``folder``; return their paths in order."""
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-len(docs) // parts)
    paths = []
    for p in range(parts):
        path = folder / f"part-{p:03d}.parquet"
        write_documents(path, docs[p * per : (p + 1) * per], row_group_size=4)
        paths.append(str(path))
    return paths
