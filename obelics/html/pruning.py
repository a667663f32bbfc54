"""Steps 5-6 of main-content mode: prune the boilerplate inside the article region.

Blocks dense in links (related lists, tag clouds), short link-only blocks, rows of links, small
forms, the author's box and boilerplate labels go, a boilerplate heading (or a paragraph that
titles teasers) with its section (:func:`prune`); the images of a link-dense block go while its
text stays to the text rules (:func:`drop_linked_block_images`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from obelics.html.article import is_gallery
from obelics.html.kept_images import has_article_image, in_figure
from obelics.html.labels import (
    LEGAL_NOTICE_MAX_TEXT,
    LEGAL_NOTICE_TAIL,
    is_ad_label,
    is_label,
    is_legal_notice,
    may_open_comments,
    opens_comments,
    opens_section,
)
from obelics.html.names import NAME_SPLIT, name_weight, names_of
from obelics.html.simplify import COMMENT_ID, HEADING_SELECTOR, HEADING_TAGS, TEXT_ID, detach, tag_id
from obelics.html.text_blocks import GOOD_BLOCK_LENGTH, INLINE_IDS, LinkText, nonspace, text_length

PRUNE_SELECTOR = "div,section,ul,ol,dl,table,form,header,footer,center"
# The selectors' tags by id: one walk of the region finds them (a selector of many tags costs Lexbor more).
PRUNE_IDS = frozenset(tag_id(tag) for tag in PRUNE_SELECTOR.split(","))
LINE_IDS = frozenset(tag_id(tag) for tag in ("p," + HEADING_SELECTOR).split(","))
LABEL_LINK_TEXT = 40
P_ID = tag_id("p")
NAMING_ATTRIBUTES = frozenset({"class", "id"})  # (an author box has one of them)


def prune(
    region: Any, links: LinkText, lengths: dict[int, int] | None = None, keeps: Callable[[Any], bool] | None = None
) -> None:
    """Step 5: remove boilerplate labels (a heading or a title paragraph with its section), rows of
    links and the author's box first; then link-dense blocks, short link-only blocks, small forms
    and label blocks (an ad label with its banner), innermost first (``lengths`` gets the text
    length of each of those blocks, by key).

    ``keeps`` (:func:`obelics.html.kept_images.reader_view_keeps`) says which images of a removed
    block the reader view shows: those stay where the block stood, its text goes."""
    region_key = region.mem_id
    _cut_comments(region, links, keeps)
    for link in region.css("a"):  # a tool link standing alone ("Email this story to a friend")
        if not 0 < links(link) < LABEL_LINK_TEXT:
            continue  # (its text length, known without reading it)
        text = link.text()
        if is_label(" ".join(text.split())) and _stands_alone(link):
            detach(link)  # (its link text still counts where it stood: the block stays as link-dense)
    gone: set[int] = set()  # what went with the section of a heading before it
    lines = _elements(region, LINE_IDS)  # (region.css("p," + HEADING_SELECTOR))
    notices_from = len(lines) - LEGAL_NOTICE_TAIL  # (a site's legal notice closes the article)
    for index, node in enumerate(lines):
        if node.mem_id in gone or node.mem_id == region_key:
            continue  # (a region's siblings are no section of it; the choice judged the region itself)
        text = node.text()
        label = " ".join(text.split()) if len(text) < 250 else ""
        spared = keeps  # the images of a removed line the reader view shows stay, but an ad's
        if label and is_label(label):
            opens = node.tag != "p" or opens_section(label)
            if keeps is not None and is_ad_label(label):
                spared = None
        elif node.tag_id == P_ID and (  # (the cheap conditions of a link row and an author box first)
            (label and links(node) and _link_row(node, nonspace(text), links))
            or (index >= notices_from and not label and links(node) and _tail_link_row(node, text, links, region_key))
            or (index >= notices_from and is_legal_notice(text) and _notice_box(node, text))
            or (
                AUTHOR_BOX_TEXT[0] <= len(text) < 2 * AUTHOR_BOX_TEXT[1]
                and not NAMING_ATTRIBUTES.isdisjoint(node.attributes)
                and _author_box(node, nonspace(text))
            )
        ):
            opens = False
        else:
            continue
        if node.css_first("table") is not None:
            continue  # a paragraph that holds a table is an old page's layout cell, not a line of text
        if opens:
            gone.update(_remove_section(node, links, spared))
        links.removed(node)
        _detach_block(node, spared)
    measured = {} if lengths is None else lengths
    for index, node in enumerate(reversed(_elements(region, PRUNE_IDS))):  # (region.css(PRUNE_SELECTOR))
        key = node.mem_id
        if key == region_key:
            continue
        text = node.text()
        text_len = measured[key] = nonspace(text)  # (what is removed later lies outside: innermost first)
        if text_len == 0:
            continue  # yields nothing but the images it may hold
        density = links(node) / text_len
        spared = keeps  # as above: an ad label's banner goes with it
        if _author_box(node, text_len):
            remove = True  # the box about the author: a bio, a photo, links to profiles
        elif node.tag == "form" and text_len < FORM_TEXT:
            remove = True  # a comment, search or sign-up form: what is left of it is its labels
        elif density <= 0.25:
            label = " ".join(text.split()) if text_len < 170 else ""  # (a long text is no label)
            labelled = text_len < 170 and is_label(label)
            if labelled and is_ad_label(label):
                remove, spared = True, None
            else:
                remove = labelled and not has_article_image(node)
            if not remove and index < LEGAL_NOTICE_TAIL and text_len <= LEGAL_NOTICE_MAX_TEXT and is_legal_notice(text):
                # a site's copyright, reprint or disclaimer notice (one in paragraphs is judged by them)
                remove = node.css_first("p") is None and not has_article_image(node)
        elif density > 0.8:
            remove = not is_gallery(node)  # a lightbox gallery's captions link to its images
            if node.tag in ("ul", "ol"):
                spared = None  # a list of linked pictures is a teaser list, whatever a reader view shows
        elif density > (0.5 if text_len < 250 or node.tag in ("ul", "ol", "dl") else 0.65) or text_len < 85:
            remove = not has_article_image(node) and not _annotated_links(node, links) and not _article_header(node)
        else:
            remove = False
        if remove:
            if text_len < 60 and node.tag in ("div", "section", "center") and opens_section(" ".join(text.split())):
                _remove_section(node, links, spared)  # a "Related articles" box title in a div, and its teasers
            links.removed(node)
            _detach_block(node, spared)
    _cut_dated_teasers(region, links, measured, keeps)


def _elements(node: Any, ids: frozenset[int]) -> list[Any]:
    """The elements of the given tags (by id) in a subtree, itself included, in document order: what
    the selector of those tags finds."""
    return [element for element in node.traverse() if element.tag_id in ids]


# A teaser: a linked headline of at least TEASER_TITLE characters that opens a block of less than
# TEASER_TEXT, with the date of the story it points to ("Jan 15", "16/01/2008", "06:49 GMT").
TEASER_TITLE = 10
TEASER_TEXT = 600
TEASER_LEAD = 60
TEASER_RUN = 3
TEASER_DEPTH = 12
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s|\b\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b"
    r"|\b\d{1,2}:\d{2}\b|\b\d+\s+(?:minutes?|hours?|days?)\s+ago\b",
    re.IGNORECASE,
)


def _cut_dated_teasers(
    region: Any, links: LinkText, lengths: dict[int, int], keeps: Callable[[Any], bool] | None
) -> None:
    """The region's tail: a run of at least TEASER_RUN sibling blocks that closes it, each a dated
    teaser (a linked headline near its start, a date; a summary may follow), is a list of other
    stories ("Sonia Gandhi attends Army Day reception - New Delhi, Jan 15 (ANI): ..."), not the
    article: it goes, with a short link that closes it ("[ View All ]"). Not when an undated
    teaser stands right before the run: a page made of news items. Walks down the region's last
    blocks, judging the closing children of each (``lengths``: text lengths of blocks by key, as
    :func:`prune` measured them)."""
    node = region
    for _ in range(TEASER_DEPTH):
        last = _last_block(node.last_child, lengths)
        if last is None:
            return
        child = last
        while child is not None and 0 < links(child) < LABEL_LINK_TEXT and links(child) == _length(child, lengths):
            child = _last_block(child.prev, lengths)  # a "More" or "View all" link after the teasers
        run: list[Any] = []
        shape = 0
        while child is not None:
            shape = _teaser(child, links, lengths)
            if shape != DATED:
                break
            run.append(child)
            child = _last_block(child.prev, lengths)
        if len(run) >= TEASER_RUN and shape != UNDATED:  # (undated teasers before them: a page of news)
            while last is not None and last.mem_id != run[0].mem_id:
                following = _last_block(last.prev, lengths)
                links.removed(last)
                _detach_block(last, keeps)
                last = following
            for teaser in run:
                links.removed(teaser)
                _detach_block(teaser, keeps)
            return
        node = last


def _last_block(node: Any, lengths: dict[int, int]) -> Any:
    """The element with text that is ``node`` or the closest before it among its siblings, or None."""
    while node is not None and (node.tag_id == TEXT_ID or node.tag_id == COMMENT_ID or not _length(node, lengths)):
        node = node.prev
    return node


def _length(node: Any, lengths: dict[int, int]) -> int:
    known = lengths.get(node.mem_id)
    return text_length(node) if known is None else known


UNDATED, DATED = 1, 2


def _teaser(node: Any, links: LinkText, lengths: dict[int, int]) -> int:
    """DATED for a dated teaser, UNDATED for one without a date, 0 for another block."""
    if node.tag in HEADING_TAGS or not TEASER_TITLE <= links(node) < TEASER_TEXT:
        return 0
    if lengths.get(node.mem_id, 0) >= TEASER_TEXT:
        return 0  # (a large box, known without reading its text)
    text = node.text()
    if len(text) > 2 * TEASER_TEXT or nonspace(text) >= TEASER_TEXT:
        return 0
    link = node.css_first("a")
    if link is None or link.css_first("img") is not None:
        return 0
    title = link.text().strip()
    lead = text.find(title)  # (a teaser may name its series first: "Forex Report - <a>Yen firm</a>")
    if nonspace(title) < TEASER_TITLE or lead < 0 or nonspace(text[:lead]) > TEASER_LEAD:
        return 0
    return DATED if _DATE.search(text) is not None else UNDATED


def _stands_alone(link: Any) -> bool:
    """Whether a link is no part of a sentence (no words right before or after it) and holds no image."""
    for sibling in (link.prev, link.next):
        if sibling is None:
            continue
        if sibling.tag_id == TEXT_ID:
            text = sibling.text_content or ""
        elif sibling.tag_id in INLINE_IDS:  # the sentence going on in bold or in italics
            text = sibling.text()
        else:
            continue
        if _WORD.search(text):
            return False
    return link.css_first("img") is None


def _cut_comments(region: Any, links: LinkText, keeps: Callable[[Any], bool] | None) -> None:
    """A line that announces the readers' comments (:func:`obelics.html.labels.opens_comments`)
    goes with what follows it in its box, up to the next heading: the comments, whatever their
    markup (loose lines of text and bold names between rules, a list of boxes); the images of
    them that ``keeps`` accepts stay, as in :func:`prune`."""
    if not may_open_comments(region.text().lower()):
        return
    region_key = region.mem_id
    for node in region.traverse(include_text=True):
        if node.tag_id != TEXT_ID:
            continue
        text = node.text_content
        if not text or text.isspace() or not opens_comments(text.strip()):
            continue
        line = node  # the element that opens with the announcement (the text's own line)
        parent = node.parent
        while parent is not None and parent.mem_id != region_key:
            if not " ".join(parent.text().split()).startswith(" ".join(text.split())):
                break
            line = parent
            parent = parent.parent
        if line.mem_id == region_key:
            return
        sibling = line.next
        while sibling is not None:
            if sibling.tag in HEADING_TAGS:
                break
            following = sibling.next
            if sibling.tag_id == TEXT_ID or sibling.tag_id == COMMENT_ID:
                detach(sibling)
            else:
                links.removed(sibling)
                _detach_block(sibling, keeps)
            sibling = following
        if line.tag_id == TEXT_ID:
            detach(line)
        else:
            links.removed(line)
            _detach_block(line, keeps)
        return


# A box of at most this much text that holds an <h1> is the article's header: its title links to
# the article itself, its byline to the author's page, so it is dense in links, but no menu.
ARTICLE_HEADER_TEXT = 300


def _article_header(node: Any) -> bool:
    return node.css_first("h1") is not None and text_length(node) <= ARTICLE_HEADER_TEXT


# A paragraph that is a legal notice goes when the element around it holds less other text than
# this: a site's footer box ("This copy is for your personal, non-commercial use only ..."), not a
# news agency's copyright line among the paragraphs of its story.
NOTICE_BOX_OTHER_TEXT = 200


def _notice_box(paragraph: Any, text: str) -> bool:
    if has_article_image(paragraph):
        return False
    parent = paragraph.parent
    return parent is None or text_length(parent) - nonspace(text) < NOTICE_BOX_OTHER_TEXT


# Names of the box about a post's author, and the text it holds: more than a byline ("By Ann Berg,
# staff writer"), less than an article (an "about" page's biography).
AUTHOR_WORDS = frozenset({"bio", "bios", "biography", "authorbio", "authorbox", "authorinfo", "aboutauthor"})
AUTHOR_BOX_TEXT = (80, 600)
# Camel-case names joined into one token that end in a biography ("extendedBio", "shortBio", "authorBio").
AUTHOR_WORD_ENDS = ("bio", "biography")


# "author-box", "authorInfo", "article-author", "about-the-author"; not a post named after its author
# ("entry_author_ann-berg").
_AUTHOR_BOX_NAME = re.compile(
    r"(?:^|[-_])(?:author[-_]?(?:box|info|bio|profile|details|description)|(?:about|article|post|entry)[-_](?:the[-_])?author)$"
)


def _author_box(node: Any, text_len: int) -> bool:
    if not AUTHOR_BOX_TEXT[0] <= text_len < AUTHOR_BOX_TEXT[1]:
        return False
    attrs = node.attributes
    if not ("class" in attrs or "id" in attrs):
        return False
    return _names_author(node)


def _names_author(node: Any) -> bool:
    names = names_of(node).lower()
    if any(t in AUTHOR_WORDS or t.endswith(AUTHOR_WORD_ENDS) for t in NAME_SPLIT.split(names)):
        return True
    return any(_AUTHOR_BOX_NAME.search(name) is not None for name in names.split())


# A form holding less text than this is a comment, search or newsletter form, not a page wrapped in
# one (ASP.NET wraps the whole page in a form).
FORM_TEXT = 500
# A paragraph of at least LINK_ROW_LINKS links that are most of its short text is a row of links
# ("E-mail | Print | Share on Facebook", "Source: Reuters | AP"), not a sentence.
LINK_ROW_LINKS = 2
LINK_ROW_TEXT = 200
TAIL_LINK_ROW_TEXT = 600  # (among the region's last LEGAL_NOTICE_TAIL lines)
LINK_ROW_DENSITY = 0.8


_WORD = re.compile(r"[^\W\d_]{2,}")


def _tail_link_row(node: Any, text: str, links: LinkText, region_key: int) -> bool:
    """A longer row of links (a list of related posts run into one paragraph) among the region's
    last lines, unless the box around it is dense in links: that box goes whole, with its titles."""
    if not _link_row(node, nonspace(text), links, TAIL_LINK_ROW_TEXT):
        return False
    parent = node.parent
    if parent is None or parent.mem_id == region_key:
        return True
    return links(parent) <= 0.5 * text_length(parent)


def _link_row(node: Any, text_len: int, links: LinkText, max_text: int = LINK_ROW_TEXT) -> bool:
    if not text_len or text_len >= max_text or links(node) <= LINK_ROW_DENSITY * text_len:
        return False
    if len(node.css("a")) < LINK_ROW_LINKS or has_article_image(node):
        return False
    # Between the links only separators ("|", "•", ","): a sentence whose words are mostly links (an
    # encyclopedia's first line) has words of its own between them. Text before the first link is
    # the row's title ("Tags:", "Share:").
    seen_link = False
    for text_node in node.traverse(include_text=True):
        if text_node.tag_id != TEXT_ID:
            continue
        ancestor, linked = text_node.parent, False
        while ancestor is not None and ancestor.mem_id != node.mem_id:
            if ancestor.tag == "a":
                linked = True
                break
            ancestor = ancestor.parent
        if linked:
            seen_link = True
        elif seen_link and _WORD.search(text_node.text_content or "") is not None:
            return False
    return True


ANNOTATED_LINK_TEXT = 60
ANNOTATED_NOTE_TEXT = 10


def _annotated_links(node: Any, links: LinkText) -> bool:
    """A list whose every item is a long, sentence-like link followed by a note of its own (a
    deal and its old price, a reference and its comment): content, not a menu or a teaser list."""
    if node.tag not in ("ul", "ol"):
        return False
    items = [child for child in node.iter() if child.tag == "li"]
    if not items:
        return False
    for item in items:
        item_len = text_length(item)
        linked = links(item)
        if linked < ANNOTATED_LINK_TEXT or item_len - linked < ANNOTATED_NOTE_TEXT:
            return False
    return True


def _detach_block(node: Any, keeps: Callable[[Any], bool] | None) -> None:
    """Remove a block; the images of it that ``keeps`` accepts are moved out first, in its place
    (an image that is the block itself stays where it is)."""
    if keeps is not None:
        if node.tag == "img":
            if not keeps(node):
                detach(node)
            return
        for img in node.css("img"):
            if keeps(img):
                node.insert_before(img)
    detach(node)


def _remove_section(heading: Any, links: LinkText, keeps: Callable[[Any], bool] | None = None) -> list[int]:
    """A boilerplate heading ("Related posts", "Comments") takes its section with it: the siblings
    after it up to the next heading of the same or a higher level, or up to a paragraph of prose
    right after a link list (a "read also" box set inside an article, whose text resumes after it).
    Returns the keys of the paragraphs and headings removed with it."""
    level = heading.tag if heading.tag in HEADING_TAGS else "h7"  # a paragraph's section ends at any heading
    sibling = heading.next
    after_list = False
    removed: list[int] = []
    while sibling is not None:
        following = sibling.next
        tag = sibling.tag
        if tag in HEADING_TAGS and tag <= level:
            break
        if sibling.tag_id not in (TEXT_ID, COMMENT_ID):
            text_len = text_length(sibling)
            linked = links(sibling)
            if after_list and tag == "p" and text_len >= GOOD_BLOCK_LENGTH and linked <= 0.25 * text_len:
                break
            after_list = linked > 0.5 * text_len or (text_len == 0 and sibling.css_first("img") is not None)
            removed.append(sibling.mem_id)
            removed.extend(node.mem_id for node in sibling.css("p," + HEADING_SELECTOR))
            links.removed(sibling)
            _detach_block(sibling, keeps)
        sibling = following
    return removed


# Blocks whose images go when the block is dense in links (readability's conditional cleaning).
LINKED_BLOCK_TAGS = frozenset({"div", "section", "table", "form"})
LINKED_BLOCK_IDS = frozenset(tag_id(tag) for tag in LINKED_BLOCK_TAGS)
LINKED_BLOCK_DENSITY = 0.2
LINKED_BLOCK_COMMAS = 10
DATA_TABLE_ROWS = 10


def infobox_table(node: Any) -> bool:
    """A table of data (an infobox, a spec sheet), not of layout: it has a caption, header cells or
    many rows."""
    if node.tag != "table":
        return False
    return node.css_first("caption,th,thead,colgroup,tfoot") is not None or len(node.css("tr")) >= DATA_TABLE_ROWS


def drop_linked_block_images(
    region: Any, links: LinkText, lengths: dict[int, int] | None = None, keeps: Callable[[Any], bool] | None = None
) -> None:
    """Step 6's link blocks: inside the article, the images of a block that is more than a fifth
    link text (a row of share or feed buttons, a teaser box, a "more from" strip) go, while its
    text stays to the text rules. A block of prose (ten commas or more), one named as content only,
    a figure's, a data table's (an infobox), a lightbox gallery (:func:`is_gallery`) and a list
    keep theirs, and so does an image that ``keeps`` accepts (the reader view shows it,
    :func:`obelics.html.kept_images.reader_view_keeps`). Each block is judged once, from the
    images up (``lengths``: text lengths of blocks by key, as :func:`prune` left them)."""
    region_key = region.mem_id
    verdicts: dict[int, bool] = {}
    measured = {} if lengths is None else lengths
    for img in region.css("img"):
        node = img.parent
        while node is not None and node.mem_id != region_key:
            if node.tag_id in LINKED_BLOCK_IDS:
                key = node.mem_id
                verdict = verdicts.get(key)
                if verdict is None:
                    verdict = verdicts[key] = _linked_block(node, links, measured)
                if verdict:
                    if keeps is None or not keeps(img):
                        detach(img)
                    break
            node = node.parent


def _linked_block(node: Any, links: LinkText, lengths: dict[int, int]) -> bool:
    link_len = links(node)
    if not link_len:
        return False
    key = node.mem_id
    text = None
    text_len = lengths.get(key)
    if text_len is None:
        text = node.text()
        text_len = lengths[key] = nonspace(text)
    if not text_len or link_len <= LINKED_BLOCK_DENSITY * text_len:
        return False
    if (node.text() if text is None else text).count(",") >= LINKED_BLOCK_COMMAS:
        return False
    return not (name_weight(node) > 0 or in_figure(node) or infobox_table(node) or is_gallery(node))
