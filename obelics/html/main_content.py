"""Main-content mode: find the article, prune the boilerplate around and inside it.

The approach of readability and trafilatura, on Lexbor with the heavy lifting in CSS selectors:

1. elements that are never content go: scripts, styles, forms' controls, ``nav``, ``aside``,
   page ``footer``s, ``header``s outside an article, hidden elements, navigation/banner/
   complementary ARIA roles;
2. elements whose class or id names boilerplate (comments, share, social, related, sidebar,
   widget, cookie/consent banners, newsletter, breadcrumbs, pagination, ads, menus ...) go too,
   unless the name also says content (article, content, entry, post ...) and the boilerplate word
   is a weak one (sidebar, menu, header ...), or the element holds the article;
3. the article is found by scoring text blocks (length, commas) into their parents, weighted by
   class names and link density; the best container wins, grown to its ``<article>`` when it sits
   in one, else joined by siblings that score well, lead figures and the headline before it;
4. inside the article, blocks dense in links (related lists, tag clouds), short link-only blocks
   and boilerplate labels ("Share this", "Advertisement", "Related posts") are removed;
5. images are kept where they stand unless they look like logos, icons, avatars, buttons,
   tracking pixels or other decoration (:func:`keep_image`).
"""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from obelics.html.media import parse_size
from obelics.html.simplify import BODY_ID, HTML_ID

JUNK_TAGS = [
    "script",
    "style",
    "noscript",
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
JUNK_SELECTOR = ",".join(
    [
        "header:not(article header):not(main header)",
        "[hidden]",
        "[aria-hidden=true]",
        "[style*='display:none' i]",
        "[style*='display: none' i]",
        "[style*='visibility:hidden' i]",
        "[style*='visibility: hidden' i]",
        "[role=navigation]",
        "[role=banner]",
        "[role=contentinfo]",
        "[role=complementary]",
        "[role=search]",
        "[role=dialog]",
        "[role=alertdialog]",
        "[role=menu]",
        "[role=menubar]",
    ]
)

# Boilerplate words in class/id names: "hard" ones go even beside a content word.
HARD_WORDS = (
    "comment",
    "disqus",
    "respond",
    "reply",
    "share",
    "sharing",
    "sharedaddy",
    "social",
    "related",
    "recommend",
    "cookie",
    "consent",
    "gdpr",
    "newsletter",
    "subscribe",
    "subscription",
    "signup",
    "breadcrumb",
    "pagination",
    "pager",
    "sponsor",
    "advert",
    "promo",
    "popup",
    "modal",
    "outbrain",
    "taboola",
    "yarpp",
    "login",
    "print",
    "rss",
    "editsection",
)
SOFT_WORDS = (
    "sidebar",
    "widget",
    "menu",
    "nav",
    "navbar",
    "navigation",
    "footer",
    "header",
    "masthead",
    "banner",
    "byline",
    "meta",
    "tags",
    "tag-list",
    "tagcloud",
    "author",
    "toolbar",
    "skip",
    "ad",
    "ads",
    "adsense",
    "dfp",
    "share-buttons",
    "more-stories",
    "read-next",
)
POSITIVE_WORDS = ("article", "content", "entry", "main", "post", "story", "body", "text", "blog", "prose")

_SUBSTRINGS = sorted({w for w in HARD_WORDS + SOFT_WORDS if len(w) > 3} | {"ad-", "-ad", "ads", "dfp", "nav", "rss"})
PATTERN_SELECTOR = ",".join(f"[class*={w} i],[id*={w} i]" for w in _SUBSTRINGS) + ",[class~=ad],[id=ad]"
_TOKEN = r"(?:^|(?<=[\s_\-]))(?:{})(?=$|[\s_\-]|s\b|s[_\-])"
_HARD = re.compile(_TOKEN.format("|".join(map(re.escape, HARD_WORDS))), re.IGNORECASE)
_SOFT = re.compile(_TOKEN.format("|".join(map(re.escape, SOFT_WORDS))), re.IGNORECASE)
_HARD_PREFIX = re.compile(r"(?:^|(?<=[\s_\-]))(?:comment|share|social|related|cookie|advert)", re.IGNORECASE)
_POSITIVE = re.compile(r"(?:^|(?<=[\s_\-]))(?:{})".format("|".join(POSITIVE_WORDS)), re.IGNORECASE)
PROTECT_SELECTOR = "article,main,[itemprop=articleBody],[role=main]"

SCORED_SELECTOR = "p,pre,td,blockquote"
PRUNE_SELECTOR = "div,section,ul,ol,dl,table,form,header,footer,center"
BOILERPLATE_LABELS = frozenset(
    {
        "advertisement",
        "advertisements",
        "sponsored",
        "share",
        "share this",
        "share this:",
        "share this article",
        "share on facebook",
        "share on twitter",
        "related",
        "related posts",
        "related articles",
        "related stories",
        "you may also like",
        "you might also like",
        "recommended",
        "read more",
        "read more:",
        "continue reading",
        "comments",
        "leave a comment",
        "leave a reply",
        "loading...",
        "tags",
        "tags:",
        "print",
        "email",
        "back to top",
    }
)
_LABEL_PREFIXES = ("share this", "tags:", "filed under", "posted in", "related:", "advertisement", "follow us")
_HEADINGS = "h1,h2,h3,h4,h5,h6"

_IMG_WORDS = re.compile(
    r"(?:^|[\s/_\-.])(?:logo|icon|favicon|avatar|gravatar|sprite|spacer|pixel|emoji|emoticon|smiley|badge|"
    r"button|btn|spinner|loader|loading|placeholder|blank|transparent|rating|stars?|social|share|feed|"
    r"facebook|twitter|pinterest|linkedin|whatsapp|instagram|advert|ads?|banner|tracking|beacon)s?"
    r"(?=$|[\s/_\-.?=0-9])",
    re.IGNORECASE,
)
MIN_IMAGE_SIDE = 50


def _detach(node: Any) -> None:
    node.decompose(recursive=False)


def _names(node: Any) -> str:
    attrs = node.attributes
    name = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
    return name[:500]


def _text_len(node: Any) -> int:
    return len(" ".join(node.text().split()))


def _link_len(node: Any) -> int:
    return sum(len(" ".join(a.text().split())) for a in node.css("a"))


def _class_weight(node: Any) -> int:
    name = _names(node)
    weight = 0
    if _POSITIVE.search(name):
        weight += 25
    if _HARD.search(name) or _SOFT.search(name):
        weight -= 25
    return weight


def remove_boilerplate(tree: LexborHTMLParser) -> None:
    """Steps 1-2: remove elements that are never content, and those named as boilerplate."""
    tree.strip_tags(JUNK_TAGS)
    for node in tree.css(JUNK_SELECTOR):
        if node.tag_id not in (HTML_ID, BODY_ID):
            _detach(node)
    body = tree.body
    body_len = None
    for node in tree.css(PATTERN_SELECTOR):
        if node.tag_id in (HTML_ID, BODY_ID):
            continue
        name = _names(node)
        hard = _HARD.search(name) or _HARD_PREFIX.search(name)
        if not hard and not _SOFT.search(name):
            continue
        if node.css_first(PROTECT_SELECTOR) is not None:
            continue
        if _POSITIVE.search(name):
            if not hard:
                continue
            if body_len is None:
                body_len = _text_len(body) if body is not None else 0
            if body_len and _text_len(node) >= 0.5 * body_len:
                continue
        _detach(node)


def _node_key(node: Any) -> int:
    return node.mem_id


def _initial_score(node: Any) -> float:
    tag = node.tag
    score = {"div": 5, "article": 10, "main": 5, "pre": 3, "td": 3, "blockquote": 3, "section": 2}.get(tag, 0)
    if tag in ("form", "ol", "ul", "dl", "dd", "dt", "li", "address"):
        score -= 3
    elif tag in ("h1", "h2", "h3", "h4", "h5", "h6", "th"):
        score -= 5
    return score + _class_weight(node)


def _link_density(node: Any) -> float:
    total = _text_len(node)
    return _link_len(node) / total if total else 0.0


def find_article(tree: LexborHTMLParser) -> tuple[Any | None, float, dict[int, float]]:
    """Step 3: the best-scoring container, its score, and every candidate's score."""
    scores: dict[int, float] = {}
    nodes: dict[int, Any] = {}
    for block in tree.css(SCORED_SELECTOR):
        text = " ".join(block.text().split())
        if len(text) < 25:
            continue
        score = 1 + text.count(",") + text.count("\u3001") + min(len(text) // 100, 3)
        ancestor = block.parent
        for level in range(3):
            if ancestor is None or ancestor.tag_id == HTML_ID:
                break
            key = _node_key(ancestor)
            if key not in scores:
                scores[key] = _initial_score(ancestor)
                nodes[key] = ancestor
            scores[key] += score / (1 if level == 0 else 2 if level == 1 else level * 3)
            ancestor = ancestor.parent
    best, best_score = None, 0.0
    for key, node in nodes.items():
        scores[key] *= 1 - _link_density(node)
        if scores[key] > best_score:
            best, best_score = node, scores[key]
    return best, best_score, scores


def _closest(node: Any, tag: str) -> Any | None:
    while node is not None:
        if node.tag == tag:
            return node
        node = node.parent
    return None


def _is_media_block(node: Any) -> bool:
    """A figure, picture or image, or a small wrapper of one (an image and its caption)."""
    if node.tag in ("figure", "picture", "img"):
        return True
    if node.css_first("img") is None:
        return False
    return _text_len(node) < 300 and _link_density(node) < 0.5


def _regions(best: Any, best_score: float, scores: dict[int, float]) -> list[Any]:
    """The article's container, or it with its good siblings, in document order."""
    article = _closest(best, "article")
    if article is not None and article.css_first("article") is None:
        return [article]
    parent = best.parent
    if parent is None or parent.tag_id == HTML_ID:
        return [best]
    threshold = max(10.0, best_score * 0.2)
    regions = []
    before = True
    best_key = _node_key(best)
    for sibling in parent.iter():
        key = _node_key(sibling)
        if key == best_key:
            regions.append(sibling)
            before = False
            continue
        if scores.get(key, 0.0) >= threshold:
            regions.append(sibling)
        elif sibling.tag == "p":
            text_len = _text_len(sibling)
            density = _link_density(sibling)
            if (text_len > 80 and density < 0.25) or (0 < text_len <= 80 and density == 0):
                regions.append(sibling)
        elif _is_media_block(sibling):
            regions.append(sibling)
        elif before and sibling.tag in ("h1", "h2", "header", "hgroup"):
            regions.append(sibling)
    return regions


def _is_label(text: str) -> bool:
    low = text.lower().strip(" \u00a0|:-\u2022")
    return low in BOILERPLATE_LABELS or (len(low) < 200 and low.startswith(_LABEL_PREFIXES))


def _has_article_image(node: Any) -> bool:
    for img in node.css("img"):
        attrs = img.attributes
        src = attrs.get("src") or attrs.get("data-src") or ""
        if keep_image(attrs, src):
            return True
    return False


def prune(region: Any) -> None:
    """Step 4: remove link-dense blocks, short link-only blocks and boilerplate labels, innermost first."""
    region_key = _node_key(region)
    for node in reversed(region.css(PRUNE_SELECTOR)):
        if _node_key(node) == region_key:
            continue
        text_len = _text_len(node)
        if text_len == 0:
            if node.css_first("img,picture") is None:
                _detach(node)
            continue
        density = _link_len(node) / text_len
        if density <= 0.25:
            if text_len < 200 and _is_label(" ".join(node.text().split())) and not _has_article_image(node):
                _detach(node)
            continue
        is_list = node.tag in ("ul", "ol", "dl")
        limit = 0.5 if is_list or text_len < 300 else 0.65
        if density > 0.8 or (density > limit and not _has_article_image(node)):
            _detach(node)
        elif text_len < 100 and not _has_article_image(node):
            _detach(node)
    for node in region.css("p," + _HEADINGS):
        text = " ".join(node.text().split())
        if text and len(text) < 200 and _is_label(text):
            _detach(node)


def main_regions(tree: LexborHTMLParser) -> list[Any]:
    """The pruned article region(s) of a page, in document order (the whole body when none stands out)."""
    remove_boilerplate(tree)
    best, best_score, scores = find_article(tree)
    if best is None:
        root = tree.body if tree.body is not None else tree.root
        regions = [root] if root is not None else []
    else:
        regions = _regions(best, best_score, scores)
    for region in regions:
        prune(region)
    return regions


def keep_image(attrs: dict[str, Any], src: str) -> bool:
    """Step 5: False for logos, icons, avatars, buttons, tracking pixels and other decoration."""
    if (attrs.get("role") or "").lower() == "presentation":
        return False
    if _IMG_WORDS.search(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"[:500]):
        return False
    path = src.split("?", 1)[0].split("#", 1)[0]
    if _IMG_WORDS.search(path[path.find("/", 8) :] if "://" in path else path):
        return False
    width, height = parse_size(attrs.get("width")), parse_size(attrs.get("height"))
    if (width is not None and width < MIN_IMAGE_SIDE) or (height is not None and height < MIN_IMAGE_SIDE):
        return False
    return True
