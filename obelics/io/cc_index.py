"""Selecting WARC record pointers from Common Crawl's columnar URL index (Parquet) with DuckDB.

The index files are scanned by DuckDB and the selection is written with ``COPY ... TO``,
so the index is never loaded into memory: DuckDB streams row groups, pushes the filters
and column choices down into the Parquet scan, and spills to disk when sorting.
Columns used when present (names of the ``cc-index/table/cc-main/warc`` table):
``url``, ``url_host_name``, ``url_host_registered_domain``, ``content_mime_type``,
``content_mime_detected``, ``content_languages``, ``fetch_status``, ``warc_filename``,
``warc_record_offset``, ``warc_record_length``, and the Hive partition columns
``crawl`` and ``subset`` taken from the folder names.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from obelics.io.atomic import atomic_path

POINTER_COLUMNS = ("url", "warc_filename", "warc_record_offset", "warc_record_length")

# ISO 639-1 to the ISO 639-3 codes Common Crawl writes in content_languages.
ISO639_1_TO_3 = {
    "ar": "ara", "bg": "bul", "bn": "ben", "ca": "cat", "cs": "ces", "da": "dan", "de": "deu", "el": "ell",
    "en": "eng", "es": "spa", "et": "est", "fa": "fas", "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin",
    "hr": "hrv", "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn", "ko": "kor", "lt": "lit", "lv": "lav",
    "nl": "nld", "no": "nor", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk", "sl": "slv",
    "sr": "srp", "sv": "swe", "th": "tha", "tr": "tur", "uk": "ukr", "vi": "vie", "zh": "zho", "an": "arg",
}  # fmt: skip


class SelectError(ValueError):
    """A selection that cannot run on these index files (a missing column, a bad option)."""


@dataclass
class Selection:
    """What to select. Empty lists mean no condition; ``status``/``subset`` None means any."""

    domains: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    primary_language: bool = False
    mimes: list[str] = field(default_factory=list)
    status: int | None = 200
    subset: str | None = "warc"
    crawls: list[str] = field(default_factory=list)
    where: str = ""
    limit: int | None = None
    columns: list[str] = field(default_factory=list)  # extra output columns
    sort: bool = True


def _lit(value: Any) -> str:
    """A SQL literal (strings quoted, quotes doubled)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _in(column: str, values: list[Any]) -> str:
    return f"{_ident(column)} IN ({', '.join(_lit(v) for v in values)})"


def language_code(code: str) -> str:
    c = code.strip().lower()
    return ISO639_1_TO_3.get(c, c)


def _connect(paths: list[str], memory_limit: str, threads: int | None, temp_dir: str):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET memory_limit={_lit(memory_limit)}")
    con.execute(f"SET temp_directory={_lit(temp_dir)}")
    if threads:
        con.execute(f"SET threads={int(threads)}")
    protocols = {p.split("://", 1)[0] for p in paths if "://" in p}
    if protocols:
        import fsspec

        for proto in sorted(protocols):
            fs = fsspec.filesystem(proto)
            if not con.filesystem_is_registered(fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]):
                con.register_filesystem(fs)
    return con


def _source(paths: list[str]) -> str:
    files = ", ".join(_lit(p) for p in paths)
    return f"read_parquet([{files}], hive_partitioning = true, union_by_name = true)"


def build_query(paths: list[str], sel: Selection, columns: set[str]) -> str:
    """The SELECT over the index files for ``sel``, given the columns the files have."""
    missing = [c for c in POINTER_COLUMNS[1:] if c not in columns]
    if missing:
        raise SelectError(f"the index files have no {', '.join(missing)} column(s): not a Common Crawl URL index?")
    conds: list[str] = []
    if sel.domains:
        if "url_host_registered_domain" in columns:
            conds.append(_in("url_host_registered_domain", [d.lower() for d in sel.domains]))
        elif "url_host_name" in columns:
            parts = [
                f"url_host_name = {_lit(d.lower())} OR url_host_name LIKE {_lit('%.' + d.lower())}" for d in sel.domains
            ]
            conds.append("(" + " OR ".join(parts) + ")")
        else:
            raise SelectError("--domain needs a url_host_registered_domain or url_host_name column")
    if sel.hosts:
        if "url_host_name" not in columns:
            raise SelectError("--host needs a url_host_name column")
        conds.append(_in("url_host_name", [h.lower() for h in sel.hosts]))
    if sel.languages:
        if "content_languages" not in columns:
            raise SelectError("--language needs a content_languages column")
        codes = "[" + ", ".join(_lit(language_code(c)) for c in sel.languages) + "]"
        if sel.primary_language:
            conds.append(f"list_contains({codes}, split_part(content_languages, ',', 1))")
        else:
            conds.append(f"list_has_any(string_split(content_languages, ','), {codes})")
    if sel.mimes:
        cols = [c for c in ("content_mime_detected", "content_mime_type") if c in columns]
        if not cols:
            raise SelectError("--mime needs a content_mime_detected or content_mime_type column")
        conds.append("(" + " OR ".join(_in(c, [m.lower() for m in sel.mimes]) for c in cols) + ")")
    if sel.status is not None and "fetch_status" in columns:
        conds.append(f"fetch_status = {int(sel.status)}")
    if sel.subset is not None and "subset" in columns:
        conds.append(f"subset = {_lit(sel.subset)}")
    if sel.crawls:
        if "crawl" not in columns:
            raise SelectError("--crawl needs a crawl column (a crawl=... folder in the index path)")
        conds.append(_in("crawl", sel.crawls))
    if sel.where.strip():
        conds.append(f"({sel.where})")
    extra = [c for c in sel.columns if c not in POINTER_COLUMNS]
    unknown = [c for c in extra if c not in columns]
    if unknown:
        raise SelectError(f"unknown column(s) {', '.join(unknown)}; the index has: {', '.join(sorted(columns))}")
    out_cols = [c for c in POINTER_COLUMNS if c in columns] + extra
    sql = f"SELECT {', '.join(_ident(c) for c in out_cols)} FROM {_source(paths)}"
    if conds:
        sql += " WHERE " + " AND ".join(conds)
    if sel.sort:
        sql += " ORDER BY warc_filename, warc_record_offset"
    if sel.limit is not None:
        sql += f" LIMIT {int(sel.limit)}"
    return sql


def select_pointers(
    paths: list[str],
    output: str,
    sel: Selection,
    *,
    memory_limit: str = "2GB",
    threads: int | None = None,
) -> int:
    """Write the selected pointers to ``output`` (.parquet, .csv or .jsonl), atomically; return how many."""
    if not paths:
        raise SelectError("no index files given")
    low = output.lower()
    if low.endswith(".parquet"):
        fmt = "(FORMAT parquet, COMPRESSION zstd)"
    elif low.endswith(".csv"):
        fmt = "(FORMAT csv, HEADER true)"
    elif low.endswith((".jsonl", ".ndjson", ".json")):
        fmt = "(FORMAT json)"
    else:
        raise SelectError(f"{output}: the output must end in .parquet, .csv or .jsonl")
    out_dir = os.path.dirname(os.path.abspath(output))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".select-spill-", dir=out_dir) as spill:
        con = _connect(paths, memory_limit, threads, spill)
        try:
            if not sel.sort:
                con.execute("SET preserve_insertion_order = false")
            import duckdb

            try:
                columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {_source(paths)}").fetchall()}
                sql = build_query(paths, sel, columns)
                with atomic_path(output) as tmp:
                    res = con.execute(f"COPY ({sql}) TO {_lit(str(tmp))} {fmt}").fetchall()
            except duckdb.Error as e:
                raise SelectError(f"DuckDB: {e}") from None
        finally:
            con.close()
    return int(res[0][0]) if res and res[0] else 0
