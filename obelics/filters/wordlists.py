"""Word lists of the text filters: the shipped lists (English here; other languages: obelics.filters.languages) and user-supplied ones.

A list file is plain text, one word a line (``.txt``, or gzip-compressed ``.txt.gz``), or a
JSON list of strings; lines starting with ``#`` are comments. Words are lower-cased; a word
written with a straight apostrophe also matches its typographic form (``don't`` / ``don’t``).
"""

from __future__ import annotations

import functools
import gzip
import json
import os
from pathlib import Path

BUILTIN = {
    "stopwords": "stopwords.en.txt",
    "flagged_words": "flagged_words.en.txt",
    "spam_words": "spam_words.en.txt",
    "common_words": "common_words.en.txt.gz",
}


def data_dir() -> Path:
    """Where the packaged filter data lives (``obelics/data/filters``)."""
    return Path(__file__).resolve().parent.parent / "data" / "filters"


def builtin_path(name: str) -> Path:
    if name not in BUILTIN:
        raise KeyError(f"no built-in word list {name!r}; known: {', '.join(BUILTIN)}")
    return data_dir() / BUILTIN[name]


def _read_text(path: Path) -> str:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return fh.read()
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=256)
def _load(path: str, mtime: float) -> frozenset[str]:
    p = Path(path)
    text = _read_text(p)
    name = p.name[:-3] if p.name.endswith(".gz") else p.name
    if name.endswith(".json"):
        items = json.loads(text)
        if isinstance(items, dict):
            items = list(items)
        if not isinstance(items, list) or not all(isinstance(w, str) for w in items):
            raise ValueError(f"{path}: a JSON word list must be a list of strings")
    else:
        items = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    out = {w.strip().lower() for w in items}
    out.discard("")
    out.update([w.replace("'", "\u2019") for w in out if "'" in w])
    out.update([w.replace("\u2019", "'") for w in out if "\u2019" in w])
    return frozenset(out)


def load_wordlist(path: str | os.PathLike) -> frozenset[str]:
    """The words of a list file (cached per path and modification time)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"word list not found: {p}")
    return _load(str(p.resolve()), p.stat().st_mtime)


def resolve_lists(settings: dict[str, object]) -> dict[str, frozenset[str]]:
    """The four lists named by ``<name>_file`` settings, the shipped ones where the setting is empty."""
    out = {}
    for name in BUILTIN:
        path = settings.get(f"{name}_file") or ""
        out[name] = load_wordlist(path or builtin_path(name))
    return out
