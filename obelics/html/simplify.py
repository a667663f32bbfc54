"""The OBELICS DOM rules (reference stage 3) and an explicit simplifier.

Rules, in the order the original applied them:

1. comments dropped; ``<br>`` is a line break;
2. elements with a ``footer`` or ``site-info`` class token are removed with their content
   (``[class~=footer]``, ``[class~=site-info]``);
3. an element with a ``more-link`` class token becomes the end-of-document marker
   (:data:`END_OF_DOCUMENT`, a paragraph of its own);
4. inline tags (:data:`UNWRAP_TAGS`) are unwrapped: their content stays, the tag goes;
5. every tag that is neither structure (:data:`STRUCTURE_SEPARATORS`) nor media nor ``<source>``
   is dropped with its text (table, li, form, pre, custom elements, ...); its images stay, in
   place, unless it is one of :data:`IMAGELESS_TAGS` (script, style, nav, footer, a ``<header>``
   outside an ``<article>``/``<main>``, svg, video, form controls, ...), dropped with everything
   in it. A ``<noscript>`` keeps its images only as a lazy image's fallback
   (:func:`obelics.html.media.noscript_is_fallback`), which then replaces its lazy twin;
6. ``<div>`` whose id, class or title is exactly footer, header, navigation, nav, navbar or menu
   is removed with its content;
7. date divs (a ``<div>`` whose class contains ``date``) lose their own text;
8. repeated until stable: empty leaves and media without a usable source are removed, and a
   parent whose only child has the same tag (and no text of its own) collapses into it.

Fixed against the original: ``<figure>`` and ``<picture>`` are containers (the original removed
them, and every image inside, as "media without a source"); the content images of dropped
elements are kept (rule 5: the original lost every gallery laid out in a table or a list); image
URLs follow :mod:`obelics.html.media` (lazy-load attributes before ``src``, noscript fallbacks).

:func:`extract_document <obelics.html.extract.extract_document>` applies these rules during a
single walk of the parsed tree (rules 2, 3, 6 and 7 first, through CSS selectors, then 4, 5 and 8
on the fly) and never builds the simplified tree; :func:`simplify_html` builds it, for inspection
and for tests that the two agree. Its HTML parses back to the tree it was written from: a ``<p>``,
heading, ``<dt>`` or ``<dd>`` that the parser nested where markup cannot (foster parenting puts a
``<div>`` in a ``<p>``) is written as a tag with the same separator (``<blockquote>``, ``<div>``).
"""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from obelics.html.media import (
    AMP_IMAGE_TAGS,
    MAX_STANDARD_TAG_ID,
    ImageFound,
    Resolver,
    element_source,
    image_holders,
    inside_article,
    noscript_decisions,
    resolve_base,
    subtree_images,
)

END_OF_DOCUMENT = "END_OF_DOCUMENT_TOKEN_TO_BE_REPLACED"
# What a more-link becomes in the tree; turned into an END_OF_DOCUMENT paragraph after the walk.
MORE_LINK_MARK = "\ue000EOD\ue001"

UNWRAP_TAGS = (
    "a",
    "abbr",
    "acronym",
    "b",
    "bdi",
    "bdo",
    "big",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "font",
    "i",
    "ins",
    "kbd",
    "mark",
    "q",
    "s",
    "samp",
    "shadow",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "time",
    "tt",
    "u",
    "var",
    "wbr",
)

# Structure tags kept by OBELICS and the separator a boundary of each puts between two texts.
STRUCTURE_SEPARATORS = {
    "address": "\n",
    "article": "\n",
    "aside": "\n",
    "blink": "",
    "blockquote": "\n\n",
    "body": "",
    "caption": "",
    "center": "\n",
    "dd": "\n",
    "dl": "\n\n",
    "dt": "\n",
    "div": "\n",
    "figcaption": "\n",
    "figure": "\n",  # not in the original's table: it dropped figures altogether
    "h1": "\n\n",
    "h2": "\n\n",
    "h3": "\n\n",
    "h4": "\n\n",
    "h5": "\n\n",
    "h6": "\n\n",
    "hgroup": "\n",
    "html": "",
    "legend": "\n",
    "main": "\n",
    "marquee": "\n",
    "ol": "\n\n",
    "p": "\n\n",
    "section": "\n",
    "summary": "\n",
    "title": "",
    "ul": "\n\n",
}
# Dropped with everything in them, images included: not rendered (head, script, template, ...),
# not an image's place (svg, video, iframe, form controls), or the page's navigation and footer.
# Every other tag that is neither structure nor inline (table, li, form, dl's relatives, custom
# elements ...) loses its text, as in OBELICS, but its images stay where they stand.
IMAGELESS_TAGS = (
    "head", "script", "style", "template", "textarea", "select", "option", "optgroup", "datalist",
    "button", "input", "svg", "math", "canvas", "iframe", "frame", "frameset", "noframes", "object",
    "embed", "video", "audio", "source", "track", "map", "meta", "link", "dialog", "xmp", "plaintext",
    "listing", "nav", "menu", "footer", "header",
)  # fmt: skip
MEDIA_TAGS = ("img", "picture", "figure", "video", "audio", "iframe", "embed", "object")
SPECIAL_DIV_VALUES = ("footer", "header", "navigation", "nav", "navbar", "menu")

# Rules 2, 3, 6 and 7 look at attributes. Lexbor's token selectors (``~=``) are fast, its
# substring and long exact-value lists are not, so divs with attributes are checked in Python.
CLASS_TOKEN_SELECTOR = "[class~=footer],[class~=site-info],[class~=more-link]"
REMOVE_CLASS_TOKENS = frozenset({"footer", "site-info"})
MORE_LINK_TOKEN = "more-link"

SEP_RANK = {"": 0, " ": 1, "\n": 2, "\n\n": 3}


def tag_id(name: str) -> int | None:
    """Lexbor's numeric id of a standard tag name; None for a name Lexbor does not know."""
    tid = LexborHTMLParser("").create_node(name).tag_id
    return tid if tid < MAX_STANDARD_TAG_ID else None


TEXT_ID = 2
COMMENT_ID = 4
HEADING_SELECTOR = "h1,h2,h3,h4,h5,h6"
HEADING_TAGS = frozenset(HEADING_SELECTOR.split(","))
HEADING_IDS = frozenset(tag_id(tag) for tag in HEADING_TAGS)
HTML_ID: int = tag_id("html")  # type: ignore[assignment]
BODY_ID: int = tag_id("body")  # type: ignore[assignment]
DIV_ID: int = tag_id("div")  # type: ignore[assignment]
_UNWRAP_IDS = frozenset(i for i in map(tag_id, UNWRAP_TAGS) if i is not None)
# Separators are only ever compared within the html namespace, so standard tag ids suffice.


def parse(html: str) -> LexborHTMLParser:
    """Parse HTML with Lexbor; strings that cannot be encoded (lone surrogates) are repaired first."""
    try:
        return LexborHTMLParser(html)
    except UnicodeEncodeError:
        return LexborHTMLParser(html.encode("utf-8", "replace").decode("utf-8"))


def detach(node: Any) -> None:
    """Remove a node from the tree. Detach only: the subtree stays in memory until the parser goes,
    so nodes from an earlier selector result that sit inside it stay valid (a deep decompose
    would free them)."""
    node.decompose(recursive=False)


def apply_page_rules(tree: LexborHTMLParser) -> None:
    """Rules 2, 3, 6 and 7, in place (the rules that need a node's attributes), in the original's order."""
    scan_page(tree, rules=True)


def scan_page(tree: LexborHTMLParser, rules: bool) -> tuple[list[tuple[str, str, str]], str | None]:
    """One pass over the elements with telling attributes.

    Returns the ``(name, http-equiv, content)`` of the ``<meta>`` tags and the first ``<base href>``;
    with ``rules``, also applies rules 2, 3, 6 and 7 in the original's order (removals, then
    more-links, then special and date divs). Elements are found through Lexbor's tag index (meta,
    base, div) and one token selector: several times faster than one selector for all of them.
    """
    metas: list[tuple[str, str, str]] = []
    for node in tree.tags("meta"):
        attrs = node.attributes
        if "name" in attrs or "http-equiv" in attrs:
            content = attrs.get("content")
            if content:
                metas.append((attrs.get("name") or "", attrs.get("http-equiv") or "", content))
    base_href: str | None = None
    for node in tree.tags("base"):
        attrs = node.attributes
        if "href" in attrs:
            base_href = attrs["href"]
            break
    if not rules:
        return metas, base_href
    removals: list[Any] = []
    more_links: list[Any] = []
    marked: set[int] = set()  # Lexbor lists an element once per selector it matches
    for node in tree.css(CLASS_TOKEN_SELECTOR):
        key = node.mem_id
        if key in marked or node.tag_id == HTML_ID or node.tag_id == BODY_ID:
            continue
        tokens = (node.attributes.get("class") or "").split()
        if REMOVE_CLASS_TOKENS.intersection(tokens):
            removals.append(node)
            marked.add(key)
        elif MORE_LINK_TOKEN in tokens:
            more_links.append(node)
            marked.add(key)
    divs: list[tuple[Any, dict[str, Any], str]] = []
    for div in tree.tags("div"):
        attrs = div.attributes
        if attrs and div.mem_id not in marked and ("class" in attrs or "id" in attrs or "title" in attrs):
            divs.append((div, attrs, attrs.get("class") or ""))
    for node in removals:
        detach(node)
    for node in more_links:
        node.replace_with(MORE_LINK_MARK)
    special = SPECIAL_DIV_VALUES
    for div, attrs, cls in divs:
        if cls in special or attrs.get("id") in special or attrs.get("title") in special:
            detach(div)
        elif "date" in cls:
            remove_own_text(div)
    return metas, base_href


def remove_own_text(node: Any) -> None:
    """Remove the text of ``node`` that is its own once inline tags are unwrapped."""
    stack = [node.first_child]
    while stack:
        child = stack.pop()
        while child is not None:
            following = child.next
            tid = child.tag_id
            if tid == TEXT_ID:
                detach(child)
            elif tid in _UNWRAP_IDS or (tid >= MAX_STANDARD_TAG_ID and child.tag in UNWRAP_TAGS):
                stack.append(child.first_child)
            child = following


# ---------------------------------------------------------------------------------------------
# The explicit simplifier.

_KEEP = frozenset(STRUCTURE_SEPARATORS) | frozenset(MEDIA_TAGS) | {"br", "source"}
_MEDIA_WITH_SOURCE = frozenset({"video", "audio"})
_DROPPED_MEDIA = frozenset({"iframe", "embed", "object", "source"})
_IMAGELESS = frozenset(IMAGELESS_TAGS)


# The parsed tree can nest elements in ways their serialised HTML cannot express: parsing it again
# closes the outer element early and moves what follows the inner one out of it, which changes the
# separators. Foster parenting does it (``<p>a<table><div>b`` in quirks mode, ``<h1><table><h2>``,
# ``<dt><table><dd>``), so does unwrapping an inline tag (in ``<h1><span><h3>`` the h3 no longer
# stands behind the span, and a heading start tag closes a heading it follows directly).
# In the simplified tree (inline tags unwrapped, tables gone) such an element is written as a tag
# with the same separator that may hold its content, so the output parses back to the tree it was
# written from: ``<p>a<div>b</div></p>`` parses as ``<p>a</p><div>b</div><p></p>`` (a\n\nb, not a\nb).
# Start tags that close an open <p> in button scope (the kept ones; others are gone by then).
_P_CLOSERS = HEADING_TAGS | {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "figcaption", "figure",
    "hgroup", "main", "ol", "p", "section", "summary", "ul",
}  # fmt: skip
_BUTTON_SCOPE = frozenset({"marquee", "caption", "html"})  # a <p> above them is out of scope
# Elements a <dd>/<dt> start tag looks through for an open dd/dt: not special, or address, div, p.
_DD_TRANSPARENT = frozenset({"address", "div", "p", "legend", "video", "audio"})
_DD_CLOSERS = frozenset({"dt", "dd"})
_REWRITTEN_AS = {"p": "blockquote", "dt": "div", "dd": "div", **dict.fromkeys(HEADING_TAGS, "blockquote")}
assert all(
    SEP_RANK[STRUCTURE_SEPARATORS[new]] == SEP_RANK[STRUCTURE_SEPARATORS[old]] for old, new in _REWRITTEN_AS.items()
)


def _closed_on_reparse(node: Any, tag: str) -> bool:
    """True when parsing the HTML of ``node`` (a kept p, heading, dt or dd) again would close it early."""
    if tag in HEADING_TAGS:  # a heading start tag pops a heading that is the current node
        return any(child.tag in HEADING_TAGS for child in node.iter())
    if tag == "p":
        closers, through = _P_CLOSERS, None
    else:
        closers, through = _DD_CLOSERS, _DD_TRANSPARENT
    stack = [node.first_child]
    while stack:
        child = stack.pop()
        while child is not None:
            if child.is_element_node:
                name = child.tag
                if name in closers:
                    return True
                if (name in through if through is not None else name not in _BUTTON_SCOPE) and child.first_child:
                    stack.append(child.first_child)
            child = child.next
    return False


def _rename(tree: LexborHTMLParser, node: Any, tag: str) -> None:
    """Replace ``node`` by a ``tag`` element holding its children (copies: Lexbor inserts clones)."""
    node.insert_before(tree.create_node(tag))
    renamed = node.prev
    for child in node.iter(include_text=True):
        renamed.insert_child(child)
    detach(node)


def _is_blank_text(node: Any) -> bool:
    t = node.text_content
    return not t or t.isspace()


def _media_has_source(node: Any) -> bool:
    if node.attributes.get("src"):
        return True
    return any(s.attributes.get("src") for s in node.css("source"))


def _image_node(tree: LexborHTMLParser, found: ImageFound) -> Any:
    """A plain ``<img src=absolute alt width height>`` for an image found in the page."""
    (src, _), img_attrs = found
    new = tree.create_node("img")
    new.attrs["src"] = src
    for key in ("alt", "width", "height"):
        value = img_attrs.get(key)
        if value:
            new.attrs[key] = value
    return new


def _hoist(tree: LexborHTMLParser, node: Any, images: list[ImageFound]) -> None:
    """Replace ``node`` by its images (plain ``<img>`` elements), its text and structure gone."""
    for found in images:
        node.insert_before(_image_node(tree, found))
    detach(node)


_SPACES = re.compile(r"[ \t]{2,}")
_BLANK_LINES = re.compile(r"\n\s*\n")


def simplify_html(html: str, url: str = "") -> str:
    """The simplified HTML of a page (rules 1-8), images as ``<img src=absolute alt width height>``."""
    tree = parse(html)
    base_node = tree.css_first("base[href]")
    base = resolve_base(url, base_node.attributes.get("href") if base_node is not None else None)
    apply_page_rules(tree)
    root = tree.root
    if root is None:
        return ""
    resolve = Resolver(base)
    # Decided on the page as parsed, before anything changes: which lazy images give way to a
    # <noscript> beside them, which <noscript> elements are such fallbacks, which elements hold images.
    decided = noscript_decisions(root, resolve)
    replaced, fallbacks = decided
    holders = image_holders(root)
    # Post-order pass: images normalised on the way down (a picture is one image: nothing inside it
    # is visited, as in the walk), the images of dropped elements hoisted in their place; then
    # unwrap, remove empty leaves and collapse same-tag chains.
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            stack.append((node, True))
            for child in reversed(list(node.iter(include_text=True))):
                tid = child.tag_id
                if tid == TEXT_ID:
                    continue
                if tid == COMMENT_ID:
                    detach(child)
                    continue
                tag = child.tag
                if tag == "img" or tag == "picture" or tag in AMP_IMAGE_TAGS:
                    found = None if child.mem_id in replaced else element_source(child, resolve)
                    if found:
                        child.replace_with(_image_node(tree, found))
                    else:
                        detach(child)
                elif tag in UNWRAP_TAGS or tag in _KEEP:
                    stack.append((child, False))
                elif child.mem_id not in holders or (
                    child.mem_id not in fallbacks
                    if tag == "noscript"
                    else tag in _IMAGELESS and (tag != "header" or not inside_article(child))
                ):
                    detach(child)
                else:  # text dropped, images kept (rule 5)
                    _hoist(tree, child, subtree_images(child, _IMAGELESS, resolve, holders, decided))
            continue
        tag = node.tag
        if node.tag_id == HTML_ID:
            continue
        if tag in UNWRAP_TAGS:
            node.unwrap()
            continue
        if tag == "source":
            parent = node.parent
            if parent is None or parent.tag not in _MEDIA_WITH_SOURCE:
                detach(node)
            continue
        if tag in _DROPPED_MEDIA or (tag in _MEDIA_WITH_SOURCE and not _media_has_source(node)):
            detach(node)
            continue
        if tag in ("img", "br"):
            continue
        if tag not in _MEDIA_WITH_SOURCE:
            attrs = node.attrs
            for key in list(attrs.keys()):
                del attrs[key]
        elements = []
        has_text = False
        for child in node.iter(include_text=True):
            if child.tag_id == TEXT_ID:
                has_text = has_text or not _is_blank_text(child)
            else:
                elements.append(child)
        if not elements and not has_text:
            if node.tag_id != BODY_ID:
                detach(node)
        elif len(elements) == 1 and not has_text and elements[0].tag == tag and node.tag_id != BODY_ID:
            node.unwrap()
        elif tag in _REWRITTEN_AS and _closed_on_reparse(node, tag):
            _rename(tree, node, _REWRITTEN_AS[tag])
    out = tree.root.html if tree.root is not None else ""
    return _BLANK_LINES.sub("\n", _SPACES.sub(" ", out or ""))
