"""What an element's class and id names, role and hiding attributes say about it.

A class/id string is split into tokens (anything but letters and digits separates them, a plural
"s" is allowed): a *hard* boilerplate word (comments, share, related, ads ...) marks boilerplate
even beside a content word, a *soft* one (sidebar, menu, header, widget ...) only alone, and a
*positive* one (article, content, entry, post ...) marks content ("related" inside a camel-case
token, "articleRelated", is hard too). Verdicts are cached per token.
"""

from __future__ import annotations

import re
from typing import Any

HIDING_ATTRIBUTES = frozenset({"hidden", "aria-hidden", "role", "style"})  # what is_hidden reads
JUNK_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog", "menu", "menubar"}
)

# Boilerplate words in class/id names, matched against the name's tokens (split on anything but
# letters and digits, plural "s" allowed): "hard" ones go even beside a content word.
HARD_WORDS = frozenset(
    {
        "comment", "comments", "commentlist", "disqus", "respond", "reply", "replies", "share", "sharing",
        "sharedaddy", "sharethis", "addthis", "social", "related", "recommend", "recommended", "cookie",
        "consent", "gdpr", "newsletter", "subscribe", "subscription", "signup", "breadcrumb", "pagination",
        "pager", "sponsor", "sponsored", "advert", "advertisement", "promo", "popup", "modal", "outbrain",
        "taboola", "yarpp", "login", "print", "rss", "editsection", "trackback", "pingback",
    }
)  # fmt: skip
# Name prefixes that are boilerplate whatever follows ("commentlist", "socialicons", "relatedposts").
HARD_PREFIXES = (
    "comment",
    "share",
    "social",
    "related",
    "cookie",
    "advert",
    "sponsor",
    "newsletter",
    "trackback",
    "pingback",
)
# Words that name an ad slot ("ad-slot", "dfp-ad"): soft boilerplate words, not hard ones.
AD_WORDS = frozenset({"ad", "ads", "adsense", "dfp"})
SOFT_WORDS = AD_WORDS | frozenset(
    {
        "sidebar", "widget", "menu", "nav", "navbar", "navigation", "footer", "header", "masthead", "banner",
        "byline", "meta", "tag", "tags", "taglist", "tagcloud", "author", "toolbar", "skip", "stories", "next",
        "prev", "previous",
    }
)  # fmt: skip
POSITIVE_PREFIXES = ("article", "content", "entry", "main", "post", "story", "body", "text", "blog", "prose")
NAME_SPLIT = re.compile(r"[^a-z0-9]+")


NAME_VERDICTS: dict[str, tuple[bool, bool, bool]] = {}


def classify_name(name: str) -> tuple[bool, bool, bool]:
    """``(hard, soft, positive)``: whether a class/id string names hard or soft boilerplate, or content."""
    found = NAME_VERDICTS.get(name)
    if found is None:
        found = _classify(name)
        if len(NAME_VERDICTS) > 50_000:  # class names repeat across pages of a site; keep the cache bounded
            NAME_VERDICTS.clear()
        NAME_VERDICTS[name] = found
    return found


# A name's verdict is the union of its tokens' verdicts; tokens ("col", "md", "wrapper") repeat across
# sites far more than whole names do, so each token is judged once.
_HARD, _SOFT, _POSITIVE = 1, 2, 4
_VERDICTS = tuple((bool(f & _HARD), bool(f & _SOFT), bool(f & _POSITIVE)) for f in range(8))
_TOKEN_FLAGS: dict[str, int] = {}


# An ASCII name's bytes lowered with every separator (anything but a letter or a digit) made a
# space: its tokens are then those of ``bytes.split()``, several times cheaper than the pattern's
# split of the lowered name (what a name seen for the first time costs: each page of a crawl is a
# new site).
_TOKEN_BYTES = bytes(c if 97 <= c <= 122 or 48 <= c <= 57 else c + 32 if 65 <= c <= 90 else 32 for c in range(256))
_BYTE_TOKEN_FLAGS: dict[bytes, int] = {}


def _classify(name: str) -> tuple[bool, bool, bool]:
    flags = 0
    if name.isascii():
        known_bytes = _BYTE_TOKEN_FLAGS
        for word in name.encode().translate(_TOKEN_BYTES).split():
            found = known_bytes.get(word)
            if found is None:
                found = _token_flags(word.decode())
                if len(known_bytes) > 50_000:  # keep the cache bounded
                    known_bytes.clear()
                known_bytes[word] = found
            flags |= found
        return _VERDICTS[flags]
    known = _TOKEN_FLAGS
    for token in NAME_SPLIT.split(name.lower()):
        found = known.get(token)
        if found is None:
            found = _token_flags(token)
            if len(known) > 50_000:  # keep the cache bounded
                known.clear()
            known[token] = found
        flags |= found
    return _VERDICTS[flags]


def _token_flags(token: str) -> int:
    """One token's verdict: hard or soft boilerplate (hard wins), and content, as bit flags."""
    if not token:
        return 0
    stem = token[:-1] if token.endswith("s") else token
    flags = 0
    if token in HARD_WORDS or stem in HARD_WORDS or token.startswith(HARD_PREFIXES) or _names_related(token):
        flags = _HARD
    elif token in SOFT_WORDS or stem in SOFT_WORDS:
        flags = _SOFT
    if token.startswith(POSITIVE_PREFIXES):
        flags |= _POSITIVE
    return flags


def _names_related(token: str) -> bool:
    """A camel-case name joined into one token that says "related" inside ("articleRelated",
    "postRelated", "sectionRelatedLinks"; not "unrelated")."""
    at = token.find("related")
    return at > 0 and not token[:at].endswith(("un", "inter", "cor"))


# Soft words that name a place in the layout (a header, a menu bar, a line of metadata), never a
# box of prose: such an element that holds a long article-like block is misnamed (a CMS's
# "link_header" cell of news summaries). Sidebars and widgets do hold prose (an "about" blurb).
LAYOUT_WORDS = frozenset({"header", "masthead", "banner", "menu", "nav", "navbar", "navigation", "meta", "toolbar"})
# Words of the boxes beside or below the article (a sidebar, a footer's widget area) whose one
# article-like block is a blurb (a profile, the site's self-description), not the article.
SIDEBAR_WORDS = frozenset({"sidebar", "sidebars", "footer", "footers"})


# Hard words that name comments: a page's comments can hold more text than its article.
COMMENT_WORDS = frozenset({"comment", "comments", "commentlist", "disqus", "respond", "reply", "replies"})


def names_comments(name: str) -> bool:
    """Whether a class/id string names comments ("comments", "comment-list", "disqus_thread")."""
    for token in NAME_SPLIT.split(name.lower()):
        if token in COMMENT_WORDS or token.startswith("comment") or token.startswith("disqus"):
            return True
    return False


def names_layout_only(name: str) -> bool:
    """Whether every soft boilerplate word of a class/id string is a layout word."""
    found = False
    for token in NAME_SPLIT.split(name.lower()):
        stem = token[:-1] if token.endswith("s") else token
        if token in SOFT_WORDS or stem in SOFT_WORDS:
            if token not in LAYOUT_WORDS and stem not in LAYOUT_WORDS:
                return False
            found = True
    return found


def names_of(node: Any) -> str:
    """An element's class and id as one string (:func:`attribute_names`), a space without either."""
    return attribute_names(node.attributes) or " "


def attribute_names(attrs: dict[str, Any]) -> str | None:
    """An element's class and id, as one string (its first 500 characters); None without either."""
    class_name = attrs.get("class")
    element_id = attrs.get("id")
    if not class_name and not element_id:
        return None
    return f"{class_name or ''} {element_id or ''}"[:500]


def name_weight(node: Any) -> int:
    """+25 for a content name, -25 for a boilerplate one (both: 0), as readability weighs classes."""
    hard, soft, positive = classify_name(names_of(node))
    return (25 if positive else 0) - (25 if hard or soft else 0)


def is_hidden(attrs: dict[str, Any]) -> bool:
    """Whether an element's attributes hide it (``hidden``, ``aria-hidden``, ``display:none``,
    ``visibility:hidden``) or give it a role of page chrome (:data:`JUNK_ROLES`)."""
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    role = attrs.get("role")
    if role and role.strip().lower() in JUNK_ROLES:
        return True
    style = attrs.get("style")
    if style:
        style = style.lower().replace(" ", "")
        return "display:none" in style or "visibility:hidden" in style
    return False
