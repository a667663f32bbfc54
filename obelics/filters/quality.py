"""Text quality metrics of the OBELICS / BigScience filters, computed fast.

Definitions (those of the OBELICS filtering code, on which its cutoffs were tuned):

- **words**: the text split on whitespace, lower-cased, each token stripped of special
  characters at both ends, empty tokens dropped (``"3rd-party!"`` -> ``"rd-party"``).
- **special characters**: every character that is not a letter or a combining mark
  (Unicode categories L* and M*): punctuation, symbols and emoji, digits, whitespace.
  ``special_character_ratio`` = special characters / characters.
- **character n-gram repetition ratio** (n=10): count the character n-grams of the text;
  take the ``k = min(floor(sqrt(distinct)), distinct n-grams seen more than once)`` most
  frequent ones; ratio = their occurrences / all n-gram occurrences.
- **word n-gram repetition ratio** (n=5): over the word n-grams, occurrences of n-grams
  seen more than once / all occurrences.
- **stop / flagged / spam / common word ratio**: words found in the list / words.
- **punctuation ratio**: the text tokenised as ``[\\w']+`` runs and single ``, ; : ? ! .``
  marks; ratio = marks / tokens. At paragraph level a paragraph with fewer than
  ``punctuation_min_words`` tokens gets 1.0 (too short to judge).

The fast path (:class:`TextMetrics`) tokenises a document once and computes every metric
of all its paragraphs together with numpy (n-gram counting by 64-bit rolling hashes, one
sort per document); :func:`reference_metrics` is the plain one-text-at-a-time version the
tests check it against.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PUNCTUATION = ",;:?!."
_PUNCT_TOKEN_RE = re.compile(r"[\w']+")
_MASK64 = (1 << 64) - 1
_PRIME = np.uint64(1099511628211)  # FNV prime; any odd 64-bit multiplier works for a rolling hash

# Bits of a word's code in the word-list table.
STOP, FLAGGED, SPAM, COMMON = 1, 2, 4, 8
LIST_BITS = {"stopwords": STOP, "flagged_words": FLAGGED, "spam_words": SPAM, "common_words": COMMON}

METRICS = (
    "words",
    "char_repetition",
    "word_repetition",
    "special_characters",
    "stopwords",
    "flagged_words",
    "punctuation",
    "spam_words",
    "common_words",
)


@functools.lru_cache(maxsize=1)
def _letter_class() -> str:
    """A regex character class body matching letters and marks (categories L*, M*)."""
    ranges: list[tuple[int, int]] = []
    start = None
    last = 0x323AF  # past the last assigned letter of current Unicode; above it all counts as special
    for cp in range(last + 1):
        ok = unicodedata.category(chr(cp))[0] in "LM"
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            ranges.append((start, cp - 1))
            start = None
    if start is not None:
        ranges.append((start, last))
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


@functools.lru_cache(maxsize=1)
def _regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    letters = _letter_class()
    # A word: from the first to the last non-special character of a whitespace-free token.
    word_re = re.compile(f"[{letters}](?:\\S*[{letters}])?")
    letter_run_re = re.compile(f"[{letters}]+")
    return word_re, letter_run_re


def is_special(ch: str) -> bool:
    """True for a character the metrics count as special (not a letter or mark)."""
    return unicodedata.category(ch)[0] not in "LM"


def words(text: str) -> list[str]:
    """The words of a text: whitespace tokens, lower-cased, stripped of special characters at both ends."""
    return _regexes()[0].findall(text.lower())


def special_character_count(text: str) -> int:
    return len(text) - sum(map(len, _regexes()[1].findall(text)))


def punctuation_counts(text: str) -> tuple[int, int]:
    """(punctuation marks, tokens) under the ``[\\w']+|[,;:?!.]`` tokenisation."""
    marks = sum(text.count(c) for c in PUNCTUATION)
    return marks, marks + len(_PUNCT_TOKEN_RE.findall(text))


# ---------------------------------------------------------------------------------------------
# Reference implementation: one text at a time, plain Python (the definitions, spelled out).
# ---------------------------------------------------------------------------------------------
def char_repetition_ratio(text: str, n: int = 10) -> float:
    grams = Counter(text[i : i + n] for i in range(len(text) - n + 1))
    if not grams:
        return 0.0
    freqs = sorted(grams.values(), reverse=True)
    repeated = sum(1 for f in freqs if f > 1)
    k = min(math.isqrt(len(freqs)), repeated)
    return sum(freqs[:k]) / sum(freqs)


def word_repetition_ratio(ws: Sequence[str], n: int = 5) -> float:
    grams = Counter(tuple(ws[i : i + n]) for i in range(len(ws) - n + 1))
    if not grams:
        return 0.0
    return sum(f for f in grams.values() if f > 1) / sum(grams.values())


def reference_metrics(
    text: str,
    lists: dict[str, frozenset[str]],
    *,
    char_n: int = 10,
    word_n: int = 5,
    punctuation_min_words: int = 0,
) -> dict[str, float]:
    """Every metric of one text, computed directly from the definitions."""
    ws = words(text)
    n = len(ws)
    out: dict[str, float] = {
        "words": n,
        "char_repetition": char_repetition_ratio(text, char_n),
        "word_repetition": word_repetition_ratio(ws, word_n),
        "special_characters": special_character_count(text) / len(text) if text else 0.0,
    }
    for name in ("stopwords", "flagged_words", "spam_words", "common_words"):
        words_in = lists.get(name, frozenset())
        out[name] = sum(w in words_in for w in ws) / n if n else 0.0
    marks, tokens = punctuation_counts(text)
    if not tokens:
        out["punctuation"] = 0.0
    elif punctuation_min_words > 0 and tokens < punctuation_min_words:
        out["punctuation"] = 1.0
    else:
        out["punctuation"] = marks / tokens
    return out


# ---------------------------------------------------------------------------------------------
# Fast path: all paragraphs of a document at once.
# ---------------------------------------------------------------------------------------------
def _rolling(values: np.ndarray, n: int) -> np.ndarray:
    """64-bit polynomial hashes of every window of ``n`` consecutive values."""
    m = len(values) - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint64)
    h = values[:m].copy()
    for j in range(1, n):
        h *= _PRIME
        h += values[j : j + m]
    return h


def _group_counts(keys: np.ndarray, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (segment, key) pairs: their segment and their number of occurrences."""
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = np.lexsort((keys, seg))
    k = keys[order]
    s = seg[order]
    start = np.empty(len(k), dtype=bool)
    start[0] = True
    np.not_equal(k[1:], k[:-1], out=start[1:])
    start[1:] |= s[1:] != s[:-1]
    idx = np.flatnonzero(start)
    counts = np.diff(np.append(idx, len(k)))
    return s[idx].astype(np.int64), counts


def char_repetition_by_segment(hashes: np.ndarray, seg: np.ndarray, nseg: int) -> np.ndarray:
    """The character repetition ratio of each segment from its n-gram hashes."""
    out = np.zeros(nseg)
    rseg, counts = _group_counts(hashes, seg)
    if len(counts) == 0:
        return out
    total = np.bincount(rseg, weights=counts, minlength=nseg)
    distinct = np.bincount(rseg, minlength=nseg)
    repeated = np.bincount(rseg, weights=counts > 1, minlength=nseg)
    k = np.minimum(np.floor(np.sqrt(distinct)), repeated).astype(np.int64)
    # rank the runs of each segment by decreasing count
    order = np.lexsort((-counts, rseg))
    rseg_s = rseg[order]
    counts_s = counts[order]
    first = np.searchsorted(rseg_s, np.arange(nseg))
    rank = np.arange(len(rseg_s)) - first[rseg_s]
    keep = rank < k[rseg_s]
    top = np.bincount(rseg_s[keep], weights=counts_s[keep], minlength=nseg)
    np.divide(top, total, out=out, where=total > 0)
    return out


def word_repetition_by_segment(hashes: np.ndarray, seg: np.ndarray, nseg: int) -> np.ndarray:
    """The word repetition ratio of each segment from its word n-gram hashes."""
    out = np.zeros(nseg)
    rseg, counts = _group_counts(hashes, seg)
    if len(counts) == 0:
        return out
    total = np.bincount(rseg, weights=counts, minlength=nseg)
    rep = np.bincount(rseg, weights=np.where(counts > 1, counts, 0), minlength=nseg)
    np.divide(rep, total, out=out, where=total > 0)
    return out


def _char_codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _word_hashes(ws: list[str]) -> np.ndarray:
    return np.fromiter(map(hash, ws), dtype=np.int64, count=len(ws)).view(np.uint64)


class WordTable:
    """Word lists as one lookup table: word -> bit mask (stop, flagged, spam, common)."""

    def __init__(self, lists: dict[str, Iterable[str]]) -> None:
        # the big common-word list in one C-level call, then the small lists on top
        table: dict[str, int] = dict.fromkeys(lists.get("common_words", ()), COMMON)
        for name, bit in LIST_BITS.items():
            if name != "common_words":
                for w in lists.get(name, ()):
                    table[w] = table.get(w, 0) | bit
        self.table = table

    def codes(self, ws: list[str]) -> np.ndarray:
        get = self.table.get
        return np.fromiter((get(w, 0) for w in ws), dtype=np.uint8, count=len(ws))


@dataclass
class Segments:
    """Texts tokenised once: per-text words, word hashes, list codes and character counts."""

    texts: list[str]
    words: list[list[str]]
    word_hashes: list[np.ndarray]
    codes: list[np.ndarray]
    special: np.ndarray  # special characters per text
    lengths: np.ndarray  # characters per text
    marks: np.ndarray  # punctuation marks per text
    ptokens: np.ndarray  # punctuation-tokenisation tokens per text


class TextMetrics:
    """Computes every metric for many texts (the paragraphs of a document) in one pass."""

    def __init__(self, table: WordTable, char_n: int = 10, word_n: int = 5) -> None:
        self.table = table
        self.char_n = char_n
        self.word_n = word_n
        self._word_re, self._letter_re = _regexes()

    def tokenise(self, texts: list[str]) -> Segments:
        word_re = self._word_re.findall
        letter_re = self._letter_re.findall
        ws = [word_re(t.lower()) for t in texts]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        letters = np.fromiter((sum(map(len, letter_re(t))) for t in texts), dtype=np.int64, count=len(texts))
        marks = np.fromiter(
            (t.count(".") + t.count(",") + t.count(";") + t.count(":") + t.count("?") + t.count("!") for t in texts),
            dtype=np.int64,
            count=len(texts),
        )
        ptok = _PUNCT_TOKEN_RE.findall
        ptokens = marks + np.fromiter((len(ptok(t)) for t in texts), dtype=np.int64, count=len(texts))
        codes_fn = self.table.codes
        return Segments(
            texts=texts,
            words=ws,
            word_hashes=[_word_hashes(w) for w in ws],
            codes=[codes_fn(w) for w in ws],
            special=lengths - letters,
            lengths=lengths,
            marks=marks,
            ptokens=ptokens,
        )

    def metrics(self, seg: Segments, punctuation_min_words: int = 0) -> dict[str, np.ndarray]:
        """Every metric of each text of ``seg`` as arrays (index = text)."""
        k = len(seg.texts)
        nwords = np.fromiter(map(len, seg.words), dtype=np.int64, count=k)
        out: dict[str, np.ndarray] = {"words": nwords}
        # character n-grams: hash the texts joined by a separator, keep n-grams inside one text
        joined = "\x00".join(seg.texts)
        h = _rolling(_char_codes(joined), self.char_n)
        starts = np.cumsum(np.concatenate(([0], seg.lengths[:-1] + 1)))
        cseg = np.repeat(np.arange(k), seg.lengths + 1)[: len(joined)]
        if len(h):
            pos = np.arange(len(h))
            inside = pos + self.char_n <= starts[cseg[: len(h)]] + seg.lengths[cseg[: len(h)]]
            out["char_repetition"] = char_repetition_by_segment(h[inside], cseg[: len(h)][inside], k)
        else:
            out["char_repetition"] = np.zeros(k)
        # word n-grams, inside each text
        n = self.word_n
        grams = [_rolling(wh, n) for wh in seg.word_hashes]
        gseg = np.repeat(np.arange(k), [len(g) for g in grams])
        allg = np.concatenate(grams) if grams else np.empty(0, dtype=np.uint64)
        out["word_repetition"] = word_repetition_by_segment(allg, gseg, k)
        out["special_characters"] = _ratio(seg.special, seg.lengths)
        codes = np.concatenate(seg.codes) if seg.codes else np.empty(0, dtype=np.uint8)
        wseg = np.repeat(np.arange(k), nwords)
        for name, bit in LIST_BITS.items():
            hits = np.bincount(wseg, weights=(codes & bit) > 0, minlength=k)
            out[name] = _ratio(hits, nwords)
        punct = _ratio(seg.marks, seg.ptokens)
        if punctuation_min_words > 0:
            punct = np.where((seg.ptokens > 0) & (seg.ptokens < punctuation_min_words), 1.0, punct)
        out["punctuation"] = punct
        return out

    def document_metrics(self, seg: Segments, keep: np.ndarray | None = None, sep: str = "\n\n") -> dict[str, float]:
        """Every metric of the texts of ``seg`` (those in ``keep``) joined by ``sep``, as one text."""
        idx = np.arange(len(seg.texts)) if keep is None else np.flatnonzero(keep)
        texts = [seg.texts[i] for i in idx]
        full = sep.join(texts)
        nwords = int(sum(len(seg.words[i]) for i in idx))
        out: dict[str, float] = {"words": nwords}
        h = _rolling(_char_codes(full), self.char_n)
        out["char_repetition"] = float(char_repetition_by_segment(h, np.zeros(len(h), dtype=np.int64), 1)[0])
        wh = np.concatenate([seg.word_hashes[i] for i in idx]) if len(idx) else np.empty(0, dtype=np.uint64)
        g = _rolling(wh, self.word_n)
        out["word_repetition"] = float(word_repetition_by_segment(g, np.zeros(len(g), dtype=np.int64), 1)[0])
        nsep = max(len(idx) - 1, 0)
        sep_special = sum(1 for c in sep if is_special(c)) * nsep
        length = int(seg.lengths[idx].sum()) + len(sep) * nsep
        out["special_characters"] = (int(seg.special[idx].sum()) + sep_special) / length if length else 0.0
        codes = np.concatenate([seg.codes[i] for i in idx]) if len(idx) else np.empty(0, dtype=np.uint8)
        for name, bit in LIST_BITS.items():
            out[name] = int(np.count_nonzero(codes & bit)) / nwords if nwords else 0.0
        marks, tokens = int(seg.marks[idx].sum()), int(seg.ptokens[idx].sum())
        out["punctuation"] = marks / tokens if tokens else 0.0
        return out


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(len(den))
    np.divide(num, den, out=out, where=den > 0)
    return out
