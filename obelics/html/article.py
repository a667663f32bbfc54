"""Step 3 of main-content mode: find the article's container, and the regions around it.

Text blocks score their first three ancestors (length and commas, weighted by tag and class
names, scaled by link density); the best container wins, grown to its ``<article>`` (with the
headline and hero image right above it) when it sits in one, else joined by siblings that score
well, lead figures and the headline before it; a list of posts keeps every post. Lightbox
galleries beside the article join it.
"""

from __future__ import annotations

from typing import Any

from obelics.html.kept_images import has_article_image
from obelics.html.names import name_weight
from obelics.html.simplify import BODY_ID, COMMENT_ID, HTML_ID, TEXT_ID, tag_id
from obelics.html.text_blocks import LinkText, TextBlocks, nonspace, text_length

# Blocks whose text scores their ancestors: paragraphs, and the elements that hold text directly
# as paragraphs do (a div of text lines), not list items, headings or captions.
SCORED_TAGS = frozenset({"p", "pre", "td", "blockquote", "div", "section", "article", "center", "dd", "font"})
_SCORED_IDS = frozenset(tag_id(tag) for tag in SCORED_TAGS)
_LI_ID = tag_id("li")


_TAG_SCORES = {"div": 5, "article": 10, "main": 5, "pre": 3, "td": 3, "blockquote": 3, "section": 2}
_LIST_LIKE_TAGS = frozenset({"form", "ol", "ul", "dl", "dd", "dt", "li", "address"})
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "th"})


def _initial_score(node: Any) -> float:
    tag = node.tag
    score = _TAG_SCORES.get(tag, 0)
    if tag in _LIST_LIKE_TAGS:
        score -= 3
    elif tag in _TITLE_TAGS:
        score -= 5
    return score + name_weight(node)


def find_article(blocks: TextBlocks, links: LinkText) -> tuple[Any | None, float, dict[int, float]]:
    """Step 3: the best-scoring container, its score, and every candidate's score."""
    scores: dict[int, float] = {}
    nodes: dict[int, Any] = {}
    # The candidates a block scores and their divisors, by the block's parent: the paragraphs of a
    # container share them, so each parent's ancestors are climbed once.
    scored_by_parent: dict[int, list[tuple[int, int]]] = {}
    for block, length, _, commas in blocks.blocks.values():
        if block.tag_id not in _SCORED_IDS:
            continue
        score = 1 + commas + min(length // 85, 3)
        ancestor = block.parent
        if ancestor is None:
            continue
        parent_key = ancestor.mem_id
        scored = scored_by_parent.get(parent_key)
        if scored is None:
            scored = scored_by_parent[parent_key] = []
            for level in range(3):
                if ancestor is None:
                    break
                tid = ancestor.tag_id
                if tid == HTML_ID or tid == _LI_ID:
                    break  # a list item's text scores no container: a list is a widget or a part of one
                key = ancestor.mem_id
                if key not in scores:
                    scores[key] = _initial_score(ancestor)
                    nodes[key] = ancestor
                scored.append((key, 1 if level == 0 else 2 if level == 1 else level * 3))
                ancestor = ancestor.parent
        for key, divisor in scored:
            scores[key] += score / divisor
    best, best_score = None, 0.0
    # (a candidate without link text has no link density: its text length is not needed)
    lengths = _text_lengths({key: node for key, node in nodes.items() if links(node)})
    for key, node in nodes.items():
        scores[key] *= 1 - (links.density(node, lengths[key]) if key in lengths else 0.0)
        if scores[key] > best_score:
            best, best_score = node, scores[key]
    return best, best_score, scores


def _text_lengths(nodes: dict[int, Any]) -> dict[int, int]:
    """:func:`text_length` of each given element (by key). Candidates nest (a block's parent,
    grandparent and great-grandparent), so one that holds others adds up its children's lengths
    rather than reading all their text again."""
    holders = set()
    for node in nodes.values():
        parent = node.parent
        if parent is not None:
            holders.add(parent.mem_id)
    lengths: dict[int, int] = {}
    for key, node in nodes.items():
        if key not in lengths:
            _summed_length(node, nodes, holders, lengths)
    return lengths


def _summed_length(node: Any, nodes: dict[int, Any], holders: set[int], lengths: dict[int, int]) -> int:
    """One element's text length, its children's added up when it holds given ones (kept in ``lengths``)."""
    key = node.mem_id
    if key not in holders:
        n = nonspace(node.text())
    else:
        n = 0
        for child in node.iter(include_text=True):
            if child.tag_id == TEXT_ID:
                n += nonspace(child.text_content or "")
            elif child.is_element_node:
                child_key = child.mem_id
                n += lengths[child_key] if child_key in lengths else _summed_length(child, nodes, holders, lengths)
    if key in nodes:
        lengths[key] = n
    return n


def _closest(node: Any, tag: str) -> Any | None:
    while node is not None:
        if node.tag == tag:
            return node
        node = node.parent
    return None


def is_media_block(node: Any, links: LinkText) -> bool:
    """A figure, picture or image, or a small wrapper of one (an image and its caption)."""
    if node.tag in ("figure", "picture", "img"):
        return True
    if node.css_first("img") is None:
        return False
    text_len = text_length(node)
    return text_len < 250 and links.density(node, text_len) < 0.5


def lead_media(region: Any, links: LinkText) -> bool:
    """A region that is a lightbox gallery, or a single picture with its caption (a hero image)."""
    if is_gallery(region):
        return True
    return is_media_block(region, links) and len(region.css("img")) == 1


def lead_of(container: Any, links: LinkText) -> list[Any]:
    """The headline and lead media right before a container (a hero image above the article)."""
    lead: list[Any] = []
    sibling = container.prev
    while sibling is not None and len(lead) < 3:
        tid = sibling.tag_id
        if tid == TEXT_ID:
            text = sibling.text_content
            if text and not text.isspace():
                break
        elif tid != COMMENT_ID:
            if sibling.tag in ("h1", "h2", "header", "hgroup") or is_media_block(sibling, links):
                lead.append(sibling)
            else:
                break
        sibling = sibling.prev
    return lead[::-1]


def article_posts(best: Any, links: LinkText) -> list[list[Any]] | None:
    """When the best container sits in an ``<article>``: that article (with its lead), or every
    substantial sibling article when the page is a list of posts (a blog's front page)."""
    article = _closest(best, "article")
    if article is None or len(article.css("article")) > 1:
        return None
    parent = article.parent
    siblings = [a for a in parent.iter() if a.tag == "article"] if parent is not None else [article]
    if len(siblings) > 1:
        floor = max(150, 0.25 * text_length(article))
        posts = [a for a in siblings if a.mem_id == article.mem_id or text_length(a) >= floor]
        if len(posts) > 1:
            return [[post] for post in posts]
    return [[*lead_of(article, links), article]]


def with_good_siblings(best: Any, best_score: float, scores: dict[int, float], links: LinkText) -> list[Any]:
    """The best container with its good siblings, in document order."""
    parent = best.parent
    if parent is None or parent.tag_id == HTML_ID:
        return [best]
    threshold = max(10.0, best_score * 0.2)
    regions = []
    before = True
    best_key = best.mem_id
    for sibling in parent.iter():
        key = sibling.mem_id
        if key == best_key:
            regions.append(sibling)
            before = False
            continue
        if scores.get(key, 0.0) >= threshold:
            regions.append(sibling)
        elif sibling.tag == "p":
            text_len = text_length(sibling)
            density = links.density(sibling, text_len)
            if (text_len > 70 and density < 0.25) or (0 < text_len <= 70 and density == 0):
                regions.append(sibling)
        elif is_media_block(sibling, links):
            regions.append(sibling)
        elif before and sibling.tag in ("h1", "h2", "header", "hgroup"):
            regions.append(sibling)
    return regions


IMAGE_FILE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".tif", ".tiff")
GALLERY_LEVELS = 3
GALLERY_MAX_TEXT = 300


def is_gallery(node: Any) -> bool:
    """A figure or an image, or images with little text, each linked to its own full-size file (a
    lightbox gallery), with no link to another page (a teaser list of thumbnails links to pages)."""
    if node.tag in ("img", "picture", "figure"):
        return True
    images = node.css("img")
    if not images or text_length(node) > GALLERY_MAX_TEXT * len(images):
        return False
    if not links_open_image_files(node.css("a")):
        return False
    return any(has_article_image(img.parent) for img in images if img.parent is not None)


def links_open_image_files(links: list[Any]) -> bool:
    """Whether there are links and every one opens an image file (a lightbox gallery's)."""
    for link in links:
        href = (link.attributes.get("href") or "").split("?", 1)[0].split("#", 1)[0].strip().lower()
        if not href.endswith(IMAGE_FILE_SUFFIXES):
            return False
    return bool(links)


def with_galleries(group: list[Any]) -> list[Any]:
    """The regions of an article with the galleries that sit beside it: siblings of the regions
    or of their ancestors (a few levels up) that are galleries (:func:`is_gallery`)."""
    if not group:
        return group
    first, last = group[0], group[-1]
    inside = {node.mem_id for node in group}
    before: list[Any] = []
    after: list[Any] = []
    low, high = first, last
    for _ in range(GALLERY_LEVELS):
        parent = low.parent
        if parent is None or parent.tag_id in (HTML_ID, BODY_ID) or high.parent is None:
            break
        if high.parent.mem_id != parent.mem_id:
            break
        found_before: list[Any] = []
        sibling = low.prev
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID) and sibling.mem_id not in inside and is_gallery(sibling):
                found_before.append(sibling)
            sibling = sibling.prev
        sibling = high.next
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID) and sibling.mem_id not in inside and is_gallery(sibling):
                after.append(sibling)
            sibling = sibling.next
        before = found_before[::-1] + before
        low = high = parent
    if not before and not after:
        return group
    return [*before, *group, *after]
