"""The OBELICS DOM rules (reference stage 3): one hand-written page per rule, each failing without it."""

from __future__ import annotations

from obelics.html.extract import extract_document
from obelics.html.simplify import END_OF_DOCUMENT, simplify_html

URL = "https://example.org/blog/post.html"


def text_of(html: str, mode: str = "obelics") -> str:
    doc = extract_document(f"<html><body>{html}</body></html>", URL, mode=mode)
    return "" if doc is None else doc.text


def test_comments_are_dropped():
    assert text_of("<p>visible<!-- secret note --> text</p>") == "visible text"


def test_inline_tags_are_unwrapped_not_dropped():
    html = "<p>Hello <b>bold</b>, <i>it</i><a href='/x'>link</a> <span>and</span> <code>x=1</code>!</p>"
    assert text_of(html) == "Hello bold, itlink and x=1!"


def test_non_content_tags_are_dropped_with_their_content():
    html = (
        "<p>keep</p><script>var a = 'script text';</script><style>p{color:red}</style>"
        "<nav>nav text</nav><header>header text</header><footer>footer text</footer>"
        "<form>form text<input value=x></form><table><tr><td>cell text</td></tr></table>"
        "<ul><li>list item text</li></ul><my-widget>custom element text</my-widget><pre>pre text</pre>"
    )
    assert text_of(html) == "keep"


def test_simplified_html_keeps_the_images_of_dropped_elements_in_their_place():
    html = (
        "<p>before</p><table><tr><td>cell text<img src='/g/1.jpg' alt='one' width='300'></td>"
        "<td><a href='/big'><img data-src='/g/2.jpg' src='/ph.gif'></a></td></tr></table>"
        "<ul><li>item text<img class='lazy' src='/ph.gif'><noscript><img src='/g/3.jpg'></noscript></li></ul>"
        "<nav><img src='/logo.png'></nav><script>ad()</script><noscript><img src='/ad.gif'></noscript><p>after</p>"
    )
    out = simplify_html(html, URL)
    body = out[out.index("<body>") : out.index("</body>")]
    assert body == (
        '<body><p>before</p><img src="https://example.org/g/1.jpg" alt="one" width="300">'
        '<img src="https://example.org/g/2.jpg"><ul><img src="https://example.org/g/3.jpg"></ul><p>after</p>'
    )


def test_special_divs_are_removed_by_exact_id_class_or_title():
    html = (
        "<div id='nav'>by id</div><div class='menu'>by class</div><div title='footer'>by title</div>"
        "<div class='navbar'>navbar</div><div id='navigation'>navigation</div><div id='header'>header</div>"
        "<div class='menu-item'>not exact, kept</div><p>body</p>"
    )
    assert text_of(html) == "not exact, kept\n\nbody"


def test_footer_and_site_info_class_tokens_are_removed_on_any_element():
    html = (
        "<section class='page footer dark'>footer token</section><span class='site-info'>site info</span>"
        "<div class='footerish'>not the token, kept</div><p>body</p>"
    )
    assert text_of(html) == "not the token, kept\n\nbody"


def test_date_divs_lose_their_own_text():
    html = "<div class='entry-date'><span>March 3,</span> 2020<p>child paragraph stays</p></div><p>body</p>"
    assert text_of(html) == "child paragraph stays\n\nbody"


def test_more_link_becomes_an_end_of_document_paragraph():
    html = "<p>First post teaser <a class='more-link' href='/1'>Read more</a></p><p>Second post</p>"
    assert text_of(html) == f"First post teaser\n\n{END_OF_DOCUMENT}\n\nSecond post"
    # Repeated markers collapse, and none opens or closes a document.
    html = "<p><a class='more-link'>more</a>Only</p><p>post <a class='more-link'>a</a><a class='more-link'>b</a></p>"
    assert text_of(html) == "Only\n\npost"


def test_empty_leaves_are_removed():
    assert simplify_html("<div><div> </div><p></p><section><div></div></section><p>x</p></div>") == (
        "<html><body><div><p>x</p></div></body></html>"
    )
    # An element left empty separates nothing: the texts around it join as if it were absent.
    assert text_of("<div>a<section><div> </div></section>b</div>") == "ab"


def test_media_without_a_source_are_removed():
    out = simplify_html("<div><img alt='no source'><video></video><iframe src='x'></iframe><p>x</p></div>")
    assert "img" not in out and "video" not in out and "iframe" not in out
    assert simplify_html("<video><source src='https://e.org/v.mp4'></video>").count("<video>") == 1
    doc = extract_document("<p>a</p><img alt='x'><img src='data:image/gif;base64,R0lGOD'>", URL)
    assert doc is not None and doc.num_images == 0


def test_a_parent_collapses_into_its_only_child_of_the_same_tag():
    out = simplify_html("<div><div><div><p>x</p></div></div></div><section><section>y</section>z</section>")
    assert "<div><p>x</p></div>" in out and out.count("<div>") == 1
    assert out.count("<section>") == 2  # the outer section has text of its own: no collapse


def test_simplified_html_is_much_smaller_and_extracts_the_same():
    body = "".join(
        f"<div class='row'><span class='x'><a href='/p{i}'>link {i}</a></span><script>var x{i}=1;</script>"
        f"<p style='color: red'>Paragraph {i} <b>bold</b> text.</p><img data-src='/img/{i}.jpg' src='data:,' "
        f"alt='photo {i}' width='300' class='lazy'></div>"
        for i in range(30)
    )
    html = f"<html><head><style>{'a{b:c}' * 500}</style></head><body><nav>{'<a>n</a>' * 100}</nav>{body}</body></html>"
    simple = simplify_html(html, URL)
    assert len(simple) * 3 < len(html)
    full = extract_document(html, URL)
    again = extract_document(simple, URL)
    assert full is not None and again is not None
    assert full.texts == again.texts and full.images == again.images


def _both_ways(html: str) -> tuple[list, list]:
    """(texts, images) of the page, extracted in one walk and from its simplified HTML."""
    full, again = extract_document(html, URL), extract_document(simplify_html(html, URL), URL)
    assert full is not None and again is not None
    return (full.texts, full.images), (again.texts, again.images)


def test_simplified_html_parses_back_to_the_tree_it_was_written_from():
    # Foster parenting nests blocks where serialised HTML cannot (a div in a p, quirks mode; a heading
    # in a heading; a dd in a dt), and a stray heading end tag closes the outer heading: written as
    # such, the simplified HTML would parse into another tree with other separators.
    cases = {
        "<html><body><p>a<table><div>b</div></table>c</p>d</body></html>": "a\nb\nc\n\nd",
        "<!doctype html><h1><span><h3>a</h3>b</h3>c": "a\n\nb\n\nc",
        "<!doctype html><h1>a<table><h2>b</h2></table>c</h1>d": "a\n\nb\n\nc\n\nd",
        "<!doctype html><div><dt>a<table><dd>b</dd></table>c</dt>d</div>": "a\nb\nc\nd",
    }
    for html, text in cases.items():
        full, again = _both_ways(html)
        assert full == again == ([text], [None]), html
    assert "<p>" not in simplify_html("<p>a<table><div>b</div></table>c</p>", URL)


def test_whitespace_inside_an_element_left_empty_is_no_space():
    full, again = _both_ways("<!doctype html><p>a<title> </title>b</p><p>c<b> </b>d</p>")
    assert full == again == (["ab\n\nc d"], [None])  # an unwrapped inline tag keeps its whitespace
