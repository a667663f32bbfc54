"""Boilerplate labels: the short lines that title or mark what is not the article.

"Share this", "Related posts", "Post a comment", "Advertisement", "3 Comments", a blog post's
"| Permalink |" footer, in English and the languages most common in web crawls after it. A label
that titles a list of other pages (:data:`SECTION_LABELS`) opens a section that goes with it.
"""

from __future__ import annotations

import re

from obelics.html.text_blocks import nonspace

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
        "you may also be interested in", "you might also be interested in", "you may be interested in",
        "you might be interested in", "you may also enjoy", "you might also enjoy", "recommended for you",
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
    "if you're already a subscriber", "if you are already a subscriber", "already a subscriber?", "have your say",
    "get adobe flash player", "get the flash player", "get the latest flash player", "you need flash player",
    "you need adobe flash player", "you need to upgrade your flash player", "this video is unavailable",
    "this video is not available", "please install flash", "please enable javascript to view",
)  # fmt: skip


def is_label(text: str) -> bool:
    """Whether a short line is a boilerplate label: a known label, a known opening, a counted
    comments heading ("3 Comments") or a blog post's "| Permalink |" footer."""
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


def is_ad_label(text: str) -> bool:
    """Whether a line only says "Advertisement" (or "Anzeige", "Publicité" ...)."""
    return text.lower().strip(" \u00a0|:-\u2022") in AD_LABELS


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
        "you may also be interested in", "you might also be interested in", "you may be interested in",
        "you might be interested in", "you may also enjoy", "you might also enjoy", "recommended for you",
        "more on this topic", "read also", "see also", "more news", "latest news", "more stories", "top stories",
        "also in the news", "most popular", "most read", "most viewed", "don't miss", "editor's picks",
        "popular posts", "recent posts", "sponsored links", "ads by google", "about the author",
        "weitere artikel", "ähnliche artikel", "verwandte artikel", "mehr zum thema", "lesen sie auch",
        "das könnte sie auch interessieren", "auch interessant", "articles similaires", "sur le même sujet",
        "lire aussi", "à lire aussi", "artículos relacionados", "noticias relacionadas", "te puede interesar",
        "articoli correlati", "czytaj także", "zobacz także", "über den autor",
    }
)  # fmt: skip


def opens_section(label: str) -> bool:
    """Whether a label titles a list of other pages, an ad or the author's box: its section goes with it."""
    low = label.lower().strip(" \u00a0|:-\u2022!?")
    return low in SECTION_LABELS


# A site's legal notice: a copyright line, a reprint or trademark notice, a disclaimer ("© 2012 Dow
# Jones & Company, Inc. All Rights Reserved", "This material may not be published, broadcast,
# rewritten or redistributed", "Opinions expressed ... do not necessarily reflect those of ...",
# "All photos are licensed under a Creative Commons ... license").
# A block of at most LEGAL_NOTICE_TEXT characters is one when it says so in its first sentence or
# twice (not a short news story that ends with its agency's copyright line), a longer one (a site's
# list of its trademarks and their terms of use) when it says so LEGAL_NOTICE_MENTIONS times; an
# article's paragraph that mentions copyright says so once or twice, and at length.
_LEGAL_NOTICE = re.compile(
    r"all rights reserved|(?:©|\(c\)|copyright)\s*(?:\(c\)\s*|©\s*)?(?:\d{4}|mm)"
    r"|may not be (?:re)?(?:published|produced|distributed)|no material may be reproduced"
    r"|for your personal,? non-?commercial use|(?:expressly |strictly )?prohibited without"
    r"|without (?:the )?(?:prior |express )*written (?:consent|permission)"
    r"|(?:do|does) not necessarily (?:reflect|represent)|not responsible for the content"
    r"|licensed under (?:a |the )?creative commons|under the terms (?:and conditions )?of the [\w\s.-]{0,40}licen[cs]e"
)  # (matched against the lowered text)
# Words of which the pattern needs one.
_LEGAL_NOTICE_KEYS = ("©", "(c)", "copyright", "reserved", "may not", "no material", "commercial", "prohibited",
                      "written", "necessarily", "not responsible", "licen")  # fmt: skip
LEGAL_NOTICE_TEXT = 600
LEGAL_NOTICE_LEAD = 150
LEGAL_NOTICE_MENTIONS = 3
LEGAL_NOTICE_MAX_TEXT = 2000
# A notice is one of the last LEGAL_NOTICE_TAIL paragraphs or blocks of the article's region.
LEGAL_NOTICE_TAIL = 5


def _has_legal_notice_key(low: str) -> bool:
    """Whether a lowered text holds one of :data:`_LEGAL_NOTICE_KEYS` (written out: a generator over
    them costs more than the searches of a short text)."""
    return (
        "©" in low
        or "(c)" in low
        or "copyright" in low
        or "reserved" in low
        or "may not" in low
        or "no material" in low
        or "commercial" in low
        or "prohibited" in low
        or "written" in low
        or "necessarily" in low
        or "not responsible" in low
        or "licen" in low
    )


def is_legal_notice(text: str) -> bool:
    """Whether a block's text is a legal notice."""
    if len(text) > 3 * LEGAL_NOTICE_MAX_TEXT:
        return False
    low = text.lower()
    if not _has_legal_notice_key(low):  # (the pattern is slow on text without them)
        return False
    first = _LEGAL_NOTICE.search(low)
    if first is None:
        return False
    text_len = nonspace(text)
    if text_len > LEGAL_NOTICE_MAX_TEXT:
        return False
    if text_len <= LEGAL_NOTICE_TEXT and first.start() < LEGAL_NOTICE_LEAD:
        return True
    mentions = len(_LEGAL_NOTICE.findall(low))
    return mentions >= (2 if text_len <= LEGAL_NOTICE_TEXT else LEGAL_NOTICE_MENTIONS)


# Lines that announce the readers' comments below an article ("Comments are now closed for this
# story", "The following are comments from the readers", "Thanks for your comments - this feedback
# is now closed"): what follows them in their box is the comments. (Not a count, "3 Comments":
# a list of posts puts one under each post.)
COMMENTS_OPENERS = (
    "comments are closed", "comments are now closed", "comments have been closed", "comments for this",
    "the following are comments", "the following comments", "thanks for your comments", "reader comments",
    "readers' comments", "readers comments", "kommentare sind geschlossen", "les commentaires sont fermés",
)  # fmt: skip
_COMMENTS_OPENER_KEYS = ("comment", "kommentar")


def may_open_comments(low: str) -> bool:
    """Whether a lowered text may hold a line that announces comments (a cheap test before the search)."""
    # (both keys hold "omment": one search of a text without it, where a generator made two)
    return "omment" in low and ("comment" in low or "kommentar" in low)


def opens_comments(line: str) -> bool:
    """Whether a short line announces the readers' comments below it."""
    low = line.lower().lstrip(" \u00a0|:-\u2022")
    return len(low) < 200 and low.startswith(COMMENTS_OPENERS)
