"""Page-level opt-out signals: robots meta tags, ``X-Robots-Tag``, TDMRep ``tdm-reservation``.

Captured while the page is at hand and stored in ``general_metadata["opt_out"]``::

    {"noai": bool, "noimageai": bool, "noindex": bool, "tdm_reservation": bool, "sources": [...]}

``sources`` lists where each signal was seen, as ``"<signal>:<origin>"`` strings, e.g.
``"noai:meta:robots"``, ``"noimageai:header:x-robots-tag"``, ``"tdm_reservation:meta:tdm-reservation"``.
Directives count when addressed to every robot (``robots`` meta, an ``X-Robots-Tag`` without a
user agent) or to one of :data:`AGENTS` (``<meta name="CCBot">``, ``X-Robots-Tag: CCBot: noai``).
``none`` implies ``noindex``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

AGENTS = frozenset({"robots", "ccbot", "obelics"})
SIGNALS = ("noai", "noimageai", "noindex", "tdm_reservation")
_DIRECTIVE_SPLIT = re.compile(r"[\s,;]+")
# X-Robots-Tag directives that carry a value after a colon (not a user agent prefix).
_VALUED_DIRECTIVES = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
_AGENT_PREFIX = re.compile(r"\s*([A-Za-z0-9_.\-]+)\s*:\s*(.*)", re.DOTALL)


def empty_opt_out() -> dict[str, Any]:
    """The opt-out record of a page that says nothing."""
    return {"noai": False, "noimageai": False, "noindex": False, "tdm_reservation": False, "sources": []}


def _apply_directives(out: dict[str, Any], directives: Iterable[str], origin: str) -> None:
    for token in directives:
        token = token.strip().lower()
        signal = "noindex" if token == "none" else token
        if signal in ("noai", "noimageai", "noindex"):
            out[signal] = True
            source = f"{signal}:{origin}"
            if source not in out["sources"]:
                out["sources"].append(source)


def _tdm(out: dict[str, Any], value: str, origin: str) -> None:
    if value.strip() == "1":
        out["tdm_reservation"] = True
        source = f"tdm_reservation:{origin}"
        if source not in out["sources"]:
            out["sources"].append(source)


def _x_robots_tag(out: dict[str, Any], value: str, origin: str) -> None:
    """``X-Robots-Tag: noai, noimageai`` or ``X-Robots-Tag: CCBot: noai`` (agent applies until the next one)."""
    agent: str | None = None
    for part in value.split(","):
        m = _AGENT_PREFIX.fullmatch(part)
        if m and m.group(1).lower() not in _VALUED_DIRECTIVES:
            agent, part = m.group(1).lower(), m.group(2)
        if agent is None or agent in AGENTS:
            _apply_directives(out, _DIRECTIVE_SPLIT.split(part), origin)


def opt_out_signals(
    metas: Iterable[tuple[str, str, str]], http_headers: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Opt-out record from ``(name, http_equiv, content)`` meta triples and lower-case HTTP headers."""
    out = empty_opt_out()
    for name, http_equiv, content in metas:
        name = name.strip().lower()
        if name in AGENTS:
            _apply_directives(out, _DIRECTIVE_SPLIT.split(content), f"meta:{name}")
        elif name == "tdm-reservation":
            _tdm(out, content, "meta:tdm-reservation")
        equiv = http_equiv.strip().lower()
        if equiv == "x-robots-tag":
            _x_robots_tag(out, content, "meta:http-equiv:x-robots-tag")
        elif equiv == "tdm-reservation":
            _tdm(out, content, "meta:http-equiv:tdm-reservation")
    for key, value in (http_headers or {}).items():
        key = str(key).lower()
        if key not in ("x-robots-tag", "tdm-reservation"):
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            if v is None:
                continue
            if key == "x-robots-tag":
                _x_robots_tag(out, str(v), "header:x-robots-tag")
            else:
                _tdm(out, str(v), "header:tdm-reservation")
    return out
