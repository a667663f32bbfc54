"""The packing collator: interleaved documents to IDEFICS training batches.

Format rules (the IDEFICS recipe):

* Each document becomes ``<s>`` + its nodes in order + ``</s>``. A text node is its
  tokens (special-token strings in page text are tokenized as text). An image becomes
  ``<fake_token_around_image><image><fake_token_around_image>``; consecutive images share
  the wrapper: ``<fake><image><fake><image><fake>``. Images that cannot be decoded, or
  have no bytes, are removed (counted in the statistics).
* A document longer than a row (``max_seq_len`` tokens) or with more images than
  ``max_images`` is split into windows. Each window is ``<s>`` + a slice + (``</s>`` if
  it is the document's last window). A cut never falls inside an image's wrapper: a cut
  in a run of images repeats the shared ``<fake>`` at the start of the next window, so
  each window keeps whole ``<fake><image><fake>`` groups and the images they hold.
  With ``image_overflow="drop"`` a document keeps only its first ``max_images`` images
  instead (the rest are dropped and counted).
* Segments (documents or windows) are packed first-fit (by decreasing length by default)
  into rows of ``max_seq_len`` tokens holding at most ``max_images`` images.

Tensors of a batch of ``B`` rows (``L = max_seq_len``, ``M = max_images``):

* ``input_ids`` [B, L], ``attention_mask`` [B, L] (1 on real tokens, 0 on padding).
* ``labels`` [B, L]: the input ids, with -100 at ``<image>`` tokens and padding. The
  ``<fake_token_around_image>`` tokens are kept as targets (the model learns where images
  go); labels are not shifted (the loss shifts them, as transformers does).
* ``pixel_values`` [B, M, 3, H, W]: the row's images in order, zeros for unused slots
  (``pad_images_to_max=False``: M is the batch's largest image count, which spares the
  vision encoder the empty slots).
* ``image_attention_mask`` [B, L, M]: token ``t`` sees image slot ``k`` only when ``k`` is
  the latest image at or before ``t`` in the same segment. Tokens before a segment's
  first image, and every token of an image-less segment, see no image; so no token ever
  sees an image of another packed document, or a later image. The ``<image>`` token and
  its closing ``<fake>`` see their own image; ``</s>`` sees the document's last image.
* ``num_images`` [B]: real images per row (not a model input).

Document isolation (``document_isolation=True``, the default) adds two tensors so packed
documents cannot see each other's text:

* ``position_ids`` [B, L]: positions restart at 0 at each segment's ``<s>`` (0 on padding),
  so a document's rotary positions are those it would have alone in a row.
* ``document_ids`` [B, L]: the segment's index within the row (0, 1, ...), -1 on padding.
  :func:`obelics.train.attention.document_causal_mask` turns it into the block-diagonal
  causal mask: a token attends to earlier tokens of its own segment only.

With ``document_isolation=False`` (the original IDEFICS recipe) neither tensor is emitted:
the model sees a plain 2-D mask and positions that run on across the row. The image
attention rules are the same either way.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from obelics.document import Document
from obelics.train.tokenizer import TextTokenizer
from obelics.train.transforms import CLIP_MEAN, CLIP_STD, ImageDecodeError, ImageTransform

IGNORE_INDEX = -100


@dataclass
class Segment:
    """A packable piece: a whole document, or one window of a long one."""

    ids: list[int]
    image_positions: list[int]  # indices in ``ids`` of the <image> tokens
    images: list[np.ndarray]  # uint8 [H, W, 3], one per image token, in order
    key: int = 0  # the document's key (its index in the stream)
    window: int = 0  # window number within the document
    last: bool = True  # ends with </s>
    # Per-document counters, carried by window 0 only.
    dropped_cap: int = 0
    undecodable: int = 0
    missing: int = 0

    @property
    def n_tokens(self) -> int:
        return len(self.ids)

    @property
    def n_images(self) -> int:
        return len(self.images)

    @property
    def ref(self) -> tuple[int, int]:
        return (self.key, self.window)


@dataclass
class PackingStats:
    """Counters over the rows a collator emitted."""

    rows: int = 0
    capacity_tokens: int = 0  # rows x sequence length
    real_tokens: int = 0
    segments: int = 0
    documents: int = 0  # documents whose first segment was emitted
    split_documents: int = 0  # of which split into several windows
    windows: int = 0  # segments that are the 2nd, 3rd... window of a document
    images: int = 0
    images_dropped_cap: int = 0  # dropped by the per-row image cap (image_overflow="drop")
    images_undecodable: int = 0
    images_missing: int = 0  # image slots without bytes
    empty_documents: int = 0  # documents with no tokens and no image left

    @property
    def real_token_share(self) -> float:
        return self.real_tokens / self.capacity_tokens if self.capacity_tokens else 0.0

    def add(self, other: PackingStats) -> None:
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["real_token_share"] = round(self.real_token_share, 6)
        return d


@dataclass
class PackingCollator:
    """Tokenize, window, pack and collate interleaved documents (see the module docstring)."""

    tokenizer: TextTokenizer
    max_seq_len: int = 1024
    max_images: int = 8
    image_size: int = 224
    image_mean: Sequence[float] = field(default=CLIP_MEAN)
    image_std: Sequence[float] = field(default=CLIP_STD)
    image_overflow: str = "split"  # "split" into windows, or "drop" images beyond max_images
    decreasing: bool = True  # first-fit decreasing (by segment length) rather than arrival order
    pad_to_max_length: bool = True  # rows always max_seq_len long (else: longest row of the batch)
    pad_images_to_max: bool = True  # max_images image slots per row (else: the batch's largest image count)
    document_isolation: bool = True  # per-document positions and block-diagonal attention (module docstring)
    jpeg_draft: bool = True  # let the JPEG decoder downscale by a power of two (see ImageTransform)
    stats: PackingStats = field(default_factory=PackingStats)
    last_stats: PackingStats = field(default_factory=PackingStats)  # of the latest collate call

    def __post_init__(self) -> None:
        if self.max_seq_len < 8:
            raise ValueError("max_seq_len must be at least 8")
        if self.max_images < 1:
            raise ValueError("max_images must be at least 1")
        if self.image_overflow not in ("split", "drop"):
            raise ValueError("image_overflow must be 'split' or 'drop'")
        self.transform = ImageTransform(self.image_size, self.image_mean, self.image_std, jpeg_draft=self.jpeg_draft)
        t = self.tokenizer
        self.bos, self.eos, self.pad = t.bos_id, t.eos_id, t.pad_id
        self.image_token, self.fake_token = t.image_id, t.fake_id

    # ---- documents -> segments ------------------------------------------
    def encode(self, docs: Sequence[Document], keys: Sequence[int] | None = None) -> list[Segment]:
        """Documents to segments (windows of long documents), in order."""
        keys = list(range(len(docs))) if keys is None else list(keys)
        texts = [t for d in docs for t in d.texts if t is not None]
        encoded = iter(self.tokenizer.encode_batch(texts))
        out: list[Segment] = []
        for doc, key in zip(docs, keys):
            body: list[int] = []
            positions: list[int] = []
            images: list[np.ndarray] = []
            missing = undecodable = dropped = 0
            prev_image = False
            data = doc.image_bytes or [None] * len(doc.texts)
            for text, image, blob in zip(doc.texts, doc.images, data):
                if text is not None:
                    toks = next(encoded)
                    if toks:
                        body.extend(toks)
                        prev_image = False
                    continue
                if image is None:
                    continue
                if blob is None:
                    missing += 1
                    continue
                if self.image_overflow == "drop" and len(images) >= self.max_images:
                    dropped += 1
                    continue
                try:
                    arr = self.transform.load(blob)
                except ImageDecodeError:
                    undecodable += 1
                    continue
                if prev_image:  # share the closing <fake> of the previous image
                    body.append(self.image_token)
                else:
                    body.extend((self.fake_token, self.image_token))
                positions.append(len(body) - 1)
                body.append(self.fake_token)
                images.append(arr)
                prev_image = True
            segs = self._windows(body, positions, images, key) if body else []
            if not segs:
                segs = [Segment([], [], [], key=key, window=0, last=True)]
            first = segs[0]
            first.dropped_cap, first.undecodable, first.missing = dropped, undecodable, missing
            out.extend(segs)
        return out

    def _windows(self, body: list[int], positions: list[int], images: list[np.ndarray], key: int) -> list[Segment]:
        n, L, cap = len(body), self.max_seq_len, self.max_images
        if n + 2 <= L and len(positions) <= cap:
            return [Segment([self.bos, *body, self.eos], [p + 1 for p in positions], images, key, 0, True)]
        segs: list[Segment] = []
        s, prefix, w = 0, False, 0
        while s < n:
            room = L - 1 - (1 if prefix else 0)  # after <s> (and a repeated <fake>)
            i0 = bisect.bisect_left(positions, s)
            if n - s + 1 <= room and len(positions) - i0 <= cap:
                e, last = n, True
            else:
                last = False
                e = min(n, s + room)
                if e == n:  # no room left for </s>: end this window one token earlier
                    e = n - 1
                if bisect.bisect_left(positions, e) - i0 > cap:
                    e = positions[i0 + cap]  # cut before the image over the cap
                e = self._legal_cut(body, s, e)
            next_prefix = (not last) and body[e] == self.image_token
            i1 = bisect.bisect_left(positions, e)
            ids = [self.bos] + ([self.fake_token] if prefix else []) + body[s:e] + ([self.eos] if last else [])
            off = 1 + (1 if prefix else 0) - s
            segs.append(Segment(ids, [p + off for p in positions[i0:i1]], images[i0:i1], key, w, last))
            s, prefix, w = e, next_prefix, w + 1
        return segs

    def _legal_cut(self, body: list[int], s: int, e: int) -> int:
        """The largest cut ``c <= e`` (``c > s``) that does not break an image's wrapper."""
        img, fake = self.image_token, self.fake_token
        c = e
        while c > s:
            if body[c - 1] == img:  # between an image and its closing <fake>
                c -= 1
            elif body[c] == img:
                # before an image: fine only after a shared <fake> (the next window repeats it)
                if c - 2 >= s and body[c - 1] == fake and body[c - 2] == img:
                    return c
                c -= 1  # before the image's opening <fake> instead
            else:
                return c
        # No legal cut in reach (only with a tiny max_seq_len): cut hard after the first group.
        c = s + 1
        while c < len(body) and (body[c - 1] == img or body[c] == img):
            c += 1
        return c

    # ---- segments -> rows -------------------------------------------------
    def pack(self, segments: Sequence[Segment]) -> list[list[Segment]]:
        """First-fit packing under the token and image caps; rows keep stream order inside."""
        L, cap = self.max_seq_len, self.max_images
        order = range(len(segments))
        if self.decreasing:
            order = sorted(order, key=lambda i: -segments[i].n_tokens)
        rows: list[list[int]] = []
        free_tok: list[int] = []
        free_img: list[int] = []
        open_rows: list[int] = []  # rows that can still take the smallest possible segment
        for i in order:
            seg = segments[i]
            if seg.n_tokens == 0:
                continue
            placed = False
            for r in open_rows:
                if free_tok[r] >= seg.n_tokens and free_img[r] >= seg.n_images:
                    rows[r].append(i)
                    free_tok[r] -= seg.n_tokens
                    free_img[r] -= seg.n_images
                    placed = True
                    if free_tok[r] < 2:
                        open_rows.remove(r)
                    break
            if not placed:
                rows.append([i])
                free_tok.append(L - seg.n_tokens)
                free_img.append(cap - seg.n_images)
                if free_tok[-1] >= 2:
                    open_rows.append(len(rows) - 1)
        return [[segments[i] for i in sorted(r)] for r in rows]

    # ---- rows -> tensors --------------------------------------------------
    def collate(self, rows: Sequence[Sequence[Segment]], *, update_stats: bool = True) -> dict[str, Any]:
        """Tensors for these rows (see the module docstring)."""
        import torch

        B, H = len(rows), self.image_size
        counts = [sum(s.n_images for s in row) for row in rows]
        M = self.max_images if self.pad_images_to_max else max(1, max(counts, default=1))
        lengths = [sum(s.n_tokens for s in row) for row in rows]
        L = self.max_seq_len if self.pad_to_max_length else max(lengths, default=1)
        arrays = {
            "input_ids": np.full((B, L), self.pad, dtype=np.int64),
            "attention_mask": np.zeros((B, L), dtype=np.int64),
            "pixel_values": np.zeros((B, M, 3, H, H), dtype=np.float32),
            "image_attention_mask": np.zeros((B, L, M), dtype=np.int64),
            "num_images": np.zeros(B, dtype=np.int64),
        }
        if self.document_isolation:
            arrays["position_ids"] = np.zeros((B, L), dtype=np.int64)
            arrays["document_ids"] = np.full((B, L), -1, dtype=np.int64)
        stats = PackingStats()
        for b, row in enumerate(rows):
            if lengths[b] > L or counts[b] > self.max_images:
                raise ValueError("a row exceeds max_seq_len or max_images")
            self._fill_row(arrays, b, row, stats)
        input_ids = arrays["input_ids"]
        labels = input_ids.copy()
        labels[(input_ids == self.image_token) | (arrays["attention_mask"] == 0)] = IGNORE_INDEX
        arrays["labels"] = labels
        stats.rows = B
        stats.capacity_tokens = B * L
        stats.real_tokens = int(sum(lengths))
        self.last_stats = stats
        if update_stats:
            self.stats.add(stats)
        order = ("input_ids", "attention_mask", "labels", "pixel_values", "image_attention_mask", "num_images")
        order += ("position_ids", "document_ids") if self.document_isolation else ()
        return {k: torch.from_numpy(arrays[k]) for k in order}

    def _fill_row(self, arrays: dict[str, np.ndarray], b: int, row: Sequence[Segment], stats: PackingStats) -> None:
        """Write row ``b``'s segments into the batch arrays, one after the other; count them in ``stats``."""
        isolate = self.document_isolation
        pos = k = 0
        for d, seg in enumerate(row):
            n = seg.n_tokens
            arrays["input_ids"][b, pos : pos + n] = seg.ids
            arrays["attention_mask"][b, pos : pos + n] = 1
            if isolate:
                arrays["position_ids"][b, pos : pos + n] = np.arange(n)
                arrays["document_ids"][b, pos : pos + n] = d
            for j, p in enumerate(seg.image_positions):
                end = seg.image_positions[j + 1] if j + 1 < seg.n_images else n
                arrays["image_attention_mask"][b, pos + p : pos + end, k + j] = 1
            if seg.images:
                arrays["pixel_values"][b, k : k + seg.n_images] = self.transform.normalize(np.stack(seg.images))
            pos += n
            k += seg.n_images
            stats.segments += 1
            stats.images += seg.n_images
            if seg.window == 0:
                stats.documents += 1
                stats.split_documents += int(not seg.last)
                stats.images_dropped_cap += seg.dropped_cap
                stats.images_undecodable += seg.undecodable
                stats.images_missing += seg.missing
            else:
                stats.windows += 1
        arrays["num_images"][b] = k

    def __call__(self, docs: Sequence[Document]) -> dict[str, Any]:
        """Encode, pack and collate a list of documents into one batch (as many rows as needed)."""
        segments = self.encode(docs)
        empty = sum(1 for s in segments if s.n_tokens == 0)
        self.stats.empty_documents += empty
        return self.collate(self.pack(segments))
