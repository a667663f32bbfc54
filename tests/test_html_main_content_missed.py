"""Main-content mode on hand-written pages where a whole article used to be missed: the article
beaten by a region that scores higher (teasers, a quoted release, a site blurb)."""

from __future__ import annotations

from obelics.html.extract import extract_document

URL = "https://news.example.org/2024/06/orchard"

ARTICLE = (
    "The old orchard above the village was planted in 1921 when the first cooperative bought the slope "
    "and cleared it by hand. Each autumn families from the valley gather the apples and press the juice "
    "and store it in the cellars under the town hall. This year volunteers counted more than forty "
    "varieties and some of them grow nowhere else in the region. The council has promised to protect the "
    "meadow although a new road was once planned straight through it. Visitors can walk the trail in two "
    "hours and stop at the mill and the chapel and the viewpoint at the top. The cooperative hopes that "
    "more schools will visit next year and learn how the trees are grafted and pruned in the winter."
)

TEASERS = [
    "Council votes on the new budget, with cuts to roads, libraries, parks and the youth centre, after a "
    "long debate, a walkout by the opposition, and a promise to revisit the plan in the spring session.",
    "Floods close the river road again, for the third time this year, as residents, shop owners, farmers "
    "and the fire brigade ask, once more, for the embankment that was promised, funded, and then dropped.",
    "The football club signs a new coach, a former player, who says the team, the fans and the town deserve "
    "better, and who plans, in his first season, to bring back the youth academy and the summer camp.",
    "A new bakery opens on the square, selling rye bread, pastries, cakes, and coffee, with tables outside, "
    "music on Fridays, and, according to the owners, the best cinnamon rolls, by far, in the whole valley.",
]


def main_text(html: str) -> str:
    doc = extract_document(html, URL, mode="main-content")
    assert doc is not None
    return "\n".join(t for t in doc.texts if t)


def test_an_article_cell_beside_a_richer_teaser_table_joins_the_choice():
    # Table layouts: the article is one long cell, the teasers below it score higher (more blocks,
    # more commas). Both lie in the page's densest region, so the prose around the choice joins it.
    teasers = "".join(f'<tr><td class="teaser">{t}</td></tr>' for t in TEASERS)
    html = (
        "<html><body><table><tr><td><a href='/'>Home</a> <a href='/news'>News</a></td></tr>"
        "<tr><td>"
        f"<table><tr><td class='news'><b>Orchard saved</b><br>{ARTICLE}</td></tr></table>"
        f"<table>{teasers}</table>"
        "</td></tr></table></body></html>"
    )
    text = main_text(html)
    assert "forty varieties" in text
    assert "cinnamon rolls" in text  # the teasers stay: the choice is widened, not replaced


def test_a_news_brief_in_short_cells_beats_a_footer_line():
    # A brief of three sentences, one table cell each, scores below the footer's cell; the footer
    # holds no article-like text at all, so the brief (the densest article-like region) replaces it.
    cells = [
        "Munster winger Ian Dowling is set to spend a long spell on the sidelines after sustaining a knee injury in training.",
        "The winger could face up to eight weeks out with the problem that he picked up against Ulster during the week.",
        "He had to be stretchered off after 76 minutes at the ground and will now miss the two cup games in January.",
    ]
    rows = "".join(f'<tr><td class="bodyText">{c}</td></tr>' for c in cells)
    html = (
        "<html><body><table><tr><td><b>Dowling set for absence</b></td></tr></table>"
        f"<table>{rows}</table>"
        "<table><tr><td><p>(c) Copyright Clubcall.com 2006, all rights reserved, "
        "<a href='/contact'>Contact Us</a></p></td></tr></table></body></html>"
    )
    text = main_text(html)
    assert "eight weeks out" in text
    assert "Copyright" not in text


def test_a_short_post_beats_the_one_paragraph_profile_in_the_sidebar():
    # The sidebar's "about me" paragraph is longer than the post; an element that holds most of
    # the page's article-like text is kept whatever it is named, but not a sidebar holding one block.
    profile = (
        "I have been a copywriter in this city for nineteen years and I write about advertising and "
        "public relations and the neighbourhoods of the city and its estate agents and its weather. "
        "Before that I sold shoes and I drove a taxi and I taught English in a language school for two "
        "years. I read everything and I answer every letter that my readers send me even the angry ones. "
        "This blog is where I keep the best and the worst advertising that I find every week of the year."
    )
    html = (
        "<html><body><div id='content'><div id='main'><div class='post'>"
        "<h3>Top five posts of the week</h3>"
        "<p>Eighteen funny signs on the underground this week and a rejection letter from a club.</p>"
        "<p>Thirteen brilliant museum billboards and the most useless pieces of exercise equipment.</p>"
        "</div></div>"
        f"<div id='sidebar'><h2>About me</h2><p class='profile'>{profile}</p></div>"
        "</div></body></html>"
    )
    text = main_text(html)
    assert "museum billboards" in text
    assert "copywriter" not in text


def test_an_article_before_a_longer_quoted_release_in_a_nested_box_is_kept():
    # The news story is two paragraphs in the post body; the press release it quotes, longer and
    # richer in commas, sits two levels down in a "show full text" box and wins the scoring. The
    # prose before it, up to two levels above, is the article's first part and joins.
    release = "".join(f"<p>{t}</p>" for t in TEASERS)
    html = (
        "<html><body><div class='post'><h1>Orchard cooperative announces a new cider label</h1>"
        "<div class='post_body'>"
        "<p>The cooperative that runs the old orchard above the village announced a new cider label "
        "this morning and says it will sell it in the valley shops from the autumn onwards.</p>"
        "<p>Volunteers counted more than forty varieties this year and the label will name the "
        "variety of every bottle so that visitors can find the trees on the trail above the mill.</p>"
        f"<div id='pr_box'><div id='pr_box_button'>Show full PR text</div><div id='pr_text'>{release}</div></div>"
        "</div></div></body></html>"
    )
    text = main_text(html)
    assert "forty varieties" in text
    assert "new cider label" in text


def test_a_list_of_long_links_each_with_a_note_of_its_own_is_kept():
    # A deals post: every item is a sentence-long link and its old price. Link density alone calls
    # it a menu; a menu's or a teaser list's items carry no note of their own.
    deals = [
        (
            "Two terabyte portable hard drive with a USB 3.0 port for $161.99 with free shipping",
            "normally $180, use the coupon code VJ7295 at checkout",
        ),
        (
            "Fifteen inch laptop with eight gigabytes of memory and a solid state disk for $2,059",
            "normally $2,199, with a free carrying case and a mouse",
        ),
        (
            "Dual band wireless router with three detachable antennas and two USB ports for $140",
            "normally $179, use the coupon code YZC76639 at checkout",
        ),
    ]
    items = "".join(f"<li><a href='https://shop.example.com/{i}'>{d}</a> ({n})</li>" for i, (d, n) in enumerate(deals))
    menu = "".join(f"<li><a href='/{w.lower()}'>{w}</a></li>" for w in ("Home", "Gadgets", "Science", "Policy"))
    html = (
        f"<html><body><ul class='site'>{menu}</ul><article><h1>The week's deals</h1>"
        f"<p>{ARTICLE}</p><p>Top deals this week, picked by our partners:</p><ul>{items}</ul>"
        f"<p>{ARTICLE}</p></article></body></html>"
    )
    text = main_text(html)
    assert "detachable antennas" in text
    assert "Gadgets" not in text


def test_a_short_welcome_text_grows_from_the_event_box_inside_it():
    # A small site's home page: under 500 characters of article-like text, and a box of event
    # details (many commas) inside the same cell scores highest. The box is a fragment of the
    # page's densest region, so the region (the welcome text) comes out, not the box alone.
    welcome = [
        "The garden school uses the school grounds to help children discover the nature in their own back yards.",
        "Children learn the satisfaction of growing and preparing their own food and of picking their own flowers.",
        "Volunteers from the neighbourhood keep the beds in order through the summer when the school is closed.",
    ]
    paragraphs = "".join(f"<p>{w}</p>" for w in welcome)
    html = (
        "<html><body><table><tr><td><a href='/'>Home</a> <a href='/about'>About</a></td></tr><tr><td>"
        "<table><tr><td class='event'><p>Winter party, art show, music, cider, games, prizes, and more, "
        "for children, parents, and friends, on Saturday, February 10, 1 to 5 p.m.</p>"
        "<p>Tickets, $5, free for members, at the door, or online, until Friday.</p></td></tr></table>"
        f"{paragraphs}</td></tr></table></body></html>"
    )
    text = main_text(html)
    assert "Winter party" in text
    assert "satisfaction of growing" in text


PARAGRAPHS = [
    "The old orchard above the village was planted in 1921 when the first cooperative bought the slope "
    "and cleared it by hand, and the families of the valley have gathered its apples every autumn since.",
    "Each autumn the families press the juice and store it in the cellars under the town hall, where the "
    "barrels stay until the spring market opens on the square in front of the church and the old mill.",
    "This year volunteers counted more than forty varieties, and some of them grow nowhere else in the "
    "region, which is why the botanists of the university came twice to take cuttings for their collection.",
    "The council has promised to protect the meadow, although a new road was once planned straight through "
    "it, and the plan is still in a drawer at the ministry according to the mayor and his deputies.",
]
SECOND_PART = [
    "Visitors can walk the trail in two hours and stop at the mill, the chapel and the viewpoint at the "
    "top, where a bench looks over the lake and the three villages that share the orchard's harvest.",
    "The cooperative hopes that more schools will visit next year and learn how the trees are grafted and "
    "pruned in the winter, when the branches are bare and the old trunks show their age and their scars.",
]


def test_the_second_part_of_an_article_in_the_next_table_row_joins_it():
    # A table layout splits the article over two rows; the first row's cell is the densest region
    # and the choice. The next row is prose of several paragraphs: the rest of the article. A
    # one-paragraph row after it (a copyright line) is no part of it.
    first = "".join(f"<p>{p}</p>" for p in [*PARAGRAPHS, ARTICLE])
    second = "".join(f"<p>{p}</p>" for p in SECOND_PART)
    html = (
        "<html><body><table><tr><td><a href='/'>Home</a> <a href='/travel'>Travel</a></td></tr>"
        "<tr><td><table>"
        f"<tr><td>{first}</td></tr><tr><td>{second}</td></tr>"
        "<tr><td><p>All the texts and photographs of this site are protected by copyright and may not be "
        "copied or republished in any form without the written consent of the publisher.</p></td></tr>"
        "</table></td></tr></table></body></html>"
    )
    text = main_text(html)
    assert "forty varieties" in text
    assert "bench looks over the lake" in text
    assert "protected by copyright" not in text


def test_the_summary_row_above_a_review_cell_joins_it():
    # A review site: the hotel's one-line summary sits in the row above the review's cell. The
    # chosen cell holds the densest region (the review), so the prose around the cell joins it.
    review = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><body><table><tr><td><a href='/'>Home</a> <a href='/hotels'>Hotels</a></td></tr>"
        "<tr><td><table>"
        "<tr><td class='content'><p class='titlebody'>Orchard Inn: a classy, clubby, petite hideaway "
        "above the village, with a library of old books and jazz in the lounge.</p></td></tr>"
        "<tr><td class='content'><a name='top'></a><div class='intro'><b>The review</b></div>"
        f"<div class='review'>{review}</div></td></tr>"
        "</table></td></tr></table></body></html>"
    )
    text = main_text(html)
    assert "forty varieties" in text
    assert "clubby, petite hideaway" in text


def test_the_headline_above_the_post_body_joins_it_without_the_date_line():
    # A blog theme puts the post's title and date beside the post's box, not in it; the title is
    # part of the article, the date line between them is not.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><body><div id='wrap'><div id='content' class='hfeed'>"
        "<h1 class='entry-title'>Volunteers count forty apple varieties</h1>"
        "<div class='post-info'><div class='date published'>10:24 AM on 04/12/2013</div></div>"
        f"<div class='post type-post'><div class='entry-content'>{body}</div></div>"
        "</div></div></body></html>"
    )
    text = main_text(html)
    assert text.startswith("Volunteers count forty apple varieties")
    assert "10:24 AM" not in text
    assert "grow nowhere else" in text


def test_a_bold_headline_line_above_the_story_cell_joins_it():
    # An older news template: the headline is a bold line in a <font>, then an ad box, then the
    # story's box; no heading element anywhere.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><body><table><tr><td><a href='/'>Home</a> <a href='/news'>News</a></td></tr>"
        "<tr><td valign='top'><font style='font-size:14px'><b>Volunteers count forty apple varieties</b></font>"
        "<br><table id='adbox'><tr><td><img src='/ad.gif' width='180' height='150'></td></tr></table>"
        f"<font size='2'><div id='storyBody'>{body}</div></font></td></tr></table></body></html>"
    )
    text = main_text(html)
    assert text.startswith("Volunteers count forty apple varieties")
    assert "grow nowhere else" in text


def test_a_cell_named_as_the_title_in_the_row_above_the_story_joins_it():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><body><table><tr><td class='title'>Volunteers count forty apple varieties</td></tr>"
        f"<tr><td><div class='story'>{body}</div></td></tr></table></body></html>"
    )
    text = main_text(html)
    assert text.startswith("Volunteers count forty apple varieties")


def test_a_note_in_a_list_item_does_not_beat_a_one_sentence_post():
    # A photo post of one sentence; the sidebar's list widget holds a longer, link-free note in a
    # box named as content. Text inside a list item scores no container above the list.
    note = (
        "If you see an image we have not linked or given credit to, please let us know so we can give "
        "proper credit. If we have used an image that belongs to your company, please email us."
    )
    html = (
        "<html><body><div id='main'><div class='entry'><h3>City chic</h3><div class='entry-content'>"
        "<div class='entry-body'><p>Happy Friday! We love this inspiration board from "
        "<a href='https://ink.example.com/'>Snippet and Ink</a> and we celebrate a chic couple this weekend.</p>"
        "<p><img src='/board.jpg' width='400' height='300'></p></div></div></div></div>"
        "<div id='beta'><div class='module-typelist'><div class='typelist-plain module-content'>"
        f"<ul class='module-list'><li class='module-list-item'><div class='typelist-note'>{note}</div></li></ul>"
        "</div></div></div></body></html>"
    )
    text = main_text(html)
    assert "Happy Friday" in text
    assert "given credit" not in text


def test_a_short_post_grows_by_the_prose_around_it_not_into_the_sidebar():
    # A short page: the post is one sentence, a fragment of the densest region that also holds
    # the sidebar's widgets. The post grows by the prose beside it, not into the whole region.
    note = (
        "If you see an image we have not linked or given credit to, please let us know so we can give "
        "proper credit. If we have used an image that belongs to your company, please email us."
    )
    archive = "".join(
        f"<li><a href='/{m}'>{m} 2012</a></li>"
        for m in ("October", "September", "August", "July", "June", "May", "April", "March")
    )
    html = (
        "<html><body><div id='pagebody'><div id='alpha'><div class='entry'><h3>City chic</h3>"
        "<div class='entry-content'><div class='entry-body'><p>Happy Friday! We love this inspiration "
        "board from <a href='https://ink.example.com/'>Snippet and Ink</a> and we celebrate a chic "
        "couple this weekend.</p></div></div></div>"
        "<div class='trackbacks'><p>Listed below are the weblogs that reference this post, with the "
        "date of each reference and the name of the weblog that wrote it.</p></div></div>"
        f"<div id='beta'><div class='module-archives'><ul>{archive}</ul></div>"
        f"<div class='module-typelist'><ul><li><div class='typelist-note'>{note}</div></li></ul></div>"
        "</div></div></body></html>"
    )
    text = main_text(html)
    assert "Happy Friday" in text
    assert "given credit" not in text


def test_a_table_of_contents_with_a_heading_above_the_article_is_no_headline_box():
    # A short box holding a heading is a headline box (the title with its date), unless it is
    # mostly links: a page's table of contents.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><body><table><tr><td><h2>Orchard page</h2>"
        "<a href='#history'>The history of the orchard</a><br><a href='#varieties'>The forty varieties</a>"
        "<br><a href='#trail'>The trail and the mill</a></td></tr></table>"
        f"<div class='story'>{body}</div></body></html>"
    )
    text = main_text(html)
    assert "grow nowhere else" in text
    assert "The trail and the mill" not in text


def test_a_post_that_opens_with_its_own_title_takes_no_headline_from_above():
    # The post's region opens with its title (an h2); the h1 above it is the site's name.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><body><div id='top'><h1>Orchard Diaries</h1><h2>The blog of a village orchard</h2></div>"
        f"<div id='posts'><div class='post'><h2>Volunteers count forty apple varieties</h2>{body}</div></div>"
        "</body></html>"
    )
    text = main_text(html)
    assert text.startswith("Volunteers count forty apple varieties")
    assert "Orchard Diaries" not in text


def test_a_choice_holding_more_other_text_than_article_narrows_to_the_article():
    # The best-scoring box (named as the post's body) holds the article's paragraphs and, beside
    # them, a longer run of short lines (a photo strip's credits, a blogroll): more than the
    # article's own text. The article-like region inside it is the article.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    lines = "".join(f"<div>Photo {i} of the week in the field, credit to the village archive</div>" for i in range(16))
    figure = "<div class='photo'><img src='/orchard.jpg' width='600' height='400'><br>The orchard in May</div>"
    html = (
        f"<html><body><div class='post-body'>{figure}<div>{body}</div><div class='strip'>{lines}</div>"
        "</div></body></html>"
    )
    text = main_text(html)
    assert "grow nowhere else" in text
    assert "week in the field" not in text
    doc = extract_document(html, URL, mode="main-content")
    assert doc is not None and any("orchard.jpg" in (image or "") for image in doc.images)  # the photo beside it stays


def test_an_article_inside_a_wrapper_named_for_its_share_buttons_is_kept():
    # A theme wraps the post body in its sticky share bar's box ("socialicons-sticky"): a name that
    # says sharing is a hard clue, but not against the element that holds half of the page's
    # article-like text; the share box itself still goes, and so do comments, even when they hold
    # more text than the article.
    def page(n_comments: int) -> str:
        comments = (
            "<dl>"
            + "".join(
                f"<dt>{i}. Reader {i}, June 2</dt><dd>Reader {i} wrote: {ARTICLE[:180]}, and, yes, I agree.</dd>"
                for i in range(n_comments)
            )
            + "</dl>"
        )
        return f"""<html><body><div class="post">
          <h1 class="entry-title">The orchard</h1><div class="contentwrap"><div id="socialicons-sticky">
          <div class="entry-content"><p>{ARTICLE}</p><p>{ARTICLE[:200]}</p></div>
          <div class="share-buttons"><p>Share this on Facebook or by e-mail with a friend.</p></div></div></div>
          <div id="comments">{comments}</div></div></body></html>"""

    text = main_text(page(2))
    assert ARTICLE in text
    assert "Share this on Facebook" not in text
    assert "Reader 1 wrote" not in text
    assert "Reader 5 wrote" not in main_text(page(8))


def test_the_first_part_of_an_article_split_around_a_video_joins_it():
    # The story's first paragraphs sit in a box of the same class as the rest, in another row of
    # the layout, above a video; a box of that class after the story (trackbacks) stays out.
    first = (
        "<p>Rep. Ann Berg's retirement, revealed a day before the deadline, has shaken the county's plans "
        "for the new orchard trail and the meadow behind the mill.</p><p>Her office said the decision was "
        "hers alone and that the cooperative had been told the week before, in a letter to its board.</p>"
    )
    rest = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><main><h1>The orchard trail loses its champion</h1>
      <section class="row"><div class="box"><div class="col"><div class="inner">
      <div class="story-text">{first}</div></div></div></div></section>
      <section class="row"><div class="video"><p>Watch: the trail in autumn</p></div></section>
      <section class="row"><div class="box"><div class="col"><div class="inner">
      <div class="story-text">{rest}</div></div></div></div></section>
      <section class="row"><div class="story-text"><p>TrackBack URL for this entry, and the weblogs that link
      to it: one, two, three.</p><p>Listed below are links to weblogs that reference this story, by date.</p>
      </div></section></main></body></html>"""
    text = main_text(html)
    assert "revealed a day before the deadline" in text and "in a letter to its board" in text
    assert text.index("in a letter to its board") < text.index(PARAGRAPHS[0])
    assert "TrackBack" not in text


def test_the_title_box_with_its_standfirst_above_the_story_joins_it():
    # The page's <h1> sits in a box with its date, a row of tools and a standfirst of a few
    # sentences (more than a short title box holds), a layout level above the story's text: the
    # box joins the story (and the pruning then takes the tools out of it).
    standfirst = (
        "The youth groups of the farmers' unions ask for a start-up bonus for young farmers. In a first "
        "meeting the minister was open to the idea, but she would not say how much it could cost or when "
        "it could start. The unions want an answer before the spring, when many farms change hands, and "
        "they will meet again in March."
    )
    body = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="page"><div class="top"><div class="intro-wrap">
      <div class="intro"><h1>A bonus for young farmers</h1><p>June 2, 2024, 11:56 a.m.</p>
      <ul class="tools"><li><a href="/share">Share this article on Facebook</a></li><li><a href="/mail">Email
      this article to a friend</a></li><li><a href="/print">Print this article</a></li></ul>
      <p class="lead">{standfirst}</p></div></div></div>
      <div class="main"><div class="article-body"><div class="text">{body}</div></div></div>
      <div class="sidebar-box"><p>Our newsletter: every Friday, the week's news.</p></div></div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[0] in text
    assert "A bonus for young farmers" in text and "they will meet again in March" in text
    assert "Share this article" not in text


def test_a_headline_above_the_wrappers_of_the_story_joins_it():
    # The story's text sits five wrappers below the box that holds its <h1> and date; a wrapper with
    # nothing before it inside its parent is no layout level between the headline and the story.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="page">
      <div class="wrap"><div class="headline-box"><ul><li>June 2, 2024</li></ul>
      <h1>Volunteers count forty apple varieties</h1></div></div>
      <div class="master"><div class="pad"><div class="col">
      <div class="story"><div class="story-page">{body}</div>
      <p><a href="/apples">apples</a>, <a href="/valley">valley</a></p></div>
      <p><a href="/prev">Previous: the spring market</a></p></div>
      <p><a href="/">Orchard news home</a></p></div></div>
      <p>Orchard News, 12 Market Street, Valley Town</p></div></body></html>"""
    text = main_text(html)
    assert "Volunteers count forty apple varieties\n" in text
    assert PARAGRAPHS[-1] in text and "Orchard News, 12 Market Street" not in text


def test_a_date_heading_named_for_its_place_in_the_layout_is_kept():
    # Blog themes name the day's heading above the posts "date-header" (a layout word): the heading
    # is the post's date, no site header.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div id="header"><h1><a href="/">Orchard diary</a></h1></div>
      <div id="main"><h2 class="date-header">Monday, October 15, 2012</h2>
      <div class="post"><div class="post-body">{body}</div></div></div>
      <div id="sidebar"><h2>Archive</h2><ul><li><a href="/2012/09">September</a></li></ul></div>
      </body></html>"""
    text = main_text(html)
    assert text.startswith("Monday, October 15, 2012")
    assert PARAGRAPHS[0] in text and "Orchard diary" not in text


def test_the_sites_self_description_in_the_footer_widgets_does_not_join_a_short_post():
    # A theme's footer widget area holds the site's "about" paragraph, longer than the short post
    # above it: as a sidebar holding one block, it is no wrapper of the article.
    about = (
        "Glad you are here. We cover everything from the news of the orchards and the valley to the advice "
        "of the growers and the recipes of the cooperative, and our weekly roundup is read in every village "
        "of the region. Interested in our articles for your own site? Write to the editors of the journal."
    )
    html = (
        "<html><body><div id='wrap'><div id='content'><div class='post'><h1>Orchard roundup</h1>"
        "<div class='the-content'><p>Eighteen families pressed juice this week and the mill reopened.</p>"
        "<p>Thirteen varieties were counted by the volunteers on the upper slope on Sunday.</p></div></div></div>"
        f"<div id='secondary-content'><div id='footer_widget_areas'><div class='textwidget'><p>{about}</p>"
        "</div></div></div></div></body></html>"
    )
    text = main_text(html)
    assert "Thirteen varieties" in text
    assert "Glad you are here" not in text


def test_the_pages_one_h1_in_a_table_layouts_title_cell_above_the_story_joins_it():
    # Old table layouts set the title in a cell of one table and the story deep in the cells of
    # another; the climb from the story meets the title's table past its levels. The page's one
    # <h1>, before the story with only the date and byline cells between, is its headline.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    wrapped = f"<table><tr><td><div><div><div><div>{body}</div></div></div></div></td></tr></table>"
    for heading in ("h1", "h2"):  # (an <h2> when the page has no <h1>)
        html = f"""<html><body><table><tr><td class="left"><a href="/">Home</a> <a href="/world">World</a></td>
          <td class="main"><table><tr><td><{heading}>Volunteers count forty apple varieties</{heading}></td></tr>
          <tr><td><table><tr><td><table><tr><td><b>Posted :</b> June 2, 2024</td></tr>
          <tr><td><b>Author :</b> Ann Baker</td></tr></table></td></tr></table></td></tr></table>
          <div align="left"> </div>{wrapped}</td></tr></table></body></html>"""
        text = main_text(html)
        assert text.startswith("Volunteers count forty apple varieties\n")
        assert PARAGRAPHS[-1] in text


def test_a_sites_name_in_an_h1_is_no_headline_for_a_story_set_deep_below_it():
    # The page's one <h1> is the site's name (a link home, or a word or two): no headline.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    wrapped = f"<table><tr><td><div><div><div><div>{body}</div></div></div></div></td></tr></table>"
    for title in ('<a href="https://news.example.org/">Orchard news of the valley</a>', "OrchardNews"):
        html = f"""<html><body><table><tr><td class="main"><table><tr><td><h1>{title}</h1></td></tr>
          <tr><td><table><tr><td>June 2, 2024</td></tr></table></td></tr></table>{wrapped}</td></tr></table>
          </body></html>"""
        text = main_text(html)
        assert "Orchard" not in text.split("\n")[0] and PARAGRAPHS[0] in text


def test_the_standfirst_between_the_headline_and_the_lead_image_joins_the_story():
    # The headline, the lead image and the story's box are the article's regions, siblings in one
    # box; the standfirst and the byline set between the headline and the image join them, as
    # what lies between two text regions does, the image region between notwithstanding.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    standfirst = (
        "The orchard above the village keeps varieties that grow nowhere else, and volunteers want to save them."
    )
    html = f"""<html><body><table><tr><td class="nav"><a href="/">Home</a> <a href="/music">Music</a></td>
      <td><div id="story"><h1>Volunteers count forty apple varieties</h1><br><br>
      <font size="3">{standfirst}</font><br><br><font size="2">Ann Baker, Tuesday June 4, 2024</font>
      <img src="https://news.example.org/lead.jpg" alt="The upper slope of the orchard" width="372" height="192">
      <br><div id="storybody">{body}</div></div></td></tr></table></body></html>"""
    text = main_text(html)
    assert text.startswith("Volunteers count forty apple varieties")
    assert text.index(standfirst) < text.index(PARAGRAPHS[0])
    assert "Home" not in text
