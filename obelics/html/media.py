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
  (largest wins); when no candidate carries a descriptor the ``<img>``'s own URL is kept;
* relative URLs resolve like a browser (``urllib.parse.urljoin``) against ``<base href>`` (itself
  resolved against the page URL) or the page URL: ``//host/x``, ``../x``, ``?q`` all work;
* ``data:``, ``javascript:``, ``blob:`` and every other non-http(s) URL is dropped;
* declared ``width``/``height`` are integers (``"300"``, ``"300px"``, ``"300.5"``); ``"100%"``,
  ``"auto"`` and garbage give ``None``.
"""

from __future__ import annotations

import re
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
    v = value.strip(_HTML_WS)
    if not v or len(v) > MAX_URL_LENGTH:
        return None
    if v[:5].lower() == "data:":
        return None
    if "\t" in v or "\n" in v or "\r" in v:  # the URL parser removes these
        v = _STRIP_URL_CHARS.sub("", v)
    if " " in v:
        v = v.replace(" ", "%20")
    try:
        absolute = urljoin(base, v)
        parts = urlsplit(absolute)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return absolute


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


def _largest(candidates: list[tuple[str, float | None, float | None]], base: str) -> tuple[str, str] | None:
    """The usable candidate with the largest ``w`` (else ``x``) descriptor, as ``(absolute, as_found)``."""
    best: tuple[str, str] | None = None
    best_key = (-1, -1.0)
    for url, width, density in candidates:
        key = (1, width) if width is not None else (0, density if density is not None else 1.0)
        if key > best_key:
            absolute = resolve_url(url, base)
            if absolute:
                best, best_key = (absolute, url), key
    return best


def _has_descriptor(candidates: list[tuple[str, float | None, float | None]]) -> bool:
    return any(w is not None or (x is not None and x != 1.0) for _, w, x in candidates)


def img_source(attrs: dict[str, str | None], base: str) -> tuple[str, str] | None:
    """``(absolute, as_found)`` for an ``<img>``: the first usable value of :data:`IMG_SOURCE_ATTRS`."""
    for name in IMG_SOURCE_ATTRS:
        value = attrs.get(name)
        if not value:
            continue
        if name in SRCSET_ATTRS or _LOOKS_LIKE_SRCSET.search(value):
            found = _largest(parse_srcset(value), base)
            if found:
                return found
            continue
        absolute = resolve_url(value, base)
        if absolute:
            return absolute, value.strip(_HTML_WS)
    return None


def picture_source(
    img_attrs: dict[str, str | None] | None, sources: list[dict[str, str | None]], base: str
) -> tuple[str, str] | None:
    """``(absolute, as_found)`` for a ``<picture>``: the largest of its sources and its img's srcset."""
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
        found = _largest(candidates, base)
        if found:
            return found
    own = img_source(img_attrs, base) if img_attrs else None
    if own:
        return own
    for url, _, _ in candidates:
        absolute = resolve_url(url, base)
        if absolute:
            return absolute, url
    return None


def parse_size(value: str | None) -> int | None:
    """A declared ``width``/``height`` as an int: ``"300"``, ``"300px"``, ``"300.5"``; else None."""
    if not value:
        return None
    m = _SIZE.fullmatch(value)
    return int(m.group(1)) if m else None


_FN_QUERY = re.compile(r"\?[A-Za-z0-9]+=")
_FN_SEPARATORS = re.compile(r"[_\-+\n]|%2[0B]?|%B")
_FN_DIMENSIONS = re.compile(r"[0-9]+x[0-9]+")
_FN_DIGITS = re.compile(r"[0-9]+")


def formatted_filename(src: str) -> str:
    """A readable name from the image URL's file name (OBELICS ``formatted_filename``), or ``""``."""
    name = src.rsplit("/", 1)[-1].split(".", 1)[0]
    if _FN_QUERY.search(name):
        return ""
    name = _FN_SEPARATORS.sub(" ", name)
    name = _FN_DIMENSIONS.sub("", name)
    name = _FN_DIGITS.sub(" ", name).replace("%", " ")
    name = " ".join(name.split())
    return name if len(name) > 1 else ""
