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
from obelics.document import Document, DocumentError
from obelics.io.parquet import DocumentWriter, read_rows
from obelics.io.paths import WORK
from obelics.progress import progress
from obelics.run.runner import map_tasks
from obelics.run.settings import SettingsError, StageSettings, setting
from obelics.run.task import Task
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
    parts = settings["partitions"] or max(1, min(len(inputs), 256))
    final = map_tasks(STAGE, "obelics.stages.dedup:shard_step", inputs, output, settings)
    names = [t.name for t in final]
    work = os.path.join(output, WORK)
    n = len(passes)

    def pdir(j: int) -> str:
        return os.path.join(work, f"pass{j}-{passes[j]}")

    def marker(step: int, name: str) -> str:
        return os.path.join(work, "markers", f"step{step:02d}", f"{name}.stats.json")

    pass_files: list[dict[str, Any]] = []  # per pass: its drops files, and the work files of each shard
    for j, pname in enumerate(passes):
        p = make_pass(pname, settings, parts)
        last = p.global_steps[-1]
        single = last == "components"
        pass_files.append(
            {
                "pass": pname,
                "drops": [os.path.join(pdir(j), "drops", f"part-{q:05d}.pq") for q in range(1 if single else parts)],
                "steps": p.global_steps,
            }
        )

    steps: list[list[Task]] = []
    step_no = 0
    for k in range(n + 1):
        tasks = []
        for i, name in enumerate(names):
            info: dict[str, Any] = {
                "step": k,
                "shard_id": i,
                "shard": name,
                "partitions": parts,
                "work": work,
                "apply": [{"pass": pf["pass"], "drops": pf["drops"]} for pf in pass_files[:k]],
            }
            if k < n:
                info["key"] = {
                    "pass": passes[k],
                    "keys": os.path.join(pdir(k), "keys", f"{name}.pq"),
                    "info": os.path.join(pdir(k), "info", f"{name}.pq") if passes[k] == "minhash" else None,
                }
            if k >= 1 and not settings["keep_work"]:
                # the previous pass's key files are used up once its global steps are done
                prev = pdir(k - 1)
                info["remove"] = [os.path.join(prev, "keys", f"{name}.pq"), os.path.join(prev, "info", f"{name}.pq")]
                info["remove_dirs"] = [os.path.join(prev, "edges")]
            if k == n:
                if settings["keep_rejected"]:
                    info["rejected"] = {p: os.path.join(output, "rejected", p, f"{name}.pq") for p in passes}
                t = final[i]
                tasks.append(Task(t.stage, t.name, t.fn, t.inputs, t.output, t.stats_path, settings, {"_task": info}))
            else:
                tasks.append(
                    Task(
                        STAGE,
                        f"keys{k}-{name}",
                        "obelics.stages.dedup:shard_step",
                        [inputs[i]],
                        info["key"]["keys"],
                        marker(step_no, f"keys{k}-{name}"),
                        settings,
                        {"_task": info},
                    )
                )
        steps.append(tasks)
        step_no += 1
        if k == n:
            break
        prev_files = [os.path.join(pdir(k), "keys", f"{name}.pq") for name in names]
        gsteps = pass_files[k]["steps"]
        for g, gname in enumerate(gsteps):
            single = gname == "components"
            outdir = os.path.join(pdir(k), "drops" if g == len(gsteps) - 1 else "edges")
            aux = [os.path.join(pdir(k), "info", f"{name}.pq") for name in names] if single else []
            gtasks, outs = [], []
            for part in range(1 if single else parts):
                tname = f"pass{k}-{passes[k]}-{gname}-{part:05d}"
                out = os.path.join(outdir, f"part-{part:05d}.pq")
                outs.append(out)
                info = {"pass": passes[k], "step": gname, "part": part, "aux": aux, "work": work}
                gtasks.append(
                    Task(
                        STAGE,
                        tname,
                        "obelics.stages.dedup:global_step",
                        prev_files,
                        out,
                        marker(step_no, tname),
                        settings,
                        {"_task": info},
                    )
                )
            steps.append(gtasks)
            step_no += 1
            prev_files = outs
    return steps


LIGHT_COLUMNS = ("texts", "images", "metadata", "general_metadata")


def _documents(path: str, full: bool):
    """(row, Document | None, error) for every row of a shard; without image bytes unless ``full``."""
    columns = None
    if not full:
        from obelics.io.parquet import open_input

        with open_input(path) as fh:
            import pyarrow.parquet as pq

            names = pq.ParquetFile(fh).schema_arrow.names
        columns = [c for c in names if c in LIGHT_COLUMNS]
    for i, row in enumerate(read_rows(path, columns=columns)):
        try:
            yield i, Document.from_row(row), None
        except (DocumentError, TypeError, KeyError) as e:
            yield i, None, e


def shard_step(inputs: list[str], output: str, settings: dict[str, Any], stats: Stats) -> None:
    """Re-apply the earlier passes to a shard; write the next pass's keys, or (last step) the output shard."""
    info = settings["_task"]
    shard_id = info["shard_id"]
    src = inputs[0]
    final = "key" not in info

    applied = []  # (pass, its drops for this shard, stats group)
    for j, a in enumerate(info["apply"]):
        ap = make_pass(a["pass"], settings, info["partitions"])
        rows = read_for_shard(a["drops"], shard_id, ap.drop_columns())
        applied.append((ap, ap.load_drops(rows), f"pass{j}_{ap.name}"))
    kp = rows_out = None
    if not final:
        kp = make_pass(info["key"]["pass"], settings, info["partitions"])
        rows_out = kp.new_rows()

    survivors = [0] * len(applied)  # per pass, documents kept so far: the row numbers after that pass
    writer = DocumentWriter(output) if final else None
    rejected: dict[str, DocumentWriter] = {}
    try:
        desc = f"dedup {info['shard']}" + ("" if final else f" keys {info['step']}")
        for row, doc, err in progress(_documents(src, final), desc=desc, unit="doc"):
            if doc is None:
                if final:
                    stats.reason("skipped", f"bad_row:{type(err).__name__}")
                    log.warning("%s row %d: %s", src, row, err)
                continue
            if final:
                stats.inc("documents_in")
                stats.inc("images_in", doc.num_images)
            vrow = row  # the row this document has after the passes applied so far
            for j, (ap, drops, group) in enumerate(applied):
                if final:
                    stats.reason(group, "documents_in")
                new, counts = ap.apply(doc, vrow, drops)
                if final:
                    for key, v in counts.items():
                        if v:
                            stats.reason(group, key, v)
                            if key == "paragraphs_removed":
                                stats.reason("removed_paragraphs", "repeated_in_domain", v)
                if new is None:
                    if final:
                        stats.reason(group, "documents_removed")
                        stats.reason("removed_documents", ap.reason)
                        if doc.num_images:
                            stats.reason("removed_images", f"in_{ap.reason}", doc.num_images)
                        if info.get("rejected"):
                            if ap.name not in rejected:
                                rejected[ap.name] = DocumentWriter(info["rejected"][ap.name])
                            doc.general_metadata["rejected"] = {"stage": STAGE, "pass": ap.name, "reason": ap.reason}
                            rejected[ap.name].write(doc)
                    doc = None
                    break
                doc = new
                if final:
                    stats.reason(group, "documents_out")
                vrow = survivors[j]
                survivors[j] += 1
            if doc is None:
                continue
            if kp is not None:
                kp.keys(doc, shard_id, vrow, rows_out)
            if writer is not None:
                writer.write(doc)
                stats.inc("documents_out")
                stats.inc("images_out", doc.num_images)
        if kp is not None:
            if info["key"]["info"]:
                write_grouped(info["key"]["info"], rows_out["info"].table(), "gid")
            write_grouped(info["key"]["keys"], rows_out["keys"].table(), "part")
    except BaseException:
        for w in [writer, *rejected.values()]:
            if w is not None:
                w.abort()
        raise
    for w in [writer, *rejected.values()]:
        if w is not None:
            w.close()
    for f in info.get("remove", []):
        Path(f).unlink(missing_ok=True)
    for d in info.get("remove_dirs", []):
        shutil.rmtree(d, ignore_errors=True)


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
