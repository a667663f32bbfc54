"""Word segmentation for scripts written without spaces (Chinese, Japanese).

A segmenter gives the words of a text as ``(start, end)`` character spans. Chinese uses
``jieba`` (its dictionary ships in the package), Japanese MeCab through ``fugashi`` with the
IPA dictionary of the ``ipadic`` package (the tokenisation wordfreq's Japanese list was built
with). Both come with ``pip install obelics[segmenters]`` and are imported only when a page in
such a language is filtered.

Phrases of a word list that the segmenter cuts into several words (flagged words such as
``他妈的``) are merged back into one word, so the list's entries are counted as written.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterable

SEGMENTERS = {"jieba": "jieba", "mecab": "fugashi and ipadic", "chars": ""}  # name -> package(s)
_MAX_PARTS = 8


class SegmenterMissing(RuntimeError):
    """The package of a segmenter is not installed."""


class Segmenter:
    """Word spans of a text, with some phrases kept whole."""

    name = ""

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        self._phrases: dict[str, set[str]] = {}  # first part -> phrases starting with it
        self._phrase_list = [p for p in phrases if p]

    def prepare_phrases(self) -> None:
        """Index the phrases by their first segment (after the tokenizer is ready)."""
        for p in self._phrase_list:
            parts = [p[a:b] for a, b in self._raw_spans(p)]
            if len(parts) > 1:
                self._phrases.setdefault(parts[0], set()).add(p)

    def _raw_spans(self, text: str) -> list[tuple[int, int]]:
        raise NotImplementedError

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The ``(start, end)`` of each token of ``text`` (whitespace left out), phrases merged."""
        spans = self._raw_spans(text)
        if not self._phrases:
            return spans
        out: list[tuple[int, int]] = []
        i, n = 0, len(spans)
        while i < n:
            a, b = spans[i]
            cands = self._phrases.get(text[a:b])
            if cands:
                for j in range(min(n, i + _MAX_PARTS), i + 1, -1):  # longest match first
                    if text[a : spans[j - 1][1]] in cands:
                        out.append((a, spans[j - 1][1]))
                        i = j
                        break
                else:
                    out.append((a, b))
                    i += 1
            else:
                out.append((a, b))
                i += 1
        return out


class JiebaSegmenter(Segmenter):
    name = "jieba"

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        super().__init__(phrases)
        try:
            import jieba
        except ImportError:
            raise SegmenterMissing("Chinese needs the jieba segmenter: pip install 'obelics[segmenters]'") from None
        jieba.setLogLevel(60)
        self._tk = jieba.Tokenizer()
        self._tk.initialize()
        self.prepare_phrases()

    def _raw_spans(self, text: str) -> list[tuple[int, int]]:
        return [(a, b) for w, a, b in self._tk.tokenize(text) if not w.isspace()]


class MecabSegmenter(Segmenter):
    name = "mecab"

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        super().__init__(phrases)
        try:
            import fugashi
            import ipadic
        except ImportError:
            raise SegmenterMissing(
                "Japanese needs MeCab (fugashi) with the ipadic dictionary: pip install 'obelics[segmenters]'"
            ) from None
        self._tagger = fugashi.GenericTagger(ipadic.MECAB_ARGS)
        self.prepare_phrases()

    def _raw_spans(self, text: str) -> list[tuple[int, int]]:
        out = []
        pos = 0
        for line in text.splitlines(keepends=True):  # MeCab reads one line at a time
            cursor = 0
            for node in self._tagger(line):
                s = node.surface
                a = line.find(s, cursor) if s else -1
                if a < 0:
                    continue
                cursor = a + len(s)
                out.append((pos + a, pos + cursor))
            pos += len(line)
        return out


# Scripts written without spaces: Thai, Lao, Tibetan, Myanmar, Khmer, kana, CJK ideographs (not Hangul)
UNSEGMENTED_RANGES = (
    "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)


def _marks_in(ranges: str) -> str:
    """A regex class body of the combining marks (category M*) inside the ranges."""
    import unicodedata

    out = []
    for lo, hi in re.findall(r"(.)-(.)", ranges):
        out += [re.escape(chr(c)) for c in range(ord(lo), ord(hi) + 1) if unicodedata.category(chr(c))[0] == "M"]
    return "".join(out)


class CharacterSegmenter(Segmenter):
    """Character-based words where no segmenter fits: each letter of an unsegmented script (with its
    combining marks) is a word, other text is split on whitespace."""

    name = "chars"
    _RE = re.compile(f"[{UNSEGMENTED_RANGES}][{_marks_in(UNSEGMENTED_RANGES)}]*|[^\\s{UNSEGMENTED_RANGES}]+")

    def __init__(self, phrases: Iterable[str] = ()) -> None:
        super().__init__(phrases)
        self.prepare_phrases()

    def _raw_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self._RE.finditer(text)]


_CLASSES = {"jieba": JiebaSegmenter, "mecab": MecabSegmenter, "chars": CharacterSegmenter}


def missing_packages(name: str) -> list[str]:
    """The packages of segmenter ``name`` that are not installed (checked without importing them)."""
    modules = {"jieba": ["jieba"], "mecab": ["fugashi", "ipadic"]}.get(name, [])
    return [m for m in modules if importlib.util.find_spec(m) is None]


@functools.lru_cache(maxsize=8)
def get_segmenter(name: str, phrases: frozenset[str] = frozenset()) -> Segmenter:
    """The segmenter called ``name`` (one per process and phrase list); SegmenterMissing without its package."""
    if name not in _CLASSES:
        raise ValueError(f"unknown segmenter {name!r}; known: {', '.join(_CLASSES)}")
    return _CLASSES[name](sorted(phrases))
