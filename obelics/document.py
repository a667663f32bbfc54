"""The one document model: an OBELICS interleaved web document.

A document is a sequence of nodes; position ``i`` holds either a text
(``texts[i]``) or an image URL (``images[i]``), never both. ``metadata[i]`` is
``None`` at text positions and a dict at image positions. Two texts are never
adjacent: they are merged with ``"\\n\\n"``. Paragraphs inside a text are
separated by ``"\\n\\n"``.

On disk (Parquet shards, the OBELICS Hub layout) ``metadata`` and
``general_metadata`` are JSON strings; ``image_bytes`` is an extra list column,
parallel to ``images``, filled once images are downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

PARAGRAPH_SEP = "\n\n"

# Image-slot metadata keys of the published OBELICS layout.
HUB_IMAGE_KEYS = (
    "document_url",
    "unformatted_src",
    "src",
    "formatted_filename",
    "alt_text",
    "rendered_width",
    "rendered_height",
    "original_width",
    "original_height",
    "format",
)
# Keys this package adds to image slots after download and filtering.
EXTRA_IMAGE_KEYS = ("bytes_size", "sha256", "phash", "nsfw_score", "opt_out")

# general_metadata keys: the Hub's four, then ours.
HUB_GENERAL_KEYS = ("url", "warc_filename", "warc_record_offset", "warc_record_length")
EXTRA_GENERAL_KEYS = ("crawl_date", "opt_out", "language", "language_score")

CORE_COLUMNS = ("texts", "images", "metadata", "general_metadata", "image_bytes")

SCHEMA = pa.schema(
    [
        pa.field("texts", pa.list_(pa.string())),
        pa.field("images", pa.list_(pa.string())),
        pa.field("metadata", pa.string()),
        pa.field("general_metadata", pa.string()),
        pa.field("image_bytes", pa.list_(pa.binary())),
    ]
)


class DocumentError(ValueError):
    """A document that breaks the model's rules."""


def image_metadata(
    src: str,
    *,
    unformatted_src: str | None = None,
    document_url: str = "",
    alt_text: str = "",
    rendered_width: int | None = None,
    rendered_height: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Build an image slot's metadata with every Hub key present."""
    meta: dict[str, Any] = {
        "document_url": document_url,
        "unformatted_src": src if unformatted_src is None else unformatted_src,
        "src": src,
        "formatted_filename": "",
        "alt_text": alt_text,
        "rendered_width": rendered_width,
        "rendered_height": rendered_height,
        "original_width": None,
        "original_height": None,
        "format": None,
    }
    meta.update(extra)
    return meta


@dataclass
class Node:
    """One position of a document: a text or an image."""

    text: str | None = None
    image: str | None = None
    meta: dict[str, Any] | None = None
    data: bytes | None = None  # downloaded image bytes, if any

    @property
    def is_image(self) -> bool:
        return self.image is not None


@dataclass
class Document:
    """An interleaved document in the OBELICS format."""

    texts: list[str | None]
    images: list[str | None]
    metadata: list[dict[str, Any] | None]
    general_metadata: dict[str, Any]
    image_bytes: list[bytes | None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # input columns we carry along

    # ---- construction -------------------------------------------------
    @classmethod
    def from_nodes(
        cls,
        nodes: Iterable[Node],
        general_metadata: dict[str, Any],
        extra: dict[str, Any] | None = None,
    ) -> Document:
        """Build a document, merging adjacent texts and dropping empty ones."""
        texts: list[str | None] = []
        images: list[str | None] = []
        metadata: list[dict[str, Any] | None] = []
        data: list[bytes | None] = []
        has_data = False
        for node in nodes:
            if node.image is not None:
                texts.append(None)
                images.append(node.image)
                metadata.append(node.meta if node.meta is not None else {})
                data.append(node.data)
                has_data = has_data or node.data is not None
            elif node.text:
                if texts and texts[-1] is not None:
                    texts[-1] = texts[-1] + PARAGRAPH_SEP + node.text
                else:
                    texts.append(node.text)
                    images.append(None)
                    metadata.append(None)
                    data.append(None)
        return cls(texts, images, metadata, dict(general_metadata), data if has_data else None, dict(extra or {}))

    def nodes(self) -> Iterator[Node]:
        """The positions in order."""
        data = self.image_bytes or [None] * len(self.texts)
        for t, i, m, d in zip(self.texts, self.images, self.metadata, data):
            yield Node(text=t, image=i, meta=m, data=d)

    def replace_nodes(self, nodes: Iterable[Node]) -> Document:
        """A new document with these nodes and the same page-level data."""
        return Document.from_nodes(nodes, self.general_metadata, self.extra)

    def filter_images(self, keep: Callable[[Node], bool]) -> Document:
        """Drop the image nodes for which ``keep`` is false; texts that become adjacent merge."""
        return self.replace_nodes(n for n in self.nodes() if not n.is_image or keep(n))

    def map_texts(self, fn: Callable[[str], str]) -> Document:
        """Rewrite each text (an empty result removes it, neighbours merge)."""
        return self.replace_nodes(n if n.is_image else Node(text=fn(n.text or "")) for n in self.nodes())

    # ---- views ---------------------------------------------------------
    @property
    def url(self) -> str:
        return str(self.general_metadata.get("url") or "")

    @property
    def num_images(self) -> int:
        return sum(i is not None for i in self.images)

    @property
    def text(self) -> str:
        """All texts joined with the paragraph separator."""
        return PARAGRAPH_SEP.join(t for t in self.texts if t is not None)

    def paragraphs(self) -> list[str]:
        return [p for t in self.texts if t is not None for p in t.split(PARAGRAPH_SEP) if p.strip()]

    # ---- validation ----------------------------------------------------
    def validate(self) -> Document:
        """Raise DocumentError naming the first broken rule; return self when valid."""
        n = len(self.texts)
        if len(self.images) != n or len(self.metadata) != n:
            raise DocumentError(
                f"texts, images and metadata must have the same length, got {n}, {len(self.images)}, {len(self.metadata)}"
            )
        if self.image_bytes is not None and len(self.image_bytes) != n:
            raise DocumentError(f"image_bytes has length {len(self.image_bytes)}, expected {n}")
        if not isinstance(self.general_metadata, dict):
            raise DocumentError("general_metadata must be a dict")
        if not isinstance(self.general_metadata.get("url", ""), str):
            raise DocumentError("general_metadata['url'] must be a string")
        prev_text = False
        for pos, (t, i, m) in enumerate(zip(self.texts, self.images, self.metadata)):
            if (t is None) == (i is None):
                raise DocumentError(f"position {pos}: exactly one of text and image must be set")
            if t is not None:
                if not isinstance(t, str) or not t:
                    raise DocumentError(f"position {pos}: text must be a non-empty string")
                if prev_text:
                    raise DocumentError(f"position {pos}: two adjacent texts (merge them with '\\n\\n')")
                if m is not None:
                    raise DocumentError(f"position {pos}: metadata must be null at a text position")
                if self.image_bytes is not None and self.image_bytes[pos] is not None:
                    raise DocumentError(f"position {pos}: image bytes at a text position")
            else:
                if not isinstance(i, str) or not i:
                    raise DocumentError(f"position {pos}: image must be a non-empty URL string")
                if m is not None and not isinstance(m, dict):
                    raise DocumentError(f"position {pos}: image metadata must be a dict")
            prev_text = t is not None
        return self

    # ---- rows (OBELICS Hub layout) ---------------------------------------
    def to_row(self, *, with_bytes: bool = True) -> dict[str, Any]:
        """A Parquet row: metadata and general_metadata as JSON strings."""
        row: dict[str, Any] = {
            "texts": list(self.texts),
            "images": list(self.images),
            "metadata": json.dumps(self.metadata, ensure_ascii=False),
            "general_metadata": json.dumps(self.general_metadata, ensure_ascii=False),
        }
        if with_bytes:
            row["image_bytes"] = None if self.image_bytes is None else list(self.image_bytes)
        row.update(self.extra)
        return row

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Document:
        """Parse a row of a Hub-layout Parquet file (JSON strings or already parsed)."""
        try:
            texts = list(row["texts"])
            images = list(row["images"])
        except KeyError as e:
            raise DocumentError(f"row has no {e.args[0]!r} column") from None
        meta = _loads(row.get("metadata"), default=None)
        if meta is None:
            meta = [None if i is None else {} for i in images]
        gm = _loads(row.get("general_metadata"), default={}) or {}
        data = row.get("image_bytes")
        extra = {k: v for k, v in row.items() if k not in CORE_COLUMNS}
        return cls(texts, images, list(meta), dict(gm), None if data is None else list(data), extra)


def _loads(value: Any, default: Any) -> Any:
    if value is None:
        return default
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except json.JSONDecodeError as e:
            raise DocumentError(f"metadata is not valid JSON: {e}") from None
    return value
