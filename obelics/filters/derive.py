"""Derive a language's cutoffs from a sample of your own pages in that language.

    python -m obelics.filters.derive SAMPLE --language xx [--reference EN_SAMPLE] [--config my.yaml]
    python -m obelics.filters.derive SAMPLE --language sw --share 0.05 > sw.yaml

The method (that of FineWeb-2, which set its per-language thresholds from the data): each
ratio cutoff should remove the same share of the language's pages (paragraphs) as the English
cutoff removes of English pages. For every ratio metric the command

1. measures the share ``q`` of a reference sample of English pages that the English cutoff
   removes on its own (``--reference``: English pages from your own crawl; without it every
   metric uses ``--share``, default 0.05);
2. computes the metric on every page (and paragraph) of the sample with the language's
   settings (its tokenizer and word lists: shipped ones, or yours through ``*_file`` settings
   with ``{lang}`` in ``--config``);
3. proposes the ``q``-quantile of the sample as the cutoff (the ``1-q``-quantile for a maximum);
   a cutoff that removes nothing of the reference, and the flagged-word cutoff (a content
   check, not a share of the distribution), stay as they are.

It prints ``language_cutoffs: {xx: {...}}`` as YAML, to paste into a filter config. A sample
of a few thousand pages that passed language identification is enough; look at the pages
just under each proposed cutoff before trusting it.

SAMPLE and EN_SAMPLE: Parquet document shards (the extract stage's output), ``.jsonl`` files
with a ``text`` field, or ``.txt`` files with one page a line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from obelics.filters.config import DEFAULTS, RATIO_METRICS
from obelics.filters.languages import profile
from obelics.run.settings import SettingsError, load_settings_file, resolve

LEVELS = ("paragraph", "document")


def read_pages(path: str | Path, limit: int = 0) -> list[list[str]]:
    """The pages of a sample file, each as its paragraphs."""
    p = Path(path)
    pages: list[list[str]] = []
    if p.suffix == ".parquet" or p.is_dir():
        from obelics.io.parquet import read_documents

        files = sorted(p.glob("*.parquet")) if p.is_dir() else [p]
        for f in files:
            for doc in read_documents(str(f)):
                pages.append([x for x in doc.paragraphs() if x.strip()])
                if limit and len(pages) >= limit:
                    return pages
        return pages
    with open(p, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            text = json.loads(line).get("text", "") if p.suffix == ".jsonl" else line.replace("\\n", "\n")
            paras = [x for x in text.split("\n\n") if x.strip()]
            if paras:
                pages.append(paras)
            if limit and len(pages) >= limit:
                break
    return pages


def measure(pages: list[list[str]], code: str, settings: dict[str, Any]) -> dict[str, dict[str, np.ndarray]]:
    """Every ratio metric of each paragraph and each page, with the language's settings."""
    from obelics.filters.pipeline import language_filters

    lf = language_filters(profile(code, settings), settings)
    para: dict[str, list[np.ndarray]] = {m: [] for m in RATIO_METRICS}
    doc: dict[str, list[float]] = {m: [] for m in RATIO_METRICS}
    punct_min = int(settings["paragraph_punctuation_min_words"] or 0)
    for paras in pages:
        seg = lf.metrics.tokenise(paras)
        m = lf.metrics.metrics(seg, punctuation_min_words=punct_min)
        d = lf.metrics.document_metrics(seg)
        for k in RATIO_METRICS:
            para[k].append(m[k])
            doc[k].append(d[k])
    return {
        "paragraph": {k: np.concatenate(v) if v else np.zeros(0) for k, v in para.items()},
        "document": {k: np.asarray(v) for k, v in doc.items()},
    }


def removed_share(values: np.ndarray, bound: str, cut: float) -> float:
    if not len(values):
        return 0.0
    return float(np.mean(values < cut if bound == "min" else values > cut))


def derive(
    sample: dict[str, dict[str, np.ndarray]],
    code: str,
    settings: dict[str, Any],
    reference: dict[str, dict[str, np.ndarray]] | None = None,
    share: float = 0.05,
) -> tuple[dict[str, float], dict[str, float]]:
    """(proposed cutoffs, the share of pages or paragraphs each is meant to remove)."""
    en = profile("en", settings).cutoffs
    own = profile(code, settings).cutoffs
    cutoffs: dict[str, float] = {}
    shares: dict[str, float] = {}
    for level in LEVELS:
        for bound in ("min", "max"):
            for metric in RATIO_METRICS:
                key = f"{level}_{bound}_{metric}"
                if key not in DEFAULTS or own.get(key) is None or en.get(key) is None:
                    continue  # a check that is off for the language (no list) or in English
                values = sample[level][metric]
                if not len(values):
                    continue
                q = removed_share(reference[level][metric], bound, en[key]) if reference else share
                shares[key] = round(q, 4)
                if metric == "flagged_words" or q <= 0.0:
                    # a content check, not a share of the distribution; or nothing to remove: as it is
                    cutoffs[key] = own[key]
                    continue
                v = np.quantile(values, q if bound == "min" else 1.0 - q)
                cutoffs[key] = round(float(np.clip(v, 0.0, 1.0)), 3)
    return cutoffs, shares


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sample", help="pages in the language: Parquet shard(s) or folder, .jsonl, .txt")
    ap.add_argument("--language", required=True, help="its lid.176 code")
    ap.add_argument("--reference", help="English pages of the same crawl (sets each metric's share)")
    ap.add_argument("--share", type=float, default=0.05, help="share each cutoff removes without --reference")
    ap.add_argument("--config", help="a filter config (word lists with {lang}, language_fallback, ...)")
    ap.add_argument("--limit", type=int, default=5000, help="pages read from each sample (default 5000)")
    args = ap.parse_args(argv)
    try:
        settings = resolve(DEFAULTS, load_settings_file(args.config) if args.config else {}, where="filter")
        if args.language not in (settings.get("language_cutoffs") or {}):
            # a language without settings is measured with language-neutral settings plus the user's lists
            settings = dict(settings, language_cutoffs={**settings["language_cutoffs"], args.language: {}})
        pages = read_pages(args.sample, args.limit)
        if not pages:
            print(f"error: no pages in {args.sample}", file=sys.stderr)
            return 2
        sample = measure(pages, args.language, settings)
        reference = measure(read_pages(args.reference, args.limit), "en", settings) if args.reference else None
    except (SettingsError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    cutoffs, shares = derive(sample, args.language, settings, reference, args.share)
    import yaml

    print(f"# {len(pages)} pages of {args.sample}; each cutoff removes about the share of pages (paragraphs)")
    print(f"# that the English cutoff removes of {'the reference sample' if reference else 'English pages (--share)'}:")
    for k, q in shares.items():
        print(f"#   {k}: {q:.1%}")
    print(yaml.safe_dump({"language_cutoffs": {args.language: cutoffs}}, sort_keys=False, allow_unicode=True), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
