"""Perplexity of a text under a KenLM n-gram model (as the OBELICS / CCNet filters compute it).

The text is normalised (control characters dropped, whitespace standardised, digits
written as 0, unicode punctuation mapped to ASCII, optionally lower-cased), tokenised into
SentencePiece pieces when a SentencePiece model is given (else split on whitespace), and
scored as one sentence with begin/end markers::

    perplexity = 10 ** (-log10 P(text) / (tokens + 1))

``kenlm`` and ``sentencepiece`` are imported only when a model is loaded.
"""

from __future__ import annotations

import os
import re

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACE_RE = re.compile(r"\s+")
_DIGIT_RE = re.compile(r"\d")

# Unicode punctuation -> ASCII (the CCNet normalisation table, plus a few web favourites).
UNICODE_PUNCTUATION = {
    "，": ",",
    "。": ".",
    "、": ",",
    "„": '"',
    "”": '"',
    "“": '"',
    "«": '"',
    "»": '"',
    "１": '"',
    "」": '"',
    "「": '"',
    "《": '"',
    "》": '"',
    "´": "'",
    "∶": ":",
    "：": ":",
    "？": "?",
    "！": "!",
    "（": "(",
    "）": ")",
    "；": ";",
    "–": "-",
    "—": " - ",
    "．": ". ",
    "～": "~",
    "’": "'",
    "‘": "'",
    "…": "...",
    "━": "-",
    "〈": "<",
    "〉": ">",
    "【": "[",
    "】": "]",
    "％": "%",
    "►": "-",
}
_PUNCT_TABLE = str.maketrans(UNICODE_PUNCTUATION)


def normalize(text: str, lowercase: bool = False) -> str:
    """The text as the language model sees it (one line)."""
    text = _CONTROL_RE.sub("", text)
    text = _SPACE_RE.sub(" ", text).strip()
    if lowercase:
        text = text.lower()
    text = _DIGIT_RE.sub("0", text)
    return text.translate(_PUNCT_TABLE)


def perplexity_from_log10(log10_prob: float, tokens: int) -> float:
    """``10 ** (-log10 P / (tokens + 1))``: the +1 counts the end-of-sentence marker."""
    return 10.0 ** (-log10_prob / (tokens + 1))


class PerplexityModel:
    """A KenLM model (ARPA or binary) with an optional SentencePiece tokenizer."""

    def __init__(
        self,
        kenlm_model: str | os.PathLike,
        sentencepiece_model: str | os.PathLike | None = None,
        lowercase: bool = False,
    ) -> None:
        import kenlm

        if not os.path.isfile(kenlm_model):
            raise FileNotFoundError(f"KenLM model not found: {kenlm_model}")
        self.model = kenlm.Model(str(kenlm_model))
        self.sp = None
        if sentencepiece_model:
            import sentencepiece

            if not os.path.isfile(sentencepiece_model):
                raise FileNotFoundError(f"SentencePiece model not found: {sentencepiece_model}")
            self.sp = sentencepiece.SentencePieceProcessor()
            self.sp.Load(str(sentencepiece_model))
        self.lowercase = lowercase

    def tokens(self, text: str) -> list[str]:
        norm = normalize(text, self.lowercase)
        if not norm:
            return []
        if self.sp is not None:
            return list(self.sp.EncodeAsPieces(norm))
        return norm.split(" ")

    def perplexity(self, text: str) -> float:
        """The text's perplexity; ``inf`` for an empty text."""
        toks = self.tokens(text)
        if not toks:
            return float("inf")
        log10_prob = self.model.score(" ".join(toks), bos=True, eos=True)
        return perplexity_from_log10(log10_prob, len(toks))
