"""Image sources: lazy-load attributes, ``srcset``, ``<picture>``, URL resolution, declared sizes.

The rules (OBELICS stage 4, with the original's URL defects fixed):

* an ``<img>``'s URL is the first *usable* value of :data:`IMG_SOURCE_ATTRS`, in that order
  (``src`` first, then the lazy-load attributes); a value is usable when it resolves to an
  absolute ``http(s)`` URL, so a ``data:`` placeholder in ``src`` falls through to ``data-src``;
* ``srcset``-style values are split into candidates as the HTML standard does (a URL is a run of
  non-whitespace, so commas inside a URL are kept; candidates end at a comma after the URL or its
  descriptors) and the largest candidate wins: the largest ``w`` descriptor, else the largest
  ``x`` density;
* inside ``<picture>`` the ``<source>`` candidates compete with the ``<img>``'s own ``srcset``
  (largest wins); when no candidate carries a descriptor the ``<img>``'s own URL is kept; which
  ``<img>`` and ``<source>`` elements belong to a picture is :func:`picture_parts`' decision, the
  one both the walk and the simplifier use;
* relative URLs resolve like a browser (``urllib.parse.urljoin``) against ``<base href>`` (itself
  resolved against the page URL) or the page URL: ``//host/x``, ``../x``, ``?q`` all work;
* ``data:``, ``javascript:``, ``blob:`` and every other non-http(s) URL is dropped;
* declared ``width``/``height`` are integers (``"300"``, ``"300px"``, ``"300.5"``); ``"100%"``,
  ``"auto"`` and garbage give ``None``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit

# The OBELICS priority list, plus the common ``data-srcset``/``data-lazy-srcset`` after their plain forms.
IMG_SOURCE_ATTRS = (
    "src",
    "data-src",
    "data-src-fg",
    "data-scroll-image",
    "srcset",
    "data-srcset",
    "data-lateloadsrc",
    "data-img-src",
    "data-original",
    "data-gt-lazy-src",
    "data-lazy",
    "data-lazy-src",
    "data-lazy-srcset",
    "src2",
)
SRCSET_ATTRS = frozenset({"srcset", "data-srcset", "data-lazy-srcset"})
# <source type=...> we never pick: formats the image filters reject or few decoders read.
SKIPPED_SOURCE_TYPES = frozenset({"image/avif", "image/jxl", "image/svg+xml", "image/heic", "image/heif"})
MAX_URL_LENGTH = 4096

_HTML_WS = " \t\n\r\f"
_STRIP_URL_CHARS = re.compile(r"[\t\n\r]")
_LOOKS_LIKE_SRCSET = re.compile(r"\S\s+\d+(?:\.\d+)?[wx]\s*(?:,|$)")
_CANDIDATE_URL = re.compile(r"[\s,]*(\S*)")
_DESCRIPTORS = re.compile(r"((?:[^,(]|\([^)]*\)?)*),?")
_SIZE = re.compile(r"\s*\+?(\d{1,7})(?:\.\d*)?\s*(?:px)?\s*;?\s*", re.IGNORECASE)


def resolve_url(value: str, base: str) -> str | None:
    """The absolute http(s) URL ``value`` points to from ``base``, or None when there is none."""
    return Resolver(base)(value)


_MISSING = object()


class Resolver:
    """Resolves URLs against one base like :func:`urllib.parse.urljoin`, with fast paths and a cache.

    Absolute ``http(s)://`` URLs, ``//host/x`` and ``/path`` skip ``urljoin`` (the common cases on
    real pages); anything else (``../x``, ``x.jpg``, ``?q``, dot segments) goes through it.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        try:
            parts = urlsplit(base)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        self.scheme = parts.scheme if ok else ""
        self.origin = f"{parts.scheme}://{parts.netloc}" if ok else ""
        self.cache: dict[str, str | None] = {}

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
    """``(absolute, as_found)`` for an ``<img>``: the first usable value of :data:`IMG_SOURCE_ATTRS`."""
    resolve = _resolver(base)
    for name in IMG_SOURCE_ATTRS:
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
        absolute = resolve(value)
        if absolute:
            return absolute, value.strip(_HTML_WS)
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


def picture_source(
    img_attrs: dict[str, str | None] | None, sources: list[dict[str, str | None]], base: str | Resolver
) -> tuple[str, str] | None:
    """``(absolute, as_found)`` for a ``<picture>``: the largest of its sources and its img's srcset."""
    resolve = _resolver(base)
    candidates: list[tuple[str, float | None, float | None]] = []
    for attrs in sources:
        if (attrs.get("type") or "").strip().lower() in SKIPPED_SOURCE_TYPES:
            continue
        for name in ("srcset", "data-srcset", "data-lazy-srcset", "src", "data-src"):
            value = attrs.get(name)
            if value:
                candidates.extend(parse_srcset(value))
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
_FN_SPACES = re.compile(r"[_\-+\n0-9]+")


def formatted_filename(src: str) -> str:
    """A readable name from the image URL's file name (OBELICS ``formatted_filename``), or ``""``."""
    name = src[src.rfind("/") + 1 :]
    dot = name.find(".")
    if dot != -1:
        name = name[:dot]
    if "?" in name and _FN_QUERY.search(name):
        return ""
    if "%" in name:
        name = name.replace("%20", " ").replace("%2B", " ").replace("%2", " ").replace("%B", " ").replace("%", " ")
    if "x" in name:
        name = _FN_DIMENSIONS.sub("", name)
    name = " ".join(_FN_SPACES.sub(" ", name).split())
    return name if len(name) > 1 else ""
