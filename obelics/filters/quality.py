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

The fast path (:class:`TextMetrics`) tokenises a batch of paragraphs once and computes every
metric of all of them together with numpy: the words found on the code points (a token's
first to last letter, as the regex of :func:`words`) and identified by 64-bit hashes, the word
lists looked up by hash in one numpy hash table, n-grams counted by 64-bit rolling hashes and
sorts of cache-sized blocks of whole paragraphs; :func:`reference_metrics` is the plain
one-text-at-a-time version the tests check it against.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from obelics.filters.config import RATIO_METRICS

PUNCTUATION = ",;:?!."
_PUNCT_TOKEN_RE = re.compile(r"[\w']+")
_MASK64 = (1 << 64) - 1
_PRIME = np.uint64(1099511628211)  # FNV prime; any odd 64-bit multiplier works for a rolling hash

# Bits of a word's code in the word-list table.
STOP, FLAGGED, SPAM, COMMON = 1, 2, 4, 8
LIST_BITS = {"stopwords": STOP, "flagged_words": FLAGGED, "spam_words": SPAM, "common_words": COMMON}

METRICS = ("words", *RATIO_METRICS)


# Code points that can be letters, marks or alphanumerics (Unicode 14-16: nothing above but these).
_SCAN = (range(0, 0x323B0), range(0xE0000, 0xE1000))
LETTER, WORDCHAR, MARK, SPACE = 1, 2, 4, 8  # bits of the per-code-point table


@functools.lru_cache(maxsize=1)
def char_table() -> np.ndarray:
    """A uint8 per code point: LETTER (category L*/M*), WORDCHAR (regex ``[\\w']``), MARK (``, ; : ? ! .``),
    SPACE (``str.isspace``: the regex ``\\s``, so the separators of the words' tokens)."""
    t = np.zeros(0x110000, dtype=np.uint8)
    for r in _SCAN:
        for cp in r:
            ch = chr(cp)
            v = LETTER if unicodedata.category(ch)[0] in "LM" else 0
            if ch.isalnum():
                v |= WORDCHAR
            if ch.isspace():
                v |= SPACE
            if v:
                t[cp] = v
    t[ord("_")] |= WORDCHAR
    t[ord("'")] |= WORDCHAR
    for c in PUNCTUATION:
        t[ord(c)] |= MARK
    return t


@functools.lru_cache(maxsize=8)
def mark_table(punctuation: str) -> np.ndarray:
    """:func:`char_table` with MARK on the characters of ``punctuation`` instead of ``, ; : ? ! .``."""
    if punctuation == PUNCTUATION:
        return char_table()
    t = char_table().copy()
    t &= ~np.uint8(MARK)
    for c in punctuation:
        t[ord(c)] |= MARK
    return t


def _class(lo: int, hi: int) -> str:
    """A regex character class body for the letters between two code points."""
    letters = np.flatnonzero(char_table()[lo : hi + 1] & LETTER) + lo
    if not len(letters):
        return ""
    breaks = np.flatnonzero(np.diff(letters) > 1)
    firsts = np.concatenate(([letters[0]], letters[breaks + 1]))
    lasts = np.concatenate((letters[breaks], [letters[-1]]))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in zip(firsts, lasts)
    )


@functools.lru_cache(maxsize=1)
def _regexes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Word regexes for lower-cased ASCII, BMP and any text (a big class with astral ranges is slow in ``re``)."""
    bmp = _class(0, 0xFFFF)
    full = bmp + _class(0x10000, 0x10FFFF)
    # A word: from the first to the last non-special character of a whitespace-free token.
    return (
        re.compile(r"[a-z](?:\S*[a-z])?"),
        re.compile(f"[{bmp}](?:\\S*[{bmp}])?"),
        re.compile(f"[{full}](?:\\S*[{full}])?"),
    )


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _find_words(low: str) -> list[str]:
    ascii_re, bmp_re, full_re = _regexes()
    if low.isascii():
        return ascii_re.findall(low)
    if _ASTRAL.search(low) is None:
        return bmp_re.findall(low)
    return full_re.findall(low)


def is_special(ch: str) -> bool:
    """True for a character the metrics count as special (not a letter or mark)."""
    return unicodedata.category(ch)[0] not in "LM"


def words(text: str) -> list[str]:
    """The words of a text: whitespace tokens, lower-cased, stripped of special characters at both ends."""
    return _find_words(text.lower())


def special_character_count(text: str) -> int:
    return sum(1 for c in text if is_special(c))


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
_POW: dict[str, np.ndarray] = {"p": np.ones(1, dtype=np.uint64), "q": np.ones(1, dtype=np.uint64)}
_INV_PRIME = np.uint64(pow(int(_PRIME), -1, 1 << 64))  # P is odd, so it has an inverse modulo 2**64


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**k and P**-k modulo 2**64 for k < n (cached, grown as needed)."""
    if len(_POW["p"]) < n:
        size = max(n, 2 * len(_POW["p"]), 4096)
        for key, base in (("p", _PRIME), ("q", _INV_PRIME)):
            a = np.full(size, base, dtype=np.uint64)
            a[0] = 1
            _POW[key] = np.cumprod(a, dtype=np.uint64)  # wraps modulo 2**64
    return _POW["p"], _POW["q"]


def _rolling(values: np.ndarray, n: int) -> np.ndarray:
    """64-bit polynomial hashes ``sum(v[i+j] * P**(n-1-j))`` of every window of ``n`` consecutive values.

    Computed from one prefix sum (arithmetic modulo 2**64):
    ``hash(i) = (S[i+n] - S[i]) * P**(i+n-1)`` with ``S[k] = sum(v[j] * P**-j, j < k)``."""
    m = len(values) - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint64)
    if values.dtype.kind != "u":  # unsigned: the products stay uint64 (a signed array would make floats)
        values = values.astype(np.uint64)
    p, q = _powers(len(values) + 1)
    s = np.empty(len(values) + 1, dtype=np.uint64)
    s[0] = 0
    np.cumsum(values * q[: len(values)], out=s[1:])
    h = s[n:] - s[:m]
    h *= p[n - 1 : n - 1 + m]
    return h


def _mix(h: np.ndarray) -> np.ndarray:
    """A bijection of 64-bit values whose high bits depend on every input bit (xor-shift, then an odd multiply)."""
    h = h ^ (h >> np.uint64(32))
    h *= np.uint64(0x9E3779B97F4A7C15)
    return h


def _sort_by_segment(keys: np.ndarray, seg: np.ndarray | None, block: int = 4096) -> None:
    """Sort ``keys`` in place, whose top bits are ``seg`` (non-decreasing along ``keys``).

    Sorted in blocks of whole segments of about ``block`` keys: as the segment leads the key, the
    blocks sorted one by one are the whole array sorted, and sorts that fit in the cache are
    about twice as fast as one sort of a batch's hundreds of thousands of n-grams."""
    n = len(keys)
    if seg is None or n <= 2 * block:
        keys.sort()
        return
    cuts = np.searchsorted(seg, seg[block::block])  # the start of the segment at each multiple of block
    cuts = np.unique(np.concatenate(([0], cuts, [n])))
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        keys[a:b].sort()


def _group_counts(hashes: np.ndarray, seg: np.ndarray | None, nseg: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (segment, hash) pairs: their segment and number of occurrences.

    The segment goes into the top bits of the key (the hash keeps the rest, 48+ bits), so one
    plain sort groups by segment and hash at once."""
    if len(hashes) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    bits = max(1, int(nseg - 1).bit_length()) if nseg > 1 else 0
    if bits:
        shift = np.uint64(64 - bits)
        keys = _mix(hashes) >> np.uint64(bits)  # mixed first: the low bits of a polynomial hash are weak
        keys |= seg.astype(np.uint64) << shift
    else:
        keys = hashes.copy()
    _sort_by_segment(keys, seg if bits else None)
    start = np.empty(len(keys), dtype=bool)
    start[0] = True
    np.not_equal(keys[1:], keys[:-1], out=start[1:])
    idx = np.flatnonzero(start)
    counts = np.diff(np.append(idx, len(keys)))
    useg = (keys[idx] >> shift).astype(np.int64) if bits else np.zeros(len(idx), dtype=np.int64)
    return useg, counts


def char_repetition_by_segment(hashes: np.ndarray, seg: np.ndarray | None, nseg: int) -> np.ndarray:
    """The character repetition ratio of each segment from its n-gram hashes."""
    out = np.zeros(nseg)
    useg, counts = _group_counts(hashes, seg, nseg)
    if len(counts) == 0:
        return out
    total = np.bincount(useg, weights=counts, minlength=nseg)
    distinct = np.bincount(useg, minlength=nseg)
    rep = counts > 1
    if not rep.any():
        return out
    rseg, rc = useg[rep], counts[rep]
    repeated = np.bincount(rseg, minlength=nseg)
    k = np.minimum(np.floor(np.sqrt(distinct)), repeated).astype(np.int64)
    # the repeated n-grams of each segment by decreasing count, in one integer sort
    top_c = int(rc.max())
    comb = rseg * (top_c + 1) + (top_c - rc)
    comb.sort()
    seg_s = comb // (top_c + 1)
    c_s = top_c - comb % (top_c + 1)
    first = np.searchsorted(seg_s, np.arange(nseg))
    rank = np.arange(len(seg_s)) - first[seg_s]
    keep = rank < k[seg_s]
    top = np.bincount(seg_s[keep], weights=c_s[keep], minlength=nseg)
    np.divide(top, total, out=out, where=total > 0)
    return out


def word_repetition_by_segment(hashes: np.ndarray, seg: np.ndarray | None, nseg: int) -> np.ndarray:
    """The word repetition ratio of each segment from its word n-gram hashes."""
    out = np.zeros(nseg)
    useg, counts = _group_counts(hashes, seg, nseg)
    if len(counts) == 0:
        return out
    total = np.bincount(useg, weights=counts, minlength=nseg)
    rep = counts > 1
    repeated = np.bincount(useg[rep], weights=counts[rep], minlength=nseg)
    np.divide(repeated, total, out=out, where=total > 0)
    return out


_LONG_WORD = 64  # words longer than this get Python's (keyed) string hash instead of the polynomial one
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def word_hashes(cps: np.ndarray, first: np.ndarray, end: np.ndarray, text: str) -> np.ndarray:
    """A 64-bit hash of each word ``text[first:end]`` (``cps``: the code points of ``text``), whatever its position.

    The polynomial hash of its code points (from one prefix sum, as :func:`_rolling`), its length
    folded in, mixed; a word longer than ``_LONG_WORD`` characters (where crafted collisions of a
    polynomial hash modulo 2**64 exist) gets Python's ``hash`` of the string instead. Equal words
    get equal hashes; the word lists are looked up and word n-grams counted by these hashes."""
    if len(first) == 0:
        return np.empty(0, dtype=np.uint64)
    p, q = _powers(len(cps) + 1)
    s = np.empty(len(cps) + 1, dtype=np.uint64)
    s[0] = 0
    np.cumsum(q[: len(cps)] * cps.astype(np.uint32, copy=False), out=s[1:])
    h = s[end] - s[first]
    h *= p[first]
    length = (end - first).astype(np.uint64)
    h += length * _GOLDEN
    h = _mix(_mix(h))
    for i in np.flatnonzero(length > _LONG_WORD):
        h[i] = _mix(np.array([hash(text[first[i] : end[i]])], dtype=np.int64).view(np.uint64))[0]
    return h


class WordTable:
    """Word lists as one lookup table: word -> bit mask (stop, flagged, spam, common).

    ``table`` is the plain dict; the metrics use an open-addressing hash table in numpy arrays
    keyed by :func:`word_hashes`, so a batch's words are looked up all at once."""

    def __init__(self, lists: dict[str, Iterable[str]]) -> None:
        # the big common-word list in one C-level call, then the small lists on top
        table: dict[str, int] = dict.fromkeys(lists.get("common_words", ()), COMMON)
        for name, bit in LIST_BITS.items():
            if name != "common_words":
                for w in lists.get(name, ()):
                    table[w] = table.get(w, 0) | bit
        self.table = table
        self._build(table)

    def _build(self, table: dict[str, int]) -> None:
        words = [w for w in table if w]
        keys = np.empty(len(words), dtype=np.uint64)
        for a in range(0, len(words), 20000):  # chunks: the powers of P stay small
            part = words[a : a + 20000]
            text = "".join(part)
            lengths = np.fromiter(map(len, part), dtype=np.int64, count=len(part))
            end = np.cumsum(lengths)
            cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            keys[a : a + len(part)] = word_hashes(cps, end - lengths, end, text)
        values = np.fromiter(map(table.__getitem__, words), dtype=np.uint8, count=len(words))
        # two words with one hash (odds ~2**-64 per pair) share their bits
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
        if len(keys):
            start = np.concatenate(([True], keys[1:] != keys[:-1]))
            idx = np.flatnonzero(start)
            keys, values = keys[idx], np.bitwise_or.reduceat(values, idx)
        self._bits = max(4, int(4 * len(keys)).bit_length())  # load factor under 1/4
        size = 1 << self._bits
        self._keys = np.zeros(size, dtype=np.uint64)
        self._values = np.zeros(size, dtype=np.uint8)
        self._used = np.zeros(size, dtype=bool)
        mask = np.uint64(size - 1)
        pos = self._home(keys)
        pending = np.arange(len(keys))
        while len(pending):  # linear probing, all keys at once: one winner per free slot and round
            p = pos[pending]
            free = ~self._used[p]
            cand, pc = pending[free], p[free]
            _, first = np.unique(pc, return_index=True)
            win = cand[first]
            self._used[pos[win]] = True
            self._keys[pos[win]] = keys[win]
            self._values[pos[win]] = values[win]
            placed = np.zeros(len(keys), dtype=bool)
            placed[win] = True
            pending = pending[~placed[pending]]
            pos[pending] = (pos[pending] + np.uint64(1)) & mask

    def _home(self, h: np.ndarray) -> np.ndarray:
        return h >> np.uint64(64 - self._bits)

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """The bits of each word given by its :func:`word_hashes` value (0: in no list)."""
        out = np.zeros(len(hashes), dtype=np.uint8)
        mask = np.uint64(len(self._keys) - 1)
        pos = self._home(hashes)
        pending = np.arange(len(hashes))
        while len(pending):
            used = self._used[pos]
            hit = used & (self._keys[pos] == hashes[pending])
            out[pending[hit]] = self._values[pos[hit]]
            go_on = used & ~hit
            pending = pending[go_on]
            pos = (pos[go_on] + np.uint64(1)) & mask
        return out

    def codes(self, ws: list[str]) -> np.ndarray:
        return np.fromiter(map(self.table.get, ws, itertools.repeat(0, len(ws))), dtype=np.uint8, count=len(ws))


SEP = "\n\n"


@dataclass
class Segments:
    """The paragraphs of a document analysed once (joined by ``\\n\\n``, as the document text)."""

    texts: list[str]
    lengths: np.ndarray  # characters per paragraph
    starts: np.ndarray  # offset of each paragraph in the joined text
    letters: np.ndarray  # letters and marks per paragraph (the rest is special)
    marks: np.ndarray  # , ; : ? ! . per paragraph
    ptokens: np.ndarray  # tokens of the punctuation tokenisation per paragraph
    nwords: np.ndarray  # words per paragraph
    woff: np.ndarray  # offset of each paragraph's first word in the arrays below
    word_hashes: np.ndarray  # one per word, all paragraphs
    codes: np.ndarray  # word-list bits per word
    char_codes: np.ndarray  # code points of the joined text


class TextMetrics:
    """Computes every metric for the paragraphs of a document and for the document, in one pass.

    The defaults are the English definitions above. For another language: ``casefold`` folds
    case as its word lists were (``str.casefold``, so ``ß`` matches ``ss``), ``punctuation``
    adds the script's marks (``，。、`` ...), and ``segmenter`` (see :mod:`obelics.filters.segment`)
    gives the words of unsegmented scripts: a word is then a segmenter token from its first
    to its last letter, and the punctuation ratio's tokens are the words and the marks."""

    def __init__(
        self,
        table: WordTable,
        char_n: int = 10,
        word_n: int = 5,
        *,
        segmenter=None,
        casefold: bool = False,
        punctuation: str = PUNCTUATION,
    ) -> None:
        self.table = table
        self.char_n = char_n
        self.word_n = word_n
        self.segmenter = segmenter
        self.casefold = casefold
        self._chars = mark_table(punctuation)

    def tokenise(self, texts: list[str]) -> Segments:
        k = len(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=k)
        starts = np.zeros(k, dtype=np.int64)
        if k > 1:
            np.cumsum(lengths[:-1] + len(SEP), out=starts[1:])
        joined = SEP.join(texts)
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        flags = self._chars[cps]
        if len(cps):
            letters = np.add.reduceat(flags & LETTER, starts, dtype=np.int64)
            marks = np.add.reduceat((flags & MARK) >> 2, starts, dtype=np.int64)
            wc = (flags & WORDCHAR) > 0
            run_start = wc.copy()
            run_start[1:] &= ~wc[:-1]
            ptokens = marks + np.add.reduceat(run_start, starts, dtype=np.int64)
        else:
            letters = marks = ptokens = np.zeros(k, dtype=np.int64)
        # words: in each lower-cased paragraph, every whitespace-delimited token with a letter, from
        # its first to its last letter (the regex of ``words``), found on the code points at once
        lows = [t.casefold() for t in texts] if self.casefold else [t.lower() for t in texts]
        low = SEP.join(lows)
        lcps = cps if low == joined else np.frombuffer(low.encode("utf-32-le"), dtype=np.uint32)
        lflags = self._chars[lcps]
        letter_at = np.flatnonzero(lflags & LETTER)
        if len(low) == len(joined):
            lstarts = starts
        else:
            llen = np.fromiter(map(len, lows), dtype=np.int64, count=k)
            lstarts = np.zeros(k, dtype=np.int64)
            if k > 1:
                np.cumsum(llen[:-1] + len(SEP), out=lstarts[1:])
        if self.segmenter is not None:
            first, end = self._segment(lows, lstarts, letter_at)
        else:
            token = np.cumsum((lflags & SPACE) > 0, dtype=np.int32)[letter_at]  # the token of each letter
            new = np.empty(len(letter_at), dtype=bool)
            new[:1] = True
            np.not_equal(token[1:], token[:-1], out=new[1:])
            first = letter_at[new]
            new[:-1] = new[1:]
            new[-1:] = True
            end = letter_at[new] + 1
        woff = np.searchsorted(first, lstarts)
        nwords = np.diff(np.append(woff, len(first)))
        if self.segmenter is not None and len(cps):
            ptokens = marks + nwords
        hashes = word_hashes(lcps, first, end, low)
        return Segments(
            texts=texts,
            lengths=lengths,
            starts=starts,
            letters=letters,
            marks=marks,
            ptokens=ptokens,
            nwords=nwords,
            woff=woff,
            word_hashes=hashes,
            codes=self.table.lookup(hashes),
            char_codes=cps,
        )

    def _segment(self, lows: list[str], lstarts: np.ndarray, letter_at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Word starts and ends (in the joined lower-cased text) from the segmenter's tokens, trimmed to letters."""
        spans = [(s0 + a, s0 + b) for s0, t in zip(lstarts.tolist(), lows) for a, b in self.segmenter.spans(t)]
        if not spans or not len(letter_at):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        a, b = np.array(spans, dtype=np.int64).T
        i = np.searchsorted(letter_at, a)
        j = np.searchsorted(letter_at, b) - 1
        ok = (i < len(letter_at)) & (j >= i)
        return letter_at[i[ok]], letter_at[j[ok]] + 1

    def metrics(self, seg: Segments, punctuation_min_words: int = 0) -> dict[str, np.ndarray]:
        """Every metric of each paragraph of ``seg`` as arrays (index = paragraph)."""
        k = len(seg.texts)
        n = self.char_n
        out: dict[str, np.ndarray] = {"words": seg.nwords}
        # character n-grams of the joined text that lie inside one paragraph
        h = _rolling(seg.char_codes, n)
        if len(h):
            para = np.repeat(np.arange(k), seg.lengths + len(SEP))[: len(h)]
            inside = np.arange(n, len(h) + n) <= (seg.starts + seg.lengths)[para]
            out["char_repetition"] = char_repetition_by_segment(h[inside], para[inside], k)
        else:
            out["char_repetition"] = np.zeros(k)
        # word n-grams inside one paragraph
        m = self.word_n
        g = _rolling(seg.word_hashes, m)
        if len(g):
            wpara = np.repeat(np.arange(k), seg.nwords)[: len(g)]
            inside = np.arange(m, len(g) + m) <= (seg.woff + seg.nwords)[wpara]
            out["word_repetition"] = word_repetition_by_segment(g[inside], wpara[inside], k)
        else:
            out["word_repetition"] = np.zeros(k)
        out["special_characters"] = _ratio(seg.lengths - seg.letters, seg.lengths)
        # hits of the four lists per paragraph from one cumulative sum over the words' bits
        bits = np.unpackbits(seg.codes.reshape(-1, 1), axis=1)[:, ::-1][:, :4]  # columns: bit 1, 2, 4, 8
        cs = np.zeros((len(bits) + 1, 4), dtype=np.int64)
        np.cumsum(bits, axis=0, out=cs[1:])
        hits = cs[seg.woff + seg.nwords] - cs[seg.woff]
        for col, name in enumerate(LIST_BITS):
            out[name] = _ratio(hits[:, col], seg.nwords)
        punct = _ratio(seg.marks, seg.ptokens)
        if punctuation_min_words > 0:
            punct = np.where((seg.ptokens > 0) & (seg.ptokens < punctuation_min_words), 1.0, punct)
        out["punctuation"] = punct
        return out

    def join(self, seg: Segments, groups: np.ndarray, use: np.ndarray | None = None) -> Segments:
        """New segments: the paragraphs of ``seg`` (those in ``use``) of each group joined by ``\\n\\n``.

        ``groups[i]`` is the group (document) of paragraph ``i``, non-decreasing; groups with no
        used paragraph are left out. Nothing is tokenised again: counts are summed, the words'
        arrays selected, only the characters of the joined texts are encoded anew."""
        use = np.ones(len(seg.texts), dtype=bool) if use is None else np.asarray(use, dtype=bool)
        idx = np.flatnonzero(use)
        g = np.asarray(groups)[idx]
        texts: list[str] = []
        if len(idx):
            bounds = np.flatnonzero(np.diff(g)) + 1
            for part in np.split(idx, bounds):
                texts.append(SEP.join([seg.texts[i] for i in part]))
            first = np.concatenate(([0], bounds))
        else:
            first = np.zeros(0, dtype=np.int64)
        ng = len(texts)

        def per_group(a: np.ndarray) -> np.ndarray:
            return np.add.reduceat(a[idx], first) if ng else np.zeros(0, dtype=np.int64)

        nwords = per_group(seg.nwords)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=ng)
        starts = np.zeros(ng, dtype=np.int64)
        woff = np.zeros(ng, dtype=np.int64)
        if ng > 1:
            np.cumsum(lengths[:-1] + len(SEP), out=starts[1:])
            np.cumsum(nwords[:-1], out=woff[1:])
        wmask = np.repeat(use, seg.nwords)
        return Segments(
            texts=texts,
            lengths=lengths,
            starts=starts,
            letters=per_group(seg.letters),
            marks=per_group(seg.marks),
            ptokens=per_group(seg.ptokens),
            nwords=nwords,
            woff=woff,
            word_hashes=seg.word_hashes[wmask],
            codes=seg.codes[wmask],
            char_codes=np.frombuffer(SEP.join(texts).encode("utf-32-le"), dtype=np.uint32),
        )

    def document_metrics(self, seg: Segments, keep: np.ndarray | None = None) -> dict[str, float]:
        """Every metric of the paragraphs of ``seg`` (those in ``keep``) joined by ``\\n\\n``, as one text."""
        joined = self.join(seg, np.zeros(len(seg.texts), dtype=np.int64), keep)
        if not joined.texts:
            return dict.fromkeys(METRICS, 0.0)
        return {k: float(v[0]) for k, v in self.metrics(joined).items()}


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(len(den))
    np.divide(num, den, out=out, where=den > 0)
    return out
