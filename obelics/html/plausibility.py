"""Step 4 of main-content mode: the plausibility check, the widening and the headline.

A choice holding far less article-like text than the page's densest article-like region is
replaced by that region, or widened into it; the prose that continues the article around the
choice joins it, and what lies between two of its parts (:func:`plausible`); an article region
without its headline gets it from just above (:func:`with_headline`).
"""

from __future__ import annotations

import re
from typing import Any

from obelics.html.article import is_media_block, lead_of
from obelics.html.labels import is_label, is_legal_notice
from obelics.html.media import only_element_child
from obelics.html.names import names_of
from obelics.html.simplify import BODY_ID, COMMENT_ID, HTML_ID, TEXT_ID
from obelics.html.text_blocks import GOOD_BLOCK_LENGTH, MIN_ARTICLE_TEXT, LinkText, TextBlocks, nonspace, text_length

# The headline of an article above its region: a heading, or a short box holding one (a title with
# its date and byline), before the region or before one of its first ancestors, with only short
# lines (a date, a byline; passed over) or a standfirst (kept) between.
HEADLINE_TAGS = frozenset({"h1", "h2", "h3"})
HEADLINE_SELECTOR = "h1,h2,h3"
HEADLINE_LEVELS = 4
HEADLINE_CLIMBS = HEADLINE_LEVELS + 2  # levels with nothing before the element (wrappers') included
HEADLINE_BOX_TEXT = 300
HEADLINE_LEAD_BOX_TEXT = 600
HEADLINE_LINE_TEXT = 200
HEADLINE_GAP_TEXT = 400
_HEADLINE_NAME = re.compile(r"title|headline|heading", re.IGNORECASE)


def _headline_box(node: Any, links: LinkText) -> bool:
    """Whether an element is a headline: a heading, a short element named as a title or a
    headline, a short bold line, or a short box holding one of them and few links (not a table of
    contents), or a longer one (up to HEADLINE_LEAD_BOX_TEXT) holding an ``<h1>``: the title with its
    date, tools and standfirst."""
    if node.tag in HEADLINE_TAGS:
        return text_length(node) > 0
    length = text_length(node)
    if not 0 < length <= HEADLINE_LEAD_BOX_TEXT or links.density(node, length) > 0.5:
        return False
    if length > HEADLINE_BOX_TEXT:  # the title with its standfirst
        return node.css_first("h1") is not None
    if node.css_first(HEADLINE_SELECTOR) is not None:
        return True
    if length > HEADLINE_LINE_TEXT:
        return False
    element = node
    while element is not None:  # the line, or the element that a wrapper (a table row) holds alone
        if _HEADLINE_NAME.search(names_of(element)):
            return True
        element = only_element_child(element)
    bold = node if node.tag in ("b", "strong") else node.css_first("b,strong")
    return bold is not None and text_length(bold) == length


def _opens_with_heading(region: Any) -> bool:
    """Whether the first text of a region is a heading's (h1-h3): the region has its headline."""
    key = region.mem_id
    for node in region.traverse(include_text=True):
        if node.tag_id != TEXT_ID:
            continue
        text = node.text_content
        if not text or text.isspace():
            continue
        while node is not None:
            if node.tag in HEADLINE_TAGS:
                return True
            if node.mem_id == key:
                return False
            node = node.parent
        return False
    return False


def with_headline(group: list[Any], links: LinkText) -> list[Any]:
    """The regions with the article's headline above them (:data:`HEADLINE_LEVELS` levels up at
    most, a level with nothing before the element not counted, :data:`HEADLINE_CLIMBS` in all;
    past the first :data:`HEADLINE_LEVELS`, a box holding an image is no headline) and the short lines between, when the regions hold no ``<h1>`` of their own and do not
    open with a heading; link-dense lines between (a share bar) are passed over."""
    for region in group:
        if region.tag == "h1" or region.css_first("h1") is not None:
            return group
    if _opens_with_heading(group[0]):
        return group
    node = group[0]
    between: list[Any] = []
    gap = 0
    levels = climbs = 0
    while levels < HEADLINE_LEVELS and climbs < HEADLINE_CLIMBS:
        climbs += 1
        level: list[Any] = []
        sibling = node.prev
        before = gap
        while sibling is not None:
            tid = sibling.tag_id
            if tid == TEXT_ID:
                text = sibling.text_content
                gap += nonspace(text) if text else 0
            elif tid != COMMENT_ID:
                if _headline_box(sibling, links) and (
                    climbs <= HEADLINE_LEVELS or sibling.css_first("img") is None
                ):  # (past the first levels, a box with a picture is a site's banner with its logo)
                    return [sibling, *level[::-1], *between, *group]
                length = text_length(sibling)
                gap += length
                if length >= GOOD_BLOCK_LENGTH and links.density(sibling, length) <= 0.5:
                    level.append(sibling)
            if gap > HEADLINE_GAP_TEXT:
                return group
            sibling = sibling.prev
        if gap > before:
            levels += 1  # (a level with no text before the node, a wrapper's, is passed for free)
        between = [*level[::-1], *between]
        node = node.parent
        if node is None or node.tag_id in (HTML_ID, BODY_ID):
            break
    title = _page_title_before(group[0])
    return group if title is None else [title, *group]


# The page's one <h1> (or <h2>, without an <h1>) as the headline of a story set deeper in a table
# layout than the climb reaches: a line of at least TITLE_WORDS words that does not link to the
# site's home page (the site's name does).
TITLE_WORDS = 3
_SITE_HOME = re.compile(r"\s*(?:(?:https?:)?//[^/?#]+)?/?(?:index\.\w+)?\s*")


def _page_title_before(region: Any) -> Any:
    """The page's one ``<h1>`` (or its one ``<h2>`` on a page without one) when it stands before
    the region, deeper in the layout than the climb of :func:`with_headline` reaches (a table
    layout's title cell), with at most
    :data:`HEADLINE_GAP_TEXT` characters between (a date, a byline), the two sharing an ancestor
    below ``<body>`` (not the site's name in its header, :data:`TITLE_WORDS`); None otherwise."""
    body = region
    path: list[int] = []  # the region and its ancestors below <body>
    while body is not None and body.tag_id not in (BODY_ID, HTML_ID):
        path.append(body.mem_id)
        body = body.parent
    if body is None or body.tag_id != BODY_ID:
        return None
    titles = body.css("h1") or body.css("h2")
    if len(titles) != 1:
        return None
    title = titles[0]
    words = title.text().split()
    if len(words) < TITLE_WORDS or nonspace("".join(words)) > HEADLINE_LINE_TEXT or is_label(" ".join(words)):
        return None
    if any(_SITE_HOME.fullmatch(link.attributes.get("href") or "") for link in title.css("a")):
        return None  # a link home: the site's name
    inside = set(path)
    gap = 0
    node = title  # the title's side of the common ancestor: what follows the title
    while node.parent is not None and node.parent.mem_id not in inside:
        if node.parent.tag_id in (BODY_ID, HTML_ID):
            return None
        gap += _text_between(node.next, None)
        if gap > HEADLINE_GAP_TEXT:
            return None
        node = node.parent
    common = node.parent
    if common is None or common.mem_id == region.mem_id:
        return None  # (a title inside the region)
    side = region  # the region's side: what precedes it, up to the common ancestor
    for _ in range(path.index(common.mem_id) - 1):
        gap += _text_between(side.parent.first_child, side)
        side = side.parent
    gap += _text_between(node.next, side)  # between the title's branch and the region's
    if gap > HEADLINE_GAP_TEXT or not _follows(side, node):
        return None
    return title


def _text_between(first: Any, stop: Any) -> int:
    """The text length of the siblings from ``first`` up to ``stop`` (excluded; None: the last)."""
    length = 0
    end = None if stop is None else stop.mem_id
    node = first
    while node is not None and node.mem_id != end:
        if node.tag_id == TEXT_ID:
            length += nonspace(node.text_content or "")
        elif node.tag_id != COMMENT_ID:
            length += text_length(node)
        node = node.next
    return length


def _follows(node: Any, before: Any) -> bool:
    """Whether ``node`` is a sibling after ``before``."""
    key = node.mem_id
    sibling = before.next
    while sibling is not None:
        if sibling.mem_id == key:
            return True
        sibling = sibling.next
    return False


MIN_REGION_SHARE = 0.5
# The least article-like text of a region that replaces a choice holding none, or grows a fragment
# of itself, on a short page (a news brief of a few sentences, a home page's welcome text).
MIN_SHORT_ARTICLE_TEXT = 2 * GOOD_BLOCK_LENGTH
# Widening (the choice lies inside the densest region) adds what surrounds an article that was
# found, so it needs a weaker choice than replacing one that is elsewhere.
MIN_INNER_REGION_SHARE = 1 / 3
# A choice (not an <article>) that holds the densest region and this many times its text narrows to it.
NARROW_TEXT_RATIO = 2
# Levels above the densest region (or a choice holding it) where the prose around a choice still joins it.
SPLIT_LEVELS = 2


# What lies between two parts of the article is part of it (a date line between the headline and
# its text, a list or a short paragraph between two scored boxes): an element between two regions
# that hold text, siblings in the page, joins them unless it is dense in links (a share bar, a
# teaser box), a boilerplate label ("Advertisement") or a legal notice.
GAP_LINK_DENSITY = 0.25
GAP_LABEL_TEXT = 170


def with_gaps(group: list[Any], links: LinkText) -> list[Any]:
    """The regions, in document order, with the elements between two of them (:data:`GAP_LINK_DENSITY`)."""
    if len(group) < 2:
        return group
    out = [group[0]]
    inside = {region.mem_id for region in group}
    before = group[0] if _holds_text(group[0]) else None  # the last region that holds text
    at = 0  # its place in ``out``
    for after in group[1:]:
        if not _holds_text(after):  # an image region: the text regions around it may still join
            out.append(after)
            continue
        parent = None if before is None else before.parent
        if parent is not None and after.parent is not None and after.parent.mem_id == parent.mem_id:
            found = _gap(before, after, inside, links)
            if found:
                between = _in_order(before, after, out[at + 1 :], found)
                if between is not None:
                    out[at + 1 :] = between
        before, at = after, len(out)
        out.append(after)
    return out


def _in_order(before: Any, after: Any, regions: list[Any], found: list[Any]) -> list[Any] | None:
    """The image regions and the gap's elements between two sibling text regions, in document
    order; None when one of the image regions is no sibling of theirs (it then stays, alone)."""
    if not regions:
        return found
    keys = {node.mem_id for node in regions} | {node.mem_id for node in found}
    ordered = []
    sibling = before.next
    end = after.mem_id
    while sibling is not None and sibling.mem_id != end:
        if sibling.mem_id in keys:
            ordered.append(sibling)
        sibling = sibling.next
    return ordered if len(ordered) == len(keys) else None


def _holds_text(node: Any) -> bool:
    """Whether an element holds any text (its first text node that is not blank, without measuring it all)."""
    for child in node.traverse(include_text=True):
        if child.tag_id == TEXT_ID:
            text = child.text_content
            if text and not text.isspace():
                return True
    return False


def _gap(before: Any, after: Any, inside: set[int], links: LinkText) -> list[Any]:
    """The elements between two sibling regions that join them (none when ``after`` is not after ``before``)."""
    found: list[Any] = []
    end = after.mem_id
    sibling = before.next
    while sibling is not None:
        if sibling.mem_id == end:
            return found
        if sibling.tag_id not in (TEXT_ID, COMMENT_ID) and sibling.mem_id not in inside:
            length = text_length(sibling)
            if length and links(sibling) <= GAP_LINK_DENSITY * length:
                text = sibling.text()
                if not (length < GAP_LABEL_TEXT and is_label(" ".join(text.split()))) and not is_legal_notice(text):
                    found.append(sibling)
        sibling = sibling.next
    return []


def plausible(groups: list[list[Any]], blocks: TextBlocks, links: LinkText) -> list[list[Any]]:
    """The plausible choice (:func:`plausible_choice`), with the other parts of a split article
    (:func:`with_parts`) and what lies between its parts (:func:`with_gaps`)."""
    groups = plausible_choice(groups, blocks, links)
    return [with_gaps(with_parts(groups[0], blocks, links), links)] if len(groups) == 1 else groups


def plausible_choice(groups: list[list[Any]], blocks: TextBlocks, links: LinkText) -> list[list[Any]]:
    """The chosen regions, or the page's densest article-like region when they are implausible.

    Scoring can pick a sign-in box, a teaser list or a site blurb over an article whose paragraphs
    it undervalues; the densest region (the deepest element holding most of the page's long,
    link-poor text blocks) then holds far more article-like text than the choice. It replaces the
    choice, or widens it when the choice lies inside it, with the headline right before it.
    A plausible single choice inside that region is widened too: the prose beside it (an article
    cell next to a richer teaser table) is part of the same region; and up to ``SPLIT_LEVELS``
    above the region (or above a choice that holds it), the prose before it joins (an article's
    first paragraphs beside a longer nested box: a quoted press release, a "show full text" block;
    a summary row above a review's cell), and so does prose of several paragraphs after it (the
    article's second part in the next table row, a timeline box below a news story). A choice
    that holds the region and more than ``NARROW_TEXT_RATIO`` times its text (besides an
    ``<article>``, the author's own bounds) narrows to the region, widened within the choice.
    """
    dense = blocks.densest_region()
    if dense is None:
        return groups
    dense_good = blocks.good.get(dense.mem_id, 0)
    regions = [region for group in groups for region in group]
    chosen = blocks.good_in(regions)
    if dense_good < MIN_SHORT_ARTICLE_TEXT:
        return groups
    inside = all(_inside(region, dense) for region in regions)
    if dense_good < MIN_ARTICLE_TEXT:
        # A short page (a news brief, a home page's welcome text): the region replaces a choice
        # with no article-like text at all (a footer line); a fragment of it (an event box, a
        # one-sentence post) grows by the prose around it, not into the sidebar the region may hold.
        if chosen == 0:
            return [[*lead_of(dense, links), dense]]
        if inside and chosen < MIN_INNER_REGION_SHARE * dense_good and len(groups) == 1:
            return [_widen(regions, dense, blocks, links)]
        return groups
    if chosen >= MIN_REGION_SHARE * dense_good:
        if len(groups) != 1:
            return groups
        if inside:
            anchor = dense
        elif len(regions) == 1 and _inside(dense, regions[0]):
            if regions[0].tag != "article" and text_length(regions[0]) > NARROW_TEXT_RATIO * text_length(dense):
                # a box holding more other text than the article (a photo strip's credits, a
                # blogroll): the region, with the prose and the image blocks around it in the box
                return [_widen([dense], dense, blocks, links, regions[0], media=True)]
            anchor = regions[0]  # the choice holds the region: what lies around the choice
        else:
            return groups
        top = anchor
        for _ in range(SPLIT_LEVELS):
            parent = top.parent
            if parent is None or parent.tag_id in (HTML_ID, BODY_ID):
                break
            top = parent
        if chosen < dense_good or top is not anchor:
            return [_widen(regions, anchor, blocks, links, top)]
        return groups
    if chosen >= MIN_INNER_REGION_SHARE * dense_good and inside:
        # a weak choice inside the region: the prose around it joins, not the whole region
        return [_widen(regions, dense, blocks, links)] if len(groups) == 1 else groups
    return [[*lead_of(dense, links), dense]]


def _is_prose(node: Any, blocks: TextBlocks, links: LinkText) -> bool:
    """Mostly article-like text, few links: more of the article, not a teaser list or a menu."""
    good = blocks.good.get(node.mem_id, 0)
    if not good:
        return False
    text_len = text_length(node)
    return good >= 0.6 * text_len and links.density(node, text_len) < 0.2


def _widen(
    regions: list[Any], dense: Any, blocks: TextBlocks, links: LinkText, top: Any = None, media: bool = False
) -> list[Any]:
    """The regions with the prose around them: climbing from the regions to the densest region,
    the siblings at each level that are prose (:func:`_is_prose`) join, in document order; from
    there up to ``top``, the prose before them that holds no image, and the prose after them that
    holds at least two article-like blocks (the rest of the article, not a copyright line); with
    ``media``, the image blocks beside them too (:func:`is_media_block`)."""
    out = list(regions)
    low, high = regions[0], regions[-1]
    dense_key = dense.mem_id
    top_key = dense_key if top is None else top.mem_id
    above = False  # past the densest region, stricter: an article's first part, or its second one
    while low.mem_id != top_key:
        if low.mem_id == dense_key:
            above = True
        parent = low.parent
        if parent is None or high.parent is None or high.parent.mem_id != parent.mem_id:
            break
        before: list[Any] = []
        sibling = low.prev
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID):
                if _is_prose(sibling, blocks, links):
                    if not above or sibling.css_first("img") is None:  # text, not a gallery
                        before.append(sibling)
                elif media and is_media_block(sibling, links):
                    before.append(sibling)
            sibling = sibling.prev
        after: list[Any] = []
        sibling = high.next
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID):
                if _is_prose(sibling, blocks, links):
                    if not above or len(blocks.blocks_under(sibling)) >= 2:
                        after.append(sibling)
                elif media and is_media_block(sibling, links):
                    after.append(sibling)
            sibling = sibling.next
        out = [*before[::-1], *out, *after]
        low = high = parent
    return out


def _inside(node: Any, container: Any) -> bool:
    key = container.mem_id
    while node is not None:
        if node.mem_id == key:
            return True
        node = node.parent
    return False


# A part of an article holds at least this much article-like text, in this many blocks (paragraphs,
# not a widget's blurb or a teaser that share the article's class name).
MIN_PART_TEXT = GOOD_BLOCK_LENGTH
MIN_PART_BLOCKS = 2
_PLAIN_CLASS = re.compile(r"[\w -]+")


def with_parts(group: list[Any], blocks: TextBlocks, links: LinkText) -> list[Any]:
    """The article's regions with its first part: a page that splits its article's text into
    boxes of the same tag and class (the first paragraphs above a video, a photo or an ad, the
    rest below: two ``div.story-text`` in separate rows of the layout) has those before the region
    that holds the most article-like text join it, in document order, when they are prose of two
    blocks or more (:func:`_is_prose`) and share an ancestor with it below ``<body>``. Boxes after
    it stay out: a blog theme gives its trackbacks and comments the class of the post's text."""
    main = max(group, key=lambda region: blocks.good.get(region.mem_id, 0))
    names = main.attributes.get("class")
    if not names or not blocks.good.get(main.mem_id) or _PLAIN_CLASS.fullmatch(names) is None:
        return group  # (a class of other characters would need escaping in the selector)
    same = blocks.root.css(f'{main.tag}[class="{names}"]')
    if len(same) < 2 or same[0].mem_id == main.mem_id:
        return group
    inside = {region.mem_id for region in group}
    around: set[int] = set()  # the regions' ancestors below <body>
    for region in group:
        node = region.parent
        while node is not None and node.tag_id not in (BODY_ID, HTML_ID):
            around.add(node.mem_id)
            node = node.parent
    before: list[Any] = []
    for part in same:
        key = part.mem_id
        if key == main.mem_id:
            break
        if key in around or blocks.good.get(key, 0) < MIN_PART_TEXT or not _beside(part, inside, around):
            continue
        if len(blocks.blocks_under(part)) >= MIN_PART_BLOCKS and _is_prose(part, blocks, links):
            before.append(part)
    if not before:
        return group
    index = next(i for i, region in enumerate(group) if region.mem_id == main.mem_id)
    return [*group[:index], *before, *group[index:]]


def _beside(node: Any, inside: set[int], around: set[int]) -> bool:
    """Whether an element lies outside the regions (``inside``) and shares an ancestor below
    ``<body>`` with them (one of ``around``)."""
    if node.mem_id in inside:
        return False
    node = node.parent
    while node is not None and node.tag_id not in (BODY_ID, HTML_ID):
        if node.mem_id in inside:
            return False
        if node.mem_id in around:
            return True
        node = node.parent
    return False
