"""HTML page to interleaved document: one depth-first walk of the Lexbor tree, in DOM order.

Two modes (see docs/extraction.md):

* ``"obelics"``: the OBELICS rules (:mod:`obelics.html.simplify`) over the whole page (the
  elements those rules drop lose their text but keep their images);
* ``"main-content"``: boilerplate pruned first (:mod:`obelics.html.main_content`), then the same
  walk over the article, keeping lists, tables and code, and only the images a reader sees in it.

Texts are joined in DOM order; between two texts goes the strongest separator of the element
boundaries crossed: ``\\n\\n`` for paragraph-level tags (p, h1-h6, ul, ol, dl, blockquote), ``\\n``
for other blocks (div, section, article, figcaption, li ...), a space where the source had
whitespace, nothing inside a word. ``<br>`` is a line break (two in a row, a paragraph break).
Whitespace runs become one space. An image ends the text before it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from obelics.document import PARAGRAPH_SEP, Document
from obelics.html.kept_images import keep_image as keep_article_image
from obelics.html.main_content import main_regions
from obelics.html.media import (
    AMP_IMAGE_TAGS,
    Resolver,
    amp_image,
    formatted_filename,
    has_noscript_images,
    image_holders,
    img_source,
    inside_article,
    noscript_is_fallback,
    parse_size,
    picture_parts,
    picture_source,
    replaced_by_noscript,
    resolve_base,
    subtree_images,
)
from obelics.html.optout import opt_out_signals
from obelics.html.simplify import (
    COMMENT_ID,
    END_OF_DOCUMENT,
    IMAGELESS_TAGS,
    MAX_STANDARD_TAG_ID,
    MORE_LINK_MARK,
    SEP_RANK,
    STRUCTURE_SEPARATORS,
    TEXT_ID,
    UNWRAP_TAGS,
    parse,
    scan_page,
    tag_id,
)

MODES = ("obelics", "main-content")

# Node kinds of the walk. K_HIDE: an element whose text is dropped but whose images count;
# K_NOSCRIPT: a <noscript>, whose images count when they are a lazy image's fallback.
# K_HEADER: a <header>, K_HIDE inside an <article> or <main> (the headline's picture), else K_SKIP.
# (the kinds the walk descends into are numbered first, so that one comparison tells them)
K_TEXT, K_INLINE, K_BLOCK, K_PRE, K_SKIP, K_IMG, K_PICTURE, K_BR, K_HIDE, K_NOSCRIPT, K_HEADER = range(11)
_SEPS = ("", " ", "\n", "\n\n")

Kind = tuple[int, int]


class Kinds:
    """What the walk does with each tag: by Lexbor id for standard tags, by name for the others.

    ``skip`` names the elements dropped with everything in them, images included (``never``);
    ``<noscript>`` is always :data:`K_NOSCRIPT`; with ``article_headers``, ``<header>`` is
    :data:`K_HEADER`.
    """

    def __init__(
        self,
        default: Kind,
        blocks: dict[str, str],
        inline: Iterable[str],
        skip: Iterable[str] = (),
        pre: Iterable[str] = (),
        article_headers: bool = False,
    ) -> None:
        by_name: dict[str, Kind] = {}
        for name in inline:
            by_name[name] = (K_INLINE, 0)
        for name, sep in blocks.items():
            by_name[name] = (K_BLOCK, SEP_RANK[sep])
        for name in pre:
            by_name[name] = (K_PRE, 3)
        by_name.update({"img": (K_IMG, 0), "picture": (K_PICTURE, 0), "br": (K_BR, 0)})
        by_name.update(dict.fromkeys(AMP_IMAGE_TAGS, (K_PICTURE, 0)))  # one image each, as a <picture>
        for name in skip:
            by_name[name] = (K_SKIP, 0)
        by_name["noscript"] = (K_NOSCRIPT, 0)
        if article_headers:
            by_name["header"] = (K_HEADER, 0)
        self.never = frozenset(skip) - {"noscript"}
        self.default = default
        self.by_name = by_name
        by_id: dict[int, Kind] = {i: default for i in range(MAX_STANDARD_TAG_ID)}
        for name, kind in by_name.items():
            tid = tag_id(name)
            if tid is not None:
                by_id[tid] = kind
        by_id[TEXT_ID] = (K_TEXT, 0)
        by_id[COMMENT_ID] = (K_SKIP, 0)
        self.by_id = by_id
        self.table: list[Kind] = [by_id[i] for i in range(MAX_STANDARD_TAG_ID)]

    def of(self, node: Any) -> Kind:
        """The kind of a node whose id is not a standard one (a custom element)."""
        return self.by_name.get(node.tag, self.default)


# OBELICS: unwrap inline tags, keep structure, drop the text of everything else (the images of
# tables, lists, forms and custom elements stay; nothing of IMAGELESS_TAGS does).
OBELICS_KINDS = Kinds((K_HIDE, 0), STRUCTURE_SEPARATORS, UNWRAP_TAGS, IMAGELESS_TAGS, article_headers=True)

# Main content: the region is already free of boilerplate, so lists, tables, code and unknown
# (custom) elements are content; only non-rendered and interactive elements are skipped.
MAIN_BLOCKS = {
    **STRUCTURE_SEPARATORS,
    "li": "\n",
    "table": "\n\n",
    "tr": "\n",
    "td": " ",
    "th": " ",
    "thead": "\n",
    "tbody": "\n",
    "tfoot": "\n",
    "caption": "\n",
    "header": "\n",
    "footer": "\n",
    "details": "\n",
    "form": "\n",
    "fieldset": "\n",
}
MAIN_INLINE = (*UNWRAP_TAGS, "label", "del", "nobr", "em", "rp", "rt", "ruby", "output", "meter", "progress")
MAIN_SKIP = (
    "head",
    "script",
    "style",
    "template",
    "svg",
    "math",
    "canvas",
    "iframe",
    "object",
    "embed",
    "video",
    "audio",
    "source",
    "track",
    "map",
    "button",
    "input",
    "select",
    "option",
    "optgroup",
    "datalist",
    "textarea",
    "meta",
    "link",
    "title",
    "dialog",
    "nav",
    "frameset",
    "frame",
)
MAIN_KINDS = Kinds((K_BLOCK, 2), MAIN_BLOCKS, MAIN_INLINE, MAIN_SKIP, pre=("pre", "listing", "xmp", "plaintext"))


def _pre_text(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n")


def _collapsed_spaces(text: str) -> str:
    """Whitespace runs as one space, none at either end: the walk's text, done as it does it."""
    core = text.strip()
    return core if "  " not in core and core.isprintable() else " ".join(text.split())


def _image_meta(found: tuple[str, str], attrs: dict[str, Any], page_url: str) -> dict[str, Any]:
    src, raw = found
    alt = attrs.get("alt")
    if alt:
        alt = _collapsed_spaces(alt)
    width, height = attrs.get("width"), attrs.get("height")
    # The fields of obelics.document.image_metadata (HUB_IMAGE_KEYS, in order; a test checks), built inline
    # as this runs for every image.
    meta = {
        "document_url": page_url,
        "unformatted_src": raw,
        "src": src,
        "formatted_filename": formatted_filename(src),
        "alt_text": alt or "",
        "rendered_width": int(width) if width and width.isdecimal() and len(width) < 8 else parse_size(width),
        "rendered_height": int(height) if height and height.isdecimal() and len(height) < 8 else parse_size(height),
        "original_width": None,
        "original_height": None,
        "format": None,
    }
    return meta


def walk(
    roots: Iterable[Any],
    kinds: Kinds,
    base: str,
    page_url: str,
    keep_image: Callable[[dict[str, Any], str], bool] | None = None,
    tree: LexborHTMLParser | None = None,
) -> list[str | dict[str, Any]]:
    """Texts and images under ``roots`` in DOM order (see the module docstring for the separators).

    Items are texts (``str``, never two in a row) and images (their metadata ``dict``, ``src`` the URL).
    ``tree``, the parsed page the roots belong to, makes finding the elements that hold images faster.
    """
    nodes: list[str | dict[str, Any]] = []
    parts: list[str] = []
    pending = 0  # separator rank owed before the next text
    emitted = 0  # texts, images and line breaks emitted so far
    br_run = 0
    pre = 0
    # Locals for the hot loop.
    seps = _SEPS
    table = kinds.table
    limit = MAX_STANDARD_TAG_ID
    resolve = Resolver(base)
    text_id, k_inline, k_pre, k_img, k_picture, k_br = TEXT_ID, K_INLINE, K_PRE, K_IMG, K_PICTURE, K_BR
    k_hide, k_noscript, never, in_article = K_HIDE, K_NOSCRIPT, kinds.never, inside_article
    image_meta, source_of, append = _image_meta, img_source, nodes.append
    # The elements that hold an image (found when first needed) and whether a <noscript> does: of
    # the whole page when it is given (once for all roots), else of each root.
    page_holders: set[int] | None = None
    found_noscripts = tree.tags("noscript") if tree is not None else []
    page_noscripts = bool(found_noscripts)
    if page_noscripts:
        page_holders = image_holders(tree)
        page_noscripts = has_noscript_images(tree, page_holders, found_noscripts)
    for root in roots:
        stack: list[tuple[Any, int, int, int, int]] = []
        if tree is not None:
            page = tree
            holders, noscripts = page_holders, page_noscripts
        else:
            page = root
            holders = None
            noscripts = False
            if root.css_first("noscript") is not None:
                holders = image_holders(page)
                noscripts = has_noscript_images(page, holders)
        node = root
        while node is not None:
            tid = node.tag_id
            if tid == text_id:  # (a text: the most common node, its kind known without a lookup)
                text = node.text_content
                if text:
                    if pre:
                        core = _pre_text(text)
                    else:
                        # (= " ".join(text.split()) when no whitespace but single spaces is inside: every
                        # other whitespace character is unprintable; _collapsed_spaces says so)
                        core = text.strip()
                        if "  " in core or not core.isprintable():
                            core = " ".join(text.split())
                    if core:
                        if parts:
                            r = pending
                            if r < 1 and text[0].isspace():
                                r = 1
                            if r:
                                parts.append(seps[r])
                        parts.append(core)
                        emitted += 1
                        br_run = 0
                        pending = 1 if text[-1].isspace() else 0
                    elif pending < 1:
                        pending = 1
            else:
                kind, rank = table[tid] if tid < limit else kinds.of(node)
                if kind <= k_pre:  # K_INLINE, K_BLOCK, K_PRE
                    child = node.first_child
                    if child is not None:
                        stack.append((node, rank, pending, emitted, kind))
                        if rank > pending:
                            pending = rank
                        if kind == k_pre:
                            pre += 1
                        node = child
                        continue
                elif kind == k_img or kind == k_picture or kind >= k_hide:  # (K_HIDE, K_NOSCRIPT, K_HEADER)
                    if kind >= k_hide:  # the images a hidden box, a noscript or a header shows
                        if holders is None:
                            holders = image_holders(page)
                            if tree is not None:
                                page_holders = holders
                        shown = ()
                        if node.mem_id in holders and (
                            kind == k_hide
                            or (noscript_is_fallback(node, resolve) if kind == k_noscript else in_article(node))
                        ):
                            shown = subtree_images(node, never, resolve, holders, noscripts=noscripts)
                    else:
                        if kind == k_img:
                            attrs = node.attributes
                            found = source_of(attrs, resolve)
                        elif tid < limit:
                            img, sources = picture_parts(node)
                            attrs = img if img is not None else {}
                            found = picture_source(img, sources, resolve)
                        else:  # an AMP image (amp-img, amp-anim)
                            amp = amp_image(node, resolve)
                            found, attrs = amp if amp else (None, {})
                        shown = ((found, attrs),) if found else ()
                        if shown and noscripts and replaced_by_noscript(node, resolve):
                            shown = ()
                    for found, attrs in shown:
                        if keep_image is None or keep_image(attrs, found[0]):
                            if parts:
                                append("".join(parts))
                                parts = []
                            append(image_meta(found, attrs, page_url))
                            emitted += 1
                            pending = 0
                            br_run = 0
                elif kind == k_br:
                    emitted += 1
                    pending = 3 if br_run else max(pending, 2)
                    br_run += 1
            # Next node: the next sibling, else climb, closing the elements we leave.
            while True:
                if not stack:
                    node = None
                    break
                following = node.next
                if following is not None:
                    node = following
                    break
                node, rank, saved_pending, saved_emitted, kind = stack.pop()
                if kind != k_inline:
                    if emitted == saved_emitted:
                        # An empty element separates nothing, nor does whitespace inside it (the
                        # simplifier removes it): <title> </title> is no space.
                        pending = saved_pending
                    elif rank > pending:
                        pending = rank
                if kind == k_pre:
                    pre -= 1
        pending = max(pending, 2)  # regions of main-content mode are blocks
    if parts:
        nodes.append("".join(parts))
    return nodes


def _end_of_document_markers(items: list[str | dict[str, Any]]) -> list[str | dict[str, Any]]:
    """Make each more-link mark a paragraph of its own; drop repeated marks and marks at either end."""
    out: list[str | dict[str, Any]] = []
    for item in items:
        if isinstance(item, str) and MORE_LINK_MARK in item:
            paragraphs: list[str] = []
            for chunk in item.replace(MORE_LINK_MARK, f"\n\n{END_OF_DOCUMENT}\n\n").split("\n\n"):
                chunk = chunk.strip()
                if chunk and not (chunk == END_OF_DOCUMENT and paragraphs and paragraphs[-1] == END_OF_DOCUMENT):
                    paragraphs.append(chunk)
            item = "\n\n".join(paragraphs)
            if not item:
                continue
        out.append(item)
    # No marker opens or closes the document.
    for idx in (0, -1):
        while out and isinstance(out[idx], str):
            paragraphs = out[idx].split("\n\n")  # type: ignore[union-attr]
            if paragraphs[idx] != END_OF_DOCUMENT:
                break
            paragraphs.pop(idx)
            if paragraphs:
                out[idx] = "\n\n".join(paragraphs)
            else:
                out.pop(idx)
    return out


def _join(items: list[str | dict[str, Any]], more: list[str | dict[str, Any]]) -> None:
    """Append ``more`` to ``items``, merging a text that meets a text with the paragraph separator."""
    if more and items and isinstance(items[-1], str) and isinstance(more[0], str):
        items[-1] = items[-1] + PARAGRAPH_SEP + more[0]
        items.extend(more[1:])
    else:
        items.extend(more)


def _composed(text: str) -> str:
    """Text in composed Unicode form (NFC): one "é", not "e" and a combining accent, as most text
    (and a reader's copy of it) is written; the same word then has the same code points."""
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def extract_document(
    html: str,
    url: str,
    *,
    mode: str = "obelics",
    http_headers: dict[str, str] | None = None,
) -> Document | None:
    """The interleaved document of one HTML page, or None when it has no text and no image.

    ``mode`` is ``"obelics"`` (the reference rules over the whole page) or ``"main-content"``
    (boilerplate pruned, article images kept). ``http_headers`` (lower-case keys) feed the
    opt-out signals. ``general_metadata`` holds ``url`` and ``opt_out``; the caller adds the WARC fields.
    """
    if mode not in MODES:
        raise ValueError(f"unknown extraction mode {mode!r}; choose one of {', '.join(MODES)}")
    tree = parse(html)
    root = tree.root
    if root is None:
        return None
    # One pass for the meta tags, <base href> and (OBELICS mode) the attribute rules.
    metas, base_href = scan_page(tree, rules=mode == "obelics")
    general = {"url": url, "opt_out": opt_out_signals(metas, http_headers)}
    base = resolve_base(url, base_href)
    if mode == "obelics":
        items = walk((root,), OBELICS_KINDS, base, url, tree=tree)
    else:
        items = []
        for group in main_regions(tree):
            if items:  # posts of a list page are separate documents, as OBELICS' more-link marks
                _join(items, [MORE_LINK_MARK])
            _join(items, walk(group, MAIN_KINDS, base, url, keep_article_image, tree))
        items = [_composed(i) if isinstance(i, str) else i for i in items]
    if any(isinstance(i, str) and MORE_LINK_MARK in i for i in items):
        items = _end_of_document_markers(items)
    if not items:
        return None
    texts = [i if isinstance(i, str) else None for i in items]
    images = [None if isinstance(i, str) else i["src"] for i in items]
    metadata = [None if isinstance(i, str) else i for i in items]
    return Document(texts, images, metadata, general).validate()  # type: ignore[arg-type]
