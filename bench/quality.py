"""Extraction quality of both modes and of trafilatura, in one run, on the extraction-dev set.

The set (``../shared/data/extraction-dev`` by default, ``--data``) holds web pages with a known main
text (gold text or must/must-not snippets) and Readability's content images; its README defines the
metrics and its ``score.py`` is the reference scorer, imported from the set at run time (it is not
part of this project, and neither are the pages).

Each page's bytes are decoded as the extract stage does (``decode_html``, the set's encoding given
as the crawler's identified charset) and given to ``extract_document`` in each mode; trafilatura
gets the raw bytes, as its own evaluation does::

    trafilatura.extract(raw, url=url, output_format="xml", include_images=True,
                        include_comments=False, include_tables=True)

with texts = the non-empty text nodes of ``<main>`` and images = ``<graphic src>``.

Printed per method and per source: text precision / recall / F1 (gold pages), the share of
``with`` snippets found and of ``without`` snippets absent (snippet pages), image recall /
precision / order (Kendall tau), by default and with ``--skip-tiny`` (expected images of a
declared side <= 10 px left out), documents/s (CPU time of the extraction alone, one core), and
``missed``: the gold pages where the method recovers less than half of the gold text (text recall
< 0.5), with, in brackets, how many of them another method recovers (an article the page holds).

Usage: ``python bench/quality.py [--data DIR] [--limit N] [--sources a,b] [--methods ...]
[--per-page OUT.jsonl] [--missed]``. ``--limit N`` takes the first N pages of each source (a quick
run); the whole set takes a few minutes on one core, most of it in trafilatura.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

METHODS = ("main-content", "obelics", "trafilatura")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction-dev"


def _patch_cache(module: ModuleType) -> None:
    original = module.expected_images
    cache: dict[str, Any] = {}

    def cached(page_dir: str, meta: dict[str, Any]) -> Any:
        if page_dir not in cache:
            cache[page_dir] = original(page_dir, meta)
        return cache[page_dir]

    module.expected_images = cached


def scorer(data: Path) -> ModuleType:
    path = data / "score.py"
    if not path.is_file():
        raise SystemExit(f"error: no score.py in {data} (is --data the extraction-dev folder?)")
    spec = importlib.util.spec_from_file_location("extraction_dev_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _patch_cache(module)
    return module


# ---- pages ---------------------------------------------------------------------------------------
def select_pages(data: Path, limit: int | None, sources: set[str] | None) -> list[tuple[str, str]]:
    """(page id, source) of the chosen pages, in the set's order; the first ``limit`` of each source."""
    index = data / "index.tsv"
    if not index.is_file():
        raise SystemExit(f"error: no index.tsv in {data}")
    taken: dict[str, int] = defaultdict(int)
    pages = []
    with index.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        col_id, col_source = header.index("page_id"), header.index("source")
        for line in fh:
            row = line.rstrip("\n").split("\t")
            pid, source = row[col_id], row[col_source]
            if sources and source not in sources:
                continue
            if limit is not None and taken[source] >= limit:
                continue
            taken[source] += 1
            pages.append((pid, source))
    if sources:
        unknown = sources - set(taken)
        if unknown:
            raise SystemExit(f"error: no pages of source(s) {', '.join(sorted(unknown))} in {index}")
    return pages


def load_page(data: Path, pid: str) -> tuple[bytes, dict[str, Any]]:
    folder = data / "pages" / pid
    with gzip.open(folder / "source.html.gz") as fh:
        raw = fh.read()
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return raw, meta


# ---- methods -------------------------------------------------------------------------------------
def predictor(name: str):
    """A function (raw bytes, meta) -> {"texts": [...], "images": [...]}."""
    if name in ("obelics", "main-content"):
        from obelics.html.extract import extract_document
        from obelics.io.warc import decode_html

        def ours(raw: bytes, meta: dict[str, Any]) -> dict[str, list[str]]:
            html = decode_html(raw, warc_charset=meta.get("encoding"))[0]
            doc = extract_document(html, meta["url"], mode=name)
            if doc is None:
                return {"texts": [], "images": []}
            return {
                "texts": [t for t in doc.texts if t is not None],
                "images": [i for i in doc.images if i is not None],
            }

        return ours
    if name == "trafilatura":
        import trafilatura
        from lxml import etree

        def theirs(raw: bytes, meta: dict[str, Any]) -> dict[str, list[str]]:
            xml = trafilatura.extract(
                raw,
                url=meta["url"],
                output_format="xml",
                include_images=True,
                include_comments=False,
                include_tables=True,
            )
            if not xml:
                return {"texts": [], "images": []}
            main = etree.fromstring(xml.encode("utf-8")).find(".//main")
            if main is None:
                return {"texts": [], "images": []}
            texts = [t.strip() for t in main.xpath(".//text()") if t.strip()]
            images = [g.get("src") for g in main.iter("graphic") if g.get("src")]
            return {"texts": texts, "images": images}

        return theirs
    raise SystemExit(f"error: unknown method {name!r}; choose among {', '.join(METHODS)}")


def predict(
    data: Path, pages: list[tuple[str, str]], methods: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, float]]]:
    """Predictions per method and CPU seconds per method and source."""
    fns = {m: predictor(m) for m in methods}
    preds: dict[str, dict[str, Any]] = {m: {} for m in methods}
    seconds: dict[str, dict[str, float]] = {m: defaultdict(float) for m in methods}
    for n, (pid, source) in enumerate(pages, 1):
        raw, meta = load_page(data, pid)
        for m, fn in fns.items():
            start = time.process_time()
            try:
                preds[m][pid] = fn(raw, meta)
            except Exception as exc:  # noqa: BLE001 - a crash is scored as an empty prediction, and said
                print(f"warning: {m} failed on {pid}: {type(exc).__name__}: {exc}", file=sys.stderr)
                preds[m][pid] = {"texts": [], "images": []}
            seconds[m][source] += time.process_time() - start
        if n % 100 == 0:
            print(f"  {n}/{len(pages)} pages", file=sys.stderr)
    return preds, seconds


# ---- scoring -------------------------------------------------------------------------------------
def subset_dir(data: Path, pages: list[tuple[str, str]], tmp: Path) -> Path:
    """A folder laid out as the set, holding links to the chosen pages only (score() reads every page)."""
    (tmp / "pages").mkdir()
    for pid, _ in pages:
        (tmp / "pages" / pid).symlink_to(data / "pages" / pid)
    return tmp


def fmt(x: float | None, width: int = 6) -> str:
    return f"{'-':>{width}}" if x is None else f"{x:{width}.3f}"


def table(
    score: ModuleType,
    data_dir: Path,
    preds: dict[str, dict[str, Any]],
    seconds: dict[str, dict[str, float]],
    per_page: Path | None,
    show_missed: bool,
) -> None:
    rows = {m: score.score(str(data_dir), p) for m, p in preds.items()}
    tiny = {m: {r["page_id"]: r for r in score.score(str(data_dir), p, skip_tiny=True)} for m, p in preds.items()}
    recall = {m: {r["page_id"]: r.get("text_r") for r in rs} for m, rs in rows.items()}

    def missed(m: str, rs: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
        ids = [r["page_id"] for r in rs if "text_r" in r and (r["text_r"] or 0.0) < 0.5]
        found_elsewhere = [pid for pid in ids if any((recall[o].get(pid) or 0.0) >= 0.5 for o in recall if o != m)]
        return len(ids), len(found_elsewhere), found_elsewhere

    head = (
        f"{'method':<13} {'source':<16} {'pages':>5} | {'text P':>6} {'text R':>6} {'textF1':>6} | "
        f"{'with':>6} {'w/out':>6} | {'img R':>6} {'img P':>6} {'tau':>6} | "
        f"{'tinyR':>6} {'tinyP':>6} {'tinyτ':>6} | {'docs/s':>7} | missed"
    )
    print(head)
    print("-" * len(head))
    for m, rs in rows.items():
        by: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rs:
            by[r["source"]].append(r)
        groups = [("all", rs), *sorted(by.items())]
        for name, group in groups:
            b = score.summarize(group)["all"]
            bt = score.summarize([tiny[m][r["page_id"]] for r in group])["all"]
            t, s, i, it = b.get("text", {}), b.get("snippets", {}), b.get("images", {}), bt.get("images", {})
            secs = sum(seconds[m].values()) if name == "all" else seconds[m].get(name, 0.0)
            rate = len(group) / secs if secs else None
            n_missed, n_elsewhere, _ = missed(m, group)
            print(
                f"{m if name == 'all' else '':<13} {name:<16} {len(group):>5} | "
                f"{fmt(t.get('precision'))} {fmt(t.get('recall'))} {fmt(t.get('f1'))} | "
                f"{fmt(s.get('with_found'))} {fmt(s.get('without_absent'))} | "
                f"{fmt(i.get('recall'))} {fmt(i.get('precision'))} {fmt(i.get('kendall_tau'))} | "
                f"{fmt(it.get('recall'))} {fmt(it.get('precision'))} {fmt(it.get('kendall_tau'))} | "
                f"{fmt(rate, 7) if rate is None else f'{rate:7.1f}'} | {n_missed} ({n_elsewhere})"
            )
        print()
    if show_missed:
        for m, rs in rows.items():
            _, _, ids = missed(m, rs)
            print(f"{m}: text recall < 0.5 where another method recovers the text: {' '.join(ids) or '-'}")
    if per_page is not None:
        with per_page.open("w", encoding="utf-8") as fh:
            for m, rs in rows.items():
                for r in rs:
                    tr = tiny[m][r["page_id"]]
                    extra = {f"tiny_{k}": tr[k] for k in ("img_expected", "img_extracted", "img_matched") if k in tr}
                    fh.write(json.dumps({"method": m, **r, **extra}, ensure_ascii=False) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the extraction-dev folder")
    ap.add_argument("--limit", type=int, help="first N pages of each source only (a quick run)")
    ap.add_argument("--sources", help="comma-separated sources to score (default: all)")
    ap.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, among {', '.join(METHODS)}")
    ap.add_argument("--per-page", type=Path, help="write one JSON line per method and page here")
    ap.add_argument("--missed", action="store_true", help="list the missed pages that another method recovers")
    args = ap.parse_args()
    data = args.data.resolve()
    if not (data / "pages").is_dir():
        print(f"error: {data} has no pages/ folder (is --data the extraction-dev folder?)", file=sys.stderr)
        return 2
    if args.limit is not None and args.limit < 1:
        print("error: --limit must be at least 1", file=sys.stderr)
        return 2
    score = scorer(data)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    sources = {s.strip() for s in args.sources.split(",") if s.strip()} if args.sources else None
    pages = select_pages(data, args.limit, sources)
    print(f"{len(pages)} pages of {data}; methods: {', '.join(methods)}", file=sys.stderr)
    preds, seconds = predict(data, pages, methods)
    with tempfile.TemporaryDirectory(prefix="obelics-quality-") as tmp:
        table(score, subset_dir(data, pages, Path(tmp)), preds, seconds, args.per_page, args.missed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
