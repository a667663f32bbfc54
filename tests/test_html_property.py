"""Arbitrary and adversarial HTML never crashes extraction and always yields valid documents."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obelics.document import Document
from obelics.html.extract import MODES, extract_document
from obelics.html.simplify import MORE_LINK_MARK, simplify_html

URL = "https://example.org/dir/page.html"

TAGS = [
    "p", "div", "span", "a", "b", "i", "img", "picture", "source", "figure", "figcaption", "br", "ul", "ol",
    "li", "table", "tr", "td", "script", "style", "nav", "header", "footer", "section", "article", "main",
    "h1", "h3", "pre", "code", "blockquote", "my-widget", "svg", "form", "iframe", "noscript", "template",
    "select", "option", "aside", "base", "meta", "title", "video", "dl", "dt", "dd", "shadow", "textarea",
]  # fmt: skip
ATTRS = [
    "src", "data-src", "data-lazy-src", "srcset", "data-srcset", "class", "id", "title", "alt", "width", "height",
    "href", "style", "hidden", "role", "type", "name", "content", "http-equiv", "aria-hidden",
]  # fmt: skip
VALUES = [
    "footer", "site-info", "more-link", "nav", "menu", "post-date", "comments", "sidebar", "entry-content",
    "data:image/png;base64,AAAA", "//cdn.x.org/a.jpg", "../up.jpg", "?q=1", "a.jpg 100w, b,c.jpg 200w",
    "x.jpg 1x, y.jpg 2x", "100%", "300px", "12", "display:none", "http://[::1", "javascript:alert(1)",
    "robots", "noai, noimageai", "x-robots-tag", "tdm-reservation", "1", "presentation", "true", "",
    "https://example.org/a b,c.png", "\x00", "\ud800",
]  # fmt: skip

# Markup characters, whitespace of every kind, controls, lone surrogates, non-Latin scripts, emoji.
ALPHABET = list("<>&;'\"=/ \n\t\r\x0c\x00\x01\x1b\x7f\xa0abcXYZ09.,:#%-_") + [
    "\u2028", "\u3000", "\ufeff", "\ufffd", "\ud800", "\udfff", "\ue000", "\u00e9", "\u4e2d", "\u0634",
    "\U0001f600", "&amp;", "&nbsp;", "&#0;", "&#x110000;", "<br>", "<!--", "-->", "<![CDATA[", "]]>",
]  # fmt: skip


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 24)))


def _value(rng: random.Random) -> str:
    return rng.choice(VALUES) if rng.random() < 0.7 else _text(rng)


def _element(rng: random.Random, depth: int) -> str:
    tag = rng.choice(TAGS)
    attrs = "".join(f' {rng.choice(ATTRS)}="{_value(rng).replace(chr(34), "&quot;")}"' for _ in range(rng.randrange(4)))
    if depth >= 4:
        children = _text(rng)
    else:
        children = "".join(
            _element(rng, depth + 1) if rng.random() < 0.5 else _text(rng) for _ in range(rng.randrange(5))
        )
    close = rng.choice([f"</{tag}>", f"</{tag}>", f"</{tag}>", "", "</p>", "<!-- unclosed", "</div></div>"])
    return f"<{tag}{attrs}>{children}{close}"


@st.composite
def pages(draw) -> str:
    """Random markup from a seeded generator (cheap to draw), random bytes, or mixed encodings."""
    kind = draw(st.sampled_from(["markup", "markup", "markup", "bytes", "mixed"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400)).decode("utf-8", errors="replace")
    rng = random.Random(draw(st.integers(0, 2**64 - 1)))
    body = "".join(_element(rng, 0) for _ in range(rng.randrange(1, 6)))
    if kind == "mixed":  # a Latin-1 / UTF-8 / cp1252 patchwork decoded as UTF-8
        raw = body.encode("utf-8", "surrogatepass") + _text(rng).encode("latin-1", "replace")
        raw += _text(rng).encode("cp1252", "replace") + draw(st.binary(max_size=50))
        return raw.decode("utf-8", errors="replace")
    head = rng.choice(
        ["", "<meta name=robots content=noai>", "<base href='/b/'>", "<base href='::'>", _element(rng, 3)]
    )
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def check(doc: Document | None) -> None:
    if doc is None:
        return
    doc.validate()
    assert doc.texts and len(doc.texts) == len(doc.images) == len(doc.metadata)
    row = json.loads(json.dumps(doc.to_row()))
    Document.from_row(row).validate()
    for text in doc.texts:
        if text is not None:
            text.encode("utf-8")  # no lone surrogates reach the output
            assert MORE_LINK_MARK not in text
            assert text == text.strip()
    for image, meta in zip(doc.images, doc.metadata):
        if image is not None:
            assert image.startswith(("http://", "https://")) and meta["src"] == image
            image.encode("utf-8")
    opt_out = doc.general_metadata["opt_out"]
    assert set(opt_out) == {"noai", "noimageai", "noindex", "tdm_reservation", "sources"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(pages())
def test_arbitrary_html_never_crashes_and_yields_valid_documents(html):
    docs = {mode: extract_document(html, URL, mode=mode, http_headers={"x-robots-tag": "noai"}) for mode in MODES}
    for doc in docs.values():
        check(doc)
    # The explicit simplifier and the one-walk extractor apply the same rules.
    again = extract_document(simplify_html(html, URL), URL)
    first = docs["obelics"]
    assert (None if first is None else (first.texts, first.images)) == (
        None if again is None else (again.texts, again.images)
    )


ADVERSARIAL = {
    "deep divs": "<div>" * 5000 + "deep text<img src='/deep.jpg'>" + "</div>" * 5000,
    "deep unclosed inline": "<b><i>" * 5000 + "inline text",
    "deep paragraphs": "<p>" * 5000 + "para text",
    "deep tables": "<table><tr><td>" * 1000 + "cell text",
    "deep lists": "<ul><li>" * 3000 + "item text",
    "huge attribute": "<p>text</p><img src='/" + "a" * 1_000_000 + ".jpg'><div class='" + "x " * 200_000 + "'>t</div>",
    "huge srcset": "<img srcset='" + "/s.jpg 10w, " * 50_000 + "/big.jpg 99999w'><p>text</p>",
    "huge text": "<p>" + "word " * 400_000 + "</p>",
    "many images": "<p>t</p>" + "<img src='/i.jpg'>" * 5_000,
    "images deep in tables": "<table><tr><td>" * 1000 + "<img src='/deep.jpg'>cell text",
    "lazy images beside noscripts": "<p>"
    + "w <img src='/p.gif' data-src='/i.jpg'><noscript><img src='/n.jpg'></noscript>" * 3_000,
    "noscript among many comments": "<div>"
    + "<!-- c -->" * 20_000
    + "<img src='/a.jpg'></div><noscript><img src='/n.jpg'></noscript>",
    "broken markup": "<p<div>>x</p></div><img src=<a href='><<>/p>text<!-- <p>",
    "nul and controls": "<p>a\x00b\x01c\x1fd</p><img src='\x00/x.jpg'>",
    "lone surrogates": "<p>\ud800 text \udfff</p>",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_pages(name):
    html = ADVERSARIAL[name]
    for mode in MODES:
        check(extract_document(html, URL, mode=mode))
