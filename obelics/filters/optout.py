"""Opt-out decisions: pure functions on documents (no files, no network).

Three sources of opt-out are combined by the opt-out stage:

* page-level signals recorded at extraction in ``general_metadata["opt_out"]``
  (``noai``, ``noimageai``, ``noindex``, ``tdm_reservation``, ``sources``);
* image-level signals recorded at download in the image metadata ``opt_out``;
* user lists of URLs and domains (:class:`OptOutList`) and an opt-out service
  (``obelics.optout.api``), both matched on :func:`url_key`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

# Page-level signals that remove the whole page (noindex only when asked).
PAGE_SIGNALS = ("noai", "tdm_reservation")
# Tokens of an image-level signal that remove the image.
IMAGE_TOKENS = ("noai", "noimageai", "tdm_reservation", "tdmreservation")


def url_host(url: str) -> str:
    """The lower-case host name of a URL (without port, credentials or a trailing dot); '' if none."""
    text = url.strip()
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host.rstrip(".").lower()


def url_key(url: str) -> str:
    """The form URLs are matched in: scheme and fragment dropped, host lower-cased, default port dropped.

    ``https://WWW.Example.com:443/a?b=1#top`` and ``http://www.example.com/a?b=1`` give the same key, so
    an opted-out URL is honoured whatever scheme a page used. An empty path is ``/``.
    """
    text = url.strip()
    if "://" not in text:
        text = "//" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").rstrip(".").lower()
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = parts.path or "/"
    return host + path + (f"?{parts.query}" if parts.query else "")


def normalise_domain(domain: str) -> str:
    """A domain list entry: lower case, no scheme, leading ``*.``/``.`` and trailing dot removed."""
    d = domain.strip().lower()
    if "://" in d:
        d = url_host(d)
    while d.startswith(("*.", ".")):
        d = d[2:] if d.startswith("*.") else d[1:]
    return d.rstrip(".").split("/", 1)[0]


def host_suffixes(host: str) -> list[str]:
    """``a.b.example.com`` -> ``[a.b.example.com, b.example.com, example.com, com]``."""
    parts = host.split(".")
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i]]


class OptOutList:
    """URLs and domains opted out; a domain covers its subdomains."""

    def __init__(self, urls: Iterable[str] = (), domains: Iterable[str] = ()) -> None:
        self.urls: set[str] = {url_key(u) for u in urls if u and u.strip()}
        self.domains: set[str] = {d for d in (normalise_domain(x) for x in domains if x) if d}

    def __len__(self) -> int:
        return len(self.urls) + len(self.domains)

    def update(self, other: OptOutList) -> None:
        self.urls |= other.urls
        self.domains |= other.domains

    def match(self, url: str) -> str | None:
        """``"url"`` when the URL is listed, ``"domain"`` when its host (or a parent domain) is, else None."""
        if not url:
            return None
        if self.urls and url_key(url) in self.urls:
            return "url"
        if self.domains:
            host = url_host(url)
            if host and any(s in self.domains for s in host_suffixes(host)):
                return "domain"
        return None


def page_signals(general_metadata: dict[str, Any]) -> dict[str, Any]:
    """The page's recorded opt-out signals as a dict (empty when none were recorded)."""
    sig = general_metadata.get("opt_out")
    return sig if isinstance(sig, dict) else {}


def page_decision(general_metadata: dict[str, Any], noindex_opt_out: bool = False) -> tuple[str | None, str | None]:
    """``(remove_page_reason, remove_images_reason)`` from the page-level signals.

    ``noai`` or a TDM reservation removes the page; ``noimageai`` removes its images;
    ``noindex`` removes the page only when ``noindex_opt_out`` (it is about search
    engines, not training, so by default it is recorded but not acted on).
    """
    sig = page_signals(general_metadata)
    for key in PAGE_SIGNALS:
        if sig.get(key):
            return f"page_{key}", None
    if noindex_opt_out and sig.get("noindex"):
        return "page_noindex", None
    if sig.get("noimageai"):
        return None, "page_noimageai"
    return None, None


def image_signal(meta: dict[str, Any] | None, noindex_opt_out: bool = False) -> bool:
    """Whether an image's own recorded signal (at download) opts it out.

    Accepts the shapes a downloader may record: a bool, a dict of flags
    (``{"noai": true, ...}``), or a string / list of directive tokens
    (``"noai, noimageai"`` as in ``X-Robots-Tag``).
    """
    if not meta:
        return False
    sig = meta.get("opt_out")
    if sig is None or sig is False:
        return False
    if sig is True:
        return True
    tokens = IMAGE_TOKENS + (("noindex",) if noindex_opt_out else ())
    if isinstance(sig, dict):
        return any(bool(sig.get(t)) for t in tokens)
    if isinstance(sig, str):
        sig = sig.replace(";", ",").replace(" ", ",").split(",")
    if isinstance(sig, (list, tuple)):
        return any(str(t).strip().lower() in tokens for t in sig)
    return bool(sig)
