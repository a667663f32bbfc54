"""Settings of the filter stage: names, OBELICS defaults, and checks.

The defaults are the cutoffs of the OBELICS table (paper and published filtering config);
``filters/obelics.yaml`` holds the same values with comments, for a user to copy and edit.
A cutoff set to ``null`` (``--set KEY=off``) switches that check off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from obelics.run.settings import SettingsError, resolve

NSFW_LABELS = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
NSFW_DEFAULT_CLASSES = [
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "BUTTOCKS_EXPOSED",
    "ANUS_EXPOSED",
]

DEFAULTS: dict[str, Any] = {
    # language identification (fastText lid.176)
    "languages": ["en"],
    "language_min_score": 0.8,
    "language_model": "",
    "language_max_chars": 0,
    "paragraph_language": False,
    "paragraph_language_min_score": 0.8,
    # per-language settings (obelics/data/filters/languages.json; see obelics.filters.languages):
    # a language without shipped settings: "error" stops at start-up, "neutral" filters it with
    # language-neutral metrics only (every word-list check off)
    "language_fallback": "error",
    # cutoffs of single languages, e.g. {fr: {document_min_stopwords: 0.3}}; an entry for a
    # language without shipped settings gives it settings of its own
    "language_cutoffs": {},
    # word lists: "" = the lists shipped with the package for each language; a path with {lang}
    # is filled in per language (a plain path is allowed when one language is filtered)
    "stopwords_file": "",
    "flagged_words_file": "",
    "spam_words_file": "",
    "common_words_file": "",
    # n-gram sizes of the repetition ratios
    "char_repetition_n": 10,
    "word_repetition_n": 5,
    # paragraph level
    "paragraph_min_words": 4,
    "paragraph_max_words": 1000,
    "paragraph_max_char_repetition": 0.1,
    "paragraph_max_word_repetition": 0.1,
    "paragraph_max_special_characters": 0.3,
    "paragraph_min_stopwords": 0.3,
    "paragraph_max_flagged_words": 0.01,
    "paragraph_min_punctuation": 0.001,
    "paragraph_punctuation_min_words": 12,
    "paragraph_max_spam_words": 0.12,
    "paragraph_min_common_words": 0.8,
    "paragraph_perplexity": False,
    "paragraph_max_perplexity": 1500.0,
    # document level
    "min_images": 1,
    "max_images": 30,
    "count_undownloaded_images": True,
    "document_min_words": 10,
    "document_max_words": 2000,
    "document_max_char_repetition": 0.1,
    "document_max_word_repetition": 0.2,
    "document_max_special_characters": 0.275,
    "document_min_stopwords": 0.35,
    "document_max_flagged_words": 0.01,
    "document_min_punctuation": 0.03,
    "document_max_spam_words": 0.12,
    "document_min_common_words": 0.9,
    "document_max_perplexity": 1500.0,
    # perplexity (KenLM); off when no model is given
    "kenlm_model": "",
    "sentencepiece_model": "",
    "perplexity_lowercase": False,
    # NSFW images (NudeNet detector); needs image bytes
    "nsfw_images": True,
    "nsfw_model": "",
    "nsfw_classes": list(NSFW_DEFAULT_CLASSES),
    "nsfw_threshold": 0.5,
    "nsfw_batch_size": 16,
    "nsfw_threads": 4,
    "nsfw_device": "auto",
    # model-based quality classifier (obelics train-quality-classifier); off when no model is given
    "quality_model": "",
    "quality_threshold": 0.5,
    # output
    "keep_rejected": False,
    "progress": True,
}

CHOICES: dict[str, list[Any]] = {"nsfw_device": ["auto", "cpu", "cuda"], "language_fallback": ["error", "neutral"]}

# The per-language funnel in the stats: {code: {documents_in, documents_out, paragraphs_in,
# paragraphs_out, removed_documents: {reason: n}, removed_paragraphs: {reason: n}}}.
BY_LANGUAGE = "by_language"

# Sentence and clause marks the punctuation ratio counts for every language but English (which
# keeps OBELICS's ", ; : ? ! ."): CJK full-width and ideographic marks, Arabic-script marks, danda.
PUNCTUATION_EXTRA = "，。、；：？！．｡،؛؟۔।"

# Cutoffs that may be null (check off).
NULLABLE = {k for k in DEFAULTS if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))}
NULLABLE |= {"min_images", "max_images", "language_min_score", "paragraph_language_min_score"}
NULL_WORDS = ("off", "null", "none")

# Settings that name files (checked to exist; made absolute so any engine's worker finds them).
FILE_SETTINGS = (
    "language_model",
    "stopwords_file",
    "flagged_words_file",
    "spam_words_file",
    "common_words_file",
    "kenlm_model",
    "sentencepiece_model",
    "nsfw_model",
    "quality_model",
)

RATIO_METRICS = (
    "char_repetition",
    "word_repetition",
    "special_characters",
    "stopwords",
    "flagged_words",
    "punctuation",
    "spam_words",
    "common_words",
)
RATIO_KEYS = [
    f"{level}_{bound}_{m}" for level in ("paragraph", "document") for bound in ("min", "max") for m in RATIO_METRICS
]
RATIO_KEYS = [k for k in RATIO_KEYS if k in DEFAULTS]


def builtin_config_path() -> Path:
    """The packaged copy of ``filters/obelics.yaml``."""
    return Path(__file__).resolve().parent.parent / "data" / "filters" / "obelics.yaml"


def nulls_to_none(overrides: dict[str, Any]) -> dict[str, Any]:
    """``off``/``null``/``none`` strings of nullable cutoffs become None."""
    return {
        k: (None if k in NULLABLE and isinstance(v, str) and v.strip().lower() in NULL_WORDS else v)
        for k, v in overrides.items()
    }


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    """Read a filter YAML file into overrides (keys checked against the settings)."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise SettingsError(f"filter config not found: {p}")
    with open(p, encoding="utf-8") as fh:
        try:
            data = yaml.safe_load(fh) or {}
        except yaml.YAMLError as e:
            raise SettingsError(f"{p}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{p}: expected a mapping of setting: value")
    unknown = sorted(set(data) - set(DEFAULTS))
    if unknown:
        raise SettingsError(f"{p}: unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(sorted(DEFAULTS))}")
    return nulls_to_none(data)


def check(settings: dict[str, Any]) -> dict[str, Any]:
    """Validate the values of resolved settings (types are checked by the runner); return them."""
    s = resolve(DEFAULTS, settings, CHOICES, where="filter")
    for k, v in s.items():
        if v is None and k not in NULLABLE:
            raise SettingsError(f"filter: setting {k!r} cannot be null")
    for k in RATIO_KEYS:
        v = s.get(k)
        if v is not None and not 0.0 <= float(v) <= 1.0:
            raise SettingsError(f"filter: setting {k!r} is a ratio between 0 and 1, got {v!r}")
    for k in ("language_min_score", "paragraph_language_min_score", "quality_threshold", "nsfw_threshold"):
        v = s.get(k)
        if v is not None and not 0.0 <= float(v) <= 1.0:
            raise SettingsError(f"filter: setting {k!r} is a score between 0 and 1, got {v!r}")
    if int(s["language_max_chars"]) < 0:
        raise SettingsError("filter: setting 'language_max_chars' must be 0 (whole text) or more")
    for k in ("char_repetition_n", "word_repetition_n", "nsfw_batch_size", "nsfw_threads"):
        if int(s[k]) < 1:
            raise SettingsError(f"filter: setting {k!r} must be at least 1, got {s[k]!r}")
    if not s["languages"]:
        raise SettingsError("filter: setting 'languages' needs at least one language code (e.g. en)")
    bad = [c for c in s["nsfw_classes"] if c not in NSFW_LABELS]
    if bad:
        raise SettingsError(f"filter: unknown nsfw_classes {bad}; allowed: {', '.join(NSFW_LABELS)}")
    for k in FILE_SETTINGS:
        if s[k] and "{lang}" not in s[k] and not os.path.exists(s[k]):
            raise SettingsError(f"filter: setting {k!r}: file not found: {s[k]}")
    if s["sentencepiece_model"] and not s["kenlm_model"]:
        raise SettingsError("filter: 'sentencepiece_model' is given but 'kenlm_model' is not")
    from obelics.filters.languages import check_settings  # languages imports this module

    check_settings(s)
    return s
