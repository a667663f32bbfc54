"""AMP pages: ``<amp-img>`` and ``<amp-anim>`` are images, in both modes.

An AMP page writes each image as an ``<amp-img src=... width height>`` that a script renders, with
a sizer placeholder inside and, often, the plain ``<img>`` in a ``<noscript>`` inside for readers
without scripts. It is one image: the noscript's, else the element's own URL.
"""

from __future__ import annotations

import pytest

from obelics.html.extract import MODES, extract_document
from obelics.html.simplify import simplify_html

URL = "https://blog.example.org/2024/04/people-behind-the-code"
PARAGRAPH = (
    "<p>The newsroom rebuilt its pages last spring, and the team behind the change says that readers "
    "now stay longer, share more stories, and come back to the site far more often than they did.</p>"
)
SIZER = (
    "<i-amphtml-sizer class='i-amphtml-sizer'><img alt='' aria-hidden='true' role='presentation' "
    "class='i-amphtml-intrinsic-sizer' src='data:image/svg+xml;base64,PHN2Zz48L3N2Zz4='></i-amphtml-sizer>"
)


def page(figure: str) -> str:
    return (
        "<html><head><title>People behind the code</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/blog'>Blog</a></nav>"
        f"<main><article><h1>People behind the code</h1>{PARAGRAPH}{figure}{PARAGRAPH}{PARAGRAPH}</article></main>"
        "<footer><p>Copyright 2024 The Example Blog</p></footer></body></html>"
    )


def images(figure: str, mode: str) -> list[dict]:
    """The image metadata of an article page with ``figure`` in it (and the simplifier agrees)."""
    html = page(figure)
    doc = extract_document(html, URL, mode=mode)
    assert doc is not None and "newsroom rebuilt its pages" in doc.text
    found = [m for m in doc.metadata if m is not None]
    if mode == "obelics":
        again = extract_document(simplify_html(html, URL), URL)
        assert again is not None and [i for i in again.images if i is not None] == [m["src"] for m in found]
    return found


@pytest.mark.parametrize("mode", MODES)
def test_amp_image_with_a_noscript_fallback_is_that_image_once(mode):
    figure = (
        "<figure><amp-img src='/uploads/axios.png' width='1000' height='381' layout='intrinsic' alt=''"
        " srcset='/uploads/axios.png 1000w, /uploads/axios-300.png 300w'>"
        f"{SIZER}<noscript><img src='/uploads/axios.png' alt='The new front page' width='1000' height='381'>"
        "</noscript></amp-img><figcaption>The new front page.</figcaption></figure>"
    )
    found = images(figure, mode)
    assert [m["src"] for m in found] == ["https://blog.example.org/uploads/axios.png"]
    assert found[0]["alt_text"] == "The new front page"  # the noscript image's own attributes


@pytest.mark.parametrize("mode", MODES)
def test_amp_image_without_fallback_gives_its_own_url(mode):
    figure = (
        "<figure><amp-img src='/uploads/team-640.jpg' srcset='/uploads/team-640.jpg 640w, /uploads/team-1280.jpg 1280w'"
        " width='1280' height='720' layout='responsive' alt='The team at work'></amp-img></figure>"
        "<p><amp-anim src='/uploads/scroll.gif' width='368' height='289' alt='Scrolling the page'></amp-anim></p>"
    )
    found = images(figure, mode)
    assert [m["src"] for m in found] == [
        "https://blog.example.org/uploads/team-640.jpg",
        "https://blog.example.org/uploads/scroll.gif",
    ]
    assert [(m["alt_text"], m["rendered_width"]) for m in found] == [
        ("The team at work", 1280),
        ("Scrolling the page", 368),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_amp_image_with_a_nested_fallback_image_is_one_image(mode):
    figure = (
        "<figure><amp-img src='/uploads/photo.webp' width='800' height='600' alt='The office'>"
        "<amp-img fallback src='/uploads/photo.jpg' width='800' height='600' alt='The office'></amp-img>"
        "</amp-img></figure>"
    )
    assert [m["src"] for m in images(figure, mode)] == ["https://blog.example.org/uploads/photo.webp"]


def test_amp_image_in_an_element_whose_text_is_dropped():
    # OBELICS mode drops a carousel's text but keeps its images (a custom element).
    figure = (
        "<amp-carousel width='800' height='600' layout='responsive' type='slides'>"
        "<amp-img src='/uploads/a.jpg' width='800' height='600' alt='First'></amp-img>"
        "<amp-img src='/uploads/b.jpg' width='800' height='600' alt='Second'></amp-img></amp-carousel>"
    )
    assert [m["src"] for m in images(figure, "obelics")] == [
        "https://blog.example.org/uploads/a.jpg",
        "https://blog.example.org/uploads/b.jpg",
    ]


def test_amp_tracking_pixel_stays_out_of_the_article():
    figure = "<amp-img src='/stats/hit.gif' width='1' height='1' layout='fixed'></amp-img>"
    assert images(figure, "main-content") == []
