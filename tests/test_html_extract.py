"""DOM-ordered extraction (reference stage 4) and opt-out signals: a hand-written page per rule."""

from __future__ import annotations

import gzip
import json

import pytest

from obelics.document import Document
from obelics.html.extract import MODES, extract_document
from obelics.html.media import parse_size, parse_srcset, resolve_url
from obelics.html.optout import opt_out_signals
from obelics.html.simplify import simplify_html

URL = "https://example.org/blog/2020/post.html"


def doc_of(body: str, url: str = URL, head: str = "", mode: str = "obelics", **kw) -> Document:
    doc = extract_document(f"<html><head>{head}</head><body>{body}</body></html>", url, mode=mode, **kw)
    assert doc is not None
    return doc


def images_of(body: str, **kw) -> list[str]:
    return [i for i in doc_of(body + "<p>text</p>", **kw).images if i is not None]


# ---- text: order, separators, line breaks, whitespace ----------------------------------------


@pytest.mark.parametrize(
    "html, expected",
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("<h2>Title</h2>text", "Title\n\ntext"),
        ("<blockquote>quoted</blockquote>after", "quoted\n\nafter"),
        ("<dl><dt>term</dt><dd>definition</dd></dl>after", "term\ndefinition\n\nafter"),
        ("<div>a</div><div>b</div>", "a\nb"),
        ("<section>a</section><article>b</article>", "a\nb"),
        ("<div><p>a</p></div><div>b</div>", "a\n\nb"),
        ("<div>a<div>b</div>c</div>", "a\nb\nc"),
        ("<p>a <b>b</b>c</p>", "a bc"),
    ],
)
def test_block_separators(html, expected):
    assert doc_of(html).text == expected


def test_paragraph_separator_wins_over_line_separator():
    assert doc_of("<div><div><p>a</p></div></div><div>b</div>").text == "a\n\nb"
    assert doc_of("<ul></ul><div>a</div><div><div>b</div></div>").text == "a\nb"


def test_br_is_a_line_break():
    assert doc_of("<p>line one<br>line two<br/>line three<BR class='x'>four</p>").text == (
        "line one\nline two\nline three\nfour"
    )
    assert doc_of("<p>one<br><br>two</p>").text == "one\n\ntwo"
    assert doc_of("<div>a<div><br></div>b</div>").text == "a\nb"


def test_whitespace_is_normalised():
    assert doc_of("<p>  a \n\t b&nbsp;&nbsp;c  </p><p>\n\n</p><p> d </p>").text == "a b c\n\nd"


def test_texts_and_images_keep_dom_order():
    doc = doc_of("<p>before</p><img src='/a.jpg'><div>middle</div><img src='/b.jpg'><img src='/c.jpg'>end")
    assert doc.texts == ["before", None, "middle", None, None, "end"]
    assert doc.images == [
        None,
        "https://example.org/a.jpg",
        None,
        "https://example.org/b.jpg",
        "https://example.org/c.jpg",
        None,
    ]
    assert doc.validate() is doc


def test_images_inside_figure_and_picture_are_kept_with_the_caption():
    doc = doc_of(
        "<p>intro</p><figure><img src='/fig.jpg' alt='A fig'><figcaption>The caption</figcaption></figure>"
        "<figure><picture><source srcset='/pic-800.webp 800w'><img src='/pic.jpg'></picture></figure>"
    )
    assert doc.images[1] == "https://example.org/fig.jpg"
    assert doc.texts[2] == "The caption"
    assert doc.images[3] == "https://example.org/pic-800.webp"


# ---- image sources -----------------------------------------------------------------------------


def test_lazy_load_attribute_priority():
    assert images_of("<img data-src='/lazy.jpg' src='data:image/gif;base64,R0lGODlhAQABAAAAACw='>") == [
        "https://example.org/lazy.jpg"
    ]
    assert images_of("<img src='' data-lazy-src='/ll.jpg' data-original='/orig.jpg'>") == [
        "https://example.org/orig.jpg"
    ]  # data-original comes before data-lazy-src in the list
    # A lazy-load attribute wins over src: the script swaps it in, src is its placeholder.
    assert images_of("<img src='/placeholder.gif' data-src='/lazy.jpg'>") == ["https://example.org/lazy.jpg"]
    assert images_of("<img src='/real.jpg' data-src=''>") == ["https://example.org/real.jpg"]
    assert images_of("<img data-src-fg='/fg.jpg' data-scroll-image='/scroll.jpg'>") == ["https://example.org/fg.jpg"]
    assert images_of("<img src2='/two.jpg'>") == ["https://example.org/two.jpg"]
    assert images_of("<img data-lazy='/a.jpg' data-gt-lazy-src='/b.jpg'>") == ["https://example.org/b.jpg"]


def test_srcset_takes_the_largest_candidate():
    assert images_of("<img srcset='/s.jpg 300w, /l.jpg 1200w, /m.jpg 800w'>") == ["https://example.org/l.jpg"]
    assert images_of("<img srcset='/1x.jpg, /3x.jpg 3x, /2x.jpg 2x'>") == ["https://example.org/3x.jpg"]
    assert images_of("<img src='data:,' data-srcset='/a.jpg 100w, /b.jpg 200w'>") == ["https://example.org/b.jpg"]


def test_srcset_keeps_commas_inside_urls():
    assert parse_srcset("/img/a,b.jpg 100w, /img/c,d.jpg 200w") == [
        ("/img/a,b.jpg", 100.0, None),
        ("/img/c,d.jpg", 200.0, None),
    ]
    assert parse_srcset("https://cdn.x/f_auto,q_80/p.jpg 1x,https://cdn.x/f_auto,q_80/p2.jpg 2x") == [
        ("https://cdn.x/f_auto,q_80/p.jpg", None, 1.0),
        ("https://cdn.x/f_auto,q_80/p2.jpg", None, 2.0),
    ]
    assert parse_srcset("a.jpg,b.jpg") == [("a.jpg,b.jpg", None, None)]
    assert parse_srcset("a.jpg, b.jpg 2x") == [("a.jpg", None, None), ("b.jpg", None, 2.0)]
    assert images_of("<img srcset='https://cdn.x/w_300,c_fill/p.jpg 300w, https://cdn.x/w_900,c_fill/p.jpg 900w'>") == [
        "https://cdn.x/w_900,c_fill/p.jpg"
    ]


def test_urls_with_commas_are_kept():
    assert images_of("<img src='https://res.cloudinary.com/x/image/upload/w_800,h_600,c_fill/photo.jpg'>") == [
        "https://res.cloudinary.com/x/image/upload/w_800,h_600,c_fill/photo.jpg"
    ]


def test_picture_sources_compete_and_the_largest_wins():
    html = (
        "<picture><source type='image/avif' srcset='/p-2000.avif 2000w'>"
        "<source media='(min-width: 800px)' srcset='/p-1600.jpg 1600w, /p-800.jpg 800w'>"
        "<source srcset='/p-400.jpg 400w'><img src='/p.jpg' alt='pic'></picture>"
    )
    assert images_of(html) == ["https://example.org/p-1600.jpg"]  # avif skipped
    assert images_of("<picture><source srcset='/alt.webp'><img src='/own.jpg'></picture>") == [
        "https://example.org/own.jpg"
    ]  # no descriptors anywhere: the img's own URL
    assert images_of("<picture><source srcset='/only.jpg'><img alt='x'></picture>") == ["https://example.org/only.jpg"]


@pytest.mark.parametrize(
    "picture, expected",
    [
        # broken markup: the source after the img and inside an <a>; the img has no URL of its own
        (
            "<picture><img alt='x'><a href='/l'><source srcset='/s-400.jpg 400w, /s,800.jpg 800w'></a></picture>",
            "/s,800.jpg",
        ),
        # the img is a child of the picture: it wins over one wrapped deeper
        ("<picture><a><img src='/nested.jpg'></a><img src='/direct.jpg'></picture>", "/direct.jpg"),
        ("<picture><a><img src='/nested.jpg'></a></picture>", "/nested.jpg"),
        # a nested picture is part of the same image: its sources compete too
        (
            "<picture><source srcset='/a.jpg 100w'><picture><source srcset='/big.jpg 900w'><img></picture><img></picture>",
            "/big.jpg",
        ),
        # a <video>'s sources are not image candidates
        ("<picture><video><source src='/movie.mp4'></video><img src='/still.jpg'></picture>", "/still.jpg"),
        ("<picture><video><source src='/movie.mp4'></video><img></picture>", None),
    ],
)
def test_picture_parts_in_broken_markup_agree_with_the_simplifier(picture, expected):
    body = f"<p>intro</p><code><figure>caption text{picture}</figure></code><p>after</p>"
    html = f"<html><head></head><body>{body}</body></html>"
    want = [] if expected is None else [f"https://example.org{expected}"]
    assert images_of(body) == want
    simplified = extract_document(simplify_html(html, URL), URL)
    direct = extract_document(html, URL)
    assert (simplified.texts, simplified.images) == (direct.texts, direct.images)


def test_base_href_and_relative_url_resolution():
    assert images_of("<img src='x.jpg'>", head="<base href='https://cdn.example.net/assets/'>") == [
        "https://cdn.example.net/assets/x.jpg"
    ]
    assert images_of("<img src='x.jpg'>", head="<base href='/static/'>") == ["https://example.org/static/x.jpg"]
    assert images_of("<img src='x.jpg'>", head="<base target='_blank'>") == ["https://example.org/blog/2020/x.jpg"]


@pytest.mark.parametrize(
    "src, expected",
    [
        ("img.jpg", "https://example.org/blog/2020/img.jpg"),
        ("./img.jpg", "https://example.org/blog/2020/img.jpg"),
        ("../img.jpg", "https://example.org/blog/img.jpg"),
        ("../../../../img.jpg", "https://example.org/img.jpg"),
        ("/img.jpg", "https://example.org/img.jpg"),
        ("//cdn.example.net/img.jpg", "https://cdn.example.net/img.jpg"),
        ("?id=7", "https://example.org/blog/2020/post.html?id=7"),
        ("http://other.org/a b.jpg", "http://other.org/a%20b.jpg"),
        ("  /spaced.jpg\n", "https://example.org/spaced.jpg"),
        ("HTTPS://Upper.example/x.png", "https://Upper.example/x.png"),
    ],
)
def test_relative_urls_resolve_like_a_browser(src, expected):
    assert images_of(f"<img src='{src}'>") == [expected]


def test_protocol_relative_urls_take_the_page_scheme():
    assert images_of("<img src='//cdn.example.net/i.jpg'>", url="http://example.org/") == [
        "http://cdn.example.net/i.jpg"
    ]


@pytest.mark.parametrize(
    "src",
    [
        "data:image/png;base64,iVBORw0KGgo=",
        "javascript:void(0)",
        "blob:https://x/1",
        "ftp://x.org/a.jpg",
        "mailto:a@b",
        "http://[::1/a.jpg",
        "http://x.org:99999/a.jpg",
        "http://x.org:\u00b2/a.jpg",
        "http:///a.jpg",
    ],
)
def test_data_and_non_http_urls_are_dropped(src):
    assert images_of(f"<img src='{src}'>") == []
    assert resolve_url(src, URL) is None


def test_relative_images_of_a_page_without_url_are_dropped():
    assert images_of("<img src='/a.jpg'><img src='https://x.org/b.jpg'>", url="") == ["https://x.org/b.jpg"]


def test_image_metadata():
    doc = doc_of("<img src='/photos/Red_Barn-300x200.jpg?v=2' alt='  A red\n barn ' width='300px' height='200'>")
    meta = doc.metadata[0]
    assert meta["src"] == "https://example.org/photos/Red_Barn-300x200.jpg?v=2"
    assert meta["unformatted_src"] == "/photos/Red_Barn-300x200.jpg?v=2"
    assert meta["document_url"] == URL
    assert meta["alt_text"] == "A red barn"
    assert (meta["rendered_width"], meta["rendered_height"]) == (300, 200)
    assert meta["formatted_filename"] == "Red Barn"
    assert set(meta) >= {"original_width", "original_height", "format"}
    from obelics.document import HUB_IMAGE_KEYS

    assert tuple(meta)[: len(HUB_IMAGE_KEYS)] == HUB_IMAGE_KEYS  # the published layout's keys, in order


@pytest.mark.parametrize(
    "value, expected",
    [
        ("300", 300),
        ("300px", 300),
        (" 250.5 ", 250),
        ("100%", None),
        ("auto", None),
        ("", None),
        ("-5", None),
        ("9" * 5000, None),
    ],
)
def test_declared_sizes(value, expected):
    assert parse_size(value) == expected


def test_unformatted_src_is_the_chosen_srcset_candidate():
    doc = doc_of("<img srcset='/a.jpg 1x, /b.jpg 2x'>")
    assert doc.metadata[0]["unformatted_src"] == "/b.jpg"


# ---- documents -----------------------------------------------------------------------------------


def test_nothing_extracted_gives_none():
    assert extract_document("<html><body><script>x</script><nav>menu</nav></body></html>", URL) is None
    assert extract_document("", URL) is None


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match="main-content"):
        extract_document("<p>x</p>", URL, mode="readability")


@pytest.mark.parametrize("mode", MODES)
def test_documents_round_trip_as_rows(mode):
    doc = doc_of(
        "<article><p>Some words here for the test.</p><img src='/x.jpg' width='400'><p>more</p></article>", mode=mode
    )
    again = Document.from_row(json.loads(json.dumps(doc.to_row())))
    assert again.validate().texts == doc.texts and again.metadata == doc.metadata
    assert again.general_metadata["url"] == URL


def test_the_real_common_crawl_record(data_dir):
    from warcio.archiveiterator import ArchiveIterator

    with gzip.open(data_dir / "cc-whirlwind.warc.gz", "rb") as fh:
        record = next(r for r in ArchiveIterator(fh) if r.rec_type == "response")
        url = record.rec_headers.get_header("WARC-Target-URI")
        html = record.content_stream().read().decode("utf-8")
    obelics = extract_document(html, url)
    main = extract_document(html, url, mode="main-content")
    assert obelics is not None and main is not None
    for doc in (obelics, main):
        assert "Escopete ye un municipio d'a provincia de Guadalachara" in doc.text
        assert "Ye situato a 860 metros d'altaria" in doc.text
    # OBELICS keeps the page's own boilerplate (skip link, category footer); main content does not.
    for boilerplate in ("Ir al contenido", "Obteniu de", "Categoría:", "[editar"):
        assert boilerplate not in main.text
    assert "Ir al contenido" in obelics.text
    # OBELICS drops the infobox table's text but keeps its images (the flag icons too: they are the
    # image filters' business); the tracking pixel in a <noscript> after the article is dropped.
    assert "Hilario Lopez Ferrer" not in obelics.text and "Hilario Lopez Ferrer" in main.text
    assert any("Iglesia_de_Nuestra" in i for i in obelics.images if i)
    assert not any("CentralAutoLogin" in i for i in obelics.images if i)
    # Main content keeps the article's photo, not the bare flag icons nor the site's logo.
    photos = [i for i in main.images if i]
    assert any("Iglesia_de_Nuestra" in i for i in photos)
    assert not any("Flag_of_Spain" in i or "wikipedia.png" in i for i in photos)


# ---- opt-out signals -------------------------------------------------------------------------------


def opt_out_of(head: str = "", headers: dict | None = None) -> dict:
    return doc_of("<p>x</p>", head=head, http_headers=headers).general_metadata["opt_out"]


def test_no_signal():
    assert opt_out_of() == {
        "noai": False,
        "noimageai": False,
        "noindex": False,
        "tdm_reservation": False,
        "sources": [],
    }


def test_robots_meta():
    out = opt_out_of("<meta name='robots' content='noai, noimageai'>")
    assert out["noai"] and out["noimageai"] and not out["noindex"]
    assert out["sources"] == ["noai:meta:robots", "noimageai:meta:robots"]
    assert opt_out_of("<meta name='ROBOTS' content='NOINDEX,nofollow'>")["noindex"]
    assert opt_out_of("<meta name='robots' content='none'>")["noindex"]


def test_agent_meta_counts_only_for_our_agents():
    out = opt_out_of("<meta name='CCBot' content='noai'><meta name='googlebot' content='noindex, noimageai'>")
    assert out["noai"] and not out["noindex"] and not out["noimageai"]
    assert out["sources"] == ["noai:meta:ccbot"]
    assert opt_out_of("<meta name='obelics' content='noimageai'>")["noimageai"]


def test_x_robots_tag_header():
    out = opt_out_of(headers={"x-robots-tag": "noai, noimageai"})
    assert out["noai"] and out["noimageai"] and "noai:header:x-robots-tag" in out["sources"]
    out = opt_out_of(headers={"x-robots-tag": "googlebot: noindex, otherbot: noai"})
    assert not out["noindex"] and not out["noai"]
    out = opt_out_of(headers={"x-robots-tag": "unavailable_after: 25 Jun 2010 15:00:00 PST, CCBot: noimageai"})
    assert out["noimageai"] and not out["noai"]
    assert opt_out_of(headers={"content-type": "text/html"}) == opt_out_of()


def test_tdm_reservation_header_and_meta():
    assert opt_out_of(headers={"tdm-reservation": "1"})["tdm_reservation"]
    assert not opt_out_of(headers={"tdm-reservation": "0"})["tdm_reservation"]
    out = opt_out_of("<meta name='tdm-reservation' content='1'>")
    assert out["tdm_reservation"] and out["sources"] == ["tdm_reservation:meta:tdm-reservation"]


def test_signals_are_the_same_in_both_modes_and_kept_when_nothing_else_is():
    for mode in MODES:
        doc = doc_of("<p>text</p>", head="<meta name='robots' content='noimageai'>", mode=mode)
        assert doc.general_metadata["opt_out"]["noimageai"]


def test_opt_out_signals_function():
    out = opt_out_signals([("robots", "", "noai"), ("", "X-Robots-Tag", "noindex")], {"x-robots-tag": ["noimageai"]})
    assert out["noai"] and out["noindex"] and out["noimageai"]
    assert out["sources"] == [
        "noai:meta:robots",
        "noindex:meta:http-equiv:x-robots-tag",
        "noimageai:header:x-robots-tag",
    ]
