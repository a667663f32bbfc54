"""Streaming training data: WebDataset tar shards -> documents -> packed batches, resumable exactly.

Order. For epoch ``e`` and seed ``s`` the shard list is permuted by ``(s, e)`` (the same
permutation on every rank and worker). The consumers are the ``world_size x num_workers``
DataLoader workers of all ranks; consumer ``c = rank * num_workers + worker``. With at least
as many shards as consumers each consumer reads the shards ``perm[c::consumers]``; with
fewer, every consumer reads every shard and keeps the documents whose position in the
epoch's stream is ``c`` modulo the number of consumers. Either way each document goes to
exactly one consumer per epoch. Each consumer then passes its samples through a shuffle
buffer seeded by ``(s, e, c)``. So a consumer's stream is a pure function of
``(shards, seed, epoch, consumer)``, and a position is just ``(epoch, samples consumed)``.

Packing. :class:`PackedBatches` reads documents in groups of about ``pack_rows`` rows of
tokens, packs each group first-fit (see :mod:`obelics.train.collator`), emits the
best-filled rows in whole batches and carries the segments of the remaining rows into the
next group (at an epoch's end every row goes out, the last batch possibly smaller). Its
resume state per consumer is ``(epoch, group_start, group_end, carried segment refs, batches
emitted from the group)``: on resume the group is rebuilt from the same samples, packed the
same way and its emitted batches skipped, so no document is repeated or skipped and the
batches that follow are the same as without the stop.

Workers. :class:`ResumableLoader` wraps torch's DataLoader (batches come round-robin from
its workers). It records, from each batch, the state of the worker that made it, and which
worker comes next; on resume the workers' identities are rotated so the same batch order
continues. Resuming needs the same shards, seed, batch size, packing settings, world size
and worker count.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from obelics.document import Document

log = logging.getLogger("obelics.train.data")

try:  # torch is in the ``train`` extra; the reader itself works without it
    from torch.utils.data import IterableDataset as _IterableBase
except ImportError:  # pragma: no cover - exercised only without torch
    _IterableBase = object  # type: ignore[assignment,misc]


# ---- ranks and shards -------------------------------------------------------
def resolve_rank_world(rank: int | None = None, world_size: int | None = None) -> tuple[int, int]:
    """Rank and world size: the arguments, else torch.distributed when initialised, else RANK/WORLD_SIZE."""
    if rank is not None and world_size is not None:
        r, w = int(rank), int(world_size)
    else:
        r, w = 0, 1
        try:
            import torch.distributed as dist

            if dist.is_available() and dist.is_initialized():
                r, w = dist.get_rank(), dist.get_world_size()
            else:
                raise RuntimeError
        except (ImportError, RuntimeError):
            r, w = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
        r = r if rank is None else int(rank)
        w = w if world_size is None else int(world_size)
    if w < 1 or not 0 <= r < w:
        raise ValueError(f"bad rank {r} for world size {w}")
    return r, w


def iter_tar_samples(url: str) -> Iterator[dict[str, Any]]:
    """Raw samples (``{"__key__": ..., suffix: bytes}``) of one tar shard (:func:`obelics.io.webdataset.iter_samples`).

    A truncated or unreadable shard is logged and ends early instead of stopping the run.
    """
    from obelics.io.webdataset import iter_samples

    yield from iter_samples(url, stop_on_error=True)


def default_decode(sample: dict[str, Any]) -> Document:
    """The shard layout's decoder: ``obelics.io.webdataset.sample_to_document``."""
    try:
        from obelics.io.webdataset import sample_to_document
    except ImportError as e:  # pragma: no cover - depends on the shard stage being present
        raise ImportError("obelics.io.webdataset.sample_to_document is not available") from e
    return sample_to_document(sample)


def _rng(*parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


# ---- documents ------------------------------------------------------------
@dataclass
class StreamPosition:
    epoch: int = 0
    consumed: int = 0  # samples of this epoch's stream already handed out (decoded or not)


class DocumentStream:
    """The documents of a set of tar shards for one consumer (a rank's DataLoader worker).

    Iterating yields documents from the current position onwards, epoch after epoch (``epochs``
    of them, or forever when None), and keeps :attr:`position` up to date;
    :meth:`state_dict` / :meth:`load_state_dict` save and restore it.
    """

    def __init__(
        self,
        shards: list[str],
        *,
        seed: int = 0,
        shuffle_shards: bool = True,
        shuffle_buffer: int = 500,
        rank: int = 0,
        world_size: int = 1,
        worker: int = 0,
        num_workers: int = 1,
        split: str = "auto",
        epochs: int | None = 1,
        decode: Callable[[dict[str, Any]], Document] | None = None,
        sample_reader: Callable[[str], Iterable[dict[str, Any]]] | None = None,
    ) -> None:
        if not shards:
            raise ValueError("no shards given")
        if split not in ("auto", "shards", "documents"):
            raise ValueError("split must be 'auto', 'shards' or 'documents'")
        if not (0 <= worker < num_workers and 0 <= rank < world_size):
            raise ValueError("bad worker or rank index")
        self.shards = list(shards)
        self.seed = seed
        self.shuffle_shards = shuffle_shards
        self.shuffle_buffer = max(0, int(shuffle_buffer))
        self.consumers = world_size * num_workers
        self.consumer = rank * num_workers + worker
        self.split = split
        if split == "auto":
            self.split = "shards" if len(self.shards) >= self.consumers else "documents"
        if self.split == "shards" and len(self.shards) < self.consumers:
            raise ValueError(f"{len(self.shards)} shards cannot be split over {self.consumers} consumers")
        self.epochs = epochs
        self.decode = decode or default_decode
        self.sample_reader = sample_reader or iter_tar_samples
        self.position = StreamPosition()
        self.skipped = 0  # samples that failed to decode

    # ---- order ----
    def epoch_shards(self, epoch: int) -> list[str]:
        """The shards this consumer reads in ``epoch``, in reading order."""
        order = list(self.shards)
        if self.shuffle_shards:
            _rng(self.seed, epoch, "shards").shuffle(order)
        if self.split == "shards":
            return order[self.consumer :: self.consumers]
        return order

    def raw_samples(self, epoch: int) -> Iterator[dict[str, Any]]:
        """This consumer's raw samples for ``epoch``: its split, then the seeded shuffle buffer."""

        def mine() -> Iterator[dict[str, Any]]:
            g = 0
            for shard in self.epoch_shards(epoch):
                for sample in self.sample_reader(shard):
                    if self.split == "shards" or g % self.consumers == self.consumer:
                        yield sample
                    g += 1

        if self.shuffle_buffer <= 1:
            yield from mine()
            return
        rng = _rng(self.seed, epoch, self.consumer, "buffer")
        buf: list[dict[str, Any]] = []
        for sample in mine():
            if len(buf) < self.shuffle_buffer:
                buf.append(sample)
                continue
            j = rng.randrange(len(buf))
            out, buf[j] = buf[j], sample
            yield out
        rng.shuffle(buf)
        yield from buf

    def indexed(
        self,
        epoch: int,
        start: int = 0,
        stop: int | None = None,
        keep: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, Document]]:
        """``(index, document)`` of samples ``start <= index < stop`` of ``epoch`` (and for which ``keep(index)``).

        Samples before ``start`` (or not kept) are passed over without decoding. A sample that
        does not decode is logged, counted in :attr:`skipped` and passed over.
        """
        for i, sample in enumerate(self.raw_samples(epoch)):
            if stop is not None and i >= stop:
                return
            if i < start and (keep is None or not keep(i)):
                continue
            if i >= start and keep is not None and not keep(i):
                continue
            try:
                doc = self.decode(sample)
            except Exception as e:  # noqa: BLE001 - a bad sample is a counted skip
                self.skipped += 1
                log.warning(
                    "sample %s of %s skipped: %s: %s", sample.get("__key__"), sample.get("__url__"), type(e).__name__, e
                )
                continue
            yield i, doc

    def __iter__(self) -> Iterator[Document]:
        while self.epochs is None or self.position.epoch < self.epochs:
            epoch = self.position.epoch
            n = 0
            for i, doc in self.indexed(epoch, start=self.position.consumed):
                self.position.consumed = i + 1
                n += 1
                yield doc
            if n == 0 and self.position.consumed == 0:
                log.warning("consumer %d got no document in epoch %d; stopping", self.consumer, epoch)
                return
            self.position = StreamPosition(epoch + 1, 0)

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.position.epoch, "consumed": self.position.consumed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.position = StreamPosition(int(state["epoch"]), int(state["consumed"]))


# ---- packed batches ----------------------------------------------------------
class PackedBatches(_IterableBase):  # type: ignore[misc,valid-type]
    """An IterableDataset of packed IDEFICS batches (dicts of tensors) from tar shards.

    Each item is a batch (use ``DataLoader(batch_size=None)``, or :class:`ResumableLoader`).
    Items carry ``"_state"`` (JSON: the producing worker's id and resume state) and
    ``"_stats"`` (JSON: the batch's packing statistics); the loader strips them.
    """

    def __init__(
        self,
        shards: list[str],
        collator: Any,
        batch_size: int,
        *,
        seed: int = 0,
        shuffle_shards: bool = True,
        shuffle_buffer: int = 500,
        pack_rows: int | None = None,
        rank: int | None = None,
        world_size: int | None = None,
        epochs: int | None = None,
        split: str = "auto",
        decode: Callable[[dict[str, Any]], Document] | None = None,
        sample_reader: Callable[[str], Iterable[dict[str, Any]]] | None = None,
    ) -> None:
        self.shards = list(shards)
        self.collator = collator
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.seed = seed
        self.shuffle_shards = shuffle_shards
        self.shuffle_buffer = shuffle_buffer
        self.pack_rows = max(self.batch_size, int(pack_rows or max(32, 4 * self.batch_size)))
        self.rank, self.world_size = resolve_rank_world(rank, world_size)
        self.epochs = epochs
        self.split = split
        self.decode = decode
        self.sample_reader = sample_reader
        self.worker_offset = 0
        self.worker_states: dict[int, dict[str, Any]] = {}

    def stream(self, worker: int, num_workers: int) -> DocumentStream:
        return DocumentStream(
            self.shards,
            seed=self.seed,
            shuffle_shards=self.shuffle_shards,
            shuffle_buffer=self.shuffle_buffer,
            rank=self.rank,
            world_size=self.world_size,
            worker=worker,
            num_workers=num_workers,
            split=self.split,
            epochs=None,
            decode=self.decode,
            sample_reader=self.sample_reader,
        )

    def __iter__(self) -> Iterator[dict[str, Any]]:
        worker, num_workers = 0, 1
        try:
            from torch.utils.data import get_worker_info

            info = get_worker_info()
            if info is not None:
                worker, num_workers = info.id, info.num_workers
        except ImportError:  # pragma: no cover
            pass
        vid = (worker + self.worker_offset) % num_workers
        return self.batches(vid, num_workers, self.worker_states.get(vid))

    # ---- one consumer ----
    def batches(self, vid: int, num_workers: int, state: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The batches of virtual worker ``vid`` (of ``num_workers``), from ``state`` (or the start)."""
        stream = self.stream(vid, num_workers)
        epoch = int(state["epoch"]) if state else 0
        while self.epochs is None or epoch < self.epochs:
            produced = 0
            for batch in self._epoch(stream, epoch, vid, state):
                produced += 1
                yield batch
            if produced == 0 and not state:
                log.warning("worker %d of rank %d got no data in epoch %d; stopping", vid, self.rank, epoch)
                return
            state = None
            epoch += 1

    def _encode(self, pairs: list[tuple[int, Document]]) -> list[Any]:
        if not pairs:
            return []
        return self.collator.encode([d for _, d in pairs], keys=[i for i, _ in pairs])

    def _epoch(self, stream: DocumentStream, epoch: int, vid: int, state: dict[str, Any] | None) -> Iterator[dict]:
        pending: list[Any] = []  # segments carried over from the previous group
        ages: dict[tuple[int, int], int] = {}
        consumed = 0
        resume = None
        if state:
            carry = [(int(k), int(w), int(a)) for k, w, a in state["carry"]]
            gs, ge = int(state["group_start"]), int(state["group_end"])
            carried_keys = {k for k, _, _ in carry}
            pairs = list(stream.indexed(epoch, start=gs, stop=ge, keep=lambda i: i >= gs or i in carried_keys))
            old = [(i, d) for i, d in pairs if i < gs]
            by_ref = {s.ref: s for s in self._encode(old)}
            pending = [by_ref[(k, w)] for k, w, _ in carry]
            ages = {(k, w): a for k, w, a in carry}
            resume = {
                "group_start": gs,
                "group_end": ge,
                "new": self._encode([(i, d) for i, d in pairs if i >= gs]),
                "last": bool(state["last"]),
                "emitted": int(state["emitted"]),
            }
            consumed = ge
        source = stream.indexed(epoch, start=consumed)
        exhausted = False
        while True:
            carry_in = [(s.key, s.window, ages.get(s.ref, 0)) for s in pending]
            if resume is not None:
                gs, ge, new, last, skip = (resume[k] for k in ("group_start", "group_end", "new", "last", "emitted"))
                resume = None
                rows = self.collator.pack(pending + new)
            else:
                if exhausted and not pending:
                    return
                gs, skip, new, last = consumed, 0, [], False
                tokens = sum(s.n_tokens for s in pending)
                target = self.pack_rows * self.collator.max_seq_len
                while True:
                    while tokens < target:
                        try:
                            i, doc = next(source)
                        except StopIteration:
                            exhausted = last = True
                            break
                        segs = self._encode([(i, doc)])
                        new.extend(segs)
                        tokens += sum(s.n_tokens for s in segs)
                        consumed = i + 1
                    rows = self.collator.pack(pending + new)
                    if last or len(rows) >= self.batch_size:
                        break
                    target += self.collator.max_seq_len * self.batch_size  # too few rows: read more
                ge = consumed
            if last:
                emit, keep = rows, []
            else:
                n_emit = (len(rows) // self.batch_size) * self.batch_size
                # emit rows holding old carried segments first, then the fullest rows
                order = sorted(
                    range(len(rows)),
                    key=lambda r: (
                        -max((ages.get(s.ref, 0) for s in rows[r]), default=0),
                        -sum(s.n_tokens for s in rows[r]),
                    ),
                )
                chosen = set(order[:n_emit])
                emit = [rows[r] for r in range(len(rows)) if r in chosen]
                keep = [rows[r] for r in range(len(rows)) if r not in chosen]
            _rng(self.seed, epoch, self.rank, vid, gs, "rows").shuffle(emit)
            batches = [emit[j : j + self.batch_size] for j in range(0, len(emit), self.batch_size)]
            for j, rows_j in enumerate(batches):
                if j < skip:
                    continue
                batch = self.collator.collate(rows_j)
                state_j = {
                    "epoch": epoch,
                    "group_start": gs,
                    "group_end": ge,
                    "carry": carry_in,
                    "last": last,
                    "emitted": j + 1,
                }
                batch["_state"] = json.dumps([vid, state_j])
                batch["_stats"] = json.dumps(self.collator.last_stats.to_dict())
                yield batch
            pending = [s for row in keep for s in row]
            ages = {s.ref: ages.get(s.ref, 0) + 1 for s in pending}
            if last:
                return


class ResumableLoader:
    """Batches of a :class:`PackedBatches` through a DataLoader, with an exact resume state."""

    def __init__(self, dataset: PackedBatches, num_workers: int = 0, prefetch_factor: int = 2) -> None:
        self.dataset = dataset
        self.num_workers = int(num_workers)
        self.prefetch_factor = prefetch_factor
        self.next_worker = 0
        self.worker_states: dict[int, dict[str, Any]] = {}
        self.totals: dict[str, float] = {}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        from torch.utils.data import DataLoader

        n = max(1, self.num_workers)
        self.dataset.worker_offset = self.next_worker
        self.dataset.worker_states = dict(self.worker_states)
        kwargs: dict[str, Any] = {"batch_size": None, "num_workers": self.num_workers}
        if self.num_workers > 0:
            kwargs["prefetch_factor"] = self.prefetch_factor
        for batch in DataLoader(self.dataset, **kwargs):
            vid, state = json.loads(batch.pop("_state"))
            self.worker_states[int(vid)] = state
            self.next_worker = (int(vid) + 1) % n
            for k, v in json.loads(batch.pop("_stats")).items():
                if k != "real_token_share":
                    self.totals[k] = self.totals.get(k, 0) + v
            yield batch

    @property
    def real_token_share(self) -> float:
        cap = self.totals.get("capacity_tokens", 0)
        return self.totals.get("real_tokens", 0) / cap if cap else 0.0

    def state_dict(self) -> dict[str, Any]:
        return {
            "num_workers": self.num_workers,
            "rank": self.dataset.rank,
            "world_size": self.dataset.world_size,
            "next_worker": self.next_worker,
            "workers": {str(k): v for k, v in self.worker_states.items()},
            "totals": dict(self.totals),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if int(state["num_workers"]) != self.num_workers or int(state["world_size"]) != self.dataset.world_size:
            raise ValueError(
                f"resume needs the same data workers and world size as the checkpoint "
                f"({state['num_workers']} workers, world size {state['world_size']})"
            )
        self.next_worker = int(state["next_worker"])
        self.worker_states = {int(k): v for k, v in state["workers"].items()}
        self.totals = dict(state.get("totals", {}))
