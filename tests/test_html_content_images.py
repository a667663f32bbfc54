"""Main-content mode's content images come from the article's container as a reader view sees it
(Readability's), not only from the text regions: hand-written pages, one per rule of
docs/extraction.md ("Images in main-content mode"), each kept or dropped as that container says."""

from __future__ import annotations

from obelics.html.extract import extract_document

URL = "https://news.example.org/2024/07/harbour"
BASE = "https://news.example.org"

PARAGRAPHS = [
    "The harbour wall was rebuilt after the storm of 1953, with granite brought by boat from the north, "
    "and it has stood, with a few repairs, ever since.",
    "Fishermen still land their catch at dawn, and the market opens before most of the town is awake, "
    "selling crab, mackerel, and the smoked fish the bay is known for.",
    "A new footbridge, opened last spring, links the old quay to the lighthouse and the coastal path, "
    "so walkers no longer need to go round by the road.",
    "The museum in the former customs house tells the story of the smugglers who once ran the bay, "
    "with letters, ledgers, and a rowing boat found in a cellar.",
    "In summer the harbour fills with visiting yachts, and the sailing club runs races on Thursday "
    "evenings, weather, tide, and volunteers permitting.",
    "The council plans to dredge the inner basin next year, a job last done in the nineteen-eighties, "
    "before the silt closed the slipway for good.",
]


def main_doc(html: str):
    doc = extract_document(html, URL, mode="main-content")
    assert doc is not None
    return doc


def main_images(html: str) -> list[str]:
    return [i for i in main_doc(html).images if i]


def paragraphs(items: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in items)


# A table layout, one row per block: the text path takes the rows of prose; the article's container
# (the table, whose cells score with their whole text) also holds the rows of pictures between them.
TABLE_STORY = f"""<html><body><div id="site"><div class="nav"><a href="/">Home</a> <a href="/news">News</a></div>
  <table class="layout"><tr><td>{paragraphs(PARAGRAPHS[0:3])}</td></tr>
  <tr><td><ul class="strip"><li><img src="/thumbs/a.jpg"> <span>Quay</span></li>
    <li><img src="/thumbs/b.jpg"> <span>Basin</span></li></ul></td></tr>
  <tr><td><p><img src="/img/quay.jpg" alt="The quay"></p><p>The quay at dawn, seen from the wall.</p></td></tr>
  <tr><td>{paragraphs(PARAGRAPHS[3:6])}</td></tr></table></div></body></html>"""


def test_a_photo_beside_the_text_in_the_articles_container_is_kept_at_its_place():
    # The photo's row is no part of the text regions, but it is of the container: it comes out
    # where it stands, between the texts before and after it.
    doc = main_doc(TABLE_STORY)
    assert f"{BASE}/img/quay.jpg" in doc.images
    at = doc.images.index(f"{BASE}/img/quay.jpg")
    before = " ".join(t for t in doc.texts[:at] if t)
    after = " ".join(t for t in doc.texts[at:] if t)
    assert PARAGRAPHS[2] in before and PARAGRAPHS[3] in after


def test_a_strip_of_images_without_paragraphs_in_the_container_is_cleaned_away():
    # Readability's conditional cleaning: a block with more images than paragraphs (a list of
    # captioned thumbnails) goes, with its images, while the captioned photo stays.
    assert main_images(TABLE_STORY) == [f"{BASE}/img/quay.jpg"]


def test_a_div_of_images_alone_is_a_paragraph_that_the_cleaning_keeps():
    # Readability wraps a div's inline content (linked covers, no text) in a paragraph and puts
    # that paragraph in the div's place: no block is left to clean, and the covers stay.
    covers = " ".join(f'<a href="#book{n}"><img src="/img/cover-{n}.jpg" alt="Cover {n}"></a>' for n in range(4))
    images = main_images(_table_story_with(f'<div align="center">{covers}</div>'))
    assert images == [f"{BASE}/img/quay.jpg", *(f"{BASE}/img/cover-{n}.jpg" for n in range(4))]


def test_a_photo_in_a_layout_cell_named_like_a_menu_is_kept():
    # Table layouts name cells after their place ("menu-bg"); inside a table such a name is no
    # reason to drop the cell's photo, which sits in the article's row.
    html = f"""<html><body><table><tr>
      <td class="menu-bg"><img src="/img/lighthouse.jpg" width="300" height="200" alt="The lighthouse"></td>
      <td>{paragraphs(PARAGRAPHS[0:4])}</td></tr></table></body></html>"""
    assert main_images(html) == [f"{BASE}/img/lighthouse.jpg"]


def test_images_in_ads_and_share_boxes_stay_out_whatever_the_container_says():
    # Readability keeps a box its words do not name (an "ad-slot", "share" icons in a table); the
    # project's hard boilerplate words (ads, sharing, comments) keep such images out.
    html = f"""<html><body><table><tr><td>{paragraphs(PARAGRAPHS[0:3])}
      <div class="advert"><img src="/ads/banner.jpg" width="300" height="250" alt="Buy now"></div>
      <div class="sharing"><img src="/icons/share-mail.png" width="40" height="40" alt="Mail"></div>
      <p><img src="/img/basin.jpg" alt="The inner basin"></p>{paragraphs(PARAGRAPHS[3:5])}</td></tr></table>
      </body></html>"""
    assert main_images(html) == [f"{BASE}/img/basin.jpg"]


def test_images_of_the_text_regions_outside_the_articles_container_go():
    # The headline box joins the text regions (the title above the article), but its pictures are
    # no part of the article's container: a reader view does not show them.
    html = f"""<html><body><div id="page">
      <div class="top"><h1>The harbour</h1><img src="/img/masthead.jpg" alt="Our town">
        <img src="/img/award.png" alt="Best town paper"></div>
      <div class="story">{paragraphs(PARAGRAPHS)}<p><img src="/img/wall.jpg" alt="The wall"></p></div>
      </div></body></html>"""
    doc = main_doc(html)
    assert doc.text.startswith("The harbour\n\n" + PARAGRAPHS[0])
    assert [i for i in doc.images if i] == [f"{BASE}/img/wall.jpg"]


def _table_story_with(row: str) -> str:
    """TABLE_STORY's layout with one more row, between the article's photo and its last texts."""
    return TABLE_STORY.replace(
        "<tr><td>" + paragraphs(PARAGRAPHS[3:6]), f"<tr><td>{row}</td></tr><tr><td>{paragraphs(PARAGRAPHS[3:6])}"
    )


def test_loose_text_around_images_in_a_div_counts_as_paragraphs_for_the_cleaning():
    # Readability wraps each run of a div's loose text in a paragraph before it cleans: two photos
    # with a line of text each are no strip of images without paragraphs, and stay.
    row = (
        '<div class="photos"><img src="/img/dawn.jpg" alt="Dawn"> The quay at dawn, seen from the wall. '
        '<div class="credit">Photo: the harbour office</div> <img src="/img/tide.jpg" alt="Low tide"> '
        "The inner basin at low tide.</div>"
    )
    images = main_images(_table_story_with(row))
    assert images == [f"{BASE}/img/quay.jpg", f"{BASE}/img/dawn.jpg", f"{BASE}/img/tide.jpg"]


def test_a_single_row_of_linked_icons_in_the_container_is_no_data_table_and_goes():
    # Readability: a table of one row (or one column) lays out a page, however many cells it has;
    # a layout table of images without paragraphs is cleaned away, icons and all.
    icons = "".join(
        f'<td><a href="/tools/{n}"><img src="/icons/{n}.gif" alt="{n}"></a></td>'
        for n in ("mail", "print", "rss", "digg", "reddit")
    )
    assert main_images(_table_story_with(f"<table><tr>{icons}</tr></table>")) == [f"{BASE}/img/quay.jpg"]


def test_a_grid_of_pictures_in_the_container_is_a_data_table_and_stays():
    # Two rows of five cells: a data table for Readability, kept whole with its pictures.
    rows = "".join(
        "<tr>" + "".join(f'<td><img src="/img/grid-{r}{c}.jpg" alt="Boat {r}{c}"></td>' for c in range(5)) + "</tr>"
        for r in range(2)
    )
    images = main_images(_table_story_with(f"<table>{rows}</table>"))
    assert images == [f"{BASE}/img/quay.jpg", *(f"{BASE}/img/grid-{r}{c}.jpg" for r in range(2) for c in range(5))]


def test_an_image_in_a_noscript_that_is_no_lazy_images_twin_stays_out_of_the_container():
    # Readability drops every <noscript> but a lazy image's twin: an ad behind a script goes, the
    # fallback of a lazy photo stays.
    ad = '<div><script>show_ad()</script><noscript><a href="/ad/click"><img src="/ad/banner.gif" alt="Ad"></a></noscript></div>'
    lazy = '<div><img data-src="/img/boats.jpg" class="lazy" alt="Boats"><noscript><img src="/img/boats.jpg" alt="Boats"></noscript></div>'
    images = main_images(_table_story_with(ad + lazy))
    assert images == [f"{BASE}/img/quay.jpg", f"{BASE}/img/boats.jpg"]


def _chosen(html: str, container_id: str):
    """The content-image decisions of a page, with its container forced to one element."""
    from selectolax.lexbor import LexborHTMLParser

    from obelics.html.content_images import ChosenImages, choose_content_images
    from obelics.html.reader_cleaning import Cleaning
    from obelics.html.text_blocks import LinkText, TextBlocks

    tree = LexborHTMLParser(html)
    body = tree.body
    links = LinkText(body)
    found = choose_content_images(TextBlocks(body), body, links).found
    return tree, ChosenImages(found, Cleaning(links), [tree.css_first(f"#{container_id}")])


def test_a_small_container_without_images_does_not_judge_the_articles_images():
    # A container with no image and under half the text regions' text (a notice bar, one part of
    # a longer article) is not the reader view's article: the text regions keep their images.
    html = f"""<html><body><div id="notice"><p>{PARAGRAPHS[0]}</p></div>
      <div id="story">{paragraphs(PARAGRAPHS[1:])}<p><img src="/img/wall.jpg" alt="The wall"></p></div></body></html>"""
    from obelics.html.content_images import drop_other_images, with_content_images

    tree, chosen = _chosen(html, "notice")
    story = tree.css_first("#story")
    assert with_content_images([story], chosen) == [story]
    drop_other_images(story, chosen)
    assert [img.attributes["src"] for img in story.css("img")] == ["/img/wall.jpg"]


def test_a_small_container_with_an_image_still_judges_the_articles_images():
    # The same small container showing a picture is the reader view's: images outside it go.
    html = f"""<html><body><div id="notice"><p>{PARAGRAPHS[0]}</p><img src="/img/quay.jpg" alt="The quay"></div>
      <div id="story">{paragraphs(PARAGRAPHS[1:])}<p><img src="/img/wall.jpg" alt="The wall"></p></div></body></html>"""
    from obelics.html.content_images import drop_other_images, with_content_images

    tree, chosen = _chosen(html, "notice")
    story = tree.css_first("#story")
    with_content_images([story], chosen)
    drop_other_images(story, chosen)
    assert story.css("img") == []


def test_an_image_of_the_text_regions_in_a_block_named_as_boilerplate_goes():
    # Readability's conditional cleaning drops a block whose class names boilerplate ("shopping",
    # "outbrain": a negative class weight) whatever it holds; the article's own photo stays.
    html = f"""<html><body><div id="story">{paragraphs(PARAGRAPHS[0:3])}
      <div class="shopping-box"><p>{PARAGRAPHS[3]}</p><img src="/img/shop.jpg" alt="Shop"></div>
      <p><img src="/img/wall.jpg" alt="The wall"></p>{paragraphs(PARAGRAPHS[4:6])}</div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_container_lengths_summed_from_measured_children_equal_their_whole_text():
    from selectolax.lexbor import LexborHTMLParser

    from obelics.html.reader_container import ContentImages, reader_length
    from obelics.html.text_blocks import TextBlocks

    html = (
        "<html><body><div id='outer'>Intro <!-- a comment --> text<div id='mid'><header>Title\n line</header>"
        f"<div id='inner'>{paragraphs(PARAGRAPHS)}</div><figure><img src='/a.jpg'><figcaption>Quay at dawn"
        "</figcaption></figure></div><p>A closing line, \t with a tab.</p></div></body></html>"
    )
    tree = LexborHTMLParser(html)
    found = ContentImages(TextBlocks(tree.body), lambda node: 0)
    for selector in ("#inner", "#outer"):  # the innermost first: the outer one is summed
        node = tree.css_first(selector)
        assert found.length(node, node.mem_id) == reader_length(node.text())
    middle = tree.css_first("#mid")
    assert found.lengths[middle.mem_id] == reader_length(middle.text())  # summed on the way down


def test_lines_cut_by_double_line_breaks_score_as_paragraphs_of_their_block():
    # Readability makes a paragraph of each run of text between <br><br> (and a <div> of the <p>
    # holding them): the paragraphs score into that block, which outscores the column around it,
    # so the column's promotional picture is no part of the article.
    html = f"""<html><body><div class="col"><h1>The harbour</h1>
      <div class="box"><img src="/promo/ferry.jpg" alt="Ferry timetable"></div>
      <p><img src="/img/quay.jpg" alt="The quay"><br><br>{"<br><br>".join(PARAGRAPHS)}</p>
      </div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/quay.jpg"]


def test_double_line_breaks_inside_an_inline_element_make_paragraphs_of_it():
    # The same cut inside a <font> (old pages): the paragraphs go into the <font>, as Readability
    # puts them, which becomes a candidate scoring what they score (Readability.js: 38 here).
    from selectolax.lexbor import LexborHTMLParser

    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    html = f"""<html><body><div class="col"><h1>The harbour</h1>
      <div><font face="Arial"><img src="/img/quay.jpg" alt="The quay"><br><br>{"<br> <br>".join(PARAGRAPHS)}</font></div>
      </div></body></html>"""
    tree = LexborHTMLParser(html)
    found = ContentImages(TextBlocks(tree.body), lambda node: 0)
    font = tree.css_first("font")
    assert found.raw.get(font.mem_id) == 38


def test_divs_score_as_readability_rewrites_them():
    # A div holding one paragraph alone gives way to it (the paragraph scores into the div's
    # parent), and the loose text of a div that also holds blocks is wrapped in paragraphs that
    # score into that div. Readability.js scores this page 24 (div.mixed) and 21.5 (div.col).
    from selectolax.lexbor import LexborHTMLParser

    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    html = f"""<html><body><div class="col"><div class="box"><p>{PARAGRAPHS[0]}</p></div>
      <div class="mixed">{PARAGRAPHS[1]} <p>{PARAGRAPHS[2]}</p> {PARAGRAPHS[3]}</div></div></body></html>"""
    tree = LexborHTMLParser(html)
    found = ContentImages(TextBlocks(tree.body), lambda node: 0)
    assert tree.css_first("div.box").mem_id not in found.raw
    assert found.raw[tree.css_first("div.mixed").mem_id] == 24
    assert found.raw[tree.css_first("div.col").mem_id] == 21.5


def test_when_names_strip_every_text_the_container_is_found_again_without_them():
    # Readability strips "extra" boxes; when that leaves no article it tries again without
    # stripping names, and takes the story's container: its photo is the article's.
    html = f"""<html><body><div class="extra-wrap"><div class="masthead-box"><img src="/img/town-crest.png"
      alt="Town crest"></div><div class="story">{paragraphs(PARAGRAPHS)}<p><img src="/img/wall.jpg"
      alt="The wall"></p></div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_a_paragraph_scores_with_all_its_text_even_a_tables_in_it():
    # Old pages put a table in a <p> (browsers nest it there without a doctype): Readability
    # scores the paragraph with all its text, the table's included, into the element around it;
    # its best candidates here: center (21), div.col (14.5), then the table's rows.
    from selectolax.lexbor import LexborHTMLParser

    from obelics.html.reader_container import ContentImages
    from obelics.html.text_blocks import TextBlocks

    html = f"""<html><body><div class="col"><center><p><table><tr><td>{PARAGRAPHS[0]} {PARAGRAPHS[1]}</td></tr>
      <tr><td>{PARAGRAPHS[2]} {PARAGRAPHS[3]}</td></tr></table></p></center></div></body></html>"""
    tree = LexborHTMLParser(html)
    found = ContentImages(TextBlocks(tree.body), lambda node: 0)
    ranked = [(found.nodes[key].tag, round(score, 1)) for key, score in found.ranked()[:2]]
    assert ranked[0][0] == "center" and 20 < ranked[0][1] < 22
    assert ranked[1] == ("div", 14.5)


def test_the_text_regions_images_go_where_readabilitys_cleaning_removes_their_block():
    # A box of logos among the article's paragraphs: more images than paragraphs (its loose
    # images make one), so Readability's conditional cleaning removes it, logos and all.
    logos = " ".join(f'<img src="/logos/{n}.png" alt="{n}">' for n in ("port", "ferry", "museum"))
    html = f"""<html><body><div id="story">{paragraphs(PARAGRAPHS[0:3])}<p><img src="/img/wall.jpg" alt="The wall"></p>
      <div class="partners"><h4>Our partners</h4>{logos}</div>{paragraphs(PARAGRAPHS[3:6])}</div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_a_lightbox_gallery_among_the_text_regions_keeps_its_images():
    # The same cleaning would remove a gallery (images, no paragraphs); a lightbox gallery (each
    # picture linked to its full-size file) is the article's, as the text regions' rules say.
    gallery = "".join(
        f'<figure><a href="/img/boat-{n}.jpg"><img src="/img/boat-{n}-300.jpg" alt="Boat {n}"></a></figure>'
        for n in range(4)
    )
    html = f"""<html><body><div id="story">{paragraphs(PARAGRAPHS[0:3])}<div class="photos">{gallery}</div>
      {paragraphs(PARAGRAPHS[3:6])}</div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/boat-{n}-300.jpg" for n in range(4)]


def test_an_attempt_whose_cleaning_removes_its_whole_container_finds_no_article():
    # Paragraphs of pictures with few commas: Readability's cleaning removes the whole story (more
    # images than paragraphs), so each attempt finds nothing until the one without cleaning, which
    # keeps every picture.
    lines = [
        "The boats came in at dawn and the market opened early for the town",
        "The quay was busy all morning with crates and carts and buyers",
        "By noon the last of the catch was sold and the stalls were packed away",
    ]
    pictures = [[f"/img/day-{n}-{k}.jpg" for k in range(3)] for n in range(3)]
    body = "".join(
        f"<p>{lines[n]} on day {n + 1} of the festival in the old harbour of the town"
        + "".join(f'<br><img src="{src}" alt="A picture">' for src in pictures[n])
        + "</p>"
        for n in range(3)
    )
    html = f"""<html><body><div class="col"><div class="story">{body}</div></div></body></html>"""
    assert main_images(html) == [BASE + src for day in pictures for src in day]


def test_an_infobox_among_the_text_regions_keeps_its_images():
    # A one-column table of ten rows is layout for Readability, whose cleaning removes it (three
    # images, no paragraph); for the text regions it is an infobox (ten rows), and its photo stays.
    rows = "".join(f"<tr><td>Fact {n}: {n * 10} boats</td></tr>" for n in range(8))
    infobox = f"""<table class="box"><tr><td><img src="/img/church.jpg" alt="The church"></td></tr>
      <tr><td><img src="/icons/flag.png" alt="Flag"> <img src="/icons/arms.png" alt="Arms"></td></tr>{rows}</table>"""
    html = f"""<html><body><div id="story">{infobox}{paragraphs(PARAGRAPHS)}</div></body></html>"""
    images = main_images(html)
    assert f"{BASE}/img/church.jpg" in images


def test_tabs_of_an_indented_page_do_not_make_a_short_article_long_enough():
    # Two paragraphs indented with tabs: under Readability's 500 characters without them, so it
    # tries again without stripping "extra" boxes, and its container then shows both photos.
    tabs = "\n" + "\t" * 250
    story = tabs.join(f"<p>{p}</p>" for p in PARAGRAPHS[0:2])
    html = f"""<html><body><div id="page"><div class="story">{tabs}{story}{tabs}<p><img src="/img/wall.jpg"
      alt="The wall"></p>{tabs}</div><div class="extra-photos">{paragraphs(PARAGRAPHS[2:6])}<p><img
      src="/img/boats.jpg" alt="Boats"></p></div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg", f"{BASE}/img/boats.jpg"]


def test_text_the_cleaning_removes_does_not_make_a_short_article_long_enough():
    # The same short story with a box of links: Readability's cleaning removes the box before it
    # measures the article (and the stripped "extra" box was never in it), so it tries again.
    more = " ".join(f'<a href="/news/{n}">Harbour news story number {n}</a>' for n in range(8))
    html = f"""<html><body><div id="page"><div class="story">{paragraphs(PARAGRAPHS[0:2])}<div class="more">{more}</div>
      <p><img src="/img/wall.jpg" alt="The wall"></p></div><div class="extra-photos">{paragraphs(PARAGRAPHS[2:6])}
      <p><img src="/img/boats.jpg" alt="Boats"></p></div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg", f"{BASE}/img/boats.jpg"]


def test_a_sibling_removed_as_boilerplate_still_keeps_the_container_from_climbing():
    # The story's only sibling is a menu that the text path removes by its name; Readability keeps
    # it, so its container stops at the story (which holds one box alone): the captioned photo
    # beside the story's wrapper is no sibling of the container and stays out.
    html = f"""<html><body><div id="page"><div id="wrap"><div class="nav"><a href="/">Home</a>
      <a href="/news">News</a></div><div class="story"><div class="text">{paragraphs(PARAGRAPHS)}</div></div></div>
      <p><img src="/img/quay.jpg" alt="The quay"> The quay at dawn.</p></div></body></html>"""
    assert main_images(html) == []


def test_an_inline_best_candidate_climbs_through_the_paragraph_readability_wraps_it_in():
    # The story is one <span> cut by <br><br>: its paragraphs make it the best candidate, but
    # Readability first wraps it in a <p> (its div also holds blocks), a parent scoring half of
    # it, so the div above, scoring more than that, becomes the container with the photo in it.
    html = f"""<html><body><div id="page"><div class="nav"><a href="/">Home</a></div><div id="article"><h2>The harbour</h2>
      <p><img src="/img/quay.jpg" alt="The quay"></p>
      <span class="story">{"<br><br>".join(PARAGRAPHS)}</span><p>Photos by the harbour office.</p></div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/quay.jpg"]


def _container_after_removal(html: str) -> list[str]:
    """The content container's regions (their class or id) as main-content mode finds them: on the
    page its boilerplate removal leaves, with what that removal took noted."""
    from selectolax.lexbor import LexborHTMLParser

    from obelics.html.boilerplate import remove_boilerplate
    from obelics.html.content_images import choose_content_images
    from obelics.html.reader_container import RemovedContent
    from obelics.html.text_blocks import LinkText

    tree = LexborHTMLParser(html)
    removed = RemovedContent()
    blocks = remove_boilerplate(tree, removed.note)
    assert blocks is not None and tree.body is not None
    chosen = choose_content_images(blocks, tree.body, LinkText(tree.body), removed)
    return [node.attributes.get("id") or node.attributes.get("class") or node.tag for node in chosen.regions]


def test_text_the_boilerplate_removal_took_still_scores_the_container():
    # Two "widget" boxes go with the text path's named boilerplate; Readability strips no such name
    # and their paragraphs score into the page's wrapper (the boxes themselves weigh -25), which
    # so outscores the story: the wrapper is the container.
    boxes = "".join(f'<div class="widget">{paragraphs(PARAGRAPHS[i : i + 2])}</div>' for i in (2, 4))
    html = f"""<html><body><div id="page"><div id="story">{paragraphs(PARAGRAPHS[0:2])}<p>The end.</p></div>
      <div class="photo"><img src="/img/quay.jpg" alt="The quay"></div>{boxes}</div></body></html>"""
    assert _container_after_removal(html) == ["page"]


def test_links_the_boilerplate_removal_took_still_count_in_the_containers_link_density():
    # The removed share box's lines are links: they raise the wrapper's raw score, but for
    # Readability its link density too, so the wrapper stays below the story.
    links = "".join(
        f'<p><a href="/share/{n}">Share it, send it, print it, post it on network {n}</a></p>' for n in range(8)
    )
    html = f"""<html><body><div id="page"><div id="story">{paragraphs(PARAGRAPHS[0:3])}</div>
      <div class="photo"><img src="/img/quay.jpg" alt="The quay"></div>
      <div class="share-links">{links}</div></div></body></html>"""
    assert _container_after_removal(html) == ["story"]


def test_a_container_inside_removed_boilerplate_adds_none_of_its_images():
    # Readability elects a "newsletter" box of short lines full of commas over one long line without any;
    # the text path removes the box (it holds under half of the text), so its photo, out of the
    # page the text path keeps, does not come back with the container's images (and the story's
    # photo, which the reader view does not show, goes).
    story = " ".join(p.replace(",", "") for p in PARAGRAPHS)
    html = f"""<html><body><div id="outer"><div id="col1"><p>{story}</p><p><img src="/img/wall.jpg" alt="The wall"></p></div>
      <div class="newsletter">{paragraphs(PARAGRAPHS[1:4])}<p><img src="/img/promo.jpg" alt="Offer"></p></div></div></body></html>"""
    assert _container_after_removal(html) == ["newsletter"]
    doc = main_doc(html)
    assert PARAGRAPHS[5].replace(",", "") in " ".join(t for t in doc.texts if t)
    assert [image for image in doc.images if image] == []


def test_a_photo_in_a_box_the_boilerplate_removal_took_from_the_container_comes_back_at_its_place():
    # The story's photo sits in a "stories" box that the text path removes by its name;
    # Readability strips no such name and its cleaning keeps the box: the photo comes back where
    # it stood.
    html = f"""<html><body><div id="story">{paragraphs(PARAGRAPHS[0:3])}
      <div class="stories"><img src="/img/quay.jpg" alt="The quay"><p>The quay at dawn, from the wall.</p></div>
      {paragraphs(PARAGRAPHS[3:6])}<p><img src="/img/wall.jpg" alt="The wall"></p></div></body></html>"""
    doc = main_doc(html)
    assert [image for image in doc.images if image] == [f"{BASE}/img/quay.jpg", f"{BASE}/img/wall.jpg"]
    at = doc.images.index(f"{BASE}/img/quay.jpg")
    assert PARAGRAPHS[2] in " ".join(t for t in doc.texts[:at] if t)
    assert PARAGRAPHS[3] in " ".join(t for t in doc.texts[at:] if t)
    assert not any("The quay at dawn" in t for t in doc.texts if t)  # the text path's choice stands


def test_a_removed_menu_of_links_in_the_container_stays_out_with_its_images():
    # A removed "toolbar" box of links with a logo: its links (which the page's link measure no
    # longer sees) make it one that Readability's cleaning removes, so its logo stays out.
    menu = " ".join(f'<a href="/topic/{n}">Harbour topic number {n}</a>' for n in range(6))
    html = f"""<html><body><div id="story">{paragraphs(PARAGRAPHS[0:3])}
      <div class="toolbar"><a href="/"><img src="/img/logo.png" alt="Harbour news"></a> {menu}</div>
      {paragraphs(PARAGRAPHS[3:6])}<p><img src="/img/wall.jpg" alt="The wall"></p></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_a_removed_cells_image_copied_out_of_a_layout_table_comes_back_once():
    # A layout cell named "menu" loses its image to the table rescue before it goes; the image
    # is not copied back a second time with the removed elements of the container.
    html = f"""<html><body><table id="layout"><tr><td>{paragraphs(PARAGRAPHS[0:3])}</td></tr>
      <tr><td class="menu-bg"><img src="/img/quay.jpg" alt="The quay"></td></tr>
      <tr><td>{paragraphs(PARAGRAPHS[3:6])}</td></tr></table></body></html>"""
    assert main_images(html) == [f"{BASE}/img/quay.jpg"]


def test_images_of_removed_ad_and_hard_boilerplate_boxes_do_not_come_back():
    # Readability keeps an "ad-slot" of inline content and a "print-edition" box, but an ad's or
    # a print promotion's picture is no content of the article: neither comes back.
    html = f"""<html><body><div id="story">{paragraphs(PARAGRAPHS[0:3])}
      <div class="ad-slot"><img src="/img/banner.jpg" alt="Offer"> Buy a boat today, sail tomorrow.</div>
      <div class="print-edition"><img src="/img/cover.jpg" alt="Cover"><p>This week in print, at your newsagent.</p></div>
      {paragraphs(PARAGRAPHS[3:6])}<p><img src="/img/wall.jpg" alt="The wall"></p></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_the_cleaning_judges_a_block_once_the_blocks_inside_it_are_gone():
    # Each picture card holds a link-only overlay: judged with it, the cards and their row are
    # link-heavy and go. Readability cleans inner blocks first: the overlays go, and what is
    # left (a linked picture, a caption) stays with its pictures.
    cards = "".join(
        f'<div class="card"><a href="/boats/{n}"><img src="/img/boat-{n}.jpg" alt="Boat {n}"></a>'
        f'<div class="overlay"><a href="/boats/{n}">Read the story of boat number {n}</a></div>'
        f"<p>Boat {n} was built in the yard by the old quay in the spring.</p></div>"
        for n in range(3)
    )
    html = f"""<html><body><div id="page"><div class="nav"><a href="/">Home</a></div><div id="story">{paragraphs(PARAGRAPHS[0:3])}
      <div class="cards">{cards}</div>{paragraphs(PARAGRAPHS[3:6])}</div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/boat-{n}.jpg" for n in range(3)]


def test_a_container_kept_only_once_its_inner_blocks_are_cleaned_is_as_long_as_what_is_left():
    # The story's text is nearly all in link-heavy items, which the cleaning removes before it
    # keeps the story: what is left is short, so Readability tries again and keeps the attempt
    # without cleaning, pictures and all.
    items = "".join(
        f'<div class="item"><p><a href="/walks/{n}">{" ".join(PARAGRAPHS[n : n + 3]).replace(",", "")}</a></p>'
        f'<img src="/img/walk-{n}.jpg" alt="Walk {n}"></div>'
        for n in range(4)
    )
    html = f"""<html><body><div id="page"><div class="nav"><a href="/">Home</a></div><div id="story">
      <p>Three walks from the harbour this week.</p>{items}</div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/walk-{n}.jpg" for n in range(4)]


def test_a_div_of_headings_alone_is_a_paragraph_that_the_cleaning_does_not_judge_first():
    # Readability makes a paragraph of a div holding neither inline content nor a block (a heading
    # alone): the linked title is no block the cleaning removes first, so each related box is
    # judged with it, all links, and goes with its thumbnail.
    boxes = "".join(
        f'<div class="resource"><div class="thumbnail"><a href="/walks/{n}"><img src="/img/walk-{n}.jpg" alt=""></a></div>'
        f'<div class="info"><h5><a href="/walks/{n}">The coastal walk number {n} from the quay</a></h5></div></div>'
        for n in range(2)
    )
    html = f"""<html><body><div id="page"><div class="nav"><a href="/">Home</a></div><div id="story">{paragraphs(PARAGRAPHS)}
      <h3>Walks</h3>{boxes}</div></div></body></html>"""
    assert main_images(html) == []


def test_text_cut_by_double_line_breaks_counts_as_paragraphs_for_the_cleaning():
    # Readability makes a paragraph of each <br><br> before it cleans: a box of three photos whose
    # captions are cut by double line breaks is no strip of images without paragraphs, and stays.
    row = (
        '<table class="photos"><tr><td><img src="/img/dawn.jpg" alt="Dawn"> The quay at dawn, from the wall.'
        '<br><br><img src="/img/tide.jpg" alt="Low tide"> The inner basin at low tide.<br> <br>'
        '<img src="/img/boats.jpg" alt="Boats"> Boats waiting for the tide.</td></tr>'
        "<tr><td>Photos: the harbour office</td></tr></table>"
    )
    images = main_images(_table_story_with(row))
    assert images == [f"{BASE}/img/quay.jpg", *(f"{BASE}/img/{n}.jpg" for n in ("dawn", "tide", "boats"))]


def test_a_single_line_break_makes_no_paragraph_for_the_cleaning():
    # One <br> cuts no paragraph: the same box with single line breaks is a strip of images, and goes.
    row = (
        '<table class="photos"><tr><td><img src="/img/dawn.jpg" alt="Dawn"> The quay at dawn, from the wall.'
        '<br><img src="/img/tide.jpg" alt="Low tide"> The inner basin at low tide.<br>'
        '<img src="/img/boats.jpg" alt="Boats"> Boats waiting for the tide.</td></tr>'
        "<tr><td>Photos: the harbour office</td></tr></table>"
    )
    assert main_images(_table_story_with(row)) == [f"{BASE}/img/quay.jpg"]


def test_cells_the_boilerplate_removal_took_still_make_a_data_table():
    # Readability counts a table's cells before anything is removed from it: a grid of three rows
    # of four cells is a data table whose images stay, even once the project's boilerplate removal
    # has taken its "social" cells (three rows of three cells would be a layout table).
    rows = "".join(
        f'<tr><td class="photo_cell"><img src="/img/{name}.jpg" alt="{name}"></td><td class="title_cell">{name}</td>'
        f'<td class="social_cell"><a href="https://social.example.com/{name}">@{name}</a></td>'
        f'<td class="map_cell"><img src="/img/{name}-map.jpg" alt="Map of the {name}"></td></tr>'
        for name in ("quay", "basin", "lighthouse")
    )
    html = f"""<html><body><div class="story">{paragraphs(PARAGRAPHS[0:4])}
      <table class="places">{rows}</table>{paragraphs(PARAGRAPHS[4:6])}</div></body></html>"""
    expected = [f"{BASE}/img/{name}{part}.jpg" for name in ("quay", "basin", "lighthouse") for part in ("", "-map")]
    assert main_images(html) == expected


def test_an_article_in_a_box_readability_strips_makes_its_first_attempt_fail():
    # The article sits in a box named "sidebar-wrapper": Readability's first attempt strips it, and
    # its container (the page around it) holds little else, however long the page's own text is;
    # it tries again without stripping names, and the article's photo is the content's.
    html = f"""<html><body><div id="page">
      <p>Trusted by harbour towns all along the coast since 1998, and by you.</p>
      <article><div class="sidebar-wrapper"><div class="entry-content">{paragraphs(PARAGRAPHS)}
        <p><img src="/img/wall.jpg" alt="The harbour wall"></p>{paragraphs(PARAGRAPHS[::-1])}</div>
        <p class="byline">By the harbour desk</p></div></article>
      </div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_a_bare_image_in_a_boilerplate_headings_section_stays_when_the_reader_view_shows_it():
    # "Sign up to our newsletter" takes its section with it, but an image standing alone in that
    # section (the guide's cover) is one the reader view shows: it stays, as an image inside a
    # removed block does.
    html = f"""<html><body><div class="story">{paragraphs(PARAGRAPHS[0:4])}
      <div class="box"><h2>Sign up to our newsletter</h2><img src="/img/guide.jpg" alt="The harbour guide">
      <p>Get the harbour guide free when you join, with tide tables, walks and the best places to eat.</p></div>
      {paragraphs(PARAGRAPHS[4:6])}</div></body></html>"""
    doc = main_doc(html)
    assert "Sign up" not in doc.text
    assert [i for i in doc.images if i] == [f"{BASE}/img/guide.jpg"]


def test_an_article_in_boxes_named_as_media_makes_the_attempts_with_class_weights_fail():
    # A page builder puts each part of the article in a box named "media-block": Readability's
    # cleaning removes such boxes whole by their name on the attempts with class weights, which
    # then find no article, however long the container; the attempt without class weights keeps
    # them, and the photo in the last one is the content's (as Readability.js shows it).
    boxes = "".join(
        f'<div class="media-block"><div class="text-editor">{paragraphs(PARAGRAPHS[n : n + 3])}</div></div>'
        for n in (0, 3, 0, 3)
    )
    html = f"""<html><body><div class="builder"><div class="column">{boxes}
      <div class="media-block"><div class="card"><img src="/img/wall.jpg" alt="The harbour wall">
      <p>The wall after the storm.</p></div></div></div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/wall.jpg"]


def test_of_short_attempts_the_longest_once_cleaned_gives_the_images():
    # A short article (under Readability's 500 characters) fails every attempt, and Readability
    # keeps the longest: the last one, which does not clean away the linked box above the text.
    # Each attempt's length is what is left once cleaned, so the attempts that remove the box are
    # shorter, and its picture is the article's.
    html = f"""<html><body><div id="main"><div class="post"><h1>The harbour</h1><div class="text">
      <div id="box"><div id="inner"><img src="/img/guide.jpg" alt="The harbour guide">
      <a href="/guide">Get the harbour guide<br><strong>FOR FREE!</strong></a></div></div>
      {paragraphs(PARAGRAPHS[0:2])}</div></div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/guide.jpg"]


def test_a_strip_of_images_four_levels_inside_a_figure_is_the_figures_and_stays():
    # Readability spares a block inside a figure from its images rule when the figure is one of
    # its four nearest ancestors: a row of three photos wrapped four deep in a figure stays.
    cells = "".join(f'<td><img src="/img/{name}.jpg" alt="{name}"></td>' for name in ("quay", "basin", "tide"))
    row = f"""<figure><div class="a"><div class="b"><div class="c"><table class="strip"><tr>{cells}</tr></table>
      </div></div></div><figcaption>The harbour in three photos.</figcaption></figure>"""
    images = main_images(_table_story_with(row))
    assert images == [f"{BASE}/img/quay.jpg", *(f"{BASE}/img/{n}.jpg" for n in ("quay", "basin", "tide"))]


CHINESE = [
    "港口的石墙在一九五三年的风暴之后重建，花岗岩从北方用船运来，此后虽经几次修补，一直屹立至今。",
    "渔民们仍然在黎明时分卸下他们的渔获，市场在小镇大部分人醒来之前就开门了，出售螃蟹和鲭鱼。",
    "去年春天开通的一座新人行桥，把老码头和灯塔以及海岸小路连接起来，步行者不再需要绕道公路。",
    "旧海关大楼里的博物馆讲述了曾经在海湾走私的人们的故事，展出信件、账簿和一条在地窖里发现的划艇。",
]


def test_an_article_short_of_readabilitys_500_characters_with_its_spaces_fails_every_attempt():
    # Readability measures its 500 characters with each run of spaces as one: a Chinese article
    # of about 450 characters (no spaces between words) fails every attempt, and the longest, the
    # last one, cleans nothing away: the linked picture below the text is the article's.
    pairs = [*zip(CHINESE, CHINESE[1:] + CHINESE[:1]), (CHINESE[2], CHINESE[0])]
    html = f"""<html><body><div id="main"><div class="story"><h1>港口</h1>{"".join(f"<p>{a}{b}</p>" for a, b in pairs)}
      <div class="box"><a href="/more"><img src="/img/more.jpg" alt="更多"></a><a href="/more">更多照片</a></div>
      </div></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/more.jpg"]


def test_a_paragraph_cut_by_double_line_breaks_is_cleaned_as_the_div_readability_makes_of_it():
    # Readability makes a paragraph of each <br><br> run inside a <p>, and a <div> of the <p>: a
    # sidebar of headings as pictures and links written in one <p> is then a link-heavy div, and
    # goes with its pictures; the same pictures in a <p> without double line breaks stay.
    links = (
        'Most of the site is for members. <a href="/join">Join</a> to see the <a href="/benefits">benefits</a>'
        ' and <a href="/savings">savings</a>.'
    )
    row = (
        f'<p><img src="/img/members.gif" alt="Members"><br><br>{links}<br><br>'
        '<img src="/img/sections.gif" alt="Sections"><br><br><a href="/sections">Sections</a> |'
        ' <a href="/meetings">Meetings</a></p>'
    )
    assert main_images(_table_story_with(row)) == [f"{BASE}/img/quay.jpg"]
    kept = row.replace("<br><br>", "<br>")
    expected = [f"{BASE}/img/quay.jpg", f"{BASE}/img/members.gif", f"{BASE}/img/sections.gif"]
    assert main_images(_table_story_with(kept)) == expected


def test_a_container_inside_removed_boilerplate_is_cleaned_with_its_own_links():
    # Readability elects a teaser of a "top-stories" box (named "story": a positive weight) that
    # the text path removes; the page's link measure no longer sees that box's links, which
    # Readability's cleaning counts: each teaser's row of links goes, the attempt is short of 500
    # characters and fails, and the attempt without class weights takes the page, teasers and
    # their pictures included (as Readability.js shows it).
    def teaser(n: int, title: str) -> str:
        return f"""<div id="story-{n}" class="story"><h2><a href="/news/{n}"><img src="/img/s{n}.jpg" alt="{title}">{title}</a></h2>
          <p>{PARAGRAPHS[n]}</p><div class="links"><a href="/news/{n}1">More on the {title.lower()} today</a>
          <a href="/news/{n}2">Older news of the {title.lower()}</a></div></div>"""

    teasers = "".join(teaser(n, title) for n, title in enumerate(["Harbour wall", "Fish market", "New footbridge"]))
    notes = "".join(f"<li>{p}</li>" for p in PARAGRAPHS * 2)
    html = f"""<html><body><div id="page"><h1>The harbour today</h1><p><img src="/img/harbour.jpg" alt="The harbour"></p>
      {paragraphs(PARAGRAPHS[4:6])}<div class="top-stories">{teasers}</div><ul class="notes">{notes}</ul></div></body></html>"""
    assert main_images(html) == [f"{BASE}/img/{name}.jpg" for name in ("harbour", "s0", "s1", "s2")]


def test_a_boilerplate_name_more_than_four_levels_inside_a_table_is_stripped():
    # Readability strips no boilerplate name "in a table", but looks for the table among an
    # element's four nearest ancestors only: a "newscomments" box straight in a layout cell stays
    # with its icon; one level deeper (in the title's span) it is stripped, icon and all.
    comment = '<span class="newscomments">[ <a href="/forum/2">Comment <img src="/img/comment.gif"></a> ]</span>'
    near = main_images(_table_story_with(comment))
    deep = main_images(_table_story_with(f'<span class="title"><a href="/story/2">The quay</a> {comment}</span>'))
    assert near == [f"{BASE}/img/quay.jpg", f"{BASE}/img/comment.gif"]
    assert deep == [f"{BASE}/img/quay.jpg"]


def test_a_short_linked_box_of_two_images_or_of_headings_is_no_tiny_box_for_the_cleaning():
    # Readability's tiny linked box (under 25 characters, some of them linked) holds no image or
    # more than two, and under nine tenths of its text in headings: a content-named box of two
    # photos and a short credit line stays, and so does one of three whose credit is a heading.
    def box(count: int, tag: str) -> str:
        photos = "".join(f'<img src="/img/{name}.jpg" alt="{name}">' for name in ("before", "after", "later")[:count])
        return f'<div class="article-photos">{photos}<{tag}>Photos by Ann Lee, <a href="/ann">more</a></{tag}><p>.</p></div>'

    photos = [f"{BASE}/img/{name}.jpg" for name in ("quay", "before", "after", "later")]
    assert main_images(_table_story_with(box(2, "p"))) == photos[:3]
    assert main_images(_table_story_with(box(3, "h3"))) == photos
