"""Text quality metrics: definitions, the fast path against the reference, and every cutoff at its boundary."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from obelics.document import Document, Node
from obelics.filters import quality
from obelics.filters.config import DEFAULTS
from obelics.filters.pipeline import DocumentFilter
from obelics.filters.wordlists import resolve_lists

LISTS = resolve_lists({})
COMMON = LISTS["common_words"]


def _rare_words(n: int, seed: int = 0) -> list[str]:
    """Distinct made-up words found in none of the lists."""
    rng = random.Random(seed)
    out: list[str] = []
    seen = set()
    while len(out) < n:
        w = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7))
        if w not in seen and not any(w in v for v in LISTS.values()):
            seen.add(w)
            out.append(w)
    return out


RARE = _rare_words(2500)


# ---- the test's own literal versions of the OBELICS definitions ------------------------------
def my_words(text: str) -> list[str]:
    out = []
    for tok in text.lower().split():
        i, j = 0, len(tok)
        while i < j and quality.is_special(tok[i]):
            i += 1
        while j > i and quality.is_special(tok[j - 1]):
            j -= 1
        if i < j:
            out.append(tok[i:j])
    return out


def my_char_rep(text: str, n: int = 10) -> float:
    c = Counter(text[i : i + n] for i in range(len(text) - n + 1))
    if not c:
        return 0.0
    freqs = sorted(c.values(), reverse=True)
    k = min(int(math.sqrt(len(freqs))), len(freqs) - sum(1 for f in freqs if f == 1))
    return sum(freqs[:k]) / sum(freqs)


def my_word_rep(text: str, n: int = 5) -> float:
    ws = my_words(text)
    c = Counter(" ".join(ws[i : i + n]) for i in range(len(ws) - n + 1))
    if not c:
        return 0.0
    return sum(f for f in c.values() if f > 1) / sum(c.values())


# ---- definitions --------------------------------------------------------------------------
def test_words_split_lower_and_strip_special_characters():
    assert quality.words("The 3rd-party  (API) costs $100!\n«Voilà» don't") == [
        "the",
        "rd-party",
        "api",
        "costs",
        "voilà",
        "don't",
    ]
    assert quality.words("🙂 -- 42") == []
    assert my_words("Hello, World... ¿Qué?") == quality.words("Hello, World... ¿Qué?")


def test_special_characters_are_everything_but_letters_and_marks():
    for ch in " \n\t.,!?0129€$🙂—«»":
        assert quality.is_special(ch), ch
    for ch in "aZéßжखि漢":  # 'ि' is a combining vowel sign (a mark)
        assert not quality.is_special(ch), ch
    assert quality.special_character_count("ab, 12 🙂") == 6


def test_punctuation_counts_marks_against_word_runs():
    assert quality.punctuation_counts("Hello, world. It's fine!") == (3, 7)
    assert quality.punctuation_counts("no marks here") == (0, 3)


def test_fast_metrics_equal_reference_on_random_texts():
    rng = random.Random(1)
    vocab = ["the", "of", "river", "porn", "share", "Valley", "don't", "é", "x1", "!!", "—", "🙂", "12", "a,b"]
    metrics = quality.TextMetrics(quality.WordTable(LISTS))
    for _ in range(40):
        paras = []
        for _ in range(rng.randint(1, 6)):
            n = rng.randint(0, 80)
            ws = [rng.choice(vocab + RARE[:30]) for _ in range(n)]
            paras.append(" ".join(ws) + rng.choice(["", ".", " ?", "\n..."]))
        paras = [p for p in paras if p.strip()] or ["x"]
        seg = metrics.tokenise(paras)
        fast = metrics.metrics(seg, punctuation_min_words=12)
        for i, p in enumerate(paras):
            ref = quality.reference_metrics(p, LISTS, punctuation_min_words=12)
            assert ref["char_repetition"] == pytest.approx(my_char_rep(p))
            assert ref["word_repetition"] == pytest.approx(my_word_rep(p))
            for k, v in ref.items():
                assert fast[k][i] == pytest.approx(v), (k, p)
        doc = metrics.document_metrics(seg)
        ref = quality.reference_metrics("\n\n".join(paras), LISTS)
        for k, v in ref.items():
            assert doc[k] == pytest.approx(v), k
        keep = np.array([i % 2 == 0 for i in range(len(paras))])
        doc = metrics.document_metrics(seg, keep)
        ref = quality.reference_metrics("\n\n".join(p for p, k in zip(paras, keep) if k), LISTS)
        for k, v in ref.items():
            assert doc[k] == pytest.approx(v), k


def test_shipped_lists_cover_plain_english():
    text = (
        "The river valley was quiet in the early morning, and the farmers walked slowly to their fields. "
        "Most of them had lived there all their lives, as their parents and grandparents had before them."
    )
    ws = quality.words(text)
    assert sum(w in COMMON for w in ws) / len(ws) >= 0.95
    assert sum(w in LISTS["stopwords"] for w in ws) / len(ws) >= 0.35
    assert "don’t" in LISTS["stopwords"] and "don't" in LISTS["stopwords"]  # both apostrophes


# ---- boundaries: every cutoff, a text just under and just over --------------------------------
OFF = {
    k: None for k in DEFAULTS if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))
}
OFF.update(min_images=None, max_images=None, language_min_score=None, nsfw_images=False)


def run(paragraphs: list[str], images: int = 1, **settings) -> tuple[str | None, Document]:
    s = dict(DEFAULTS)
    s.update(OFF)
    s.update(settings)
    flt = DocumentFilter(s)
    nodes = [Node(text=p) for p in paragraphs]
    nodes += [Node(image=f"http://img.test/{i}.jpg", meta={}) for i in range(images)]
    doc = Document.from_nodes(nodes, {"url": "http://t.test/"})
    out = flt.filter_batch([doc])[0]
    return out.reason, out.document


SENTINEL = "A quiet morning by the river, with farmers walking to their fields."


def para_kept(text: str, **settings) -> bool:
    """Whether a one-paragraph document keeps that paragraph (a sentinel paragraph keeps the document alive)."""
    reason, doc = run([text, SENTINEL], **settings)
    assert reason is None
    return text in doc.text


def straddle(texts: list[str], fn, cut: float) -> tuple[str, str]:
    """The last text whose metric is <= cut and the first that is > cut (metric growing along the list)."""
    values = [fn(t) for t in texts]
    assert values == sorted(values)
    i = next(i for i, v in enumerate(values) if v > cut)
    assert i > 0 and values[i - 1] <= cut < values[i]
    assert cut - values[i - 1] < 0.02 and values[i] - cut < 0.02  # really "just" under and over
    return texts[i - 1], texts[i]


def counted(words_in: int, words_out: int, word_in: str) -> str:
    ws = [word_in] * words_in + RARE[:words_out]
    random.Random(words_in).shuffle(ws)
    return " ".join(ws)


@pytest.mark.parametrize("level", ["paragraph", "document"])
def test_word_count_bounds(level):
    lo, hi = DEFAULTS[f"{level}_min_words"], DEFAULTS[f"{level}_max_words"]
    on = {f"{level}_min_words": lo, f"{level}_max_words": hi}
    for n, ok in ((lo - 1, False), (lo, True), (hi, True), (hi + 1, False)):
        text = " ".join(RARE[:n])
        assert len(my_words(text)) == n
        if level == "paragraph":
            assert para_kept(text, **on) is ok, n
        else:
            reason, _ = run([text], **on)
            assert (reason is None) is ok and reason in (None, "too_few_words", "too_many_words"), (n, reason)


@pytest.mark.parametrize("level", ["paragraph", "document"])
def test_char_repetition_boundary(level):
    cut = DEFAULTS[f"{level}_max_char_repetition"]
    base = " ".join(RARE[:120])
    texts = [base + " repeatedphrase" * r for r in range(0, 80)]
    under, over = straddle(texts, my_char_rep, cut)
    key = f"{level}_max_char_repetition"
    if level == "paragraph":
        assert para_kept(under, **{key: cut}) and not para_kept(over, **{key: cut})
    else:
        assert run([under], **{key: cut})[0] is None
        assert run([over], **{key: cut})[0] == "char_repetition"


@pytest.mark.parametrize("level", ["paragraph", "document"])
def test_word_repetition_boundary(level):
    cut = DEFAULTS[f"{level}_max_word_repetition"]
    base = RARE[:300]
    texts = [" ".join(base[: 300 - 6 * r] + ["one two three four five six"] * r) for r in range(0, 40)]
    under, over = straddle(texts, my_word_rep, cut)
    key = f"{level}_max_word_repetition"
    if level == "paragraph":
        assert para_kept(under, **{key: cut}) and not para_kept(over, **{key: cut})
    else:
        assert run([under], **{key: cut})[0] is None
        assert run([over], **{key: cut})[0] == "word_repetition"


@pytest.mark.parametrize("level", ["paragraph", "document"])
def test_special_characters_boundary(level):
    cut = DEFAULTS[f"{level}_max_special_characters"]  # 0.3 and 0.275
    n = 1000
    k = round(cut * n)  # exactly at the cutoff: kept (fails only above it)
    key = f"{level}_max_special_characters"
    for specials, ok in ((k - 1, True), (k, True), (k + 1, False)):
        text = "a" * (n - specials) + "!" * specials
        assert sum(quality.is_special(c) for c in text) / len(text) == specials / n
        if level == "paragraph":
            assert para_kept(text, **{key: cut}) is ok
        else:
            assert (run([text], **{key: cut})[0] is None) is ok


@pytest.mark.parametrize(
    "level,metric,word,bound",
    [
        ("paragraph", "stopwords", "the", "min"),
        ("document", "stopwords", "the", "min"),
        ("paragraph", "flagged_words", "porn", "max"),
        ("document", "flagged_words", "porn", "max"),
        ("paragraph", "spam_words", "subscribe", "max"),
        ("document", "spam_words", "subscribe", "max"),
        ("paragraph", "common_words", "river", "min"),
        ("document", "common_words", "river", "min"),
    ],
)
def test_word_list_ratio_boundaries(level, metric, word, bound):
    key = f"{level}_{bound}_{metric}"
    cut = DEFAULTS[key]
    if metric == "flagged_words":
        total = 100  # 1 flagged word in 100 is exactly 0.01
    else:
        total = 200
    k = round(cut * total)
    assert word in LISTS[metric]
    for hits, ok in ((k - 1, bound == "max"), (k, True), (k + 1, bound == "min")):
        if hits < 0:
            continue
        text = counted(hits, total - hits, word)
        ws = my_words(text)
        assert sum(w in LISTS[metric] for w in ws) / len(ws) == hits / total
        if level == "paragraph":
            assert para_kept(text, **{key: cut}) is ok, (hits, total)
        else:
            reason = run([text], **{key: cut})[0]
            assert (reason is None) is ok and reason in (None, metric), (hits, reason)


def test_punctuation_boundary_paragraph():
    cut = DEFAULTS["paragraph_min_punctuation"]  # 0.001 over tokens, paragraphs of >= 12 tokens
    key = "paragraph_min_punctuation"
    at = " ".join(RARE[:999]) + "."  # 1 mark / 1000 tokens = 0.001: kept
    under = " ".join(RARE[:1000]) + "."  # 1 / 1001: removed
    assert quality.punctuation_counts(at) == (1, 1000) and quality.punctuation_counts(under) == (1, 1001)
    assert para_kept(at, **{key: cut}) and not para_kept(under, **{key: cut})
    short = " ".join(RARE[:10])  # under 12 tokens: not judged
    assert para_kept(short, **{key: cut})
    assert not para_kept(" ".join(RARE[:12]), **{key: cut})


def test_punctuation_boundary_document():
    cut = DEFAULTS["document_min_punctuation"]  # 0.03
    key = "document_min_punctuation"
    at = " ".join(RARE[:97]) + " , . !"  # 3 / 100
    under = " ".join(RARE[:98]) + " , . !"  # 3 / 101
    assert quality.punctuation_counts(at) == (3, 100)
    assert run([at], **{key: cut})[0] is None
    assert run([under], **{key: cut})[0] == "punctuation"


@pytest.mark.parametrize("n,reason", [(0, "too_few_images"), (1, None), (30, None), (31, "too_many_images")])
def test_image_count_bounds(n, reason):
    assert run(["some text here"], images=n, min_images=1, max_images=30)[0] == reason


def test_images_without_bytes_do_not_count_when_asked():
    assert run(["text"], images=2, min_images=1, count_undownloaded_images=False)[0] == "too_few_images"


def test_failing_paragraph_removed_and_neighbours_merge():
    good1 = "The farmers walked slowly to their fields in the early morning."
    bad = "Buy now!!! $$$ ### @@@ 100% off %%% ^^^ today &&& ***"
    good2 = "The children learned to read and to count at the small school."
    s = dict(DEFAULTS, language_min_score=None, nsfw_images=False)
    flt = DocumentFilter(s)
    doc = Document.from_nodes(
        [Node(text=good1 + "\n\n" + bad), Node(image="http://i/1.jpg", meta={}), Node(text=bad), Node(text=good2)],
        {"url": "u"},
    )
    # the lone bad text between the image and good2 disappears, good2 stays after the image
    out = flt.filter_batch([doc])[0]
    assert out.reason is None, out.reason
    assert out.document.texts == [good1, None, good2]
    assert out.document.images == [None, "http://i/1.jpg", None]
    assert flt.stats.reasons["removed_paragraphs"]["special_characters"] == 2
    doc2 = Document.from_nodes([Node(text=good1), Node(text=bad), Node(image="http://i/1.jpg", meta={})], {"url": "u"})
    assert doc2.texts == [good1 + "\n\n" + bad, None]
    out2 = flt.filter_batch([doc2])[0]
    assert out2.document.texts == [good1, None]
    out2.document.validate()


def test_all_paragraphs_failing_removes_the_document():
    reason, _ = run(["$$$ !!! ###", "%%% ^^^ &&&"], paragraph_max_special_characters=0.3)
    assert reason == "no_text_left"
    assert run([], images=1)[0] == "no_text"


def test_rolling_hash_is_the_polynomial_hash_modulo_2_64():
    v = (np.arange(300, dtype=np.uint64) * 7919 + 3) % 1114112
    h = quality._rolling(v, 10)
    p = int(quality._PRIME)
    for i in (0, 1, 150, 290):
        x = 0
        for j in range(10):
            x = (x * p + int(v[i + j])) % (1 << 64)
        assert int(h[i]) == x
    assert len(quality._rolling(v[:9], 10)) == 0


def test_a_batch_decides_as_documents_one_by_one():
    rng = random.Random(5)
    good = [
        "The farmers walked slowly to their fields in the early morning, and the river was quiet.",
        "Most of them had lived there all their lives, as their parents had before them.",
        "A small school stood near the bridge, where the children learned to read and to count.",
    ]
    bad = ["$$$ 100% !!! ### @@@", "click share subscribe login tweet", "porn porn porn xxx", "word " * 30]
    docs = []
    for i in range(40):
        nodes = []
        for _ in range(rng.randint(1, 5)):
            nodes.append(Node(text="\n\n".join(rng.choice(good + bad) for _ in range(rng.randint(1, 3)))))
            if rng.random() < 0.7:
                nodes.append(Node(image=f"http://i.test/{i}/{len(nodes)}.jpg", meta={}))
        docs.append(Document.from_nodes(nodes, {"url": f"u{i}"}))
    s = dict(DEFAULTS, language_min_score=None, nsfw_images=False)
    together = DocumentFilter(s).filter_batch(docs)
    alone = [DocumentFilter(s).filter_batch([d])[0] for d in docs]
    assert [o.reason for o in together] == [o.reason for o in alone]
    assert [o.document.texts for o in together] == [o.document.texts for o in alone]
    assert len({o.reason for o in together}) >= 3  # the batch mixes outcomes


def test_tokenise_finds_the_words_of_the_regex_on_unicode_text():
    """The code-point tokeniser against ``words`` (the regex): counts, list bits, equal words <-> equal hashes."""
    rng = random.Random(5)
    table = quality.WordTable(LISTS)
    metrics = quality.TextMetrics(table)
    listed = sorted(table.table)
    alphabet = list("abcXYZ ,.!'-_0\t\n\r\x0b\x0c\x1c\x85\xa0\u2003\u3000İΣσςﬁßẞǅ\u0301\u0915\u093f🙂𝐀𝒜\U00020000\x00é")
    for _ in range(300):
        paras = []
        for _ in range(rng.randint(1, 5)):
            toks = []
            for _ in range(rng.randint(0, 30)):
                r = rng.random()
                if r < 0.4:
                    w = rng.choice(listed)
                    toks.append((w.upper() if rng.random() < 0.2 else w) + rng.choice(["", ",", "!!", "🙂", "Σ"]))
                elif r < 0.5:
                    toks.append("x" * rng.randint(60, 70) + rng.choice(["", "y"]))  # around _LONG_WORD
                else:
                    toks.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))))
            p = rng.choice([" ", "  ", "\t", "\u3000"]).join(toks)
            if p.strip():
                paras.append(p)
        if not paras:
            continue
        seg = metrics.tokenise(paras)
        ws = [quality.words(p) for p in paras]
        assert seg.nwords.tolist() == [len(w) for w in ws], paras
        flat = [w for x in ws for w in x]
        assert seg.codes.tolist() == table.codes(flat).tolist(), paras
        by_hash: dict[int, str] = {}
        for w, h in zip(flat, seg.word_hashes.tolist()):
            assert by_hash.setdefault(h, w) == w
        assert len(by_hash) == len(set(flat))
