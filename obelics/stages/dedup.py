"""Dedup stage: document URL, paragraph-in-domain, image-set and MinHash near-duplicate passes.

Plan, for passes ``P0 .. P(N-1)`` over shards ``S``::

    step "shard 0"          per shard: keys of P0                          -> _work/pass0-*/keys/S.pq
    steps "P0 <global>"     per partition (MinHash: then once over edges)  -> _work/pass0-*/drops/part-*.pq
    step "shard 1"          per shard: re-apply P0, keys of P1              -> _work/pass1-*/keys/S.pq
    ...
    step "shard N"          per shard: re-apply P0..P(N-1), write           -> OUT/S.parquet (+ S.stats.json)

No intermediate copy of the corpus is written: each shard step re-reads its input shard (without
the image bytes) and re-applies the earlier passes' decisions, which are keyed by the row a
document would have after those passes. Each shard task writes one key file sorted by partition
(one row group per partition); the task of partition p reads all key files with ``WHERE part = p``
(DuckDB skips the other row groups), so no step holds the corpus in memory and DuckDB spills what
does not fit. Decisions are a function of the set of keys, chosen by a total order, so the output is
the same whatever order or engine ran the tasks. Every task has its own marker: a killed run resumes.
Key files are deleted once the next shard step no longer needs them (unless ``keep_work``); the
decisions (small) and markers stay in ``OUT/_work``.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obelics.dedup.passes import PASS_NAMES, make_pass
from obelics.dedup.store import connect, read_for_shard, write_grouped
from obelics.document import Document
from obelics.io.paths import WORK
from obelics.progress import progress
from obelics.run.runner import map_tasks
from obelics.run.settings import SettingsError, StageSettings, setting
from obelics.run.task import Task
from obelics.stages._documents import Reject, iter_documents, map_documents
from obelics.stats import Stats

log = logging.getLogger("obelics")

STAGE = "dedup"


@dataclass
class Settings(StageSettings):
    """Settings of the dedup stage."""

    passes: list = setting(list(PASS_NAMES), "passes, in order (distinct)", choices=PASS_NAMES)
    partitions: int = setting(0, "hash partitions per pass (0 = one per input shard, at most 256)", min=0)
    paragraph_min_count: int = setting(
        3, "a paragraph in this many documents of one domain is removed from all of them", min=1, unit="documents"
    )
    drop_documents_without_text: bool = setting(True, "a document left with no text by paragraph dedup is removed")
    minhash_num_perm: int = setting(128, "MinHash permutations", min=1, group="minhash")
    minhash_threshold: float = setting(
        0.8, "Jaccard similarity of word n-gram sets that counts as a near duplicate", min=0, max=1, group="minhash"
    )
    minhash_ngram: int = setting(5, "word n-gram size", min=1, unit="words", group="minhash")
    minhash_seed: int = setting(1, "seed of the permutations", group="minhash")
    minhash_bands: int = setting(0, "LSH bands (0 = the optimum for the threshold)", min=0, group="minhash")
    minhash_rows: int = setting(0, "LSH rows per band (0 = the optimum for the threshold)", min=0, group="minhash")
    duckdb_memory_limit: str = setting("2GB", "per task; DuckDB spills to OUT/_work/tmp beyond it", group="execution")
    duckdb_threads: int = setting(1, "DuckDB threads per task", min=1, group="execution")
    keep_rejected: bool = setting(
        False, "write removed documents to OUT/rejected/<pass>/NAME.parquet", group="execution"
    )
    keep_work: bool = setting(
        False, "keep every key file in OUT/_work (by default deleted once used)", group="execution"
    )


DEFAULTS: dict[str, Any] = Settings.defaults()


def plan(inputs: list[str], output: str, settings: dict[str, Any]) -> list[list[Task]]:
    """Steps: per pass, a shard step writing its keys and its global steps; then the final shard step."""
    passes = _checked_passes(settings)
    parts = settings["partitions"] or max(1, min(len(inputs), 256))
    final = map_tasks(STAGE, "obelics.stages.dedup:shard_step", inputs, output, settings)
    layout = _Layout(inputs, output, settings, passes, parts, [t.name for t in final])
    steps: list[list[Task]] = []
    for k in range(len(passes)):
        steps.append(layout.key_step(k, len(steps)))
        for gname in layout.global_steps[k]:
            steps.append(layout.global_step(k, gname, len(steps)))
    steps.append(layout.final_step(final))
    return steps


def _checked_passes(settings: dict[str, Any]) -> list[str]:
    """The passes to run, once their names and settings are checked."""
    passes = list(settings["passes"])
    unknown = [p for p in passes if p not in PASS_NAMES]
    if unknown or not passes or len(set(passes)) != len(passes):
        raise SettingsError(f"dedup: passes must be distinct names among {', '.join(PASS_NAMES)}; got {passes}")
    if settings["partitions"] < 0 or settings["paragraph_min_count"] < 1:
        raise SettingsError("dedup: partitions must be >= 0 and paragraph_min_count >= 1")
    if "minhash" in passes:
        from obelics.dedup.keys import lsh_params

        try:
            lsh_params(
                settings["minhash_threshold"],
                settings["minhash_num_perm"],
                settings["minhash_bands"],
                settings["minhash_rows"],
            )
        except ValueError as e:
            raise SettingsError(f"dedup: {e}") from None
    return passes


class _Layout:
    """Where each step of a dedup run reads and writes, in ``OUT/_work`` (see the module doc)."""

    def __init__(
        self,
        inputs: list[str],
        output: str,
        settings: dict[str, Any],
        passes: list[str],
        parts: int,
        names: list[str],
    ) -> None:
        self.inputs, self.output, self.settings = inputs, output, settings
        self.passes, self.parts, self.names = passes, parts, names
        self.work = os.path.join(output, WORK)
        self.global_steps = [make_pass(p, settings, parts).global_steps for p in passes]
        self.step_outputs: list[str] = []  # the files the last step wrote, the next global step's inputs

    def pass_dir(self, j: int) -> str:
        return os.path.join(self.work, f"pass{j}-{self.passes[j]}")

    def marker(self, step: int, name: str) -> str:
        return os.path.join(self.work, "markers", f"step{step:02d}", f"{name}.stats.json")

    def drops(self, j: int) -> list[str]:
        """The decision files of pass ``j``: one per partition (MinHash: one, from its components)."""
        single = self.global_steps[j][-1] == "components"
        return [os.path.join(self.pass_dir(j), "drops", f"part-{q:05d}.pq") for q in range(1 if single else self.parts)]

    def shard_info(self, k: int, i: int, name: str) -> dict[str, Any]:
        """What the shard task of step ``k`` needs: the passes to re-apply, the keys to write, what to delete."""
        info: dict[str, Any] = {
            "step": k,
            "shard_id": i,
            "shard": name,
            "partitions": self.parts,
            "work": self.work,
            "apply": [{"pass": self.passes[j], "drops": self.drops(j)} for j in range(k)],
        }
        if k < len(self.passes):
            info["key"] = {
                "pass": self.passes[k],
                "keys": os.path.join(self.pass_dir(k), "keys", f"{name}.pq"),
                "info": os.path.join(self.pass_dir(k), "info", f"{name}.pq") if self.passes[k] == "minhash" else None,
            }
        if k >= 1 and not self.settings["keep_work"]:
            # the previous pass's key files are used up once its global steps are done
            prev = self.pass_dir(k - 1)
            info["remove"] = [os.path.join(prev, "keys", f"{name}.pq"), os.path.join(prev, "info", f"{name}.pq")]
            info["remove_dirs"] = [os.path.join(prev, "edges")]
        return info

    def key_step(self, k: int, step_no: int) -> list[Task]:
        """Per shard: re-apply passes before ``k``, write the keys of pass ``k``."""
        tasks = []
        for i, name in enumerate(self.names):
            info = self.shard_info(k, i, name)
            tname = f"keys{k}-{name}"
            fn = "obelics.stages.dedup:shard_step"
            out, marker = info["key"]["keys"], self.marker(step_no, tname)
            tasks.append(Task(STAGE, tname, fn, [self.inputs[i]], out, marker, self.settings, {"_task": info}))
        self.step_outputs = [os.path.join(self.pass_dir(k), "keys", f"{name}.pq") for name in self.names]
        return tasks

    def global_step(self, k: int, gname: str, step_no: int) -> list[Task]:
        """Per partition (or once, for MinHash's components): one global step of pass ``k``."""
        gsteps = self.global_steps[k]
        single = gname == "components"
        outdir = os.path.join(self.pass_dir(k), "drops" if gname == gsteps[-1] else "edges")
        aux = [os.path.join(self.pass_dir(k), "info", f"{name}.pq") for name in self.names] if single else []
        tasks, outs = [], []
        for part in range(1 if single else self.parts):
            tname = f"pass{k}-{self.passes[k]}-{gname}-{part:05d}"
            out = os.path.join(outdir, f"part-{part:05d}.pq")
            outs.append(out)
            info = {"pass": self.passes[k], "step": gname, "part": part, "aux": aux, "work": self.work}
            fn = "obelics.stages.dedup:global_step"
            marker = self.marker(step_no, tname)
            tasks.append(Task(STAGE, tname, fn, self.step_outputs, out, marker, self.settings, {"_task": info}))
        self.step_outputs = outs
        return tasks

    def final_step(self, final: list[Task]) -> list[Task]:
        """Per shard: re-apply every pass, write ``OUT/NAME.parquet`` (and the rejected documents)."""
        n = len(self.passes)
        tasks = []
        for i, t in enumerate(final):
            info = self.shard_info(n, i, t.name)
            if self.settings["keep_rejected"]:
                info["rejected"] = {p: os.path.join(self.output, "rejected", p, f"{t.name}.pq") for p in self.passes}
            tasks.append(Task(t.stage, t.name, t.fn, t.inputs, t.output, t.stats_path, self.settings, {"_task": info}))
        return tasks


LIGHT_COLUMNS = ("texts", "images", "metadata", "general_metadata")


def _light_columns(path: str) -> list[str]:
    """The columns of ``path`` a key step reads: all but the image bytes."""
    import pyarrow.parquet as pq

    from obelics.io.parquet import open_input

    with open_input(path) as fh:
        names = pq.ParquetFile(fh).schema_arrow.names
    return [c for c in names if c in LIGHT_COLUMNS]


class _EarlierPasses:
    """The earlier passes' decisions, re-applied to the documents of one shard in row order.

    Each pass's decisions are keyed by the row a document has after the passes before it, so
    the documents must come in row order. With ``stats`` (the final step) each pass's funnel
    is counted in its own group (``pass<j>_<name>``).
    """

    def __init__(self, info: dict[str, Any], settings: dict[str, Any], stats: Stats | None) -> None:
        self.applied = []  # (pass, its drops for this shard, stats group)
        for j, a in enumerate(info["apply"]):
            ap = make_pass(a["pass"], settings, info["partitions"])
            rows = read_for_shard(a["drops"], info["shard_id"], ap.drop_columns())
            self.applied.append((ap, ap.load_drops(rows), f"pass{j}_{ap.name}"))
        self.survivors = [0] * len(self.applied)  # per pass, documents kept so far: row numbers after it
        self.stats = stats

    def apply(self, doc: Document, row: int) -> tuple[Document | Reject, int]:
        """The document after the earlier passes (or the first pass's Reject), and its row after them."""
        vrow = row
        for j, (ap, drops, group) in enumerate(self.applied):
            self._count(group, "documents_in")
            new, counts = ap.apply(doc, vrow, drops)
            for key, v in counts.items():
                if v:
                    self._count(group, key, v)
                    if key == "paragraphs_removed":
                        self._count("removed_paragraphs", "repeated_in_domain", v)
            if new is None:
                self._count(group, "documents_removed")
                reject = Reject(ap.reason, images_reason=f"in_{ap.reason}", kind=ap.name, metadata={"pass": ap.name})
                return reject, vrow
            doc = new
            self._count(group, "documents_out")
            vrow = self.survivors[j]
            self.survivors[j] += 1
        return doc, vrow

    def _count(self, group: str, key: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.reason(group, key, n)


def shard_step(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Re-apply the earlier passes to a shard; write the next pass's keys, or (last step) the output shard."""
    info = settings["_task"]
    if "key" in info:
        _key_step(inputs[0], info, settings)
    else:
        passes = _EarlierPasses(info, settings, stats)
        map_documents(
            STAGE,
            inputs[0],
            output,
            lambda doc, row: passes.apply(doc, row)[0],
            stats,
            keep_rejected=bool(info.get("rejected")),
            rejected_paths=info.get("rejected"),
            with_row=True,
        )
    for f in info.get("remove", []):
        Path(f).unlink(missing_ok=True)
    for d in info.get("remove_dirs", []):
        shutil.rmtree(d, ignore_errors=True)


def _key_step(src: str, info: dict[str, Any], settings: dict[str, Any]) -> None:
    """Write the keys of the next pass for the documents the earlier passes keep (bad rows: skipped)."""
    passes = _EarlierPasses(info, settings, None)
    kp = make_pass(info["key"]["pass"], settings, info["partitions"])
    rows_out = kp.new_rows()
    desc = f"dedup {info['shard']} keys {info['step']}"
    for row, doc in progress(iter_documents(src, None, _light_columns(src)), desc=desc, unit="doc"):
        kept, vrow = passes.apply(doc, row)
        if not isinstance(kept, Reject):
            kp.keys(kept, info["shard_id"], vrow, rows_out)
    if info["key"]["info"]:
        write_grouped(info["key"]["info"], rows_out["info"].table(), "gid")
    write_grouped(info["key"]["keys"], rows_out["keys"].table(), "part")


def global_step(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Turn one partition of a pass's keys into decisions (or, for MinHash, edges and then components)."""
    info = settings["_task"]
    p = make_pass(info["pass"], settings, 0)
    tmp = os.path.join(info["work"], "tmp", f"{info['pass']}-{info['step']}-{info['part']}")
    shutil.rmtree(tmp, ignore_errors=True)  # a database file left by a killed attempt
    con = connect(settings, tmp, on_disk=info["step"] == "components")
    try:
        counts = p.decide(info["step"], con, inputs, output, info["part"], info["aux"])
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)
    for k, v in counts.items():
        stats.reason(f"{info['pass']}_{info['step']}", k, int(v))
