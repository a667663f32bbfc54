"""``obelics`` mode: the images of elements whose text the paper's rules drop.

OBELICS drops tables, list items, forms and custom elements with their content, and with them the
content images that pages lay out there (galleries in tables, photos in list items). Here their text
still goes but their images stay, in DOM order; the page's navigation, footer, site header and
unrendered elements still lose their images too.
"""

from __future__ import annotations

import pytest

from obelics.html.extract import extract_document
from obelics.html.simplify import simplify_html

URL = "https://example.org/travel/alps.html"
LEAD = "<p>We walked from the village up to the pass in two days, sleeping in a hut on the way.</p>"
TAIL = "<p>The descent took a single long afternoon, and the weather held the whole time.</p>"


def extract(body: str):
    html = f"<html><head><title>Alps</title></head><body>{LEAD}{body}{TAIL}</body></html>"
    doc = extract_document(html, URL)
    assert doc is not None
    again = extract_document(simplify_html(html, URL), URL)  # the explicit simplifier agrees
    assert again is not None and (again.texts, again.images) == (doc.texts, doc.images)
    return doc


def images(body: str) -> list[str]:
    return [i for i in extract(body).images if i is not None]


def url(path: str) -> str:
    return "https://example.org" + path


def test_gallery_in_a_table_keeps_its_images_in_order_not_its_text():
    doc = extract(
        "<table><tr><td><img src='/g/1.jpg' alt='Hut'><br>The hut</td><td><img src='/g/2.jpg'>The pass</td></tr>"
        "<tr><td colspan=2><img src='/g/3.jpg'></td></tr></table>"
    )
    assert [i for i in doc.images if i] == [url("/g/1.jpg"), url("/g/2.jpg"), url("/g/3.jpg")]
    assert "The hut" not in doc.text and "The pass" not in doc.text  # the paper's rule for the text
    # In DOM order between the paragraphs around the table; the metadata is the image's own.
    assert doc.texts[0].startswith("We walked") and doc.texts[-1].startswith("The descent")
    assert doc.metadata[1]["alt_text"] == "Hut"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("<ul class='gallery'><li><a href='/big/1.jpg'><img src='/t/1.jpg'></a></li><li><img src='/t/2.jpg'></li></ul>",
         ["/t/1.jpg", "/t/2.jpg"]),
        ("<form action='/vote'><img src='/poll/chart.png'><input type=submit></form>", ["/poll/chart.png"]),
        ("<image-gallery><gallery-item><img src='/c/1.jpg'></gallery-item></image-gallery>", ["/c/1.jpg"]),
        ("<dl><dt>Day one</dt><dd><table><tr><td><img src='/d/1.jpg'></td></tr></table></dd></dl>", ["/d/1.jpg"]),
        ("<article><header><h1>Alps</h1><img src='/hero.jpg'></header><p>text</p></article>", ["/hero.jpg"]),
        ("<main><table><tr><td><picture><source srcset='/p/1.webp 800w'><img src='/p/1.jpg'></picture>"
         "</td></tr></table></main>", ["/p/1.webp"]),
        ("<table><tr><td><img class='lazy' src='/ph.gif'><noscript><img src='/n/1.jpg'></noscript></td></tr></table>",
         ["/n/1.jpg"]),
    ],
)  # fmt: skip
def test_images_of_dropped_containers_stay(body, expected):
    assert images(body) == [url(p) for p in expected]


@pytest.mark.parametrize(
    "body",
    [
        "<nav><a href='/'><img src='/site/logo.png'></a></nav>",
        "<header><a href='/'><img src='/site/logo.png'></a></header>",  # the site's header, not an article's
        "<footer><img src='/site/partner.png'></footer>",
        "<div class='footer'><img src='/site/partner.png'></div>",  # rule 2
        "<div id='menu'><img src='/site/menu.png'></div>",  # rule 6
        "<table><tr><td><nav><img src='/site/nav.png'></nav></td></tr></table>",
        "<button><img src='/site/search.png'></button>",
        "<video poster='/v.jpg'><img src='/site/fallback.png'></video>",
        "<svg><image href='/s.png'></image></svg>",
        "<template><img src='/t.png'></template>",
        "<select><option><img src='/o.png'></option></select>",
    ],
)
def test_images_where_the_paper_drops_them_on_purpose_stay_dropped(body):
    assert images(body) == []
