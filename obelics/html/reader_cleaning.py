"""Readability's conditional cleaning: which blocks of the container go with their images.

A negative class weight, "Advertisement" alone, more images than twice its paragraphs outside a
figure (but a list of images), link-heavy blocks, tiny linked boxes; a data table and what holds
one stay (:class:`Cleaning`). Inner blocks are judged first: a block is judged by what they leave. Step 5 of :mod:`obelics.html.content_images`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from obelics.html.article import links_open_image_files
from obelics.html.pruning import infobox_table
from obelics.html.reader_container import (
    BR_ID,
    DIV_ID,
    PARAGRAPH_LINKS,
    TABLE_ID,
    class_weight,
    element_children,
    inline_only,
    inline_runs,
    paragraph_like,
)
from obelics.html.simplify import COMMENT_ID, TEXT_ID, tag_id
from obelics.html.text_blocks import nonspace

# Conditional cleaning: the blocks it judges, and its limits.
AD_WORDS = re.compile(
    r"^(ad(vertising|vertisement)?|pub(licité)?|werb(ung)?|广告|Реклама|Anuncio|"
    r"(loading|正在加载|Загрузка|chargement|cargando)(…|\.\.\.)?)$",
    re.IGNORECASE,
)
# The blocks Readability's cleaning judges, in the order it judges them (a block not of these is
# judged as a div).
CLEANED_TAGS = ("form", "fieldset", "table", "ul", "div")
# Parts of the container that keep their tag; the others become a <div>, cleaned as one.
UNCHANGED_TAGS = frozenset({"div", "article", "section", "p"})
CLEANED_IDS = frozenset(tag_id(name) for name in CLEANED_TAGS)
UNCHANGED_IDS = frozenset(tag_id(name) for name in UNCHANGED_TAGS)
NOSCRIPT_ID = tag_id("noscript")
# The elements a judged block's counts are made of (line breaks too: <br><br> makes paragraphs).
JUDGED_TAGS = ("p", "img", "li", "ul", "ol", "noscript", "div", "a", "table", "br")
_JUDGED_NAMES = {tag_id(name): name for name in JUDGED_TAGS}
PROSE_COMMAS = 10
LINKED_SHARE = 0.2
NAMED_LINKED_SHARE = 0.5
STRONG_WEIGHT = 25
SHORT_BOX_TEXT = 22  # Readability's 25 characters, spaces not counted
HEADING_SHARE = 0.9  # (of a short box's text in headings: no tiny linked box)
HEADING_SELECTOR = "h1,h2,h3,h4,h5,h6"
LIST_TEXT_SHARE = 0.9
FIGURE_LEVELS = 4  # (parents looked at)
DATA_TABLE_ROWS = 10
DATA_TABLE_COLUMNS = 4
DATA_TABLE_CELLS = 10
CLEANING_ORDER = {tag_id(name): rank for rank, name in enumerate(CLEANED_TAGS)}
DIV_RANK = CLEANING_ORDER[tag_id("div")]
CLEANED_SELECTOR = ",".join(CLEANED_TAGS)
SPAN_NUMBER = re.compile(r"\s*(\d+)")
# How many elements may wrap alone the lazy image a <noscript> follows.
MAX_TWIN_WRAPPERS = 3


def _data_table(table: Any, removed: dict[int, list[Any]] | None = None) -> bool:
    """Readability's data table: a summary, caption or header cells, or a grid of many cells (not a
    single row or column: those lay out a page). ``removed``: element -> its children the page's
    boilerplate removal took (rows and cells Readability still counts)."""
    attrs = table.attributes
    if (attrs.get("role") or "") == "presentation" or attrs.get("datatable") == "0":
        return False
    if attrs.get("summary") or table.css_first("caption,col,colgroup,tfoot,thead,th") is not None:
        return True
    if len(table.css("table")) > 1:  # Lexbor's selectors match the element itself too
        return False
    rows = _rows(table, removed)
    count = sum(_span(row, "rowspan") for row in rows)
    columns = max((sum(_span(cell, "colspan") for cell in _cells(row, removed)) for row in rows), default=0)
    if count == 1 or columns == 1:
        return False  # a single row or column lays out a page
    return count >= DATA_TABLE_ROWS or columns > DATA_TABLE_COLUMNS or count * columns > DATA_TABLE_CELLS


def _span(node: Any, name: str) -> int:
    """A row's ``rowspan`` or a cell's ``colspan`` (1 when absent or unreadable)."""
    value = node.attributes.get(name)
    if not value:
        return 1  # (nearly every row and cell: no regular expression to run)
    match = SPAN_NUMBER.match(value)
    return int(match.group(1)) or 1 if match else 1


def _rows(table: Any, removed: dict[int, list[Any]] | None = None) -> list[Any]:
    """The table's own rows (not those of the tables in its cells), with those the page's
    boilerplate removal took (``removed``: element -> its removed children; their order aside)."""
    rows = []
    for child in _with_removed(table, removed):
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            rows.extend(row for row in _with_removed(child, removed) if row.tag == "tr")
    return rows


def _cells(row: Any, removed: dict[int, list[Any]] | None = None) -> list[Any]:
    """A row's ``td`` cells, with those the page's boilerplate removal took (``removed``)."""
    return [cell for cell in _with_removed(row, removed) if cell.tag == "td"]


def _with_removed(node: Any, removed: dict[int, list[Any]] | None) -> Any:
    """A node's children, then those the page's boilerplate removal took from it (``removed``)."""
    taken = removed.get(node.mem_id) if removed else None
    return node.iter() if taken is None else [*node.iter(), *taken]


def _in_figure(node: Any) -> bool:
    """Whether a ``<figure>`` is one of the element's :data:`FIGURE_LEVELS` nearest ancestors
    (Readability's ``_hasAncestorTag`` with its default depth of 3 looks at four parents)."""
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
        removed: dict[int, list[Any]] | None = None,
        as_div: set[int] | frozenset[int] = frozenset(),
    ) -> None:
        self.links = links
        self.as_div = as_div  # paragraphs Readability makes a div of (their <br><br>): judged as divs
        self.removed = removed  # element -> its children the page's boilerplate removal took (None: none)
        self.strips = strips  # Readability's rules alone (the text regions' own: galleries and infoboxes stay)
        # element -> whether it goes (with the strips rule, without it), shared by the cleanings of a page
        self.verdicts: dict[int, tuple[bool, bool]] = {} if verdicts is None else verdicts
        self.weights = weights  # class weights count (Readability's first two attempts)
        self.active = active  # cleaning at all (all attempts but the last)
        self.outcomes: dict[int, tuple[Any | None, bool]] = {}  # element -> (removing block, in a data table)
        self.lengths: dict[int, int] = {}
        self.unmeasured: dict[int, str] = {}  # judged block -> its text, not yet measured (prose)
        self.tables: dict[int, bool] = {}
        self.div_runs: dict[int, tuple[int, bool]] = {}
        # block -> its text left once the blocks inside it are cleaned away, when that alone keeps it
        self.left: dict[int, int] = {}
        self.commas: dict[int, int] = {}  # judged block -> the commas of its text
        # element -> its text, already read (only while the page is as it was read: not after the pruning)
        self.texts: dict[int, str] = {} if texts is None else texts

    def like(self, links: Callable[[Any], int] | None = None, strips: bool = True) -> Cleaning:
        """A cleaning of the same attempt on the same page (its class weights, whether it cleans,
        the removed children, the paragraphs judged as divs): with other ``links`` (its verdicts
        then its own), or without the strips rule (sharing the verdicts, which hold both)."""
        return Cleaning(
            self.links if links is None else links,
            strips=strips,
            weights=self.weights,
            active=self.active,
            verdicts=self.verdicts if links is None else None,
            removed=self.removed,
            as_div=self.as_div,
        )

    def text_len(self, node: Any) -> int:
        key = node.mem_id
        length = self.lengths.get(key)
        if length is None:
            text = self.unmeasured.pop(key, None)  # (a judged block's text, as it was judged)
            length = self.lengths[key] = nonspace(node.text() if text is None else text)
        return length

    def data_table(self, table: Any) -> bool:
        key = table.mem_id
        found = self.tables.get(key)
        if found is None:
            found = self.tables[key] = _data_table(table, self.removed)
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
                elif removing is None and (
                    tid in CLEANED_IDS or key in self.as_div or (key == top_key and tid not in UNCHANGED_IDS)
                ):
                    # (but a div Readability made a paragraph of: not judged)
                    if self.dropped_block(node) and not (tid == DIV_ID and self.paragraph(node)):
                        removing = node
            outcomes[key] = (removing, exempt)
        return None if exempt else removing

    def dropped_block(self, node: Any) -> bool:
        """Whether Readability's conditional cleaning removes a block (its images with it); a block
        holding a data table stays. Without :attr:`strips` (the text regions' own images), a lightbox
        gallery (:func:`~obelics.html.article.links_open_image_files`) stays whatever its images and links, and so does an infobox and
        what holds one (:func:`_holds_infobox`): the text regions' galleries and infoboxes are theirs."""
        key = node.mem_id
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self._verdict(node, _in_figure(node))
        return verdict[0] if self.strips else verdict[1]

    def _verdict(self, node: Any, in_figure: bool) -> tuple[bool, bool]:
        """:meth:`dropped_block`'s answers, with and without the strips rule. Readability judges a
        block once the blocks inside it that it judges first are gone (:meth:`_cleaned_inside`):
        a block its counts would remove is judged again without them."""
        weight = class_weight(node) if self.weights else 0
        if weight < 0:
            gone = not self.holds_data_table(node)
            return gone, gone
        key = node.mem_id
        text = self.texts.get(key)
        if text is None:
            text = node.text()
        commas = self.commas[key] = text.count(",")
        if commas >= PROSE_COMMAS:  # (prose stays whatever its counts: its length measured when asked)
            self.unmeasured[key] = text
            return False, False
        length = nonspace(text)
        self.lengths[key] = length
        if commas < PROSE_COMMAS and length < 40 and AD_WORDS.match(text.strip()):
            gone = not self.holds_data_table(node)  # a box that says "Advertisement", or "Loading..."
            return gone, gone
        verdict = self._counted(node, in_figure, weight, commas, length, self.links(node), ())
        if verdict[0] or verdict[1]:
            inside = self._cleaned_inside(node)
            if inside:
                known = self.commas
                commas -= sum(known.get(part.mem_id, None) or part.text().count(",") for part in inside)
                length -= sum(self.text_len(part) for part in inside)
                links = self.links(node) - sum(self.links(part) for part in inside)
                verdict = self._counted(node, in_figure, weight, commas, length, links, inside)
                if not verdict[0]:
                    self.left[node.mem_id] = length
        return verdict

    def _cleaned_inside(self, node: Any) -> list[Any]:
        """The outermost blocks inside a block that Readability's cleaning removes before it judges
        the block: it cleans forms, then fieldsets, tables, lists and divs last, each tag from
        the page's end (inner blocks first); a data table and all it holds stay, and so does a div
        it made a paragraph of."""
        rank = CLEANING_ORDER.get(node.tag_id, DIV_RANK)
        node_key = node.mem_id
        links = self.links
        gone: list[Any] = []
        gone_keys: set[int] = set()
        kept: set[int] = set()  # data tables
        cleaned = CLEANED_IDS
        # (CLEANED_SELECTOR's elements, in document order, the block itself too: one walk finds them)
        for element in [element for element in node.traverse() if element.tag_id in cleaned]:
            key = element.mem_id
            tid = element.tag_id
            if key == node_key or CLEANING_ORDER[tid] > rank:
                continue
            if gone_keys or kept:
                ancestor = element.parent
                while ancestor is not None and ancestor.mem_id != node_key:
                    if ancestor.mem_id in gone_keys or ancestor.mem_id in kept:
                        break
                    ancestor = ancestor.parent
                if ancestor is not None and ancestor.mem_id != node_key:
                    continue  # inside one removed, or in a data table
            if tid == TABLE_ID and self.data_table(element):
                kept.add(key)
            elif tid == DIV_ID and self.paragraph(element):
                continue
            elif links(element) or element.css_first("img") is not None:
                if self._removed(element):
                    gone.append(element)
                    gone_keys.add(key)
            elif self.weights and class_weight(element) < 0 and not self.holds_data_table(element):
                gone.append(element)  # (no link, no image: only its name removes it)
                gone_keys.add(key)
        return gone

    def _removed(self, node: Any) -> bool:
        """Whether Readability's cleaning removes a block (its own strips rule, judged once)."""
        key = node.mem_id
        verdict = self.verdicts.get(key)
        if verdict is None:
            verdict = self.verdicts[key] = self._verdict(node, _in_figure(node))
        return verdict[0]

    def _counted(
        self, node: Any, in_figure: bool, weight: int, commas: int, length: int, links: int, inside: Any
    ) -> tuple[bool, bool]:
        """The verdicts by the block's counts: its commas, text and link text lengths, and the
        elements it holds but those of the blocks ``inside`` it already removed."""
        if commas >= PROSE_COMMAS:
            return False, False
        density = links / length if length > 0 else 0.0
        if (
            not inside
            and length >= SHORT_BOX_TEXT
            and density <= (NAMED_LINKED_SHARE if weight >= STRONG_WEIGHT else LINKED_SHARE)
        ):
            # only the strips rule can remove it: cheap counts first (a container holds many elements)
            images = len(node.css("img")) - (node.tag == "img")
            if images <= 1 or len(node.css("p")) - (node.tag == "p") >= 0.5 * images:
                return False, False
        counts = {"p": 0, "img": 0, "li": 0, "ul": 0, "ol": 0, "noscript": 0, "div": 0, "a": 0, "table": 0, "br": 0}
        found: dict[str, list[Any]] = {"div": [], "a": [], "table": []}
        elements = _judged_elements(node)
        if inside:
            dropped = {element.mem_id for part in inside for element, _ in _judged_elements(part)}
            elements = [item for item in elements if item[0].mem_id not in dropped]
        for element, tag in elements:
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
        if images > 1 and paragraphs < 0.5 * images and counts["br"] > 1:  # the paragraphs made at <br><br>
            paragraphs += _break_pairs(node, inside)
        if images > 1 and counts["noscript"] and not in_figure and paragraphs / images < 0.5:
            images -= sum(1 for element, tag in elements if tag == "img" and _in_noscript(element, node))
        is_list = node.tag in ("ul", "ol") or ((counts["ul"] or counts["ol"]) and self._listed(node, length, inside))
        remove = (
            (not in_figure and images > 1 and paragraphs / images < 0.5)
            or (weight >= STRONG_WEIGHT and density > NAMED_LINKED_SHARE)
            or (not is_list and weight < STRONG_WEIGHT and density > LINKED_SHARE)
            or (
                not is_list
                and not in_figure
                and length < SHORT_BOX_TEXT
                and (counts["img"] == 0 or counts["img"] > 2)
                and density > 0
                and not _headings(node, length, inside)
            )
        )
        if not remove:
            return False, False
        if is_list:
            # a simple list of images stays: every item a single element, each holding an image
            if all(element_children(child) <= 1 for child in node.iter()) and images == counts["li"]:
                return False, False
        if any(self.data_table(table) for table in tables):
            return False, False
        return True, not (links_open_image_files(found["a"]) or _holds_infobox(tables))

    def runs(self, div: Any) -> tuple[int, bool]:
        """Readability's paragraphs of a div's loose inline content (remembered): how many runs of
        it hold more than spaces and line breaks, and whether the div holds nothing else."""
        key = div.mem_id
        found = self.div_runs.get(key)
        if found is None:
            found = self.div_runs[key] = inline_runs(div)
        return found

    def paragraph(self, div: Any) -> bool:
        """Whether Readability turns the div into a paragraph: inline content only, in one run,
        with under a quarter of its text in links (:data:`PARAGRAPH_LINKS`); or no inline content
        and no block (:func:`~obelics.html.reader_container.paragraph_like`: headings alone, say)."""
        key = div.mem_id
        found = self.div_runs.get(key)
        if found is None:
            if not inline_only(div):
                return paragraph_like(div, line_breaks=True)
            found = self.runs(div)
        runs, only = found
        if not only or runs != 1:
            return False
        length = self.text_len(div)
        return not length or self.links(div) < PARAGRAPH_LINKS * length

    def holds_data_table(self, node: Any) -> bool:
        """Whether a block is or holds a data table (the cleaning keeps it whole)."""
        return any(self.data_table(table) for table in node.css("table"))

    def _listed(self, node: Any, length: int, inside: Any = ()) -> bool:
        """Whether the block's text is nearly all in lists (but those ``inside`` removed blocks)."""
        dropped = {lst.mem_id for part in inside for lst in part.css("ul,ol")}
        listed = sum(
            self.text_len(lst) for lst in node.css("ul,ol") if lst.mem_id != node.mem_id and lst.mem_id not in dropped
        )
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


def _headings(node: Any, length: int, inside: Any = ()) -> bool:
    """Whether headings hold :data:`HEADING_SHARE` or more of a block's text (``length``; but in
    the blocks ``inside`` it already removed): Readability's tiny linked box is none."""
    if not length:
        return False
    dropped = {element.mem_id for part in inside for element in part.css(HEADING_SELECTOR)}
    held = sum(nonspace(h.text()) for h in node.css(HEADING_SELECTOR) if h.mem_id not in dropped)
    return held >= HEADING_SHARE * length


def _break_pairs(node: Any, inside: Any = ()) -> int:
    """How many paragraphs Readability makes of a block's ``<br><br>`` (a chain of two line breaks
    or more, only spaces between: one paragraph each), but in the blocks ``inside`` it already removed."""
    node_key = node.mem_id
    dropped = {part.mem_id for part in inside}
    count = 0
    for br in node.css("br + br"):  # (the selector skips text between them: checked here)
        before = _prev_non_space(br.prev)
        if before is None or before.tag_id != BR_ID:
            continue
        first = _prev_non_space(before.prev)
        if first is not None and first.tag_id == BR_ID:
            continue  # (the chain's third break or later)
        if dropped:
            parent = br.parent
            while parent is not None and parent.mem_id != node_key and parent.mem_id not in dropped:
                parent = parent.parent
            if parent is None or parent.mem_id != node_key:
                continue
        count += 1
    return count


def _prev_non_space(node: Any) -> Any | None:
    """The node, or the first before it, that is no blank text or comment."""
    while node is not None and node.tag_id in (TEXT_ID, COMMENT_ID) and not (node.text_content or "").strip():
        node = node.prev
    return node


def _in_noscript(img: Any, top: Any) -> bool:
    """Whether a ``<noscript>`` below ``top`` holds the image."""
    node = img.parent
    while node is not None and node.mem_id != top.mem_id:
        if node.tag_id == NOSCRIPT_ID:
            return True
        node = node.parent
    return False


def _holds_infobox(tables: list[Any]) -> bool:
    """Whether a block's tables (``tables``, itself and its nested ones included) hold a table of
    data as the text regions' rules see one (:func:`~obelics.html.pruning.infobox_table`)."""
    return any(infobox_table(table) for table in tables)


def cleaned_out(img: Any, top: Any) -> bool:
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
        if element_children(sibling) != 1 or nonspace(sibling.text()):
            return False
        sibling = sibling.first_child
        while sibling is not None and sibling.tag_id in (TEXT_ID, COMMENT_ID):
            sibling = sibling.next
    return False
