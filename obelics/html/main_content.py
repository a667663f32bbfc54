"""Main-content mode: find the article, prune the boilerplate around and inside it.

The approach of readability and trafilatura, on Lexbor with the heavy lifting in CSS selectors,
with a plausibility check (docs/extraction.md, "main-content mode"):

1. elements that are never content go: scripts, styles, forms' controls, ``nav``, ``aside``,
   page ``footer``s, ``header``s outside an article, hidden elements, navigation/banner/
   complementary ARIA roles (a header or hidden element that holds most of the page's text is
   the page or its article, and stays);
2. elements whose class or id names boilerplate (comments, share, social, related, sidebar,
   widget, cookie/consent banners, newsletter, breadcrumbs, pagination, ads, menus ...) go too,
   unless the name also says content (article, content, entry, post ...) and the boilerplate word
   is a weak one (sidebar, menu, header ...), or the element holds the article, or half of the
   page's article-like text (:mod:`obelics.html.text_blocks`), or is a figure;
3. the article is found by scoring text blocks (the text under each block element: length,
   commas) into their parents, weighted by class names and link density; the best container
   wins, grown to its ``<article>`` (with the headline and hero image right above it) when it
   sits in one, else joined by siblings that score well, lead figures and the headline before
   it; a list of posts keeps every post;
4. plausibility: a choice holding far less article-like text than the page's densest
   article-like region is replaced by that region, or widened into it, and the prose that
   continues the article around the choice joins it (:func:`plausible`); an article region
   without its headline gets it from just above (:func:`_with_headline`); lightbox galleries
   beside the article join it (:func:`with_galleries`);
5. inside the article, blocks dense in links (related lists, tag clouds), short link-only blocks,
   rows of links, small forms, the author's box and boilerplate labels ("Share this",
   "Advertisement", "Related posts", "Post a comment") are removed, a boilerplate heading (or a
   paragraph that titles teasers) with its section;
6. images are kept where they stand, whatever their names say, unless no reader sees them
   (spacers, tracking pixels), they are bare icons or avatars (:func:`keep_image`), or they sit
   in a link-dense block of the article (:func:`drop_linked_block_images`); a ``<noscript>``
   that holds an image stays for the walk, which keeps it when it is a lazy image's fallback;
7. the images of the article's container as a reader view sees it join the article where they
   stand, and images of the text regions outside it go (:mod:`obelics.html.content_images`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from obelics.html.content_images import (
    choose_content_images,
    drop_other_images,
    rescue_table_images,
    with_content_images,
)
from obelics.html.media import only_element_child, parse_size
from obelics.html.simplify import BODY_ID, COMMENT_ID, HTML_ID, TEXT_ID, tag_id
from obelics.html.text_blocks import GOOD_BLOCK_LENGTH, TextBlocks, nonspace

JUNK_TAGS = [
    "script",
    "style",
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
# Lexbor's attribute-value selectors are slow (tens of microseconds per element for a list of them),
# so one cheap selector finds every element with a telling attribute and Python decides.
ATTRIBUTE_SELECTOR = "[class],[id],[hidden],[aria-hidden],[style],[role]"
_HIDING_ATTRIBUTES = frozenset({"hidden", "aria-hidden", "role", "style"})  # what _hidden reads
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
        "taboola", "yarpp", "login", "print", "rss", "editsection",
    }
)  # fmt: skip
# Name prefixes that are boilerplate whatever follows ("commentlist", "socialicons", "relatedposts").
HARD_PREFIXES = ("comment", "share", "social", "related", "cookie", "advert", "sponsor", "newsletter")
SOFT_WORDS = frozenset(
    {
        "sidebar", "widget", "menu", "nav", "navbar", "navigation", "footer", "header", "masthead", "banner",
        "byline", "meta", "tag", "tags", "taglist", "tagcloud", "author", "toolbar", "skip", "ad", "ads",
        "adsense", "dfp", "stories", "next", "prev", "previous",
    }
)  # fmt: skip
POSITIVE_PREFIXES = ("article", "content", "entry", "main", "post", "story", "body", "text", "blog", "prose")
_NAME_SPLIT = re.compile(r"[^a-z0-9]+")


_CLASSIFIED: dict[str, tuple[bool, bool, bool]] = {}


def classify_name(name: str) -> tuple[bool, bool, bool]:
    """``(hard, soft, positive)``: whether a class/id string names hard or soft boilerplate, or content."""
    found = _CLASSIFIED.get(name)
    if found is None:
        found = _classify(name)
        if len(_CLASSIFIED) > 50_000:  # class names repeat across pages of a site; keep the cache bounded
            _CLASSIFIED.clear()
        _CLASSIFIED[name] = found
    return found


# A name's verdict is the union of its tokens' verdicts; tokens ("col", "md", "wrapper") repeat across
# sites far more than whole names do, so each token is judged once.
_HARD, _SOFT, _POSITIVE = 1, 2, 4
_VERDICTS = tuple((bool(f & _HARD), bool(f & _SOFT), bool(f & _POSITIVE)) for f in range(8))
_TOKEN_FLAGS: dict[str, int] = {}


def _classify(name: str) -> tuple[bool, bool, bool]:
    flags = 0
    known = _TOKEN_FLAGS
    for token in _NAME_SPLIT.split(name.lower()):
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
    if token in HARD_WORDS or stem in HARD_WORDS or token.startswith(HARD_PREFIXES):
        flags = _HARD
    elif token in SOFT_WORDS or stem in SOFT_WORDS:
        flags = _SOFT
    if token.startswith(POSITIVE_PREFIXES):
        flags |= _POSITIVE
    return flags


# Soft words that name a place in the layout (a header, a menu bar, a line of metadata), never a
# box of prose: such an element that holds a long article-like block is misnamed (a CMS's
# "link_header" cell of news summaries). Sidebars and widgets do hold prose (an "about" blurb).
LAYOUT_WORDS = frozenset({"header", "masthead", "banner", "menu", "nav", "navbar", "navigation", "meta", "toolbar"})
PROSE_BLOCK = 200
SIDEBAR_WORDS = frozenset({"sidebar", "sidebars"})


def _names_layout_only(name: str) -> bool:
    """Whether every soft boilerplate word of a class/id string is a layout word."""
    found = False
    for token in _NAME_SPLIT.split(name.lower()):
        stem = token[:-1] if token.endswith("s") else token
        if token in SOFT_WORDS or stem in SOFT_WORDS:
            if token not in LAYOUT_WORDS and stem not in LAYOUT_WORDS:
                return False
            found = True
    return found


PROTECT_SELECTOR = "article,main,[itemprop=articleBody],[role=main]"

# Blocks whose text scores their ancestors: paragraphs, and the elements that hold text directly
# as paragraphs do (a div of text lines), not list items, headings or captions.
SCORED_TAGS = frozenset({"p", "pre", "td", "blockquote", "div", "section", "article", "center", "dd", "font"})
_SCORED_IDS = frozenset(tag_id(tag) for tag in SCORED_TAGS)
_LI_ID = tag_id("li")
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
        "topics",
        "topics:",
        "more on this topic",
        "read also",
        "see also:",
        "see also",
        # section titles of what follows an article: comments and their forms, teasers, ads, the author
        "post a comment", "add a comment", "add your comment", "write a comment", "leave a comment:",
        "have your say", "add your view", "reader comments", "readers' comments", "your comments",
        "join the discussion", "join the conversation", "discussion", "responses", "trackbacks",
        "trackback pings", "sponsored links", "ads by google", "related links", "related content",
        "related coverage", "related news", "related posts:", "related articles:", "related stories:",
        "more news", "latest news", "more stories", "top stories", "also in the news", "most popular",
        "most read", "most viewed", "don't miss", "editor's picks", "popular posts", "recent posts",
        "recent comments", "about the author", "about the authors", "story tools", "article tools",
        "share this story", "share this post", "share this page", "email this article", "e-mail article",
        "email article", "print article", "print this article", "print this page", "printer friendly",
        "printer-friendly", "printer friendly page", "printer-friendly version", "print-friendly",
        "continue reading the main story", "view larger image", "enlarge image", "click to enlarge",
        "hide caption", "skip to next paragraph", "skip to comments", "view comments", "print version",
        "email to a friend", "e-mail to a friend", "send to a friend", "pin it", "do you have comments on this story?",
        "newsletter", "sign up for our newsletter", "subscribe to our newsletter", "up to top", "top of page",
        "return to top", "back to story", "email-a-friend", "* required fields", "required fields",
        # the same labels in the languages most common in web crawls after English
        "werbung", "anzeige", "teilen", "artikel teilen", "kommentare", "themen", "themen:", "mehr zum thema",
        "schon gelesen?", "auch lesen:", "lesen sie auch", "lesen sie auch:", "weitere artikel",
        "ähnliche artikel", "verwandte artikel", "das könnte sie auch interessieren",
        "das könnte sie auch interessieren!", "das könnte sie auch interessieren:",
        "publicité", "partager", "commentaires", "lire aussi", "à lire aussi", "articles similaires",
        "sur le même sujet", "publicidad", "compartir", "comentarios", "lee también", "te puede interesar",
        "artículos relacionados", "noticias relacionadas", "reklama", "udostępnij", "komentarze",
        "czytaj także", "zobacz także", "czytaj też", "pubblicità", "condividi", "commenti", "leggi anche",
        "articoli correlati",
        "über den autor", "über die autorin", "mehr aus dem channel", "themen im artikel", "zum weiterlesen",
        "weiterlesen", "auch interessant", "quellen ausblenden", "kommentar schreiben", "kommentieren",
        "à propos de l'auteur", "sobre el autor", "vea también", "lea también", "ver también",
    }
)  # fmt: skip
_LABEL_PREFIXES = (
    "share this", "tags:", "filed under", "posted in", "related:", "advertisement", "follow us",
    "was this article", "did you find this", "rate this", "lesen sie auch", "mehr zum thema", "das könnte sie",
    "war der artikel", "wie bewerten sie", "möchten sie den artikel", "lire aussi", "à lire aussi",
    "lee también", "artículos relacionados", "czytaj także", "zobacz także", "leggi anche",
    "your email address will not be published", "your e-mail address will not be published",
    "comments are closed", "comments are now closed", "comments for this", "there are currently no comments",
    "there are no comments", "be the first to comment", "you must be logged in to post a comment",
    "send this article to", "email this story", "e-mail this story", "email this article", "e-mail this article",
    "subscribe to rss", "click here to print", "auch lesen:", "vea también:", "lea también:",
    "materiał chroniony prawem", "related posts", "related articles", "related stories", "related topics",
    "tagged as:", "tagged with:", "this entry was posted", "a version of this article appeared in print",
    "sign up for our newsletter", "sign up to our newsletter", "sign-up to the newsletter", "sign up to the newsletter",
    "subscribe to our newsletter", "don't miss a post", 'continue reading "', "continue reading “", "see also:", "read more by",
    "more articles by", "view all articles by", "about the author", "if you enjoyed this article",
    "follow us on", "follow @", "subscribe now to", "subscribe to read", "to read the full story",
    "to view the full story", "to read this article in full", "for free access to this article",
    "if you're already a subscriber", "if you are already a subscriber", "already a subscriber?",
)  # fmt: skip
_HEADINGS = "h1,h2,h3,h4,h5,h6"
_HEADING_TAGS = frozenset(_HEADINGS.split(","))
_HEADING_IDS = frozenset(tag_id(tag) for tag in _HEADING_TAGS)

IMG_WORDS = frozenset(
    {
        "logo", "icon", "favicon", "avatar", "gravatar", "sprite", "spacer", "pixel", "emoji", "emoticon",
        "smiley", "badge", "button", "btn", "spinner", "loader", "loading", "placeholder", "blank",
        "transparent", "rating", "star", "social", "share", "feed", "facebook", "twitter", "pinterest",
        "linkedin", "whatsapp", "instagram", "advert", "ad", "banner", "tracking", "beacon",
    }
)  # fmt: skip
_IMG_SPLIT = re.compile(r"[^a-z]+")
# Names of images no reader sees (spacers, tracking pixels, web beacons), and of the pictures of
# people beside a byline or a comment (avatars), which are no part of the article.
INVISIBLE_IMG_WORDS = frozenset(
    {"spacer", "pixel", "tracking", "tracker", "beacon", "blank", "transparent", "clear", "avatar", "gravatar"}
)


def _invisible_words(text: str) -> bool:
    for token in _IMG_SPLIT.split(text.lower()):
        if token and (token in INVISIBLE_IMG_WORDS or (token[-1] == "s" and token[:-1] in INVISIBLE_IMG_WORDS)):
            return True
    return False


def _img_words(text: str) -> bool:
    for token in _IMG_SPLIT.split(text.lower()):
        if token and (token in IMG_WORDS or (token[-1] == "s" and token[:-1] in IMG_WORDS)):
            return True
    return False


# Declared sizes that mark decoration: a side of at most SPACER_SIDE pixels (spacers, pixels, rules),
# or both sides under ICON_SIDE with no alt text (bullets, icons). A small image with an alt text
# (an inline formula, a symbol) or of a declared content size is content.
SPACER_SIDE = 10
ICON_SIDE = 32


def _detach(node: Any) -> None:
    node.decompose(recursive=False)


def _names(node: Any) -> str:
    return _attribute_names(node.attributes) or " "


def _attribute_names(attrs: dict[str, Any]) -> str | None:
    """An element's class and id, as one string (its first 500 characters); None without either."""
    class_name = attrs.get("class")
    element_id = attrs.get("id")
    if not class_name and not element_id:
        return None
    return f"{class_name or ''} {element_id or ''}"[:500]


def _text_len(node: Any) -> int:
    return nonspace(node.text())


class LinkText:
    """Length of the link text under every element, gathered once from the ``<a>`` elements up."""

    def __init__(self, root: Any) -> None:
        self.lengths: dict[int, int] = {}
        lengths = self.lengths
        for link in root.css("a"):
            n = nonspace(link.text())
            node = link
            while n and node is not None:
                key = node.mem_id
                lengths[key] = lengths.get(key, 0) + n
                node = node.parent

    def __call__(self, node: Any) -> int:
        return self.lengths.get(node.mem_id, 0)

    def density(self, node: Any, text_len: int | None = None) -> float:
        total = _text_len(node) if text_len is None else text_len
        return self(node) / total if total else 0.0

    def removed(self, node: Any) -> None:
        """Forget the links of a node about to be removed, in its ancestors' sums."""
        n = self(node)
        ancestor = node.parent
        while n and ancestor is not None:
            key = ancestor.mem_id
            self.lengths[key] = self.lengths.get(key, 0) - n
            ancestor = ancestor.parent


def _class_weight(node: Any) -> int:
    hard, soft, positive = classify_name(_names(node))
    return (25 if positive else 0) - (25 if hard or soft else 0)


def _hidden(attrs: dict[str, Any]) -> bool:
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


# A <noscript> holding an image and at most this much text is an image's fallback.
NOSCRIPT_IMAGE_TEXT = 80


def _strip_junk(tree: LexborHTMLParser) -> None:
    """Step 1's tags go, with their content; a ``<noscript>`` that holds most of the page's text
    (a page served whole to readers without scripts) is unwrapped instead, and a ``<header>`` that
    holds it (a page wrapped in one) stays."""
    body = tree.body
    body_len = None
    for noscript in tree.css("noscript"):
        length = _text_len(noscript)
        if length < MIN_ARTICLE_TEXT:
            # An image's fallback stays for the walk to judge (a lazy image's plain twin is kept,
            # an ad's or a tracker's is not); a notice ("enable JavaScript") goes.
            if length > NOSCRIPT_IMAGE_TEXT or noscript.css_first("img,picture") is None:
                _detach(noscript)
            continue
        if body is not None:
            if body_len is None:
                body_len = _text_len(body)
            if length >= 0.5 * body_len:
                noscript.unwrap()
                continue
        _detach(noscript)
    tree.strip_tags(JUNK_TAGS)
    body_len = None
    for header in tree.css("header"):
        ancestor = header.parent
        while ancestor is not None and ancestor.tag not in ("article", "main"):
            ancestor = ancestor.parent
        if ancestor is not None:
            continue
        length = _text_len(header)
        if length >= MIN_ARTICLE_TEXT and body is not None:
            if body_len is None:
                body_len = _text_len(body)
            if length >= 0.5 * body_len:
                continue  # a "header" that wraps the page
        _detach(header)


def remove_boilerplate(
    tree: LexborHTMLParser, before_removal: Callable[[TextBlocks, list[Any]], None] | None = None
) -> TextBlocks | None:
    """Steps 1-2: remove elements that are never content, and those named as boilerplate.

    Returns the text blocks of what is left (None for a page without body). ``before_removal`` is
    called with the page's text blocks and the named elements to remove, before they go."""
    _strip_junk(tree)
    body = tree.body
    if body is None:
        return None
    blocks = TextBlocks(body)  # before the names are judged: what each element holds
    suspects, protected = _suspects(tree)
    # Shares are taken of the article-like text, or of all the text on a page with little of it.
    need_good = 0.5 * blocks.total_good if blocks.total_good >= 2 * GOOD_BLOCK_LENGTH else None
    removed: list[Any] = []
    for node, names in suspects:
        key = node.mem_id
        if names is None:
            # Hidden boxes are menus, dialogs and templates; but one that holds most of the page's
            # article-like text is the article behind a script (a paywall, a tab, "read more").
            if blocks.total_good < MIN_ARTICLE_TEXT or blocks.good.get(key, 0) < 0.5 * blocks.total_good:
                removed.append(node)
            continue
        hard, _, positive = classify_name(names)
        if key in protected or (positive and not hard):
            continue
        if _in_figure(node):
            continue  # a figure is content whatever its class says ("figure__popup", "share-image")
        if node.tag_id in _HEADING_IDS and _is_label(" ".join(node.text().split())):
            continue  # a "Comments" heading stays for the pruning, which removes it with its section
        if positive or not hard:
            # A name is a weak clue against the text: an element that holds most of the page's
            # text, or of its article-like text, is not a sidebar or a menu whatever a theme
            # calls it ("one-sidebar-right", "js-social-images content").
            if need_good is not None:
                if blocks.good.get(key, 0) >= need_good and not _sidebar_blurb(node, blocks):
                    continue
            elif blocks.text_share(node) >= 0.5:
                continue
            if not hard and blocks.good.get(key, 0) >= PROSE_BLOCK and _names_layout_only(names):
                if any(e[1] >= PROSE_BLOCK for e in blocks.blocks_under(node)):
                    continue
        removed.append(node)
    if before_removal is not None:
        before_removal(blocks, removed)
    if removed:
        blocks.drop_under({node.mem_id for node in removed})
        for node in reversed(removed):  # innermost first
            _detach(node)
    return blocks


def _suspects(tree: LexborHTMLParser) -> tuple[list[tuple[Any, str | None]], set[int]]:
    """In document order, the hidden elements (with None) and those whose class/id names boilerplate
    (with those names); and the keys of the elements that hold the article and of their ancestors,
    which are never removed."""
    protected: set[int] = set()
    for holder in tree.css(PROTECT_SELECTOR):
        while holder is not None and holder.mem_id not in protected:
            protected.add(holder.mem_id)
            holder = holder.parent
    suspects: list[tuple[Any, str | None]] = []
    # Lexbor lists an element once per selector it matches; <html> and <body> are never judged.
    seen = {tree.root.mem_id, tree.body.mem_id}
    verdicts = _CLASSIFIED
    for node in tree.css(ATTRIBUTE_SELECTOR):
        key = node.mem_id
        if key in seen:
            continue
        seen.add(key)
        attrs = node.attributes
        if not _HIDING_ATTRIBUTES.isdisjoint(attrs) and _hidden(attrs):
            suspects.append((node, None))
            continue
        class_name = attrs.get("class")
        element_id = attrs.get("id")
        if class_name or element_id:  # (as _attribute_names, inline: this loop sees most elements)
            names = f"{class_name or ''} {element_id or ''}"[:500]
            hard, soft, _ = verdicts.get(names) or classify_name(names)
            if hard or soft:
                suspects.append((node, names))
    return suspects, protected


def _hard_boilerplate(node: Any) -> bool:
    """Hidden, or named by a hard boilerplate word (ads, sharing, comments): no image in it is content."""
    attrs = node.attributes
    return _hidden(attrs) or classify_name(_attribute_names(attrs) or " ")[0]


def _sidebar_blurb(node: Any, blocks: TextBlocks) -> bool:
    """An element named a sidebar whose article-like text is one block: the profile or the site's
    self-description beside a short post, not a theme's wrapper ("one-sidebar-right") around
    the paragraphs of an article."""
    if not any(t in SIDEBAR_WORDS for t in _NAME_SPLIT.split(_names(node).lower())):
        return False
    return len(blocks.blocks_under(node)) < 2


_FIGURE_IDS = frozenset({tag_id("figure"), tag_id("picture"), tag_id("img")})


def _in_figure(node: Any) -> bool:
    """The element is a figure, a picture or an image, or lies within a few levels of a figure."""
    for _ in range(4):
        if node is None:
            return False
        if node.tag_id in _FIGURE_IDS:
            return True
        node = node.parent
    return False


_TAG_SCORES = {"div": 5, "article": 10, "main": 5, "pre": 3, "td": 3, "blockquote": 3, "section": 2}
_LIST_LIKE_TAGS = frozenset({"form", "ol", "ul", "dl", "dd", "dt", "li", "address"})
_TITLE_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "th"})


def _initial_score(node: Any) -> float:
    tag = node.tag
    score = _TAG_SCORES.get(tag, 0)
    if tag in _LIST_LIKE_TAGS:
        score -= 3
    elif tag in _TITLE_TAGS:
        score -= 5
    return score + _class_weight(node)


def find_article(blocks: TextBlocks, links: LinkText) -> tuple[Any | None, float, dict[int, float]]:
    """Step 3: the best-scoring container, its score, and every candidate's score."""
    scores: dict[int, float] = {}
    nodes: dict[int, Any] = {}
    for block, length, _, commas in blocks.blocks.values():
        if block.tag_id not in _SCORED_IDS:
            continue
        score = 1 + commas + min(length // 85, 3)
        ancestor = block.parent
        for level in range(3):
            if ancestor is None or ancestor.tag_id == HTML_ID:
                break
            if ancestor.tag_id == _LI_ID:
                break  # a list item's text scores no container: a list is a widget or a part of one
            key = ancestor.mem_id
            if key not in scores:
                scores[key] = _initial_score(ancestor)
                nodes[key] = ancestor
            scores[key] += score / (1 if level == 0 else 2 if level == 1 else level * 3)
            ancestor = ancestor.parent
    best, best_score = None, 0.0
    lengths = _text_lengths(nodes)
    for key, node in nodes.items():
        scores[key] *= 1 - links.density(node, lengths[key])
        if scores[key] > best_score:
            best, best_score = node, scores[key]
    return best, best_score, scores


def _text_lengths(nodes: dict[int, Any]) -> dict[int, int]:
    """:func:`_text_len` of each given element (by key). Candidates nest (a block's parent,
    grandparent and great-grandparent), so one that holds others adds up its children's lengths
    rather than reading all their text again."""
    holders = set()
    for node in nodes.values():
        parent = node.parent
        if parent is not None:
            holders.add(parent.mem_id)
    lengths: dict[int, int] = {}
    for key, node in nodes.items():
        if key not in lengths:
            _summed_length(node, nodes, holders, lengths)
    return lengths


def _summed_length(node: Any, nodes: dict[int, Any], holders: set[int], lengths: dict[int, int]) -> int:
    """One element's text length, its children's added up when it holds given ones (kept in ``lengths``)."""
    key = node.mem_id
    if key not in holders:
        n = nonspace(node.text())
    else:
        n = 0
        for child in node.iter(include_text=True):
            if child.tag_id == TEXT_ID:
                n += nonspace(child.text_content or "")
            elif child.is_element_node:
                child_key = child.mem_id
                n += lengths[child_key] if child_key in lengths else _summed_length(child, nodes, holders, lengths)
    if key in nodes:
        lengths[key] = n
    return n


def _closest(node: Any, tag: str) -> Any | None:
    while node is not None:
        if node.tag == tag:
            return node
        node = node.parent
    return None


def _is_media_block(node: Any, links: LinkText) -> bool:
    """A figure, picture or image, or a small wrapper of one (an image and its caption)."""
    if node.tag in ("figure", "picture", "img"):
        return True
    if node.css_first("img") is None:
        return False
    text_len = _text_len(node)
    return text_len < 250 and links.density(node, text_len) < 0.5


def _lead_media(region: Any, links: LinkText) -> bool:
    """A region that is a lightbox gallery, or a single picture with its caption (a hero image)."""
    if _is_gallery(region):
        return True
    return _is_media_block(region, links) and len(region.css("img")) == 1


def _lead(container: Any, links: LinkText) -> list[Any]:
    """The headline and lead media right before a container (a hero image above the article)."""
    lead: list[Any] = []
    sibling = container.prev
    while sibling is not None and len(lead) < 3:
        tid = sibling.tag_id
        if tid == TEXT_ID:
            text = sibling.text_content
            if text and not text.isspace():
                break
        elif tid != COMMENT_ID:
            if sibling.tag in ("h1", "h2", "header", "hgroup") or _is_media_block(sibling, links):
                lead.append(sibling)
            else:
                break
        sibling = sibling.prev
    return lead[::-1]


# The headline of an article above its region: a heading, or a short box holding one (a title with
# its date and byline), before the region or before one of its first ancestors, with only short
# lines (a date, a byline; passed over) or a standfirst (kept) between.
HEADLINE_TAGS = frozenset({"h1", "h2", "h3"})
HEADLINE_SELECTOR = "h1,h2,h3"
HEADLINE_LEVELS = 4
HEADLINE_BOX_TEXT = 300
HEADLINE_LINE_TEXT = 200
HEADLINE_GAP_TEXT = 400
_HEADLINE_NAME = re.compile(r"title|headline|heading", re.IGNORECASE)


def _headline_box(node: Any, links: LinkText) -> bool:
    """Whether an element is a headline: a heading, a short element named as a title or a
    headline, a short bold line, or a short box holding one of them and few links (not a table of
    contents)."""
    if node.tag in HEADLINE_TAGS:
        return _text_len(node) > 0
    length = _text_len(node)
    if not 0 < length <= HEADLINE_BOX_TEXT or links.density(node, length) > 0.5:
        return False
    if node.css_first(HEADLINE_SELECTOR) is not None:
        return True
    if length > HEADLINE_LINE_TEXT:
        return False
    element = node
    while element is not None:  # the line, or the element that a wrapper (a table row) holds alone
        if _HEADLINE_NAME.search(_names(element)):
            return True
        element = only_element_child(element)
    bold = node if node.tag in ("b", "strong") else node.css_first("b,strong")
    return bold is not None and _text_len(bold) == length


def _opens_with_heading(region: Any) -> bool:
    """Whether the first text of a region is a heading's (h1-h3): the region has its headline."""
    key = region.mem_id
    for node in region.traverse(include_text=True):
        if node.tag_id != TEXT_ID:
            continue
        text = node.text_content
        if not text or text.isspace():
            continue
        while node is not None:
            if node.tag in HEADLINE_TAGS:
                return True
            if node.mem_id == key:
                return False
            node = node.parent
        return False
    return False


def _with_headline(group: list[Any], links: LinkText) -> list[Any]:
    """The regions with the article's headline above them (:data:`HEADLINE_LEVELS` levels up at
    most) and the short lines between, when the regions hold no ``<h1>`` of their own and do not
    open with a heading; link-dense lines between (a share bar) are passed over."""
    for region in group:
        if region.tag == "h1" or region.css_first("h1") is not None:
            return group
    if _opens_with_heading(group[0]):
        return group
    node = group[0]
    between: list[Any] = []
    gap = 0
    for _ in range(HEADLINE_LEVELS):
        level: list[Any] = []
        sibling = node.prev
        while sibling is not None:
            tid = sibling.tag_id
            if tid == TEXT_ID:
                text = sibling.text_content
                gap += nonspace(text) if text else 0
            elif tid != COMMENT_ID:
                if _headline_box(sibling, links):
                    return [sibling, *level[::-1], *between, *group]
                length = _text_len(sibling)
                gap += length
                if length >= GOOD_BLOCK_LENGTH and links.density(sibling, length) <= 0.5:
                    level.append(sibling)
            if gap > HEADLINE_GAP_TEXT:
                return group
            sibling = sibling.prev
        between = [*level[::-1], *between]
        node = node.parent
        if node is None or node.tag_id in (HTML_ID, BODY_ID):
            break
    return group


def _posts(best: Any, links: LinkText) -> list[list[Any]] | None:
    """When the best container sits in an ``<article>``: that article (with its lead), or every
    substantial sibling article when the page is a list of posts (a blog's front page)."""
    article = _closest(best, "article")
    if article is None or len(article.css("article")) > 1:
        return None
    parent = article.parent
    siblings = [a for a in parent.iter() if a.tag == "article"] if parent is not None else [article]
    if len(siblings) > 1:
        floor = max(150, 0.25 * _text_len(article))
        posts = [a for a in siblings if a.mem_id == article.mem_id or _text_len(a) >= floor]
        if len(posts) > 1:
            return [[post] for post in posts]
    return [[*_lead(article, links), article]]


def _regions(best: Any, best_score: float, scores: dict[int, float], links: LinkText) -> list[Any]:
    """The best container with its good siblings, in document order."""
    parent = best.parent
    if parent is None or parent.tag_id == HTML_ID:
        return [best]
    threshold = max(10.0, best_score * 0.2)
    regions = []
    before = True
    best_key = best.mem_id
    for sibling in parent.iter():
        key = sibling.mem_id
        if key == best_key:
            regions.append(sibling)
            before = False
            continue
        if scores.get(key, 0.0) >= threshold:
            regions.append(sibling)
        elif sibling.tag == "p":
            text_len = _text_len(sibling)
            density = links.density(sibling, text_len)
            if (text_len > 70 and density < 0.25) or (0 < text_len <= 70 and density == 0):
                regions.append(sibling)
        elif _is_media_block(sibling, links):
            regions.append(sibling)
        elif before and sibling.tag in ("h1", "h2", "header", "hgroup"):
            regions.append(sibling)
    return regions


IMAGE_FILE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".tif", ".tiff")
GALLERY_LEVELS = 3
GALLERY_MAX_TEXT = 300


def _is_gallery(node: Any) -> bool:
    """A figure or an image, or images with little text, each linked to its own full-size file (a
    lightbox gallery), with no link to another page (a teaser list of thumbnails links to pages)."""
    if node.tag in ("img", "picture", "figure"):
        return True
    images = node.css("img")
    if not images or _text_len(node) > GALLERY_MAX_TEXT * len(images):
        return False
    to_files = 0
    for link in node.css("a"):
        href = (link.attributes.get("href") or "").split("?", 1)[0].split("#", 1)[0].strip().lower()
        if not href.endswith(IMAGE_FILE_SUFFIXES):
            return False
        to_files += 1
    return to_files > 0 and any(_has_article_image(img.parent) for img in images if img.parent is not None)


def with_galleries(group: list[Any]) -> list[Any]:
    """The regions of an article with the galleries that sit beside it: siblings of the regions
    or of their ancestors (a few levels up) that are galleries (:func:`_is_gallery`)."""
    if not group:
        return group
    first, last = group[0], group[-1]
    inside = {node.mem_id for node in group}
    before: list[Any] = []
    after: list[Any] = []
    low, high = first, last
    for _ in range(GALLERY_LEVELS):
        parent = low.parent
        if parent is None or parent.tag_id in (HTML_ID, BODY_ID) or high.parent is None:
            break
        if high.parent.mem_id != parent.mem_id:
            break
        found_before: list[Any] = []
        sibling = low.prev
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID) and sibling.mem_id not in inside and _is_gallery(sibling):
                found_before.append(sibling)
            sibling = sibling.prev
        sibling = high.next
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID) and sibling.mem_id not in inside and _is_gallery(sibling):
                after.append(sibling)
            sibling = sibling.next
        before = found_before[::-1] + before
        low = high = parent
    if not before and not after:
        return group
    return [*before, *group, *after]


def _is_label(text: str) -> bool:
    low = text.lower().strip(" \u00a0|:-\u2022")
    if low in BOILERPLATE_LABELS:
        return True
    if len(low) >= 200:
        return False
    # (the first characters rule out most lines before the prefixes and patterns are tried)
    if low[:_PREFIX_HEAD] in _LABEL_PREFIX_HEADS and low.startswith(_LABEL_PREFIXES):
        return True
    if len(low) < 120 and (low[:1].isdigit() or low[:1] in "onrctp") and _COUNTED_SECTION.match(low) is not None:
        return True
    return ("permalink" in low or "trackback" in low) and _POST_FOOTER.search(low) is not None


_PREFIX_HEAD = min(len(prefix) for prefix in _LABEL_PREFIXES)
_LABEL_PREFIX_HEADS = frozenset(prefix[:_PREFIX_HEAD] for prefix in _LABEL_PREFIXES)


# A blog post's footer line: "Posted by Ann at 04:29 PM | Permalink | Comments (0) | TrackBack (0)".
_POST_FOOTER = re.compile(r"\|\s*permalink\b|\bpermalink\s*\||\bcomments\s*\(\d+\)\s*\|\s*trackback")


# Labels of an advertisement: a block that holds one and an image is an ad banner, image and all.
AD_LABELS = frozenset(
    {
        "advertisement", "advertisements", "advertising", "sponsored", "ad", "ads", "anzeige", "werbung",
        "publicité", "publicidad", "reklama", "pubblicità",
    }
)  # fmt: skip


def _is_ad_label(text: str) -> bool:
    return text.lower().strip(" \u00a0|:-\u2022") in AD_LABELS


def _has_article_image(node: Any) -> bool:
    for img in node.css("img"):
        attrs = img.attributes
        src = attrs.get("src") or attrs.get("data-src") or ""
        if content_image(attrs, src):
            return True
    return False


def prune(region: Any, links: LinkText) -> None:
    """Step 5: remove boilerplate labels (a heading or a title paragraph with its section), rows of
    links and the author's box first; then link-dense blocks, short link-only blocks, small forms
    and label blocks (an ad label with its banner), innermost first."""
    region_key = region.mem_id
    gone: set[int] = set()  # what went with the section of a heading before it
    for node in region.css("p," + _HEADINGS):
        if node.mem_id in gone or node.mem_id == region_key:
            continue  # (a region's siblings are no section of it; the choice judged the region itself)
        text = node.text()
        label = " ".join(text.split()) if len(text) < 250 else ""
        if label and _is_label(label):
            opens = node.tag != "p" or _opens_section(label)
        elif node.tag == "p" and (
            (label and _link_row(node, nonspace(text), links))
            or (AUTHOR_BOX_TEXT[0] <= len(text) < 2 * AUTHOR_BOX_TEXT[1] and _author_box(node, nonspace(text)))
        ):
            opens = False
        else:
            continue
        if node.css_first("table") is not None:
            continue  # a paragraph that holds a table is an old page's layout cell, not a line of text
        if opens:
            gone.update(_remove_section(node, links))
        links.removed(node)
        _detach(node)
    for node in reversed(region.css(PRUNE_SELECTOR)):
        if node.mem_id == region_key:
            continue
        text = node.text()
        text_len = nonspace(text)
        if text_len == 0:
            continue  # yields nothing but the images it may hold
        density = links(node) / text_len
        if _author_box(node, text_len):
            remove = True  # the box about the author: a bio, a photo, links to profiles
        elif node.tag == "form" and text_len < FORM_TEXT:
            remove = True  # a comment, search or sign-up form: what is left of it is its labels
        elif density <= 0.25:
            label = " ".join(text.split()) if text_len < 170 else ""  # (a long text is no label)
            remove = text_len < 170 and _is_label(label) and (_is_ad_label(label) or not _has_article_image(node))
        elif density > 0.8:
            remove = not _is_gallery(node)  # a lightbox gallery's captions link to its images
        elif density > (0.5 if text_len < 250 or node.tag in ("ul", "ol", "dl") else 0.65) or text_len < 85:
            remove = not _has_article_image(node) and not _annotated_links(node, links)
        else:
            remove = False
        if remove:
            if text_len < 60 and node.tag in ("div", "section", "center") and _opens_section(" ".join(text.split())):
                _remove_section(node, links)  # a "Related articles" box title in a div, and its teasers
            links.removed(node)
            _detach(node)


# Names of the box about a post's author, and the text it holds: more than a byline ("By Ann Berg,
# staff writer"), less than an article (an "about" page's biography).
AUTHOR_WORDS = frozenset({"bio", "bios", "biography", "authorbio", "authorbox", "authorinfo", "aboutauthor"})
AUTHOR_BOX_TEXT = (80, 600)


# "author-box", "authorInfo", "article-author", "about-the-author"; not a post named after its author
# ("entry_author_ann-berg").
_AUTHOR_BOX_NAME = re.compile(
    r"(?:^|[-_])(?:author[-_]?(?:box|info|bio|profile|details|description)|(?:about|article|post|entry)[-_](?:the[-_])?author)$"
)


def _author_box(node: Any, text_len: int) -> bool:
    if not AUTHOR_BOX_TEXT[0] <= text_len < AUTHOR_BOX_TEXT[1]:
        return False
    attrs = node.attributes
    if not ("class" in attrs or "id" in attrs):
        return False
    return _names_author(node)


def _names_author(node: Any) -> bool:
    names = _names(node).lower()
    if any(t in AUTHOR_WORDS for t in _NAME_SPLIT.split(names)):
        return True
    return any(_AUTHOR_BOX_NAME.search(name) is not None for name in names.split())


# A form holding less text than this is a comment, search or newsletter form, not a page wrapped in
# one (ASP.NET wraps the whole page in a form).
FORM_TEXT = 500
# A paragraph of at least LINK_ROW_LINKS links that are most of its short text is a row of links
# ("E-mail | Print | Share on Facebook", "Source: Reuters | AP"), not a sentence.
LINK_ROW_LINKS = 2
LINK_ROW_TEXT = 200
LINK_ROW_DENSITY = 0.8


_WORD = re.compile(r"[^\W\d_]{2,}")


def _link_row(node: Any, text_len: int, links: LinkText) -> bool:
    if not text_len or text_len >= LINK_ROW_TEXT or links(node) <= LINK_ROW_DENSITY * text_len:
        return False
    if len(node.css("a")) < LINK_ROW_LINKS or _has_article_image(node):
        return False
    # Between the links only separators ("|", "•", ","): a sentence whose words are mostly links (an
    # encyclopedia's first line) has words of its own between them. Text before the first link is
    # the row's title ("Tags:", "Share:").
    seen_link = False
    for text_node in node.traverse(include_text=True):
        if text_node.tag_id != TEXT_ID:
            continue
        ancestor, linked = text_node.parent, False
        while ancestor is not None and ancestor.mem_id != node.mem_id:
            if ancestor.tag == "a":
                linked = True
                break
            ancestor = ancestor.parent
        if linked:
            seen_link = True
        elif seen_link and _WORD.search(text_node.text_content or "") is not None:
            return False
    return True


ANNOTATED_LINK_TEXT = 60
ANNOTATED_NOTE_TEXT = 10


def _annotated_links(node: Any, links: LinkText) -> bool:
    """A list whose every item is a long, sentence-like link followed by a note of its own (a
    deal and its old price, a reference and its comment): content, not a menu or a teaser list."""
    if node.tag not in ("ul", "ol"):
        return False
    items = [child for child in node.iter() if child.tag == "li"]
    if not items:
        return False
    for item in items:
        item_len = _text_len(item)
        linked = links(item)
        if linked < ANNOTATED_LINK_TEXT or item_len - linked < ANNOTATED_NOTE_TEXT:
            return False
    return True


# Headings that open a section of boilerplate: "3 Comments", "12 responses to ...", "One reply".
_COUNTED_SECTION = re.compile(
    r"^(?:(\d+|one|no)\s+(comments?|responses?|replies|reply|trackbacks?|pingbacks?)\b"
    r"|(comments?|responses?|replies|trackbacks?|pingbacks?|reader views)\s*\(\d+\)$)"
)


# Labels that title a list of other pages, an ad or the author's box (not a line of tools, nor
# comments, which some pages are made of): a paragraph that holds only one of these opens a
# section as a heading does.
SECTION_LABELS = frozenset(
    {
        "related", "related posts", "related articles", "related stories", "related links", "related content",
        "related coverage", "related news", "you may also like", "you might also like", "recommended",
        "more on this topic", "read also", "see also", "more news", "latest news", "more stories", "top stories",
        "also in the news", "most popular", "most read", "most viewed", "don't miss", "editor's picks",
        "popular posts", "recent posts", "sponsored links", "ads by google", "about the author",
        "weitere artikel", "ähnliche artikel", "verwandte artikel", "mehr zum thema", "lesen sie auch",
        "das könnte sie auch interessieren", "auch interessant", "articles similaires", "sur le même sujet",
        "lire aussi", "à lire aussi", "artículos relacionados", "noticias relacionadas", "te puede interesar",
        "articoli correlati", "czytaj także", "zobacz także", "über den autor",
    }
)  # fmt: skip


def _opens_section(label: str) -> bool:
    low = label.lower().strip(" \u00a0|:-\u2022!?")
    return low in SECTION_LABELS


def _remove_section(heading: Any, links: LinkText) -> list[int]:
    """A boilerplate heading ("Related posts", "Comments") takes its section with it: the siblings
    after it up to the next heading of the same or a higher level, or up to a paragraph of prose
    right after a link list (a "read also" box set inside an article, whose text resumes after it).
    Returns the keys of the paragraphs and headings removed with it."""
    level = heading.tag if heading.tag in _HEADING_TAGS else "h7"  # a paragraph's section ends at any heading
    sibling = heading.next
    after_list = False
    removed: list[int] = []
    while sibling is not None:
        following = sibling.next
        tag = sibling.tag
        if tag in _HEADING_TAGS and tag <= level:
            break
        if sibling.tag_id not in (TEXT_ID, COMMENT_ID):
            text_len = _text_len(sibling)
            linked = links(sibling)
            if after_list and tag == "p" and text_len >= GOOD_BLOCK_LENGTH and linked <= 0.25 * text_len:
                break
            after_list = linked > 0.5 * text_len or (text_len == 0 and sibling.css_first("img") is not None)
            removed.append(sibling.mem_id)
            removed.extend(node.mem_id for node in sibling.css("p," + _HEADINGS))
            links.removed(sibling)
            _detach(sibling)
        sibling = following
    return removed


def main_regions(tree: LexborHTMLParser) -> list[list[Any]]:
    """The pruned article region(s) of a page, in document order, grouped by post.

    One group (the article, or the best container and its good siblings) for an article page;
    one group per post for a list of posts; the whole body when no container stands out.
    """
    blocks = remove_boilerplate(tree, _rescue_table_images)
    root = tree.body
    if root is None or blocks is None:
        return [] if tree.root is None else [[tree.root]]
    links = LinkText(root)
    best, best_score, scores = find_article(blocks, links)
    if best is None:
        groups = [[root]]
    else:
        groups = _posts(best, links) or [_regions(best, best_score, scores, links)]
    groups = plausible(groups, blocks, links)
    if len(groups) == 1:
        groups = [_with_headline(groups[0], links)]
    groups = [with_galleries(group) for group in groups]
    chosen = None
    if len(groups) == 1 and root.css_first("img") is not None:  # an article: its content images join it
        chosen = choose_content_images(blocks, root, links)
        groups = [with_content_images(groups[0], chosen)]
    for group in groups:
        for region in group:
            prune(region, links)
            drop_linked_block_images(region, links)
            if chosen is not None and (blocks.good.get(region.mem_id) or not _lead_media(region, links)):
                drop_other_images(region, chosen)
    return groups


def _rescue_table_images(blocks: TextBlocks, removed: list[Any]) -> None:
    """Before the named boilerplate goes: the images of a removed layout-table cell are copied out."""
    rescue_table_images(blocks.root, removed, _hard_boilerplate)


# Blocks whose images go when the block is dense in links (readability's conditional cleaning).
LINKED_BLOCK_TAGS = frozenset({"div", "section", "table", "form"})
LINKED_BLOCK_DENSITY = 0.2
LINKED_BLOCK_COMMAS = 10
DATA_TABLE_ROWS = 10


def _data_table(node: Any) -> bool:
    """A table of data (an infobox, a spec sheet), not of layout: it has a caption, header cells or
    many rows."""
    if node.tag != "table":
        return False
    return node.css_first("caption,th,thead,colgroup,tfoot") is not None or len(node.css("tr")) >= DATA_TABLE_ROWS


def drop_linked_block_images(region: Any, links: LinkText) -> None:
    """Step 6's link blocks: inside the article, the images of a block that is more than a fifth
    link text (a row of share or feed buttons, a teaser box, a "more from" strip) go, while its
    text stays to the text rules. A block of prose (ten commas or more), one named as content only,
    a figure's, a data table's (an infobox), a lightbox gallery (:func:`_is_gallery`) and a list
    keep theirs. Each block is judged once, from the images up."""
    region_key = region.mem_id
    verdicts: dict[int, bool] = {}
    for img in region.css("img"):
        node = img.parent
        while node is not None and node.mem_id != region_key:
            if node.tag in LINKED_BLOCK_TAGS:
                key = node.mem_id
                verdict = verdicts.get(key)
                if verdict is None:
                    verdict = verdicts[key] = _linked_block(node, links)
                if verdict:
                    _detach(img)
                    break
            node = node.parent


def _linked_block(node: Any, links: LinkText) -> bool:
    link_len = links(node)
    if not link_len:
        return False
    text = node.text()
    text_len = nonspace(text)
    if not text_len or link_len <= LINKED_BLOCK_DENSITY * text_len or text.count(",") >= LINKED_BLOCK_COMMAS:
        return False
    return not (_class_weight(node) > 0 or _in_figure(node) or _data_table(node) or _is_gallery(node))


# The plausibility check: the chosen region must hold at least this share of the article-like text
# of the page's densest article-like region (when that region holds enough of it to be an article).
MIN_ARTICLE_TEXT = 500
MIN_REGION_SHARE = 0.5
# The least article-like text of a region that replaces a choice holding none, or grows a fragment
# of itself, on a short page (a news brief of a few sentences, a home page's welcome text).
MIN_SHORT_ARTICLE_TEXT = 2 * GOOD_BLOCK_LENGTH
# Widening (the choice lies inside the densest region) adds what surrounds an article that was
# found, so it needs a weaker choice than replacing one that is elsewhere.
MIN_INNER_REGION_SHARE = 1 / 3
# A choice (not an <article>) that holds the densest region and this many times its text narrows to it.
NARROW_TEXT_RATIO = 2
# Levels above the densest region (or a choice holding it) where the prose around a choice still joins it.
SPLIT_LEVELS = 2


def plausible(groups: list[list[Any]], blocks: TextBlocks, links: LinkText) -> list[list[Any]]:
    """The chosen regions, or the page's densest article-like region when they are implausible.

    Scoring can pick a sign-in box, a teaser list or a site blurb over an article whose paragraphs
    it undervalues; the densest region (the deepest element holding most of the page's long,
    link-poor text blocks) then holds far more article-like text than the choice. It replaces the
    choice, or widens it when the choice lies inside it, with the headline right before it.
    A plausible single choice inside that region is widened too: the prose beside it (an article
    cell next to a richer teaser table) is part of the same region; and up to ``SPLIT_LEVELS``
    above the region (or above a choice that holds it), the prose before it joins (an article's
    first paragraphs beside a longer nested box: a quoted press release, a "show full text" block;
    a summary row above a review's cell), and so does prose of several paragraphs after it (the
    article's second part in the next table row, a timeline box below a news story). A choice
    that holds the region and more than ``NARROW_TEXT_RATIO`` times its text (besides an
    ``<article>``, the author's own bounds) narrows to the region, widened within the choice.
    """
    dense = blocks.densest_region()
    if dense is None:
        return groups
    dense_good = blocks.good.get(dense.mem_id, 0)
    regions = [region for group in groups for region in group]
    chosen = blocks.good_in(regions)
    if dense_good < MIN_SHORT_ARTICLE_TEXT:
        return groups
    inside = all(_inside(region, dense) for region in regions)
    if dense_good < MIN_ARTICLE_TEXT:
        # A short page (a news brief, a home page's welcome text): the region replaces a choice
        # with no article-like text at all (a footer line); a fragment of it (an event box, a
        # one-sentence post) grows by the prose around it, not into the sidebar the region may hold.
        if chosen == 0:
            return [[*_lead(dense, links), dense]]
        if inside and chosen < MIN_INNER_REGION_SHARE * dense_good and len(groups) == 1:
            return [_widen(regions, dense, blocks, links)]
        return groups
    if chosen >= MIN_REGION_SHARE * dense_good:
        if len(groups) != 1:
            return groups
        if inside:
            anchor = dense
        elif len(regions) == 1 and _inside(dense, regions[0]):
            if regions[0].tag != "article" and _text_len(regions[0]) > NARROW_TEXT_RATIO * _text_len(dense):
                # a box holding more other text than the article (a photo strip's credits, a
                # blogroll): the region, with the prose and the image blocks around it in the box
                return [_widen([dense], dense, blocks, links, regions[0], media=True)]
            anchor = regions[0]  # the choice holds the region: what lies around the choice
        else:
            return groups
        top = anchor
        for _ in range(SPLIT_LEVELS):
            parent = top.parent
            if parent is None or parent.tag_id in (HTML_ID, BODY_ID):
                break
            top = parent
        if chosen < dense_good or top is not anchor:
            return [_widen(regions, anchor, blocks, links, top)]
        return groups
    if chosen >= MIN_INNER_REGION_SHARE * dense_good and inside:
        # a weak choice inside the region: the prose around it joins, not the whole region
        return [_widen(regions, dense, blocks, links)] if len(groups) == 1 else groups
    return [[*_lead(dense, links), dense]]


def _is_prose(node: Any, blocks: TextBlocks, links: LinkText) -> bool:
    """Mostly article-like text, few links: more of the article, not a teaser list or a menu."""
    good = blocks.good.get(node.mem_id, 0)
    if not good:
        return False
    text_len = _text_len(node)
    return good >= 0.6 * text_len and links.density(node, text_len) < 0.2


def _widen(
    regions: list[Any], dense: Any, blocks: TextBlocks, links: LinkText, top: Any = None, media: bool = False
) -> list[Any]:
    """The regions with the prose around them: climbing from the regions to the densest region,
    the siblings at each level that are prose (:func:`_is_prose`) join, in document order; from
    there up to ``top``, the prose before them that holds no image, and the prose after them that
    holds at least two article-like blocks (the rest of the article, not a copyright line); with
    ``media``, the image blocks beside them too (:func:`_is_media_block`)."""
    out = list(regions)
    low, high = regions[0], regions[-1]
    dense_key = dense.mem_id
    top_key = dense_key if top is None else top.mem_id
    above = False  # past the densest region, stricter: an article's first part, or its second one
    while low.mem_id != top_key:
        if low.mem_id == dense_key:
            above = True
        parent = low.parent
        if parent is None or high.parent is None or high.parent.mem_id != parent.mem_id:
            break
        before: list[Any] = []
        sibling = low.prev
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID):
                if _is_prose(sibling, blocks, links):
                    if not above or sibling.css_first("img") is None:  # text, not a gallery
                        before.append(sibling)
                elif media and _is_media_block(sibling, links):
                    before.append(sibling)
            sibling = sibling.prev
        after: list[Any] = []
        sibling = high.next
        while sibling is not None:
            if sibling.tag_id not in (TEXT_ID, COMMENT_ID):
                if _is_prose(sibling, blocks, links):
                    if not above or len(blocks.blocks_under(sibling)) >= 2:
                        after.append(sibling)
                elif media and _is_media_block(sibling, links):
                    after.append(sibling)
            sibling = sibling.next
        out = [*before[::-1], *out, *after]
        low = high = parent
    return out


def _inside(node: Any, container: Any) -> bool:
    key = container.mem_id
    while node is not None:
        if node.mem_id == key:
            return True
        node = node.parent
    return False


def keep_image(attrs: dict[str, Any], src: str) -> bool:
    """Step 6: False for tracking pixels, spacers, rules and bare icons; every other image of the
    article stays.

    The article region is already free of the page's chrome, so an image in it is the article's
    whatever its name says (logo, icon, badge): a photo, a chart, a formula, an emoticon, a
    product's picture. What goes: a declared side of at most :data:`SPACER_SIDE` pixels, both
    sides under :data:`ICON_SIDE` without an alt text (bullets, arrows), or a name (class, id or
    URL path) that says spacer, pixel, beacon, tracking or avatar.
    """
    width, height = parse_size(attrs.get("width")), parse_size(attrs.get("height"))
    if (width is not None and width <= SPACER_SIDE) or (height is not None and height <= SPACER_SIDE):
        return False
    if width is not None and height is not None and width < ICON_SIDE and height < ICON_SIDE:
        alt = attrs.get("alt")
        if not (alt and alt.strip()):
            return False  # a bullet, an arrow or a flag icon; with an alt text, a formula or a symbol
    if _invisible_words(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"[:500]):
        return False
    path = src.split("?", 1)[0].split("#", 1)[0]
    return not _invisible_words(path[path.find("/", 8) :] if "://" in path else path)


def content_image(attrs: dict[str, Any], src: str) -> bool:
    """Whether an image looks like content rather than a logo, icon, avatar, button or pixel.

    A stricter test than :func:`keep_image`, for deciding whether an image makes its block worth
    keeping against the text clues (a link list with an icon in it is still a link list)."""
    if (attrs.get("role") or "").lower() == "presentation":
        return False
    if _img_words(f"{attrs.get('class') or ''} {attrs.get('id') or ''}"[:500]):
        return False
    path = src.split("?", 1)[0].split("#", 1)[0]
    if _img_words(path[path.find("/", 8) :] if "://" in path else path):
        return False
    width, height = parse_size(attrs.get("width")), parse_size(attrs.get("height"))
    if (width is not None and width <= SPACER_SIDE) or (height is not None and height <= SPACER_SIDE):
        return False
    if width is not None and height is not None and width < ICON_SIDE and height < ICON_SIDE:
        alt = attrs.get("alt")
        return bool(alt and alt.strip())
    return True
