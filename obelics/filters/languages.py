"""Per-language filter settings: tokenisation, word lists and cutoffs of each language.

The shipped settings are in ``obelics/data/filters/languages.json`` (built, with the word lists
under ``languages/<code>/``, by ``python -m obelics.filters.build_lists``, which documents the
sources and how the cutoffs were derived). English is the OBELICS configuration itself.

How a language's settings are resolved from the filter stage's settings:

1. its shipped settings (English: the stage's defaults);
2. a cutoff the user set to another value than its default (``--set document_min_stopwords=0.2``)
   applies to every language;
3. ``language_cutoffs: {fr: {document_min_stopwords: 0.3}}`` sets cutoffs of one language;
4. the ``*_file`` settings replace a word list: a path with ``{lang}`` is filled in per
   language (a language without such a file keeps its shipped list); a plain path is allowed
   when one language is filtered.

A language with no shipped settings stops the run at start-up, unless ``language_cutoffs``
has an entry for it (its own settings: whitespace words, the lists its ``*_file`` patterns
name, English cutoffs otherwise, word-list checks without a list off) or
``language_fallback: neutral`` (language-neutral metrics only: every word-list check off).
Such a language written without spaces (Thai, Lao, Khmer, Myanmar, Tibetan, Cantonese, Wu)
gets character-based words: each letter with its marks is a word, the word counts are three
times English's, word repetition and punctuation are not checked.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obelics.filters.config import DEFAULTS, PUNCTUATION_EXTRA, RATIO_METRICS
from obelics.filters.wordlists import BUILTIN, data_dir, load_wordlist
from obelics.run.settings import SettingsError

LIST_NAMES = tuple(BUILTIN)  # stopwords, flagged_words, spam_words, common_words
CUTOFF_KEYS = tuple(
    k for k in DEFAULTS if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))
)
# cutoffs checked by the word lists: off when a language has no such list
LIST_CUTOFFS = {
    name: [f"{lv}_{b}_{name}" for lv in ("paragraph", "document") for b in ("min", "max")] for name in LIST_NAMES
}
ENGLISH_PUNCTUATION = ",;:?!."
# lid.176 codes of languages written without spaces: without shipped settings they get
# character-based words (each letter a word) instead of whitespace words
UNSEGMENTED = frozenset({"th", "lo", "km", "my", "bo", "yue", "wuu"})
# character-based words: ~3 letters a word in these scripts for the word counts; the word
# repetition and punctuation checks are off (character 10-grams still catch repetition)
CHARS_WORDS_FACTOR = 3


@functools.lru_cache(maxsize=1)
def shipped() -> dict[str, dict[str, Any]]:
    """The shipped per-language settings (``languages.json``), by lid.176 code."""
    with open(data_dir() / "languages.json", encoding="utf-8") as fh:
        return json.load(fh)


def shipped_languages() -> list[str]:
    return sorted(shipped())


@dataclass
class LanguageProfile:
    """Everything the text filters need to know about one language."""

    code: str
    name: str
    tokenizer: str  # "whitespace", or a segmenter of obelics.filters.segment
    casefold: bool
    punctuation: str
    lists: dict[str, str | None]  # list name -> file (None: no list, its checks off)
    sources: dict[str, str | None]
    cutoffs: dict[str, float | None]  # every paragraph_/document_ cutoff
    origin: str  # "shipped", "user" or "neutral"
    derivation: dict[str, Any] = field(default_factory=dict)

    def list_words(self) -> dict[str, frozenset[str]]:
        return {name: load_wordlist(path) if path else frozenset() for name, path in self.lists.items()}


def _user_overrides(settings: dict[str, Any]) -> dict[str, Any]:
    """The cutoffs whose value differs from the default: the user's, for every language."""
    return {k: settings[k] for k in CUTOFF_KEYS if k in settings and settings[k] != DEFAULTS[k]}


def _list_file(settings: dict[str, Any], name: str, code: str) -> str | None:
    value = settings.get(f"{name}_file") or ""
    if not value:
        return None
    return value.replace("{lang}", code)


def profile(code: str, settings: dict[str, Any] | None = None) -> LanguageProfile:
    """The resolved settings of language ``code`` under the filter stage's ``settings``."""
    s = dict(DEFAULTS, **(settings or {}))
    per_language = s.get("language_cutoffs") or {}
    table = shipped()
    if code in table:
        entry = table[code]
        origin = "shipped"
    elif code in per_language or s.get("language_fallback") == "neutral":
        entry = {"name": code, "tokenizer": "whitespace", "casefold": True, "lists": {}, "cutoffs": {}}
        if code in UNSEGMENTED:
            entry["tokenizer"] = "chars"
            entry["cutoffs"] = {
                k: DEFAULTS[k] * CHARS_WORDS_FACTOR for k in CUTOFF_KEYS if k.split("_", 2)[2] == "words"
            }
            # word n-grams of letters repeat in ordinary text; these scripts seldom use , . marks
            entry["cutoffs"].update(
                paragraph_max_word_repetition=None,
                document_max_word_repetition=None,
                paragraph_min_punctuation=None,
                document_min_punctuation=None,
            )
        origin = "user" if code in per_language else "neutral"
    else:
        raise SettingsError(
            f"filter: no settings for language {code!r} (shipped: {', '.join(shipped_languages())}); give its "
            f"cutoffs in language_cutoffs: {{{code}: {{...}}}} (and word lists with *_file patterns using {{lang}}), "
            "or set language_fallback: neutral to filter it with language-neutral metrics only"
        )
    english = code == "en"
    lists: dict[str, str | None] = {}
    sources: dict[str, str | None] = dict(entry.get("sources") or {})
    for name in LIST_NAMES:
        own = _list_file(s, name, code)
        if own and own != s.get(f"{name}_file") and not Path(own).is_file():
            own = None  # a {lang} pattern with no file for this language: its shipped list, if any
        if own:
            lists[name] = own
            sources[name] = f"user file {own}"
        elif entry["lists"].get(name):
            lists[name] = str(data_dir() / entry["lists"][name])
        else:
            lists[name] = None
            sources[name] = None
    cutoffs = {k: DEFAULTS[k] for k in CUTOFF_KEYS}
    cutoffs.update(entry.get("cutoffs") or {})
    cutoffs.update(_user_overrides(s))
    cutoffs.update(per_language.get(code) or {})
    for name, path in lists.items():  # a list that is not there cannot be checked
        if path is None:
            for k in LIST_CUTOFFS[name]:
                if k in cutoffs:
                    cutoffs[k] = None
    cutoffs = {k: v for k, v in cutoffs.items() if k in DEFAULTS}
    return LanguageProfile(
        code=code,
        name=entry.get("name", code),
        tokenizer=entry.get("tokenizer", "whitespace"),
        casefold=bool(entry.get("casefold", not english)),
        punctuation=ENGLISH_PUNCTUATION if english else ENGLISH_PUNCTUATION + PUNCTUATION_EXTRA,
        lists=lists,
        sources=sources,
        cutoffs=cutoffs,
        origin=origin,
        derivation=dict(entry.get("derivation") or {}),
    )


def check_settings(settings: dict[str, Any]) -> None:
    """Start-up checks of the language settings (raises SettingsError with what to do)."""
    codes = list(settings.get("languages") or [])
    per_language = settings.get("language_cutoffs") or {}
    if not isinstance(per_language, dict):
        raise SettingsError("filter: language_cutoffs is a mapping {language code: {cutoff: value}}")
    for code, cuts in per_language.items():
        if not isinstance(cuts, dict):
            raise SettingsError(f"filter: language_cutoffs.{code} is a mapping {{cutoff: value}}, got {cuts!r}")
        bad = sorted(set(cuts) - set(CUTOFF_KEYS))
        if bad:
            raise SettingsError(
                f"filter: language_cutoffs.{code}: unknown cutoff(s) {', '.join(bad)}; allowed: {', '.join(CUTOFF_KEYS)}"
            )
        for k, v in cuts.items():
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise SettingsError(f"filter: language_cutoffs.{code}.{k} must be a number or null, got {v!r}")
            if v is not None and k.split("_", 2)[2] in RATIO_METRICS and not 0.0 <= float(v) <= 1.0:
                raise SettingsError(f"filter: language_cutoffs.{code}.{k} is a ratio between 0 and 1, got {v!r}")
    for name in LIST_NAMES:
        pattern = settings.get(f"{name}_file") or ""
        if "{lang}" in pattern and not any(Path(pattern.replace("{lang}", c)).is_file() for c in codes):
            raise SettingsError(f"filter: {name}_file={pattern!r}: no file for any of the languages {codes}")
    if len(codes) > 1:
        for name in LIST_NAMES:
            value = settings.get(f"{name}_file") or ""
            if value and "{lang}" not in value:
                raise SettingsError(
                    f"filter: {name}_file={value!r} would apply to every language of {codes}; "
                    "write the path with {lang} (e.g. lists/stop.{lang}.txt) for one file per language"
                )
        if settings.get("language_min_score") is None:
            raise SettingsError(
                "filter: several languages need language identification to pick each page's settings; "
                "language_min_score cannot be off"
            )
    for code in codes:
        p = profile(code, settings)
        for name, path in p.lists.items():
            if path and not Path(path).is_file():
                raise SettingsError(f"filter: {name} list of {code!r} not found: {path}")
        if p.tokenizer != "whitespace":
            from obelics.filters.segment import missing_packages

            missing = missing_packages(p.tokenizer)
            if missing:
                raise SettingsError(
                    f"filter: language {code!r} needs the {p.tokenizer} segmenter ({', '.join(missing)} not "
                    "installed): pip install 'obelics[segmenters]'"
                )


def language_settings(code: str, settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The resolved settings of one language and the sources of its word lists, ready to dump as YAML."""
    p = profile(code, settings)
    for name, path in p.lists.items():
        if path and not Path(path).is_file():
            raise SettingsError(f"filter: {name} list of {code!r} not found: {path}")
    return {
        "language": p.code,
        "name": p.name,
        "origin": p.origin,
        "tokenizer": p.tokenizer,
        "case": "casefold" if p.casefold else "lower",
        "punctuation": p.punctuation,
        "word_lists": {
            name: ({"path": path, "source": p.sources.get(name), "words": len(load_wordlist(path))} if path else None)
            for name, path in p.lists.items()
        },
        "cutoffs": dict(p.cutoffs),
        "derivation": p.derivation,
    }
