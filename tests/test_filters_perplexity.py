"""KenLM perplexity against values computed by hand from an ARPA file the test writes."""

from __future__ import annotations

import math
import re

import pytest

from obelics.document import Document, Node
from obelics.filters.config import DEFAULTS
from obelics.filters.perplexity import PerplexityModel, normalize
from obelics.filters.pipeline import DocumentFilter

# log10 probabilities and backoffs we choose; the perplexities below follow from them by hand.
ARPA = """\\data\\
ngram 1=7
ngram 2=6

\\1-grams:
-1.5\t<unk>\t0
-99\t<s>\t-0.30
-0.70\t</s>\t0
-0.60\tthe\t-0.20
-0.90\tcat\t-0.10
-1.00\tsat\t-0.25
-1.20\t0\t0

\\2-grams:
-0.20\t<s> the
-0.40\tthe cat
-0.35\tcat sat
-0.50\tsat </s>
-0.30\tcat </s>
-0.80\tsat 0

\\end\\
"""


@pytest.fixture(scope="module")
def arpa(tmp_path_factory) -> str:
    p = tmp_path_factory.mktemp("lm") / "tiny.arpa"
    p.write_text(ARPA)
    return str(p)


def ppl(log10_probs: list[float], words: int) -> float:
    return 10 ** (-sum(log10_probs) / (words + 1))


def test_perplexity_of_seen_bigrams(arpa):
    # <s> the | the cat | cat sat | sat </s>: every bigram is in the model
    expected = ppl([-0.20, -0.40, -0.35, -0.50], 3)
    assert PerplexityModel(arpa).perplexity("the cat sat") == pytest.approx(expected, rel=1e-5)


def test_perplexity_with_backoff_and_unknown_word(arpa):
    # "the cat dog": <s> the (-0.20), the cat (-0.40),
    # cat dog -> dog unknown: backoff(cat) + p(<unk>) = -0.10 - 1.5,
    # dog </s> -> backoff(<unk>) 0 + p(</s>) = -0.70
    expected = ppl([-0.20, -0.40, -0.10 - 1.5, -0.70], 3)
    assert PerplexityModel(arpa).perplexity("the cat dog") == pytest.approx(expected, rel=1e-5)


def test_digits_become_zero_and_punctuation_is_normalised(arpa):
    assert normalize("Cat  sat\n on 1984 “mats”…") == 'Cat sat on 0000 "mats"...'
    # "the cat sat 7": ... sat 0 is a bigram of the model once 7 is written 0
    # <s> the, the cat, cat sat, sat 0 (-0.80), 0 </s> -> backoff(0)=0 + p(</s>) -0.70
    expected = ppl([-0.20, -0.40, -0.35, -0.80, -0.70], 4)
    assert PerplexityModel(arpa).perplexity("the cat sat 7") == pytest.approx(expected, rel=1e-5)
    assert math.isinf(PerplexityModel(arpa).perplexity("  "))


def _filter(arpa: str, **kw) -> DocumentFilter:
    off = {
        k: None
        for k in DEFAULTS
        if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))
    }
    return DocumentFilter(
        {**DEFAULTS, **off, "language_min_score": None, "nsfw_images": False, "kenlm_model": arpa, **kw}
    )


def _doc(*paras: str) -> Document:
    return Document.from_nodes([Node(text="\n\n".join(paras)), Node(image="http://i/x.jpg", meta={})], {"url": "u"})


def test_document_perplexity_cutoff_boundary(arpa):
    value = ppl([-0.20, -0.40, -0.35, -0.50], 3)
    kept = _filter(arpa, document_max_perplexity=value + 0.01).filter_batch([_doc("the cat sat")])[0]
    assert kept.reason is None
    assert kept.document.general_metadata["perplexity"] == round(value, 1)
    flt = _filter(arpa, document_max_perplexity=value - 0.01)
    assert flt.filter_batch([_doc("the cat sat")])[0].reason == "perplexity"
    assert flt.stats.values["perplexity"].startswith("on: ")


def test_paragraph_perplexity_removes_the_unlikely_paragraph(arpa):
    good = ppl([-0.20, -0.40, -0.35, -0.50], 3)
    flt = _filter(arpa, paragraph_perplexity=True, paragraph_max_perplexity=good + 1, document_max_perplexity=None)
    out = flt.filter_batch([_doc("the cat sat", "dog dog dog")])[0]
    assert out.reason is None and out.document.texts[0] == "the cat sat"
    assert flt.stats.reasons["removed_paragraphs"] == {"perplexity": 1}


def test_off_without_a_model_and_says_so():
    off = {
        k: None
        for k in DEFAULTS
        if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))
    }
    flt = DocumentFilter({**DEFAULTS, **off, "language_min_score": None, "nsfw_images": False})
    assert flt.stats.values["perplexity"] == "off: no model"
    out = flt.filter_batch([_doc("anything at all")])[0]
    assert out.reason is None and "perplexity" not in out.document.general_metadata


def test_sentencepiece_pieces_are_scored(tmp_path):
    import sentencepiece as spm

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat\nthe cat\ncat sat\n" * 50)
    spm.SentencePieceTrainer.Train(
        input=str(corpus), model_prefix=str(tmp_path / "sp"), vocab_size=6, model_type="word", minloglevel=2
    )
    # the same model written over SentencePiece pieces
    arpa = tmp_path / "pieces.arpa"
    arpa.write_text(re.sub(r"(?<=[\t ])(the|cat|sat)\b", "\u2581\\1", ARPA))
    model = PerplexityModel(str(arpa), str(tmp_path / "sp.model"))
    assert model.tokens("the cat sat") == ["\u2581the", "\u2581cat", "\u2581sat"]
    expected = ppl([-0.20, -0.40, -0.35, -0.50], 3)
    assert model.perplexity("the cat sat") == pytest.approx(expected, rel=1e-5)
