"""Shared helpers for the training-side tests (no tests here): a tiny tokenizer, images and documents."""

from __future__ import annotations

import io
import random

from obelics.document import Document, Node, image_metadata

WORDS = (
    "the a of and to in is was for on that with as by it at from this be are or an which "
    "image photo picture garden house river city mountain road car boat tree flower bird "
    "cat dog people market church bridge museum street beach sky cloud summer winter"
).split()


def png(color: tuple[int, int, int], size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    from PIL import Image

    img = Image.new(mode, size, color if mode == "RGB" else (*color, 255))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def color_for(i: int) -> tuple[int, int, int]:
    """A distinct solid colour per image index (recoverable from pixel values)."""
    return ((37 * i) % 256, (91 * i + 40) % 256, (53 * i + 100) % 256)


def make_doc(items: list, url: str = "https://example.com/") -> Document:
    """Items: str for a text, int i for the image of colour ``color_for(i)``, None for an image without bytes,
    b"..." for raw (possibly broken) image bytes."""
    nodes = []
    for k, it in enumerate(items):
        if isinstance(it, str):
            nodes.append(Node(text=it))
        else:
            src = f"https://img.example.com/{k}.png"
            data = png(color_for(it)) if isinstance(it, int) else it
            nodes.append(Node(image=src, meta=image_metadata(src), data=data))
    doc = Document.from_nodes(nodes, {"url": url})
    if doc.image_bytes is None:
        doc.image_bytes = [None] * len(doc.texts)
    return doc.validate()


def sentence(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words)).capitalize() + "."


def sample_corpus(n_docs: int, seed: int = 0, max_images: int = 3) -> list[Document]:
    """Small interleaved documents with a learnable structure (repeated vocabulary, images per topic)."""
    rng = random.Random(seed)
    docs = []
    img = 0
    for d in range(n_docs):
        items: list = []
        for _ in range(rng.randint(1, max_images)):
            items.append(sentence(rng, rng.randint(5, 30)))
            items.append(img % 12)
            img += 1
        items.append(sentence(rng, rng.randint(5, 30)))
        docs.append(make_doc(items, url=f"https://example.com/{d}"))
    return docs


_TOKENIZER = None


def tiny_tokenizer():
    """A byte-level BPE trained on the sample vocabulary (cached per process)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        from obelics.train.tokenizer import train_bpe

        rng = random.Random(0)
        texts = [sentence(rng, 20) for _ in range(300)]
        _TOKENIZER = train_bpe(texts, vocab_size=400, min_frequency=1)
    return _TOKENIZER


def write_test_shards(folder, docs: list[Document], per_shard: int) -> list[str]:
    """Write documents to WebDataset tars with the shard stage's writer; return the tar paths in order."""
    from obelics.io.webdataset import write_shards

    infos = write_shards(folder, "train", ((f"doc{i:06d}", d) for i, d in enumerate(docs)), max_documents=per_shard)
    paths = sorted(str(p) for p in __import__("pathlib").Path(folder).glob("*.tar"))
    assert len(paths) == len(infos)
    return paths
