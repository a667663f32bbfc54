"""The content container's scores as Readability.js computes them, on hand-written pages: a div
holding none of its blocks is a paragraph, in-page links count less, a candidate inside an element
the boilerplate removal took measures its own links, and a removed box emptied by a nested removal
still stands. Each expected score or choice is Readability.js's own on the same page."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

from obelics.html.reader_container import ContentImages, ReaderLinks, reader_links
from obelics.html.text_blocks import LinkText, TextBlocks
from tests.test_html_content_images import BASE, PARAGRAPHS, _container_after_removal, main_images, paragraphs


def _ranked(html: str) -> dict[str, float]:
    """The best candidates' scores (by id or class), rounded to a tenth, on a page without removals."""
    tree = LexborHTMLParser(html)
    assert tree.body is not None
    found = ContentImages(TextBlocks(tree.body), reader_links(tree.body, LinkText(tree.body)))
    out = {}
    for key, score in found.ranked():
        node = found.nodes[key]
        out[node.attributes.get("id") or node.attributes.get("class") or node.tag] = round(score, 1)
    return out


def test_a_div_holding_no_block_is_a_paragraph_scoring_all_its_text_into_its_ancestors():
    # Each card holds its text in a <center> (no <p>, <div>, list or table): Readability makes the
    # card a <p> whose whole text scores into the column (25) and the page (40, with its +25 name).
    cards = "".join(f'<div class="card"><center>{text}</center></div>' for text in PARAGRAPHS[0:3])
    html = f'<html><body><div id="page"><div class="col">{cards}</div></div></body></html>'
    ranked = _ranked(html)
    assert ranked["page"] == 40 and ranked["col"] == 25
    assert "card" not in ranked  # a paragraph scores its parents, not itself


def test_a_div_with_a_block_or_its_own_text_is_no_paragraph():
    # The same cards with a <p> inside, or loose text of their own, are no paragraphs: only the
    # <p> (or the paragraph Readability wraps the loose text in) scores, into the card.
    with_p = "".join(f'<div class="card"><center><p>{text}</p></center></div>' for text in PARAGRAPHS[0:3])
    loose = "".join(f'<div class="card">{text}<center>More.</center></div>' for text in PARAGRAPHS[0:3])
    for cards in (with_p, loose):
        ranked = _ranked(f'<html><body><div id="page"><div class="col">{cards}</div></div></body></html>')
        assert "card" in ranked


def test_in_page_links_count_three_tenths_of_their_text_in_link_densities():
    # A table of contents of in-page links over the story: Readability counts 3/10 of their text,
    # and scores the story 43.5 and the page 34.8 (counting them whole would give 28 and 22.4).
    toc = "".join(
        f'<li><a href="#s{n}">Part {n}: the harbour, the quay, the basin and the lighthouse</a></li>' for n in range(6)
    )
    html = f"""<html><body><div id="page"><div id="story"><ul class="toc">{toc}</ul>
      {paragraphs(PARAGRAPHS[0:3])}</div></div></body></html>"""
    ranked = _ranked(html)
    assert abs(ranked["story"] - 43.5) < 0.5 and abs(ranked["page"] - 34.8) < 0.5
    tree = LexborHTMLParser(html)
    assert tree.body is not None
    links = LinkText(tree.body)
    reader = reader_links(tree.body, links)
    assert isinstance(reader, ReaderLinks)
    story = tree.css_first("#story")
    assert reader(story) == sum((n * 3 + 5) // 10 for n in (len(a.text().replace(" ", "")) for a in story.css("a")))
    plain = LexborHTMLParser(f"<html><body><p><a href='/x'>{PARAGRAPHS[0]}</a> <a href='#'>top</a></p></body></html>")
    assert plain.body is not None
    links = LinkText(plain.body)
    assert reader_links(plain.body, links) is links  # ("#" alone is no in-page link: nothing to change)


def test_a_candidate_inside_removed_boilerplate_measures_its_own_links():
    # The "newsletter" box (which the text path removes) holds three linked paragraphs full of
    # commas: without its links it would outscore the story, as its raw score does; with them its
    # link density is 1 and Readability takes the page's wrapper, with the story's photo.
    story = " ".join(p.replace(",", "") for p in PARAGRAPHS)
    letters = "".join(f'<p><a href="/letters/{n}">{text}</a></p>' for n, text in enumerate(PARAGRAPHS[1:4]))
    html = f"""<html><body><div id="outer"><div id="col1"><p>{story}</p><p><img src="/img/wall.jpg"
      alt="The wall"></p></div><div class="newsletter">{letters}</div></div></body></html>"""
    assert _container_after_removal(html) == ["outer"]
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_a_removed_box_emptied_by_a_nested_removal_still_keeps_the_container_from_climbing():
    # The story's only sibling is a menu whose inner box goes too (both named so): the outer box,
    # left empty, still holds the inner one for Readability, so its container stops at the story
    # and the captioned photo beside the story's wrapper stays out.
    html = f"""<html><body><div id="page"><div id="wrap"><div class="nav"><div class="nav-inner"><a href="/">Home</a>
      <a href="/news">News</a></div></div><div class="story"><div class="text">{paragraphs(PARAGRAPHS)}</div></div></div>
      <p><img src="/img/quay.jpg" alt="The quay"> The quay at dawn.</p></div></body></html>"""
    assert _container_after_removal(html) == ["story"]
    assert main_images(html) == []


def test_a_long_container_whose_text_is_mostly_stripped_is_a_failed_attempt():
    # Readability strips the "supplemental" box (the story) on its first attempt and elects the
    # page around it: an article of one short note, which it rejects, so it tries again without
    # stripping names and takes the story with its photo. The page's text counts without the
    # stripped box, however long the page is.
    html = f"""<html><body><div id="page"><div class="supplemental">{paragraphs(PARAGRAPHS)}
      <p><img src="/img/quay.jpg" alt="The quay"></p>{paragraphs(PARAGRAPHS)}</div>
      <div class="note"><p>{PARAGRAPHS[0]}</p></div></div></body></html>"""
    assert _container_after_removal(html) == ["supplemental"]
    assert main_images(html) == [f"{BASE}/img/quay.jpg"]
