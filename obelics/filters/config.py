"""Settings of the filter stage: names, OBELICS defaults, and checks.

The defaults are the cutoffs of the OBELICS table (paper and published filtering config);
``obelics config filter`` prints them as commented YAML, for a user to copy and edit.
A cutoff set to ``null`` (``--set KEY=off``) switches that check off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from obelics.run.settings import SettingsError, StageSettings, setting

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


def _ratio(default: float, help: str, group: str) -> Any:  # noqa: A002
    return setting(default, help, min=0, max=1, nullable=True, unit="ratio", group=group)


@dataclass
class Settings(StageSettings):
    """Settings of the filter stage, with the OBELICS cutoffs as defaults."""

    # language identification (fastText lid.176)
    languages: list = setting(
        ["en"],
        "lid.176 codes to keep; each page is filtered with its own language's settings",
        group="language identification",
    )
    language_min_score: float = setting(
        0.8,
        "document level: score of the predicted language, min",
        min=0,
        max=1,
        nullable=True,
        group="language identification",
    )
    language_model: str = setting(
        "", 'your own fastText language-ID model file ("" = lid.176.ftz)', group="language identification"
    )
    language_max_chars: int = setting(
        0,
        "identify on the first N characters only (0 = whole text, as OBELICS)",
        min=0,
        unit="characters",
        group="language identification",
    )
    paragraph_language: bool = setting(
        False, "also identify each paragraph (OBELICS's published config: off)", group="language identification"
    )
    paragraph_language_min_score: float = setting(
        0.8,
        "paragraph level: score of the predicted language, min",
        min=0,
        max=1,
        nullable=True,
        group="language identification",
    )
    # per-language settings (obelics/data/filters/languages.json; see obelics.filters.languages)
    language_fallback: str = setting(
        "error",
        "a language without shipped settings: error (stop at start-up) or neutral (every word-list check off)",
        choices=["error", "neutral"],
        group="languages",
    )
    language_cutoffs: dict = setting(
        {},
        "cutoffs of single languages, e.g. {fr: {document_min_stopwords: 0.3}}; an entry for a language "
        "without shipped settings gives it settings of its own",
        group="languages",
    )
    # word lists: "" = the lists shipped with the package for each language; a path with {lang} is
    # filled in per language (a plain path is allowed when one language is filtered)
    stopwords_file: str = setting(
        "", 'stopword list file ("" = the packaged list of each language)', group="word lists"
    )
    flagged_words_file: str = setting("", 'flagged-word list file ("" = packaged)', group="word lists")
    spam_words_file: str = setting("", 'spam-word list file ("" = packaged)', group="word lists")
    common_words_file: str = setting("", 'common-word list file ("" = packaged)', group="word lists")
    # n-gram sizes of the repetition ratios
    char_repetition_n: int = setting(
        10, "character n-gram size of the character repetition ratio", min=1, group="repetition"
    )
    word_repetition_n: int = setting(5, "word n-gram size of the word repetition ratio", min=1, group="repetition")
    # paragraph level
    paragraph_min_words: int = setting(
        4, "a shorter paragraph is removed", min=0, nullable=True, unit="words", group="paragraph level"
    )
    paragraph_max_words: int = setting(
        1000, "a longer paragraph is removed", min=0, nullable=True, unit="words", group="paragraph level"
    )
    paragraph_max_char_repetition: float = _ratio(0.1, "share of repeated character n-grams, max", "paragraph level")
    paragraph_max_word_repetition: float = _ratio(0.1, "share of repeated word n-grams, max", "paragraph level")
    paragraph_max_special_characters: float = _ratio(0.3, "share of special characters, max", "paragraph level")
    paragraph_min_stopwords: float = _ratio(0.3, "share of stopwords, min", "paragraph level")
    paragraph_max_flagged_words: float = _ratio(0.01, "share of flagged words, max", "paragraph level")
    paragraph_min_punctuation: float = _ratio(0.001, "share of punctuation, min", "paragraph level")
    paragraph_punctuation_min_words: int = setting(
        12, "shorter paragraphs are not judged on punctuation", min=0, unit="words", group="paragraph level"
    )
    paragraph_max_spam_words: float = _ratio(0.12, "share of spam words, max", "paragraph level")
    paragraph_min_common_words: float = _ratio(0.8, "share of common words, min", "paragraph level")
    paragraph_perplexity: bool = setting(
        False, "also score each paragraph with KenLM (OBELICS's published config: off)", group="paragraph level"
    )
    paragraph_max_perplexity: float = setting(
        1500.0, "KenLM perplexity, max", min=0, nullable=True, group="paragraph level"
    )
    # document level
    min_images: int = setting(
        1, "documents with fewer images are removed", min=0, nullable=True, group="document level"
    )
    max_images: int = setting(
        30, "documents with more images are removed", min=0, nullable=True, group="document level"
    )
    count_undownloaded_images: bool = setting(
        True, "before the images stage, image URLs count as images", group="document level"
    )
    document_min_words: int = setting(
        10, "a shorter document is removed", min=0, nullable=True, unit="words", group="document level"
    )
    document_max_words: int = setting(
        2000, "a longer document is removed", min=0, nullable=True, unit="words", group="document level"
    )
    document_max_char_repetition: float = _ratio(0.1, "share of repeated character n-grams, max", "document level")
    document_max_word_repetition: float = _ratio(0.2, "share of repeated word n-grams, max", "document level")
    document_max_special_characters: float = _ratio(0.275, "share of special characters, max", "document level")
    document_min_stopwords: float = _ratio(0.35, "share of stopwords, min", "document level")
    document_max_flagged_words: float = _ratio(0.01, "share of flagged words, max", "document level")
    document_min_punctuation: float = _ratio(0.03, "share of punctuation, min", "document level")
    document_max_spam_words: float = _ratio(0.12, "share of spam words, max", "document level")
    document_min_common_words: float = _ratio(0.9, "share of common words, min", "document level")
    document_max_perplexity: float = setting(
        1500.0, "KenLM perplexity, max", min=0, nullable=True, group="document level"
    )
    # perplexity (KenLM); off when no model is given
    kenlm_model: str = setting("", 'KenLM model (ARPA or binary); "" = perplexity off', group="perplexity")
    sentencepiece_model: str = setting(
        "", "SentencePiece model: score its pieces instead of words (needs kenlm_model)", group="perplexity"
    )
    perplexity_lowercase: bool = setting(False, "lowercase texts before scoring", group="perplexity")
    # NSFW images (NudeNet detector); needs image bytes
    nsfw_images: bool = setting(True, "run the NudeNet detector on image bytes", group="NSFW images")
    nsfw_model: str = setting("", 'NudeNet ONNX model file ("" = nudenet/320n.onnx)', group="NSFW images")
    nsfw_classes: list = setting(
        list(NSFW_DEFAULT_CLASSES), "detector labels that flag an image", choices=NSFW_LABELS, group="NSFW images"
    )
    nsfw_threshold: float = setting(
        0.5, "a document with any image scoring at least this is removed whole", min=0, max=1, group="NSFW images"
    )
    nsfw_batch_size: int = setting(16, "images per detector batch", min=1, group="NSFW images")
    nsfw_threads: int = setting(4, "image decoding threads", min=1, group="NSFW images")
    nsfw_device: str = setting(
        "auto", "auto: CUDA when onnxruntime has it", choices=["auto", "cpu", "cuda"], group="NSFW images"
    )
    # model-based quality classifier (obelics train-quality-classifier); off when no model is given
    quality_model: str = setting(
        "", 'model from obelics train-quality-classifier ("" = off)', group="quality classifier"
    )
    quality_threshold: float = setting(
        0.5, "keep documents with P(good) at least this", min=0, max=1, group="quality classifier"
    )
    # output
    keep_rejected: bool = setting(
        False, "also write removed documents to OUT/rejected/NAME.parquet with a reject_reason column", group="output"
    )
    progress: bool = setting(True, "a progress bar (on a terminal)", group="output")


DEFAULTS: dict[str, Any] = Settings.defaults()
CHOICES: dict[str, list[Any]] = Settings.choices()

# The per-language funnel in the stats: {code: {documents_in, documents_out, paragraphs_in,
# paragraphs_out, removed_documents: {reason: n}, removed_paragraphs: {reason: n}}}.
BY_LANGUAGE = "by_language"

# Sentence and clause marks the punctuation ratio counts for every language but English (which
# keeps OBELICS's ", ; : ? ! ."): CJK full-width and ideographic marks, Arabic-script marks, danda.
PUNCTUATION_EXTRA = "，。、；：？！．｡،؛؟۔।"

# Cutoffs that may be null (check off).
NULLABLE = {i.name for i in Settings.infos() if i.spec.nullable}

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


def check(settings: dict[str, Any]) -> dict[str, Any]:
    """Validate resolved settings (names, types, ranges and nulls as declared, then what ties them); return them."""
    s = Settings.resolve(settings, where="filter")
    if not s["languages"]:
        raise SettingsError("filter: setting 'languages' needs at least one language code (e.g. en)")
    for k in FILE_SETTINGS:
        if s[k] and "{lang}" not in s[k] and not os.path.exists(s[k]):
            raise SettingsError(f"filter: setting {k!r}: file not found: {s[k]}")
    if s["sentencepiece_model"] and not s["kenlm_model"]:
        raise SettingsError("filter: 'sentencepiece_model' is given but 'kenlm_model' is not")
    from obelics.filters.languages import check_settings  # languages imports this module

    check_settings(s)
    return s
