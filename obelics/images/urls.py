"""URL-level rules applied before any download: banned substrings and the usage count."""

from __future__ import annotations

from collections.abc import Iterable

# OBELICS: logo, button, icon, plugin, widget (boilerplate images) and porn, xxx, sex (adult content).
DEFAULT_BANNED_SUBSTRINGS = ("logo", "button", "icon", "plugin", "widget", "porn", "xxx", "sex")


def banned_substring(url: str, substrings: Iterable[str]) -> str | None:
    """The first banned substring the URL contains (case-insensitive), or None."""
    low = url.lower()
    for s in substrings:
        if s and s.lower() in low:
            return s.lower()
    return None


def url_status(
    url: str,
    docs: int,
    *,
    max_url_count: int,
    banned: Iterable[str],
) -> str:
    """``ok`` or why the URL is dropped everywhere before download (the guard is checked separately)."""
    if max_url_count > 0 and docs > max_url_count:
        return "too_frequent"
    if banned_substring(url, banned):
        return "banned_substring"
    return "ok"
