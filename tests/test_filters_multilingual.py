"""Filters in the language of each page: per-language word lists, segmenters and cutoffs.

Hand-written pages in ten languages and five scripts (``test_filters_multilingual_pages``):
each language's two ordinary pages are kept, its spam page and its adult page are removed, by that
language's own settings, in one run that filters all ten languages together.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from obelics.cli import main as cli_main
from obelics.document import Document, Node, image_metadata
from obelics.filters.config import DEFAULTS, RATIO_METRICS, check
from obelics.filters.languages import CUTOFF_KEYS, language_settings, profile, shipped_languages
from obelics.filters.pipeline import DocumentFilter
from obelics.filters.quality import TextMetrics, WordTable
from obelics.filters.segment import get_segmenter
from obelics.io.parquet import read_documents, write_documents
from obelics.run.settings import SettingsError
from obelics.stats import Stats
from tests.test_filters_multilingual_pages import PAGES, SCRIPTS

LANGS = list(PAGES)
KINDS = ("good", "good_news", "spam", "adult")
TOP_CC = "en ru de zh ja fr es it nl pl pt cs vi id tr sv fa ko hu ar".split()


def page(lang: str, kind: str) -> Document:
    url = f"http://img.test/{lang}-{kind}.jpg"
    return Document.from_nodes(
        [Node(text=PAGES[lang][kind]), Node(image=url, meta=image_metadata(url))],
        {"url": f"http://{lang}.example/{kind}"},
    )


@pytest.fixture(scope="module")
def outcomes():
    """Every page of every language through one filter configured for all of them, in one batch."""
    stats = Stats("filter")
    flt = DocumentFilter(dict(DEFAULTS, languages=LANGS, nsfw_images=False), stats)
    docs = [page(lang, kind) for lang in LANGS for kind in KINDS]
    outs = flt.filter_batch(docs)
    return {(o.document.url.split("//")[1].split(".")[0], o.document.url.rsplit("/", 1)[1]): o for o in outs}, stats


def test_the_pages_cover_eight_languages_three_scripts_and_two_unsegmented_ones():
    assert len(PAGES) >= 8 and len(set(SCRIPTS.values())) >= 3
    assert profile("zh").tokenizer == "jieba" and profile("ja").tokenizer == "mecab"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["good", "good_news"])
def test_good_pages_are_kept_with_their_language_settings(outcomes, lang, kind):
    outs, _ = outcomes
    o = outs[(lang, kind)]
    assert o.document.general_metadata["language"] == lang
    assert o.reason is None, f"{lang} {kind} page removed: {o.reason}"
    assert o.language == lang


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", ["spam", "adult"])
def test_spam_and_adult_pages_are_removed_by_their_language_settings(outcomes, lang, kind):
    outs, stats = outcomes
    o = outs[(lang, kind)]
    assert o.document.general_metadata["language"] == lang  # identified, then removed by the text filters
    assert o.reason is not None and o.reason != "language"
    removed = stats.values["by_language"][lang]["removed_paragraphs"]
    if kind == "adult":
        assert removed.get("flagged_words", 0) >= 2


def test_the_funnel_is_counted_per_language(outcomes):
    _, stats = outcomes
    table = stats.values["by_language"]
    assert sorted(table) == sorted(LANGS)
    for lang in LANGS:
        row = table[lang]
        assert row["documents_in"] == 4 and row["documents_out"] == 2
        assert sum(row["removed_documents"].values()) == 2
        assert row["paragraphs_in"] == row["paragraphs_out"] + sum(row.get("removed_paragraphs", {}).values())
    assert sum(r["documents_out"] for r in table.values()) == stats.counts["documents_out"]


def test_english_lists_would_have_removed_the_good_pages():
    """The bug this fixes: English word lists on another language empty its pages."""
    en = DocumentFilter(dict(DEFAULTS, languages=["en"], nsfw_images=False, language_min_score=None))
    for lang in ("fr", "ru", "zh"):
        assert en.filter_batch([page(lang, "good")])[0].reason is not None


def test_chinese_words_come_from_the_segmenter_and_flagged_phrases_stay_whole():
    p = profile("zh")
    seg = get_segmenter("jieba", frozenset({"他妈的"}))
    metrics = TextMetrics(WordTable(p.list_words()), segmenter=seg, casefold=True, punctuation=p.punctuation)
    s = metrics.tokenise(["我们的茶叶店成立于二零零八年。", "他妈的"])
    assert 5 <= s.nwords[0] <= 10  # words, not one whitespace run
    assert s.nwords[1] == 1  # the phrase jieba would cut stays one (flagged) word
    m = metrics.metrics(s)
    assert m["flagged_words"][1] == 1.0 and m["stopwords"][0] > 0 and m["common_words"][0] > 0.8
    assert s.marks[0] == 1  # the ideographic full stop counts as punctuation


def test_japanese_words_come_from_mecab():
    spans = get_segmenter("mecab").spans("私たちのパン屋は駅の近くにあります。")
    words = ["私たちのパン屋は駅の近くにあります。"[a:b] for a, b in spans]
    assert "パン" in words and "駅" in words and len(words) >= 8


def test_shipped_settings_cover_the_twenty_largest_common_crawl_languages():
    assert set(TOP_CC) <= set(shipped_languages())
    for code in TOP_CC:
        p = profile(code)
        assert p.origin == "shipped"
        assert Path(p.lists["stopwords"]).is_file() and Path(p.lists["common_words"]).is_file()
        for k, v in p.cutoffs.items():
            if v is not None and k.split("_", 2)[2] in RATIO_METRICS:
                assert 0.0 <= v <= 1.0, (code, k, v)
    assert profile("ko").cutoffs["document_min_common_words"] is None  # morpheme list: check off
    assert profile("vi").lists["flagged_words"] is None  # no maintained list: check off
    assert profile("vi").cutoffs["paragraph_max_flagged_words"] is None


def test_english_settings_are_the_obelics_defaults():
    p = profile("en")
    assert p.cutoffs == {k: DEFAULTS[k] for k in CUTOFF_KEYS}
    assert not p.casefold and p.punctuation == ",;:?!."


def test_language_settings_resolve_overrides_and_dump_as_yaml(tmp_path):
    d = language_settings("fr")
    assert d["word_lists"]["stopwords"]["words"] > 100 and "stopwordsiso" in d["word_lists"]["stopwords"]["source"]
    assert d["cutoffs"]["document_min_stopwords"] != DEFAULTS["document_min_stopwords"]
    assert yaml.safe_load(yaml.safe_dump(d, allow_unicode=True)) == d
    own = tmp_path / "stop.fr.txt"
    own.write_text("le\nla\n")
    s = dict(
        DEFAULTS,
        languages=["fr", "de"],
        document_min_words=20,  # differs from the default: every language
        language_cutoffs={"fr": {"document_min_stopwords": 0.2}},
        stopwords_file=str(tmp_path / "stop.{lang}.txt"),
    )
    fr = language_settings("fr", s)
    assert fr["cutoffs"]["document_min_stopwords"] == 0.2 and fr["cutoffs"]["document_min_words"] == 20
    assert fr["word_lists"]["stopwords"] == {"path": str(own), "source": f"user file {own}", "words": 2}
    de = language_settings("de", s)  # no file for German: its shipped list
    assert de["cutoffs"]["document_min_words"] == 20 and "stopwordsiso" in de["word_lists"]["stopwords"]["source"]
    check(s)
    with pytest.raises(SettingsError, match="no file for any of the languages"):
        check(dict(s, stopwords_file=str(tmp_path / "missing.{lang}.txt")))


def test_a_language_without_settings_is_an_error_unless_opted_in():
    with pytest.raises(SettingsError, match="no settings for language 'eo'.*language_fallback: neutral"):
        check(dict(DEFAULTS, languages=["en", "eo"]))
    s = check(dict(DEFAULTS, languages=["en", "eo"], language_fallback="neutral"))
    p = profile("eo", s)
    assert p.origin == "neutral" and all(v is None for v in p.lists.values())
    assert p.cutoffs["document_min_stopwords"] is None and p.cutoffs["document_min_common_words"] is None
    assert p.cutoffs["document_max_char_repetition"] == DEFAULTS["document_max_char_repetition"]
    own = check(dict(DEFAULTS, languages=["eo"], language_cutoffs={"eo": {"document_min_words": 30}}))
    assert profile("eo", own).origin == "user" and profile("eo", own).cutoffs["document_min_words"] == 30


THAI = {
    "good": """ร้านกาแฟของเราตั้งอยู่ใกล้กับตลาดเก่าในเชียงใหม่ เราคั่วเมล็ดกาแฟเองทุกสัปดาห์ โดยใช้เมล็ดกาแฟจากดอยสูงทางภาคเหนือ

นอกจากกาแฟแล้ว เรายังมีชาไทย ขนมปังอบสดใหม่ และเค้กที่ทำเองทุกเช้า ลูกค้าหลายคนชอบมานั่งทำงานที่ร้าน เพราะบรรยากาศเงียบสงบและมีอินเทอร์เน็ตฟรี

ร้านเปิดทุกวันตั้งแต่เจ็ดโมงเช้าถึงหกโมงเย็น ยกเว้นวันพุธ หากต้องการจองโต๊ะสำหรับกลุ่มใหญ่ กรุณาโทรหาเราล่วงหน้าหนึ่งวัน""",
    "spam": "\n\n".join(["ขายเสื้อผ้าราคาถูก เสื้อผ้าราคาถูก ขายส่งเสื้อผ้าราคาถูก " * 8] * 3),
    "adult": """ดูหนังโป๊ฟรีทุกวัน คลิปเซ็กส์ใหม่ล่าสุด สาวสวยมากมายรอคุณอยู่ที่เว็บของเรา

สมัครสมาชิกวันนี้ ดูหนังโป๊และคลิปเซ็กส์ได้ไม่จำกัด ไม่ต้องใช้บัตรเครดิต

อัปเดตหนังโป๊ใหม่ทุกวัน ภาพคมชัด ดูฟรีสำหรับสมาชิกทุกคน""",
}


def test_a_language_written_without_spaces_and_without_settings_gets_character_words(tmp_path):
    """Thai: no shipped settings; opted in as neutral, with the user's own flagged list."""
    (tmp_path / "flagged.th.txt").write_text("หนังโป๊\nเซ็กส์\n")
    s = check(
        dict(
            DEFAULTS,
            languages=["en", "th"],
            language_fallback="neutral",
            nsfw_images=False,
            flagged_words_file=str(tmp_path / "flagged.{lang}.txt"),
        )
    )
    p = profile("th", s)
    assert p.tokenizer == "chars" and p.cutoffs["document_min_words"] == 3 * DEFAULTS["document_min_words"]
    assert p.lists["flagged_words"].endswith("flagged.th.txt") and profile("en", s).lists["flagged_words"]
    stats = Stats("filter")
    flt = DocumentFilter(s, stats)
    img = "http://img.test/th.jpg"
    outs = {
        kind: flt.filter_batch([Document.from_nodes([Node(text=t), Node(image=img, meta=image_metadata(img))], {})])[0]
        for kind, t in THAI.items()
    }
    assert all(o.document.general_metadata["language"] == "th" for o in outs.values())
    assert outs["good"].reason is None
    assert outs["spam"].reason is not None and outs["adult"].reason is not None
    assert stats.values["by_language"]["th"]["removed_paragraphs"]["flagged_words"] == 3


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"languages": ["en", "fr"], "stopwords_file": "my.txt"}, "with {lang}"),
        ({"languages": ["en", "fr"], "language_min_score": None}, "need language identification"),
        ({"language_cutoffs": {"fr": {"document_min_stopwordz": 0.2}}}, "unknown cutoff"),
        ({"language_cutoffs": {"fr": {"document_min_stopwords": 2}}}, "ratio between 0 and 1"),
        ({"language_fallback": "english"}, "language_fallback"),
    ],
)
def test_bad_language_settings_are_clear_errors(overrides, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my.txt").write_text("word\n")
    with pytest.raises(SettingsError, match=message):
        check(dict(DEFAULTS, **overrides))


def test_the_stage_filters_several_languages_and_writes_the_funnel_per_language(tmp_path):
    src = tmp_path / "in" / "docs.parquet"
    write_documents(src, [page(lang, kind) for lang in ("fr", "zh", "ja") for kind in ("good", "adult")])
    out = tmp_path / "out"
    assert cli_main(["-q", "filter", str(src), "--output", str(out), "--languages", "fr,zh,ja"]) == 0
    kept = sorted(d.url for d in read_documents(str(out / "docs.parquet")))
    assert kept == ["http://fr.example/good", "http://ja.example/good", "http://zh.example/good"]
    stats = json.loads((out / "stats.json").read_text())
    for lang in ("fr", "zh", "ja"):
        assert stats["by_language"][lang]["documents_in"] == 2
        assert stats["by_language"][lang]["documents_out"] == 1


def test_an_unknown_language_stops_the_stage_before_any_work(tmp_path, capsys):
    src = tmp_path / "in" / "docs.parquet"
    write_documents(src, [page("fr", "good")])
    assert cli_main(["-q", "filter", str(src), "--output", str(tmp_path / "o"), "--languages", "fr,eo"]) == 2
    assert "no settings for language 'eo'" in capsys.readouterr().err
    assert not (tmp_path / "o" / "docs.parquet").exists()


def test_the_dataset_card_shows_the_funnel_per_language(outcomes, tmp_path):
    from obelics.report.card import language_funnel_section
    from obelics.stats import merge

    _, stats = outcomes
    summary = merge([stats.to_dict(), stats.to_dict()])  # two tasks: the per-language counts add up
    lines = language_funnel_section([{"stage": "extract"}, summary])
    text = "\n".join(lines)
    assert "| language | documents in | documents out | kept |" in text
    row = next(line for line in lines if line.startswith("| zh |"))
    assert row.startswith("| zh | 8 | 4 | 50% |") and "no_text_left" in row
    assert len([line for line in lines if line.startswith("| ") and "|---" not in line]) == len(LANGS) + 1


def test_cutoffs_are_derived_from_a_sample_of_the_users_pages(tmp_path, capsys):
    from obelics.filters.derive import main as derive_main
    from obelics.filters.derive import measure, read_pages

    sample = tmp_path / "fr.jsonl"
    texts = [PAGES["fr"]["good"]] + [p for p in PAGES["fr"]["good"].split("\n\n")] + [PAGES["fr"]["spam"]]
    sample.write_text("\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts) + "\n")
    assert derive_main([str(sample), "--language", "fr", "--share", "0.5"]) == 0
    out = capsys.readouterr().out
    proposed = yaml.safe_load(out)["language_cutoffs"]["fr"]
    measured = measure(read_pages(sample), "fr", dict(DEFAULTS))
    # each cutoff removes the given share of the sample: here the median
    assert proposed["document_min_stopwords"] == pytest.approx(
        float(np.median(measured["document"]["stopwords"])), abs=1e-3
    )
    assert proposed["document_max_flagged_words"] == profile("fr").cutoffs["document_max_flagged_words"]
    assert "paragraph_max_spam_words" not in proposed  # off for French: no list
    assert derive_main([str(tmp_path / "none.txt"), "--language", "fr"]) == 2
