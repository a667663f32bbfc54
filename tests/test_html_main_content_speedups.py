"""The shortcuts of the main-content mode's hot paths give exactly what the plain computations give."""

from __future__ import annotations

import gc
import sys

from obelics.html.article import _SCORED_IDS, _initial_score, _text_lengths, find_article
from obelics.html.boilerplate import (
    ATTRIBUTE_SELECTOR,
    PROTECT_SELECTOR,
    _suspects,
    remove_boilerplate,
)
from obelics.html.names import _classify, attribute_names, classify_name, is_hidden
from obelics.html.simplify import parse
from obelics.html.text_blocks import LinkText, nonspace, text_length

NESTED_PAGE = """<html><body>
<div id="outer"><!-- a comment holds no text -->
  <div id="middle">Lead line, with commas, before the blocks.
    <div id="inner"><p>First paragraph of the story, long enough to count as a block of text.</p>
      <p>Second paragraph &nbsp; with <a href="/x">a link</a> and\ttabs, and more words after it.</p></div>
    <span>tail <b>text</b></span>
  </div>
  <section><p>A paragraph in a section beside the middle one, also long enough to be scored.</p></section>
</div></body></html>"""


def test_text_lengths_of_nested_candidates_equal_each_ones_own_text_length():
    tree = parse(NESTED_PAGE)
    nodes = {node.mem_id: node for node in tree.css("div,section,p,body")}
    lengths = _text_lengths(nodes)
    assert lengths == {key: text_length(node) for key, node in nodes.items()}
    assert lengths[tree.body.mem_id] > lengths[tree.css_first("#inner").mem_id] > 0


def test_find_article_leaves_no_reference_to_the_parse_tree_behind():
    tree = parse(NESTED_PAGE)
    blocks = remove_boilerplate(tree)
    assert blocks is not None
    links = LinkText(tree.body)
    gc.collect()
    gc.disable()  # a reference cycle through the page's nodes would keep the tree until the cyclic collector runs
    try:
        before = sys.getrefcount(tree)
        best, _, scores = find_article(blocks, links)
        assert best is not None and scores
        del best
        assert sys.getrefcount(tree) == before
    finally:
        gc.enable()


def test_name_verdicts_are_the_union_of_their_tokens_verdicts():
    cases = {
        "post-content entry": (False, False, True),
        "comment-list": (True, False, False),
        "sidebar widget": (False, True, False),
        "article-body share-buttons": (True, False, True),
        "col-md-8 wrapper": (False, False, False),
        "relatedPosts": (True, False, False),  # a hard prefix
        "ads": (False, True, False),  # plural of a soft word
    }
    for name, verdict in cases.items():
        assert _classify(name) == verdict, name
        assert classify_name(name) == verdict, name


def test_suspects_are_the_hidden_and_the_boilerplate_named_in_document_order():
    tree = parse(
        '<html><body class="comments"><main class="share"><div hidden>a</div>'
        '<div class="related" id="x">b</div><div style="display: none">c</div>'
        '<div class="story">d</div><p role="navigation">e</p></main></body></html>'
    )
    suspects, protected = _suspects(tree)
    assert [(node.tag, names) for node, names in suspects] == [
        ("main", "share "),
        ("div", None),
        ("div", "related x"),
        ("div", None),
        ("p", None),
    ]  # <body> is never judged, and an element with both a class and an id is listed once
    assert tree.css_first("main").mem_id in protected and tree.body.mem_id in protected


def test_text_lengths_of_ascii_texts_equal_the_counted_lengths():
    from obelics.html.text_blocks import TextBlocks, nonspace

    samples = ["", " a\tb\nc\rd ", "x\x0by\x0cz\x1c\x1d\x1e\x1f w", "caf\xe9 \xa0 na\u2003\u00efve", "\u3000\n\u2028"]
    for text in samples:
        counted = len(text) - sum(text.count(c) for c in " \n\t\r\xa0")
        assert nonspace(text) == counted
    # A block's length is its text without any Unicode whitespace (ASCII or not).
    page = parse(
        "<html><body><p>one\x0btwo\x1fthree four five six seven eight nine ten</p><p>caf\xe9\u2003ok "
        "and a few more words here</p></body></html>"
    )
    lengths = [entry[1] for entry in TextBlocks(page.body).blocks.values()]
    assert lengths == [len("".join(t.split())) for t in (p.text() for p in page.css("p"))]


BLOCKS_PAGE = """<html><body><div id="page">
  <div id="story"><p>A first paragraph of the story, long enough to count as article-like text for the sums of every element above it.</p>
    <p>A second paragraph of the same story, with a <a href="/x">link</a>, also long enough to be counted as article-like text.</p>
    <blockquote><p>A quoted paragraph inside the story, nested one level deeper, long enough to count as article-like text too.</p></blockquote>
    <div>Text held directly by a div, with commas, and long enough to be an article-like block of text on its own.
      <p>A paragraph inside that div, long enough to be its own article-like block inside another block of text.</p></div></div>
  <ul id="menu"><li><a href="/a">A menu entry that is long enough</a></li><li><a href="/b">Another menu entry long enough</a></li></ul>
  <div id="aside"><p>A side note that is long enough to be a block but holds a <a href="/c">link to another page of the site</a>.</p></div>
</div></body></html>"""


def _plain_good(blocks):
    """Article-like text under each element, climbing from every good block on its own."""
    from obelics.html.text_blocks import GOOD_BLOCK_LENGTH, GOOD_BLOCK_LINK_SHARE

    good = {}
    for node, length, linked, _ in blocks.blocks.values():
        if length >= GOOD_BLOCK_LENGTH and linked <= GOOD_BLOCK_LINK_SHARE * length:
            while node is not None:
                good[node.mem_id] = good.get(node.mem_id, 0) + length
                node = node.parent
    return good


def test_good_text_summed_per_parent_equals_each_blocks_own_climb():
    from obelics.html.text_blocks import TextBlocks

    tree = parse(BLOCKS_PAGE)
    blocks = TextBlocks(tree.body)
    assert len(blocks._chains) >= 5  # nested and sibling good blocks under shared parents
    assert blocks.good == _plain_good(blocks)
    assert blocks.total_good == blocks.good[tree.body.mem_id] > 0


def test_dropping_blocks_under_removed_elements_equals_climbing_from_each_block():
    from obelics.html.text_blocks import TextBlocks

    tree = parse(BLOCKS_PAGE)
    blocks = TextBlocks(tree.body)
    removed_nodes = [
        tree.css_first(selector) for selector in ("#story > div", "#story > div > p", "blockquote", "#menu")
    ]
    removed = {node.mem_id for node in removed_nodes}  # (a div and a paragraph inside it, listed outer first)

    def outside(node):
        while node is not None:
            if node.mem_id in removed:
                return False
            node = node.parent
        return True

    expected = [key for key, entry in blocks.blocks.items() if outside(entry[0])]
    blocks.drop_under(removed_nodes)
    assert list(blocks.blocks) == expected and len(expected) >= 3
    kept_good = _plain_good(blocks)
    assert {key: value for key, value in blocks.good.items() if value} == kept_good


PRUNED_PAGE = """<html><body><div id="region">
  <div class="box promo"><p>An article paragraph that is long enough, with commas, and without any links in it.</p>
    <div class="teasers"><a href="/1"><img src="/a.jpg" width="200" height="150"></a> <a href="/2">Read the next story here</a>
      <a href="/3">And another one</a></div></div>
  <section><h3>Share this</h3><a href="/s"><img src="/share.png" width="100" height="100"></a></section>
  <div class="photo"><img src="/photo.jpg" width="600" height="400"><p>A caption of the photo, with a <a href="/p">link</a>.</p></div>
  <table><tr><td><a href="/t"><img src="/t.jpg" width="300" height="200"></a> a cell of links <a href="/u">more</a></td></tr></table>
</div></body></html>"""


def test_block_lengths_the_pruning_leaves_are_the_blocks_text_lengths_and_change_nothing():
    from obelics.html.pruning import PRUNE_SELECTOR, drop_linked_block_images, prune

    outcomes = []
    for shared in (False, True):
        tree = parse(PRUNED_PAGE)
        region = tree.css_first("#region")
        links = LinkText(tree.body)
        lengths: dict[int, int] = {}
        prune(region, links, lengths if shared else None)
        if shared:
            attached = {node.mem_id: node for node in region.css(PRUNE_SELECTOR) if node.mem_id != region.mem_id}
            assert attached and all(lengths[key] == text_length(node) for key, node in attached.items())
        drop_linked_block_images(region, links, lengths if shared else None)
        outcomes.append(region.html)
    assert outcomes[0] == outcomes[1]
    assert "/a.jpg" not in outcomes[1] and "/photo.jpg" in outcomes[1]


REGIONS_PAGE = """<html><body>
<div id="one"><p>The first region, with a lazy image whose plain twin waits in a noscript.</p>
  <img class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==" data-src="/lazy.jpg">
  <noscript><img src="/plain.jpg" width="300" height="200"></noscript></div>
<div id="two"><p>The second region.</p><figure><img src="/b.jpg" width="300" height="200"></figure>
  <noscript><p>Please enable JavaScript to read the comments.</p></noscript></div>
<div id="three"><p>The third region, a <header>header in it</header> and a picture.</p>
  <picture><source srcset="/c-800.jpg 800w, /c-1600.jpg 1600w"><img src="/c.jpg"></picture></div>
</body></html>"""


def test_the_walk_finds_image_holders_once_per_page_as_it_would_per_region():
    from obelics.html.extract import MAIN_KINDS, walk
    from obelics.html.kept_images import keep_image

    tree = parse(REGIONS_PAGE)
    roots = [tree.css_first(selector) for selector in ("#one", "#two", "#three")]
    url = "https://example.com/a/page.html"
    once = walk(roots, MAIN_KINDS, url, url, keep_image, tree)
    per_region = walk(roots, MAIN_KINDS, url, url, keep_image)  # (no page given: each region's own)
    assert once == per_region
    assert [item["src"] for item in once if isinstance(item, dict)] == [
        "https://example.com/plain.jpg",  # the lazy image gives way to its twin, once
        "https://example.com/b.jpg",
        "https://example.com/c-1600.jpg",
    ]


IMAGE_REGIONS_PAGE = """<html><body><div id="wrap">
  <div class="strip"><a href="/1"><img src="/1.jpg" width="200" height="150"></a><a href="/2">The next story in the strip</a>
    <a href="/3"><img src="/3.jpg" width="200" height="150"></a><a href="/4">Another story of the strip</a></div>
  <div class="text"><p>A paragraph of prose, with commas, and no link at all, long enough to weigh something here.
    It goes on for a while, sentence after sentence, so that the links of the strip above are a small part
    of what the page says, and the wrapper around both is no block of links.</p>
    <img src="/5.jpg" width="400" height="300"></div>
</div></body></html>"""


def test_image_regions_share_measured_lengths_with_the_same_outcome():
    from obelics.html.pruning import drop_linked_block_images

    outcomes = []
    for shared in (False, True):
        tree = parse(IMAGE_REGIONS_PAGE)
        links = LinkText(tree.body)
        lengths: dict[int, int] = {}
        for img in tree.css("img"):  # each image a region of its own, as the content images join
            drop_linked_block_images(img, links, lengths if shared else {})
        if shared:
            measured = {node.mem_id: node for node in tree.css("div")}
            assert {key: lengths[key] for key in measured if key in lengths} == {
                key: text_length(node) for key, node in measured.items() if key in lengths
            }
            assert len(lengths) >= 2
        outcomes.append(tree.body.html)
    assert outcomes[0] == outcomes[1]
    assert "/1.jpg" not in outcomes[1] and "/5.jpg" in outcomes[1]


class _NoLinks(LinkText):
    """No link text anywhere: find_article's scores come out before their link density."""

    def __call__(self, node):
        return 0


def test_article_scores_skip_the_length_of_candidates_without_links_and_equal_the_plain_density():
    tree = parse(BLOCKS_PAGE)
    blocks = remove_boilerplate(tree)
    links = LinkText(tree.body)
    _, _, scores = find_article(blocks, links)
    _, _, raw = find_article(blocks, _NoLinks(tree.body))
    nodes = {node.mem_id: node for node in tree.root.traverse()}
    linked = [key for key in scores if links(nodes[key])]
    assert linked and len(linked) < len(scores)  # candidates with and without link text
    for key, score in scores.items():
        node = nodes[key]
        assert score == raw[key] * (1 - links(node) / text_length(node)), node.tag


ROWS_PAGE = """<html><body><div id="region">
<p><a href="/mail">E-mail</a> | <a href="/print">Print</a> | <a href="/share">Share on a network</a></p>
<p class="author-bio">Ann Berg writes about rivers, harbours and the towns along the coast; she has reported
from the valley for ten years and lives near the old mill with her family and two dogs.</p>
<p>A sentence of prose that holds <a href="/x">a link</a> among words of its own, and goes on after it.</p>
<p>A long paragraph without a name or a link, which is neither a row of links nor the box about the
author, however long it grows: it goes on about the weather, the market, the school and the bridge.</p>
<p id="note">A short named note.</p>
</div></body></html>"""


def test_paragraph_checks_in_cheap_order_remove_what_the_plain_checks_remove():
    from obelics.html.pruning import _author_box, _link_row, prune
    from obelics.html.text_blocks import nonspace

    tree = parse(ROWS_PAGE)
    links = LinkText(tree.body)
    plain = []
    for node in tree.css("#region p"):
        text = node.text()
        short = len(" ".join(text.split())) > 0 and len(text) < 250
        if (short and _link_row(node, nonspace(text), links)) or (
            80 <= len(text) < 1200 and _author_box(node, nonspace(text))
        ):
            plain.append(" ".join(text.split())[:12])
    assert plain == ["E-mail | Pri", "Ann Berg wri"]
    prune(tree.css_first("#region"), links)
    kept = [" ".join(p.text().split())[:12] for p in tree.css("#region p")]
    assert kept == ["A sentence o", "A long parag", "A short name"]


JUNK_PAGE = """<html><head><style>p { color: red }</style><script>var a = 1;</script></head><body>
<header><nav><ul><li><a href="/">Home</a><label>Menu <input type="checkbox"></label></li></ul></nav></header>
<aside><svg><path d="M0 0"/></svg><form><select><option>One</option></select><button>Go</button></form></aside>
<main><p>The article, with <button>a button</button> and <iframe src="/x"></iframe> an iframe.</p>
<footer><nav><a href="/a">Footer link</a></nav><p>Footer text</p></footer></main>
<footer><aside>An aside in the footer</aside><template><p>Later</p></template></footer>
</body></html>"""


def test_junk_stripped_in_one_walk_leaves_the_page_lexbors_strip_tags_leaves():
    from obelics.html.boilerplate import JUNK_TAGS, OWN_WALK_TAGS, _strip_junk

    pages = []
    for page in (JUNK_PAGE, JUNK_PAGE.replace("<body>", "<body><svg><style>x</style><script>y</script></svg>")):
        plain = parse(page)
        plain.strip_tags([tag for tag in JUNK_TAGS if tag not in OWN_WALK_TAGS])  # (one walk per tag)
        tree = parse(page)
        _strip_junk(tree)  # (no noscript, no header outside the main element: only the tags go)
        assert tree.html == plain.html.replace("<header></header>", "")
        pages.append(tree.html)
    assert "The article" in pages[0] and "Footer" not in pages[0] and "<nav" not in pages[0]
    assert "<svg" not in pages[1] and "<script" not in pages[1]


CONTENT_IMAGES_PAGE = """<html><body>
<div class="gallery"><figure><a href="/a.jpg"><img src="/a.jpg"></a></figure>
  <figure><a href="/b.jpg"><img src="/b.jpg"></a></figure><noscript><img src="/c.jpg"></noscript></div>
<div id="box"> <p>A paragraph alone in its div, long enough to be scored as a block of text.</p> <!-- c --> </div>
<div id="two"><p>First paragraph of two in a div, long enough to be scored as a text block.</p>
  <p>Second paragraph of two in a div, long enough to be scored as a text block too.</p></div>
<div class="sidebar"><ul><li><a href="/x">Link</a></li><li>Item</li></ul>
  <table><tr><td class="menu"><img src="/t.png"><span hidden><img src="/h.png"></span></td></tr></table></div>
<div style="display: none"><div><img src="/hidden.png"></div></div>
<svg><a href="/s"><text>svg link</text></a></svg>
<article><div role="navigation"><p>Menu text</p></div><DIV class="Post"><IMG src="/u.png"><P>Upper case tags.</P></DIV></article>
</body></html>"""


def test_judged_elements_equal_what_the_selector_of_their_tags_finds():
    from obelics.html.reader_cleaning import JUDGED_TAGS, _judged_elements

    tree = parse(CONTENT_IMAGES_PAGE)
    query = ",".join(JUDGED_TAGS)
    nodes = tree.css("div,article,body,figure,table")
    assert len(nodes) > 8
    for node in nodes:
        walked = [(element.mem_id, tag) for element, tag in _judged_elements(node)]
        assert walked == [(element.mem_id, element.tag) for element in node.css(query)]
    assert any(tag == "a" for _, tag in _judged_elements(tree.body))


def test_stripped_alone_equals_the_full_climb_of_each_element():
    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    for strip_names in (True, False):
        tree = parse(CONTENT_IMAGES_PAGE)
        blocks = TextBlocks(tree.body)
        links = LinkText(tree.body)
        light = ContentImages(blocks, links, strip_names)  # its blocks climbed; the rest by :meth:`stripped`
        full = ContentImages(blocks, links, strip_names)
        elements = tree.body.css("*")
        answers = [light.stripped(node) for node in elements]
        assert answers == [full._climb(node)[0] for node in elements]
        assert light.flags and any(answers) and not all(answers)
        assert all(light._flags(node) == (full.seen[node.mem_id][0], full.seen[node.mem_id][2]) for node in elements)


def test_the_paragraph_boxed_by_a_div_is_what_the_check_of_each_child_finds():
    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    tree = parse(CONTENT_IMAGES_PAGE)
    found = ContentImages(TextBlocks(tree.body), LinkText(tree.body))
    divs = tree.css("div")
    boxed = 0
    for div in divs:
        box = found._boxed(div.mem_id, div)
        for child in div.iter():
            assert found._paragraph_box(div, child.mem_id) == (box == child.mem_id)
        boxed += box is not None
    assert boxed == 2 and found._boxed(tree.css_first("#box").mem_id, tree.css_first("#box")) is not None


def test_unlikely_names_cached_by_class_and_id_give_the_plain_verdicts():
    from obelics.html.reader_container import ALWAYS, NAMES_ONLY, ROLE, _unlikely, _unlikely_names

    tree = parse(
        '<div class="sidebar" id="x"></div><a class="sidebar"></a><div class="sidebar main"></div>'
        '<div hidden class="fallback-image"></div><div aria-hidden=" TRUE "></div><p style="Display: None"></p>'
        '<div role="Dialog"></div><div class="" id=""></div><div id="comment-1"></div>'
    )
    verdicts = [_unlikely(node, node.attributes) for node in tree.body.iter()]
    assert verdicts == [NAMES_ONLY, 0, 0, 0, ALWAYS, ALWAYS, ROLE, 0, NAMES_ONLY]
    assert _unlikely_names(None, None) is False and _unlikely_names("footer", None) is True


def test_tag_scores_by_tag_id_equal_those_by_tag_name():
    from obelics.html.reader_container import HEADING_TAGS, NEGATIVE_TAG_SCORES, TAG_SCORES, _initial_score

    names = [*TAG_SCORES, *NEGATIVE_TAG_SCORES, *HEADING_TAGS, "span", "article", "p", "custom-tag"]
    tree = parse(
        "<table><tr><th>h</th><td>c</td></tr></table><dl><dt>t</dt><dd>d</dd></dl><ul><li>i</li></ul>"
        + "".join(f'<{name} class="post"></{name}>' for name in names if name not in ("td", "th", "dd", "dt", "li"))
    )
    checked = set()
    for node in tree.body.traverse():
        tag = node.tag
        plain = -5 if tag in HEADING_TAGS else TAG_SCORES.get(tag, NEGATIVE_TAG_SCORES.get(tag, 0))
        assert _initial_score(node, False) == plain
        assert _initial_score(node) == plain + (25 if node.attributes.get("class") == "post" else 0)
        checked.add(tag)
    assert set(names) <= checked


def test_climbs_from_blocks_whose_parent_is_judged_equal_climbs_from_the_root_down():
    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    tree = parse(CONTENT_IMAGES_PAGE + NESTED_PAGE)
    blocks = TextBlocks(tree.body)
    found = ContentImages(blocks, LinkText(tree.body))  # its blocks climbed one by one, parents first judged
    elements = tree.root.css("*")
    for node in elements:
        plain = ContentImages.__new__(ContentImages)
        plain.seen, plain.strip_names, plain.stripped_roots = {}, True, []  # nothing judged: the general path
        theirs = plain._climb(node)
        ours = found._climb(node)
        assert ours[:3] == theirs[:3]
        assert _keys(ours[3]) == _keys(theirs[3])
    assert len(blocks.blocks) > 4


def _keys(up):
    keys = []
    while up is not None:
        keys.append(up[0])
        up = up[2]
    return keys


def test_images_of_a_container_region_are_allowed_as_when_their_region_is_looked_up():
    from obelics.html.content_images import ChosenImages
    from obelics.html.reader_cleaning import Cleaning
    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    page = """<html><body><article id="a"><p>Some words of the article, long enough to be a block of text.</p>
      <div class="gallery"><a href="/1.jpg"><img src="/1.jpg"></a><a href="/2.jpg"><img src="/2.jpg"></a></div>
      <div class="share"><a href="/s"><img src="/s.png"></a><a href="/t"><img src="/t.png"></a></div>
      <figure hidden><img src="/h.png"></figure><img src="/alone.png"></article></body></html>"""
    answers = []
    for known in (False, True):
        tree = parse(page)
        links = LinkText(tree.body)
        found = ContentImages(TextBlocks(tree.body), links)
        region = tree.css_first("article")
        chosen = ChosenImages(found, Cleaning(links), [region])
        assert region.mem_id in chosen.region_keys
        answers.append([chosen.allows(img, region if known else None) for img in region.css("img")])
    assert answers[0] == answers[1] and any(answers[0]) and not all(answers[0])


def test_texts_read_to_measure_the_container_give_the_cleaning_the_verdicts_of_fresh_reads():
    from obelics.html.content_images import choose_content_images
    from obelics.html.reader_cleaning import Cleaning
    from obelics.html.reader_container import ContentImages, reader_length
    from obelics.html.text_blocks import TextBlocks

    page = CONTENT_IMAGES_PAGE.replace("<article>", "<article><div class='post'>" + "<p>Words, more words.</p>" * 12)
    page = page.replace("</article>", "</div></article>")
    tree = parse(page)
    links = LinkText(tree.body)
    blocks = TextBlocks(tree.body)
    chosen = choose_content_images(blocks, tree.body, links)
    found = chosen.found
    assert found.texts and chosen.cleaning.texts is found.texts and chosen.inner.texts is not found.texts
    for key, text in found.texts.items():
        node = next(node for node in tree.root.traverse() if node.mem_id == key)
        assert text == node.text() and found.lengths[key] == reader_length(text)
    fresh = Cleaning(links)
    for node in tree.css("div,article,table,ul"):
        assert chosen.cleaning._verdict(node, False) == fresh._verdict(node, False)
    no_images = parse(page.replace("<img", "<span").replace("<IMG", "<span"))
    links = LinkText(no_images.body)
    chosen = choose_content_images(TextBlocks(no_images.body), no_images.body, links)
    for group in ([no_images.css_first("article")], [no_images.css_first("#two")], [no_images.body]):
        inner = sum(reader_length(region.text()) for region in chosen.regions)
        outer = sum(reader_length(region.text()) for region in group)
        assert chosen.fits(group) == (inner >= 0.5 * outer)
    assert not chosen.fits([no_images.body]) and chosen.fits([no_images.css_first("#two")])
    assert isinstance(found, ContentImages)


def test_positions_sharing_their_ancestors_paths_equal_each_ones_own_path():
    from obelics.html.content_images import _position

    tree = parse(CONTENT_IMAGES_PAGE + NESTED_PAGE)
    nodes = list(tree.root.traverse(include_text=True))
    known: dict[int, list[int]] = {}
    shared = [_position(node, known) for node in reversed(nodes)][::-1]
    assert shared == [_position(node) for node in nodes]
    assert sorted(shared) == shared and len(known) >= len(nodes)  # (the document node too)


PROTECT_PAGE = """<html><body>
<div class="wrap"><div itemprop="articleBody"><p class="share">Shared text</p></div></div>
<div itemprop="articlebody"><p>Not the case-matched value</p></div>
<section role="main"><div id="sidebar">Side</div></section><div role=" main">padded</div>
<article><div class="comments">c</div></article><main><p>m</p></main>
<div data-x="1"><p itemprop="articleBody">plain holder without class</p></div></body></html>"""


def test_protected_holders_found_in_the_attribute_scan_equal_the_selectors_matches():
    tree = parse(PROTECT_PAGE)
    _, protected = _suspects(tree)
    plain: set[int] = set()
    for holder in tree.css(PROTECT_SELECTOR):
        while holder is not None:
            plain.add(holder.mem_id)
            holder = holder.parent
    assert protected == plain
    assert tree.css_first('[itemprop="articlebody"]').mem_id not in protected
    assert tree.css_first('p[itemprop="articleBody"]').mem_id in protected


SUSPECTS_PAGE = """<html><head><link id="sidebar-css" rel="stylesheet"></head><body class="menu">
<div class="share" id="share-top" style="color: red" role="region" itemprop="x" hidden>hidden, named</div>
<div class="comments" id="c1" style="display:none">styled away</div><div id="related">related</div>
<div role="navigation" class="post">nav role</div><div aria-hidden="false" class="sidebar">kept open</div>
<section itemprop="articleBody" class="ad-wrapper"><p class="widget" id="w" style="margin:0">text</p></section>
<div role="main" class="sidebar"><span class="share" aria-hidden="true">icon</span></div>
<p class="story" id="story">story</p><p style="visibility: hidden">gone</p></body></html>"""


def _plain_suspects(tree):
    """_suspects' scan as the plain steps: every element of the selector once, all its attributes read."""
    protected: set[int] = set()
    for holder in tree.css(PROTECT_SELECTOR):
        while holder is not None:
            protected.add(holder.mem_id)
            holder = holder.parent
    seen = {tree.root.mem_id, tree.body.mem_id}
    suspects = []
    for node in tree.css(ATTRIBUTE_SELECTOR):
        if node.mem_id in seen:
            continue
        seen.add(node.mem_id)
        attrs = node.attributes
        if is_hidden(attrs):
            suspects.append((node.mem_id, None))
            continue
        names = attribute_names(attrs)
        if names and any(classify_name(names)[:2]):
            suspects.append((node.mem_id, names))
    return suspects, protected


def test_suspects_scanned_once_per_run_of_repeats_equal_the_plain_scan():
    tree = parse(SUSPECTS_PAGE)
    keys = [node.mem_id for node in tree.css(ATTRIBUTE_SELECTOR)]
    assert len(keys) > len(set(keys))  # elements listed once per selector they match ...
    runs = [key for n, key in enumerate(keys) if n == 0 or keys[n - 1] != key]
    assert len(runs) == len(set(runs))  # ... one right after another
    suspects, protected = _suspects(tree)
    assert ([(node.mem_id, names) for node, names in suspects], protected) == _plain_suspects(tree)
    assert len(suspects) == 11 and len(protected) > 3


SCORES_PAGE = """<html><body><p>A paragraph right in the body, long enough to be a block, with commas, and more.</p>
<div class="post"><div class="entry"><p>First paragraph of the entry, long enough to be scored, with a comma.</p>
<p>Second paragraph of the entry, long enough to be scored too, and with <a href="/x">a link</a>.</p>
<div>A div of text, long enough to be scored as a block of its own, after the paragraphs.</div></div>
<ul><li><p>A paragraph in a list item, long enough to be scored but not into the list.</p></li></ul>
<section><p>A section paragraph, long enough, that scores the section, the post and the body.</p></section></div>
</body></html>"""


def test_article_scores_climbed_once_per_parent_equal_each_blocks_own_climb():
    tree = parse(SCORES_PAGE)
    blocks = remove_boilerplate(tree)
    assert blocks is not None
    links = LinkText(tree.body)
    _, _, scores = find_article(blocks, links)
    plain: dict[int, float] = {}
    nodes = {}
    for block, length, _, commas in blocks.blocks.values():
        if block.tag_id not in _SCORED_IDS:
            continue
        score = 1 + commas + min(length // 85, 3)
        ancestor = block.parent
        for level in range(3):
            if ancestor is None or ancestor.tag == "html" or ancestor.tag == "li":
                break
            key = ancestor.mem_id
            if key not in plain:
                plain[key] = _initial_score(ancestor)
                nodes[key] = ancestor
            plain[key] += score / (1 if level == 0 else 2 if level == 1 else level * 3)
            ancestor = ancestor.parent
    for key, node in nodes.items():
        plain[key] *= 1 - links.density(node)
    assert list(scores) == list(plain)
    assert scores == plain and len(scores) == 4  # body, the post, its entry, the section
    assert tree.css_first("ul").mem_id not in scores  # (a list item's paragraph scores nothing)


def test_link_text_climbed_through_shared_parents_equals_each_links_own_climb():
    tree = parse(
        '<html><body><div id="menu"><ul><li><a href="/a">Home page</a></li><li><a href="/b">News <b>now</b></a>'
        '</li><li><a href="/c"> </a></li></ul></div><p>Text with <a href="/d">a link</a> and <span><a>another'
        "</a></span>.</p><a href='/e'><div>A block inside a link</div></a></body></html>"
    )
    plain: dict[int, int] = {}
    for link in tree.body.css("a"):
        n = nonspace(link.text())
        node = link
        while n and node is not None:
            plain[node.mem_id] = plain.get(node.mem_id, 0) + n
            node = node.parent
    links = LinkText(tree.body)
    assert links.lengths == plain
    assert links(tree.css_first("#menu")) == len("HomepageNewsnow") and links(tree.root) == links(tree.body) > 30


def test_name_patterns_searched_lowered_for_ascii_names_give_the_case_folding_answers():
    import random

    from obelics.html.reader_container import (
        MAYBE_CANDIDATE_NAMES,
        NEGATIVE_NAMES,
        POSITIVE_NAMES,
        UNLIKELY_NAMES,
        names_match,
    )

    words = [
        "SideBar",
        "hid",
        "HID",
        "Main",
        "x",
        "-AD-",
        "Ai2Html",
        "com-",
        "entry",
        " ",
        "\n",
        "Story",
        "ſ",
        "İ",
        "ad",
    ]
    rng = random.Random(7)
    names = ["hid", "x hid", "HID y", "hid\n", "dİsqus", "ſhare", "KOMMENT", "Kelvin K", "and"]
    names += ["".join(rng.choice(words) for _ in range(rng.randint(1, 5))) for _ in range(2000)]
    for pattern in (UNLIKELY_NAMES, MAYBE_CANDIDATE_NAMES, NEGATIVE_NAMES, POSITIVE_NAMES):
        for name in names:
            assert names_match(pattern, name) == (pattern.search(name) is not None), (pattern.pattern, name)
    assert names_match(NEGATIVE_NAMES, "a HID") and names_match(UNLIKELY_NAMES, "dİsqus")


def test_the_attempt_without_cleaning_reusing_the_container_before_it_chooses_what_a_fresh_attempt_chooses():
    from obelics.html.content_images import ATTEMPTS, ChosenImages, _article_length, choose_content_images
    from obelics.html.reader_cleaning import Cleaning
    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    # a short article whose link-heavy box the cleaning removes: the attempt without cleaning is the longest
    page = """<html><body><div id="x1"><p>A short article, with a few words, and commas, to score.</p>
      <img src="/lead.jpg"><div class="box promo"><a href="/1">First linked story of the site</a>
      <a href="/2">Second linked story of the site</a><a href="/3">Third linked story here</a>
      <img src="/a.png"><img src="/b.png"></div><p>One more paragraph, of the same article.</p></div>
      <div id="side"><p>Elsewhere, something else entirely, beside the article.</p></div></body></html>"""
    tree = parse(page)
    links = LinkText(tree.body)
    blocks = TextBlocks(tree.body)
    chosen = choose_content_images(blocks, tree.body, links)
    assert not chosen.cleaning.active  # (the fourth attempt, which reused the third's container)
    plain = []
    for strip_names, weights, active in ATTEMPTS:
        found = ContentImages(blocks, links, strip_names, weights)
        regions = found.regions() or [tree.body]
        attempt = ChosenImages(found, Cleaning(links, weights=weights, active=active, texts=found.texts), regions)
        plain.append((_article_length(attempt), attempt))
    best = max(plain, key=lambda item: item[0])[1]
    assert not best.cleaning.active and max(length for length, _ in plain) == _article_length(chosen)
    assert [region.mem_id for region in chosen.regions] == [region.mem_id for region in best.regions]
    assert chosen.found.raw == best.found.raw and chosen.found.scaled == best.found.scaled
    group = [tree.css_first("#side")]
    assert [img.mem_id for img in chosen.extras(group)] == [img.mem_id for img in best.extras(group)]


def test_spans_of_rows_and_cells_without_the_attribute_skip_the_pattern_with_the_plain_answers():
    import re

    from obelics.html.reader_cleaning import _span

    tree = parse(
        '<table><tr rowspan="2"><td colspan=" 3">a</td><td colspan="">b</td><td colspan="0">c</td>'
        '<td colspan="x2">d</td><td colspan="4 wide">e</td><td>f</td></tr></table>'
    )

    def plain(node: object, name: str) -> int:
        match = re.match(r"\s*(\d+)", node.attributes.get(name) or "")  # type: ignore[attr-defined]
        return int(match.group(1)) or 1 if match else 1

    nodes = tree.css("tr,td")
    assert [_span(node, "colspan") for node in nodes] == [plain(node, "colspan") for node in nodes]
    assert [_span(node, "colspan") for node in nodes] == [1, 3, 1, 1, 1, 4, 1]
    assert _span(tree.css_first("tr"), "rowspan") == 2


def test_an_empty_box_found_by_tag_ids_is_what_the_plain_check_by_tag_names_finds():
    from obelics.html.reader_container import EMPTY_DROPPED_TAGS, _breaks_only

    tree = parse(
        """<html><body>
<div id="a"><br><br></div><div id="b"> <hr> text </div><div id="c"><!-- note --><br></div>
<section id="d"></section><h2 id="e"><span>Title</span></h2><header id="f"><br><p>x</p></header>
<div id="g"><br><hr>  </div><p id="h"><br></p></body></html>"""
    )
    boxes = 0
    for node in tree.css("body *"):
        plain = node.tag in EMPTY_DROPPED_TAGS and all(child.tag in ("br", "hr") for child in node.iter())
        fast = node.tag_id in {n.tag_id for n in tree.css(",".join(EMPTY_DROPPED_TAGS))} and _breaks_only(node)
        assert fast == plain, node.attributes
        boxes += plain
    assert boxes == 4  # a, b, d, g (c holds a comment, e a span, f a paragraph, h is no box tag)


def test_the_walk_of_a_removed_element_skipping_inline_lookups_finds_what_the_plain_walk_finds():
    from obelics.html.reader_container import IMG_ID, RemovedContent, _break_pair_blocks, reader_length
    from obelics.html.text_blocks import TextBlocks

    tree = parse(
        """<html><body><div id="side"><p>A removed paragraph with <a href="/a">a link in it</a>, long
enough to be a block.</p><span>Loose <b>bold</b> words<br><br>after a break pair, long enough too.</span>
<img src="/a.jpg"><div><a href="/b"><img src="/b.jpg"> linked</a> and text of a div, long enough.</div>
</div><div id="empty"><img src="/c.jpg"></div><p>Kept text of the page.</p></body></html>"""
    )
    blocks = TextBlocks(tree.body)
    removed = [tree.css_first("#side"), tree.css_first("#empty")]
    seen = RemovedContent()
    seen.note(blocks, removed)
    for node in removed:
        length = reader_length(node.text())
        links = breaks = 0
        items, images = [], []
        for element in node.traverse():
            tid = element.tag_id
            if tid == IMG_ID:
                images.append(element)
            elif not length:
                continue
            elif element.tag == "a":
                links += nonspace(element.text())
            elif element.tag == "br":
                breaks += 1
            entry = blocks.blocks.get(element.mem_id)
            if entry is not None:
                items.append((element.mem_id, entry))
        pairs = _break_pair_blocks(node) if breaks > 1 and items else None
        found = seen.inside(node)
        assert found[:4] == (length, links, items, pairs)
        assert [img.mem_id for img in found[4]] == [img.mem_id for img in images]
    assert seen.inside(removed[0])[2] and seen.inside(removed[0])[1] > 0 and len(seen.inside(removed[1])[4]) == 1


def test_removed_elements_noted_with_their_keys_give_the_plain_places_and_children():
    from obelics.html.reader_container import RemovedContent
    from obelics.html.text_blocks import TextBlocks

    tree = parse(
        """<html><body><div id="a"><ul id="b"><li id="c"><a href="/x">x</a></li><li id="d">y</li></ul></div>
<p>text</p><div id="e">z</div></body></html>"""
    )
    removed = [tree.css_first(f"#{name}") for name in "abcde"]
    plain_children: dict[int, list[int]] = {}
    for node in removed:
        plain_children.setdefault(node.parent.mem_id, []).append(node.mem_id)
    plain_roots = [(node.mem_id, node.parent.mem_id, node.next.mem_id if node.next else None) for node in removed]
    seen = RemovedContent()
    seen.note(TextBlocks(tree.body), removed)
    assert {key: [node.mem_id for node in nodes] for key, nodes in seen.children.items()} == plain_children
    assert [(key, parent_key, after.mem_id if after else None) for _, _, after, key, parent_key in seen.roots] == (
        plain_roots
    )
    assert [(node.mem_id, parent.mem_id) for node, parent, _, _, _ in seen.roots] == [r[:2] for r in plain_roots]
    assert len(seen.children[tree.body.mem_id]) == 2  # a and e stood in the body


def _plain_blocks(root):
    """Each text measured on its own and added to its block (the nearest non-inline ancestor)."""
    from obelics.html.simplify import TEXT_ID
    from obelics.html.text_blocks import A_ID, INLINE_IDS, MIN_BLOCK_LENGTH

    blocks = {}
    for node in root.traverse(include_text=True):
        if node.tag_id != TEXT_ID or not node.text_content:
            continue
        text = node.text_content
        n = len("".join(text.split()))
        if not n:
            continue
        parent, linked = node.parent, False
        while parent is not None and parent.tag_id in INLINE_IDS:
            linked = linked or parent.tag_id == A_ID
            parent = parent.parent
        if parent is None:
            continue
        entry = blocks.setdefault(parent.mem_id, [parent, 0, 0, 0])
        entry[1] += n
        entry[2] += n if linked else 0
        entry[3] += text.count(",") + text.count("\u3001") + text.count("\uff0c")
    return {key: entry for key, entry in blocks.items() if entry[1] >= MIN_BLOCK_LENGTH}


def test_block_texts_measured_joined_equal_each_text_measured_on_its_own():
    from obelics.html.text_blocks import TextBlocks

    page = parse(
        "<html><body><div id='a'>\u2003\xa0<p>An inner paragraph, first in the page order, long enough "
        "to be a block.</p> The div's own text,\x0bwith <a href='/x'>a link, and\x1fcommas</a>, "
        "<b>bold <a href='/y'>linked\u3000words</a></b> and more text to be long enough.</div>"
        "<p>\u6587\u5b57\u3001\u6587\u5b57\uff0c\u6587\u5b57 caf\xe9, na\u00efve \u2028 words <i>in "
        "italics</i> and <a href='/z'>links\uff0c too</a> to pass the minimum.</p>"
        "<p><a href='/only'>A paragraph that is a link alone, long enough to be kept.</a></p>"
        "<p>short</p><p>\u2003 \u3000</p><p>a b c d e f g h i j k l m</p><p>\xe9 b c d e f g h i j k l</p>"
        "</body></html>"
    )
    blocks = TextBlocks(page.body).blocks
    plain = _plain_blocks(page.body)
    assert list(blocks) == list(plain)  # the same blocks in the same (document) order
    assert [entry[1:] for entry in blocks.values()] == [entry[1:] for entry in plain.values()]
    assert [entry[0].mem_id for entry in blocks.values()] == list(plain)
    assert len(blocks) == 4 and any(entry[2] for entry in blocks.values())


def test_text_lengths_of_non_ascii_texts_measured_on_their_latin_1_part_equal_the_counted_lengths():
    samples = [
        "\xa0",
        " \xa0\t\n\r",
        "caf\xe9\xa0au lait,\r\nna\xefve \u2019quoted\u2019 text",
        "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440,\xa0\u0442\u0435\u0441\u0442\n",
        "\u8fd9\u662f\u4e00\u4e2a\u3000\u6d4b\u8bd5\uff0c \u6587\u672c\t",
        "emoji \U0001f600\xa0and \U0001f680 rocket\r",
        "\x85\x0b\x0c\x1c \u2003\u2028\u3000\xa0\xff\u0100",
    ]
    for text in samples:
        counted = len(text) - sum(text.count(c) for c in " \n\t\r\xa0")
        assert nonspace(text) == counted
        assert nonspace(text * 50) == 50 * counted


def test_prose_judged_without_measuring_it_gives_the_lengths_measured_when_judged():
    from obelics.html.reader_cleaning import PROSE_COMMAS, Cleaning

    prose = ", ".join(["a clause of the story"] * (PROSE_COMMAS + 2))
    tree = parse(f"<html><body><div id='story'><p>{prose}.</p><p id='more'>More text, here.</p></div></body></html>")
    story = tree.css_first("#story")
    links = LinkText(tree.body)
    cleaning = Cleaning(links)
    assert cleaning.dropped_block(story) is False  # prose stays, whatever its other counts
    judged_length = nonspace(story.text())
    tree.css_first("#more").decompose()  # the page changes after the judgement
    assert cleaning.text_len(story) == judged_length != nonspace(story.text())
    assert cleaning.commas[story.mem_id] == PROSE_COMMAS + 2


def _plain_strip_junk(tree):
    """Step 1 by Lexbor's tag index: the noscripts, the objects, then each tag's elements, then the
    headers left (the styles go in a walk of their own, before)."""
    from obelics.html.boilerplate import JUNK_TAGS, MIN_ARTICLE_TEXT, NOSCRIPT_IMAGE_TEXT, OWN_WALK_TAGS, _open_objects

    body, body_len = tree.body, None
    for noscript in tree.tags("noscript"):
        length = text_length(noscript)
        if length < MIN_ARTICLE_TEXT:
            if length > NOSCRIPT_IMAGE_TEXT or noscript.css_first("img,picture") is None:
                noscript.decompose(recursive=False)
            continue
        if body_len is None:
            body_len = text_length(body)
        if length >= 0.5 * body_len:
            noscript.unwrap()
        else:
            noscript.decompose(recursive=False)
    _open_objects(tree.tags("object"))
    tree.strip_tags([tag for tag in JUNK_TAGS if tag not in OWN_WALK_TAGS])
    body_len = None
    for header in tree.tags("header"):
        ancestor = header.parent
        while ancestor is not None and ancestor.tag not in ("article", "main"):
            ancestor = ancestor.parent
        if ancestor is not None:
            continue
        length = text_length(header)
        if length >= MIN_ARTICLE_TEXT:
            if body_len is None:
                body_len = text_length(body)
            if length >= 0.5 * body_len:
                continue
        header.decompose(recursive=False)


STEP1_PROSE = " ".join(["A sentence of the page's prose, long enough to count."] * 12)
STEP1_PAGES = [
    JUNK_PAGE,
    # a header wrapping the page, with one inside it (judged once the outer one is judged), a header
    # inside the navigation (gone with it), a noscript holding a menu (gone), one holding the page
    f"<html><body><header><header><p>{STEP1_PROSE}</p></header><p>{STEP1_PROSE}</p></header>"
    f"<nav><header>{STEP1_PROSE}</header></nav><noscript><nav>Menu</nav><p>Enable scripts</p></noscript>"
    f"<aside><article><p>An article in an aside</p></article></aside><p>Short tail.</p></body></html>",
    f"<html><body><noscript><header><p>{STEP1_PROSE}</p></header><nav>Menu</nav><button>Go</button>"
    f"<main><p>{STEP1_PROSE}</p></main></noscript><header>Site name</header><p>Tail.</p></body></html>",
    f"<html><body><div><header>Top</header><header><p>{STEP1_PROSE}</p></header></div>"
    f"<header><header><p>{STEP1_PROSE[:300]}</p></header></header><footer><header>Foot</header></footer>"
    f"<p>{STEP1_PROSE[:200]}</p><noscript><img src='/a.jpg'><button>b</button></noscript></body></html>",
    # objects: an empty player (gone), one with a caption and a nested one (opened), one in a nav
    f"<html><body><object><param name='movie'><embed src='/p.swf'></object><p>{STEP1_PROSE}</p>"
    "<object><object><p>Get Adobe Flash Player</p><p>A caption of the video.</p></object><embed src='/q'>"
    "</object><nav><object><p>Menu video</p></object></nav></body></html>",
]


def test_step_one_in_one_walk_leaves_the_page_and_protects_what_the_tag_index_does():
    from obelics.html.boilerplate import _strip_junk

    for page in STEP1_PAGES:
        plain = parse(page)
        _plain_strip_junk(plain)
        tree = parse(page)
        holders = _strip_junk(tree)
        assert tree.html == plain.html
        # the holders found before the step protect what those left in the page protect
        assert _suspects(tree, holders)[1] == _suspects(tree)[1]
        assert [node.mem_id for node in _suspects(tree, holders)[0]] == [node.mem_id for node in _suspects(tree)[0]]


def test_elements_of_tags_found_by_one_walk_equal_what_their_selectors_find():
    from obelics.html.pruning import LINE_IDS, PRUNE_IDS, PRUNE_SELECTOR, _elements
    from obelics.html.reader_cleaning import CLEANED_IDS, CLEANED_SELECTOR
    from obelics.html.simplify import HEADING_SELECTOR

    page = parse(
        "<html><body><div id='r'><section><h2>T</h2><p>a<table><tr><td><div><ul><li>x</li></ul></div>"
        "</td></tr></table></p><form><fieldset><ol><li><p>b</p></li></ol></fieldset></form></section>"
        "<svg><title>s</title><foreignObject><div><p>in svg</p></div></foreignObject></svg>"
        "<template><div><p>t</p></div></template><custom-box><center><dl><dt>k</dt></dl></center></custom-box>"
        "<header><h1>H</h1></header><footer><h6>F</h6></footer></div></body></html>"
    )
    for root in (page.css_first("#r"), page.body, page.css_first("section"), page.css_first("p")):
        for ids, selector in (
            (PRUNE_IDS, PRUNE_SELECTOR),
            (LINE_IDS, "p," + HEADING_SELECTOR),
            (CLEANED_IDS, CLEANED_SELECTOR),
        ):
            found = [node.mem_id for node in root.css(selector)]
            assert [node.mem_id for node in _elements(root, ids)] == found
    assert len(_elements(page.body, PRUNE_IDS)) >= 10


def test_reader_lengths_measured_by_deletion_equal_the_counted_lengths():
    from obelics.html.reader_container import reader_length

    samples = ["", "plain ascii\ttext\nwith\rreturns ", "caf\xe9\xa0\t na\xefve\n", "\u2019quoted\u2019 \u3000\u2003 x",
               "\U0001f600 emoji\tand\nlines \r", "\x0b\x0c\x1c \xa0\x85"]  # fmt: skip
    for text in samples:
        for sample in (text, text * 40):
            assert reader_length(sample) == len(sample) - sample.count(" ") - sample.count("\n") - sample.count("\t")


def test_in_figure_unrolled_equals_the_climb_of_four_levels():
    from obelics.html.kept_images import in_figure

    def plain(node):
        for _ in range(4):
            if node is None:
                return False
            if node.tag in ("figure", "picture", "img"):
                return True
            node = node.parent
        return False

    page = parse(
        "<html><body><figure><div><section><article><p><span><b>deep</b></span></p></article></section>"
        "</div></figure><picture><a><span>in</span></a></picture><p>none</p></body></html>"
    )
    nodes = [*page.root.traverse(), None]
    assert [in_figure(node) for node in nodes] == [plain(node) for node in nodes]
    assert any(in_figure(node) for node in nodes) and not all(in_figure(node) for node in nodes[:-1])


def test_ascii_names_split_on_their_bytes_give_the_verdicts_of_the_pattern_split():
    import random

    from obelics.html.names import _VERDICTS, NAME_SPLIT, _token_flags

    def plain(name: str) -> tuple[bool, bool, bool]:
        flags = 0
        for token in NAME_SPLIT.split(name.lower()):
            flags |= _token_flags(token)
        return _VERDICTS[flags]

    rng = random.Random(11)
    pieces = ["Comment", "share", "SIDEBAR", "post", "Related", "x", "ad", "-", "_", " ", ":", "\t", "0", "9", "Z", "s"]
    names = ["articleRelated", "unrelated", "COMMENTS", "  ", "", "ad-slot", "post_12 sidebar-widget", "caf\xe9-share"]
    names += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(3000)]
    names += ["".join(chr(rng.randrange(128)) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    verdicts = [_classify(name) for name in names]
    assert verdicts == [plain(name) for name in names]
    assert verdicts[0] == (True, False, True) and verdicts[1] == (False, False, False)
    assert len(set(verdicts)) >= 4  # (the names cover hard, soft, positive and neutral verdicts)


def test_latin_1_block_texts_measured_on_their_bytes_equal_the_split_lengths():
    from obelics.html.text_blocks import _block_length, _unicode_block_length

    samples = [
        "caf\xe9\xa0au lait,\r\nna\xefve\x85text\x1c\x1d\x1e\x1f\x0b\x0c end",
        "\xe9" * 40 + " \t\n" * 5,
        "\u2019quoted\u2019 text \u2003 wide",
        "\u8fd9\u662f\u4e00\u4e2a\u3000\u6d4b\u8bd5",
        "".join(chr(c) for c in range(256)),
    ]
    for text in samples:
        assert _unicode_block_length(text) == len("".join(text.split())) == _block_length(text)
        assert _unicode_block_length(text * 3) == 3 * len("".join(text.split()))


def test_a_div_of_block_children_is_no_paragraph_without_the_selector_of_blocks():
    from obelics.html.reader_container import DIV_TO_P_SELECTOR, paragraph_like

    def plain(div) -> bool:
        for child in div.iter(include_text=True):
            if child.tag_id == TEXT_ID:
                if (child.text_content or "").strip():
                    return False
            elif child.tag_id in PHRASING_IDS or (
                child.tag_id != COMMENT_ID and child.css_first(DIV_TO_P_SELECTOR) is not None
            ):
                return False
        return div.css_first("br + br") is None

    from obelics.html.reader_container import PHRASING_IDS
    from obelics.html.simplify import COMMENT_ID, TEXT_ID

    tree = parse(
        "<div id='a'><p>x</p></div><div id='b'><h2>Title</h2><center>c</center></div>"
        "<div id='c'><!-- c --><h3>T</h3><section><ul><li>i</li></ul></section></div>"
        "<div id='d'><h2>T</h2><section>a<br><br>b</section></div><div id='e'> <table></table></div>"
        "<div id='f'>text</div><div id='g'><span>x</span></div><div id='h'><figure><img></figure></div>"
    )
    verdicts = {div.attributes["id"]: paragraph_like(div) for div in tree.css("div")}
    assert verdicts == {div.attributes["id"]: plain(div) for div in tree.css("div")}
    assert verdicts["b"] and not verdicts["a"] and not verdicts["c"] and not verdicts["d"]
    # the cleaning's view: line breaks are no inline content, and <br><br> makes no paragraph there
    breaks = parse("<div id='i'><h2>Title</h2><br><br><h3>Sub</h3></div><div id='j'><br>x</div>").css("div")
    assert [paragraph_like(div, line_breaks=True) for div in breaks] == [True, False]
    assert [paragraph_like(div) for div in breaks] == [False, False]


def test_class_weights_with_names_lowered_once_equal_the_case_folding_matches():
    from obelics.html.reader_container import _WEIGHTS, NEGATIVE_NAMES, POSITIVE_NAMES, class_weight

    def plain(node) -> int:
        weight = 0
        for name in (node.attributes.get("class") or "", node.attributes.get("id") or ""):
            if name:
                weight -= 25 * (NEGATIVE_NAMES.search(name[:500]) is not None)
                weight += 25 * (POSITIVE_NAMES.search(name[:500]) is not None)
        return weight

    tree = parse(
        "<div class='Article-Body' id='x'></div><div class='SHARE' id='Content'></div><div class='a HID'></div>"
        "<div class='\u017fhare post'></div><div id='s\u0130debar'></div><div class='caf\xe9 Main'></div>"
        "<div></div><div class='comment' id='comment'></div>"
    )
    _WEIGHTS.clear()
    weights = [class_weight(div) for div in tree.css("div")]
    assert weights == [plain(div) for div in tree.css("div")]
    assert weights[0] == 25 and weights[7] == -50 and weights[6] == 0


def test_legal_notice_keys_and_comment_keys_written_out_find_what_the_lists_find():
    from obelics.html.labels import (
        _COMMENTS_OPENER_KEYS,
        _LEGAL_NOTICE_KEYS,
        _has_legal_notice_key,
        may_open_comments,
    )

    texts = ["", "plain text of a story", "kommentare", "comments (3)", "no comment", "komment", "omment"]
    texts += [f"before {key} after" for key in _LEGAL_NOTICE_KEYS] + [key for key in _LEGAL_NOTICE_KEYS]
    texts += [key[:-1] for key in _LEGAL_NOTICE_KEYS] + [key[1:] for key in _LEGAL_NOTICE_KEYS]
    found = [_has_legal_notice_key(text) for text in texts]
    assert found == [any(key in text for key in _LEGAL_NOTICE_KEYS) for text in texts]
    opens = [may_open_comments(text) for text in texts]
    assert opens == [any(key in text for key in _COMMENTS_OPENER_KEYS) for text in texts]
    assert sum(found) >= len(_LEGAL_NOTICE_KEYS) * 2 and opens[2] and opens[3] and not opens[5]


def test_candidates_ranked_by_insertion_equal_those_ranked_by_a_stable_sort():
    import heapq
    import random
    from operator import itemgetter

    from obelics.html.reader_container import MAX_SCALED, TOP_CANDIDATES, ContentImages

    class Scores:
        def __init__(self, raw: dict[int, float], scaled: dict[int, float | None]) -> None:
            self.raw, self.scaled = raw, scaled

        def score(self, key: int) -> float | None:
            return self.scaled[key]

    def plain(found: Scores) -> list[tuple[int, float]]:
        best: list[tuple[int, float]] = []
        for key, raw in heapq.nlargest(MAX_SCALED, found.raw.items(), key=itemgetter(1)):
            if len(best) >= TOP_CANDIDATES and raw <= best[-1][1]:
                break
            score = found.score(key)
            best.append((key, raw if score is None else score))
            best.sort(key=lambda item: item[1], reverse=True)
            del best[TOP_CANDIDATES:]
        return best

    rng = random.Random(3)
    tied = 0
    for _ in range(3000):
        raw = {key: float(rng.choice([rng.randint(-5, 40), 10, 20])) for key in range(rng.randint(0, 14))}
        scaled = {
            key: None if rng.random() < 0.1 else value * rng.choice([1.0, 0.5, 0.25, 1.0]) for key, value in raw.items()
        }
        found = Scores(raw, scaled)
        ranked = ContentImages.ranked(found)  # type: ignore[arg-type]
        assert ranked == plain(found)
        tied += len({score for _, score in ranked}) < len(ranked)
    assert tied > 100  # (equal scores keep their order)
