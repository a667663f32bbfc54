"""Document shards as Parquet files in the OBELICS Hub layout."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from obelics.document import CORE_COLUMNS, SCHEMA, Document
from obelics.io.atomic import temp_path
from obelics.io.paths import is_remote

# Small row groups keep nested list columns readable by `datasets` without chunked-array errors.
DEFAULT_ROW_GROUP_SIZE = 100


def open_input(path: str):
    """A binary file object for a local path or an fsspec URL."""
    if is_remote(path):
        import fsspec

        return fsspec.open(path, "rb").open()
    return open(path, "rb")


def read_rows(path: str, columns: list[str] | None = None, batch_size: int = 256) -> Iterator[dict[str, Any]]:
    """Stream the rows of a Parquet file, whatever its row-group layout."""
    with open_input(path) as fh:
        pf = pq.ParquetFile(fh)
        for batch in pf.iter_batches(batch_size=batch_size, columns=columns):
            yield from batch.to_pylist()


def read_documents(path: str, batch_size: int = 256) -> Iterator[Document]:
    """Stream the documents of a shard (ours or a published OBELICS file)."""
    for row in read_rows(path, batch_size=batch_size):
        yield Document.from_row(row)


def count_rows(path: str) -> int:
    with open_input(path) as fh:
        return pq.ParquetFile(fh).metadata.num_rows


def _table(rows: list[dict[str, Any]], with_bytes: bool) -> pa.Table:
    fields = [f for f in SCHEMA if with_bytes or f.name != "image_bytes"]
    arrays = [pa.array([r.get(f.name) for r in rows], type=f.type) for f in fields]
    names = [f.name for f in fields]
    extra_names = []
    for r in rows:
        for k in r:
            if k not in CORE_COLUMNS and k not in extra_names:
                extra_names.append(k)
    for k in extra_names:
        arrays.append(pa.array([r.get(k) for r in rows]))
        names.append(k)
    return pa.Table.from_arrays(arrays, names=names)


class DocumentWriter:
    """Write documents to one Parquet shard, atomically: nothing is visible until ``close``.

    Use as a context manager; an exception inside the block leaves no file behind.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        with_bytes: bool = True,
        row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
        hub_layout: bool = False,
    ) -> None:
        self.path = Path(path)
        self.with_bytes = with_bytes and not hub_layout
        self.row_group_size = row_group_size
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = temp_path(self.path)
        self._schema: pa.Schema | None = None

    def write(self, doc: Document) -> None:
        self._rows.append(doc.to_row(with_bytes=self.with_bytes))
        self.count += 1
        if len(self._rows) >= self.row_group_size:
            self._flush()

    def write_all(self, docs: Iterable[Document]) -> None:
        for d in docs:
            self.write(d)

    def _flush(self) -> None:
        if not self._rows and self._writer is not None:
            return
        table = _table(self._rows, self.with_bytes)
        if self._writer is None:
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self._tmp, self._schema, compression="zstd")
        else:
            cols = [
                table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
                for f in self._schema
            ]
            table = pa.Table.from_arrays(cols, schema=self._schema)
        self._writer.write_table(table, row_group_size=self.row_group_size)
        self._rows = []

    def close(self) -> None:
        self._flush()
        assert self._writer is not None
        self._writer.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        """Drop everything written so far."""
        if self._writer is not None:
            self._writer.close()
        with contextlib.suppress(FileNotFoundError):
            self._tmp.unlink()

    def __enter__(self) -> DocumentWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def write_documents(path: str | os.PathLike, docs: Iterable[Document], **kwargs: Any) -> int:
    """Write all documents to ``path`` atomically; return how many."""
    with DocumentWriter(path, **kwargs) as w:
        w.write_all(docs)
    return w.count
