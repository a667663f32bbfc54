"""The shortcuts of the image handling the walk shares give exactly what the plain computations give."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from obelics.html import kept_images, media
from obelics.html.kept_images import INVISIBLE_IMG_WORDS, keep_image
from obelics.html.media import IMG_SOURCE_ATTRS, Resolver, formatted_filename, img_source

BASES = ("https://example.com/a/b.html", "http://example.com:8080/dir/", "ftp://example.com/x", "not a url")
PATHS = (
    "/img/a.jpg",
    "/img/../a.jpg",
    "/./a.jpg",
    "/a b.jpg",
    "/a\tb.jpg",
    "/a\nb.jpg ",
    " /lead.png\n",
    "//cdn.example.com/x.png",
    "/",
    "/?q=1",
    "/#frag",
    "/dir/.hidden.png",
    "/x.png?a=/./b",
)


def _plain_resolve(value: str, base: str) -> str | None:
    """The resolution without fast paths: strip, drop tabs and newlines, encode spaces, urljoin."""
    v = value.strip(" \t\n\r\f")
    if not v or len(v) > media.MAX_URL_LENGTH or v[:5].lower() == "data:":
        return None
    v = re.sub(r"[\t\n\r]", "", v).replace(" ", "%20")
    try:
        absolute = urljoin(base, v)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        parts.port  # noqa: B018
    except ValueError:
        return None
    return absolute


def test_paths_resolved_by_the_fast_path_equal_urljoin():
    for base in BASES:
        resolve = Resolver(base)
        for path in PATHS:
            assert resolve(path) == _plain_resolve(path, base), (base, path)
    assert Resolver(BASES[0])("/img/a.jpg") == "https://example.com/img/a.jpg"


def _plain_img_source(attrs: dict[str, str | None], base: str) -> tuple[str, str] | None:
    """The first usable value in IMG_SOURCE_ATTRS order (every attribute tried), else other_source."""
    resolve = Resolver(base)
    for name in IMG_SOURCE_ATTRS:
        value = attrs.get(name)
        if not value or value[:5].lower() == "data:":
            continue
        if name in media.SRCSET_ATTRS or (" " in value.strip() and media._LOOKS_LIKE_SRCSET.search(value)):
            found = media._largest(media.parse_srcset(value), resolve)
            if found:
                return found
            continue
        if name in media._LAZY_SET and "/" not in value and "." not in value:
            continue
        absolute = resolve(value)
        if absolute:
            return absolute, value.strip(" \t\n\r\f")
    return media.other_source(attrs, resolve)


def test_plain_src_shortcut_equals_trying_every_source_attribute():
    cases = [
        {"src": "/a.jpg"},
        {"src": "a.jpg", "srcset": "b.jpg 2x"},
        {"src": "data:image/gif;base64,R0l", "srcset": "/b.jpg 100w, /c.jpg 200w"},
        {"src": "DATA:x", "src2": "/z.png"},
        {"src": " /spaced.jpg "},
        {"src": "/a.jpg 640w, /b.jpg 1280w"},
        {"src": "javascript:void(0)", "srcset": "/b.jpg"},
        {"src": "mailto:x@example.com", "data-big": "/photo.jpg"},
        {"src": "", "data-src": "/lazy.jpg"},
        {"src": "/a.jpg", "data-lazy": "true"},
        {"src": "//cdn.example.com/x.png"},
        {"src": "https://other.example.org/p.webp"},
        {"alt": "no source"},
    ]
    for base in BASES:
        for attrs in cases:
            assert img_source(attrs, base) == _plain_img_source(attrs, base), (base, attrs)
    assert img_source({"src": "/a.jpg"}, BASES[0]) == ("https://example.com/a.jpg", "/a.jpg")


def _plain_invisible_words(text: str) -> bool:
    tokens = [t for t in re.split(r"[^a-z]+", text.lower()) if t]
    return any(t in INVISIBLE_IMG_WORDS or (t.endswith("s") and t[:-1] in INVISIBLE_IMG_WORDS) for t in tokens)


def test_invisible_words_after_the_substring_check_equal_the_token_check():
    texts = [
        "",
        "photo lead",
        "Spacer",
        "spacers",
        "transparent-gif",
        "clearfix",
        "clear",
        "TRACKING_PIXEL",
        "trackers",
        "track",
        "avatar-32",
        "gravatars",
        "blankets",
        "/img/1x1-pixel.gif",
        "/uploads/2023/beacon.png",
        "\u212aelvin-blank",
        "p\u0130xel",
    ]
    for text in [*texts, *kept_images.INVISIBLE_IMG_WORDS]:
        assert kept_images._invisible_words(text) == _plain_invisible_words(text), text
    assert not keep_image({"class": "wp-avatar"}, "https://example.com/a.jpg")
    assert keep_image({"class": "lead"}, "https://example.com/photo.jpg")


def _plain_formatted_filename(src: str) -> str:
    name = src[src.rfind("/") + 1 :]
    dot = name.find(".")
    if dot != -1:
        name = name[:dot]
    if re.search(r"\?[A-Za-z0-9]+=", name):
        return ""
    for code in ("%20", "%2B", "%2", "%B", "%"):
        name = name.replace(code, " ")
    name = re.sub(r"[0-9]+x[0-9]+", "", name)
    name = " ".join(name.translate(str.maketrans(dict.fromkeys("_-+\n0123456789", " "))).split())
    return name if len(name) > 1 else ""


def test_formatted_filename_equals_the_plain_steps():
    for src in (
        "https://example.com/a/photo-3-6.jpg",
        "https://example.com/related-3-0-150x150.jpg",
        "https://example.com/x",
        "https://example.com/dir/",
        "no-slash.name.png",
        "https://example.com/a%20b%2Bc.png",
        "https://example.com/img?id=42",
        "https://example.com/Lead_Photo.v2.jpg",
        "https://example.com/caf\u00e9\u2003menu\x1cd\u0663.png",
        "https://example.com/a\nb\x85c-\u00a0-12x3x4.png",
    ):
        assert formatted_filename(src) == _plain_formatted_filename(src), src
    assert formatted_filename("https://example.com/lead-3-1600.jpg") == "lead"


WHITESPACE = [chr(c) for c in range(0x3001) if chr(c).isspace()]


def test_collapsed_spaces_equal_splitting_and_joining_for_every_whitespace_character():
    from obelics.html.extract import _collapsed_spaces

    samples = [
        "",
        " ",
        "word",
        "two words",
        " lead",
        "tail ",
        "a  b",
        "zero\u200bwidth",
        "soft\xadhyphen",
        "caf\u00e9 \u4e2d\u6587",
    ]
    for ws in WHITESPACE:
        samples += [f"a{ws}b", f"{ws}a b", f"a b{ws}", f"a {ws}b", f"{ws}", f"a{ws}{ws}b"]
    for text in samples:
        assert _collapsed_spaces(text) == " ".join(text.split()), repr(text)
    assert _collapsed_spaces(" a\xa0 b\t") == "a b"


def test_the_walk_collapses_whitespace_as_splitting_and_joining_does():
    from obelics.html.extract import extract_document

    paragraphs = [
        "plain words here",
        "no\xa0break\u2003em  double\tTab",
        "zero\u200bwidth ends ",
        " lead\nline\r\nbreaks",
    ]
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>"
    for mode in ("obelics", "main-content"):
        doc = extract_document(html, "https://example.com/", mode=mode)
        assert doc is not None
        assert doc.texts == ["\n\n".join(" ".join(p.split()) for p in paragraphs)], mode


def test_alt_texts_collapse_whitespace_as_splitting_and_joining_does():
    from obelics.html.extract import extract_document

    alts = ["", "   ", "plain alt", " a\xa0 b\t", "line\nbreak  and\u2003em"]
    story = "<p>" + "A paragraph of the story that holds the pictures, long enough to be the article. " * 4 + "</p>"
    images = "".join(f'<img src="/i{k}.jpg" alt="{alt}">' for k, alt in enumerate(alts))
    html = f"<html><body><article>{story}<p>{images}<img src=/none.jpg></p>{story}</article></body></html>"
    for mode in ("obelics", "main-content"):
        doc = extract_document(html, "https://example.com/", mode=mode)
        assert doc is not None
        found = [meta["alt_text"] for meta in doc.metadata if meta is not None]
        assert found == [" ".join(alt.split()) for alt in alts] + [""], mode


def test_texts_are_of_the_text_kind_in_every_kinds_table_as_the_walk_assumes():
    from obelics.html.extract import K_TEXT, MAIN_KINDS, OBELICS_KINDS, walk
    from obelics.html.simplify import TEXT_ID, parse

    # The walk tells a text by its id before looking its kind up: both must say the same.
    for kinds in (MAIN_KINDS, OBELICS_KINDS):
        assert kinds.table[TEXT_ID] == (K_TEXT, 0)
        assert [tid for tid, (kind, _) in enumerate(kinds.table) if kind == K_TEXT] == [TEXT_ID]
    tree = parse("<html><body><p>One <b>two</b>  three</p><ul><li>four</li></ul>five</body></html>")
    assert walk([tree.body], MAIN_KINDS, "https://example.com/", "https://example.com/") == [
        "One two three\n\nfour\n\nfive"
    ]


def test_noscript_images_told_from_the_noscripts_already_found_equal_a_fresh_look():
    from obelics.html.media import has_noscript_images, image_holders
    from obelics.html.simplify import parse

    pages = (
        "<html><body><img data-src='/a.jpg'><noscript><img src='/a.jpg'></noscript></body></html>",
        "<html><body><noscript><p>Enable scripts</p></noscript><img src='/b.jpg'></body></html>",
    )
    answers = []
    for page in pages:
        tree = parse(page)
        holders = image_holders(tree)
        answers.append(has_noscript_images(tree, holders, tree.tags("noscript")))
        assert answers[-1] == has_noscript_images(tree, holders)
    assert answers == [True, False]


def test_resolvers_of_plain_bases_take_the_scheme_and_origin_urlsplit_gives():
    import random
    from urllib.parse import urlsplit

    from obelics.html.media import Resolver

    def plain(base: str) -> tuple[str, str]:
        try:
            parts = urlsplit(base)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        except ValueError:
            ok = False
        return (parts.scheme if ok else "", f"{parts.scheme}://{parts.netloc}" if ok else "")

    rng = random.Random(13)
    schemes = ["http", "https", "HTTP", "ftp", "http:", ""]
    hosts = ["www", ".", "Example", "-", "com", "a", "@", "[", "]", " ", "\t", "\u00e9", "x", "9", ""]
    tails = ["", "/", "/path?q=1", "?", "#", ":80", ":8080/x", ":", "\n", " /x", "\\x", "@h/"]
    bases = ["https://www.example.com/news/story.html", "http://host", "http://host:8080?q=1", "https://h/#x",
             "http://:80/", "http://./", "https://user@host/", "http://[::1]/", "http://[bad/", " http://host/",
             "http://ho\tst/", "HTTPS://Host/", "https://host\n", "https:host", "javascript:void(0)", ""]  # fmt: skip
    for _ in range(5000):
        host = "".join(rng.choice(hosts) for _ in range(rng.randint(0, 4)))
        bases.append(rng.choice(schemes) + rng.choice(["://", "//", ":/"]) + host + rng.choice(tails))
    fast = 0
    for base in bases:
        resolver = Resolver(base)
        assert (resolver.scheme, resolver.origin) == plain(base), base
        fast += bool(resolver.origin)
    assert fast > 300
