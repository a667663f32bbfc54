"""Which images of the article main-content mode keeps, and which make a block worth keeping.

:func:`keep_image` drops only what no reader sees as content (spacers, tracking pixels, bare
icons, avatars); :func:`content_image` is the stricter test of an image that looks like content;
:func:`reader_view_keeps` tells which images of the blocks the pruning removes a reader view shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from obelics.html.media import parse_size
from obelics.html.simplify import tag_id

if TYPE_CHECKING:
    from obelics.html.content_images import ChosenImages

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


# Every word of INVISIBLE_IMG_WORDS holds one of these: a text without any has none of the words
# (substring checks instead of splitting most names and paths into tokens; faster than one regex).
_INVISIBLE_HINTS = ("spacer", "pixel", "track", "beacon", "blank", "transparent", "clear", "avatar")
assert all(any(hint in word for hint in _INVISIBLE_HINTS) for word in INVISIBLE_IMG_WORDS)


# The words of INVISIBLE_IMG_WORDS that a declared content size does not contradict in a URL
# (an author's picture may be large; a spacer, a pixel or a tracker is never declared so).
AVATAR_WORDS = frozenset({"avatar", "gravatar"})


def _invisible_words(text: str, words: frozenset[str] = INVISIBLE_IMG_WORDS) -> bool:
    low = text.lower()
    for hint in _INVISIBLE_HINTS:
        if hint in low:
            break
    else:  # a token is a part of the text: no hint, no word
        return False
    for token in _IMG_SPLIT.split(low):
        if token and (token in words or (token[-1] == "s" and token[:-1] in words)):
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


_FIGURE_IDS = frozenset({tag_id("figure"), tag_id("picture"), tag_id("img")})


def in_figure(node: Any) -> bool:
    """The element is a figure, a picture or an image, or lies within a few levels of a figure:
    itself or one of its three nearest ancestors is one."""
    ids = _FIGURE_IDS
    if node is None:
        return False
    if node.tag_id in ids:
        return True
    for _ in range(3):
        node = node.parent
        if node is None:
            return False
        if node.tag_id in ids:
            return True
    return False


def has_article_image(node: Any) -> bool:
    """Whether an element holds an image that looks like content (:func:`content_image`)."""
    for img in node.css("img"):
        attrs = img.attributes
        src = attrs.get("src") or attrs.get("data-src") or ""
        if content_image(attrs, src):
            return True
    return False


def keep_image(attrs: dict[str, Any], src: str) -> bool:
    """Step 6: False for tracking pixels, spacers, rules and bare icons; every other image of the
    article stays.

    The article region is already free of the page's chrome, so an image in it is the article's
    whatever its name says (logo, icon, badge): a photo, a chart, a formula, an emoticon, a
    product's picture. What goes: a declared side of at most :data:`SPACER_SIDE` pixels, both
    sides under :data:`ICON_SIDE` without an alt text (bullets, arrows), or a name (class, id or
    URL path) that says spacer, pixel, beacon, tracking or avatar (of a URL declared at least
    :data:`ICON_SIDE` on both sides, only avatar: the rest names no image of that size).
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
    # A URL's words are a weaker clue than a declared size: a photo's file name may say "clear sky"
    # or "eye tracking", but what is declared at least ICON_SIDE wide and high is no spacer or pixel.
    sized = width is not None and height is not None and width >= ICON_SIDE and height >= ICON_SIDE
    return not _invisible_words(
        path[path.find("/", 8) :] if "://" in path else path, AVATAR_WORDS if sized else INVISIBLE_IMG_WORDS
    )


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


def reader_view_keeps(chosen: ChosenImages | None) -> Callable[[Any], bool] | None:
    """The test of an image of the text regions that the reader view shows (None: no such test).

    An image lies in the page's content container (:mod:`obelics.html.content_images`), in no
    block of it that Readability's conditional cleaning removes: the block that holds it in the
    text region may be a teaser list, a form or an author's box to the text rules, but the image
    is the article's, as a reader view shows it. Only for a container that may decide the images
    of the text regions (its ``trusted`` verdict)."""
    if chosen is None or not chosen.trusted:
        return None
    tops = {region.mem_id for region in chosen.regions}
    cleaning = chosen.cleaning

    def keeps(img: Any) -> bool:
        if img.mem_id in tops:
            return True
        if not chosen.allows(img):
            return False
        top = img.parent
        while top is not None and top.mem_id not in tops:
            top = top.parent
        return top is not None and cleaning.removing_block(img.parent, top) is None

    return keeps
