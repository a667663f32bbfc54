"""Main-content mode: the images of blocks that the text rules prune stay when a reader view shows them."""

from __future__ import annotations

from obelics.html.extract import extract_document
from obelics.html.simplify import END_OF_DOCUMENT

URL = "https://news.example.com/2024/05/river-festival"

PARAGRAPHS = [
    "The river festival returned to the old town on Saturday, drawing thousands of visitors to the quays, "
    "the bridges and the old market square.",
    "Boats decorated with lanterns sailed past the stone bridge, while musicians played on floating stages, "
    "and children waved from the banks.",
    "Organisers said the event, first held in 1952, had never attracted so many families from the region, "
    "nor so many visitors from abroad.",
    "Local bakers sold bread shaped like fish, a tradition that older residents remember from their "
    "childhood, and the stalls sold out by noon.",
]

# The box about the author: the text rules remove it (a biography is not the article), the reader
# view shows its photo.
AUTHOR_BOX = """<div class="bio"><img src="/img/ann-berg.jpg" alt="Ann Berg" width="120" height="120">
<p>Ann Berg has written about the towns of the river valley for twenty years. She lives by the old
harbour with two cats.</p></div>"""

# A map over a list of links with notes: a block more than a fifth link text, whose image goes by
# the link-block rule, but a list, which the reader view's cleaning keeps.
LISTED_LINKS = """<div class="box"><img src="/img/route-map.jpg" alt="The parade route" width="400" height="300">
<ul><li><a href="/stages">Music stages</a> stand by the old stone bridge</li>
<li><a href="/food">Food stalls</a> line the quay near the market</li>
<li><a href="/boats">Boat rides</a> leave the harbour every hour from noon</li></ul></div>"""

# A teaser: a box of a picture and a link, no list, no prose: neither keeps its image.
TEASER = """<div class="box"><img src="/img/harbour-walks.jpg" alt="" width="300" height="200">
<a href="/guides/harbour">Read our guide to the harbour walks</a> in the summer</div>"""


def page(extra: str) -> str:
    return f"""<html><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div id="main"><article><h1>Lanterns on the water</h1>
<p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>{extra}<p>{PARAGRAPHS[2]}</p><p>{PARAGRAPHS[3]}</p></article></div>
<div class="footer"><a href="/privacy">Privacy</a></div></body></html>"""


def images_and_text(extra: str) -> tuple[list[str], list[str | None], str]:
    doc = extract_document(page(extra), URL, mode="main-content")
    assert doc is not None
    return [i for i in doc.images if i], doc.texts, doc.text


def test_the_photo_of_a_pruned_author_box_stays_in_its_place_without_its_text():
    images, texts, text = images_and_text(AUTHOR_BOX)
    assert images == ["https://news.example.com/img/ann-berg.jpg"]
    assert "twenty years" not in text  # the biography is still pruned
    at = texts.index(None)
    assert PARAGRAPHS[1] in (texts[at - 1] or "") and PARAGRAPHS[2] in (texts[at + 1] or "")


def test_the_image_of_a_link_list_block_the_reader_view_keeps_stays():
    images, _, text = images_and_text(LISTED_LINKS)
    assert images == ["https://news.example.com/img/route-map.jpg"]
    assert "Boat rides leave the harbour" in text


def test_the_image_of_a_teaser_box_still_goes():
    images, _, text = images_and_text(TEASER)
    assert images == []
    assert PARAGRAPHS[3] in text


def test_obelics_mode_is_unchanged_by_the_reader_view_rule():
    doc = extract_document(page(AUTHOR_BOX + LISTED_LINKS), URL, mode="obelics")
    assert doc is not None
    assert [i for i in doc.images if i] == [
        "https://news.example.com/img/ann-berg.jpg",
        "https://news.example.com/img/route-map.jpg",
    ]


# A blog's front page: a list of posts, each its own document. Between two posts, a paragraph
# with a photo, which the reader view's container takes (a sibling paragraph of prose), and a
# shop's linked banner, which it does not.
def post(title: str, paragraphs: list[str], image: str = "") -> str:
    return f"<article class='post'><h2>{title}</h2>{image}{''.join(f'<p>{p}</p>' for p in paragraphs)}</article>"


def test_a_list_of_posts_takes_the_content_images_between_its_posts():
    html = (
        "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><div id='posts'>"
        + post("Lanterns on the water", PARAGRAPHS * 2, "<img src='/img/lanterns.jpg' width='600' height='400'>")
        + "<p><img src='/img/tractors.jpg' width='600' height='400' alt='Tractors'> The tractors lined up by the"
        " church, their drivers waving, before the parade set off along the quay.</p>"
        + "<div class='promo'><a href='/shop'><img src='/img/shop-banner.jpg' width='600' height='90'></a></div>"
        + post("The market", PARAGRAPHS[:3], "<figure><img src='/img/market.jpg' width='600' height='400'></figure>")
        + "</div><div class='footer'><a href='/privacy'>Privacy</a></div></body></html>"
    )
    doc = extract_document(html, URL, mode="main-content")
    assert doc is not None
    images = [i for i in doc.images if i]
    assert images == [
        "https://news.example.com/img/lanterns.jpg",
        "https://news.example.com/img/tractors.jpg",
        "https://news.example.com/img/market.jpg",
    ]
    # the posts stay two documents; the photo between them opens the second
    marks = [n for n, t in enumerate(doc.texts) if t and END_OF_DOCUMENT in t]
    assert len(marks) == 1
    assert doc.images.index("https://news.example.com/img/tractors.jpg") > marks[0]
