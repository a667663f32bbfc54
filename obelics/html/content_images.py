"""Content images of main-content mode: the images a reader view shows, wherever the text region ends.

The text region of main-content mode (:mod:`obelics.html.main_content`) is cut tight around the
article's prose. The images a reader sees as the article's (Mozilla Readability's reader view, the
definition users know) come from a wider container: a picture row between the text rows of a table
layout, a cell beside the text, a box one level up. This module finds that container from the same
text blocks, as Readability does, and the images in it that Readability's cleaning keeps:

1. elements Readability strips before it looks (:meth:`~obelics.html.reader_container.ContentImages.stripped`: hidden ones,
   menu/dialog roles, names of boilerplate outside tables: none among an element's four nearest
   ancestors) hold no candidate and no image;
2. every text block (``pre``, ``h2``-``h6``, a ``div`` of text; a ``p``, a table cell or a section
   with all its text, a table nested in a ``p`` included) of at least :data:`~obelics.html.reader_container.MIN_SCORED_TEXT` characters scores
   ``2 + commas + min(length / 85, 3)`` into up to :data:`~obelics.html.reader_container.SCORE_LEVELS` ancestors (divided by 1, 2,
   then 3 x level), each ancestor starting from its tag and class weight (:func:`~obelics.html.reader_container.class_weight`);
   scores are scaled by ``1 - link density``. The elements the page's boilerplate removal took
   score from where they stood (:class:`~obelics.html.reader_container.RemovedContent`): their
   blocks, and their text and links in their ancestors' link density, unless step 1 strips them
   too. Text cut by ``<br><br>`` is a paragraph per piece,
   as Readability rewrites it (:mod:`obelics.html.reader_container`): the pieces score into the element holding the
   breaks (a ``p`` so cut counts as a ``div``), not as one block into its parent; a div's loose
   text beside blocks is wrapped in paragraphs scoring into that div, a div holding a
   paragraph alone gives way to it, and a div holding none of Readability's blocks is a
   paragraph scoring all its text into its ancestors; an in-page link counts 3/10 of its text
   in link densities (:func:`~obelics.html.reader_container.reader_links`);
3. the best candidate moves to the ancestor it shares with at least :data:`~obelics.html.reader_container.MIN_TOP_ALTERNATIVES`
   other top candidates scoring close to it, then up to a parent scoring better (while parents
   keep a third of its score; an inline candidate in a div that also holds blocks first passes
   through the paragraph Readability wraps it in, scoring half of it), then through parents that hold nothing else (an element the
   page's boilerplate removal took counts as held, unless Readability drops or strips it too);
4. its siblings that score well (:data:`~obelics.html.reader_container.SIBLING_SHARE` of the best, or :data:`~obelics.html.reader_container.SIBLING_SCORE`), and
   sibling paragraphs of prose, join it (a container inside a removed element adds no image:
   the page no longer holds it, and its cleaning counts that element's links); a container under :data:`ARTICLE_TEXT` characters (each run
   of spaces counting one, as Readability measures: :func:`_with_spaces`; or
   none: every text stripped; one the cleaning of step 5 removes whole counts as empty) is
   Readability's failed attempt (what it strips, the candidates inside it that step 5's
   cleaning removes by their class weight and, for a short one, all step 5's cleaning removes
   inside it not counted; one its cleaning keeps only once the blocks inside it are gone
   counts what is left: :func:`_article_length`), and steps 1-4 run again with less
   (:data:`ATTEMPTS`: no names stripped, then no class weights, then no cleaning);
5. an image of the container outside the text regions joins them unless a block around it is one
   Readability's conditional cleaning removes (:meth:`~obelics.html.reader_cleaning.Cleaning.dropped_block`; a div of inline
   content alone, or a div of neither inline content nor blocks, is a paragraph for Readability,
   not judged, and each run of a div's loose inline content counts as a paragraph, and so does
   each ``<br><br>`` (Readability makes a paragraph of it, and a div, judged as one, of the
   ``<p>`` that holds it); a block whose
   counts would remove it is judged again without the blocks inside it that the cleaning removes
   first, as Readability cleans inner blocks first): a negative class
   weight, "Advertisement" alone, more images than twice its paragraphs outside a figure (but a
   list of images), link-heavy, a tiny linked box (no image or more than two, its text not
   nearly all in headings); a data table (not a single row or column; the
   rows and cells the page's boilerplate removal took still count) and what holds one stay; nor
   an image in a ``<noscript>`` that is no lazy image's twin.

:func:`choose_content_images` runs once the text regions are chosen, on the page they were
chosen on; :func:`with_content_images` places the container's images outside them among them, at
their place in the page, and :func:`drop_other_images` removes the text regions' images outside
the container or in a block of it that the cleaning of step 5 removes (but a lightbox gallery). Before the project's named boilerplate is removed, :func:`rescue_table_images`
copies out the images of removed layout-table cells (inside a table a cell's name says where it
is, not what it holds: Readability keeps it); after it, :meth:`ChosenImages.restored` copies back
the images of the other removed elements of the container that Readability shows (step 5 judged
with their own links), but for ads, sharing and comments.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from obelics.html.boilerplate import hard_boilerplate
from obelics.html.names import AD_WORDS, NAME_SPLIT, names_of
from obelics.html.reader_cleaning import CLEANED_IDS, Cleaning, cleaned_out
from obelics.html.reader_container import (
    DIV_ID,
    TABLE_ID,
    ContentImages,
    RemovedContent,
    class_weight,
    reader_length,
    reader_links,
    within_table,
)
from obelics.html.text_blocks import LinkText, TextBlocks

MIN_CONTAINER_SHARE = 0.5
# Readability's attempts, in order (strip boilerplate names, class weights, cleaning), and the text
# an attempt's article needs for it to stop there.
ATTEMPTS = ((True, True, True), (False, True, True), (False, False, True), (False, False, False))
ARTICLE_TEXT = 500  # Readability's 500 characters: its text with each run of spaces as one
SPACED_FROM = 330  # (fewer non-space characters: the spaces between their words cannot make 500)
MEASURED_TEXT = 1260  # (non-space characters) a container under it has all its cleaning removes taken off


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
        self.inner = cleaning.like(strips=False)

    def fits(self, group: list[Any]) -> bool:
        """Whether the container may decide the images of the text regions ``group``: not when it
        holds no image and under :data:`MIN_CONTAINER_SHARE` of their text (a notice bar, one
        paragraph of a longer article: not the reader view's article). Remembered in ``trusted``."""
        if any(region.css_first("img") is not None for region in self.regions):
            return True
        inner = sum(self.found.length(region, region.mem_id) for region in self.regions)  # (the page unchanged)
        outer = sum(reader_length(region.text()) for region in group)
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
        if self.found.detached:
            return []  # (the page no longer holds them)
        in_group = Inside(group)
        out = []
        for region in self.regions:
            if in_group(region):
                continue  # its images are the text regions'
            for img in [region] if region.tag == "img" else region.css("img"):
                if in_group(img) or self.found.stripped(img) or cleaned_out(img, region):
                    continue
                if self.cleaning.removing_block(img.parent, region) is None:
                    out.append(img)
        return [*out, *self.restored(in_group)]

    def restored(self, in_group: Callable[[Any], bool]) -> list[Any]:
        """The images of elements the page's boilerplate removal took from the container that
        Readability shows (it neither strips the element nor cleans it away, measured with the
        element's own links; not in a table, whose images :func:`rescue_table_images` copied
        out; not in ads, sharing or comments, as there): each copied back where the element
        stood; those outside the text regions (``in_group``) are returned, the others lie in them."""
        found = self.found
        if not found.kept_removed:
            return []
        out: list[Any] = []
        links: dict[int, int] = {}  # the removed elements' link text (the page's LinkText no longer sees it)
        cleaning = None
        for node, parent, after, images in found.kept_removed:
            region = self._region(parent)
            if region is None or found.seen[node.mem_id][2] or hard_boilerplate(node) or _ad_named(node):
                continue  # outside the container, in a table or code; ads, sharing, comments (as there)
            if self.cleaning.removing_block(parent, region) is not None:
                continue
            if cleaning is None:
                cleaning = self.cleaning.like(links=_with_links(links, self.cleaning.links))
            links.update(LinkText(node).lengths)
            for img in images:
                if found.stripped(img) or cleaned_out(img, node):
                    continue
                if img.mem_id != node.mem_id and cleaning.removing_block(img.parent, node) is not None:
                    continue
                copy = _copy_back(img, parent, after)
                if copy is not None and not in_group(parent):
                    out.append(copy)
        return out


def _with_links(links: dict[int, int], live: Callable[[Any], int]) -> Callable[[Any], int]:
    """A link measure that reads ``links`` (the removed elements' link text) before ``live`` (the page's)."""
    return lambda node: links.get(node.mem_id) or live(node)


def _ad_named(node: Any) -> bool:
    """Whether an element's class or id names an ad slot ("ad-slot", "dfp-ad"): a word of
    :data:`~obelics.html.names.AD_WORDS` (soft boilerplate words for the project's names, not hard ones)."""
    names = names_of(node).lower()
    return bool(names) and not AD_WORDS.isdisjoint(NAME_SPLIT.split(names))


def _copy_back(img: Any, parent: Any, anchor: Any | None) -> Any | None:
    """A copy of an image of a removed element put where the element stood: before the node that
    followed it (``anchor``) if still in ``parent``, else at the end of ``parent``."""
    if anchor is not None and anchor.parent is not None and anchor.parent.mem_id == parent.mem_id:
        anchor.insert_before(img)
        copy = anchor.prev
    else:
        parent.insert_child(img)
        copy = parent.last_child
    return copy if copy is not None and copy.tag == "img" else None


def choose_content_images(
    blocks: TextBlocks,
    body: Any,
    links: Callable[[Any], int],
    removed: RemovedContent | None = None,
) -> ChosenImages:
    """Steps 1-4: the container of the page's article (the whole body when none stands out);
    step 5 is left to :meth:`ChosenImages.extras`, once the text regions are known. A container
    under :data:`ARTICLE_TEXT` characters (a run of spaces counting one) is Readability's failed
    attempt: it tries again without stripping boilerplate names, then without class weights, then
    without the cleaning, and keeps the first long enough (else the longest, the first of equals)."""
    links = reader_links(body, links)
    attempts: list[tuple[int, ChosenImages]] = []
    removed_children = removed.children if removed is not None and removed.children else None
    found: ContentImages | None = None
    regions: list[Any] = []
    for strip_names, weights, active in ATTEMPTS:
        if found is None or found.strip_names != strip_names or found.weights != weights:
            found = ContentImages(blocks, links, strip_names, weights, removed)
            regions = found.regions() or [body]
            judged = _detached_links(regions[0]) if found.detached else links
        # (else the attempt without the cleaning: the scores and the container of the one before,
        # which its cleaning changed nothing of)
        cleaning = Cleaning(
            judged, weights=weights, active=active, texts=found.texts, removed=removed_children, as_div=found.as_div
        )
        chosen = ChosenImages(found, cleaning, regions)
        length = _article_length(chosen) if found.raw else 0  # (no candidate: every text stripped)
        if length >= ARTICLE_TEXT or (length >= SPACED_FROM and _with_spaces(length, chosen) >= ARTICLE_TEXT):
            return chosen
        attempts.append((length, chosen))
    return max(attempts, key=itemgetter(0))[1]


def _detached_links(node: Any) -> Callable[[Any], int]:
    """The link text of the elements of a container that lies in an element the page's
    boilerplate removal took (the page's link text no longer sees them), as Readability counts it."""
    while node.parent is not None:
        node = node.parent
    return reader_links(node, LinkText(node))


def _with_spaces(length: int, chosen: ChosenImages) -> int:
    """An attempt's article length (``length``, spaces not counted) as Readability measures it:
    with one space for each gap between words, as many per character as its container's text has."""
    texts = [chosen.found.texts.get(region.mem_id) or region.text() for region in chosen.regions]
    nonspace = sum(reader_length(text) for text in texts)
    gaps = sum(max(len(text.split()) - 1, 0) for text in texts)
    return length + (length * gaps // nonspace if nonspace else 0)


def _article_length(chosen: ChosenImages) -> int:
    """The text of an attempt's article: its container's, but for the parts its cleaning removes whole
    (and, of a part it keeps only once the blocks inside it are gone, what is left), and for
    what Readability strips inside it
    (:meth:`~obelics.html.reader_container.ContentImages.stripped_text`: a page's wrapper around a
    stripped story, an article in a box named "sidebar-wrapper") and, while class weights count,
    the candidates inside it that its cleaning removes by their name (:func:`_named_away_text`);
    for a container under :data:`MEASURED_TEXT` characters (where it matters: whether the
    attempt passes, and which of failed attempts is the longest), but also for all it strips or
    cleans away inside it (:func:`_cleaned_text`)."""
    found, cleaning = chosen.found, chosen.cleaning
    kept = [region for region in chosen.regions if cleaning.removing_block(region, region) is None]
    left = cleaning.left  # (a region kept only once its inner blocks are cleaned away: what is left of it)
    length = sum(left.get(region.mem_id, found.length(region, region.mem_id)) for region in kept)
    if length >= MEASURED_TEXT:
        measured = length
        if cleaning.active and cleaning.weights:
            measured -= _named_away_text(kept, found, cleaning)
        measured -= found.stripped_text(kept, measured - MEASURED_TEXT)
        if measured >= MEASURED_TEXT or not cleaning.active:
            return measured
    if length and cleaning.active:
        length -= sum(_cleaned_text(region, found, cleaning) for region in kept if region.mem_id not in left)
    return length


def _named_away_text(regions: list[Any], found: ContentImages, cleaning: Cleaning) -> int:
    """The text of the candidates inside the container's ``regions`` that its cleaning removes
    whole by their negative class weight (a div, table, list or form named "widget-wrap": the
    article in such boxes is cleaned away, and Readability tries again without class weights);
    those in another such one, or holding a data table, not counted. Only candidates are looked
    at (the blocks' ancestors that scored: where the text is), not every element."""
    keys = {region.mem_id for region in regions}
    named: dict[int, Any] = {}
    for key, node in found.nodes.items():
        if key not in keys and node.tag_id in CLEANED_IDS and class_weight(node) < 0:
            named[key] = node
    total = 0
    for key, node in named.items():
        parent = node.parent
        while parent is not None and parent.mem_id not in keys and parent.mem_id not in named:
            parent = parent.parent
        if parent is not None and parent.mem_id in keys and not cleaning.holds_data_table(node):
            total += found.length(node, key)
    return total


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
            tid in CLEANED_IDS and cleaning.dropped_block(node) and not (tid == DIV_ID and cleaning.paragraph(node))
        ):
            out.add(key)
            gone += reader_length(node.text())
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
            in_table = tables[holder.mem_id] = within_table(holder)
        if not in_table or (final is not None and _inside_final(img, holder, keys, final)):
            continue
        holder.insert_before(img)  # a copy, where the removed element stood
        copy = holder.prev
        if copy is not None and copy.tag == "img":
            copies.append(copy)
    return copies


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
