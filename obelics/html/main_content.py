"""Main-content mode: find the article, prune the boilerplate around and inside it.

The approach of readability and trafilatura, on Lexbor with the heavy lifting in CSS selectors,
with a plausibility check (docs/extraction.md, "main-content mode"):

1. elements that are never content go: scripts, styles, forms' controls, ``nav``, ``aside``,
   page ``footer``s, ``header``s outside an article, hidden elements, navigation/banner/
   complementary ARIA roles (a header or hidden element that holds most of the page's text is
   the page or its article, and stays) (:mod:`obelics.html.boilerplate`);
2. elements whose class or id names boilerplate (:mod:`obelics.html.names`: comments, share,
   social, related, sidebar, widget, cookie/consent banners, newsletter, breadcrumbs, pagination,
   ads, menus ...) go too, unless the name also says content (article, content, entry, post ...)
   and the boilerplate word is a weak one (sidebar, menu, header ...), or the element holds the
   article, or half of the page's article-like text (:mod:`obelics.html.text_blocks`), or is a
   figure;
3. the article is found by scoring text blocks (the text under each block element: length,
   commas) into their parents, weighted by class names and link density; the best container
   wins, grown to its ``<article>`` (with the headline and hero image right above it) when it
   sits in one, else joined by siblings that score well, lead figures and the headline before
   it; a list of posts keeps every post (:mod:`obelics.html.article`);
4. plausibility: a choice holding far less article-like text than the page's densest
   article-like region is replaced by that region, or widened into it, and the prose that
   continues the article around the choice joins it; an article region without its headline
   gets it from just above (:mod:`obelics.html.plausibility`); lightbox galleries beside the
   article join it (:func:`obelics.html.article.with_galleries`);
5. inside the article, blocks dense in links (related lists, tag clouds), short link-only blocks,
   rows of links, small forms, the author's box and boilerplate labels
   (:mod:`obelics.html.labels`: "Share this", "Advertisement", "Related posts", "Post a
   comment") are removed, a boilerplate heading (or a paragraph that titles teasers) with its
   section (:mod:`obelics.html.pruning`);
6. images are kept where they stand, whatever their names say, unless no reader sees them
   (spacers, tracking pixels), they are bare icons or avatars
   (:func:`obelics.html.kept_images.keep_image`), or they sit in a link-dense block of the article
   (:func:`obelics.html.pruning.drop_linked_block_images`); a ``<noscript>`` that holds an image
   stays for the walk, which keeps it when it is a lazy image's fallback;
7. the images of the article's container as a reader view sees it join the article (or the
   posts) where they stand, and images of the text regions outside it go
   (:mod:`obelics.html.content_images`);
   the images of blocks that steps 5-6 remove stay when the container shows them
   (:func:`obelics.html.kept_images.reader_view_keeps`).

This module runs the steps in order (:func:`main_regions`).
"""

from __future__ import annotations

from typing import Any

from selectolax.lexbor import LexborHTMLParser

from obelics.html.article import article_posts, find_article, lead_media, with_galleries, with_good_siblings
from obelics.html.boilerplate import hard_boilerplate, remove_boilerplate
from obelics.html.content_images import (
    ChosenImages,
    choose_content_images,
    drop_other_images,
    rescue_table_images,
    with_content_images,
)
from obelics.html.kept_images import reader_view_keeps
from obelics.html.plausibility import plausible, with_headline
from obelics.html.pruning import drop_linked_block_images, prune
from obelics.html.reader_container import RemovedContent
from obelics.html.text_blocks import LinkText, TextBlocks


def main_regions(tree: LexborHTMLParser) -> list[list[Any]]:
    """The pruned article region(s) of a page, in document order, grouped by post.

    One group (the article, or the best container and its good siblings) for an article page;
    one group per post for a list of posts; the whole body when no container stands out.
    """
    removed = RemovedContent()  # what Readability would still see of it
    blocks = remove_boilerplate(tree, lambda blocks, nodes: _before_removal(blocks, nodes, removed))
    root = tree.body
    if root is None or blocks is None:
        return [] if tree.root is None else [[tree.root]]
    links = LinkText(root)
    best, best_score, scores = find_article(blocks, links)
    if best is None:
        groups = [[root]]
    else:
        groups = article_posts(best, links) or [with_good_siblings(best, best_score, scores, links)]
    groups = plausible(groups, blocks, links)
    if len(groups) == 1:
        groups = [with_headline(groups[0], links)]
    groups = [with_galleries(group) for group in groups]
    chosen = None
    if root.css_first("img") is not None:  # the content images join the article (or the posts)
        chosen = choose_content_images(blocks, root, links, removed)
        groups = _with_content_images(groups, chosen)
    keeps = reader_view_keeps(chosen)  # images of pruned blocks that the reader view shows stay
    for group in groups:
        lengths: dict[int, int] = {}  # text lengths of blocks, measured by the pruning and the link check
        for region in group:
            if region.tag != "img":  # (an image region has nothing to prune: what was measured stays true)
                lengths = {}
            prune(region, links, lengths, keeps)
            drop_linked_block_images(region, links, lengths, keeps)
            if chosen is not None and (blocks.good.get(region.mem_id) or not lead_media(region, links)):
                drop_other_images(region, chosen)
    return groups


def _with_content_images(groups: list[list[Any]], chosen: ChosenImages) -> list[list[Any]]:
    """The groups with the container's images outside them (step 9), each at its place in the page.

    A list of posts is one text region per post; an image between two posts joins the post it
    precedes (a post's lead picture stands above it), one after the last post joins the last."""
    if len(groups) == 1:
        return [with_content_images(groups[0], chosen)]
    regions = [region for group in groups for region in group]
    placed = with_content_images(regions, chosen)
    if len(placed) == len(regions):
        return groups
    owner = {region.mem_id: n for n, group in enumerate(groups) for region in group}
    out: list[list[Any]] = [[] for _ in groups]
    waiting: list[Any] = []
    for node in placed:
        n = owner.get(node.mem_id)
        if n is None:
            waiting.append(node)
        else:
            out[n].extend(waiting)
            out[n].append(node)
            waiting = []
    out[-1].extend(waiting)
    return out


def _before_removal(blocks: TextBlocks, removed: list[Any], seen: RemovedContent) -> None:
    """Before the named boilerplate goes: the images of a removed layout-table cell are copied out,
    and the removed elements noted where they stand (``seen``) for the content images."""
    seen.note(blocks, removed)
    rescue_table_images(blocks.root, removed, hard_boilerplate)
