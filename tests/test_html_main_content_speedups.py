"""The shortcuts of the main-content mode's hot paths give exactly what the plain computations give."""

from __future__ import annotations

import gc
import sys

from obelics.html.article import _text_lengths, find_article
from obelics.html.boilerplate import _suspects, remove_boilerplate
from obelics.html.names import _classify, classify_name
from obelics.html.simplify import parse
from obelics.html.text_blocks import LinkText, text_length

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
