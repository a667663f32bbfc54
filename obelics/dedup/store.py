"""Hash-partitioned work files on disk and DuckDB queries over them.

The shuffle without a shuffle service: each shard task writes ONE key file whose rows are
sorted by partition, one Parquet row group per partition; the task of partition ``p`` reads
every shard's key file with ``WHERE part = p``, and DuckDB skips the other row groups from
their statistics. Decisions come back the same way, sorted by shard, one row group per shard.
DuckDB aggregates out of core (``memory_limit``, spilling to ``temp_directory``), so no step
needs the corpus, or even one partition, in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from obelics.io.atomic import atomic_path

ROW_GROUP = 1 << 20


def write_grouped(path: str, table: pa.Table, column: str) -> None:
    """Write ``table`` atomically, sorted by ``column``, one row group per distinct value (empty file if no rows)."""
    if table.num_rows:
        table = table.take(pc.sort_indices(table, sort_keys=[(column, "ascending")]))
    with atomic_path(path) as tmp:
        with pq.ParquetWriter(tmp, table.schema, compression="zstd") as w:
            for chunk in _runs(table, column):
                w.write_table(chunk, row_group_size=ROW_GROUP)
            if not table.num_rows:
                w.write_table(table)


def _runs(table: pa.Table, column: str) -> Iterator[pa.Table]:
    """Slices of a table sorted by ``column``, one per run of equal values."""
    n = table.num_rows
    if not n:
        return
    values = table.column(column).to_numpy()
    start = 0
    for i in range(1, n + 1):
        if i == n or values[i] != values[start]:
            yield table.slice(start, i - start)
            start = i


class GroupedWriter:
    """Stream record batches already sorted by ``column`` into a file, one row group per value (atomic)."""

    def __init__(self, path: str, schema: pa.Schema, column: str) -> None:
        self.path = path
        self.schema = schema
        self.column = column
        self.rows = 0
        self._ctx = atomic_path(path)
        self._tmp = self._ctx.__enter__()
        self._w = pq.ParquetWriter(self._tmp, schema, compression="zstd")
        self._buf: list[pa.Table] = []
        self._cur: Any = None

    def write_batch(self, batch: pa.RecordBatch) -> None:
        table = pa.Table.from_batches([batch]).cast(self.schema)
        for chunk in _runs(table, self.column):
            v = chunk.column(self.column)[0].as_py()
            if self._buf and v != self._cur:
                self._flush()
            self._cur = v
            self._buf.append(chunk)
            self.rows += chunk.num_rows

    def _flush(self) -> None:
        if self._buf:
            self._w.write_table(pa.concat_tables(self._buf), row_group_size=ROW_GROUP)
            self._buf = []

    def close(self) -> None:
        self._flush()
        if not self.rows:
            self._w.write_table(self.schema.empty_table())
        self._w.close()
        self._ctx.__exit__(None, None, None)

    def abort(self, exc: BaseException) -> None:
        self._w.close()
        self._ctx.__exit__(type(exc), exc, exc.__traceback__)


def connect(settings: dict[str, Any], temp_dir: str, on_disk: bool = False):
    """A DuckDB connection bounded by the stage's memory and thread settings, spilling under ``temp_dir``.

    ``on_disk``: tables live in a database file under ``temp_dir`` (for steps that build tables).
    """
    import duckdb

    Path(temp_dir).mkdir(parents=True, exist_ok=True)
    config = {
        "memory_limit": str(settings.get("duckdb_memory_limit") or "2GB"),
        "threads": max(1, int(settings.get("duckdb_threads") or 1)),
    }
    con = duckdb.connect(str(Path(temp_dir) / "work.duckdb") if on_disk else ":memory:", config=config)
    con.execute(f"SET temp_directory = '{_sql_str(temp_dir)}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _sql_str(s: str) -> str:
    return s.replace("'", "''")


def query_to_file(con, sql: str, params: dict[str, Any], path: str, schema: pa.Schema, column: str) -> int:
    """Run a query whose rows are sorted by ``column`` and write them grouped; return the row count."""
    reader = con.sql(sql, params=params or None).to_arrow_reader(65536)
    w = GroupedWriter(path, schema, column)
    try:
        for batch in reader:
            w.write_batch(batch)
    except BaseException as e:
        w.abort(e)
        raise
    w.close()
    return w.rows


def read_for_shard(files: list[str], shard_id: int, columns: list[str]) -> list[tuple]:
    """The decision rows of one shard from decision files grouped by ``shard_id``, sorted by ``columns``.

    Only the row groups whose statistics admit ``shard_id`` are read (one per file at most).
    A missing file raises: decisions are never silently skipped.
    """
    rows: list[tuple] = []
    for f in files:
        pf = pq.ParquetFile(f)
        idx = pf.schema_arrow.get_field_index("shard_id")
        for g in range(pf.metadata.num_row_groups):
            rg = pf.metadata.row_group(g)
            if not rg.num_rows:
                continue
            st = rg.column(idx).statistics
            if st is not None and st.has_min_max and not (st.min <= shard_id <= st.max):
                continue
            t = pf.read_row_group(g, columns=["shard_id", *columns])
            t = t.filter(pc.equal(t.column("shard_id"), shard_id))
            rows.extend(zip(*(t.column(c).to_pylist() for c in columns)))
    rows.sort()
    return rows
