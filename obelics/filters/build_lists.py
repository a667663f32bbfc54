"""Build the per-language word lists and cutoffs shipped in ``obelics/data/filters/``.

    python -m obelics.filters.build_lists            # rebuild every language but English
    python -m obelics.filters.build_lists --lang fr  # one language

Needs the build-time packages of the ``dev`` extra (``wordfreq``, ``stopwordsiso``,
``glin-profanity``) and, for Chinese and Japanese, the segmenters (``obelics[segmenters]``).
The filter itself reads only the files written here; nothing is built at run time.

Sources (all offline, inside their wheels):

- common words: the ``--top`` (200,000) most frequent words of ``wordfreq``'s list for the
  language ("large" where it exists, else "small"), entries with digits left out;
- stop words: the ``stopwordsiso`` list (stopwords-iso collection);
- flagged words: the ``glin-profanity`` dictionary of the language (an LDNOOBW-derived list),
  single entries; where the package has none the language ships no flagged list;
- Chinese: Traditional spellings of the jieba dictionary's words whose Simplified form is
  in a list are added (wordfreq's Chinese list is Simplified).

Every word is case-folded as wordfreq does (``str.casefold``), the filter's folding for every
language but English. English keeps its hand-made lists (``stopwords.en.txt`` ...).

The cutoffs (written to ``languages.json`` with the figures they come from) are the English
OBELICS cutoffs moved to the language by what wordfreq says about its word distribution:

- ``stopwords`` (min): scaled by the share of running words that are stop words,
  ``cut_L = cut_en * S_L / S_en`` with ``S = sum of the wordfreq frequencies of the list's words``
  (over the words without digits): a language whose function words are a smaller share of
  its text (Turkish, Ukrainian) gets a lower cutoff;
- ``common_words`` (min): moved by the difference of coverage,
  ``cut_L = cut_en - (C_en - C_L)`` with ``C`` the share of running words in the common-word
  list: the English margin for names, numbers and foreign words is kept, plus what the
  language's shorter or agglutinative list misses;
- ``flagged_words`` (max) stays 0.01 where a list ships, off where none does; ``spam_words``
  (English interface words) is off for other languages; the other cutoffs (repetition, special
  characters, punctuation, word counts) stay those of English.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from importlib.metadata import version
from pathlib import Path

from obelics.filters.config import DEFAULTS
from obelics.filters.wordlists import BUILTIN as BUILTIN_EN

DATA = Path(__file__).resolve().parent.parent / "data" / "filters"
TOP = 200_000

# lid.176 code -> (English name, tokenizer); the codes where wordfreq, stopwordsiso and lid.176 agree
LANGUAGES: dict[str, tuple[str, str]] = {
    "ar": ("Arabic", "whitespace"),
    "bg": ("Bulgarian", "whitespace"),
    "bn": ("Bengali", "whitespace"),
    "ca": ("Catalan", "whitespace"),
    "cs": ("Czech", "whitespace"),
    "da": ("Danish", "whitespace"),
    "de": ("German", "whitespace"),
    "el": ("Greek", "whitespace"),
    "es": ("Spanish", "whitespace"),
    "fa": ("Persian", "whitespace"),
    "fi": ("Finnish", "whitespace"),
    "fr": ("French", "whitespace"),
    "he": ("Hebrew", "whitespace"),
    "hi": ("Hindi", "whitespace"),
    "hu": ("Hungarian", "whitespace"),
    "id": ("Indonesian", "whitespace"),
    "it": ("Italian", "whitespace"),
    "ja": ("Japanese", "mecab"),
    "ko": ("Korean", "whitespace"),
    "lt": ("Lithuanian", "whitespace"),
    "lv": ("Latvian", "whitespace"),
    "ms": ("Malay", "whitespace"),
    "nl": ("Dutch", "whitespace"),
    "pl": ("Polish", "whitespace"),
    "pt": ("Portuguese", "whitespace"),
    "ro": ("Romanian", "whitespace"),
    "ru": ("Russian", "whitespace"),
    "sk": ("Slovak", "whitespace"),
    "sl": ("Slovenian", "whitespace"),
    "sv": ("Swedish", "whitespace"),
    "tr": ("Turkish", "whitespace"),
    "uk": ("Ukrainian", "whitespace"),
    "ur": ("Urdu", "whitespace"),
    "vi": ("Vietnamese", "whitespace"),
    "zh": ("Chinese", "jieba"),
}
# glin-profanity's dictionary file of each language
FLAGGED_FILES = {
    "ar": "arabic",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "es": "spanish",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "hi": "hindi",
    "hu": "hungarian",
    "it": "italian",
    "ja": "japanese",
    "ko": "korean",
    "nl": "dutch",
    "pl": "polish",
    "pt": "portuguese",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
    "zh": "chinese",
}
# The glin-profanity lists (LDNOOBW-derived) are moderation lists: besides sexual and vulgar
# words they hold insults, political and religious words and everyday words that would remove
# ordinary pages (Italian "cappella", Turkish "sayfa", Dutch "naaien", Arabic "حمام"). Their
# frequent entries (wordfreq Zipf >= 3.3) were reviewed by hand; those that are not sexual or
# vulgar in ordinary use are left out here. Rarer entries are kept as they are; single
# characters are left out for Chinese and Japanese (parts of ordinary words).
FLAGGED_EXCLUDED = {
    "ar": "مرات شعر جاد علق حمام عايز واقف لبن ورا سلب فرس بتاع اقعد جوزي تعبان اركب مشعر فحل ثدي sharma",
    "cs": "žrát bordel",
    "de": "nackt mufti bonze fratze lümmel kimme pinkeln nippel",
    "es": "asesinato drogas infierno idiota maldito nazi imbécil racista martillo orina heroína concha pedo trio "
    "semen bastardo caca pis",
    "fa": "سوپر منی تجاوز داف لش",
    "fi": "pistää jätkä panna muna reikä tavara piru naida hitto perkele helvetisti hitosti",
    "fr": "con bosser folle veuve drague gerbe gerber bourré bourrée pipi caca péter gueule meuf pédale baiser "
    "jouir chatte",
    "hu": "marha franc pofa barom barmok",
    "it": "venire regina pesce duro carità pistola tirare spagnola nudo cappella battere cadavere uccello sega "
    "pompa balle mona montare vacca sbattere manico monta mannaggia bordello pipì pisello fava pipa cagna "
    "guanto cammello cozza carciofo finocchio bagnarsi biga casci chiappa anale",
    "ja": "支配 奴隷 ファンタジー 人種 デブ 誘惑 幼児 グロ なめ 拷問 フック いたずら 覗き 縛り ラバー 噴出 卍 xx sm 挿入 "
    "ランジェリー おしり おしっこ 肛門 レズビアン ゲイの男性 女装 コカイン",
    "ko": "미친 고자 유모 망가 노모 애자 야사 호로 염병",
    "nl": "schatje gat del pot nicht hol paal anita poot balen muts bekken palen matje standje griet beurt zuigen "
    "spuiten naaien wijf teef eikel kloten vingeren flikken rukken aftrekken poep poepen reet",
    "pl": "jajko jajo jajeczko syf burdel",
    "pt": "comer inferno saco cerveja aranha aborto mama burro amador torneira consolo pinto pau corno bicha veado "
    "camisinha cocaína heroína lésbica bumbum chupar gozar",
    "ru": "голый бардак фига хрен",
    "sv": "fan hård tusan satan sås stake helvete",
    "tr": "takip destek durum ak din terör müslüman mal sigara hayvan israil top tayyip cm fırsat bayanlar lanet "
    "akp sayfa pkk yahudi peygamber protesto it terörist bira hırsız takma kanı göğüs boşluk komünist adi "
    "haydar meme hile gay oruç odun oğlan kaçırma hristiyan hanımlar mk ülker azdır beğen mallar kazık öl gasp "
    "boykot ülkücü öküz zina homo kaşar edit rakı ag sokacak anam geber faşizm faşist komünizm hıyar düdük "
    "kayyum kaka hizbullah verem kazma manda musevi süzme şişme dhkp hack dinci moloz dingil avon votka amed "
    "memiş sie nah dinsiz babanın annenin anneni oyna dede iti yalama eşcinsel lan ulan pis iğrenç ezik "
    "sahtekar ağzına boşalmak",
    "zh": "成人 激情 白痴 笨蛋 处女 精子 月经 祖宗 老二 老母 交配 包皮 撒尿 九游 刚度 你全家 放荡",
}

# wordfreq's Korean list is of MeCab morphemes (particles apart), which whitespace words do not
# match: its stop-word and common-word ratios would be meaningless, so those checks are off.
NO_WORD_RATIOS = {"ko": "wordfreq's Korean list is of morphemes; whitespace words (eojeol) do not match it"}


def _clean(words, fold=str.casefold) -> list[str]:
    out, seen = [], set()
    for w in words:
        w = fold(w.strip())
        if not w or w in seen or any(c.isdigit() for c in w) or any(c.isspace() for c in w):
            continue
        seen.add(w)
        out.append(w)
    return out


def _digit_mass(freqs: dict[str, float]) -> float:
    return sum(f for w, f in freqs.items() if any(c.isdigit() for c in w))


def share(words, freqs: dict[str, float]) -> float:
    """The share of running words (digits left out) that are in ``words``, by wordfreq's frequencies."""
    return sum(freqs.get(w, 0.0) for w in set(words)) / (1.0 - _digit_mass(freqs))


def common_words(lang: str, top: int = TOP) -> list[str]:
    import wordfreq

    wl = "large" if lang in wordfreq.available_languages(wordlist="large") else "small"
    return _clean(wordfreq.top_n_list(lang, top, wordlist=wl))


def stopwords(lang: str) -> list[str]:
    import stopwordsiso

    return _clean(sorted(stopwordsiso.stopwords(lang)))


def flagged_words(lang: str) -> list[str]:
    if lang not in FLAGGED_FILES:
        return []
    import glin_profanity

    path = Path(glin_profanity.__file__).parent / "data" / "dictionaries" / f"{FLAGGED_FILES[lang]}.json"
    with open(path, encoding="utf-8") as fh:
        words = json.load(fh)["words"]
    # entries in several whitespace words never match one word; segmented languages keep phrases
    # without spaces (the segmenter's tokens are merged back into them)
    excluded = set(FLAGGED_EXCLUDED.get(lang, "").split())
    single_ok = LANGUAGES[lang][1] == "whitespace"
    return [w for w in _clean(words) if w not in excluded and (single_ok or len(w) > 1)]


def traditional_variants(words: list[str]) -> list[str]:
    """Traditional spellings (from the jieba dictionary) of Simplified Chinese words in ``words``."""
    import jieba
    from wordfreq.chinese import simplify_chinese

    have = set(words)
    dict_path = Path(jieba.__file__).parent / "dict.txt"
    extra = []
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            w = line.split(" ", 1)[0]
            if w not in have and simplify_chinese(w) in have:
                extra.append(w)
                have.add(w)
    return extra


def write_list(path: Path, words: list[str], header: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = (header + "\n".join(sorted(words)) + "\n").encode("utf-8")
    if path.suffix == ".gz":
        # mtime=0 keeps the file byte-identical across rebuilds
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=9) as gz:
            gz.write(body)
    else:
        path.write_bytes(body)


def english_figures() -> dict[str, float]:
    import wordfreq

    from obelics.filters.wordlists import builtin_path, load_wordlist  # noqa: PLC0415

    freqs = wordfreq.get_frequency_dict("en", wordlist="large")
    return {
        "stopword_share": round(share(load_wordlist(builtin_path("stopwords")), freqs), 4),
        "common_word_coverage": round(share(load_wordlist(builtin_path("common_words")), freqs), 4),
    }


def derive_cutoffs(stop_share: float | None, coverage: float | None, en: dict[str, float], flagged: bool) -> dict:
    """The language's cutoffs that differ from English (see the module's docstring)."""
    out: dict[str, float | None] = {}
    for level in ("paragraph", "document"):
        key = f"{level}_min_stopwords"
        out[key] = None if stop_share is None else round(DEFAULTS[key] * stop_share / en["stopword_share"], 3)
        key = f"{level}_min_common_words"
        out[key] = None if coverage is None else round(DEFAULTS[key] - (en["common_word_coverage"] - coverage), 3)
        if not flagged:
            out[f"{level}_max_flagged_words"] = None
        out[f"{level}_max_spam_words"] = None
    return out


def build(lang: str, en: dict[str, float]) -> dict:
    import wordfreq

    name, tokenizer = LANGUAGES[lang]
    wl = "large" if lang in wordfreq.available_languages(wordlist="large") else "small"
    freqs = wordfreq.get_frequency_dict(lang, wordlist=wl)
    common, stop, flagged = common_words(lang), stopwords(lang), flagged_words(lang)
    folder = DATA / "languages" / lang
    sources = {
        "common_words": f"wordfreq {version('wordfreq')}, '{wl}' list, top {TOP}, without digits",
        "stopwords": f"stopwordsiso {version('stopwordsiso')} (stopwords-iso)",
        "flagged_words": (
            f"glin-profanity {version('glin-profanity')} ({FLAGGED_FILES[lang]}.json), less "
            f"{len(FLAGGED_EXCLUDED.get(lang, '').split())} everyday words (obelics.filters.build_lists.FLAGGED_EXCLUDED)"
            if flagged
            else None
        ),
        "spam_words": None,
    }
    if lang == "zh":
        for lst in (common, stop, flagged):
            lst.extend(traditional_variants(lst))
        for k in ("common_words", "stopwords", "flagged_words"):
            if sources[k]:
                sources[k] += "; Traditional spellings from the jieba dictionary added"
    stop_share = round(share(stop, freqs), 4) if lang not in NO_WORD_RATIOS else None
    coverage = round(share(common, freqs), 4) if lang not in NO_WORD_RATIOS else None
    lists = {}
    for kind, words, fname in (
        ("common_words", common, "common_words.txt.gz"),
        ("stopwords", stop, "stopwords.txt"),
        ("flagged_words", flagged, "flagged_words.txt"),
    ):
        if not words:
            lists[kind] = None
            continue
        header = f"# {name} {kind.replace('_', ' ')}: {sources[kind]}; {len(words)} words, case-folded, sorted.\n"
        header += "# Built by: python -m obelics.filters.build_lists --lang " + lang + "\n"
        write_list(folder / fname, words, header)
        lists[kind] = f"languages/{lang}/{fname}"
    lists["spam_words"] = None
    derivation = {"stopword_share": stop_share, "common_word_coverage": coverage, "english": en}
    if lang in NO_WORD_RATIOS:
        derivation["note"] = NO_WORD_RATIOS[lang]
    return {
        "name": name,
        "tokenizer": tokenizer,
        "casefold": True,
        "lists": lists,
        "sources": sources,
        "cutoffs": derive_cutoffs(stop_share, coverage, en, bool(flagged)),
        "derivation": derivation,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lang", action="append", help="a language code (repeat); default: all")
    args = p.parse_args(argv)
    index_path = DATA / "languages.json"
    index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
    en = english_figures()
    index["en"] = {
        "name": "English",
        "tokenizer": "whitespace",
        "casefold": False,
        "lists": {k: v for k, v in BUILTIN_EN.items()},
        "sources": {
            "common_words": "wordfreq, 'large' list, top 200000, without digits (filters/build_wordlists.py)",
            "stopwords": "written for this project",
            "flagged_words": "written for this project",
            "spam_words": "written for this project",
        },
        "cutoffs": {},
        "derivation": {"note": "the OBELICS cutoffs, tuned on English web pages", **en},
    }
    for lang in args.lang or sorted(LANGUAGES):
        if lang not in LANGUAGES:
            print(f"unknown language {lang!r}; known: {', '.join(sorted(LANGUAGES))}", file=sys.stderr)
            return 2
        index[lang] = build(lang, en)
        c = index[lang]["cutoffs"]
        print(f"{lang}: stopwords >= {c['document_min_stopwords']}, common words >= {c['document_min_common_words']}")
    index_path.write_text(json.dumps(dict(sorted(index.items())), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {index_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
