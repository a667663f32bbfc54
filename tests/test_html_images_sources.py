"""Images however their ``<img>`` is written: lazy-load attributes, noscript fallbacks, picture sources.

One hand-written page per way of writing an image that real pages use; each names the image the
reader sees, and it must come out once, in both modes.
"""

from __future__ import annotations

import pytest

from obelics.html.extract import MODES, extract_document
from obelics.html.simplify import simplify_html

URL = "https://example.org/news/story.html"
PIXEL = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
ARTICLE = (
    "<p>The council met on Tuesday evening to discuss the new bridge over the river, and the mayor "
    "said that work would begin in the spring, weather permitting, with the old crossing closed.</p>"
)


def images(figure: str, mode: str = "obelics") -> list[str]:
    """The images of an article page with ``figure`` between its two paragraphs."""
    html = f"<html><head><title>Story</title></head><body><article><h1>Bridge</h1>{ARTICLE}{figure}{ARTICLE}</article></body></html>"
    doc = extract_document(html, URL, mode=mode)
    assert doc is not None and "new bridge over the river" in doc.text
    found = [i for i in doc.images if i is not None]
    if mode == "obelics":  # the explicit simplifier applies the same rules
        again = extract_document(simplify_html(html, URL), URL)
        assert again is not None and [i for i in again.images if i is not None] == found
    return found


def url(path: str) -> str:
    return "https://example.org" + path


# ---- lazy-load attributes ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_placeholder_src_gives_way_to_data_src(mode):
    assert images("<img class='lazy' src='/images/pix.gif' data-src='/photos/bridge.jpg' width='640'>", mode) == [
        url("/photos/bridge.jpg")
    ]
    # WordPress (Jetpack) writes the URL in data-lazy-src and a placeholder in srcset.
    assert images(
        f"<img src='/photos/bridge-300.jpg' srcset='{PIXEL}' data-lazy-src='/photos/bridge-940.jpg' width='940'>",
        mode,
    ) == [url("/photos/bridge-940.jpg")]


@pytest.mark.parametrize("mode", MODES)
def test_data_srcset_only_and_beside_a_placeholder(mode):
    srcset = "/photos/bridge-400.jpg 400w, /photos/bridge-1200.jpg 1200w, /photos/bridge-800.jpg 800w"
    assert images(f"<img data-srcset='{srcset}' alt='The bridge'>", mode) == [url("/photos/bridge-1200.jpg")]
    assert images(f"<img src='/static/lazyload.png' data-srcset='{srcset}' alt='The bridge'>", mode) == [
        url("/photos/bridge-1200.jpg")
    ]
    assert images(f"<img src='{PIXEL}' srcset='{PIXEL}' data-lazy-srcset='{srcset}'>", mode) == [
        url("/photos/bridge-1200.jpg")
    ]


@pytest.mark.parametrize("mode", MODES)
def test_empty_src(mode):
    assert images("<img src='' data-original='/photos/bridge.jpg' alt='The bridge'>", mode) == [
        url("/photos/bridge.jpg")
    ]
    assert images("<img src='  ' data-src-big='/photos/big.jpg' data-src-small='/photos/small.jpg'>", mode) == [
        url("/photos/big.jpg")
    ]
    assert images("<img src=''>", mode) == []
    # A lazy-load attribute used as a flag names no image: src stays.
    assert images("<img src='/photos/bridge.jpg' data-lazy='true' data-src='1'>", mode) == [url("/photos/bridge.jpg")]


@pytest.mark.parametrize("mode", MODES)
def test_other_lazy_load_attributes(mode):
    # Whatever a lazy-load script calls its attribute, a URL in it is the image...
    assert images(f"<img src='{PIXEL}' data-echo='/photos/echo.jpg'>", mode) == [url("/photos/echo.jpg")]
    assert images("<img data-lazy-img='https://cdn.example.net/i/12345'>", mode) == ["https://cdn.example.net/i/12345"]
    assert images("<img lowsrc='/photos/low.png'>", mode) == [url("/photos/low.png")]
    assert images("<img itemprop='contentUrl' content='/photos/c.jpg?itok=x1'>", mode) == [url("/photos/c.jpg?itok=x1")]
    # ...but an attribute that merely holds a word or a number never becomes a URL.
    assert images("<img data-id='42' data-title='Sunset' data-caption='bridge.jpg is nice' alt='x'>", mode) == []
    assert images("<img data-permalink='https://example.org/attachment/7' title='t'>", mode) == []


# ---- <noscript> fallbacks ----------------------------------------------------------------------------


def test_noscript_fallback_beside_a_lazy_image_comes_out_once():
    # The lazy image names its URL too: one image, not two.
    assert images(
        f"<img class='lazy' src='{PIXEL}' data-src='/photos/bridge.jpg'>"
        "<noscript><img src='/photos/bridge.jpg'></noscript>"
    ) == [url("/photos/bridge.jpg")]
    # The placeholder names nothing else: the noscript image replaces it.
    assert images(
        "<img class='lazyload' src='/img/blank.gif' width='35'><noscript><img src='/photos/real.jpg'></noscript>"
    ) == [url("/photos/real.jpg")]
    # The noscript first, whitespace and a comment between, the lazy image wrapped in a link.
    assert images(
        "<a href='/'> <noscript><img src='/photos/real.jpg'></noscript> <!-- lazy --> "
        "<span><img class='lazyload' src='/img/blank.gif'></span> </a>"
    ) == [url("/photos/real.jpg")]
    # Two lazy images, each with its fallback, in a figure.
    assert images(
        "<figure><img src='/ph.gif' data-src='/a.jpg'><noscript><img src='/a.jpg'></noscript>"
        "<img src='/ph.gif' data-src='/b.jpg'><noscript><img src='/b.jpg'></noscript></figure>"
    ) == [url("/a.jpg"), url("/b.jpg")]


def test_noscript_that_is_no_image_fallback_is_dropped():
    # An ad or a tracking pixel behind a script, and a notice: not a lazy image's fallback.
    assert images("<script>showAd()</script><noscript><a href='/ad'><img src='/ads/banner.gif'></a></noscript>") == []
    assert images("<noscript><img src='/pixel.gif' width='1' height='1'>Enable JavaScript</noscript>") == []
    # Beside an element that holds many images (the article itself), not one: not a fallback.
    assert images(
        "<div><img src='/a.jpg'><p>text</p><img src='/b.jpg'></div>"
        "<noscript><img src='https://tracker.example.net/1x1'></noscript>"
    ) == [url("/a.jpg"), url("/b.jpg")]


def test_noscript_text_stays_dropped():
    html = (
        f"<body>{ARTICLE}<img data-src='/a.jpg'><noscript><img src='/a.jpg'>Please enable JavaScript</noscript></body>"
    )
    doc = extract_document(html, URL)
    assert doc is not None and "enable JavaScript" not in doc.text and doc.num_images == 1


# ---- <picture> ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_picture_sources_only(mode):
    assert images(
        "<picture><source srcset='/p/800.webp 800w, /p/1600.webp 1600w' type='image/webp'>"
        "<source srcset='/p/800.jpg 800w, /p/1200.jpg 1200w'></picture>",
        mode,
    ) == [url("/p/1600.webp")]


@pytest.mark.parametrize("mode", MODES)
def test_picture_with_lazy_sources_and_placeholder_img(mode):
    assert images(
        f"<picture><source srcset='{PIXEL}' data-srcset='/p/640.jpg 640w, /p/1280.jpg 1280w'>"
        f"<img src='{PIXEL}' data-src='/p/fallback.jpg' alt='The bridge'></picture>",
        mode,
    ) == [url("/p/1280.jpg")]


# ---- URLs written with backslashes -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_backslashes_in_an_image_path_are_slashes_as_browsers_read_them(mode):
    # Pages made on Windows write paths with backslashes; a browser fetches them with slashes
    # (before the query only: a backslash in the query stays as written).
    assert images("<img src='photos\\bridge.jpg' width='640' height='480'>", mode) == [
        "https://example.org/news/photos/bridge.jpg"
    ]
    assert images("<img src='\\photos\\2024\\bridge.jpg?v=a\\b' width='640' height='480'>", mode) == [
        "https://example.org/photos/2024/bridge.jpg?v=a\\b"
    ]
