"""Steps 1-2 of main-content mode: remove what is never content, and what is named as boilerplate.

Step 1's tags go with their content (scripts, forms' controls, ``nav``, ``aside``, page
``footer``s, ``header``s outside an article; a ``<noscript>`` or ``<header>`` that holds most of
the page stays; an ``<object>`` that holds text is unwrapped: its fallback); hidden elements (by their attributes, by a utility class such as ``hidden``, or
by a style sheet in the body: :func:`style_hidden_names`) go unless they hold the article (a
hidden lazy image gives way to its ``<noscript>`` twin). Step 2: elements whose class or id names boilerplate
(:mod:`obelics.html.names`) go, unless the name is also a content one and the boilerplate word a
weak one, or the element holds the article, half of the page's article-like text, or is a figure
(or a heading named for its place in the layout: a title or a date).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from obelics.html.kept_images import in_figure
from obelics.html.labels import is_label
from obelics.html.names import (
    HIDING_ATTRIBUTES,
    NAME_SPLIT,
    NAME_VERDICTS,
    SIDEBAR_WORDS,
    attribute_names,
    classify_name,
    is_hidden,
    names_comments,
    names_layout_only,
    names_of,
)
from obelics.html.simplify import COMMENT_ID, HEADING_IDS, TEXT_ID, detach, tag_id
from obelics.html.text_blocks import GOOD_BLOCK_LENGTH, MIN_ARTICLE_TEXT, TextBlocks, text_length

JUNK_TAGS = [
    "script",
    "style",
    "template",
    "svg",
    "canvas",
    "iframe",
    "object",
    "embed",
    "video",
    "audio",
    "nav",
    "aside",
    "menu",
    "button",
    "input",
    "select",
    "textarea",
    "label",
    "dialog",
    "footer",
]
# Junk tags that go in walks of their own, not with the others: <style> elements as their rules are
# read (:func:`style_hidden_names`), <object>s as their fallback is judged (:func:`_open_objects`).
OWN_WALK_TAGS = ("style", "object")
JUNK_IDS = frozenset(i for i in map(tag_id, JUNK_TAGS) if i is not None)
assert len(JUNK_IDS) == len(JUNK_TAGS)  # (every one a standard tag: its id is its name)
# What step 1's walk of the page collects, by tag id: the tags that go (0), noscripts (1), headers
# (2), the article's holders (3: PROTECT_SELECTOR's tags), objects (4).
_STEP1_KINDS = {
    **dict.fromkeys(JUNK_IDS - {tag_id(tag) for tag in OWN_WALK_TAGS}, 0),
    tag_id("noscript"): 1,
    tag_id("header"): 2,
    tag_id("article"): 3,
    tag_id("main"): 3,
    tag_id("object"): 4,
}
_DOCUMENT_ID = LexborHTMLParser("").root.parent.tag_id  # (the page's top: what holds <html>)
# Lexbor's attribute-value selectors are slow (tens of microseconds per element for a list of them),
# so one cheap selector finds every element with a telling attribute and Python decides.
# (``itemprop`` for the article's holders: one more selector in the list costs less than a second scan.)
ATTRIBUTE_SELECTOR = "[class],[id],[hidden],[aria-hidden],[style],[role],[itemprop]"
PROSE_BLOCK = 200
_IMAGE_TAGS = ("img", "picture")  # a hidden one may be a lazy image with a <noscript> twin


PROTECT_SELECTOR = "article,main,[itemprop=articleBody],[role=main]"
_PROTECT_TAGS = ("article", "main")  # PROTECT_SELECTOR's tags; its attributes are read in _suspects' scan
# The attributes that protect an element or hide it: an element with none of them is judged by its names.
_TELLING_ATTRIBUTES = HIDING_ATTRIBUTES | {"role", "itemprop"}


# A <noscript> holding an image and at most this much text is an image's fallback.
NOSCRIPT_IMAGE_TEXT = 80


def _strip_junk(tree: LexborHTMLParser) -> list[Any]:
    """Step 1's tags go, with their content; a ``<noscript>`` that holds most of the page's text
    (a page served whole to readers without scripts) is unwrapped instead, and a ``<header>`` that
    holds it (a page wrapped in one) stays. Returns the page's ``<article>`` and ``<main>``
    elements as they stood before (those inside what went hold nothing of the page any more).

    One walk of the page finds what the step judges (Lexbor's tag index walks the page once per
    tag): the tags that go, the noscripts, the headers, the article holders. The noscripts are
    judged first; the tags that go are the same in the page they leave (those inside a noscript
    that went go with it anyway), and the headers judged are those still in the page once they went."""
    junk: list[Any] = []
    noscripts: list[Any] = []
    headers: list[Any] = []
    holders: list[Any] = []
    objects: list[Any] = []
    root = tree.root
    if root is not None:
        kinds, found = _STEP1_KINDS, (junk, noscripts, headers, holders, objects)
        for node in root.traverse():
            kind = kinds.get(node.tag_id)
            if kind is not None:
                found[kind].append(node)
    body = tree.body
    body_len = None
    for noscript in noscripts:
        length = text_length(noscript)
        if length < MIN_ARTICLE_TEXT:
            # An image's fallback stays for the walk to judge (a lazy image's plain twin is kept,
            # an ad's or a tracker's is not); a notice ("enable JavaScript") goes.
            if length > NOSCRIPT_IMAGE_TEXT or noscript.css_first("img,picture") is None:
                detach(noscript)
            continue
        if body is not None:
            if body_len is None:
                body_len = text_length(body)
            if length >= 0.5 * body_len:
                noscript.unwrap()
                continue
        detach(noscript)
    _open_objects(objects)
    for node in junk:  # (one inside another goes with it: the page left is the same in any order)
        detach(node)
    body_len = None
    for header in [header for header in headers if _in_page(header)]:  # (not those inside what went)
        ancestor = header.parent
        while ancestor is not None and ancestor.tag not in ("article", "main"):
            ancestor = ancestor.parent
        if ancestor is not None:
            continue
        length = text_length(header)
        if length >= MIN_ARTICLE_TEXT and body is not None:
            if body_len is None:
                body_len = text_length(body)
            if length >= 0.5 * body_len:
                continue  # a "header" that wraps the page
        detach(header)
    return holders


def _in_page(node: Any) -> bool:
    """Whether an element is in the page: its topmost ancestor is the document."""
    top = node
    parent = node.parent
    while parent is not None:
        top, parent = parent, parent.parent
    return top.tag_id == _DOCUMENT_ID


OBJECT_NOTICE_TEXT = 200
_LINE_TAGS = ("p", "div", "span")


def _open_objects(objects: list[Any]) -> None:
    """An ``<object>`` (a Flash player) goes, but one that holds text is unwrapped, innermost first:
    a browser without the plugin shows what it holds instead (a video's caption), as readers'
    browsers do now that the plugins are gone; its ``<param>``s and ``<embed>`` still go, and so do
    the player's notices in it ("Get Adobe Flash Player", :func:`obelics.html.labels.is_label`)."""
    for holder in reversed(objects):  # (the page's, in document order)
        if not text_length(holder):
            detach(holder)
            continue
        for line in holder.css(",".join(_LINE_TAGS)):  # the player's own notices ("This video is unavailable ...")
            text = line.text()
            if len(text) < OBJECT_NOTICE_TEXT and not any(child.tag in _LINE_TAGS for child in line.iter()):
                if is_label(" ".join(text.split())):
                    detach(line)
        holder.unwrap()


def remove_boilerplate(
    tree: LexborHTMLParser, before_removal: Callable[[TextBlocks, list[Any]], None] | None = None
) -> TextBlocks | None:
    """Steps 1-2: remove elements that are never content, and those named as boilerplate.

    Returns the text blocks of what is left (None for a page without body). ``before_removal`` is
    called with the page's text blocks and the named elements to remove, before they go."""
    hidden_names = style_hidden_names(tree, remove=True)  # (the styles go, as step 1's tags)
    holders = _strip_junk(tree)
    body = tree.body
    if body is None:
        return None
    blocks = TextBlocks(body)  # before the names are judged: what each element holds
    suspects, protected = _suspects(tree, holders, hidden_names)
    # Shares are taken of the article-like text, or of all the text on a page with little of it.
    need_good = 0.5 * blocks.total_good if blocks.total_good >= 2 * GOOD_BLOCK_LENGTH else None
    removed: list[Any] = []
    spared: list[Any] = []  # headings named for their place
    twins: list[Any] = []
    for node, names in suspects:
        key = node.mem_id
        if names is None:
            if node.tag in _IMAGE_TAGS:
                twin = _noscript_twin(node)
                if twin is not None:
                    twins.append(twin)  # a lazy image: its plain twin takes its place
            # Hidden boxes are menus, dialogs and templates; but one that holds most of the page's
            # article-like text is the article behind a script (a paywall, a tab, "read more").
            if blocks.total_good < MIN_ARTICLE_TEXT or blocks.good.get(key, 0) < 0.5 * blocks.total_good:
                removed.append(node)
            continue
        hard, _, positive = classify_name(names)
        if key in protected or (positive and not hard):
            continue
        if in_figure(node):
            continue  # a figure is content whatever its class says ("figure__popup", "share-image")
        if node.tag_id in HEADING_IDS:
            line = " ".join(node.text().split())
            if is_label(line):
                continue  # a "Comments" heading stays for the pruning, which removes it with its section
            if line and not hard and names_layout_only(names):
                # a heading named for its place ("date-header", "asset-header"): a title or a date; it
                # stays for the headline rules, but scores no container, as when it went
                spared.append(node)
                continue
        if positive or not hard:
            # A name is a weak clue against the text: an element that holds most of the page's
            # text, or of its article-like text, is not a sidebar or a menu whatever a theme
            # calls it ("one-sidebar-right", "js-social-images content").
            if need_good is not None:
                if blocks.good.get(key, 0) >= need_good and not _sidebar_blurb(node, blocks):
                    continue
            elif blocks.text_share(node) >= 0.5:
                continue
            if not hard and blocks.good.get(key, 0) >= PROSE_BLOCK and names_layout_only(names):
                if any(e[1] >= PROSE_BLOCK for e in blocks.blocks_under(node)):
                    continue
        elif need_good is not None and blocks.good.get(key, 0) >= need_good and not names_comments(names):
            # Even a hard word loses against half of the page's article-like text: the element wraps
            # the article (a sticky share bar's box around the post, "socialicons-sticky"). Not so
            # for comments, which can hold more text than a short post.
            continue
        removed.append(node)
    if before_removal is not None:
        before_removal(blocks, removed)
    if spared:
        blocks.drop_under(spared)
    if removed:
        blocks.drop_under(removed)
        for node in reversed(removed):  # innermost first
            detach(node)
    for noscript in twins:
        noscript.unwrap()
    return blocks


def _suspects(
    tree: LexborHTMLParser, holders: list[Any] | None = None, hidden_names: tuple[set[str], set[str]] = (set(), set())
) -> tuple[list[tuple[Any, str | None]], set[int]]:
    """In document order, the hidden elements (with None) and those whose class/id names boilerplate
    (with those names); and the keys of the elements that hold the article and of their ancestors,
    which are never removed. ``holders``: the page's ``<article>`` and ``<main>`` elements, when
    known (:func:`_strip_junk`'s, some perhaps no more in the page); ``hidden_names``: the ids and
    classes the page's style sheets hide (:func:`style_hidden_names`)."""
    hidden_ids, hidden_classes = hidden_names
    protected: set[int] = set()
    if holders is None:
        holders = [holder for tag in _PROTECT_TAGS for holder in tree.tags(tag)]  # (Lexbor's tag index)
    for holder in holders:
        _protect(holder, protected)
    suspects: list[tuple[Any, str | None]] = []
    # <html> and <body> are never judged.
    skip = {tree.root.mem_id, tree.body.mem_id}
    last = None
    verdicts = NAME_VERDICTS
    for node in tree.css(ATTRIBUTE_SELECTOR):
        key = node.mem_id
        if key == last or key in skip:
            continue  # (Lexbor lists an element once per selector it matches, one right after another)
        last = key
        attrs = node.attributes
        if not _TELLING_ATTRIBUTES.isdisjoint(attrs):  # (most elements have only a class or an id)
            if attrs.get("role") == "main" or attrs.get("itemprop") == "articleBody":
                _protect(node, protected)  # (PROTECT_SELECTOR's attributes; <body> and <html> need none)
            if not HIDING_ATTRIBUTES.isdisjoint(attrs) and is_hidden(attrs):
                suspects.append((node, None))
                continue
        class_name = attrs.get("class")
        element_id = attrs.get("id")
        if (class_name and "hid" in class_name and _hidden_class(class_name)) or (
            (hidden_ids and element_id in hidden_ids)
            or (hidden_classes and class_name and not hidden_classes.isdisjoint(class_name.split()))
        ):
            if node.tag not in _IMAGE_TAGS:
                suspects.append((node, None))  # hidden by the site's style sheet
                continue
        if class_name or element_id:  # (as attribute_names, inline: this loop sees most elements)
            names = f"{class_name or ''} {element_id or ''}"[:500]
            hard, soft, _ = verdicts.get(names) or classify_name(names)
            if hard or soft:
                suspects.append((node, names))
    return suspects, protected


# Utility classes that hide an element (Bootstrap, Tailwind, Foundation, Bulma): what they hold is
# a copy no reader sees (a print version, a teaser for non-subscribers, a dialog's template). Not
# with a responsive variant beside them ("hidden md:block": hidden on small screens only); nor on an
# image, which a lazy-loading script may be about to show.
HIDDEN_CLASSES = frozenset({"hidden", "is-hidden"})


def _hidden_class(class_name: str) -> bool:
    tokens = class_name.split()
    return not HIDDEN_CLASSES.isdisjoint(tokens) and not any(":" in token for token in tokens)


# A rule of a style sheet in the page's body that hides an element: "#printDesc { display: none }",
# set right before the print copy of the story. Only rules of one id or one class count (".menu
# li.open > ul" hides what a script opens), and none inside an at-rule (@media print, a narrow
# screen's @media).
_DISPLAY_NONE = re.compile(r"display\s*:\s*none")
_SIMPLE_SELECTOR = re.compile(r"\s*([#.])([\w-]+)\s*")


def style_hidden_names(tree: LexborHTMLParser, remove: bool = False) -> tuple[set[str], set[str]]:
    """The ids and the classes that the page's ``<style>`` elements hide (``display: none``);
    with ``remove``, the ``<style>`` elements go once read."""
    ids: set[str] = set()
    classes: set[str] = set()
    for style in tree.tags("style"):
        parent = style.parent
        media = (style.attributes.get("media") or "all").lower()
        # The site's style sheet in <head> is not read (what it hides, it hides by utility classes,
        # :data:`HIDDEN_CLASSES`, or by names of boilerplate); nor a <noscript>'s, which hides what
        # scripts show instead (a print button), nor one for print only.
        read = parent is not None and parent.tag not in ("head", "noscript") and ("all" in media or "screen" in media)
        css = style.text() if read else ""
        if remove:
            detach(style)
        if "none" not in css:
            continue
        depth = 0  # inside an at-rule's block
        for rule in css.split("}"):  # (a rule per piece: selectors, "{", declarations)
            opened = rule.count("{")
            if opened != 1:
                depth = depth + opened - 1 if opened > 1 else max(depth - 1, 0)
                continue
            if depth or "none" not in rule:
                continue
            selectors, _, declarations = rule.partition("{")
            if _DISPLAY_NONE.search(declarations.lower()) is None:
                continue
            for selector in selectors.split(","):
                found = _SIMPLE_SELECTOR.fullmatch(selector)
                if found is not None:
                    (ids if found.group(1) == "#" else classes).add(found.group(2))
    return ids, classes


def _protect(holder: Any, protected: set[int]) -> None:
    """Mark an element that holds the article and its ancestors as never removed (not one that is
    no more in the page: all it protects went with it)."""
    keys = []
    top = None
    while holder is not None:
        key = holder.mem_id
        if key in protected:
            break  # (in the page, as every one marked)
        keys.append(key)
        top, holder = holder, holder.parent
    if holder is not None or (top is not None and top.tag_id == _DOCUMENT_ID):
        protected.update(keys)


def _noscript_twin(image: Any) -> Any | None:
    """The ``<noscript>`` that follows a hidden ``<img>``/``<picture>`` (whitespace and comments
    between) and holds one image and no text: the plain twin of a lazy image hidden until a script
    loads it (Cloudflare's ``style="display:none;visibility:hidden"`` and ``data-cfsrc``). It is
    what a reader without scripts sees, and Readability.js puts it in the hidden image's place."""
    sibling = image.next
    while sibling is not None and sibling.tag_id in (TEXT_ID, COMMENT_ID):
        if sibling.tag_id == TEXT_ID and (sibling.text_content or "").strip():
            return None
        sibling = sibling.next
    if sibling is None or sibling.tag != "noscript" or len(sibling.css("img")) != 1:
        return None
    return None if (sibling.text() or "").strip() else sibling


def hard_boilerplate(node: Any) -> bool:
    """Hidden, or named by a hard boilerplate word (ads, sharing, comments): no image in it is content."""
    attrs = node.attributes
    return is_hidden(attrs) or classify_name(attribute_names(attrs) or " ")[0]


def _sidebar_blurb(node: Any, blocks: TextBlocks) -> bool:
    """An element named a sidebar or a footer whose article-like text is one block: the profile or
    the site's self-description beside or below a short post, not a theme's wrapper
    ("one-sidebar-right") around the paragraphs of an article."""
    if not any(t in SIDEBAR_WORDS for t in NAME_SPLIT.split(names_of(node).lower())):
        return False
    return len(blocks.blocks_under(node)) < 2
