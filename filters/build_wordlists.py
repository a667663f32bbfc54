"""(Re)build the filter word lists and copy them into the package.

    python filters/build_wordlists.py            # rebuild common words (en) from wordfreq, sync the package copy
    python filters/build_wordlists.py --lang fr --top 200000   # a common-word list for another language
    python -m obelics.filters.build_lists       # the shipped lists and cutoffs of the other languages
    python filters/build_wordlists.py --check    # exit 1 when the package copy differs from filters/

The common-word list is the ``--top`` most frequent words of wordfreq's "large" list for
the language (offline: wordfreq ships its frequency tables in its wheel), minus entries
with digits (wordfreq writes digits as 0, which our words never contain). The stop-word,
flagged-word and spam-word lists are written by hand in ``filters/*.txt``.

``filters/`` is the copy a user reads and edits; ``obelics/data/filters/`` is the copy the
installed package loads (package data). This script keeps them identical.
"""

from __future__ import annotations

import argparse
import filecmp
import gzip
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE_COPY = HERE.parent / "obelics" / "data" / "filters"
SYNCED = ("stopwords.en.txt", "flagged_words.en.txt", "spam_words.en.txt", "common_words.en.txt.gz")


def build_common_words(lang: str, top: int) -> list[str]:
    import wordfreq

    words = []
    seen = set()
    for w in wordfreq.top_n_list(lang, top, wordlist="large"):
        w = w.strip().lower()
        if not w or any(c.isdigit() for c in w) or any(c.isspace() for c in w) or w in seen:
            continue
        seen.add(w)
        words.append(w)
    return words


def write_gz_list(path: Path, words: list[str], header: str) -> None:
    # mtime=0 keeps the file byte-identical across rebuilds
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(header.encode())
        gz.write("\n".join(sorted(words)).encode() + b"\n")  # sorted: compresses better


def sync() -> None:
    PACKAGE_COPY.mkdir(parents=True, exist_ok=True)
    for name in SYNCED:
        if (HERE / name).exists():
            shutil.copyfile(HERE / name, PACKAGE_COPY / name)


def out_of_sync() -> list[str]:
    return [
        name
        for name in SYNCED
        if (HERE / name).exists()
        and (not (PACKAGE_COPY / name).exists() or not filecmp.cmp(HERE / name, PACKAGE_COPY / name, shallow=False))
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lang", default="en")
    p.add_argument("--top", type=int, default=200_000, help="how many of the most frequent words (default 200000)")
    p.add_argument("--check", action="store_true", help="only report whether the package copy is in sync")
    p.add_argument("--no-build", action="store_true", help="only copy filters/ into the package")
    args = p.parse_args(argv)
    if args.check:
        bad = out_of_sync()
        print("in sync" if not bad else "out of sync: " + ", ".join(bad))
        return 1 if bad else 0
    if not args.no_build:
        words = build_common_words(args.lang, args.top)
        from importlib.metadata import version

        header = (
            f"# Common words ({args.lang}): the {args.top} most frequent words of wordfreq {version('wordfreq')}"
            f" (large list), without entries containing digits; {len(words)} words, sorted. Built by filters/build_wordlists.py.\n"
        )
        out = HERE / f"common_words.{args.lang}.txt.gz"
        write_gz_list(out, words, header)
        print(f"wrote {out} ({len(words)} words)")
    sync()
    print(f"synced {PACKAGE_COPY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
