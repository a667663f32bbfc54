"""The dataset card (``README.md`` with YAML metadata) and the lineage of a run's stages.

Each stage writes ``OUT/stats.json`` with ``stage``, ``inputs`` (its input paths), ``settings``
and its counters. The lineage walks back from a stage's inputs through the ``stats.json`` of
the folders they sit in, to the first stage, whose inputs are the sources (WARC files).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from obelics.io.atomic import atomic_open
from obelics.io.paths import is_remote
from obelics.io.webdataset import FEATURES_YAML

# Counter names the stages record for documents and images going in and out (first found wins): the
# per-document stages' funnel (obelics.stages._documents.FUNNEL); extract records its output as
# ``documents`` and ``images``.
DOC_IN_KEYS = ("documents_in",)
DOC_OUT_KEYS = ("documents_out", "documents")
IMG_IN_KEYS = ("images_in",)
IMG_OUT_KEYS = ("images_out", "images")
# Counter groups (dicts of reason -> count) that say why things were removed.
REASON_HINTS = ("skip", "drop", "remov", "reject", "fail", "filter", "reason")

MAX_SOURCES_LISTED = 50


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def walk_lineage(inputs: list[str], max_depth: int = 20) -> tuple[list[dict[str, Any]], list[str]]:
    """The stage summaries upstream of these inputs (first stage first) and the first stage's inputs.

    Each summary gets ``_folder``; a folder is visited once.
    """
    chain: list[dict[str, Any]] = []
    seen: set[str] = set()
    frontier = list(inputs)
    sources: list[str] = []
    for _ in range(max_depth):
        folders: list[str] = []
        for p in frontier:
            if is_remote(p):
                continue
            folder = str(Path(p).resolve().parent) if not os.path.isdir(p) else str(Path(p).resolve())
            if folder not in folders:
                folders.append(folder)
        found = []
        for folder in folders:
            if folder in seen:
                continue
            seen.add(folder)
            summary = _read_json(Path(folder) / "stats.json")
            if summary and summary.get("stage"):
                summary["_folder"] = folder
                found.append(summary)
        if not found:
            sources = list(frontier)
            break
        chain[:0] = found
        frontier = [i for s in found for i in (s.get("inputs") or [])]
    return chain, sources


def _first(d: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        v = d.get(k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return v
    return None


def removal_reasons(summary: dict[str, Any]) -> dict[str, int]:
    """Counter groups that name why documents, paragraphs or images were removed: ``{"group/reason": n}``."""
    out: dict[str, int] = {}
    for group, v in summary.items():
        if group in ("settings", "inputs") or not isinstance(v, dict) or not v:
            continue
        if not any(h in group.lower() for h in REASON_HINTS):
            continue
        for reason, n in v.items():
            if isinstance(n, (int, float)) and not isinstance(n, bool) and n:
                out[f"{group}/{reason}"] = int(n)
    return out


def funnel(chain: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per stage: documents and images in and out, and the removals by reason."""
    rows = []
    prev_docs = None
    prev_imgs = None
    for s in chain:
        d_in = _first(s, DOC_IN_KEYS)
        d_out = _first(s, DOC_OUT_KEYS)
        i_in = _first(s, IMG_IN_KEYS)
        i_out = _first(s, IMG_OUT_KEYS)
        rows.append(
            {
                "stage": s.get("stage", "?"),
                "folder": s.get("_folder", ""),
                "documents_in": d_in if d_in is not None else prev_docs,
                "documents_out": d_out,
                "images_in": i_in if i_in is not None else prev_imgs,
                "images_out": i_out,
                "removed": removal_reasons(s),
                "counters": {
                    k: v
                    for k, v in s.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in ("seconds",)
                },
            }
        )
        prev_docs = d_out if d_out is not None else prev_docs
        prev_imgs = i_out if i_out is not None else prev_imgs
    return rows


def _fmt(n: Any) -> str:
    if n is None:
        return "–"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.2f}"
    return f"{int(n):,}"


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    for limit, label in ((10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")):
        if n < limit:
            return label
    return "n>1B"


def _yaml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def card_yaml(
    *,
    pretty_name: str,
    license_id: str,
    documents: int,
    data_files: list[str] | str,
    features_yaml: str | None,
    fingerprint: str = "",
) -> str:
    """The YAML front matter: configs (so ``load_dataset(DIR)`` finds the files) and typed features.

    ``datasets`` names its cache after the folder's name and this YAML (file patterns, not the
    files), so the config's description carries a fingerprint of the files' contents: a rebuilt
    folder, or another folder of the same name, never reads a stale cache.
    """
    lines = ["---", f"pretty_name: {_yaml_str(pretty_name)}", f"license: {license_id}"]
    lines += ["tags:", "- obelics", "- interleaved", "- image-text", "- web-documents"]
    lines += ["size_categories:", f"- {_size_category(documents)}"]
    lines += ["configs:", "- config_name: default"]
    if fingerprint:
        lines.append(f"  description: {_yaml_str(f'content fingerprint {fingerprint}')}")
    lines += ["  data_files:", "  - split: train"]
    if isinstance(data_files, str):
        lines.append(f"    path: {_yaml_str(data_files)}")
    else:
        lines.append("    path:")
        lines += [f"    - {_yaml_str(f)}" for f in data_files]
    if features_yaml:
        lines += ["dataset_info:", "  config_name: default", features_yaml.rstrip("\n")]
    lines.append("---")
    return "\n".join(lines) + "\n"


def content_fingerprint(files: list[dict[str, Any]]) -> str:
    """A short hash of the files' names and sha256 sums."""
    text = "\n".join(f"{f.get('name')} {f.get('sha256')}" for f in sorted(files, key=lambda f: str(f.get("name"))))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _settings_block(chain: list[dict[str, Any]], extra: dict[str, Any] | None) -> list[str]:
    out = []
    for s in chain:
        settings = s.get("settings")
        if not isinstance(settings, dict):
            continue
        out += [
            f"<details><summary><code>{s.get('stage')}</code> settings</summary>",
            "",
            "```json",
            json.dumps(settings, indent=2, sort_keys=True, default=str),
            "```",
            "",
            "</details>",
            "",
        ]
    if extra:
        out += [
            "<details><summary>this stage's settings</summary>",
            "",
            "```json",
            json.dumps(extra, indent=2, sort_keys=True, default=str),
            "```",
            "",
            "</details>",
            "",
        ]
    return out


def funnel_table(rows: list[dict[str, Any]]) -> list[str]:
    out = [
        "| stage | documents in | documents out | images in | images out | removed (top reasons) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        top = sorted(r["removed"].items(), key=lambda kv: -kv[1])[:6]
        reasons = ", ".join(f"{k}: {_fmt(v)}" for k, v in top) or "–"
        out.append(
            f"| {r['stage']} | {_fmt(r['documents_in'])} | {_fmt(r['documents_out'])} | {_fmt(r['images_in'])} "
            f"| {_fmt(r['images_out'])} | {reasons} |"
        )
    return out


def language_funnel_section(chain: list[dict[str, Any]]) -> list[str]:
    """Per-language rows of the stages that count them (the filter's ``by_language``); empty when none does."""
    out: list[str] = []
    for s in chain:
        table = s.get("by_language")
        if not isinstance(table, dict) or not table:
            continue
        out += [
            "",
            f"Per language (`{s.get('stage', '?')}`: documents identified as the language, then its own settings):",
            "",
            "| language | documents in | documents out | kept | removed (top reasons) |",
            "|---|---:|---:|---:|---|",
        ]
        rows = sorted(table.items(), key=lambda kv: -(kv[1].get("documents_in") or 0) if isinstance(kv[1], dict) else 0)
        for code, row in rows:
            if not isinstance(row, dict):
                continue
            d_in, d_out = row.get("documents_in") or 0, row.get("documents_out") or 0
            removed = row.get("removed_documents") if isinstance(row.get("removed_documents"), dict) else {}
            top = sorted(removed.items(), key=lambda kv: -kv[1])[:4]
            reasons = ", ".join(f"{k}: {_fmt(v)}" for k, v in top) or "–"
            kept = f"{d_out / d_in:.0%}" if d_in else "–"
            out.append(f"| {code} | {_fmt(d_in)} | {_fmt(d_out)} | {kept} | {reasons} |")
    return out


def _sources_block(sources: list[str]) -> list[str]:
    if not sources:
        return ["No upstream stage summaries were found, so the sources are not known."]
    out = [f"{len(sources):,} input file(s) of the first stage:", ""]
    out += [f"- `{s}`" for s in sources[:MAX_SOURCES_LISTED]]
    if len(sources) > MAX_SOURCES_LISTED:
        out.append(f"- … and {len(sources) - MAX_SOURCES_LISTED:,} more (full list: `sources.txt`)")
    return out


LICENSE_NOTES = """\
The license above ({license}) applies to this compilation (the document structure, the
metadata and the card). The texts and images belong to their authors and are subject to
the terms of the web pages they come from; each document keeps the page URL
(`general_metadata.url`) and each image its source URL (`metadata[i].src`), so the origin of
every item can be checked. Use the data for research and in line with the original
licenses; do not use it to identify people.

**Opt-out.** Pages and images whose publishers opted out of AI training, as far as the
pipeline could see (HTTP `X-Robots-Tag: noai`/`noimageai` on image downloads, and the
opt-out signals recorded by the filter stage in `general_metadata.opt_out` and
`metadata[i].opt_out`), are removed when those stages run with their defaults; their
settings are listed above. Flagged items left in this dataset: {flagged}. To have content
removed, open an issue or contact the maintainers with the page or image URL; a rebuild
with that URL in the opt-out list drops it everywhere.
"""


def write_card(
    out_dir: str,
    manifest: dict[str, Any],
    stage_summary: dict[str, Any],
    settings: dict[str, Any],
    *,
    kind: str = "webdataset",
) -> str:
    """Write ``OUT_DIR/README.md`` for the shards (``kind`` webdataset) or a Parquet export; return its path."""
    out = Path(out_dir)
    chain, sources = walk_lineage(list(stage_summary.get("inputs") or []))
    chain = [s for s in chain if str(Path(s.get("_folder", "")).resolve()) != str(out.resolve())]
    rows = funnel(chain + [stage_summary])
    if len(sources) > MAX_SOURCES_LISTED:
        with atomic_open(out / "sources.txt", "w", encoding="utf-8") as fh:
            fh.write("\n".join(sources) + "\n")
    name = settings.get("name") or out.resolve().name
    pretty = settings.get("pretty_name") or f"{name}: OBELICS-style interleaved web documents"
    files = [s["name"] for s in manifest.get("shards", [])]
    suffix = ".tar" if kind == "webdataset" else ".parquet"
    present = sorted(p.name for p in out.glob(f"*{suffix}") if not p.name.startswith("."))
    data_files: list[str] | str = f"*{suffix}" if present == sorted(files) else sorted(files)
    features = FEATURES_YAML if kind == "webdataset" else manifest.get("features_yaml")
    docs = int(manifest.get("documents", 0))
    body = [
        card_yaml(
            pretty_name=pretty,
            license_id=settings.get("license", "cc-by-4.0"),
            documents=docs,
            data_files=data_files,
            features_yaml=features,
            fingerprint=content_fingerprint(manifest.get("shards", [])),
        ),
        f"# {pretty}",
        "",
        "Interleaved image-text web documents in the OBELICS format (one row per web page: its texts and "
        "images in reading order), built with the `obelics` package.",
        "",
        "## Counts",
        "",
        "| | |",
        "|---|---:|",
        f"| documents | {_fmt(docs)} |",
        f"| images | {_fmt(manifest.get('images'))} |",
    ]
    if kind == "webdataset" or manifest.get("images_with_bytes"):
        body.append(f"| images with their bytes | {_fmt(manifest.get('images_with_bytes'))} |")
        body.append(f"| image bytes | {_fmt(manifest.get('image_bytes'))} |")
    body += [
        f"| words | {_fmt(manifest.get('words'))} |",
    ]
    if manifest.get("token_count_by"):
        body.append(f"| tokens (tokenizer `{manifest['token_count_by']}`) | {_fmt(manifest.get('tokens'))} |")
    body += [
        f"| files | {_fmt(len(files))} ({_fmt(manifest.get('bytes'))} bytes) |",
        "",
    ]
    body += _loading_section(kind)
    body += ["## How it was made: the filter funnel", ""]
    body += [
        "Documents and images at each stage (from each stage's `stats.json`; removals are counted by reason):",
        "",
    ]
    body += funnel_table(rows)
    body += language_funnel_section(chain)
    body += ["", "## Settings", ""]
    body += _settings_block(chain, {k: v for k, v in settings.items() if k not in ("stage_inputs", "task_names")})
    body += ["## Sources", ""]
    body += _sources_block(sources)
    flagged = manifest.get("opt_out_flagged") or {}
    flagged_txt = ", ".join(f"{k}: {v:,}" for k, v in flagged.items()) if flagged else "none counted"
    body += ["", "## License and opt-out", ""]
    body += [LICENSE_NOTES.format(license=settings.get("license", "cc-by-4.0"), flagged=flagged_txt)]
    if manifest.get("warning"):
        body += ["", f"> **Note:** {manifest['warning']}", ""]
    path = out / "README.md"
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(body).rstrip() + "\n")
    return str(path)


def _loading_section(kind: str) -> list[str]:
    if kind != "webdataset":
        return [
            "## Loading",
            "",
            "```python",
            "import datasets",
            'ds = datasets.load_dataset("PATH/TO/THIS/FOLDER", split="train")',
            '# or: datasets.load_dataset("parquet", data_files="PATH/*.parquet", split="train")',
            "```",
            "",
            "`metadata` and `general_metadata` are JSON strings (`json.loads`), as in the published OBELICS files.",
            "",
        ]
    return [
        "## Loading",
        "",
        "Each document is one WebDataset sample with two members: `KEY.json` (the OBELICS row: `texts`, "
        "`images` (URLs), `metadata` and `general_metadata` as JSON strings, `extra`) and `KEY.images.mp` "
        "(a msgpack list parallel to `texts`: the image bytes as downloaded at image positions, null at text "
        "positions). Image formats are in `metadata[i].format`.",
        "",
        "```python",
        "import datasets",
        "# with this card: images are PIL images",
        'ds = datasets.load_dataset("PATH/TO/THIS/FOLDER", split="train")',
        "row = ds[0]",
        'for text, image in zip(row["json"]["texts"], row["images.mp"]):',
        "    print(text if text is not None else image.size)",
        "",
        "# the tars alone: same rows, then one cast makes the images PIL images",
        'ds = datasets.load_dataset("webdataset", data_files="PATH/*.tar", split="train")',
        'ds = ds.cast_column("images.mp", datasets.List(datasets.Image()))',
        "",
        "# streaming with webdataset",
        "import webdataset as wds",
        "from obelics.io.webdataset import sample_to_document",
        'for sample in wds.WebDataset("PATH/name-000000.tar", shardshuffle=False):',
        "    doc = sample_to_document(sample)  # texts, images, metadata, image_bytes",
        "```",
        "",
        "`manifest.json` lists every tar with its document and image counts, bytes and sha256.",
        "",
    ]


STAGE_CARD_MARK = "<!-- obelics stage folder card: rewritten by each run of the stage -->"


def write_stage_card(output: str, summary: dict[str, Any]) -> str | None:
    """``OUT/README.md`` for a stage folder of Parquet shards, so ``load_dataset(OUT)`` reads the documents.

    Its YAML names the data files (the shards, not the stats JSON files beside them; removed
    documents kept with ``keep_rejected`` as a ``rejected`` config) and a fingerprint of their
    sizes and Parquet footers, so ``datasets`` never reads a rebuilt folder from a stale cache.
    Not written when the stage writes its own card, or when its outputs are not Parquet shards of
    the folder.
    """
    out = Path(output)
    outputs = [Path(o) for o in summary.get("outputs") or []]
    if not outputs or any(o.suffix != ".parquet" or o.parent.resolve() != out.resolve() for o in outputs):
        return None
    path = out / "README.md"
    if path.exists() and STAGE_CARD_MARK not in path.read_text(encoding="utf-8", errors="replace"):
        return None  # a card the stage wrote itself
    digest = hashlib.sha256()
    for o in sorted(o for o in outputs if o.is_file()):
        with open(o, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - 65536))
            digest.update(f"{o.name} {size}\n".encode() + fh.read())
    present = sorted(p.name for p in out.glob("*.parquet") if not p.name.startswith("."))
    files: list[str] = ["*.parquet"] if present == sorted(o.name for o in outputs) else sorted(o.name for o in outputs)
    stage = str(summary.get("stage") or out.name)
    documents = int(summary.get("documents_out") or summary.get("documents") or 0)
    lines = ["---", f"pretty_name: {_yaml_str(f'obelics {stage} output: {out.resolve().name}')}"]
    lines += ["tags:", "- obelics", "- interleaved", "- image-text", "- web-documents"]
    lines += ["size_categories:", f"- {_size_category(documents)}"]
    lines += ["configs:", "- config_name: default"]
    lines.append(f"  description: {_yaml_str(f'content fingerprint {digest.hexdigest()[:16]}')}")
    lines += ["  data_files:", "  - split: train", "    path:"] + [f"    - {_yaml_str(f)}" for f in files]
    if any((out / "rejected").glob("*.parquet")):
        lines += ["- config_name: rejected", "  data_files:", "  - split: train", "    path: rejected/*.parquet"]
    lines.append("---")
    body = [
        f"# `obelics {stage}` output",
        "",
        STAGE_CARD_MARK,
        "",
        f"Documents written by the `{stage}` stage of the `obelics` package: {_fmt(documents)} documents in "
        f"{len(outputs)} Parquet shard(s), one row per web page (its texts and images in reading order).",
        "",
        "```python",
        "import datasets",
        f'ds = datasets.load_dataset("{out.resolve().name}")  # this folder',
        "```",
        "",
        "`stats.json` holds the stage's counts, removal reasons and settings; `NAME.stats.json` each task's "
        "(they also mark the task complete). `obelics preview FOLDER` prints a few documents.",
    ]
    text = "\n".join(lines + body) + "\n"
    if path.exists() and path.read_text(encoding="utf-8", errors="replace") == text:
        return str(path)  # a rerun that changed nothing leaves the card as it was
    with atomic_open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return str(path)
