"""WebDataset shards of documents: one tar sample per document, a fixed set of two members.

Sample layout (every sample has exactly these members, whatever its number of images)::

    KEY.json        {"texts": [...], "images": [...], "metadata": "<JSON>", "general_metadata": "<JSON>",
                     "extra": "<JSON>"}   -- the OBELICS Hub row (image URLs, JSON-string metadata)
    KEY.images.mp   msgpack list parallel to ``texts``: the image bytes as downloaded at image
                    positions, null at text positions (and where an image has no bytes)

Keys contain no dots (readers split the member name at the first dot). The image format of
each image is in its metadata (``format``). Because the member set is fixed, HF ``datasets``
loads the tars with ``load_dataset("webdataset", data_files=...)`` (columns ``json`` and
``images.mp``); ``ds.cast_column("images.mp", datasets.List(datasets.Image()))`` makes the
images PIL images, and the dataset card written beside the tars declares that type so
``load_dataset(DIR)`` gives PIL images directly.

Interface used by the training side:

    sample_to_document(sample) -> Document   # one sample as webdataset yields it: raw bytes
                                             # (``webdataset.WebDataset(url)``) or decoded
                                             # (``.decode()``), or a row of ``datasets``
    iter_documents(path_or_url) -> Iterator[Document]   # every document of one tar, in order,
                                                        # with image_bytes
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import queue
import re
import tarfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import msgpack

from obelics.document import Document
from obelics.io.atomic import temp_path
from obelics.io.paths import is_remote

log = logging.getLogger("obelics")

JSON_FIELD = "json"
IMAGES_FIELD = "images.mp"
FIELDS = (JSON_FIELD, IMAGES_FIELD)

# Fixed tar header fields, so the same documents always give the same bytes.
TAR_MTIME = 0
TAR_MODE = 0o644

# How many leading samples HF ``datasets`` reads to infer the column types of a tar.
HF_INFERENCE_SAMPLES = 5
ALL_TYPES = frozenset({"text", "url", "bytes"})
# Most bytes held back while looking for a document that shows a column type (then write as is).
MAX_PENDING_BYTES = 64 << 20

_KEY_BAD = re.compile(r"[^A-Za-z0-9_-]+")


def safe_key(text: str) -> str:
    """A sample key readers cannot misread: letters, digits, ``_`` and ``-`` only (no dots, no slashes)."""
    return _KEY_BAD.sub("_", text).strip("_") or "doc"


# ---------------------------------------------------------------------------------------------
# image formats
# ---------------------------------------------------------------------------------------------
def sniff_format(data: bytes | None) -> str | None:
    """The image format from the first bytes (``jpeg``, ``png``, ``gif``, ``webp``, ...), or None."""
    if not data:
        return None
    head = bytes(data[:32])
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return "avif"
    if head.startswith(b"\x00\x00\x01\x00"):
        return "ico"
    return None


def image_format(data: bytes | None) -> str | None:
    """The format of image bytes: sniffed, else what Pillow reads from the header; None if unreadable."""
    fmt = sniff_format(data)
    if fmt or not data:
        return fmt
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            return (im.format or "").lower() or None
    except Exception:  # noqa: BLE001 - any decoder failure means "not an image we can ship"
        return None


# ---------------------------------------------------------------------------------------------
# documents <-> samples
# ---------------------------------------------------------------------------------------------
def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def pack_images(images: list[bytes | None]) -> list[bytes]:
    """The msgpack encoding of a list of bytes/None, as chunks (image bytes are not copied).

    ``b"".join(pack_images(x)) == msgpack.packb(x, use_bin_type=True)``.
    """
    n = len(images)
    if n < 16:
        head = bytes([0x90 | n])
    elif n < 1 << 16:
        head = b"\xdc" + n.to_bytes(2, "big")
    else:
        head = b"\xdd" + n.to_bytes(4, "big")
    chunks: list[bytes] = []
    small = [head]  # headers and nils gathered between image payloads
    for b in images:
        if b is None:
            small.append(b"\xc0")
            continue
        size = len(b)
        if size < 1 << 8:
            small.append(b"\xc4" + size.to_bytes(1, "big"))
        elif size < 1 << 16:
            small.append(b"\xc5" + size.to_bytes(2, "big"))
        else:
            small.append(b"\xc6" + size.to_bytes(4, "big"))
        chunks.append(b"".join(small))
        chunks.append(b if isinstance(b, bytes) else bytes(b))
        small = []
    if small:
        chunks.append(b"".join(small))
    return chunks


def _sample_parts(doc: Document, key: str) -> tuple[bytes, list[bytes]]:
    """The ``json`` member bytes and the ``images.mp`` member as chunks."""
    if "." in key or "/" in key:
        raise ValueError(f"sample key {key!r} contains a dot or a slash")
    row = {
        "texts": list(doc.texts),
        "images": list(doc.images),
        "metadata": _dumps(doc.metadata),
        "general_metadata": _dumps(doc.general_metadata),
        "extra": _dumps(doc.extra),
    }
    data = doc.image_bytes if doc.image_bytes is not None else [None] * len(doc.texts)
    return json.dumps(row, ensure_ascii=False).encode("utf-8"), pack_images(list(data))


def document_to_sample(doc: Document, key: str) -> dict[str, Any]:
    """Encode a document as a sample: ``{"__key__": key, "json": bytes, "images.mp": bytes}``."""
    js, chunks = _sample_parts(doc, key)
    return {"__key__": key, JSON_FIELD: js, IMAGES_FIELD: b"".join(chunks)}


def _image_value(v: Any) -> bytes | None:
    if v is None:
        return None
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, dict):  # a datasets Image value with decode=False
        b = v.get("bytes")
        return None if b is None else bytes(b)
    if hasattr(v, "save") and hasattr(v, "mode"):  # a decoded PIL image: re-encode (not byte-exact)
        buf = io.BytesIO()
        v.save(buf, format=getattr(v, "format", None) or "PNG")
        return buf.getvalue()
    raise TypeError(f"cannot read an image from a {type(v).__name__}")


def _json_loads(v: Any, default: Any) -> Any:
    if v is None:
        return default
    if isinstance(v, (bytes, bytearray, str)):
        return json.loads(v) if v else default
    return v


def _find(sample: dict[str, Any], name: str) -> Any:
    if name in sample:
        return sample[name]
    dotted = "." + name
    for k, v in sample.items():  # tolerate readers that keep a leading dot
        if k == dotted:
            return v
    raise KeyError(f"sample {sample.get('__key__')!r} has no {name!r} member (has {sorted(sample)})")


def sample_to_document(sample: dict[str, Any]) -> Document:
    """A document from one sample, raw or decoded.

    Accepts what ``webdataset.WebDataset(url)`` yields (member bytes under ``json`` and
    ``images.mp``), the same after ``.decode()`` (a dict and a list), or a row of ``datasets``
    (``json`` a dict, ``images.mp`` a list of bytes, ``{"bytes": ...}`` dicts or PIL images).
    ``extra`` gets ``__key__``; ``image_bytes`` is None when no image has bytes.
    """
    row = _json_loads(_find(sample, JSON_FIELD), {})
    if not isinstance(row, dict):
        raise ValueError("the json member of a sample must hold an object")
    images_raw = _find(sample, IMAGES_FIELD)
    if isinstance(images_raw, (bytes, bytearray, memoryview)):
        images_raw = msgpack.unpackb(bytes(images_raw), raw=False)
    data = [_image_value(v) for v in (images_raw or [])]
    texts = list(row.get("texts") or [])
    if data and len(data) != len(texts):
        raise ValueError(f"sample {sample.get('__key__')!r}: {len(data)} image slots for {len(texts)} positions")
    extra = _json_loads(row.get("extra"), {}) or {}
    if "__key__" in sample:
        extra = {**extra, "__key__": sample["__key__"]}
    return Document(
        texts=texts,
        images=list(row.get("images") or [None] * len(texts)),
        metadata=list(_json_loads(row.get("metadata"), None) or [None] * len(texts)),
        general_metadata=dict(_json_loads(row.get("general_metadata"), {}) or {}),
        image_bytes=data if any(b is not None for b in data) else None,
        extra=extra,
    )


# ---------------------------------------------------------------------------------------------
# reading tars
# ---------------------------------------------------------------------------------------------
def _open(path_or_url: str) -> IO[bytes]:
    if is_remote(path_or_url):
        import fsspec

        return fsspec.open(path_or_url, "rb").open()
    return open(path_or_url, "rb")


def split_member_name(name: str) -> tuple[str, str] | tuple[None, None]:
    """``("dir/KEY", "images.mp")`` from ``dir/KEY.images.mp``: the key ends at the first dot of the base name."""
    m = re.match(r"^((?:.*/|)[^.]+)[.]([^/]*)$", name)
    if not m:
        return None, None
    return m.group(1), m.group(2)


def iter_samples(path_or_url: str, *, stop_on_error: bool = False) -> Iterator[dict[str, Any]]:
    """The raw samples of one tar, in order: ``{"__key__", "__url__", FIELD: bytes, ...}``.

    With ``stop_on_error`` a truncated or unreadable tar is logged and ends early (the sample
    being read at the error is dropped) instead of raising: a training run keeps going.
    """
    try:
        yield from _read_samples(path_or_url)
    except (tarfile.TarError, OSError, EOFError) as e:
        if not stop_on_error:
            raise
        log.warning("shard %s: %s: %s (rest of the shard skipped)", path_or_url, type(e).__name__, e)


def _read_samples(path_or_url: str) -> Iterator[dict[str, Any]]:
    with _open(path_or_url) as fh, tarfile.open(fileobj=fh, mode="r|*") as tf:
        current: dict[str, Any] = {}
        for member in tf:
            if not member.isfile():
                continue
            key, fieldname = split_member_name(member.name)
            if key is None or os.path.basename(key).startswith("."):
                continue
            if current and current["__key__"] != key:
                yield current
                current = {}
            f = tf.extractfile(member)
            assert f is not None
            current.setdefault("__key__", key)
            current.setdefault("__url__", path_or_url)
            current[fieldname] = f.read()
        if current:
            yield current


def iter_documents(path_or_url: str) -> Iterator[Document]:
    """Every document of one tar shard, in order, with ``image_bytes`` (local path or fsspec URL)."""
    for sample in iter_samples(path_or_url):
        yield sample_to_document(sample)


# ---------------------------------------------------------------------------------------------
# writing tars
# ---------------------------------------------------------------------------------------------
@dataclass
class ShardInfo:
    """One finished tar: its name (relative to the output folder), counts, size and sha256."""

    name: str
    documents: int = 0
    images: int = 0
    images_with_bytes: int = 0
    image_bytes: int = 0
    bytes: int = 0
    sha256: str = ""
    first_key: str = ""
    last_key: str = ""
    reordered: int = 0  # documents moved to the head of the shard so readers can type every column
    types: list[str] = field(default_factory=list)  # column types its documents show: text, url, bytes
    head_types: list[str] = field(default_factory=list)  # those shown by its first five samples

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _HashingFile:
    """A write-only file that counts and sha256-hashes what goes through it.

    Hashing runs in a helper thread on batches of about 4 MB (hashlib releases the GIL on
    large buffers), so it overlaps with encoding and writing instead of adding to them.
    """

    BATCH = 4 << 20

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.size = 0
        self._sha = hashlib.sha256()
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._queue: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=8)
        self._thread = threading.Thread(target=self._hash, name="shard-sha256", daemon=True)
        self._thread.start()
        self._digest: str | None = None

    def _hash(self) -> None:
        while (batch := self._queue.get()) is not None:
            for b in batch:
                self._sha.update(b)

    def write(self, b: bytes) -> int:
        n = len(b)
        self.size += n
        self._batch.append(b)
        self._batch_size += n
        if self._batch_size >= self.BATCH:
            self._queue.put(self._batch)
            self._batch, self._batch_size = [], 0
        return self.fh.write(b)

    def tell(self) -> int:
        return self.size

    def hexdigest(self) -> str:
        """Wait for the hash of everything written; no writes after this."""
        if self._digest is None:
            self._queue.put(self._batch)
            self._batch = []
            self._queue.put(None)
            self._thread.join()
            self._digest = self._sha.hexdigest()
        return self._digest

    def stop(self) -> None:
        if self._digest is None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


@dataclass
class _Pending:
    key: str
    members: list[tuple[bytes, list[bytes], int]]  # (tar header, payload chunks, payload size)
    num_images: int
    num_bytes: int
    image_size: int
    covers: frozenset[str]
    size: int


def _covers(doc: Document) -> frozenset[str]:
    """Which column types this document lets a type-inferring reader see (text, image URL, image bytes)."""
    out = set()
    if any(t is not None for t in doc.texts):
        out.add("text")
    if any(i is not None for i in doc.images):
        out.add("url")
    if doc.image_bytes is not None and any(b is not None for b in doc.image_bytes):
        out.add("bytes")
    return frozenset(out)


def _tar_header(name: str, size: int) -> bytes:
    """A tar member header with fixed mtime, owner and mode, byte for byte what ``tarfile`` (PAX) writes."""
    raw = name.encode("ascii", "replace")
    if len(raw) >= 100 or not name.isascii() or size >= 8**11:
        ti = tarfile.TarInfo(name)
        ti.size = size
        ti.mtime = TAR_MTIME
        ti.mode = TAR_MODE
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        return ti.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    head = raw.ljust(100, b"\0") + _HEADER_MODE_IDS + b"%011o\0" % size + _HEADER_MTIME
    tail = _HEADER_TAIL
    chksum = sum(head) + _HEADER_CHKSUM_REST
    return head + b"%06o\0 " % chksum + tail


# the fixed parts of a ustar header: mode, uid, gid | mtime | type, link name, magic, owner, devices, prefix
_HEADER_MODE_IDS = b"%07o\0" % TAR_MODE + b"0000000\0" * 2
_HEADER_MTIME = b"%011o\0" % TAR_MTIME
_HEADER_TAIL = b"0" + b"\0" * 100 + b"ustar\x0000" + b"\0" * 32 + b"\0" * 32 + b"\0" * 16 + b"\0" * 155 + b"\0" * 12
_HEADER_CHKSUM_REST = sum(_HEADER_TAIL) + 8 * 32  # the checksum field counts as eight spaces


def _padding(size: int) -> bytes:
    return b"\0" * (-size % tarfile.BLOCKSIZE)


class ShardWriter:
    """Write documents to numbered tars ``OUT/<prefix>-000000.tar``, ``-000001``, ...

    A tar is closed when it holds ``max_documents`` documents or would pass ``max_bytes``;
    each tar is written to a hidden temp file and renamed when complete, so a killed writer
    leaves no partial tar visible. Member headers are fixed (mtime, owner, mode), so the same
    documents give the same bytes on every run and engine.

    Type-inferring readers (HF ``datasets``) look at the first five samples of a tar only. So
    documents keep their order, except when the first five of a tar show no text, no image
    URL or no image bytes while a later document does: then the earliest documents that show
    the missing kinds are moved to the head of the tar (counted in ``reordered``; keys keep
    the input position, so sorting by key restores the input order). At most
    ``MAX_PENDING_BYTES`` are held back while looking ahead.
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        prefix: str,
        *,
        max_documents: int = 1000,
        max_bytes: int = 500_000_000,
        typed_head: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.prefix = safe_key(prefix)
        self.max_documents = max(1, int(max_documents))
        self.max_bytes = max(1, int(max_bytes))
        self.typed_head = typed_head
        self.shards: list[ShardInfo] = []
        self._index = 0
        self._tar: _HashingFile | None = None
        self._raw: IO[bytes] | None = None
        self._hf: _HashingFile | None = None
        self._tmp: Path | None = None
        self._info: ShardInfo | None = None
        self._queue: list[_Pending] = []
        self._queue_bytes = 0
        self._settled = not typed_head
        self._moved = 0  # documents moved to the head of the current tar
        self._count = 0  # documents in the current tar
        self._size = 0  # estimated size of the current tar
        self.folder.mkdir(parents=True, exist_ok=True)

    # -- public ---------------------------------------------------------------------------
    def shard_path(self, index: int) -> Path:
        return self.folder / f"{self.prefix}-{index:06d}.tar"

    def write(self, doc: Document, key: str) -> None:
        """Add a document under ``key`` (no dots); tars are started and finished as they fill."""
        js, chunks = _sample_parts(doc, key)
        members = []
        for name, parts in ((f"{key}.{JSON_FIELD}", [js]), (f"{key}.{IMAGES_FIELD}", chunks)):
            size = sum(len(c) for c in parts)
            members.append((_tar_header(name, size), parts, size))
        data = doc.image_bytes or []
        item = _Pending(
            key=key,
            members=members,
            num_images=doc.num_images,
            num_bytes=sum(b is not None for b in data),
            image_size=sum(len(b) for b in data if b is not None),
            covers=_covers(doc),
            size=sum(len(h) + n + len(_padding(n)) for h, _, n in members),
        )
        self._queue.append(item)
        self._queue_bytes += item.size
        self._drain(final=False)

    def close(self) -> list[ShardInfo]:
        """Write what is held back, finish the last tar; return every tar written."""
        self._drain(final=True)
        if self._count:
            self._finish_tar()
        return self.shards

    def abort(self) -> None:
        """Drop the tar being written (finished tars stay)."""
        if self._hf is not None:
            self._hf.stop()
        if self._raw is not None:
            with contextlib.suppress(Exception):
                self._raw.close()
        if self._tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._tmp.unlink()
        self._tar = self._raw = self._hf = self._tmp = None

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- internals ------------------------------------------------------------------------
    def _drain(self, final: bool) -> None:
        while self._queue:
            if not self._settled and not self._choose_head(final):
                return  # wait for more documents
            item = self._queue[0]
            if self._count and (self._count >= self.max_documents or self._size + item.size > self.max_bytes):
                self._finish_tar()
                continue
            self._queue.pop(0)
            self._queue_bytes -= item.size
            self._emit(item)

    def _choose_head(self, final: bool) -> bool:
        """Order the queue for the head of a new tar; False while it is worth waiting for more."""
        q = self._queue
        head = frozenset().union(*(p.covers for p in q[:HF_INFERENCE_SAMPLES]))
        seen = frozenset().union(*(p.covers for p in q))
        if head != ALL_TYPES and seen != ALL_TYPES and not final and self._queue_bytes <= MAX_PENDING_BYTES:
            return False
        if head != seen:
            witnesses: list[int] = []
            got: frozenset[str] = frozenset()
            for j, p in enumerate(q):
                if p.covers - got:
                    witnesses.append(j)
                    got |= p.covers
            chosen = set(witnesses)
            self._queue = [q[j] for j in witnesses] + [p for j, p in enumerate(q) if j not in chosen]
            self._moved += sum(j >= HF_INFERENCE_SAMPLES for j in witnesses)
        self._settled = True
        return True

    def _emit(self, item: _Pending) -> None:
        if self._tar is None:
            self._open_tar()
        assert self._tar is not None and self._info is not None
        out = self._tar
        for header, parts, size in item.members:
            out.write(header)
            for c in parts:
                out.write(c)
            pad = _padding(size)
            if pad:
                out.write(pad)
        self._count += 1
        self._size += item.size
        info = self._info
        info.documents += 1
        info.images += item.num_images
        info.images_with_bytes += item.num_bytes
        info.image_bytes += item.image_size
        if info.documents <= HF_INFERENCE_SAMPLES:
            info.head_types = sorted(set(info.head_types) | item.covers)
        info.types = sorted(set(info.types) | item.covers)
        info.first_key = info.first_key or item.key
        info.last_key = item.key

    def _open_tar(self) -> None:
        path = self.shard_path(self._index)
        self._tmp = temp_path(path)
        self._raw = open(self._tmp, "wb")
        self._hf = self._tar = _HashingFile(self._raw)
        self._info = ShardInfo(name=path.name)

    def _finish_tar(self) -> None:
        assert self._tar is not None and self._raw is not None and self._hf is not None and self._info is not None
        # end of archive as tarfile writes it: two zero blocks, then zeros up to a full record
        end = 2 * tarfile.BLOCKSIZE
        end += -(self._hf.size + end) % tarfile.RECORDSIZE
        self._hf.write(b"\0" * end)
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        self._info.bytes = self._hf.size
        self._info.sha256 = self._hf.hexdigest()
        self._info.reordered = self._moved
        assert self._tmp is not None
        os.replace(self._tmp, self.shard_path(self._index))
        self.shards.append(self._info)
        self._tar = self._raw = self._hf = self._tmp = None
        self._info = None
        self._index += 1
        self._count = 0
        self._size = 0
        self._settled = not self.typed_head
        self._moved = 0


def write_shards(
    folder: str | os.PathLike,
    prefix: str,
    docs: Iterable[tuple[str, Document]],
    **kwargs: Any,
) -> list[ShardInfo]:
    """Write ``(key, document)`` pairs to tars ``folder/prefix-NNNNNN.tar``; return the shards written."""
    with ShardWriter(folder, prefix, **kwargs) as w:
        for key, doc in docs:
            w.write(doc, key)
    return w.shards


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while b := fh.read(chunk):
            h.update(b)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# typed features for HF datasets
# ---------------------------------------------------------------------------------------------
# The columns of a document row on the Hub, and of a tar sample, in the YAML form of a dataset
# card's ``dataset_info.features``; the card's YAML and ``datasets.Features`` are both made from them.
DOCUMENT_FEATURES: list[dict[str, Any]] = [
    {"name": "texts", "list": "string"},
    {"name": "images", "list": "string"},
    {"name": "metadata", "dtype": "string"},
    {"name": "general_metadata", "dtype": "string"},
]
TAR_FEATURES: list[dict[str, Any]] = [
    {"name": JSON_FIELD, "struct": [*DOCUMENT_FEATURES, {"name": "extra", "dtype": "string"}]},
    {"name": IMAGES_FIELD, "list": "image"},
    {"name": "__key__", "dtype": "string"},
    {"name": "__url__", "dtype": "string"},
]


def features_yaml(features: list[dict[str, Any]]) -> str:
    """The ``features:`` block of a card's ``dataset_info`` (indented under it)."""
    import yaml

    text = yaml.safe_dump({"features": features}, sort_keys=False, default_flow_style=False)
    return "".join(f"  {line}\n" for line in text.splitlines())


def to_hf_features(features: list[dict[str, Any]]):
    """``datasets.Features`` from the same declaration."""
    import datasets

    def one(spec: dict[str, Any]) -> Any:
        if "struct" in spec:
            return {s["name"]: one(s) for s in spec["struct"]}
        if "list" in spec:
            return datasets.List(datasets.Image() if spec["list"] == "image" else datasets.Value(spec["list"]))
        return datasets.Value(spec["dtype"])

    return datasets.Features({f["name"]: one(f) for f in features})


FEATURES_YAML = features_yaml(TAR_FEATURES)


def hf_features():
    """The ``datasets.Features`` of the tars: pass as ``features=`` to type any tar set explicitly."""
    return to_hf_features(TAR_FEATURES)


__all__ = [
    "FIELDS",
    "IMAGES_FIELD",
    "JSON_FIELD",
    "ShardInfo",
    "ShardWriter",
    "document_to_sample",
    "hf_features",
    "image_format",
    "iter_documents",
    "iter_samples",
    "sample_to_document",
    "safe_key",
    "sniff_format",
    "write_shards",
]
