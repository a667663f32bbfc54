"""Step 2 of main-content mode (hidden and named boilerplate) and the article's images: a lazy image
hidden until a script loads it is replaced by its ``<noscript>`` twin, not lost with it."""

from __future__ import annotations

from obelics.html.boilerplate import remove_boilerplate
from obelics.html.extract import extract_document
from obelics.html.simplify import parse

URL = "https://news.example.org/2024/06/fire"
PHOTO = "https://media.example.org/photos/house.jpg"
PROSE = " ".join(
    [
        "A fire broke out on Saturday night in a three-storey house on the edge of the old town.",
        "The fire brigade arrived within minutes, but the flames had already reached the roof.",
        "Neighbours helped the residents out of the building before the stairs collapsed.",
        "The cause of the fire is not yet known; investigators will return to the site on Monday.",
    ]
)


def page(figure: str) -> str:
    return (
        f"<html><body><article><h1>House fire in the old town</h1><p>{PROSE}</p>"
        f"<figure>{figure}<figcaption>The house after the fire.</figcaption></figure>"
        f"<p>{PROSE}</p></article></body></html>"
    )


def main_images(html: str) -> list[str]:
    doc = extract_document(html, URL, mode="main-content")
    assert doc is not None
    return [i for i in doc.images if i]


# Cloudflare's lazy loading: the image is hidden and named in data-cfsrc until a script shows it;
# the plain twin in <noscript> right after it is what a reader without scripts sees.
LAZY = (
    f'<img data-cfsrc="{PHOTO}" style="display:none;visibility:hidden;" alt="The house">'
    f' <!-- lazy --> <noscript><img src="{PHOTO}" alt="The house"></noscript>'
)


def test_a_hidden_lazy_image_gives_way_to_its_noscript_twin():
    assert main_images(page(LAZY)) == [PHOTO]


def test_step_two_puts_the_twin_in_the_hidden_image_place():
    tree = parse(page(LAZY))
    remove_boilerplate(tree)
    figure = tree.css_first("figure")
    assert figure.css_first("noscript") is None
    images = figure.css("img")
    assert [img.attributes.get("src") for img in images] == [PHOTO]
    assert "style" not in images[0].attributes


def test_a_hidden_image_without_a_twin_stays_out():
    assert main_images(page(f'<img src="{PHOTO}" style="display:none" alt="The house">')) == []


def test_a_noscript_notice_after_a_hidden_image_is_no_twin():
    # A <noscript> that says more than an image is a notice (or an ad behind a script), not a twin.
    notice = (
        f'<img src="{PHOTO}" style="display:none" alt="The house">'
        f'<noscript><img src="https://media.example.org/photos/other.jpg" alt="">'
        "Please enable JavaScript to see the photos of this article.</noscript>"
    )
    tree = parse(page(notice))
    remove_boilerplate(tree)
    assert tree.css_first("figure noscript") is not None  # left for the walk, which drops it
    assert main_images(page(notice)) == []
