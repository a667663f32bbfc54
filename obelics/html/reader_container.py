"""The article's container as Mozilla Readability's reader view picks it (its ``_grabArticle``).

Text blocks score their ancestors, with Readability's tag and class weights and its DOM rewriting
approximated (``<br><br>`` splits, a div's loose text wrapped in paragraphs, a div holding one
paragraph alone giving way to it, a div holding no block made a paragraph) and its link
densities (in-page links count less: :func:`reader_links`); the best candidate climbs as Readability's does and its good
siblings join it (:class:`ContentImages`). Steps 1-4 of :mod:`obelics.html.content_images`.
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
TABLE_LEVELS = 4  # (parents Readability looks at for a table or code element around an element)
A_ID = tag_id("a")
BR_ID = tag_id("br")
IMG_ID = tag_id("img")
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
IN_PAGE_LINK_SHARE_TENTHS = 3  # an in-page link's text counts 3/10 in link densities

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
# The same patterns without case folding, for names already lowered: for ASCII names (nearly all)
# a lowered name matches one exactly when the name matches the folding pattern, at a fraction of
# the cost (Python's case-folding search of an alternation tries each branch at each character).
_LOWERED = {
    pattern: re.compile(pattern.pattern)
    for pattern in (UNLIKELY_NAMES, MAYBE_CANDIDATE_NAMES, NEGATIVE_NAMES, POSITIVE_NAMES)
}


def names_match(pattern: re.Pattern[str], names: str) -> bool:
    """Whether ``pattern`` (one of the name patterns above, case-folding) finds a match in ``names``:
    an ASCII name is lowered and searched without folding (the same answer, faster)."""
    if names.isascii():
        return _LOWERED[pattern].search(names.lower()) is not None
    return pattern.search(names) is not None


TAG_SCORES = {"div": 5, "pre": 3, "td": 3, "blockquote": 3}
NEGATIVE_TAG_SCORES = {"address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3}
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "th"})
# An element's tag score by its tag id (the three tables above in one: no tag name to build).
TAG_ID_SCORES = {
    tag_id(name): score
    for name, score in [*NEGATIVE_TAG_SCORES.items(), *TAG_SCORES.items(), *dict.fromkeys(HEADING_TAGS, -5).items()]
}
TABLE_ID = tag_id("table")
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
EMPTY_DROPPED_IDS = frozenset(tag_id(name) for name in EMPTY_DROPPED_TAGS)
HR_ID = tag_id("hr")
# Readability's block elements: a div holding none of them (at any depth) becomes a paragraph.
DIV_TO_P_TAGS = ("blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul")
DIV_TO_P_IDS = frozenset(tag_id(name) for name in DIV_TO_P_TAGS)
DIV_TO_P_SELECTOR = ",".join(DIV_TO_P_TAGS)
# Blocks that never lie in such a div (but through one of its blocks: a list, a table), or are blocks themselves.
NO_PARAGRAPH_DIV_IDS = DIV_TO_P_IDS | frozenset(
    tag_id(name) for name in ("li", "td", "th", "tr", "tbody", "thead", "tfoot", "caption", "dd", "dt")
)

_WEIGHTS: dict[tuple[str, str], int] = {}
# An element's ancestors, nearest first, as linked triples: (mem_id, element, the next ones).
Up = tuple[int, Any, Any] | None
# What a removed element holds (:meth:`RemovedContent.inside`): text length, link text length,
# text blocks, the blocks and inline elements <br><br> cut (None: none), images.
Inside = tuple[int, int, list[tuple[int, list[Any]]], tuple[set[int], set[int]] | None, list[Any]]


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
                if name.isascii():  # (as names_match, the name lowered once for both patterns)
                    name = name.lower()
                    negative, positive = _LOWERED[NEGATIVE_NAMES], _LOWERED[POSITIVE_NAMES]
                else:
                    negative, positive = NEGATIVE_NAMES, POSITIVE_NAMES
                if negative.search(name) is not None:
                    weight -= 25
                if positive.search(name) is not None:
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
    return names_match(UNLIKELY_NAMES, names) and not names_match(MAYBE_CANDIDATE_NAMES, names)


class ContentImages:
    """The candidates of a page, scored as Readability scores them, and the container they elect."""

    def __init__(
        self,
        blocks: TextBlocks,
        links: Callable[[Any], int],
        strip_names: bool = True,
        weights: bool = True,
        removed: RemovedContent | None = None,
    ) -> None:
        self.seen: dict[int, tuple[bool, tuple[int, ...], bool, Up]] = {}
        self.flags: dict[int, tuple[bool, bool]] = {}  # elements :meth:`stripped` climbed alone: (stripped, in a table)
        self.links = links
        self.strip_names = strip_names  # Readability's first attempt: names and roles of boilerplate strip
        self.weights = weights  # class weights count (all attempts but the last two)
        self.as_div: set[int] = set()  # paragraphs Readability makes a <div> (their <br><br> split them)
        self.boxes: dict[int, int | None] = {}  # div -> the paragraph it holds alone (:meth:`_boxed`)
        self.as_p: dict[int, Any] = {}  # divs Readability makes a <p> (no block inside): (:meth:`_paragraph_div`)
        self.holders: dict[int, Any] = {}  # element -> the div above it that becomes a <p> (None: none)
        # what the page's boilerplate removal took (Readability still sees it; None: nothing)
        self.removed = removed if removed is not None and removed.roots else None
        # removed elements it does not strip that hold images: (element, where it stood, the node
        # after it, its images)
        self.kept_removed: list[tuple[Any, Any, Any, list[Any]]] = []
        self.detached = False  # the container lies in an element the page's boilerplate removal took
        self.extra: dict[int, tuple[int, int]] = {}  # element -> (text, link text) of removed elements it held
        self.stripped_roots: list[Any] = []  # stripped elements whose parent is not, as met
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
            links = self.links(node)
            if not links and self.removed is not None:
                links = _removed_links(node)  # (in an element the page's boilerplate removal took: no measure)
            extra = self.extra.get(key)
            if extra is not None:
                length += extra[0]
                links += extra[1]
            found = self.scaled[key] = raw * (1 - links / length) if length else raw
        return found

    def length(self, node: Any, key: int) -> int:
        """A container's :func:`reader_length` (``key``: its ``mem_id``), remembered. An element's text is
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
            found = reader_length(text)
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
                part = self.length(child, key) if key in holds else reader_length(child.text())
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
            if score is None:
                score = raw
            # (where a stable sort, best first, puts it: after the candidates scoring as much)
            at = len(best)
            while at and best[at - 1][1] < score:
                at -= 1
            best.insert(at, (key, score))
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
        for key, node in reversed(chain):
            tid = node.tag_id
            if not stripped and tid != HTML_ID and tid != BODY_ID:
                stripped = self._strips(node, in_table)
            if tid in TABLE_OR_CODE_IDS:
                in_table = True
            flags[key] = found = (stripped, in_table)
        return found  # type: ignore[return-value]

    def _strips(self, node: Any, in_table: bool, parent: Any | None = None) -> bool:
        """Whether this attempt strips an element whose ancestors it keeps: a hidden one always; on
        the first attempt, one of a menu or dialog role, or named as boilerplate outside a table or
        code among its four nearest ancestors (:func:`_unlikely`, :func:`table_near`; ``parent``: where
        an element the page's boilerplate removal took stood)."""
        attrs = node.attributes
        if not attrs:
            return False
        strip = _unlikely(node, attrs)
        if strip == ALWAYS or (
            self.strip_names
            and (strip == ROLE or (strip == NAMES_ONLY and not (in_table and table_near(parent or node.parent))))
        ):
            self.stripped_roots.append(node)
            return True
        return False

    def stripped_text(self, regions: list[Any], slack: int) -> int:
        """The text (:func:`reader_length`) of the stripped elements met so far (those around text
        blocks, images and siblings) that lie in ``regions``; 0 when all of them hold no more
        than ``slack`` (they could not matter), without looking where they lie."""
        lengths = [(root, reader_length(root.text())) for root in self.stripped_roots]
        if sum(length for _, length in lengths) <= slack:
            return 0
        keys = {region.mem_id for region in regions}
        gone = 0
        for root, length in lengths:
            node = root.parent
            while node is not None and node.mem_id not in keys:
                node = node.parent
            if node is not None:
                gone += length
        return gone

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
        parent = node.parent
        if parent is not None:
            parent_key = parent.mem_id
            known = seen.get(parent_key)
            if known is not None and parent.tag_id != HTML_ID:  # (most blocks: the parent is judged)
                stripped, whole, in_table, up = known
                tid = node.tag_id
                if not stripped and tid != HTML_ID and tid != BODY_ID:
                    stripped = self._strips(node, in_table)
                found = seen[key] = (
                    stripped,
                    (*whole, key) if tid in WHOLE_TEXT_IDS else whole,
                    in_table or tid in TABLE_OR_CODE_IDS,
                    (parent_key, parent, up),
                )
                return found
        chain = [(key, node)]
        node = parent
        if node is not None:
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
                stripped = self._strips(node, in_table)
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
        climb, seen, holders = self._climb, self.seen, self.holders
        split, paths = _break_pair_blocks(blocks.root)
        items: Any = blocks.blocks.items()
        if self.removed is not None:
            items = [*items, *self._seen_removed_blocks(split, paths)]
        for block_key, (block, length, _, commas) in items:
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
            elif tid == DIV_ID and not inline_only(block):  # (its first block child ends the look)
                # a div of text and blocks: Readability wraps each run of its text in a paragraph
                segments = _segments(block, paths, nested)
                scored.extend(((block_key, block, up), n, c) for n, c in _paragraph_scores(segments, True))
            elif tid in SCORED_BLOCK_IDS and tid != P_ID:  # (a paragraph scores with all its text, below)
                scored.append((up, length, commas))
            if tid not in NO_PARAGRAPH_DIV_IDS and up is not None:
                holder = holders[up[0]] if up[0] in holders else self._paragraph_div(up[1])
                if holder is not None and holder.mem_id not in self.as_p:
                    # a div of no block (a <center>, a heading and no paragraph) is a paragraph for
                    # Readability: all its text scores into its ancestors
                    self.as_p[holder.mem_id] = holder
                    text = holder.text()
                    commas = text.count(",") + text.count("\uff0c")
                    scored.append((climb(holder)[3], nonspace(text), commas))
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
        get, weights, as_p = scores.get, self.weights, self.as_p
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
                    if key in as_p:
                        found -= DIV_SCORE  # (a paragraph's tag scores nothing)
                    nodes[key] = ancestor
                scores[key] = found + score / divisor
        return scores, nodes

    def _seen_removed_blocks(self, split: set[int], paths: set[int]) -> list[tuple[int, list[Any]]]:
        """The text blocks of the elements the page's boilerplate removal took, which Readability
        scores as it scores the rest (its own stripping aside): each removed element is climbed
        from where it stood, and the text and link text of those it does not strip count in their
        ancestors' link density (:attr:`extra`). ``split``/``paths``: :func:`_break_pair_blocks`,
        extended with the removed elements'."""
        removed = self.removed
        assert removed is not None
        seen, extra = self.seen, self.extra
        out: list[tuple[int, list[Any]]] = []
        under: dict[int, list[Any]] = {}  # parent -> [text, link text, its ancestors] of its removed children
        kept, climb, strips = self.kept_removed, self._climb, self._strips
        # (outer ones first: an inner one's climb ends in its outer one)
        for node, parent, after, key, parent_key in removed.roots:
            known = seen.get(parent_key)
            if known is not None and known[0]:
                seen[key] = known  # in a stripped element (a comment in the comments): stripped too
                continue
            stripped, whole, in_table, up = known if known is not None else climb(parent, parent_key)
            tid = node.tag_id
            if not stripped:
                stripped = strips(node, in_table, parent)
            seen[key] = (
                stripped,
                (*whole, key) if tid in WHOLE_TEXT_IDS else whole,
                in_table or tid in TABLE_OR_CODE_IDS,
                (parent_key, parent, up) if parent.tag_id != HTML_ID else None,
            )
            if stripped:
                continue  # (nor does any block inside it score)
            length, links, items, pairs, images = removed.inside(node)
            if images:
                kept.append((node, parent, after, images))
            if not length:
                continue
            found = under.get(parent_key)
            if found is None:
                under[parent_key] = [length, links, (parent_key, parent, up)]
            else:
                found[0] += length
                found[1] += links
            out.extend(items)
            if pairs is not None:
                split.update(pairs[0])
                paths.update(pairs[1])
        for length, links, ancestor in under.values():  # (the removed elements of a parent added up first)
            while ancestor is not None:
                found = extra.get(ancestor[0])
                extra[ancestor[0]] = (length, links) if found is None else (found[0] + length, found[1] + links)
                ancestor = ancestor[2]
        return out

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
        if top.tag_id in INLINE_IDS and parent is not None and parent.tag_id == DIV_ID and not inline_runs(parent)[1]:
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

    def _paragraph_div(self, node: Any) -> Any | None:
        """The div at or above an element (through no block of Readability's) that Readability
        makes a paragraph (None: none): it holds no block of :data:`DIV_TO_P_TAGS` at any depth,
        no ``<br><br>``, and no inline content of its own (which it would wrap in a paragraph)."""
        holders = self.holders
        chain = []
        found = None
        while node is not None:
            key = node.mem_id
            if key in holders:
                found = holders[key]
                break
            chain.append(key)
            tid = node.tag_id
            if tid == DIV_ID:
                if paragraph_like(node):
                    found = node
                break
            if tid in DIV_TO_P_IDS or tid == BODY_ID or tid == HTML_ID:
                break
            node = node.parent
        for key in chain:
            holders[key] = found
        return found

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
        length = reader_length(div.text())
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
        if self.removed is not None:
            for child in self.removed.children.get(node.mem_id, ()):
                count += _seen_removed(child, node, self.strip_names, self.removed.children)
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
        if self.removed is not None and _detached(top):
            self.detached = True  # Readability's choice (the comments, a dialog) holds no image of the page
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


def paragraph_like(div: Any, line_breaks: bool = False) -> bool:
    """Whether Readability makes a div a paragraph: no inline content of its own (but spaces, and
    with ``line_breaks`` ``<br>`` elements), no block of :data:`DIV_TO_P_TAGS` inside; and, without
    ``line_breaks``, no ``<br><br>`` (which it makes paragraphs)."""
    child = div.first_child
    while child is not None:
        tid = child.tag_id
        if tid == TEXT_ID:
            if (child.text_content or "").strip():
                return False
        elif tid in DIV_TO_P_IDS or (tid in PHRASING_IDS and not (line_breaks and tid == BR_ID)):
            return False  # (a block child: what the selector below finds first, without compiling it)
        elif tid != COMMENT_ID and child.css_first(DIV_TO_P_SELECTOR) is not None:
            return False  # (a selector matches the element itself too)
        child = child.next
    return line_breaks or div.css_first("br + br") is None


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


def reader_length(text: str) -> int:
    """The text's characters but spaces, line breaks and tabs (an indented page's tabs would make a short
    article long): :func:`nonspace` but for carriage returns and no-break spaces, at less cost (this
    runs on whole containers)."""
    if text.isascii():  # (one deletion pass over its bytes, instead of a count of each character)
        return len(text.encode().translate(None, b" \n\t"))
    latin = text.encode("latin-1", "ignore")  # (the skipped characters are Latin-1 ones, as in nonspace)
    return len(text) - len(latin) + len(latin.translate(None, b" \n\t"))


def element_children(node: Any) -> int:
    """How many element children a node has (text and comments not counted)."""
    count = 0
    child = node.first_child
    while child is not None:
        if child.tag_id not in (TEXT_ID, COMMENT_ID):
            count += 1
        child = child.next
    return count


def inline_only(div: Any) -> bool:
    """Whether a div's children are all inline (Readability's phrasing content), text and comments."""
    child = div.first_child
    while child is not None:
        tid = child.tag_id
        if tid not in PHRASING_IDS and tid != TEXT_ID and tid != COMMENT_ID:
            return False
        child = child.next
    return True


def inline_runs(div: Any) -> tuple[int, bool]:
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


class ReaderLinks:
    """Link text as Readability measures it: an in-page link (``href="#..."``) counts
    3 tenths of its text (:data:`IN_PAGE_LINK_SHARE_TENTHS`) (a table of contents is no list of links away)."""

    def __init__(self, links: Callable[[Any], int], in_page: list[Any]) -> None:
        self.links = links
        self.less: dict[int, int] = {}
        less = self.less
        for link in in_page:
            length = nonspace(link.text())
            length -= (length * IN_PAGE_LINK_SHARE_TENTHS + 5) // 10
            node = link
            while length and node is not None:
                key = node.mem_id
                less[key] = less.get(key, 0) + length
                node = node.parent

    def __call__(self, node: Any) -> int:
        found = self.links(node)
        less = self.less.get(node.mem_id)
        return found - less if less else found


def reader_links(root: Any, links: Callable[[Any], int]) -> Callable[[Any], int]:
    """``links`` (the page's link text per element) as Readability counts it (:class:`ReaderLinks`;
    ``links`` itself when the page under ``root`` has no in-page link)."""
    in_page = [link for link in root.css('a[href^="#"]') if len(link.attributes.get("href") or "") > 1]
    return ReaderLinks(links, in_page) if in_page else links


class RemovedContent:
    """What the page's boilerplate removal took, for the container's scores (Readability strips
    less): the removed elements where they stood, and the text blocks they held."""

    def __init__(self) -> None:
        self.children: dict[int, list[Any]] = {}  # element -> its removed children, in order
        # (removed element, where it stood, the node after it, their mem_ids), outer ones first
        self.roots: list[tuple[Any, Any, Any, int, int]] = []
        self._all_blocks: dict[int, list[Any]] | None = None  # the page's blocks before the removal
        self._inside: dict[int, Inside] = {}

    def note(self, blocks: TextBlocks, removed: list[Any]) -> None:
        """Before the elements ``removed`` go: where each stands, and the page's blocks (``blocks``,
        whose later :meth:`~obelics.html.text_blocks.TextBlocks.drop_under` leaves this dict as it is)."""
        children, roots = self.children, self.roots
        for node in removed:
            parent = node.parent
            if parent is not None:
                parent_key = parent.mem_id
                found = children.get(parent_key)
                if found is None:
                    children[parent_key] = [node]
                else:
                    found.append(node)
                roots.append((node, parent, node.next, node.mem_id, parent_key))
        self._all_blocks = blocks.blocks

    def inside(self, node: Any) -> Inside:
        """What a removed element holds (those removed inside it are theirs), remembered: its text
        length and link text length (spaces not counted), its text blocks (``(mem_id, entry)`` as
        in :class:`TextBlocks`), :func:`_break_pair_blocks` of it (None: no two line breaks), and
        its images (itself, when it is one)."""
        key = node.mem_id
        found = self._inside.get(key)
        if found is None:
            length = reader_length(node.text())
            links = breaks = 0
            items: list[tuple[int, list[Any]]] = []
            images = []
            everything = self._all_blocks or {}
            inline = INLINE_IDS
            for element in node.traverse():
                tid = element.tag_id
                if tid in inline:  # (never a text block: no lookup)
                    if tid == IMG_ID:
                        images.append(element)
                    elif not length:
                        continue
                    elif tid == A_ID:
                        links += nonspace(element.text())
                    elif tid == BR_ID:
                        breaks += 1
                elif length:
                    entry = everything.get(element.mem_id)
                    if entry is not None:
                        items.append((element.mem_id, entry))
            pairs = _break_pair_blocks(node) if breaks > 1 and items else None
            found = self._inside[key] = (length, links, items, pairs, images)
        return found


def _removed_links(node: Any) -> int:
    """The link text of an element out of the page's link measure (in a removed element),
    as :class:`ReaderLinks` counts it; for an element of the page without links, 0 as well."""
    total = 0
    for link in node.css("a"):
        length = nonspace(link.text())
        href = link.attributes.get("href") or ""
        if href.startswith("#") and len(href) > 1:
            length = (length * IN_PAGE_LINK_SHARE_TENTHS + 5) // 10
        total += length
    return total


def _seen_removed(node: Any, parent: Any, strip_names: bool, children: dict[int, list[Any]]) -> bool:
    """Whether Readability sees a removed element (``parent``: where it stood) as a child: not an
    empty box it drops itself (a div, section, header or heading without text, or elements but
    line breaks; the elements removed from it, in ``children``, count as its own), nor one it
    strips (:func:`_unlikely`; a boilerplate name only outside tables: :func:`table_near`)."""
    if (
        node.tag_id in EMPTY_DROPPED_IDS
        and node.mem_id not in children
        and _breaks_only(node)
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
        return not strip_names or table_near(parent)
    return True


def _breaks_only(node: Any) -> bool:
    """Whether an element's children but texts are all line breaks or rules (none: true; a
    comment is none)."""
    child = node.first_child
    while child is not None:
        tid = child.tag_id
        if tid != TEXT_ID and tid != BR_ID and tid != HR_ID:
            return False
        child = child.next
    return True


def _detached(node: Any) -> bool:
    """Whether an element is out of the page (in a removed one): its topmost ancestor is no document."""
    while node.parent is not None:
        node = node.parent
    return node.tag_id != HTML_ID and node.tag != "-document"


def table_near(node: Any | None) -> bool:
    """Whether the element or one of its :data:`TABLE_LEVELS` - 1 nearest ancestors is a table or a
    code element: an element whose parent is ``node`` is among Readability's "in a table" (its
    ``_hasAncestorTag`` with the default depth of 3 looks at four parents), where it strips no name."""
    for _ in range(TABLE_LEVELS):
        if node is None:
            return False
        if node.tag_id in TABLE_OR_CODE_IDS:
            return True
        node = node.parent
    return False


def within_table(node: Any) -> bool:
    """Whether an ancestor of the node is a table or a code element (Readability strips no name there)."""
    node = node.parent
    while node is not None:
        if node.tag_id in TABLE_OR_CODE_IDS:
            return True
        node = node.parent
    return False
