"""Content images of main-content mode: the images a reader view shows, wherever the text region ends.

The text region of main-content mode (:mod:`obelics.html.main_content`) is cut tight around the
article's prose. The images a reader sees as the article's (Mozilla Readability's reader view, the
definition users know) come from a wider container: a picture row between the text rows of a table
layout, a cell beside the text, a box one level up. This module finds that container from the same
text blocks, as Readability does, and the images in it that Readability's cleaning keeps:

1. elements Readability strips before it looks (:meth:`ContentImages.stripped`: hidden ones,
   menu/dialog roles, names of boilerplate outside tables) hold no candidate and no image;
2. every text block (``pre``, ``h2``-``h6``, a ``div`` of text; a ``p``, a table cell or a section
   with all its text, a table nested in a ``p`` included) of at least :data:`MIN_SCORED_TEXT` characters scores
   ``2 + commas + min(length / 85, 3)`` into up to :data:`SCORE_LEVELS` ancestors (divided by 1, 2,
   then 3 x level), each ancestor starting from its tag and class weight (:func:`class_weight`);
   scores are scaled by ``1 - link density``. Text cut by ``<br><br>`` is a paragraph per piece,
   as Readability rewrites it (:func:`_segments`): the pieces score into the element holding the
   breaks (a ``p`` so cut counts as a ``div``), not as one block into its parent; a div's loose
   text beside blocks is wrapped in paragraphs scoring into that div, and a div holding a
   paragraph alone gives way to it;
3. the best candidate moves to the ancestor it shares with at least :data:`MIN_TOP_ALTERNATIVES`
   other top candidates scoring close to it, then up to a parent scoring better (while parents
   keep a third of its score; an inline candidate in a div that also holds blocks first passes
   through the paragraph Readability wraps it in, scoring half of it), then through parents that hold nothing else (an element the
   page's boilerplate removal took counts as held, unless Readability drops or strips it too);
4. its siblings that score well (:data:`SIBLING_SHARE` of the best, or :data:`SIBLING_SCORE`), and
   sibling paragraphs of prose, join it; a container under :data:`ARTICLE_TEXT` characters (or
   none: every text stripped; one the cleaning of step 5 removes whole counts as empty) is
   Readability's failed attempt (what it strips and, for a short one, what step 5's cleaning
   removes inside it not counted: :func:`_article_length`), and steps 1-4 run again with less
   (:data:`ATTEMPTS`: no names stripped, then no class weights, then no cleaning);
5. an image of the container outside the text regions joins them unless a block around it is one
   Readability's conditional cleaning removes (:meth:`Cleaning.dropped_block`; a div of inline
   content alone is a paragraph for Readability, not judged, and each run of a div's loose inline
   content counts as a paragraph): a negative class
   weight, "Advertisement" alone, more images than twice its paragraphs outside a figure (but a
   list of images), link-heavy, a tiny linked box; a data table (not a single row or column) and
   what holds one stay; nor an image in a ``<noscript>`` that is no lazy image's twin.

:func:`choose_content_images` runs once the text regions are chosen, on the page they were
chosen on; :func:`with_content_images` places the container's images outside them among them, at
their place in the page, and :func:`drop_other_images` removes the text regions' images outside
the container or in a block of it that the cleaning of step 5 removes (but a lightbox gallery). Before the project's named boilerplate is removed, :func:`rescue_table_images`
copies out the images of removed layout-table cells (inside a table a cell's name says where it
is, not what it holds: Readability keeps it).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from obelics.html.simplify import BODY_ID, COMMENT_ID, HTML_ID, TEXT_ID, tag_id
from obelics.html.text_blocks import INLINE_IDS, TextBlocks, nonspace

# Elements whose whole text scores (not only the text they hold directly), and the other scored blocks.
WHOLE_TEXT_IDS = frozenset(tag_id(name) for name in ("td", "section", "p"))
SCORED_BLOCK_IDS = frozenset(tag_id(name) for name in ("p", "pre", "div", "h2", "h3", "h4", "h5", "h6"))
TABLE_OR_CODE_IDS = frozenset(tag_id(name) for name in ("table", "code"))
A_ID = tag_id("a")
BR_ID = tag_id("br")
DIV_ID = tag_id("div")
P_ID = tag_id("p")
DIV_LIKE_IDS = frozenset(tag_id(name) for name in ("div", "p"))  # a <p> split by <br><br> becomes a <div>
DIV_SCORE = 5
MIN_SCORED_TEXT = 22  # Readability's 25 characters, spaces not counted
SCORE_LEVELS = 5
LEVEL_DIVISORS = (1, 2, 6, 9, 12)  # a score's share in each of its SCORE_LEVELS ancestors: 1, 1/2, then 1/(3 x level)
LENGTH_UNIT = 85  # Readability's 100 characters, spaces not counted
TOP_CANDIDATES = 5
MAX_SCALED = 8  # candidates scaled by their link density, in raw order, at most
MAX_SUMMED_CHILDREN = 16  # children measured to sum an element's text length, at most
TOP_ALTERNATIVE_SHARE = 0.75
MIN_TOP_ALTERNATIVES = 3
SIBLING_SCORE = 10.0
SIBLING_SHARE = 0.2
PROSE_SIBLING_TEXT = 70  # Readability's 80 characters, spaces not counted
PROSE_SIBLING_LINKS = 0.25

# Readability's names of boilerplate, its "maybe a candidate" exceptions, and its class-name weights.
UNLIKELY_NAMES = re.compile(
    r"-ad-|ai2html|banner|breadcrumbs|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|"
    r"legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|"
    r"ad-break|agegate|pagination|pager|popup|yom-remote",
    re.IGNORECASE,
)
MAYBE_CANDIDATE_NAMES = re.compile(r"and|article|body|column|content|main|shadow", re.IGNORECASE)
UNLIKELY_ROLES = frozenset({"menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog"})
NEGATIVE_NAMES = re.compile(
    r"-ad-|hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|media|meta|"
    r"outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget",
    re.IGNORECASE,
)
POSITIVE_NAMES = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story", re.IGNORECASE
)
TAG_SCORES = {"div": 5, "pre": 3, "td": 3, "blockquote": 3}
NEGATIVE_TAG_SCORES = {"address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3}
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "th"})
# An element's tag score by its tag id (the three tables above in one: no tag name to build).
TAG_ID_SCORES = {
    tag_id(name): score
    for name, score in [*NEGATIVE_TAG_SCORES.items(), *TAG_SCORES.items(), *dict.fromkeys(HEADING_TAGS, -5).items()]
}

# Conditional cleaning: the blocks it judges, and its limits.
AD_WORDS = re.compile(
    r"^(ad(vertising|vertisement)?|pub(licité)?|werb(ung)?|广告|Реклама|Anuncio|"
    r"(loading|正在加载|Загрузка|chargement|cargando)(…|\.\.\.)?)$",
    re.IGNORECASE,
)
CLEANED_TAGS = frozenset({"div", "table", "ul", "form", "fieldset"})
# Parts of the container that keep their tag; the others become a <div>, cleaned as one.
UNCHANGED_TAGS = frozenset({"div", "article", "section", "p"})
CLEANED_IDS = frozenset(tag_id(name) for name in CLEANED_TAGS)
UNCHANGED_IDS = frozenset(tag_id(name) for name in UNCHANGED_TAGS)
TABLE_ID = tag_id("table")
NOSCRIPT_ID = tag_id("noscript")
# The elements a judged block's counts are made of.
JUDGED_TAGS = ("p", "img", "li", "ul", "ol", "noscript", "div", "a", "table")
_JUDGED_NAMES = {tag_id(name): name for name in JUDGED_TAGS}
PROSE_COMMAS = 10
LINKED_SHARE = 0.2
NAMED_LINKED_SHARE = 0.5
STRONG_WEIGHT = 25
SHORT_BOX_TEXT = 22  # Readability's 25 characters, spaces not counted
LIST_TEXT_SHARE = 0.9
FIGURE_LEVELS = 3
DATA_TABLE_ROWS = 10
DATA_TABLE_COLUMNS = 4
DATA_TABLE_CELLS = 10
MIN_CONTAINER_SHARE = 0.5
# Readability's attempts, in order (strip boilerplate names, class weights, cleaning), and the text
# an attempt's article needs for it to stop there (its 500 characters, spaces not counted).
ATTEMPTS = ((True, True, True), (False, True, True), (False, False, True), (False, False, False))
ARTICLE_TEXT = 420
MEASURED_ARTICLE = 3  # a container under this many ARTICLE_TEXT has the text its cleaning removes taken off
# Readability's phrasing content (a <font> becomes a <span>; a link, <del> or <ins> taken as one),
# which it wraps in paragraphs inside a div; and the link share under which such a div becomes one.
PHRASING_IDS = frozenset(
    i
    for i in map(
        tag_id,
        (
            "abbr", "audio", "b", "bdo", "br", "button", "cite", "code", "data", "datalist", "dfn", "em",
            "embed", "i", "img", "input", "kbd", "label", "mark", "math", "meter", "noscript", "object",
            "output", "progress", "q", "ruby", "samp", "script", "select", "small", "span", "strong", "sub",
            "sup", "textarea", "time", "var", "wbr", "font", "a", "del", "ins",
        ),
    )
    if i is not None
)  # fmt: skip
PARAGRAPH_LINKS = 0.25
EMPTY_DROPPED_TAGS = frozenset({"div", "section", "header", "h1", "h2", "h3", "h4", "h5", "h6"})
IMAGE_FILE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".tif", ".tiff")
# How many elements may wrap alone the lazy image a <noscript> follows.
MAX_TWIN_WRAPPERS = 3

_WEIGHTS: dict[tuple[str, str], int] = {}
# An element's ancestors, nearest first, as linked triples: (mem_id, element, the next ones).
Up = tuple[int, Any, Any] | None


def class_weight(node: Any) -> int:
    """Readability's class weight: -25 for a class or an id that names boilerplate, +25 for one naming content."""
    attrs = node.attributes
    key = (attrs.get("class") or "", attrs.get("id") or "")
    weight = _WEIGHTS.get(key)
    if weight is None:
        weight = 0
        for name in key:
            if name:
                name = name[:500]
                if NEGATIVE_NAMES.search(name):
                    weight -= 25
                if POSITIVE_NAMES.search(name):
                    weight += 25
        if len(_WEIGHTS) > 50_000:  # names repeat across the pages of a site; keep the cache bounded
            _WEIGHTS.clear()
        _WEIGHTS[key] = weight
    return weight


def _initial_score(node: Any, weights: bool = True) -> float:
    base = TAG_ID_SCORES.get(node.tag_id, 0)
    return base + class_weight(node) if weights else base


NAMES_ONLY, ALWAYS, ROLE = 1, 2, 3
_UNLIKELY_NAMES: dict[tuple[str | None, str | None], bool] = {}


def _unlikely(node: Any, attrs: dict[str, str | None]) -> int:
    """Whether Readability strips the element (``attrs``: its attributes, not empty) before scoring:
    0 no, :data:`ALWAYS` (hidden), :data:`ROLE` (of a menu or dialog role), :data:`NAMES_ONLY`
    (named as boilerplate: not inside a table)."""
    get = attrs.get
    if "hidden" in attrs or "aria-hidden" in attrs:
        aria = get("aria-hidden")
        if "hidden" in attrs or (aria and aria.strip().lower() == "true"):
            return 0 if "fallback-image" in (get("class") or "") else ALWAYS
    if "style" in attrs:
        style = get("style")
        if style:
            style = style.lower().replace(" ", "")
            if "display:none" in style or "visibility:hidden" in style:
                return ALWAYS
    if "role" in attrs:
        role = get("role")
        if role and role.strip().lower() in UNLIKELY_ROLES:
            return ROLE
    key = (get("class"), get("id"))
    found = _UNLIKELY_NAMES.get(key)
    if found is None:
        found = _unlikely_names(*key)
        if len(_UNLIKELY_NAMES) > 50_000:  # names repeat across the pages of a site; keep the cache bounded
            _UNLIKELY_NAMES.clear()
        _UNLIKELY_NAMES[key] = found
    return NAMES_ONLY if found and node.tag_id != A_ID else 0


def _unlikely_names(name: str | None, ident: str | None) -> bool:
    """Whether an element's class and id name boilerplate for Readability (and no likely content)."""
    if not name and not ident:
        return False  # (a single space: too short to name anything)
    names = f"{name or ''} {ident or ''}"[:500]
    if len(names) < 2:
        return False
    return UNLIKELY_NAMES.search(names) is not None and MAYBE_CANDIDATE_NAMES.search(names) is None


class ContentImages:
    """The candidates of a page, scored as Readability scores them, and the container they elect."""

    def __init__(
        self,
        blocks: TextBlocks,
        links: Callable[[Any], int],
        strip_names: bool = True,
        weights: bool = True,
        removed: dict[int, list[Any]] | None = None,
    ) -> None:
        self.seen: dict[int, tuple[bool, tuple[int, ...], bool, Up]] = {}
        self.flags: dict[int, tuple[bool, bool]] = {}  # elements :meth:`stripped` climbed alone: (stripped, in a table)
        self.links = links
        self.strip_names = strip_names  # Readability's first attempt: names and roles of boilerplate strip
        self.weights = weights  # class weights count (all attempts but the last two)
        self.as_div: set[int] = set()  # paragraphs Readability makes a <div> (their <br><br> split them)
        self.boxes: dict[int, int | None] = {}  # div -> the paragraph it holds alone (:meth:`_boxed`)
        # element -> the children the page's boilerplate removal took (:func:`removed_children`)
        self.removed = removed or {}
        self.raw, self.nodes = self._score(blocks)
        self.scaled: dict[int, float] = {}
        self.lengths: dict[int, int] = {}  # element -> its text length, once measured
        self.texts: dict[int, str] = {}  # element -> its text, when read whole to measure it (the page unchanged since)
        self.holds_measured: set[int] = set()  # elements holding one measured

    def score(self, key: int) -> float | None:
        """A candidate's score scaled by its link density (None: not a candidate), computed on first need."""
        found = self.scaled.get(key)
        if found is None:
            raw = self.raw.get(key)
            if raw is None:
                return None
            node = self.nodes[key]
            length = self.length(node, key)
            found = self.scaled[key] = raw * (1 - self.links(node) / length) if length else raw
        return found

    def length(self, node: Any, key: int) -> int:
        """A container's :func:`_text_length` (``key``: its ``mem_id``), remembered. An element's text is
        its children's end to end, so one holding a container already measured sums its children's
        (when they are few) rather than reading its whole text again."""
        lengths = self.lengths
        found = lengths.get(key)
        if found is not None:
            return found
        if key in self.holds_measured:
            found = self._summed_length(node)
        if found is None:
            text = self.texts[key] = node.text()
            found = _text_length(text)
        lengths[key] = found
        known = self.seen.get(key)
        up = known[3] if known is not None else None
        holds = self.holds_measured
        while up is not None and up[0] not in holds:
            holds.add(up[0])
            up = up[2]
        return found

    def _summed_length(self, node: Any) -> int | None:
        """The element's text length from its children's (None: too many to measure)."""
        lengths, holds = self.lengths, self.holds_measured
        total = 0
        measured = 0
        child = node.first_child
        while child is not None:
            key = child.mem_id
            part = lengths.get(key)
            if part is None:
                measured += 1
                if measured > MAX_SUMMED_CHILDREN:
                    return None
                part = self.length(child, key) if key in holds else _text_length(child.text())
            total += part
            child = child.next
        return total

    def ranked(self) -> list[tuple[int, float]]:
        """The :data:`TOP_CANDIDATES` best candidates and their scores, best first. A scaled score is
        at most the raw one, so candidates are scaled in raw order until no raw score can enter
        (or :data:`MAX_SCALED` are)."""
        best: list[tuple[int, float]] = []
        for key, raw in heapq.nlargest(MAX_SCALED, self.raw.items(), key=itemgetter(1)):  # ties in raw order
            if len(best) >= TOP_CANDIDATES and raw <= best[-1][1]:
                break
            score = self.score(key)
            best.append((key, raw if score is None else score))
            best.sort(key=lambda item: item[1], reverse=True)
            del best[TOP_CANDIDATES:]
        return best

    def stripped(self, node: Any) -> bool:
        """Whether the element lies in one Readability strips before it looks (step 1)."""
        return self._flags(node)[0]

    def _flags(self, node: Any) -> tuple[bool, bool]:
        """The first and third of :meth:`_climb`'s answers (stripped; a table or code at or above it),
        without the ancestors' chains that only scored blocks need: what an image or a sibling asks."""
        seen, flags = self.seen, self.flags
        key = node.mem_id
        known = seen.get(key)
        if known is not None:
            return known[0], known[2]
        found = flags.get(key)
        if found is not None:
            return found
        chain = []
        above: tuple[bool, bool] | None = (False, False)
        while True:
            chain.append((key, node))
            node = node.parent
            if node is None:
                above = (False, False)
                break
            key = node.mem_id
            known = seen.get(key)
            if known is not None:
                above = (known[0], known[2])
                break
            above = flags.get(key)
            if above is not None:
                break
        stripped, in_table = above
        strip_names = self.strip_names
        for key, node in reversed(chain):
            tid = node.tag_id
            if not stripped and tid != HTML_ID and tid != BODY_ID:
                attrs = node.attributes
                if attrs:
                    strip = _unlikely(node, attrs)
                    stripped = strip == ALWAYS or (
                        strip_names and (strip == ROLE or (strip == NAMES_ONLY and not in_table))
                    )
            if tid in TABLE_OR_CODE_IDS:
                in_table = True
            flags[key] = found = (stripped, in_table)
        return found  # type: ignore[return-value]

    def _climb(self, node: Any, key: int | None = None) -> tuple[bool, tuple[int, ...], bool, Up]:
        """What the page says of an element (``key``: its ``mem_id`` when known), from its ancestors
        down, each element judged once: ``(stripped, the table cells and sections at or above it (their
        ``mem_id``), a
        table or code at or above it, its ancestors nearest first as a linked :data:`Up`, the
        page's root left out)``."""
        seen = self.seen
        if key is None:
            key = node.mem_id
        known = seen.get(key)
        if known is not None:
            return known
        chain = [(key, node)]
        node = node.parent
        if node is not None:
            parent_key = node.mem_id
            known = seen.get(parent_key)
            if known is not None and node.tag_id != HTML_ID:  # (most blocks: the parent is judged)
                key, node, parent, (stripped, whole, in_table, up) = chain[0][0], chain[0][1], node, known
                tid = node.tag_id
                if not stripped and tid != HTML_ID and tid != BODY_ID:
                    attrs = node.attributes
                    if attrs:
                        strip = _unlikely(node, attrs)
                        stripped = strip == ALWAYS or (
                            self.strip_names and (strip == ROLE or (strip == NAMES_ONLY and not in_table))
                        )
                found = seen[key] = (
                    stripped,
                    (*whole, key) if tid in WHOLE_TEXT_IDS else whole,
                    in_table or tid in TABLE_OR_CODE_IDS,
                    (parent_key, parent, up),
                )
                return found
            key = parent_key
            while known is None:
                chain.append((key, node))
                node = node.parent
                if node is None:
                    break
                key = node.mem_id
                known = seen.get(key)
        above = known if known is not None else (False, (), False, None)
        parent = node if node is not None and node.tag_id != HTML_ID else None
        parent_key = key
        for key, node in reversed(chain):
            stripped, whole, in_table, up = above
            tid = node.tag_id
            if not stripped and tid != HTML_ID and tid != BODY_ID:
                attrs = node.attributes
                if attrs:
                    strip = _unlikely(node, attrs)
                    stripped = strip == ALWAYS or (
                        self.strip_names and (strip == ROLE or (strip == NAMES_ONLY and not in_table))
                    )
            if tid in WHOLE_TEXT_IDS:
                whole = (*whole, key)
            if parent is not None:
                up = (parent_key, parent, up)
            above = seen[key] = (stripped, whole, in_table or tid in TABLE_OR_CODE_IDS, up)
            parent, parent_key = (node if tid != HTML_ID else None), key
        return above

    def _score(self, blocks: TextBlocks) -> tuple[dict[int, float], dict[int, Any]]:
        """Step 2's raw scores (before the link density) of every candidate, and the candidates."""
        scored: list[tuple[Up, int, int]] = []  # (the block's ancestors, length, commas)
        whole: dict[int, list[Any]] = {}
        climb, seen = self._climb, self.seen
        split, paths = _break_pair_blocks(blocks.root)
        for block_key, (block, length, _, commas) in blocks.blocks.items():
            stripped, cells, _, up = climb(block, block_key)
            if stripped:
                continue
            tid = block.tag_id
            nested: list[tuple[Any, list[tuple[str, bool]]]] = []
            segments = _segments(block, paths, nested) if block_key in split else None
            if segments is not None and any(paired for _, paired in segments):
                # Readability's paragraphs of the block (split at <br><br>) score into it, one level down;
                # a <p> cut so becomes a <div> (whose loose text Readability wraps in paragraphs too)
                inside = (block_key, block, up)
                retagged = tid in DIV_LIKE_IDS
                if retagged and tid != DIV_ID:
                    self.as_div.add(block_key)
                scored.extend((inside, n, c) for n, c in _paragraph_scores(segments, retagged))
                if not retagged and tid in SCORED_BLOCK_IDS:
                    scored.append((up, length, commas))
            elif tid == DIV_ID and not _inline_only(block):  # (its first block child ends the look)
                # a div of text and blocks: Readability wraps each run of its text in a paragraph
                segments = _segments(block, paths, nested)
                scored.extend(((block_key, block, up), n, c) for n, c in _paragraph_scores(segments, True))
            elif tid in SCORED_BLOCK_IDS and tid != P_ID:  # (a paragraph scores with all its text, below)
                scored.append((up, length, commas))
            for element, inner in nested:  # paragraphs inside an inline element score into it
                inside = (element.mem_id, element, climb(element)[3])
                scored.extend((inside, n, c) for n, c in _paragraph_scores(inner, True))
            for key in cells:
                entry = whole.get(key)
                if entry is None:
                    above = seen[key][3]  # (a cell at or above the block: climbed)
                    if above is not None and above[1].tag_id == DIV_ID and self._boxed(above[0], above[1]) == key:
                        above = above[2]  # Readability puts the paragraph in its div's place
                    whole[key] = [above, length, commas]
                else:
                    entry[1] += length
                    entry[2] += commas
        as_div = self.as_div
        scored.extend((up, length, commas) for key, (up, length, commas) in whole.items() if key not in as_div)
        scores: dict[int, float] = {}
        nodes: dict[int, Any] = {}
        get, weights = scores.get, self.weights
        for up, length, commas in scored:
            if length < MIN_SCORED_TEXT:
                continue
            units = length // LENGTH_UNIT
            score = 2 + commas + (units if units < 3 else 3)
            for divisor in LEVEL_DIVISORS:
                if up is None:
                    break
                key, ancestor, up = up
                found = get(key)
                if found is None:
                    found = _initial_score(ancestor, weights) + (DIV_SCORE if key in as_div else 0)
                    nodes[key] = ancestor
                scores[key] = found + score / divisor
        return scores, nodes

    def top(self) -> Any | None:
        """Step 3: the candidate elected as the article's container (None: the whole body)."""
        ranked = self.ranked()
        if not ranked or ranked[0][1] <= 0:
            return None
        nodes = self.nodes
        top = nodes[ranked[0][0]]
        top_score = ranked[0][1]
        if top.tag_id == BODY_ID:
            return None
        alternatives = [
            self._ancestor_keys(key) for key, score in ranked[1:] if score >= TOP_ALTERNATIVE_SHARE * top_score
        ]
        if len(alternatives) >= MIN_TOP_ALTERNATIVES:
            parent = top.parent
            while parent is not None and parent.tag_id not in (BODY_ID, HTML_ID):
                if sum(parent.mem_id in keys for keys in alternatives) >= MIN_TOP_ALTERNATIVES:
                    top = parent
                    break
                parent = parent.parent
        if top.mem_id not in self.raw:
            self.raw[top.mem_id] = self.scaled[top.mem_id] = _initial_score(top, self.weights)
            nodes[top.mem_id] = top
        last = self.score(top.mem_id) or 0.0
        threshold = last / 3
        parent = top.parent
        if top.tag_id in INLINE_IDS and parent is not None and parent.tag_id == DIV_ID and not _inline_runs(parent)[1]:
            last /= 2  # Readability wrapped it in a paragraph first, a parent scoring half of it
        while parent is not None and parent.tag_id not in (BODY_ID, HTML_ID):
            score = self.score(parent.mem_id)
            if score is not None:
                if score < threshold:
                    break
                if score > last:
                    top = parent
                    break
                last = score
            parent = parent.parent
        parent = top.parent
        while parent is not None and parent.tag_id not in (BODY_ID, HTML_ID) and self._children(parent) == 1:
            top = parent
            parent = top.parent
        return top

    def _boxed(self, div_key: int, div: Any) -> int | None:
        """The paragraph (its ``mem_id``) that Readability puts in its div's place (``div_key``: the
        div's ``mem_id``; None: none), looked at once per div: :meth:`_paragraph_box` of its first
        child that is no blank text or comment."""
        boxes = self.boxes
        if div_key in boxes:
            return boxes[div_key]
        first = _next_non_space(div.first_child)
        found = first.mem_id if first is not None and self._paragraph_box(div, first.mem_id) else None
        boxes[div_key] = found
        return found

    def _paragraph_box(self, div: Any, key: int) -> bool:
        """Whether Readability puts a paragraph (``key``: its ``mem_id``; a table cell or section:
        never) in its div's place: the div holds it alone (but spaces), with under
        :data:`PARAGRAPH_LINKS` of its text in links."""
        first = _next_non_space(div.first_child)
        if first is None or first.mem_id != key or first.tag_id != P_ID:
            return False
        last = div.last_child
        while last is not None and last.tag_id in (TEXT_ID, COMMENT_ID) and not (last.text_content or "").strip():
            last = last.prev
        if last is None or last.mem_id != key:
            return False
        length = _text_length(div.text())
        return not length or self.links(div) < PARAGRAPH_LINKS * length

    def _ancestor_keys(self, key: int) -> set[int]:
        """A candidate's ancestors (the page's root left out), from its climb."""
        keys = set()
        up = self.seen[key][3]
        while up is not None:
            keys.add(up[0])
            up = up[2]
        return keys

    def _children(self, node: Any) -> int:
        """Element children Readability sees (the stripped ones gone), those the page's boilerplate
        removal took (:attr:`removed`) included."""
        count = 0
        for child in self.removed.get(node.mem_id, ()):
            count += _seen_removed(child, node, self.strip_names)
        child = node.first_child
        while child is not None:
            if child.tag_id not in (TEXT_ID, COMMENT_ID) and not self.stripped(child):
                count += 1
                if count > 1:
                    break
            child = child.next
        return count

    def regions(self) -> list[Any] | None:
        """Step 4: the container with the siblings that join it, in document order (None: the whole body)."""
        top = self.top()
        if top is None:
            return None
        parent = top.parent
        if parent is None:
            return [top]
        top_score = self.score(top.mem_id) or 0.0
        threshold = max(SIBLING_SCORE, SIBLING_SHARE * top_score)
        top_class = top.attributes.get("class") or ""
        out = []
        for sibling in parent.iter():
            if sibling.mem_id == top.mem_id:
                out.append(sibling)
                continue
            if self.stripped(sibling):
                continue
            bonus = SIBLING_SHARE * top_score if top_class and sibling.attributes.get("class") == top_class else 0.0
            raw = self.raw.get(sibling.mem_id)
            if (
                raw is not None
                and raw + bonus >= threshold
                and (self.score(sibling.mem_id) or 0.0) + bonus >= threshold
            ):
                out.append(sibling)
            elif sibling.tag == "p" and _prose(sibling, self.links):
                out.append(sibling)
        return out


def _break_pair_blocks(root: Any) -> tuple[set[int], set[int]]:
    """Where ``<br><br>`` (two line breaks or more, only spaces between) cut text: the blocks
    (:class:`TextBlocks`' nearest non-inline ancestor) holding such a pair, and the inline elements
    between a pair and its block (their ``mem_id``). One selector query for the page."""
    blocks: set[int] = set()
    paths: set[int] = set()
    for br in root.css("br + br"):  # (the selector skips text between them: checked below)
        before = br.prev
        while before is not None and before.tag_id in (TEXT_ID, COMMENT_ID) and not (before.text_content or "").strip():
            before = before.prev
        if before is None or before.tag_id != BR_ID:
            continue
        node = br.parent
        while node is not None and node.tag_id in INLINE_IDS:
            paths.add(node.mem_id)
            node = node.parent
        if node is not None:
            blocks.add(node.mem_id)
    return blocks, paths


def _segments(
    container: Any, paths: set[int], nested: list[tuple[Any, list[tuple[str, bool]]]]
) -> list[tuple[str, bool]]:
    """The inline content of an element cut where Readability makes paragraphs of it: at each
    ``<br><br>`` (two line breaks or more, only spaces between) and at each block element.
    ``(text, after a break pair)`` per segment, the first one what comes before any cut. An inline
    child cut by its own pairs keeps its segments after the first pair (``nested``, with it):
    Readability's paragraphs inside it; its text before them joins the segment around it."""
    segments: list[tuple[str, bool]] = []
    parts: list[str] = []
    paired = False
    child = container.first_child
    while child is not None:
        tid = child.tag_id
        if tid == TEXT_ID:
            parts.append(child.text_content or "")
        elif tid == BR_ID:
            after = _next_non_space(child.next)
            if after is not None and after.tag_id == BR_ID:
                segments.append(("".join(parts), paired))
                parts, paired = [], True
                while after is not None and after.tag_id == BR_ID:
                    child = after
                    after = _next_non_space(after.next)
        elif tid in INLINE_IDS:
            if child.mem_id in paths:  # a pair is inside
                inner = _segments(child, paths, nested)
                parts.append(inner[0][0])
                if len(inner) > 1:
                    nested.append((child, inner[1:]))
            else:
                parts.append(child.text())
        elif tid != COMMENT_ID:
            segments.append(("".join(parts), paired))
            parts, paired = [], False
        child = child.next
    segments.append(("".join(parts), paired))
    return segments


def _next_non_space(node: Any) -> Any | None:
    """The node, or the first after it, that is no blank text or comment."""
    while node is not None and node.tag_id in (TEXT_ID, COMMENT_ID) and not (node.text_content or "").strip():
        node = node.next
    return node


def _paragraph_scores(segments: list[tuple[str, bool]], all_of_them: bool) -> list[tuple[int, int]]:
    """``(length, commas)`` of the segments that score (long enough; after a break pair unless ``all_of_them``)."""
    out = []
    for text, paired in segments:
        if paired or all_of_them:
            length = nonspace(text)
            if length >= MIN_SCORED_TEXT:
                out.append((length, text.count(",") + text.count("\uff0c")))
    return out


def _prose(paragraph: Any, links: Callable[[Any], int]) -> bool:
    """A paragraph Readability joins to its container: long with few links, or a short linkless sentence."""
    text = paragraph.text()
    length = nonspace(text)
    if not length:
        return False
    density = links(paragraph) / length
    if length > PROSE_SIBLING_TEXT:
        return density < PROSE_SIBLING_LINKS
    return density == 0 and re.search(r"\.( |$)", text.strip()) is not None


def _text_length(text: str) -> int:
    """The text's characters but spaces, line breaks and tabs (an indented page's tabs would make a short
    article long): :func:`nonspace` but for carriage returns and no-break spaces, at less cost (this
    runs on whole containers)."""
    return len(text) - text.count(" ") - text.count("\n") - text.count("\t")


def _element_children(node: Any) -> int:
    count = 0
    child = node.first_child
    while child is not None:
        if child.tag_id not in (TEXT_ID, COMMENT_ID):
            count += 1
        child = child.next
    return count


def _data_table(table: Any) -> bool:
    """Readability's data table: a summary, caption or header cells, or a grid of many cells (not a
    single row or column: those lay out a page)."""
    attrs = table.attributes
    if (attrs.get("role") or "") == "presentation" or attrs.get("datatable") == "0":
        return False
    if attrs.get("summary") or table.css_first("caption,col,colgroup,tfoot,thead,th") is not None:
        return True
    if len(table.css("table")) > 1:  # Lexbor's selectors match the element itself too
        return False
    rows = _rows(table)
    count = sum(_span(row, "rowspan") for row in rows)
    columns = max((sum(_span(cell, "colspan") for cell in row.iter() if cell.tag == "td") for row in rows), default=0)
    if count == 1 or columns == 1:
        return False  # a single row or column lays out a page
    return count >= DATA_TABLE_ROWS or columns > DATA_TABLE_COLUMNS or count * columns > DATA_TABLE_CELLS


def _span(node: Any, name: str) -> int:
    """A row's ``rowspan`` or a cell's ``colspan`` (1 when absent or unreadable)."""
    match = re.match(r"\s*(\d+)", node.attributes.get(name) or "")
    return int(match.group(1)) or 1 if match else 1


def _rows(table: Any) -> list[Any]:
    """The table's own rows (not those of the tables in its cells)."""
    rows = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            rows.extend(row for row in child.iter() if row.tag == "tr")
    return rows


def _in_figure(node: Any) -> bool:
    """Whether a ``<figure>`` holds the element, a few levels up."""
    for _ in range(FIGURE_LEVELS):
        node = node.parent
        if node is None:
            return False
        if node.tag == "figure":
            return True
    return False


class Cleaning:
    """Readability's conditional cleaning, judged on the blocks around the images only, each once."""

    def __init__(
        self,
        links: Callable[[Any], int],
        strips: bool = True,
        weights: bool = True,
        active: bool = True,
        verdicts: dict[int, tuple[bool, bool]] | None = None,
        texts: dict[int, str] | None = None,
    ) -> None:
        self.links = links
        self.strips = strips  # Readability's rules alone (the text regions' own: galleries and infoboxes stay)
        # element -> whether it goes (with the strips rule, without it), shared by the cleanings of a page
        self.verdicts: dict[int, tuple[bool, bool]] = {} if verdicts is None else verdicts
        self.weights = weights  # class weights count (Readability's first two attempts)
        self.active = active  # cleaning at all (all attempts but the last)
        self.outcomes: dict[int, tuple[Any | None, bool]] = {}  # element -> (removing block, in a data table)
        self.lengths: dict[int, int] = {}
        self.tables: dict[int, bool] = {}
        self.div_runs: dict[int, tuple[int, bool]] = {}
        # element -> its text, already read (only while the page is as it was read: not after the pruning)
        self.texts: dict[int, str] = {} if texts is None else texts

    def text_len(self, node: Any) -> int:
        key = node.mem_id
        length = self.lengths.get(key)
        if length is None:
            length = self.lengths[key] = nonspace(node.text())
        return length

    def data_table(self, table: Any) -> bool:
        key = table.mem_id
        found = self.tables.get(key)
        if found is None:
            found = self.tables[key] = _data_table(table)
        return found

    def removing_block(self, start: Any, top: Any) -> Any | None:
        """The outermost block from ``start`` (an image's parent) up to the container's root ``top``
        that the cleaning removes (None: it stays). Each element is judged once."""
        if not self.active:
            return None
        outcomes = self.outcomes
        top_key = top.mem_id
        chain = []
        node = start
        found = None
        while node is not None:
            key = node.mem_id
            found = outcomes.get(key)
            if found is not None:
                break
            chain.append((key, node))
            if key == top_key:
                break
            node = node.parent
        removing, exempt = found if found is not None else (None, False)
        for key, node in reversed(chain):
            if not exempt:
                tid = node.tag_id
                if tid == TABLE_ID and self.data_table(node):
                    exempt, removing = True, None  # a data table and all it holds stay
                elif removing is None and (tid in CLEANED_IDS or (key == top_key and tid not in UNCHANGED_IDS)):
                    # (but a div Readability made a paragraph of: not judged)
                    if self.dropped_block(node) and not (tid == DIV_ID and self.paragraph(node)):
                        removing = node
            outcomes[key] = (removing, exempt)
        return None if exempt else removing

    def dropped_block(self, node: Any) -> bool:
        """Whether Readability's conditional cleaning removes a block (its images with it); a block
        holding a data table stays. Without :attr:`strips` (the text regions' own images), a lightbox
        gallery (:func:`_lightbox`) stays whatever its images and links, and so does an infobox and
        what holds one (:func:`_holds_infobox`): the text regions' galleries and infoboxes are theirs."""
        key = node.mem_id
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self._verdict(node, _in_figure(node))
        return verdict[0] if self.strips else verdict[1]

    def _verdict(self, node: Any, in_figure: bool) -> tuple[bool, bool]:
        """:meth:`dropped_block`'s answers, with and without the strips rule."""
        weight = class_weight(node) if self.weights else 0
        if weight < 0:
            gone = not self._holds_data_table(node)
            return gone, gone
        text = self.texts.get(node.mem_id)
        if text is None:
            text = node.text()
        if text.count(",") >= PROSE_COMMAS:
            return False, False
        length = nonspace(text)
        self.lengths[node.mem_id] = length
        if length < 40 and AD_WORDS.match(text.strip()):
            gone = not self._holds_data_table(node)  # a box that says "Advertisement", or "Loading..."
            return gone, gone
        density = self.links(node) / length if length else 0.0
        if length >= SHORT_BOX_TEXT and density <= (NAMED_LINKED_SHARE if weight >= STRONG_WEIGHT else LINKED_SHARE):
            # only the strips rule can remove it: cheap counts first (a container holds many elements)
            images = len(node.css("img")) - (node.tag == "img")
            if images <= 1 or len(node.css("p")) - (node.tag == "p") >= 0.5 * images:
                return False, False
        counts = {"p": 0, "img": 0, "li": 0, "ul": 0, "ol": 0, "noscript": 0, "div": 0, "a": 0, "table": 0}
        found: dict[str, list[Any]] = {"div": [], "a": [], "table": []}
        for element, tag in _judged_elements(node):
            counts[tag] += 1
            if tag in found:
                found[tag].append(element)
        counts[node.tag] = counts.get(node.tag, 1) - 1  # the selectors match the element itself too
        divs, tables = found["div"], found["table"]
        images, paragraphs = counts["img"], counts["p"]
        for div in divs:  # (while it matters) the paragraphs Readability wraps divs' loose inline content in
            if images <= 1 or paragraphs >= 0.5 * images:
                break
            paragraphs += self.runs(div)[0]
        if images > 1 and counts["noscript"] and not in_figure and paragraphs / images < 0.5:
            images -= len(node.css("noscript img"))  # Readability unwraps a lazy image's twin
        is_list = node.tag in ("ul", "ol") or ((counts["ul"] or counts["ol"]) and self._listed(node, length))
        remove = (
            (not in_figure and images > 1 and paragraphs / images < 0.5)
            or (weight >= STRONG_WEIGHT and density > NAMED_LINKED_SHARE)
            or (not is_list and weight < STRONG_WEIGHT and density > LINKED_SHARE)
            or (not is_list and not in_figure and length < SHORT_BOX_TEXT and images != 1 and density > 0)
        )
        if not remove:
            return False, False
        if is_list:
            # a simple list of images stays: every item a single element, each holding an image
            if all(_element_children(child) <= 1 for child in node.iter()) and images == counts["li"]:
                return False, False
        if any(self.data_table(table) for table in tables):
            return False, False
        return True, not (_lightbox(found["a"]) or _holds_infobox(tables))

    def runs(self, div: Any) -> tuple[int, bool]:
        """Readability's paragraphs of a div's loose inline content (remembered): how many runs of
        it hold more than spaces and line breaks, and whether the div holds nothing else."""
        key = div.mem_id
        found = self.div_runs.get(key)
        if found is None:
            found = self.div_runs[key] = _inline_runs(div)
        return found

    def paragraph(self, div: Any) -> bool:
        """Whether Readability turns the div into a paragraph: inline content only, in one run,
        with under a quarter of its text in links (:data:`PARAGRAPH_LINKS`)."""
        key = div.mem_id
        found = self.div_runs.get(key)
        if found is None:
            if not _inline_only(div):
                return False
            found = self.runs(div)
        runs, only = found
        if not only or runs != 1:
            return False
        length = self.text_len(div)
        return not length or self.links(div) < PARAGRAPH_LINKS * length

    def _holds_data_table(self, node: Any) -> bool:
        return any(self.data_table(table) for table in node.css("table"))

    def _listed(self, node: Any, length: int) -> bool:
        """Whether the block's text is nearly all in lists."""
        listed = sum(self.text_len(lst) for lst in node.css("ul,ol") if lst.mem_id != node.mem_id)
        return length > 0 and listed > LIST_TEXT_SHARE * length


def _judged_elements(node: Any) -> list[tuple[Any, str]]:
    """The elements the conditional cleaning counts in a block (:data:`JUDGED_TAGS`; the block
    itself included), each with its tag, in document order: what the selector of these tags
    finds, by one walk of the block (a selector list costs Lexbor more than the walk)."""
    names = _JUDGED_NAMES
    out = []
    for element in node.traverse():
        tag = names.get(element.tag_id)
        if tag is not None:
            out.append((element, tag))
    return out


def _holds_infobox(tables: list[Any]) -> bool:
    """Whether a block's tables (``tables``, itself included) hold a table of data as the text
    regions' rules see one (an infobox: a caption, header cells or :data:`DATA_TABLE_ROWS` rows,
    its nested tables' too)."""
    return any(
        table.css_first("caption,th,thead,colgroup,tfoot") is not None or len(table.css("tr")) >= DATA_TABLE_ROWS
        for table in tables
    )


def _lightbox(links: list[Any]) -> bool:
    """Whether a block's links (``links``) all open image files (a lightbox gallery), and it has some."""
    for link in links:
        href = (link.attributes.get("href") or "").split("?", 1)[0].split("#", 1)[0].strip().lower()
        if not href.endswith(IMAGE_FILE_SUFFIXES):
            return False
    return bool(links)


def _inline_only(div: Any) -> bool:
    """Whether a div's children are all inline (Readability's phrasing content), text and comments."""
    child = div.first_child
    while child is not None:
        tid = child.tag_id
        if tid not in PHRASING_IDS and tid != TEXT_ID and tid != COMMENT_ID:
            return False
        child = child.next
    return True


def _inline_runs(div: Any) -> tuple[int, bool]:
    """The runs of a div's inline children (Readability's phrasing content) that hold more than
    spaces and line breaks, split by its other children; and whether it has no other child."""
    runs = 0
    in_run = False
    only = True
    child = div.first_child
    while child is not None:
        tid = child.tag_id
        if tid == TEXT_ID:
            if not in_run and not (child.text_content or "").isspace():
                runs += 1
                in_run = True
        elif tid in PHRASING_IDS:
            if not in_run and tid != BR_ID:
                runs += 1
                in_run = True
        elif tid != COMMENT_ID:
            only = False
            in_run = False
        child = child.next
    return runs, only


def _cleaned_out(img: Any, top: Any) -> bool:
    """Whether a ``<noscript>`` between the image and the container's root ``top`` (included) is
    no lazy image's twin: Readability removes every other ``<noscript>`` (an ad behind a script)."""
    node = img.parent
    top_key = top.mem_id
    while node is not None:
        if node.tag_id == NOSCRIPT_ID and not _image_twin(node):
            return True
        if node.mem_id == top_key:
            return False
        node = node.parent
    return False


def _image_twin(noscript: Any) -> bool:
    """Whether the element before a ``<noscript>`` is an image or wraps one alone (its lazy twin)."""
    sibling = noscript.prev
    while sibling is not None and sibling.tag_id in (TEXT_ID, COMMENT_ID) and not (sibling.text() or "").strip():
        sibling = sibling.prev
    for _ in range(MAX_TWIN_WRAPPERS + 1):
        if sibling is None or sibling.tag_id in (TEXT_ID, COMMENT_ID):
            return False
        if sibling.tag in ("img", "picture"):
            return True
        if _element_children(sibling) != 1 or nonspace(sibling.text()):
            return False
        sibling = sibling.first_child
        while sibling is not None and sibling.tag_id in (TEXT_ID, COMMENT_ID):
            sibling = sibling.next
    return False


class ChosenImages:
    """The content container of a page and what it decides of images, once the text regions are
    known: :meth:`extras` (its images outside them) and :meth:`allows` (an image of theirs)."""

    def __init__(self, found: ContentImages, cleaning: Cleaning, regions: list[Any]) -> None:
        self.found = found
        self.cleaning = cleaning
        self.regions = regions
        self.trusted = True
        self.holders: dict[int, Any] = {region.mem_id: region for region in regions}  # element -> its region
        self.region_keys = frozenset(self.holders)
        # the text regions' own images: the cleaning but for strips of images (galleries are theirs)
        self.inner = Cleaning(
            cleaning.links, strips=False, weights=cleaning.weights, active=cleaning.active, verdicts=cleaning.verdicts
        )

    def fits(self, group: list[Any]) -> bool:
        """Whether the container may decide the images of the text regions ``group``: not when it
        holds no image and under :data:`MIN_CONTAINER_SHARE` of their text (a notice bar, one
        paragraph of a longer article: not the reader view's article). Remembered in ``trusted``."""
        if any(region.css_first("img") is not None for region in self.regions):
            return True
        inner = sum(self.found.length(region, region.mem_id) for region in self.regions)  # (the page unchanged)
        outer = sum(_text_length(region.text()) for region in group)
        self.trusted = inner >= MIN_CONTAINER_SHARE * outer
        return self.trusted

    def allows(self, img: Any, region: Any | None = None) -> bool:
        """Whether an image of the text regions is the article's: in the container, not stripped,
        and in no block of it that the cleaning removes (but a lightbox gallery: :attr:`inner`).
        ``region``: the container's region that holds the image, when known (else looked up)."""
        if region is None:
            region = self._region(img)
        if region is None or self.found.stripped(img):
            return False
        if region.mem_id == img.mem_id:
            return True
        return self.inner.removing_block(img.parent, region) is None

    def _region(self, node: Any) -> Any | None:
        """The container's region that holds an element (itself included; None: outside the
        container), each ancestor looked at once. The regions are siblings: none holds another."""
        holders = self.holders
        chain = []
        found = None
        while node is not None:
            key = node.mem_id
            if key in holders:
                found = holders[key]
                break
            chain.append(key)
            node = node.parent
        for key in chain:
            holders[key] = found
        return found

    def extras(self, group: list[Any]) -> list[Any]:
        """The container's images outside the text regions ``group`` that Readability's cleaning keeps."""
        in_group = Inside(group)
        out = []
        for region in self.regions:
            if in_group(region):
                continue  # its images are the text regions'
            for img in [region] if region.tag == "img" else region.css("img"):
                if in_group(img) or self.found.stripped(img) or _cleaned_out(img, region):
                    continue
                if self.cleaning.removing_block(img.parent, region) is None:
                    out.append(img)
        return out


def choose_content_images(
    blocks: TextBlocks,
    body: Any,
    links: Callable[[Any], int],
    removed: dict[int, list[Any]] | None = None,
) -> ChosenImages:
    """Steps 1-4: the container of the page's article (the whole body when none stands out);
    step 5 is left to :meth:`ChosenImages.extras`, once the text regions are known. A container
    under :data:`ARTICLE_TEXT` characters is Readability's failed attempt: it tries again without
    stripping boilerplate names, then without class weights, then without the cleaning, and keeps
    the first long enough (else the longest, the first of equals)."""
    attempts: list[tuple[int, ChosenImages]] = []
    for strip_names, weights, active in ATTEMPTS:
        found = ContentImages(blocks, links, strip_names, weights, removed)
        regions = found.regions() or [body]
        chosen = ChosenImages(found, Cleaning(links, weights=weights, active=active, texts=found.texts), regions)
        length = _article_length(chosen) if found.raw else 0  # (no candidate: every text stripped)
        if length >= ARTICLE_TEXT:
            return chosen
        attempts.append((length, chosen))
    return max(attempts, key=itemgetter(0))[1]


def _article_length(chosen: ChosenImages) -> int:
    """The text of an attempt's article: its container's, but for the parts its cleaning removes whole;
    for a container under :data:`MEASURED_ARTICLE` x :data:`ARTICLE_TEXT` characters (where it
    matters), but also for what Readability strips or cleans away inside it (:func:`_cleaned_text`)."""
    found, cleaning = chosen.found, chosen.cleaning
    kept = [region for region in chosen.regions if cleaning.removing_block(region, region) is None]
    length = sum(found.length(region, region.mem_id) for region in kept)
    if ARTICLE_TEXT <= length < MEASURED_ARTICLE * ARTICLE_TEXT and cleaning.active:
        length -= sum(_cleaned_text(region, found, cleaning) for region in kept)
    return length


def _cleaned_text(region: Any, found: ContentImages, cleaning: Cleaning) -> int:
    """The text of a container's region that Readability removes before it measures the article:
    its stripped elements and the blocks its cleaning removes (a data table stays whole)."""
    region_key = region.mem_id
    out: set[int] = set()  # removed elements, and data tables (all they hold stays)
    gone = 0
    for node in region.css("*"):
        key = node.mem_id
        if key == region_key:
            continue
        parent = node.parent
        while parent is not None and parent.mem_id != region_key and parent.mem_id not in out:
            parent = parent.parent
        if parent is None or parent.mem_id != region_key:
            continue  # inside one removed, or in a data table
        tid = node.tag_id
        if tid == TABLE_ID and cleaning.data_table(node):
            out.add(key)
        elif found.stripped(node) or (
            tid in CLEANED_IDS
            and cleaning.dropped_block(node)
            and not (tid == DIV_ID and cleaning.paragraph(node))
        ):
            out.add(key)
            gone += _text_length(node.text())
    return gone


def rescue_table_images(body: Any, removed: list[Any], final: Callable[[Any], bool] | None = None) -> list[Any]:
    """The images inside elements about to be removed (``removed``, named as boilerplate) that lie
    in a table, each copied out before the outermost such element, in order: inside a layout
    table a cell's name says where it is, not what it holds, and Readability keeps it. Not those
    inside a ``final`` element (hidden, ads, sharing, comments). The copies are returned."""
    if not removed or body.css_first("table") is None:
        return []
    keys = {node.mem_id for node in removed}
    outer: dict[int, Any] = {}  # element -> the outermost removed element holding it (or None)
    tables: dict[int, bool] = {}  # removed element -> whether a table holds it
    copies = []
    for img in body.css("img"):
        holder = _outermost(img, keys, outer)
        if holder is None:
            continue
        in_table = tables.get(holder.mem_id)
        if in_table is None:
            in_table = tables[holder.mem_id] = _in_table(holder)
        if not in_table or (final is not None and _inside_final(img, holder, keys, final)):
            continue
        holder.insert_before(img)  # a copy, where the removed element stood
        copy = holder.prev
        if copy is not None and copy.tag == "img":
            copies.append(copy)
    return copies


def removed_children(removed: list[Any]) -> dict[int, list[Any]]:
    """The elements about to be removed (``removed``) by their parent's ``mem_id`` (cheap: judged
    only where :meth:`ContentImages.top` needs them, by :func:`_seen_removed`)."""
    out: dict[int, list[Any]] = {}
    for node in removed:
        parent = node.parent
        if parent is not None:
            out.setdefault(parent.mem_id, []).append(node)
    return out


def _seen_removed(node: Any, parent: Any, strip_names: bool) -> bool:
    """Whether Readability sees a removed element (``parent``: where it stood) as a child: not an
    empty box it drops itself (a div, section, header or heading without text, or elements but
    line breaks), nor one it strips (:func:`_unlikely`; a boilerplate name only outside tables)."""
    if (
        node.tag in EMPTY_DROPPED_TAGS
        and all(child.tag in ("br", "hr") for child in node.iter())
        and not node.text().strip()
    ):
        return False
    attrs = node.attributes
    strip = _unlikely(node, attrs) if attrs else 0
    if strip == ALWAYS:
        return False
    if strip == ROLE:
        return not strip_names
    if strip == NAMES_ONLY:
        return not strip_names or parent.tag_id in TABLE_OR_CODE_IDS or _in_table(parent)
    return True


def _in_table(node: Any) -> bool:
    node = node.parent
    while node is not None:
        if node.tag_id in TABLE_OR_CODE_IDS:
            return True
        node = node.parent
    return False


def _outermost(node: Any, keys: set[int], outer: dict[int, Any]) -> Any | None:
    """The outermost element of ``keys`` holding ``node`` (itself included), memoized in ``outer``."""
    chain = []
    found = None
    while node is not None:
        key = node.mem_id
        if key in outer:
            found = outer[key]
            break
        chain.append(node)
        node = node.parent
    for node in reversed(chain):
        if found is None and node.mem_id in keys:
            found = node
        outer[node.mem_id] = found
    return found


def _inside_final(img: Any, holder: Any, keys: set[int], final: Callable[[Any], bool]) -> bool:
    """Whether a removed element between the image and ``holder`` (included) is ``final``."""
    node = img.parent
    while node is not None:
        if node.mem_id in keys and final(node):
            return True
        if node.mem_id == holder.mem_id:
            return False
        node = node.parent
    return False


def _position(node: Any, known: dict[int, list[int]] | None = None) -> list[int]:
    """The node's path of sibling indexes from the root: sorting by it sorts in document order.
    ``known``: paths already found (of the nodes' ancestors too), shared by the nodes of a page."""
    if known is None:
        known = {}
    chain = []
    path: list[int] = []
    while node is not None:
        key = node.mem_id
        found = known.get(key)
        if found is not None:
            path = found
            break
        index = 0
        sibling = node.prev
        while sibling is not None:
            index += 1
            sibling = sibling.prev
        chain.append((key, index))
        node = node.parent
    for key, index in reversed(chain):
        path = known[key] = [*path, index]
    return path


class Inside:
    """Whether elements lie inside any of some elements (themselves included), each ancestor looked at once."""

    def __init__(self, nodes: list[Any]) -> None:
        self.known: dict[int, bool] = {node.mem_id: True for node in nodes}

    def __call__(self, node: Any) -> bool:
        known = self.known
        chain = []
        found = False
        while node is not None:
            key = node.mem_id
            hit = known.get(key)
            if hit is not None:
                found = hit
                break
            chain.append(key)
            node = node.parent
        for key in chain:
            known[key] = found
        return found


def with_content_images(group: list[Any], chosen: ChosenImages) -> list[Any]:
    """The regions of an article with its content images outside them, each at its place in the page."""
    if not chosen.fits(group):
        return group
    extra = chosen.extras(group)
    if not extra:
        return group
    known: dict[int, list[int]] = {}
    placed = [(_position(node, known), n, node) for n, node in enumerate([*group, *extra])]
    placed.sort(key=lambda item: (item[0], item[1]))
    return [node for _, _, node in placed]


def drop_other_images(region: Any, chosen: ChosenImages) -> None:
    """Remove the images of a text region that the article does not show (outside the container)."""
    if region.tag == "img" or not chosen.trusted:
        return
    # a text region that is one of the container's holds its images in it (the regions are siblings)
    holder = region if region.mem_id in chosen.region_keys else None
    for img in region.css("img"):
        if not chosen.allows(img, holder):
            img.decompose()
