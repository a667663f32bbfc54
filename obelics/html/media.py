"""Image sources: lazy-load attributes, ``srcset``, ``<picture>``, URL resolution, declared sizes.

The rules (OBELICS stage 4, with the original's URL defects fixed):

* an ``<img>``'s URL is the first *usable* value of :data:`IMG_SOURCE_ATTRS`, in that order
  (the lazy-load attributes first, then ``src``: a script swaps them in, ``src`` is then a
  placeholder); a value is usable when it resolves to an absolute ``http(s)`` URL, so an empty
  or ``data:`` ``src`` falls through; with none usable, any other attribute naming an image URL
  (:func:`other_source`);
* a ``<noscript>`` beside a lazy image holds its plain twin: that one is kept, once
  (:func:`replaced_by_noscript`, :func:`noscript_is_fallback`); :func:`subtree_images` lists the
  images of an element whose text is dropped;
* an AMP image (``<amp-img>``, ``<amp-anim>``) is one image: the plain ``<img>`` of its
  ``<noscript>`` fallback, else its own ``src``/``srcset`` (:func:`amp_image`);
* ``srcset``-style values are split into candidates as the HTML standard does (a URL is a run of
  non-whitespace, so commas inside a URL are kept; candidates end at a comma after the URL or its
  descriptors) and the largest candidate wins: the largest ``w`` descriptor, else the largest
  ``x`` density;
* inside ``<picture>`` the ``<source>`` candidates compete with the ``<img>``'s own ``srcset``
  (largest wins); when no candidate carries a descriptor the ``<img>``'s own URL is kept; which
  ``<img>`` and ``<source>`` elements belong to a picture is :func:`picture_parts`' decision, the
  one both the walk and the simplifier use;
* relative URLs resolve like a browser (``urllib.parse.urljoin``) against ``<base href>`` (itself
  resolved against the page URL) or the page URL: ``//host/x``, ``../x``, ``?q`` all work; a
  backslash before the query is a slash, as browsers read http(s) URLs (``\\img\\a.gif``);
* ``data:``, ``javascript:``, ``blob:`` and every other non-http(s) URL is dropped;
* declared ``width``/``height`` are integers (``"300"``, ``"300px"``, ``"300.5"``); ``"100%"``,
  ``"auto"`` and garbage give ``None``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

# Lazy-load attributes: a script copies them into ``src`` (and ``srcset``) when the image scrolls into
# view, so when one holds a usable URL it is the image the reader sees and ``src`` is a placeholder.
# The OBELICS list (which tried ``src`` first), plus ``data-srcset``/``data-lazy-srcset``.
LAZY_SOURCE_ATTRS = (
    "data-src",
    "data-src-fg",
    "data-scroll-image",
    "data-srcset",
    "data-lateloadsrc",
    "data-img-src",
    "data-original",
    "data-gt-lazy-src",
    "data-lazy",
    "data-lazy-src",
    "data-lazy-srcset",
)
IMG_SOURCE_ATTRS = (*LAZY_SOURCE_ATTRS, "src", "srcset", "src2")
SRCSET_ATTRS = frozenset({"srcset", "data-srcset", "data-lazy-srcset"})
# <source type=...> we never pick: formats the image filters reject or few decoders read.
SKIPPED_SOURCE_TYPES = frozenset({"image/avif", "image/jxl", "image/svg+xml", "image/heic", "image/heif"})
MAX_URL_LENGTH = 4096

_HTML_WS = " \t\n\r\f"
_STRIP_URL_CHARS = re.compile(r"[\t\n\r]")
_ODD_PATH = re.compile(r"[\t\n\r ]|/\.").search  # what the slow path of a /path changes or checks
_HAS_SPACE = re.compile(r"[ \t\n\r\f]").search  # a character of _HTML_WS
_LOOKS_LIKE_SRCSET = re.compile(r"\S\s+\d+(?:\.\d+)?[wx]\s*(?:,|$)")
_CANDIDATE_URL = re.compile(r"[\s,]*(\S*)")
_DESCRIPTORS = re.compile(r"((?:[^,(]|\([^)]*\)?)*),?")
_SIZE = re.compile(r"\s*\+?(\d{1,7})(?:\.\d*)?\s*(?:px)?\s*;?\s*", re.IGNORECASE)


def resolve_url(value: str, base: str) -> str | None:
    """The absolute http(s) URL ``value`` points to from ``base``, or None when there is none."""
    return Resolver(base)(value)


_MISSING = object()
# A base URL whose scheme and host urlsplit takes as they stand: a lower-case http(s) scheme, a host
# of letters, digits, dots and hyphens (and a port), then the path, query or fragment (or the end).
_PLAIN_ORIGIN = re.compile(r"(https?)://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#]|\Z)").match


class Resolver:
    """Resolves URLs against one base like :func:`urllib.parse.urljoin`, with fast paths and a cache.

    Absolute ``http(s)://`` URLs, ``//host/x`` and ``/path`` skip ``urljoin`` (the common cases on
    real pages); anything else (``../x``, ``x.jpg``, ``?q``, dot segments) goes through it.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.cache: dict[str, str | None] = {}
        plain = _PLAIN_ORIGIN(base)
        if plain is not None:  # (the common base: what urlsplit gives it, at a fraction of the cost)
            self.scheme = plain.group(1)
            self.origin = plain.group(0).rstrip("/?#")
            return
        try:
            parts = urlsplit(base)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        self.scheme = parts.scheme if ok else ""
        self.origin = f"{parts.scheme}://{parts.netloc}" if ok else ""

    def __call__(self, value: str) -> str | None:
        found = self.cache.get(value, _MISSING)
        if found is _MISSING:
            found = self._resolve(value)
            if len(self.cache) < 4096:
                self.cache[value] = found
        return found  # type: ignore[return-value]

    def _resolve(self, value: str) -> str | None:
        v = value.strip(_HTML_WS)
        if not v or len(v) > MAX_URL_LENGTH:
            return None
        if "\\" in v:
            v = _forward_slashes(v)
        # The common ``/path`` (no whitespace, no dot segment): what the steps below give it.
        if v[0] == "/" and v[1:2] != "/" and self.origin and _ODD_PATH(v) is None:
            return self.origin + v
        head = v[:8].lower()
        if head.startswith("data:"):
            return None
        if "\t" in v or "\n" in v or "\r" in v:  # the URL parser removes these
            v = _STRIP_URL_CHARS.sub("", v)
        if " " in v:
            v = v.replace(" ", "%20")
        if head.startswith("https://") or head.startswith("http://"):
            cut = 8 if head[4] == "s" else 7
            if _plain_authority(v, cut):
                return head[: cut - 3] + v[cut - 3 :]
        elif v.startswith("//"):
            if not self.scheme:
                return None
            if _plain_authority(v, 2):
                return self.scheme + ":" + v
        elif v.startswith("/") and "/." not in v and self.origin:
            return self.origin + v
        try:
            absolute = urljoin(self.base, v)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                return None
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        except ValueError:  # e.g. a malformed IPv6 host or port
            return None
        return absolute


def _forward_slashes(url: str) -> str:
    """``url`` with each backslash before its query or fragment a slash, as a browser reads an
    http(s) URL (``images\\photo.jpg`` is ``images/photo.jpg``, ``\\img\\a.gif`` is ``/img/a.gif``)."""
    end = len(url)
    for sep in "?#":
        i = url.find(sep)
        if i != -1 and i < end:
            end = i
    return url[:end].replace("\\", "/") + url[end:]


def _plain_authority(url: str, start: int) -> bool:
    """True when the authority from ``start`` is a plain ``host[:port]`` (no userinfo, IPv6 or odd characters)."""
    end = len(url)
    for sep in "/?#":
        i = url.find(sep, start)
        if i != -1 and i < end:
            end = i
    host = url[start:end]
    if not host or "@" in host or "[" in host or "\\" in host or "%" in host:
        return False
    name, _, port = host.partition(":")
    return (
        bool(name)
        and (not port or (port.isascii() and port.isdigit() and len(port) < 6 and int(port) < 65536))
        and "." in name
        or name == "localhost"
    )


def resolve_base(page_url: str, base_href: str | None) -> str:
    """The URL relative references resolve against: ``<base href>`` made absolute, else the page URL."""
    if base_href:
        resolved = resolve_url(base_href, page_url)
        if resolved:
            return resolved
    return page_url


def parse_srcset(value: str) -> list[tuple[str, float | None, float | None]]:
    """Candidates ``(url, width, density)`` of a ``srcset`` value, per the HTML standard's parser."""
    out: list[tuple[str, float | None, float | None]] = []
    pos, n = 0, len(value)
    while pos < n:
        m = _CANDIDATE_URL.match(value, pos)
        url = m.group(1)  # type: ignore[union-attr]
        pos = m.end()  # type: ignore[union-attr]
        if not url:
            break
        width = density = None
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            d = _DESCRIPTORS.match(value, pos)
            pos = d.end()  # type: ignore[union-attr]
            for token in d.group(1).split():  # type: ignore[union-attr]
                unit, num = token[-1:].lower(), token[:-1]
                try:
                    number = float(num)
                except ValueError:
                    continue
                if not number > 0 or number == float("inf"):
                    continue
                if unit == "w":
                    width = number
                elif unit == "x":
                    density = number
        if url:
            out.append((url, width, density))
    return out


def _resolver(base: str | Resolver) -> Resolver:
    return base if isinstance(base, Resolver) else Resolver(base)


def _largest(candidates: list[tuple[str, float | None, float | None]], resolve: Resolver) -> tuple[str, str] | None:
    """The usable candidate with the largest ``w`` (else ``x``) descriptor, as ``(absolute, as_found)``."""
    best: tuple[str, str] | None = None
    best_key = (-1, -1.0)
    for url, width, density in candidates:
        key = (1, width) if width is not None else (0, density if density is not None else 1.0)
        if key > best_key:
            absolute = resolve(url)
            if absolute:
                best, best_key = (absolute, url), key
    return best


def _has_descriptor(candidates: list[tuple[str, float | None, float | None]]) -> bool:
    return any(w is not None or (x is not None and x != 1.0) for _, w, x in candidates)


def img_source(attrs: dict[str, str | None], base: str | Resolver) -> tuple[str, str] | None:
    """``(absolute, as_found)`` for an ``<img>``: the first usable value of :data:`IMG_SOURCE_ATTRS`.

    When none is usable, any other attribute that names an image URL (:func:`other_source`).
    """
    resolve = _resolver(base)
    # Most images carry no lazy-load attribute: one set operation spares their eleven lookups.
    if _LAZY_SET.isdisjoint(attrs):
        # The common plain ``src`` (no whitespace, not data:): what the loop below does with it.
        value = attrs.get("src")
        if value and not _HAS_SPACE(value) and value[:5].lower() != "data:":
            absolute = resolve(value)
            if absolute:
                return absolute, value
        names = _PLAIN_SOURCE_ATTRS
    else:
        names = IMG_SOURCE_ATTRS
    for name in names:
        value = attrs.get(name)
        if not value:
            continue
        if value[:5].lower() == "data:":
            continue
        if name in SRCSET_ATTRS or (" " in value.strip() and _LOOKS_LIKE_SRCSET.search(value)):
            found = _largest(parse_srcset(value), resolve)
            if found:
                return found
            continue
        if name in _LAZY_SET and "/" not in value and "." not in value:
            continue  # a flag (data-lazy="true", data-src="1"), not a URL
        absolute = resolve(value)
        if absolute:
            return absolute, value.strip(_HTML_WS)
    return other_source(attrs, resolve)


_KNOWN_ATTRS = frozenset(IMG_SOURCE_ATTRS)
_LAZY_SET = frozenset(LAZY_SOURCE_ATTRS)
_PLAIN_SOURCE_ATTRS = IMG_SOURCE_ATTRS[len(LAZY_SOURCE_ATTRS) :]
# Attributes that never hold the image, whatever their value looks like.
_NOT_SOURCES = frozenset(
    {"alt", "title", "class", "id", "style", "width", "height", "sizes", "href", "longdesc", "usemap", "name"}
)
_IMAGE_PATH = re.compile(r"\.(?:jpe?g|jfif|png|gif|webp|avif|bmp|tiff?)$", re.IGNORECASE)
_ABSOLUTE = re.compile(r"(?:https?:)?//", re.IGNORECASE)


def other_source(attrs: dict[str, str | None], base: str | Resolver) -> tuple[str, str] | None:
    """``(absolute, as_found)`` from a lazy-load attribute outside :data:`IMG_SOURCE_ATTRS`, or None.

    Lazy-load scripts name their attributes freely (``data-echo``, ``data-src-big``, ``data-lazy-img``,
    ``lowsrc``, ``data-orig-file``, microdata's ``content``), so, in attribute order: a ``*srcset*``
    attribute gives its largest candidate; an attribute whose name has ``src``, ``lazy`` or
    ``original`` gives its value when it is an absolute URL or a path ending in an image extension;
    any other attribute (but alt, title, class, id, style, sizes, href, longdesc, usemap) only when its
    value is a path ending in an image extension (``data-id="42"`` or ``data-title="Sunset"`` never
    become URLs).
    """
    resolve = _resolver(base)
    for name, value in attrs.items():
        if not value or name in _KNOWN_ATTRS or name in _NOT_SOURCES:
            continue
        v = value.strip(_HTML_WS)
        if not v or v[:5].lower() == "data:":
            continue
        if "srcset" in name or (" " in v and _LOOKS_LIKE_SRCSET.search(v)):
            found = _largest(parse_srcset(v), resolve)
            if found:
                return found
            continue
        if " " in v or "\n" in v:
            continue
        named = "src" in name or "lazy" in name or "original" in name
        path = v.split("#", 1)[0].split("?", 1)[0]
        if _IMAGE_PATH.search(path) or (named and _ABSOLUTE.match(v)):
            absolute = resolve(v)
            if absolute:
                return absolute, v
    return None


# Subtrees of a <picture> whose <source> elements are not image candidates (or are not HTML at all).
_NOT_IMAGE_SOURCES = frozenset({"video", "audio", "svg", "math", "template"})


def picture_parts(picture: Any) -> tuple[dict[str, str | None] | None, list[dict[str, str | None]]]:
    """The attributes of a ``<picture>``'s ``<img>`` and of its ``<source>`` elements, in DOM order.

    A picture is one image, however broken its markup: every ``<source>`` under it counts, wherever
    it stands (after the ``<img>``, inside an ``<a>`` or a nested ``<picture>``), except those of a
    ``<video>``/``<audio>`` (not images) and of foreign content (``<svg>``, ``<math>``). The
    ``<img>`` is its first child ``<img>``, else the first one deeper (``picture > a > img``);
    None when it has none. ``picture`` is a Lexbor node.
    """
    img_attrs: dict[str, str | None] | None = None
    deeper: dict[str, str | None] | None = None
    sources: list[dict[str, str | None]] = []
    pending: list[Any] = []  # the next sibling of each element we descended into
    node = picture.first_child
    while node is not None or pending:
        if node is None:
            node = pending.pop()
            continue
        tag = node.tag
        if tag == "source":
            sources.append(node.attributes)
        elif tag == "img":
            if not pending and img_attrs is None:
                img_attrs = node.attributes
            elif deeper is None:
                deeper = node.attributes
        elif tag not in _NOT_IMAGE_SOURCES:
            child = node.first_child
            if child is not None:
                pending.append(node.next)
                node = child
                continue
        node = node.next
    return (img_attrs if img_attrs is not None else deeper), sources


_PICTURE_SOURCE_ATTRS = ("data-srcset", "data-lazy-srcset", "srcset", "data-src", "src")


def picture_source(
    img_attrs: dict[str, str | None] | None, sources: list[dict[str, str | None]], base: str | Resolver
) -> tuple[str, str] | None:
    """``(absolute, as_found)`` for a ``<picture>``: the largest of its sources and its img's srcset."""
    resolve = _resolver(base)
    candidates: list[tuple[str, float | None, float | None]] = []
    for attrs in sources:
        if (attrs.get("type") or "").strip().lower() in SKIPPED_SOURCE_TYPES:
            continue
        for name in _PICTURE_SOURCE_ATTRS:  # lazy-load attributes first, as for an <img>
            value = attrs.get(name)
            if value:
                found = parse_srcset(value)
                if any(resolve(url) for url, _, _ in found):
                    candidates.extend(found)
                    break
    if img_attrs:
        for name in SRCSET_ATTRS:
            value = img_attrs.get(name)
            if value:
                candidates.extend(parse_srcset(value))
    if candidates and _has_descriptor(candidates):
        found = _largest(candidates, resolve)
        if found:
            return found
    own = img_source(img_attrs, resolve) if img_attrs else None
    if own:
        return own
    for url, _, _ in candidates:
        absolute = resolve(url)
        if absolute:
            return absolute, url
    return None


# ---------------------------------------------------------------------------------------------
# Images of a subtree: <noscript> fallbacks and the images of elements whose text is dropped.

_TEXT_NODE, _COMMENT_NODE = 2, 4  # Lexbor's ids of text and comment nodes
IMAGE_SELECTOR = "img,picture"
# AMP's image elements: a script renders them; the page writes the image's URL on them (``src``,
# ``srcset``) and the plain ``<img>`` in a ``<noscript>`` inside for readers without scripts.
AMP_IMAGE_TAGS = frozenset({"amp-img", "amp-anim"})
# Lexbor numbers the tags it knows from 0 to a few hundred; any other name (a custom element such as
# amp-img) gets an id that is only valid within one document, so such names are looked up by name.
MAX_STANDARD_TAG_ID = 1024
ImageFound = tuple[tuple[str, str], dict[str, Any]]


def _first_sibling(node: Any, forward: bool) -> tuple[Any | None, bool]:
    """The first sibling of ``node`` (in that direction) that is not whitespace or a comment, and whether it is
    an element (``(None, False)`` when there is none)."""
    sib = node.next if forward else node.prev
    while sib is not None:
        tid = sib.tag_id
        if tid == _TEXT_NODE:
            text = sib.text_content
            if text and not text.isspace():
                return sib, False
        elif tid != _COMMENT_NODE:
            return sib, True
        sib = sib.next if forward else sib.prev
    return None, False


def _adjacent(node: Any, forward: bool) -> Any | None:
    """The element beside ``node`` with only whitespace and comments between them, or None."""
    sib, is_element = _first_sibling(node, forward)
    return sib if is_element else None


def _has_neighbour(node: Any, forward: bool) -> bool:
    """True when text or an element stands beside ``node`` in that direction (whitespace and comments aside)."""
    return _first_sibling(node, forward)[0] is not None


def element_source(node: Any, resolve: Resolver) -> ImageFound | None:
    """``((absolute, as_found), img attributes)`` of an ``<img>``, a ``<picture>`` or an AMP image, or None."""
    tid = node.tag_id
    if tid == _PICTURE_ID:
        img, sources = picture_parts(node)
        found = picture_source(img, sources, resolve)
        attrs = img if img is not None else {}
    elif tid >= MAX_STANDARD_TAG_ID:
        return amp_image(node, resolve)
    else:
        attrs = node.attributes
        found = img_source(attrs, resolve)
    return (found, attrs) if found else None


def amp_image(node: Any, resolve: Resolver) -> ImageFound | None:
    """``((absolute, as_found), attributes)`` of an ``<amp-img>``/``<amp-anim>``, or None.

    The first image of a ``<noscript>`` child (the plain ``<img>`` a reader without scripts
    sees: its own alt text and size), else the element's own ``src``/``srcset`` as an ``<img>``'s.
    Nothing else inside counts (the sizer's placeholder, a nested ``fallback`` image): one image."""
    child = node.first_child
    while child is not None:
        if child.tag_id == _NOSCRIPT_ID:
            first = child.css_first(IMAGE_SELECTOR)
            found = element_source(first, resolve) if first is not None else None
            if found:
                return found
        child = child.next
    attrs = node.attributes
    own = img_source(attrs, resolve)
    return (own, attrs) if own else None


def _noscript_image(noscript: Any, resolve: Resolver) -> str | None:
    """The URL of the first image of a ``<noscript>``, or None."""
    first = noscript.css_first(IMAGE_SELECTOR)
    found = element_source(first, resolve) if first is not None else None
    return found[0][0] if found else None


# How many elements may wrap a lazy image alone (``<a><img></a>``) for a <noscript> beside them.
MAX_IMAGE_WRAPPERS = 3


def _alone(node: Any) -> bool:
    """True when ``node``'s siblings are all whitespace or comments."""
    return not _has_neighbour(node, True) and not _has_neighbour(node, False)


def _single_image(node: Any, wrappers: int = MAX_IMAGE_WRAPPERS) -> bool:
    """True when ``node`` is an ``<img>``/``<picture>``, or wraps one alone (up to ``wrappers`` deep)."""
    tag = node.tag
    if tag == "img" or tag == "picture":
        return True
    if wrappers == 0 or tag == "noscript":
        return False
    only = only_element_child(node)
    return only is not None and _single_image(only, wrappers - 1)


def only_element_child(node: Any) -> Any | None:
    """The one element inside ``node``, or None when it holds several, none, or text of its own
    (whitespace and comments aside)."""
    found = None
    child = node.first_child
    while child is not None:
        tid = child.tag_id
        if tid == _TEXT_NODE:
            text = child.text_content
            if text and not text.isspace():
                return None
        elif tid != _COMMENT_NODE:
            if found is not None:
                return None
            found = child
        child = child.next
    return found


def replaced_by_noscript(node: Any, resolve: Resolver) -> bool:
    """True when an ``<img>``/``<picture>`` is the lazy twin of a ``<noscript>`` image beside it.

    Lazy loading writes an image twice: an ``<img>`` for the script (a placeholder ``src``, the URL
    in a ``data-*`` attribute) and the plain one in a ``<noscript>`` beside it, before or after,
    whitespace and comments between. The image, or the element wrapping it alone (``<a><img></a>``,
    up to :data:`MAX_IMAGE_WRAPPERS` deep), stands beside a ``<noscript>`` whose first image has a
    usable URL: that one is kept, in this one's place (:func:`noscript_is_fallback`).
    """
    current = node
    for _ in range(MAX_IMAGE_WRAPPERS + 1):
        for forward in (True, False):
            sib = _adjacent(current, forward)
            if sib is not None and sib.tag == "noscript" and _noscript_image(sib, resolve):
                return True
        parent = current.parent
        if parent is None or not _alone(current):
            return False
        current = parent
    return False


def noscript_is_fallback(noscript: Any, resolve: Resolver) -> bool:
    """True when a ``<noscript>``'s images are a lazy image's fallback, to be kept.

    That is when its first image has a usable URL and the element beside it (whitespace and
    comments between) is an ``<img>``/``<picture>`` or wraps one alone: that image is its lazy twin
    and gives way (:func:`replaced_by_noscript`), so the image comes out once. Any other
    ``<noscript>`` (an ad or a tracking pixel behind a ``<script>``, a "please enable JavaScript"
    notice) is dropped with its content, as OBELICS did.
    """
    for forward in (False, True):
        sib = _adjacent(noscript, forward)
        if sib is not None and _single_image(sib):
            return _noscript_image(noscript, resolve) is not None
    return False


def inside_article(node: Any) -> bool:
    """True when an ``<article>`` or ``<main>`` holds ``node`` (a ``<header>`` there heads the article)."""
    parent = node.parent
    while parent is not None:
        if parent.tag in ("article", "main"):
            return True
        parent = parent.parent
    return False


def noscript_decisions(root: Any, resolve: Resolver) -> tuple[set[int], set[int]]:
    """The ``mem_id`` of the images :func:`replaced_by_noscript` and of the fallback ``<noscript>`` elements."""
    replaced = {n.mem_id for n in root.css(IMAGE_SELECTOR) if replaced_by_noscript(n, resolve)}
    fallbacks = {n.mem_id for n in root.css("noscript") if noscript_is_fallback(n, resolve)}
    return replaced, fallbacks


def page_images(root: Any) -> list[Any]:
    """The ``<img>``, ``<picture>`` and AMP image elements of a parsed page (found by tag: fast) or
    under an element."""
    if hasattr(root, "tags"):  # the parser: Lexbor's tag index, several times faster than a selector
        return root.tags("img") + root.tags("picture") + root.tags("amp-img") + root.tags("amp-anim")
    return root.css(_ALL_IMAGES_SELECTOR)


_ALL_IMAGES_SELECTOR = "img,picture,amp-img,amp-anim"


def image_holders(root: Any) -> set[int]:
    """The ``mem_id`` of every element that holds an image element (``root`` as in :func:`page_images`)."""
    holders: set[int] = set()
    for image in page_images(root):
        parent = image.parent
        while parent is not None:
            key = parent.mem_id
            if key in holders:
                break
            holders.add(key)
            parent = parent.parent
    return holders


def has_noscript_images(root: Any, holders: set[int], noscripts: list[Any] | None = None) -> bool:
    """True when a ``<noscript>`` holds an image (``root`` as in :func:`page_images`; ``noscripts``:
    its noscripts, when already found)."""
    if noscripts is None:
        noscripts = root.tags("noscript") if hasattr(root, "tags") else root.css("noscript")
    return any(n.mem_id in holders for n in noscripts)


def _tag_id(name: str) -> int:
    return LexborHTMLParser("").create_node(name).tag_id


_IMG_ID, _PICTURE_ID, _NOSCRIPT_ID = _tag_id("img"), _tag_id("picture"), _tag_id("noscript")
_NEVER_IDS: dict[frozenset[str], frozenset[int]] = {}


def subtree_images(
    container: Any,
    never: frozenset[str],
    resolve: Resolver,
    holders: set[int],
    decided: tuple[set[int], set[int]] | None = None,
    noscripts: bool = True,
) -> list[ImageFound]:
    """The images under ``container`` in DOM order, its text ignored.

    A ``<picture>`` or an AMP image (:func:`amp_image`) is one image; an image replaced by a ``<noscript>`` beside it is skipped; a
    ``<noscript>`` counts only as a fallback (:func:`noscript_is_fallback`); nothing under an element
    named in ``never`` (not rendered, or not content) counts. ``holders`` is :func:`image_holders`;
    ``decided``, for a tree being changed, is :func:`noscript_decisions` made before the changes;
    ``noscripts=False`` says that no ``<noscript>`` of the page holds an image.
    """
    never_ids = _NEVER_IDS.get(never)
    if never_ids is None:  # the names are standard tags: compare Lexbor's ids, not names
        never_ids = _NEVER_IDS[never] = frozenset(map(_tag_id, never))
    out: list[ImageFound] = []
    pending: list[Any] = []  # the next sibling of each element we descended into
    node = container.first_child
    while node is not None or pending:
        if node is None:
            node = pending.pop()
            continue
        tid = node.tag_id
        if tid > _COMMENT_NODE:  # an element
            if tid == _IMG_ID or tid == _PICTURE_ID or (tid >= MAX_STANDARD_TAG_ID and node.tag in AMP_IMAGE_TAGS):
                if not noscripts or not (node.mem_id in decided[0] if decided else replaced_by_noscript(node, resolve)):
                    found = element_source(node, resolve)
                    if found:
                        out.append(found)
            elif tid not in never_ids and node.mem_id in holders:
                if tid != _NOSCRIPT_ID or (
                    node.mem_id in decided[1] if decided else noscript_is_fallback(node, resolve)
                ):
                    pending.append(node.next)
                    node = node.first_child
                    continue
        node = node.next
    return out


def parse_size(value: str | None) -> int | None:
    """A declared ``width``/``height`` as an int: ``"300"``, ``"300px"``, ``"300.5"``; else None."""
    if not value:
        return None
    if value.isdecimal() and len(value) < 8:
        return int(value)
    m = _SIZE.fullmatch(value)
    return int(m.group(1)) if m else None


_FN_QUERY = re.compile(r"\?[A-Za-z0-9]+=")
_FN_DIMENSIONS = re.compile(r"[0-9]+x[0-9]+")
# The words left once _, -, + and digits are spaces: runs of what is neither those nor whitespace
# (re's \s is str.split()'s whitespace), found in one pass instead of a translation and a split.
_FN_WORDS = re.compile(r"[^\s_\-+0-9]+").findall


def formatted_filename(src: str) -> str:
    """A readable name from the image URL's file name (OBELICS ``formatted_filename``), or ``""``."""
    name = src.rpartition("/")[2].partition(".")[0]  # the last segment, up to its first dot
    if name.isalpha():  # the common plain name: nothing below changes it
        return name if len(name) > 1 else ""
    if "?" in name and _FN_QUERY.search(name):
        return ""
    if "%" in name:
        name = name.replace("%20", " ").replace("%2B", " ").replace("%2", " ").replace("%B", " ").replace("%", " ")
    if "x" in name:
        name = _FN_DIMENSIONS.sub("", name)
    name = " ".join(_FN_WORDS(name))
    return name if len(name) > 1 else ""
