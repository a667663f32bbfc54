"""Content images of main-content mode: the images a reader view shows, wherever the text region ends.

The text region of main-content mode (:mod:`obelics.html.main_content`) is cut tight around the
article's prose, and the page's boilerplate is cut by names before it is chosen. The images a
reader sees as the article's (Mozilla Readability's reader view, the definition users know) come
from a wider container, chosen on the page as Readability sees it: galleries beside the text, a
picture in the cell next to it, a figure one level up, a table of photos whose cells a theme names
"menu". This module finds that container from the page's text blocks, as Readability does, and the
images in it that Readability's cleaning keeps:

1. elements Readability strips before it looks (:meth:`ContentImages.stripped`: hidden ones,
   menu/dialog roles, names of boilerplate outside tables) hold no candidate and no image;
2. every text block (``p``, ``td``, ``pre``, ``section``, ``h2``-``h6``, a ``div`` of text; a table
   cell or a section with all its text) of at least :data:`MIN_SCORED_TEXT` characters scores
   ``2 + commas + min(length / 85, 3)`` into up to :data:`SCORE_LEVELS` ancestors (divided by 1, 2,
   then 3 x level), each ancestor starting from its tag and class weight (:func:`class_weight`);
   scores are scaled by ``1 - link density``;
3. the best candidate moves to the ancestor it shares with at least :data:`MIN_TOP_ALTERNATIVES`
   other top candidates scoring close to it, then up to a parent scoring better (while parents
   keep a third of its score), then through parents that hold nothing else;
4. its siblings that score well (:data:`SIBLING_SHARE` of the best, or :data:`SIBLING_SCORE`), and
   sibling paragraphs of prose, join it;
5. an image of the container stays unless a block around it is one Readability's conditional
   cleaning removes (:meth:`Cleaning.dropped_block`): a negative class name, link-heavy, more
   images than paragraphs outside a figure or a list of images, a tiny linked box; when that
   cleaning would take the article's own text (less than :data:`MIN_ARTICLE_TEXT` characters
   left), nothing is cleaned, as Readability then retries without it.

:func:`content_image_nodes` runs on the page before the boilerplate is removed; the images it keeps
that lie in an element about to be removed are moved out, before that element
(:func:`rescue_images`). :func:`with_content_images` places the images outside the text regions
among them, at their place in the page, for the walk to emit between the texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from obelics.html.simplify import BODY_ID, COMMENT_ID, HTML_ID, TEXT_ID
from obelics.html.text_blocks import TextBlocks, nonspace

SCORED_BLOCK_TAGS = frozenset({"p", "td", "pre", "section", "div", "h2", "h3", "h4", "h5", "h6"})
# Elements whose whole text scores (not only the text they hold directly).
WHOLE_TEXT_TAGS = frozenset({"td", "section"})
MIN_SCORED_TEXT = 22  # Readability's 25 characters, spaces not counted
SCORE_LEVELS = 5
LENGTH_UNIT = 85  # Readability's 100 characters, spaces not counted
TOP_CANDIDATES = 5
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

# Conditional cleaning: the blocks it judges, and its limits.
AD_WORDS = re.compile(
    r"^(ad(vertising|vertisement)?|pub(licité)?|werb(ung)?|广告|Реклама|Anuncio|"
    r"(loading|正在加载|Загрузка|chargement|cargando)(…|\.\.\.)?)$",
    re.IGNORECASE,
)
CLEANED_TAGS = frozenset({"div", "table", "ul", "form", "fieldset"})
# Parts of the container that keep their tag; the others become a <div>, cleaned as one.
UNCHANGED_TAGS = frozenset({"div", "article", "section", "p"})
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
MIN_ARTICLE_TEXT = 430  # Readability's 500 characters, spaces not counted

_WEIGHTS: dict[tuple[str, str], int] = {}


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


def _initial_score(node: Any) -> float:
    tag = node.tag
    base = -5 if tag in HEADING_TAGS else TAG_SCORES.get(tag, NEGATIVE_TAG_SCORES.get(tag, 0))
    return base + class_weight(node)


def _unlikely(node: Any) -> bool:
    """Whether Readability strips the element before scoring (its table ancestors not considered)."""
    attrs = node.attributes
    if not attrs:
        return False
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return "fallback-image" not in (attrs.get("class") or "")
    style = attrs.get("style")
    if style:
        style = style.lower().replace(" ", "")
        if "display:none" in style or "visibility:hidden" in style:
            return True
    role = attrs.get("role")
    if role and role.strip().lower() in UNLIKELY_ROLES:
        return True
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"[:500]
    return (
        node.tag not in ("a", "body")
        and UNLIKELY_NAMES.search(names) is not None
        and MAYBE_CANDIDATE_NAMES.search(names) is None
    )


class ContentImages:
    """The content container of a page and its images, on the page before boilerplate is removed."""

    def __init__(self, blocks: TextBlocks) -> None:
        self.excluded: dict[int, bool] = {}
        self.links = link_lengths(blocks.root)
        self.raw, self.nodes = self._score(blocks)
        self.scaled: dict[int, float] = {}

    def score(self, key: int) -> float | None:
        """A candidate's score scaled by its link density (None: not a candidate), computed on first need."""
        found = self.scaled.get(key)
        if found is None:
            raw = self.raw.get(key)
            if raw is None:
                return None
            length = nonspace(self.nodes[key].text())
            found = self.scaled[key] = raw * (1 - self.links.get(key, 0) / length) if length else raw
        return found

    def ranked(self) -> list[tuple[int, float]]:
        """The :data:`TOP_CANDIDATES` best candidates and their scores, best first. A scaled score is
        at most the raw one, so candidates are scaled in raw order until no raw score can enter."""
        best: list[tuple[int, float]] = []
        for key, raw in sorted(self.raw.items(), key=lambda item: item[1], reverse=True):
            if len(best) >= TOP_CANDIDATES and raw <= best[-1][1]:
                break
            score = self.score(key)
            best.append((key, raw if score is None else score))
            best.sort(key=lambda item: item[1], reverse=True)
            del best[TOP_CANDIDATES:]
        return best

    def stripped(self, node: Any) -> bool:
        """Whether the element lies in one Readability strips before it looks (step 1)."""
        chain = []
        found = None
        while node is not None and node.tag_id not in (BODY_ID, HTML_ID):
            known = self.excluded.get(node.mem_id)
            if known is not None:
                found = known
                break
            chain.append(node)
            node = node.parent
        if found is None:
            found = False
        in_table = None  # whether the element has a table or code ancestor, found on first need
        for node in reversed(chain):  # from the top down
            if not found and _unlikely(node):
                if in_table is None:
                    in_table = False
                    ancestor = node.parent
                    while ancestor is not None:
                        if ancestor.tag in ("table", "code"):
                            in_table = True
                            break
                        ancestor = ancestor.parent
                hidden_or_role = _unlikely_without_names(node)
                found = hidden_or_role or not in_table
            self.excluded[node.mem_id] = found
            if node.tag in ("table", "code"):
                in_table = True
        return found

    def _score(self, blocks: TextBlocks) -> tuple[dict[int, float], dict[int, Any]]:
        scored: list[tuple[Any, int, int]] = []
        whole: dict[int, list[Any]] = {}
        for block, length, _, commas in blocks.blocks.values():
            if self.stripped(block):
                continue
            tag = block.tag
            if tag in SCORED_BLOCK_TAGS and tag not in WHOLE_TEXT_TAGS:
                scored.append((block, length, commas))
            node = block
            while node is not None and node.tag_id != HTML_ID:
                if node.tag in WHOLE_TEXT_TAGS:
                    key = node.mem_id
                    entry = whole.get(key)
                    if entry is None:
                        whole[key] = [node, length, commas]
                    else:
                        entry[1] += length
                        entry[2] += commas
                node = node.parent
        scored.extend((node, length, commas) for node, length, commas in whole.values())
        scores: dict[int, float] = {}
        nodes: dict[int, Any] = {}
        for block, length, commas in scored:
            if length < MIN_SCORED_TEXT:
                continue
            score = 2 + commas + min(length // LENGTH_UNIT, 3)
            ancestor = block.parent
            for level in range(SCORE_LEVELS):
                if ancestor is None or ancestor.tag_id == HTML_ID or ancestor.parent is None:
                    break
                key = ancestor.mem_id
                if key not in scores:
                    scores[key] = _initial_score(ancestor)
                    nodes[key] = ancestor
                scores[key] += score / (1 if level == 0 else 2 if level == 1 else level * 3)
                ancestor = ancestor.parent
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
            _ancestor_keys(nodes[key]) for key, score in ranked[1:] if score >= TOP_ALTERNATIVE_SHARE * top_score
        ]
        if len(alternatives) >= MIN_TOP_ALTERNATIVES:
            parent = top.parent
            while parent is not None and parent.tag_id not in (BODY_ID, HTML_ID):
                if sum(parent.mem_id in keys for keys in alternatives) >= MIN_TOP_ALTERNATIVES:
                    top = parent
                    break
                parent = parent.parent
        if top.mem_id not in self.raw:
            self.raw[top.mem_id] = self.scaled[top.mem_id] = _initial_score(top)
            nodes[top.mem_id] = top
        last = self.score(top.mem_id) or 0.0
        threshold = last / 3
        parent = top.parent
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

    def _children(self, node: Any) -> int:
        """Element children Readability sees (the stripped ones gone)."""
        count = 0
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
            score = self.score(sibling.mem_id)
            if score is not None and score + bonus >= threshold:
                out.append(sibling)
            elif sibling.tag == "p" and _prose(sibling):
                out.append(sibling)
        return out


def _unlikely_without_names(node: Any) -> bool:
    """Hidden or of a menu/dialog role: stripped even inside a table."""
    attrs = node.attributes
    role = attrs.get("role")
    if role and role.strip().lower() in UNLIKELY_ROLES:
        return True
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return "fallback-image" not in (attrs.get("class") or "")
    style = (attrs.get("style") or "").lower().replace(" ", "")
    return "display:none" in style or "visibility:hidden" in style


def link_lengths(root: Any) -> dict[int, int]:
    """Text in links under every element (``mem_id`` -> characters), from the ``<a>`` elements up."""
    lengths: dict[int, int] = {}
    for link in root.css("a"):
        n = nonspace(link.text())
        node = link
        while n and node is not None:
            key = node.mem_id
            lengths[key] = lengths.get(key, 0) + n
            node = node.parent
    return lengths


def _link_length(node: Any) -> float:
    """Text in links, those to the page itself (``#...``) counted at 0.3, as Readability does."""
    total = 0.0
    for link in node.css("a"):
        length = nonspace(link.text())
        if length:
            href = link.attributes.get("href") or ""
            total += length * 0.3 if href.startswith("#") and len(href) > 1 else length
    return total


def _prose(paragraph: Any) -> bool:
    """A paragraph Readability joins to its container: long with few links, or a short linkless sentence."""
    text = paragraph.text()
    length = nonspace(text)
    if not length:
        return False
    density = _link_length(paragraph) / length
    if length > PROSE_SIBLING_TEXT:
        return density < PROSE_SIBLING_LINKS
    return density == 0 and re.search(r"\.( |$)", text.strip()) is not None


def _ancestor_keys(node: Any) -> set[int]:
    keys = set()
    node = node.parent
    while node is not None:
        keys.add(node.mem_id)
        node = node.parent
    return keys


def _element_children(node: Any) -> int:
    count = 0
    child = node.first_child
    while child is not None:
        if child.tag_id not in (TEXT_ID, COMMENT_ID):
            count += 1
        child = child.next
    return count


def _data_table(table: Any) -> bool:
    """Readability's data table: a summary, caption or header cells, or a grid of many cells."""
    attrs = table.attributes
    if (attrs.get("role") or "") == "presentation" or attrs.get("datatable") == "0":
        return False
    if attrs.get("summary") or table.css_first("caption,col,colgroup,tfoot,thead,th") is not None:
        return True
    if len(table.css("table")) > 1:  # Lexbor's selectors match the element itself too
        return False
    rows = _rows(table)
    columns = max((sum(1 for cell in row.iter() if cell.tag in ("td", "th")) for row in rows), default=0)
    return len(rows) >= DATA_TABLE_ROWS or columns > DATA_TABLE_COLUMNS or len(rows) * columns > DATA_TABLE_CELLS


def _rows(table: Any) -> list[Any]:
    """The table's own rows (not those of the tables in its cells)."""
    rows = []
    for child in table.iter():
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            rows.extend(row for row in child.iter() if row.tag == "tr")
    return rows


class Cleaning:
    """Readability's conditional cleaning, judged on the blocks around the images only, each once."""

    def __init__(self) -> None:
        self.verdicts: dict[int, bool] = {}
        self.lengths: dict[int, int] = {}
        self.tables: dict[int, bool] = {}

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
        """The outermost block from ``start`` (an image's parent, or a text block) up to the
        container's root ``top`` that the cleaning removes (None: it stays)."""
        top_key = top.mem_id
        chain = []
        node = start
        while node is not None:
            chain.append(node)
            if node.mem_id == top_key:
                break
            node = node.parent
        for node in chain:
            if node.tag == "table" and self.data_table(node):
                return None  # a data table and all it holds stay
        removing = None
        for depth, node in enumerate(chain):
            if node.tag in CLEANED_TAGS or (node.mem_id == top_key and node.tag not in UNCHANGED_TAGS):
                key = node.mem_id
                verdict = self.verdicts.get(key)
                if verdict is None:
                    in_figure = any(n.tag == "figure" for n in chain[depth + 1 : depth + 1 + FIGURE_LEVELS])
                    verdict = self.verdicts[key] = self.dropped_block(node, in_figure)
                if verdict:
                    removing = node
        return removing

    def dropped_block(self, node: Any, in_figure: bool) -> bool:
        """Whether Readability's conditional cleaning removes a block (its images with it)."""
        if any(self.data_table(table) for table in node.css("table")):
            return False  # a block holding a data table stays
        weight = class_weight(node)
        if weight < 0:
            return True
        text = node.text()
        if text.count(",") >= PROSE_COMMAS:
            return False
        if AD_WORDS.match(text.strip()):
            return True  # a box that says "Advertisement", or "Loading..."
        length = self.text_len(node)
        density = _link_length(node) / length if length else 0.0
        paragraphs = len(node.css("p"))
        images = len(node.css("img")) - len(node.css("noscript img"))  # Readability unwraps a lazy image's twin
        items = node.css("li")
        is_list = node.tag in ("ul", "ol")
        if not is_list and items:
            listed = sum(self.text_len(lst) for lst in node.css("ul,ol"))
            is_list = length > 0 and listed > LIST_TEXT_SHARE * length
        remove = (
            (not in_figure and images > 1 and paragraphs / images < 0.5)
            or (not is_list and len(items) - 100 > paragraphs)
            or (not is_list and not in_figure and length < SHORT_BOX_TEXT and images != 1 and density > 0)
            or (not is_list and weight < STRONG_WEIGHT and density > LINKED_SHARE)
            or (weight >= STRONG_WEIGHT and density > NAMED_LINKED_SHARE)
        )
        if remove and is_list:
            # a simple list of images stays: every item a single element, each holding an image
            for child in node.iter():
                if _element_children(child) > 1:
                    return True
            return images != len(items)
        return remove


@dataclass
class ChosenImages:
    """The content images of a page: ``kept`` (in document order) are added to the article where
    they stand; ``allowed`` are the ``mem_id`` of every image the article may show (the container's
    images, cleaned or not, and ``kept``): an image of the text regions outside them goes."""

    kept: list[Any] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)


def choose_content_images(
    blocks: TextBlocks, body: Any, removed: list[Any], final: Callable[[Any], bool] | None = None
) -> ChosenImages:
    """Steps 1-5 on the page before its boilerplate (``removed``, about to go) is removed; the kept
    images inside a removed element are copied out before it (:func:`rescue_images`), unless an
    element around them is ``final`` (ads, share bars, comments: boilerplate whatever Readability
    keeps)."""
    found = ContentImages(blocks)
    regions = found.regions()
    if regions is None:
        regions = [body]
    cleaning = Cleaning()
    kept: list[Any] = []
    allowed: set[int] = set()
    for region in regions:
        for img in [region] if region.tag == "img" else region.css("img"):
            if found.stripped(img):
                continue
            allowed.add(img.mem_id)
            if cleaning.removing_block(img.parent, region) is None:
                kept.append(img)
    kept = rescue_images(kept, removed, final)
    allowed.update(img.mem_id for img in kept)
    return ChosenImages(kept, allowed)


def rescue_images(images: list[Any], removed: list[Any], final: Callable[[Any], bool] | None = None) -> list[Any]:
    """The images, each inside an element about to be removed (``removed``) copied out before the
    outermost such element, in order, but for those inside a ``final`` one; the image elements to
    use afterwards."""
    if not images or not removed:
        return images
    keys = {node.mem_id for node in removed}
    out = []
    for img in images:
        outermost = None
        lost = False
        node = img.parent
        while node is not None:
            if node.mem_id in keys:
                outermost = node
                if final is not None and final(node):
                    lost = True
                    break
            node = node.parent
        if lost:
            continue
        if outermost is None:
            out.append(img)
            continue
        outermost.insert_before(img)  # a copy, where the removed element stood
        copy = outermost.prev
        if copy is not None and copy.tag == "img":
            out.append(copy)
    return out


def _position(node: Any) -> list[int]:
    """The node's path of sibling indexes from the root: sorting by it sorts in document order."""
    path = []
    while node is not None:
        index = 0
        sibling = node.prev
        while sibling is not None:
            index += 1
            sibling = sibling.prev
        path.append(index)
        node = node.parent
    return path[::-1]


def _inside_any(node: Any, keys: set[int]) -> bool:
    while node is not None:
        if node.mem_id in keys:
            return True
        node = node.parent
    return False


def with_content_images(group: list[Any], chosen: ChosenImages) -> list[Any]:
    """The regions of an article with its kept content images outside them, each at its place in the page."""
    keys = {region.mem_id for region in group}
    extra = [img for img in chosen.kept if not _inside_any(img, keys)]
    if not extra:
        return group
    placed = [(_position(node), n, node) for n, node in enumerate([*group, *extra])]
    placed.sort(key=lambda item: (item[0], item[1]))
    return [node for _, _, node in placed]


def drop_other_images(region: Any, chosen: ChosenImages) -> None:
    """Remove the images of a text region that the article does not show (outside the container)."""
    if region.tag == "img":
        return
    for img in region.css("img"):
        if img.mem_id not in chosen.allowed:
            img.decompose()
