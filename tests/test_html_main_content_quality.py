"""Main-content mode on hand-written pages of the failure classes of extraction quality: a whole
article missed, boilerplate kept inside the article, content images dropped by the pruning."""

from __future__ import annotations

from obelics.html.boilerplate import style_hidden_names
from obelics.html.extract import extract_document
from obelics.html.plausibility import plausible
from obelics.html.simplify import parse
from obelics.html.text_blocks import LinkText, TextBlocks

URL = "https://blog.example.org/2024/06/orchard"

PARAGRAPHS = [
    "The old orchard above the village was planted in 1921, when the first cooperative bought the slope.",
    "Each autumn, families from the valley gather the apples, press the juice and store it in the cellars.",
    "This year, volunteers counted more than forty varieties, some of which grow nowhere else in the region.",
    "The council has promised to protect the meadow, although a new road was once planned straight through it.",
    "Visitors can walk the trail in two hours, stopping at the mill, the chapel and the viewpoint at the top.",
]


def main_doc(html: str):
    doc = extract_document(html, URL, mode="main-content")
    assert doc is not None
    return doc


def main_text(html: str) -> str:
    return "\n".join(t for t in main_doc(html).texts if t)


def main_images(html: str) -> list[str]:
    return [i for i in main_doc(html).images if i]


# ---- 1. the whole article missed -----------------------------------------------------------------
def test_a_theme_wrapper_named_like_a_sidebar_does_not_take_the_article_with_it():
    # Themes name the page wrapper after its layout ("one-sidebar-right"): a name is a weak clue
    # against an element that holds most of the page's text.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div id="site" class="one-sidebar-right">
      <div class="skip"><a href="#main">Skip to content</a></div>
      <div id="main"><div class="entry"><h1>The orchard</h1>{body}</div></div>
      <div class="sidebar-widget"><p>Chat with us! We are online.</p></div></div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Skip to content" not in text
    assert "Chat with us" not in text


def test_a_header_that_wraps_the_page_and_an_article_hidden_behind_a_script_are_kept():
    body = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS)
    wrapped = f"""<html><body><header id="branding"><div class="logo"><a href="/">Orchard blog</a></div>
      <div id="content"><h1>The orchard</h1>{body}</div></header></body></html>"""
    hidden = f"""<html><body><div class="teaser"><h1>The orchard</h1><p>Subscribe to read the full story.</p></div>
      <div class="paywall-full-content" style="display:none;">{body}</div>
      <div style="display:none"><p>Your session expired, please sign in again to continue.</p></div></body></html>"""
    for html in (wrapped, hidden):
        text = main_text(html)
        for paragraph in PARAGRAPHS:
            assert paragraph in text
    assert "session expired" not in main_text(hidden)


def test_an_article_in_line_broken_divs_wins_over_a_sign_in_box():
    # The article holds its text directly, lines split by <br> (no <p>); a sign-in dialog has
    # paragraphs with commas. The div of text scores as paragraphs do.
    lines = "<br><br>".join(PARAGRAPHS)
    html = f"""<html><body>
      <div id="signin-dialog"><div class="inner"><p>Sign in to your account, or create one, to comment.</p>
        <p>Don't have an account? Register now, it is free, quick and easy.</p></div></div>
      <div id="article"><h1>The orchard</h1><div id="body-text">{lines}</div></div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Sign in" not in text


def test_prose_in_an_element_named_after_a_layout_place_is_kept():
    # A CMS names the cells of its news summaries "link_header": a header does not hold a
    # paragraph of 200 characters, so the name is wrong and the text stays.
    long_paragraphs = [f"{p} {q} {r}" for p, q, r in zip(PARAGRAPHS, PARAGRAPHS[1:], PARAGRAPHS[2:])]
    rows = "".join(f"<tr><td class='link_header'>{p}</td></tr>" for p in long_paragraphs)
    html = f"""<html><body><table><tr><td class="nav-header"><a href="/">Home</a> <a href="/news">News</a></td></tr>
      <tr><td><h1>Orchard news</h1><table>{rows}</table></td></tr></table></body></html>"""
    text = main_text(html)
    for paragraph in long_paragraphs:
        assert paragraph in text
    assert "Home" not in text


def test_an_implausible_choice_falls_back_to_the_densest_article_like_region():
    # The article is written as a list of long items, which scoring does not count, beside a
    # short box of paragraphs that it does: the chosen box holds far less article-like text than
    # the list, so the densest article-like region replaces it.
    items = "".join(f"<li>{p} {p}</li>" for p in PARAGRAPHS)
    html = f"""<html><body>
      <div class="notice"><p>Support local news, every coin helps, and thank you.</p></div>
      <div id="story"><h2>The orchard in ten facts</h2><ul class="facts">{items}</ul></div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Support local news" not in text


def test_a_weak_choice_inside_the_article_region_is_widened_with_the_prose_around_it():
    # Old table layouts split an article over sibling cells; scoring picks one of them. When the
    # choice holds between a third and a half of the region's article-like text, the prose
    # siblings around it join (not the link lists beside them), rather than the whole region.
    first = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS[:2])
    rest = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS[2:4])
    menu = "".join(
        f"<li><a href='/p{i}'>A longer link to another page of the site, number {i}</a></li>" for i in range(3)
    )
    html = f"""<html><body><table><tr><td id="region"><div id="chosen">{first}</div>
      <ul id="menu">{menu}</ul><div id="more">{rest}</div><div id="last"><p>{PARAGRAPHS[4] * 2}</p></div>
      </td></tr></table></body></html>"""
    tree = parse(html)
    blocks, links = TextBlocks(tree.body), LinkText(tree.body)
    chosen = tree.css_first("#chosen")
    widened = plausible([[chosen]], blocks, links)
    assert [[node.attributes.get("id") for node in group] for group in widened] == [["chosen", "more", "last"]]


def test_densest_region_is_the_deepest_element_holding_most_article_like_text():
    html = "<html><body><div id='a'><div id='b'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html += "</div><p>short</p></div><div id='c'><p>" + PARAGRAPHS[0] + "</p></div></body></html>"
    tree = parse(html)
    blocks = TextBlocks(tree.body)
    assert blocks.total_good == sum(len(p.replace(" ", "")) for p in PARAGRAPHS + PARAGRAPHS[:1])
    assert blocks.densest_region().attributes.get("id") == "b"
    assert blocks.densest_region(share=0.9).tag == "body"


# ---- 2. boilerplate kept inside the article ------------------------------------------------------
def test_a_section_opened_by_a_boilerplate_heading_goes_with_its_heading():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="post-body"><h1>The orchard</h1>{body}
      <h3>3 Comments</h3>
      <div class="c1"><p>What a lovely walk, we did it last Sunday with the children and loved it.</p></div>
      <div class="c2"><p>The chapel is closed on Mondays, so plan your visit for another day of the week.</p></div>
      <h3>You may also like</h3>
      <p>The mill reopens: after ten years of repairs, the wheel turns again and grinds flour for the bakery.</p>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "lovely walk" not in text
    assert "closed on Mondays" not in text
    assert "The mill reopens" not in text


def test_boilerplate_labels_are_known_in_other_languages():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="post-body"><h1>Der Obstgarten</h1>{body}
      <p>War der Artikel nützlich?</p>
      <h2>Das könnte Sie auch interessieren</h2>
      <p>Die Mühle dreht sich wieder: nach zehn Jahren Reparatur mahlt das Rad Mehl für die Bäckerei.</p>
      <h2>Lire aussi</h2><p>Le moulin tourne de nouveau après dix ans de travaux, pour la boulangerie du village.</p>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for leaked in ("nützlich", "interessieren", "Die Mühle", "Lire aussi", "Le moulin"):
        assert leaked not in text


def test_a_comments_heading_named_as_boilerplate_still_takes_its_section():
    # The heading's id says "comments", which alone would remove the heading early and leave the
    # comments (plain divs of paragraphs) in the article; it stays for the pruning, which removes it
    # with its section.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="blog"><h1>The orchard</h1>{body}
      <h2 id="comments">Comments</h2>
      <div id="c1"><p>What a lovely walk, we did it last Sunday with the children and loved every minute.</p></div>
      <p class="posted">Posted by: Anna at June 3, 2024 05:23 PM</p>
      <div id="c2"><p>The chapel is closed on Mondays, so plan your visit for another day of the week.</p></div>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for leaked in ("Comments", "lovely walk", "Posted by", "closed on Mondays"):
        assert leaked not in text


def test_comment_forms_ads_author_boxes_and_story_tools_are_labelled_boilerplate():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="blog"><h1>The orchard</h1>{body}
      <p>Printer friendly page</p>
      <h3>Sponsored Links</h3>
      <div><a href="https://ads.example.com/1">Garden tools</a><p>Great prices on spades, rakes and hoes.</p></div>
      <h3>About the author</h3>
      <p>Anna writes about the valley, its orchards and its people, and has lived there for thirty years.</p>
      <h3>Post a comment</h3>
      <p>Your email address will not be published. Required fields are marked with a star.</p>
      <p>Your name</p>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for leaked in ("Printer friendly", "Sponsored", "Great prices", "About the author", "thirty years", "comment",
                   "will not be published", "Your name"):  # fmt: skip
        assert leaked not in text


def test_a_read_also_box_inside_the_article_takes_its_links_not_the_text_after_it():
    # A "read also" heading and its teaser list sit between two paragraphs: the section ends
    # where the article's prose resumes.
    html = f"""<html><body><article><h1>Der Obstgarten</h1><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>
      <h4>Auch interessant</h4>
      <ul><li><div>Garten</div><a href="/die-muehle">Die Mühle dreht sich wieder nach zehn Jahren</a></li></ul>
      <p>{PARAGRAPHS[2]}</p><p>{PARAGRAPHS[3]}</p><h4>Der Weg</h4><p>{PARAGRAPHS[4]}</p></article></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Auch interessant" not in text
    assert "Die Mühle" not in text


def test_a_paragraph_that_holds_a_layout_table_is_no_label():
    # In quirks mode a <p> swallows the table after it: its text starts with a tool's label
    # ("E-mail this article") but it holds the page's header images and more.
    rows = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><table><tr><td><p><table><tr><td><a href="/mail">E-mail this article</a></td></tr>
      </table><img src="/img/job-doc.gif" alt="Job Doc" width="300" height="60"></p>
      <h1>The orchard</h1>{rows}</td></tr></table></body></html>"""
    assert "https://blog.example.org/img/job-doc.gif" in main_images(html)


def test_a_label_heading_chosen_as_the_lead_of_an_article_does_not_take_the_article():
    # The heading right above an article joins it as its lead: the pruning of a region looks
    # inside it, so a label heading that is a region of its own takes no "section" (the article
    # after it is another region).
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><h2>Related posts</h2><article><h1>The orchard</h1>{body}</article></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_a_comment_form_and_a_row_of_tool_links_inside_the_article_go():
    # What is left of a comment form once its controls are gone is its labels; a paragraph that is
    # a row of short links is a tool bar, not a sentence.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="blog"><h1>The orchard</h1>
      <p><a href="/mail">E-mail</a> | <a href="/print">Print</a> | <a href="/rss">RSS feed</a></p>{body}
      <form action="/reply" method="post"><table><tr><td>Your nickname</td><td><input name="n"></td></tr>
      <tr><td>Message</td><td><textarea name="m"></textarea></td></tr></table></form>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for leaked in ("E-mail", "Print", "RSS", "nickname", "Message"):
        assert leaked not in text


def test_a_sentence_whose_words_are_mostly_links_is_no_row_of_links():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="entry"><h1>Orchard</h1>
      <p><b><a href="/orchard">Orchard</a></b> ye un <a href="/village">village</a> d'a
      <a href="/valley-province">Province of the Upper Valley</a>, en a <a href="/region">Northern Region</a>.</p>
      {body}</div></body></html>"""
    assert "ye un village d'a Province of the Upper Valley" in " ".join(main_text(html).split())


def test_a_page_wrapped_in_a_form_keeps_its_article():
    body = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><article><form id="aspnetForm" action="/page.aspx" method="post">
      <h1>The orchard</h1>{body}</form></article></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_post_metadata_newsletter_boxes_and_counted_comment_links_are_labels():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="blog"><h1>The orchard</h1>{body}
      <p>This entry was posted on June 3, 2024 and is filed under Walks. You can follow any responses.</p>
      <p>Comments (3)</p>
      <h3>Sign up for our newsletter</h3>
      <p>Get the best walks of the valley in your inbox every Friday, with maps and photos of each trail.</p>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for leaked in ("This entry", "Comments", "newsletter", "inbox"):
        assert leaked not in text


def test_blog_post_footers_author_lines_and_more_links_are_labels():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="blog"><h1>The orchard</h1>{body}
      <p>Continue reading "The mill reopens"</p>
      <p>Posted by Anna at 04:29 PM | <a href="/p/1">Permalink</a> | Comments (0) | TrackBack (0)</p>
      <p>Read more by Anna Berg</p>
      <p>Follow @annaberg on Twitter.</p>
      <p><a href="#top">Up to top</a></p></div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    for leaked in ("Continue reading", "Permalink", "Read more", "Follow", "Up to top"):
        assert leaked not in text


def test_an_ad_banner_goes_with_its_image_and_paywall_notices_go():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="blog"><h1>The orchard</h1>{body}
      <center>- Anzeige -<br><a href="https://ads.example.com/c"><img src="/media/spring-sale.jpg" width="468"
      height="60"></a></center>
      <p>Subscribe now to our e-paper edition for the full story.</p>
      <figure><img src="/img/orchard.jpg" width="600" height="400"><figcaption>The orchard</figcaption></figure>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Anzeige" not in text and "Subscribe" not in text
    assert main_images(html) == ["https://blog.example.org/img/orchard.jpg"]


def test_the_box_about_the_author_goes_but_a_post_named_after_its_author_stays():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    bio = "Anna Berg is a senior editor, where she writes about the valley, its orchards, its mills and its people."
    html = f"""<html><body><div class="post-body"><h1>The orchard</h1>{body}
      <section class="article-author"><p>Anna Berg / {bio}</p></section>
      <p class="bio">{bio.replace("senior editor", "contributing writer")}</p></div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Anna Berg" not in text and "contributing writer" not in text
    named = f"""<html><body><div class="blog"><div class="serendipity_entry serendipity_entry_author_Anna-Berg">
      <h1>The orchard</h1>{body}</div></div></body></html>"""
    text = main_text(named)
    for paragraph in PARAGRAPHS:
        assert paragraph in text


def test_an_extended_biography_named_in_camel_case_goes_with_the_author_box():
    # "extendedBio", "shortBio": a camel-case name joined into one token that ends in a biography.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    more = "Born in 1975 in the valley, she studied botany in the city and came back to write about the orchards."
    html = f"""<html><body><div class="post"><div class="profile"><div class="extendedBio"><p>{more}</p></div></div>
      <h1>The orchard</h1>{body}</div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[0] in text and PARAGRAPHS[-1] in text
    assert "Born in 1975" not in text


def test_a_paragraph_titling_related_stories_takes_the_teasers_after_it_but_comments_do_not():
    # "Related stories:" in a paragraph (no heading) titles the teasers after it, each a headline
    # and a summary, up to the next heading; a paragraph "Comments" does not take what follows (some
    # pages are their comments).
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    teasers = "".join(
        f"<p><b>The mill reopens, part {i}</b><br>After ten years of repairs the wheel turns again and grinds flour"
        f" for the bakery of the village, the miller says.</p>"
        for i in range(3)
    )
    html = f"""<html><body><div class="story"><h1>The orchard</h1>{body}<p>Related stories:</p>{teasers}
      <h2>Letters</h2><p>Comments</p><p>{PARAGRAPHS[0]} A reader wrote this, and we print it in full.</p>
      </div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Related" not in text and "The mill reopens" not in text
    assert "A reader wrote this" in text


def test_a_box_title_in_a_div_takes_its_teasers():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    teasers = "".join(
        f"<div class='item'><a href='/mill-{i}'>The mill reopens, part {i}</a><br>After ten years of repairs the"
        f" wheel turns again and grinds flour for the bakery of the village, the miller says.</div>"
        for i in range(3)
    )
    html = f"""<html><body><div class="story"><h1>The orchard</h1>{body}
      <div class="box-title">Related articles</div>{teasers}</div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "Related" not in text and "The mill reopens" not in text and "ten years of repairs" not in text


def test_a_legal_notice_goes_and_an_article_that_mentions_copyright_stays():
    # A site's copyright, reprint or disclaimer notice at the end of the article's container goes:
    # a box of text lines, or paragraphs in a box of their own (a print footer). A story that ends
    # with its agency's copyright line, in its last paragraph or in a paragraph of its own among
    # the story's, and a paragraph about copyright, stay.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    story = (
        f"{PARAGRAPHS[0]} {PARAGRAPHS[1]} The court held that the sharing service encouraged copyright"
        " infringement by its users. Copyright 2008 by Valley Press"
    )
    wire = "Copyright 2008 Valley Press. All rights reserved. This material may not be published or redistributed."
    trademarks = " ".join(
        f"The Orchard Trail name {i} and logo are trademarks of the Orchard Trust." for i in range(12)
    )
    last = (
        "<div class='text-wrap'><p>In 1982, as the first road plans were drawn, the mayor remarked that the valley"
        " had to choose between its orchards and its traffic. Today, people around the valley have recognized"
        " that the orchard has changed and that it is time for a new approach to the meadow. The central"
        " question is what comes next.</p>"
        "<p>From the book The Orchard by Ann Berg. Copyright 2019 by Ann Berg. All rights reserved.</p></div>"
    )
    html = f"""<html><body><div class="story"><h1>The orchard</h1>{body}<p>{story}</p><p>{wire}</p>{last}
      <div class="print-footer"><p>This copy is for your personal, non-commercial use only. Order reprints
      of this article.</p><p>By showing these walks, the site shall not be deemed to endorse them or the
      facts therein. &copy;1999-2024 Valley Media, Inc. All Rights Reserved. Terms of Use</p></div>
      <div>Copyright 2024 Valley Media, Inc. All Rights Reserved. This material may not be published,
      broadcast, rewritten or redistributed.</div>
      <div>{trademarks} All marks depicted herein may not be reproduced without the prior written consent
      of the Orchard Trust. &copy; Orchard Trust 2024. All Rights Reserved.</div></div></body></html>"""
    text = main_text(html)
    for paragraph in PARAGRAPHS:
        assert paragraph in text
    assert "encouraged copyright infringement" in text and "Copyright 2008 by Valley Press" in text
    assert wire in text and "The central question is what comes next." in text
    assert "personal, non-commercial" not in text and "Valley Media" not in text
    assert "trademarks of the Orchard Trust" not in text


def test_a_licence_notice_closing_the_post_goes_and_a_paragraph_about_licences_stays():
    # A blog's licence footer ("licensed under a Creative Commons licence", "under the terms of the
    # Design Science License") is a legal notice like a copyright line; a paragraph of the story
    # that talks about licences is not.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    about = (
        "The cooperative publishes its maps under the terms of the Open Data License, so that the"
        " walkers' clubs of the valley can print them, and it asks nothing in return but a mention."
    )
    html = f"""<html><body><div class="post"><h1>The orchard</h1>{body}<p>{about}</p>
      <div class="note"><p>All photos are licensed under a Creative Commons Attribution-NonCommercial 3.0
      Unported license.</p></div>
      <div>These trail notes are shared under the terms and conditions of the Design Science
      License.</div></div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text and about in " ".join(text.split())
    assert "Creative Commons" not in text and "Design Science" not in text


def test_a_copy_hidden_by_a_utility_class_goes_but_a_responsive_one_stays():
    # A teaser copy for non-subscribers behind class="hidden" (the site's style sheet hides it) is
    # not shown to readers: its text does not come out twice. Tailwind's "hidden md:block" is
    # hidden on small screens only.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><article><h1>The orchard</h1>
      <div class="story teaser hidden"><h3>By Ann Berg</h3><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div>
      <div class="story">{body}</div>
      <div class="hidden md:block"><p>Walkers' note: the trail is closed in January.</p></div>
      </article></body></html>"""
    text = main_text(html)
    assert text.count(PARAGRAPHS[0]) == 1 and PARAGRAPHS[-1] in text
    assert "By Ann Berg" not in text
    assert "the trail is closed in January" in text


def test_a_box_a_style_sheet_in_the_body_hides_goes_but_not_one_hidden_for_print_only():
    # "#printDesc { display: none }", set in the body right before the print copy of the story,
    # which readers do not see; a rule inside @media print, or in a style sheet for print, hides
    # the screen's boxes on paper only, and a rule of a longer selector hides what a script opens.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><head><style>.story {{ display: none }}</style></head><body><style>
      .menu li.open > ul, .toolbar {{ color: red }} #printDesc {{ display: none; }}
      @media print {{ .screen-note {{ display:none }} .banner {{ display: none }} }}
      .story p.note > span {{ display: none }}</style><style media="print">.story-notes {{ display: none }}</style>
      <div id="printDesc" class="story"><h2>The orchard</h2><p>{PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p></div>
      <div class="story"><h1>The orchard</h1>{body}
      <p class="screen-note">Walkers' note: the trail is closed in January.</p>
      <p class="story-notes">Dogs are welcome on a leash along the whole trail.</p></div></body></html>"""
    assert style_hidden_names(parse(html)) == ({"printDesc"}, set())
    text = main_text(html)
    assert text.count(PARAGRAPHS[0]) == 1 and PARAGRAPHS[-1] in text
    assert "the trail is closed in January" in text and "Dogs are welcome" in text


def test_the_caption_in_a_flash_players_fallback_is_kept_but_not_its_notices():
    # Browsers without the plugin (all of them now) show what an <object> holds: the video's
    # caption is the story's, the player's notice ("Get Adobe Flash Player") is not.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    caption = "Volunteers press the first apples of the season at the mill of the cooperative, above the village."
    html = f"""<html><body><div class="post"><h1>The orchard</h1>
      <object width="620" height="362"><param name="movie" value="/player.swf"><param name="autoplay" value="false">
      <object data="/player.swf" type="application/x-shockwave-flash"><div class="player">
      <p class="notice">Get Adobe Flash Player to watch this video.</p><p class="caption">{caption}</p>
      </div></object></object><object data="/ad.swf"><param name="movie" value="/ad.swf"><embed src="/ad.swf"></object>
      <div class="text">{body}</div></div></body></html>"""
    text = main_text(html)
    assert caption in text and PARAGRAPHS[-1] in text
    assert "Flash Player" not in text


# ---- 3. content images dropped by the pruning -----------------------------------------------------
def test_an_inline_formula_image_with_alt_text_is_kept_and_an_icon_is_not():
    html = f"""<html><body><article><h1>Energy</h1><p>{PARAGRAPHS[0]}</p>
      <p>The relation <img src="/eq/emc2.png" width="60" height="18" alt="E = mc^2"> links mass and energy,
      and <img src="/eq/pi.png" width="14" height="14" alt="pi"> is a constant. {PARAGRAPHS[1]}</p>
      <p>{PARAGRAPHS[2]} <img src="/img/arrow.png" width="16" height="16"></p></article></body></html>"""
    assert main_images(html) == ["https://blog.example.org/eq/emc2.png", "https://blog.example.org/eq/pi.png"]


def test_a_figure_whose_link_looks_like_boilerplate_is_kept():
    html = f"""<html><body><article><h1>The orchard</h1><p>{PARAGRAPHS[0]}</p>
      <figure class="figure figure--panorama"><a class="figure__popup" href="/img/orchard-big.jpg">
        <img src="/img/orchard.jpg" alt="The orchard in autumn"></a>
        <figcaption>The orchard in autumn.</figcaption></figure>
      <p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p></article></body></html>"""
    assert main_images(html) == ["https://blog.example.org/img/orchard.jpg"]
    assert "The orchard in autumn." in main_text(html)


def test_a_table_gallery_with_linked_captions_is_kept_and_a_teaser_list_is_not():
    cells = "".join(
        f"<td><a href='/img/apple-{i}-large.jpg'><img src='/img/apple-{i}.jpg' width='150' height='100'></a>"
        f"<br><a href='/img/apple-{i}-large.jpg'>Variety {i}</a></td>"
        for i in range(1, 4)
    )
    teasers = "".join(
        f"<li><a href='/2024/05/story-{i}'><img src='/img/thumb-{i}.jpg' width='150' height='100'>Story {i}</a></li>"
        for i in range(1, 4)
    )
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><div class="entry"><h1>The orchard</h1>{body}
      <table><tr>{cells}</tr></table><ul>{teasers}</ul></div></body></html>"""
    assert main_images(html) == [f"https://blog.example.org/img/apple-{i}.jpg" for i in range(1, 4)]


def test_a_lightbox_gallery_beside_the_article_is_kept():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    gallery = "".join(
        f"<li><a class='colorbox' href='/files/orchard-{i}.jpg'><img src='/files/styles/thumb/orchard-{i}.jpg'></a></li>"
        for i in range(1, 4)
    )
    html = f"""<html><body><div class="row">
      <div class="col-8"><div class="node-full"><article class="node"><h1>The orchard</h1>{body}</article></div></div>
      <ul class="list-unstyled col-4">{gallery}</ul>
      <ul class="col-4"><li><a href="/other"><img src="/img/other.jpg"></a></li></ul></div></body></html>"""
    assert main_images(html) == [f"https://blog.example.org/files/styles/thumb/orchard-{i}.jpg" for i in range(1, 4)]


def test_main_content_text_is_in_composed_unicode_form():
    # A page written with combining accents ("e" + U+0301) gives the same words as one written with
    # composed letters ("é"): the text is NFC.
    decomposed = "Le cafe\u0301 du village a rouvert, et la fe\u0302te d'e\u0301te\u0301 aura lieu sur la place."
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"<html><body><div class='story'><h1>The orchard</h1>{body}<p>{decomposed}</p></div></body></html>"
    text = main_text(html)
    assert "Le café du village a rouvert, et la fête d'été aura lieu sur la place." in text
    assert "\u0301" not in text


def test_the_article_header_with_a_linked_title_and_byline_is_kept():
    # A blog theme links the post's title to the post itself and the byline to the author's page:
    # the header box is dense in links, but it holds the <h1>; a box of links without one still goes.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><article class="post">
      <header class="post-header"><h1><a href="/2024/06/orchard">The orchard above the village</a></h1>
      By <a href="/author/ann">Ann Berg</a> posted on June 2, 2024</header>
      {body}<div class="more"><a href="/mill">The mill</a> <a href="/chapel">The chapel</a>
      <a href="/viewpoint">The viewpoint</a></div></article></body></html>"""
    text = main_text(html)
    assert "The orchard above the village" in text and "By Ann Berg posted on June 2, 2024" in text
    assert "The chapel" not in text


def test_the_trackbacks_after_a_post_go():
    # Trackbacks are comments from other blogs: their box goes as a comments box does.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    excerpt = " ".join(PARAGRAPHS[:2])
    html = f"""<html><body><div id="beta"><div class="entry"><h3>The orchard</h3>
      <div class="entry-body">{body}</div></div>
      <div class="trackbacks"><h3>TrackBack</h3><p>TrackBack URL for this entry:<br>
      http://www.example.org/services/trackback/6a00e5503c</p>
      <p>Listed below are links to weblogs that reference The orchard:</p>
      <div class="trackback-content"><p>{excerpt}</p><p>{PARAGRAPHS[2]} {PARAGRAPHS[3]}</p></div></div>
      </div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text
    assert "TrackBack URL" not in text and "Listed below are links" not in text


def test_the_comments_after_a_line_announcing_them_go():
    # An older news template: the readers' comments follow the story in its cell as loose lines
    # (a bold name, a line break, the comment), after a bold line that announces them.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    comments = "".join(
        f"<br><b>{name}</b><br>{PARAGRAPHS[i][::-1]} {PARAGRAPHS[i + 1][::-1]}<br><br><hr>"
        for i, name in enumerate(["Stephen B", "Lina", "Ralph"])
    )
    html = f"""<html><body><table><tr><td><a href="/">Home</a> | <a href="/news">News</a></td></tr>
      <tr><td><h1>The orchard</h1>{body}<hr><a name="comments"></a>
      <b>Comments are now closed for this story</b><br>{comments}</td></tr></table></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text
    assert "Comments are now closed" not in text and "Stephen B" not in text
    assert PARAGRAPHS[1][::-1] not in text


def test_a_paragraph_saying_you_may_also_be_interested_in_takes_its_teasers():
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    teasers = "".join(
        f"<p><b>The mill reopens, part {i}</b><br>After ten years of repairs the wheel turns again and grinds flour"
        f" for the bakery of the village, the miller says.</p>"
        for i in range(3)
    )
    html = f"""<html><body><div class="story"><h1>The orchard</h1>{body}
      <p>You may also be interested in:</p>{teasers}</div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text
    assert "interested in" not in text and "The mill reopens" not in text


def test_a_box_named_related_in_camel_case_goes():
    # "articleRelated", "postRelated": one token for the name rules, "related" inside it.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    teasers = "".join(
        f"<p>The mill reopens, part {i}: after ten years of repairs the wheel turns again and grinds flour"
        f" for the bakery of the village, the miller says.</p>"
        for i in range(2)
    )
    html = f"""<html><body><div class="story"><h1>The orchard</h1>{body}
      <div id="articleRelated">{teasers}</div><div class="entry-unrelated"><p>{PARAGRAPHS[0][::-1]}</p></div>
      </div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text
    assert "The mill reopens" not in text
    assert PARAGRAPHS[0][::-1] in text  # "unrelated" is no related box


def test_a_tool_link_standing_alone_goes_but_a_link_in_a_sentence_stays():
    # Loose tool links after a story ("Email this story to a friend") go; a label-like link that
    # is part of a sentence ("Follow us to stay up to date") is the sentence's.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"""<html><body><table><tr><td><div class="story"><h1>The orchard</h1>{body}
      <p>At the cooperative, we grow apples. <a href="/social"><b>Follow us</b></a><b> to stay up to date on
      the harvest.</b></p><br><a href="/mail?id=3">Email this story to a friend</a><br>
      <a href="/print?id=3">Printer friendly page</a></div></td></tr></table></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text
    assert "Email this story" not in text and "Printer friendly" not in text
    assert "Follow us to stay up to date on" in " ".join(text.split())


def test_a_run_of_dated_teasers_closing_the_article_goes_but_a_page_of_news_stays():
    # Headlines linked to other stories, each with its date and a summary, that close the article
    # are a list of other stories; a page made of news items (undated ones among them) is content.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    teasers = "".join(
        f'<p>Markets - <a href="/news/{i}">Cider prices climb in week {i}</a> by Valley Post<br>'
        f"Wed, Jan {10 + i} 2008, 06:4{i} GMT</p>"
        for i in range(4)
    )
    html = f"""<html><body><div class="story"><h1>The orchard</h1>{body}
      <div class="box">{teasers}<p><a href="/news/all">[ View All ]</a></p></div></div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text
    assert "Cider prices climb" not in text and "View All" not in text
    undated = '<p><a href="/news/9">The new press arrives at the mill</a>: the cooperative paid for it.</p>'
    news = f"""<html><body><div class="story"><h1>The orchard</h1>{body}
      <div class="box">{undated}{teasers}</div></div></body></html>"""
    assert "Cider prices climb in week 3" in main_text(news)


def test_a_long_row_of_links_among_the_last_lines_goes_but_not_earlier():
    # Related posts run into one paragraph ("- <a>..</a> - <a>..</a>") at the end of a post go even
    # when longer than a row of tools; the same paragraph before the article's text is left alone.
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    row = "<p>" + " ".join(
        f'- <a href="/post/{i}">The mill of the valley reopens, part {i} of the story</a>' for i in range(6)
    )
    row += "</p>"
    html = f"""<html><body><div class="story"><h1>The orchard</h1>{body}{row}</div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[-1] in text
    assert "The mill of the valley reopens" not in text
    early = f"""<html><body><div class="story"><h1>The orchard</h1>{row}{body}{body}</div></body></html>"""
    assert "part 5 of the story" in main_text(early)


def test_what_lies_between_two_parts_of_the_article_joins_them():
    # A story told in boxes of paragraphs with short elements between them (a fact list, a pull
    # quote): scoring picks the boxes, and what lies between two of them is the story's too,
    # but not a share bar (links) nor an advertisement label between them.
    first = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS * 2)
    second = "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS[:2])
    html = f"""<html><body><div class="menu"><a href="/">Home</a> <a href="/news">News</a></div>
      <div class="part">{first}</div>
      <ul><li>Forty varieties of apples</li><li>A mill, a chapel and a viewpoint</li></ul>
      <div class="quote">Nowhere else do these trees grow so well.</div>
      <div class="tools"><a href="/share/fb">Facebook</a> <a href="/share/tw">Twitter</a></div>
      <div class="slot">Advertisement</div>
      <div class="part">{second}</div></body></html>"""
    text = main_text(html)
    assert PARAGRAPHS[0] in text and PARAGRAPHS[-1] in text
    assert "Forty varieties of apples" in text and "A mill, a chapel" in text
    assert "Nowhere else do these trees grow so well." in text
    assert "Facebook" not in text and "Advertisement" not in text and "Home" not in text
