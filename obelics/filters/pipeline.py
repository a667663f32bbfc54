"""The filter funnel: every OBELICS document filter applied to documents, with reasons counted.

Order, per document (the first failing check names the reason):

1. ``no_text``: no text at all.
2. ``too_few_images`` / ``too_many_images`` (cheap, so first).
3. ``language``: lid.176 on the whole page text: predicted language not in ``languages`` or
   its score under ``language_min_score`` (the upstream OBELICS step; it runs before the
   text filters because their word lists are those of the target language).
4. Paragraph filters: each paragraph (``\\n\\n``-separated) is checked in the order
   words, char_repetition, word_repetition, special_characters, stopwords, flagged_words,
   punctuation, spam_words, common_words, language (if ``paragraph_language``), perplexity
   (if ``paragraph_perplexity`` and a model). Failing paragraphs are removed; a text left
   empty disappears and its neighbours merge. ``no_text_left`` when none survive.
5. Document metrics on the remaining text, same order; then ``perplexity`` (with a model).
6. ``quality_classifier`` (with a model): P(good) under ``quality_threshold``.
7. ``nsfw_image``: any image (with bytes) whose NudeNet score reaches ``nsfw_threshold``.

Every image and every remaining paragraph of a removed document count as removed for the
document's reason, so ``images_in = images_out + sum(removed_images)`` and the same for
paragraphs: the stats are a complete funnel.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from obelics.document import PARAGRAPH_SEP, Document, Node
from obelics.filters.config import BY_LANGUAGE
from obelics.filters.languages import LanguageProfile, profile
from obelics.filters.quality import TextMetrics, WordTable
from obelics.stats import Stats

log = logging.getLogger("obelics")

END_OF_DOCUMENT = "END_OF_DOCUMENT_TOKEN_TO_BE_REPLACED"

# (metric, bound, reason) in checking order; bound "min" fails below the cutoff, "max" above it.
_CHECKS = (
    ("words", "min", "too_few_words"),
    ("words", "max", "too_many_words"),
    ("char_repetition", "max", "char_repetition"),
    ("word_repetition", "max", "word_repetition"),
    ("special_characters", "max", "special_characters"),
    ("stopwords", "min", "stopwords"),
    ("flagged_words", "max", "flagged_words"),
    ("punctuation", "min", "punctuation"),
    ("spam_words", "max", "spam_words"),
    ("common_words", "min", "common_words"),
)


_TABLES: dict[tuple, tuple[dict[str, frozenset[str]], WordTable]] = {}


def word_table(lists: dict[str, frozenset[str]]) -> WordTable:
    """The word-list table of these lists (built once per process and set of lists)."""
    key = tuple(id(v) for v in lists.values())  # the lists themselves are cached by path and mtime
    if key not in _TABLES:
        if len(_TABLES) >= 64:
            _TABLES.clear()
        _TABLES[key] = (lists, WordTable(lists))  # the lists held with it: their ids stay theirs
    return _TABLES[key][1]


def _cutoffs(settings: dict[str, Any], level: str) -> list[tuple[str, str, float, str]]:
    out = []
    for metric, bound, reason in _CHECKS:
        value = settings.get(f"{level}_{bound}_{metric}")
        if value is not None:
            out.append((metric, bound, float(value), reason))
    return out


@dataclass
class LanguageFilters:
    """The text metrics and cutoffs of one language."""

    profile: LanguageProfile
    metrics: TextMetrics
    paragraph_cutoffs: list[tuple[str, str, float, str]]
    document_cutoffs: list[tuple[str, str, float, str]]


def language_filters(p: LanguageProfile, settings: dict[str, Any]) -> LanguageFilters:
    """Build the metrics of a language profile (its segmenter is imported here, when needed)."""
    lists = p.list_words()
    segmenter = None
    if p.tokenizer != "whitespace":
        from obelics.filters.segment import get_segmenter

        phrases = frozenset(w for w in lists["flagged_words"] if len(w) > 1)
        segmenter = get_segmenter(p.tokenizer, phrases)
    metrics = TextMetrics(
        word_table(lists),
        char_n=int(settings["char_repetition_n"]),
        word_n=int(settings["word_repetition_n"]),
        segmenter=segmenter,
        casefold=p.casefold,
        punctuation=p.punctuation,
    )
    return LanguageFilters(p, metrics, _cutoffs(p.cutoffs, "paragraph"), _cutoffs(p.cutoffs, "document"))


class FilterSetupError(RuntimeError):
    """A filter cannot start (missing package or model): the whole task fails, no document is dropped."""


@dataclass
class _Pending:
    """A document that passed the checks before the text metrics."""

    out: Outcome
    paras: list[str]
    owner: list[int]  # the position (in ``texts``) of each paragraph
    marker: list[bool]
    n_images: int
    language: str


@dataclass
class Outcome:
    """What happened to one document: the document to write and the reason it was removed (None: kept)."""

    document: Document
    reason: str | None = None
    original: Document | None = None
    nsfw_slots: list[tuple[int, bytes]] = field(default_factory=list)
    language: str | None = None  # the language whose settings filtered it (None: removed before)


class DocumentFilter:
    """Applies the configured filters to batches of documents, counting removals in ``stats``."""

    def __init__(
        self,
        settings: dict[str, Any],
        stats: Stats | None = None,
        *,
        nsfw_detector: Any = None,
        language_identifier: Any = None,
    ) -> None:
        self.s = settings
        self.stats = stats if stats is not None else Stats("filter")
        self.language_order = list(dict.fromkeys(settings["languages"]))
        self.languages = frozenset(self.language_order)
        self.profiles = {code: profile(code, settings) for code in self.language_order}
        self._by_language: dict[str, LanguageFilters] = {}
        first = self.for_language(self.language_order[0])
        self.metrics = first.metrics  # the first language's (all of them with one language)
        self.paragraph_cutoffs = first.paragraph_cutoffs
        self.document_cutoffs = first.document_cutoffs

        # language identification
        self.lid = language_identifier
        needs_lid = settings.get("language_min_score") is not None or settings.get("paragraph_language")
        if self.lid is None and needs_lid:
            from obelics.filters.language import LanguageIdentifier

            self.lid = LanguageIdentifier(settings.get("language_model") or None)
        if self.lid is not None:
            unknown = self.lid.check_languages(sorted(self.languages))
            if unknown:
                raise ValueError(f"language code(s) {unknown} not known to the language model {self.lid.path}")

        # perplexity
        self.lm = None
        if settings.get("kenlm_model"):
            from obelics.filters.perplexity import PerplexityModel

            self.lm = PerplexityModel(
                settings["kenlm_model"], settings.get("sentencepiece_model") or None, settings["perplexity_lowercase"]
            )
            self.stats.set("perplexity", f"on: {settings['kenlm_model']}")
        else:
            self.stats.set("perplexity", "off: no model")

        # quality classifier
        self.quality = None
        if settings.get("quality_model"):
            from obelics.filters.classifier import QualityClassifier

            self.quality = QualityClassifier.load(settings["quality_model"])
            self.stats.set("quality_classifier", f"on: {settings['quality_model']}")
        else:
            self.stats.set("quality_classifier", "off: no model")

        # NSFW images: the detector is built when the first image bytes show up
        self._nsfw = nsfw_detector
        if not settings.get("nsfw_images"):
            self.stats.set("nsfw_images", "off: disabled")

    # ---- helpers ------------------------------------------------------------------------
    def for_language(self, code: str) -> LanguageFilters:
        """The metrics and cutoffs of a language (built on first use)."""
        if code not in self._by_language:
            self._by_language[code] = language_filters(self.profiles[code], self.s)
        return self._by_language[code]

    def _count_language(self, code: str, key: str, n: int = 1, reason: str | None = None) -> None:
        """Count into the per-language funnel (``stats.values["by_language"]``)."""
        if not n:
            return
        table = self.stats.values.setdefault(BY_LANGUAGE, {})
        row = table.setdefault(code, {})
        if reason is None:
            row[key] = row.get(key, 0) + n
        else:
            sub = row.setdefault(key, {})
            sub[reason] = sub.get(reason, 0) + n

    def nsfw_detector(self):
        if self._nsfw is None:
            try:
                from obelics.filters.nsfw import NsfwDetector

                self._nsfw = NsfwDetector(
                    self.s.get("nsfw_model") or None,
                    classes=self.s["nsfw_classes"],
                    batch_size=int(self.s["nsfw_batch_size"]),
                    threads=int(self.s["nsfw_threads"]),
                    device=self.s["nsfw_device"],
                )
            except Exception as e:  # noqa: BLE001 - whatever stops the detector from starting fails the task
                raise FilterSetupError(
                    f"cannot start the NSFW image detector ({e}); install obelics[nsfw] "
                    "or switch it off with --set nsfw_images=false"
                ) from e
            self.stats.set("nsfw_providers", ",".join(getattr(self._nsfw, "providers", [])))
        return self._nsfw

    def _count_images(self, doc: Document) -> int:
        """Images for the min/max rule: every image slot, or (count_undownloaded_images off) those with bytes."""
        if self.s["count_undownloaded_images"]:
            return doc.num_images
        if doc.image_bytes is None:
            return 0
        return sum(1 for i, b in zip(doc.images, doc.image_bytes) if i is not None and b is not None)

    def _reject(self, out: Outcome, reason: str, images: int, paragraphs: int) -> Outcome:
        """Remove the document; its images and remaining paragraphs count as removed for the same reason."""
        out.reason = reason
        self.stats.reason("removed_documents", reason)
        if out.language is not None:
            self._count_language(out.language, "removed_documents", 1, reason)
            self._count_language(out.language, "removed_paragraphs", paragraphs, reason)
        if images:
            self.stats.reason("removed_images", reason, images)
        if paragraphs:
            self.stats.reason("removed_paragraphs", reason, paragraphs)
        return out

    # ---- per document: counts, image count, language ---------------------------------------
    def _prepare(self, doc: Document) -> tuple[Outcome, _Pending | None]:
        """Count the document in; the checks that need no text metrics. Pending when it goes on."""
        s = self.s
        st = self.stats
        out = Outcome(document=doc, original=doc)
        n_images = doc.num_images
        st.inc("documents_in")
        st.inc("images_in", n_images)

        # paragraphs of each text position
        paras: list[str] = []
        owner: list[int] = []
        for ni, text in enumerate(doc.texts):
            if text is not None:
                for p in text.split(PARAGRAPH_SEP):
                    if p.strip():
                        paras.append(p)
                        owner.append(ni)
        st.inc("paragraphs_in", len(paras))
        if not paras:
            return self._reject(out, "no_text", n_images, 0), None

        counted = self._count_images(doc)
        if s.get("min_images") is not None and counted < s["min_images"]:
            return self._reject(out, "too_few_images", n_images, len(paras)), None
        if s.get("max_images") is not None and counted > s["max_images"]:
            return self._reject(out, "too_many_images", n_images, len(paras)), None

        # document language, on the page's whole text
        gm = doc.general_metadata
        language = self.language_order[0]
        if self.lid is not None and s.get("language_min_score") is not None:
            text = PARAGRAPH_SEP.join(paras)
            cap = int(s.get("language_max_chars") or 0)
            if cap and len(text) > cap:
                cut = text.rfind(" ", 0, cap)
                text = text[: cut if cut > cap // 2 else cap]
            lang, score, ok = self.lid.score(text, self.languages)
            gm["language"] = lang
            gm["language_score"] = round(score, 4)
            if not ok or score < s["language_min_score"]:
                return self._reject(out, "language", n_images, len(paras)), None
            language = lang
        out.language = language
        self._count_language(language, "documents_in")
        self._count_language(language, "paragraphs_in", len(paras))

        if any(END_OF_DOCUMENT in t for t in doc.texts if t is not None):
            marker = [p.strip() == END_OF_DOCUMENT for p in paras]
        else:
            marker = [False] * len(paras)
        return out, _Pending(out, paras, owner, marker, n_images, language)

    def filter_text(self, doc: Document) -> Outcome:
        """Every text filter of one document (``filter_batch`` does many at once)."""
        out, pending = self._prepare(doc)
        if pending is not None:
            self._text_filters([pending])
        return out

    # ---- text metrics, for all the pending documents of a batch at once ---------------------
    def _text_filters(self, pending: list[_Pending]) -> None:
        """The text filters of a batch, each language's documents together with its settings."""
        groups: dict[str, list[_Pending]] = {}
        for d in pending:
            groups.setdefault(d.language, []).append(d)
        for code, docs in groups.items():
            self._text_filters_of(self.for_language(code), docs)

    def _text_filters_of(self, lf: LanguageFilters, pending: list[_Pending]) -> None:
        s = self.s
        paras = [p for d in pending for p in d.paras]
        doc_of = np.repeat(np.arange(len(pending)), [len(d.paras) for d in pending])
        marker = np.fromiter(itertools.chain.from_iterable(d.marker for d in pending), dtype=bool, count=len(paras))
        seg = lf.metrics.tokenise(paras)
        keep = self._paragraph_keep(lf, seg, marker)

        # paragraph removals: rebuild the documents that lost some
        kept_per_doc = np.bincount(doc_of, weights=keep, minlength=len(pending)).astype(np.int64)
        use = keep & ~marker
        used_per_doc = np.bincount(doc_of, weights=use, minlength=len(pending)).astype(np.int64)
        offsets = np.concatenate(([0], np.cumsum([len(d.paras) for d in pending])))
        alive = np.ones(len(pending), dtype=bool)
        for di, d in enumerate(pending):
            if used_per_doc[di] == 0:
                self._reject(d.out, "no_text_left", d.n_images, 0)
                alive[di] = False
            elif kept_per_doc[di] < len(d.paras):
                d.out.document = self._rebuild(d, keep[offsets[di] : offsets[di + 1]])

        # document metrics on the remaining text (end-of-document markers left out), all documents at once
        if not alive.any():
            return
        joined = lf.metrics.join(seg, doc_of, use & alive[doc_of])
        m = lf.metrics.metrics(joined)
        alive_idx = np.flatnonzero(alive)
        failed = np.full(len(alive_idx), -1, dtype=np.int64)
        for i, (metric, bound, cut, _) in enumerate(lf.document_cutoffs):
            v = m[metric]
            bad = v < cut if bound == "min" else v > cut
            failed[(failed < 0) & bad] = i
        for j, di in enumerate(alive_idx):
            d = pending[di]
            if failed[j] >= 0:
                self._reject(d.out, lf.document_cutoffs[failed[j]][3], d.n_images, int(kept_per_doc[di]))
                continue
            if self.lm is not None and s.get("document_max_perplexity") is not None:
                ppl = self.lm.perplexity(joined.texts[j])
                d.out.document.general_metadata["perplexity"] = round(ppl, 1) if np.isfinite(ppl) else None
                if ppl > s["document_max_perplexity"]:
                    self._reject(d.out, "perplexity", d.n_images, int(kept_per_doc[di]))

    @staticmethod
    def _rebuild(d: _Pending, keep: np.ndarray) -> Document:
        kept_by_node: dict[int, list[str]] = {}
        for p, ni, k in zip(d.paras, d.owner, keep):
            if k:
                kept_by_node.setdefault(ni, []).append(p)
        new_nodes: list[Node] = []
        for ni, node in enumerate(d.out.document.nodes()):
            if node.text is None:
                new_nodes.append(node)
            elif ni in kept_by_node:
                new_nodes.append(Node(text=PARAGRAPH_SEP.join(kept_by_node[ni])))
        return d.out.document.replace_nodes(new_nodes)

    def _paragraph_keep(self, lf: LanguageFilters, seg, marker: np.ndarray) -> np.ndarray:
        """Which paragraphs pass; counts removed ones by reason."""
        s = self.s
        k = len(seg.texts)
        m = lf.metrics.metrics(seg, punctuation_min_words=int(s["paragraph_punctuation_min_words"] or 0))
        failed = np.full(k, -1, dtype=np.int64)
        reasons: list[str] = []
        for i, (metric, bound, cut, reason) in enumerate(lf.paragraph_cutoffs):
            v = m[metric]
            bad = v < cut if bound == "min" else v > cut
            failed[(failed < 0) & bad & ~marker] = i
            reasons.append(reason)
        keep = failed < 0
        if s.get("paragraph_language") and self.lid is not None:
            cut = s.get("paragraph_language_min_score")
            for i in np.flatnonzero(keep & ~marker):
                lang, score, ok = self.lid.score(seg.texts[i], self.languages)
                if not ok or (cut is not None and score < cut):
                    keep[i] = False
                    self.stats.reason("removed_paragraphs", "language")
                    self._count_language(lf.profile.code, "removed_paragraphs", 1, "language")
        if s.get("paragraph_perplexity") and self.lm is not None and s.get("paragraph_max_perplexity") is not None:
            for i in np.flatnonzero(keep & ~marker):
                if self.lm.perplexity(seg.texts[i]) > s["paragraph_max_perplexity"]:
                    keep[i] = False
                    self.stats.reason("removed_paragraphs", "perplexity")
                    self._count_language(lf.profile.code, "removed_paragraphs", 1, "perplexity")
        if (failed >= 0).any():
            for i, n in zip(*np.unique(failed[failed >= 0], return_counts=True)):
                self.stats.reason("removed_paragraphs", reasons[int(i)], int(n))
                self._count_language(lf.profile.code, "removed_paragraphs", int(n), reasons[int(i)])
        return keep

    # ---- batches (classifier and NSFW run on whole batches) -------------------------------
    def filter_batch(self, docs: Sequence[Document]) -> list[Outcome]:
        """Filter a batch; return one outcome per document, in order."""
        outs: list[Outcome] = []
        pending: list[_Pending] = []
        for d in docs:
            out, p = self._prepare(d)
            outs.append(out)
            if p is not None:
                pending.append(p)
        if pending:
            self._text_filters(pending)
        alive = [o for o in outs if o.reason is None]

        if self.quality is not None and self.s.get("quality_threshold") is not None and alive:
            probs = self.quality.predict_proba([o.document.text for o in alive])
            for o, p in zip(alive, probs):
                o.document.general_metadata["quality_score"] = round(float(p), 4)
                if p < self.s["quality_threshold"]:
                    self._reject(o, "quality_classifier", o.document.num_images, len(o.document.paragraphs()))
            alive = [o for o in alive if o.reason is None]

        if self.s.get("nsfw_images") and alive:
            self._nsfw_batch(alive)

        for o in outs:
            if o.reason is None:
                d = o.document
                self.stats.inc("documents_out")
                self.stats.inc("images_out", d.num_images)
                self.stats.inc("paragraphs_out", len(d.paragraphs()))
                if o.language is not None:
                    self._count_language(o.language, "documents_out")
                    self._count_language(o.language, "paragraphs_out", len(d.paragraphs()))
        return outs

    def _nsfw_batch(self, alive: list[Outcome]) -> None:
        slots: list[tuple[int, int, bytes]] = []
        for oi, o in enumerate(alive):
            d = o.document
            if d.image_bytes is None:
                self.stats.inc("images_without_bytes", d.num_images)
                continue
            for pos, (img, data) in enumerate(zip(d.images, d.image_bytes)):
                if img is None:
                    continue
                if data is None:
                    self.stats.inc("images_without_bytes")
                else:
                    slots.append((oi, pos, data))
        if not slots:
            return
        scores = self.nsfw_detector().scores([b for _, _, b in slots])
        threshold = float(self.s["nsfw_threshold"])
        flagged_docs: set[int] = set()
        for (oi, pos, _), score in zip(slots, scores):
            d = alive[oi].document
            meta = d.metadata[pos]
            if meta is None:
                meta = d.metadata[pos] = {}
            if score is None:
                self.stats.reason("skipped", "nsfw_undecodable_image")
                meta["nsfw_score"] = None
                continue
            self.stats.inc("images_nsfw_scored")
            meta["nsfw_score"] = round(float(score), 4)
            if score >= threshold:
                self.stats.inc("images_nsfw_flagged")
                flagged_docs.add(oi)
        for oi in sorted(flagged_docs):
            o = alive[oi]
            self._reject(o, "nsfw_image", o.document.num_images, len(o.document.paragraphs()))
