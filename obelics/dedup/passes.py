"""The four dedup passes. Each pass has three parts:

* ``keys``: per document, the rows it contributes to the pass's hash-partitioned key file;
* global steps: per partition (and, for MinHash, once more over all edges), DuckDB queries that
  turn keys into decisions, written sorted by shard;
* ``apply``: per document, given its shard's decisions, the document kept, changed or removed.

Every choice is made by a total order (recency, then WARC position, then shard and row), so the
decisions do not depend on the order tasks ran in.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyarrow as pa

from obelics.dedup import keys as K
from obelics.dedup.store import query_to_file
from obelics.document import PARAGRAPH_SEP, Document

PASS_NAMES = ("url", "paragraph", "image_set", "minhash")

DOC_KEY_SCHEMA = pa.schema(
    [
        ("part", pa.int32()),
        ("key", pa.binary()),
        ("recency", pa.string()),
        ("tie", pa.string()),
        ("shard_id", pa.int32()),
        ("row", pa.int32()),
    ]
)
PARA_KEY_SCHEMA = pa.schema([("part", pa.int32()), ("key", pa.binary()), ("shard_id", pa.int32()), ("row", pa.int32())])
BAND_KEY_SCHEMA = pa.schema([("part", pa.int32()), ("key", pa.binary()), ("gid", pa.int64())])
INFO_SCHEMA = pa.schema([("gid", pa.int64()), ("recency", pa.string()), ("tie", pa.string())])
EDGE_SCHEMA = pa.schema([("a", pa.int64()), ("b", pa.int64())])
DROP_SCHEMA = pa.schema([("shard_id", pa.int32()), ("row", pa.int32())])
PARA_DROP_SCHEMA = pa.schema([("shard_id", pa.int32()), ("row", pa.int32()), ("key", pa.binary())])


def gid(shard_id: int, row: int) -> int:
    """A document's corpus-wide id: shard index in the high 32 bits, row in the low 32."""
    return (shard_id << 32) | row


class Rows:
    """Column lists for a key file."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.cols: dict[str, list[Any]] = {f.name: [] for f in schema}

    def add(self, **values: Any) -> None:
        for k, v in values.items():
            self.cols[k].append(v)

    def table(self) -> pa.Table:
        return pa.table({f.name: pa.array(self.cols[f.name], type=f.type) for f in self.schema})


class Pass:
    """Base class: a pass that removes whole documents by keeping the best-ranked copy per key."""

    name = ""
    reason = ""
    key_schema = DOC_KEY_SCHEMA
    drop_schema = DROP_SCHEMA
    global_steps: tuple[str, ...] = ("decide",)  # each partitioned, except "components"

    def __init__(self, settings: dict[str, Any], partitions: int) -> None:
        self.settings = settings
        self.partitions = partitions

    # ---- step 1: keys ----
    def new_rows(self) -> dict[str, Rows]:
        return {"keys": Rows(self.key_schema)}

    def doc_key(self, doc: Document) -> bytes | None:
        raise NotImplementedError

    def keys(self, doc: Document, shard_id: int, row: int, rows: dict[str, Rows]) -> None:
        key = self.doc_key(doc)
        if key is None:
            return
        gm = doc.general_metadata
        rows["keys"].add(
            part=K.partition_of(key, self.partitions),
            key=key,
            recency=K.recency(gm),
            tie=K.tiebreak(gm),
            shard_id=shard_id,
            row=row,
        )

    # ---- step 2: decisions ----
    def decide(self, step: str, con, inputs: list[str], output: str, part: int, aux: list[str]) -> dict[str, int]:
        """Keep the most recent copy per key (ties: WARC file and offset, then shard and row)."""
        sql = """
            SELECT shard_id, row FROM (
                SELECT shard_id, row, row_number() OVER (
                    PARTITION BY key ORDER BY recency DESC, tie ASC, shard_id ASC, row ASC) AS rn
                FROM read_parquet($files) WHERE part = $part)
            WHERE rn > 1 ORDER BY shard_id, row"""
        n = query_to_file(con, sql, {"files": inputs, "part": part}, output, DROP_SCHEMA, "shard_id")
        return {"duplicates": n}

    # ---- step 3: apply ----
    def load_drops(self, rows: list[tuple]) -> Any:
        return {r[0] for r in rows}

    def drop_columns(self) -> list[str]:
        return ["row"]

    def apply(self, doc: Document, row: int, drops: Any) -> tuple[Document | None, dict[str, int]]:
        """The document after the pass (None when removed) and what was removed."""
        if row in drops:
            return None, {}
        return doc, {}


class UrlPass(Pass):
    """Document URL dedup: keep the copy from the most recent crawl."""

    name = "url"
    reason = "url_duplicate"

    def doc_key(self, doc: Document) -> bytes | None:
        return K.hash128(K.canonical_url(doc.url)) if doc.url else None


class ImageSetPass(Pass):
    """Documents with the same (non-empty) set of image URLs: keep the newest."""

    name = "image_set"
    reason = "image_set_duplicate"

    def doc_key(self, doc: Document) -> bytes | None:
        return K.image_set_key(doc.images)


class ParagraphPass(Pass):
    """A paragraph seen in ``paragraph_min_count`` or more documents of one registered domain is removed from all."""

    name = "paragraph"
    reason = "no_text_after_paragraph_dedup"
    key_schema = PARA_KEY_SCHEMA
    drop_schema = PARA_DROP_SCHEMA

    def keys(self, doc: Document, shard_id: int, row: int, rows: dict[str, Rows]) -> None:
        domain = K.registered_domain(doc.url) if doc.url else ""
        if not domain:
            return
        seen: set[bytes] = set()
        for p in doc.paragraphs():
            key = K.paragraph_key(domain, p)
            if key is None or key in seen:
                continue
            seen.add(key)
            rows["keys"].add(part=K.partition_of(key, self.partitions), key=key, shard_id=shard_id, row=row)

    def decide(self, step: str, con, inputs: list[str], output: str, part: int, aux: list[str]) -> dict[str, int]:
        sql = """
            WITH k AS (SELECT key, shard_id, row FROM read_parquet($files) WHERE part = $part),
                 r AS (SELECT key FROM k GROUP BY key HAVING count(*) >= $min)
            SELECT k.shard_id, k.row, k.key FROM k JOIN r USING (key) ORDER BY k.shard_id, k.row, k.key"""
        params = {"files": inputs, "part": part, "min": int(self.settings["paragraph_min_count"])}
        n = query_to_file(con, sql, params, output, PARA_DROP_SCHEMA, "shard_id")
        return {"occurrences_removed": n}

    def drop_columns(self) -> list[str]:
        return ["row", "key"]

    def load_drops(self, rows: list[tuple]) -> Any:
        out: defaultdict[int, set[bytes]] = defaultdict(set)
        for row, key in rows:
            out[row].add(bytes(key))
        return out

    def apply(self, doc: Document, row: int, drops: Any) -> tuple[Document | None, dict[str, int]]:
        remove = drops.get(row)
        if not remove:
            return doc, {}
        domain = K.registered_domain(doc.url)
        removed = 0

        def clean(text: str) -> str:
            nonlocal removed
            kept = []
            for p in text.split(PARAGRAPH_SEP):
                if p.strip() and K.paragraph_key(domain, p) in remove:
                    removed += 1
                else:
                    kept.append(p)
            return PARAGRAPH_SEP.join(kept).strip("\n")

        new = doc.map_texts(clean)
        counts = {"paragraphs_removed": removed}
        if self.settings["drop_documents_without_text"] and not any(t for t in new.texts if t):
            return None, counts
        return new, counts


class MinHashPass(Pass):
    """Near-duplicate documents: MinHash over word n-grams, banded LSH, connected components, keep the newest."""

    name = "minhash"
    reason = "near_duplicate"
    key_schema = BAND_KEY_SCHEMA
    global_steps = ("buckets", "components")

    def __init__(self, settings: dict[str, Any], partitions: int) -> None:
        super().__init__(settings, partitions)
        self._hasher: K.MinHasher | None = None

    @property
    def hasher(self) -> K.MinHasher:
        if self._hasher is None:
            s = self.settings
            b, r = K.lsh_params(s["minhash_threshold"], s["minhash_num_perm"], s["minhash_bands"], s["minhash_rows"])
            self._hasher = K.MinHasher(s["minhash_num_perm"], s["minhash_seed"], s["minhash_ngram"], b, r)
        return self._hasher

    def new_rows(self) -> dict[str, Rows]:
        return {"keys": Rows(BAND_KEY_SCHEMA), "info": Rows(INFO_SCHEMA)}

    def keys(self, doc: Document, shard_id: int, row: int, rows: dict[str, Rows]) -> None:
        bands = self.hasher.band_hashes(doc.text)
        if not bands:
            return
        g = gid(shard_id, row)
        for key in bands:
            rows["keys"].add(part=K.partition_of(key, self.partitions), key=key, gid=g)
        gm = doc.general_metadata
        rows["info"].add(gid=g, recency=K.recency(gm), tie=K.tiebreak(gm))

    def decide(self, step: str, con, inputs: list[str], output: str, part: int, aux: list[str]) -> dict[str, int]:
        if step == "buckets":
            # Every document of a bucket is linked to the bucket's smallest id (a star per bucket).
            sql = """
                WITH k AS (SELECT key, gid FROM read_parquet($files) WHERE part = $part),
                     m AS (SELECT key, min(gid) AS root FROM k GROUP BY key HAVING count(*) > 1)
                SELECT DISTINCT m.root AS a, k.gid AS b FROM k JOIN m USING (key) WHERE k.gid <> m.root
                ORDER BY a, b"""
            n = query_to_file(con, sql, {"files": inputs, "part": part}, output, EDGE_SCHEMA, "a")
            return {"candidate_edges": n}
        return self._components(con, inputs, aux, output)

    def _components(self, con, edges: list[str], info: list[str], output: str) -> dict[str, int]:
        """Connected components of the candidate graph by min-label propagation with pointer jumping (in DuckDB)."""
        run = _runner(con)
        run(
            "CREATE TABLE e AS SELECT a, b FROM read_parquet($f) UNION SELECT b AS a, a AS b FROM read_parquet($f)",
            {"f": edges},
        )
        run("CREATE TABLE lab AS SELECT a AS node, least(a, min(b)) AS lab FROM e GROUP BY a")
        rounds = 0
        while True:
            rounds += 1
            # each node takes the smallest label around it, then jumps to its label's label
            run("""
                CREATE OR REPLACE TABLE nl AS
                SELECT l.node, least(l.lab, min(l2.lab)) AS lab
                FROM lab l JOIN e ON e.a = l.node JOIN lab l2 ON l2.node = e.b GROUP BY l.node, l.lab""")
            run("""
                CREATE OR REPLACE TABLE nl2 AS
                SELECT n.node, least(n.lab, p.lab) AS lab FROM nl n JOIN nl p ON p.node = n.lab""")
            changed = run("SELECT count(*) FROM nl2 JOIN lab USING (node) WHERE nl2.lab <> lab.lab")[0][0]
            run("DROP TABLE lab")
            run("ALTER TABLE nl2 RENAME TO lab")
            if not changed:
                break
        nodes, comps = run("SELECT count(*), count(DISTINCT lab) FROM lab")[0]
        sql = """
            SELECT CAST(node >> 32 AS INTEGER) AS shard_id, CAST(node & 4294967295 AS INTEGER) AS row FROM (
                SELECT l.node, row_number() OVER (
                    PARTITION BY l.lab ORDER BY i.recency DESC, i.tie ASC, l.node ASC) AS rn
                FROM lab l JOIN read_parquet($info) i ON i.gid = l.node)
            WHERE rn > 1 ORDER BY shard_id, row"""
        n = query_to_file(con, sql, {"info": info}, output, DROP_SCHEMA, "shard_id")
        return {"near_duplicate_clusters": comps, "documents_in_clusters": nodes, "label_rounds": rounds, "drops": n}


def _runner(con):
    """Run a statement to completion (DuckDB refuses new work while a result is unread)."""

    def run(sql: str, params: dict[str, Any] | None = None) -> list[tuple]:
        return con.execute(sql, params).fetchall() if params else con.execute(sql).fetchall()

    return run


PASSES: dict[str, type[Pass]] = {
    "url": UrlPass,
    "paragraph": ParagraphPass,
    "image_set": ImageSetPass,
    "minhash": MinHashPass,
}


def make_pass(name: str, settings: dict[str, Any], partitions: int) -> Pass:
    return PASSES[name](settings, partitions)
