"""Main-content mode on hand-written pages whose article is known: boilerplate out, article images in place."""

from __future__ import annotations

from obelics.html.extract import extract_document
from obelics.html.kept_images import content_image, keep_image
from obelics.html.simplify import END_OF_DOCUMENT

URL = "https://news.example.com/2024/05/river-festival"

ARTICLE_PARAGRAPHS = [
    "The river festival returned to the old town on Saturday, drawing thousands of visitors to the quays.",
    "Boats decorated with lanterns sailed past the stone bridge, while musicians played on floating stages.",
    "Organisers said the event, first held in 1952, had never attracted so many families from the region.",
    "Local bakers sold bread shaped like fish, a tradition that older residents remember from their childhood.",
    "In the evening, fireworks lit up the water and the crowd stayed on the banks until well after midnight.",
]

BLOG_PAGE = f"""<!doctype html>
<html><head><title>River festival</title><script>var tracking = "analytics";</script>
<style>.x {{ color: red }}</style></head>
<body class="single-post has-sidebar">
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies</div>
<header class="site-header">
  <a href="/"><img class="site-logo" src="/static/logo.png" alt="Example News"></a>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav>
</header>
<div class="container">
 <main id="main">
  <article class="post">
   <header class="entry-header"><h1 class="entry-title">Lanterns on the water</h1>
     <div class="byline">By <a href="/authors/jo">Jo Writer</a>
       <img class="avatar" src="https://secure.gravatar.com/avatar/abc?s=48" width="48" height="48"></div></header>
   <figure class="lead"><picture><source srcset="/img/boats-1600.webp 1600w, /img/boats-800.webp 800w">
     <img src="/img/boats-800.jpg" alt="Boats with lanterns"></picture>
     <figcaption>Boats on the river at dusk.</figcaption></figure>
   <div class="entry-content">
    <p>{ARTICLE_PARAGRAPHS[0]}</p>
    <p>{ARTICLE_PARAGRAPHS[1]}</p>
    <div class="share-buttons"><a href="https://facebook.com/share">Facebook</a> <a href="https://twitter.com/share">Twitter</a>
      <img src="/static/icons/twitter.png" width="16" height="16"></div>
    <p>{ARTICLE_PARAGRAPHS[2]}</p>
    <div class="gallery">
      <img class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/gallery-1.jpg" alt="Bakers">
      <img class="lazy" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/gallery-2.jpg" alt="Crowd">
    </div>
    <p>{ARTICLE_PARAGRAPHS[3]}</p>
    <div class="ad-slot"><img src="https://ads.example.net/banner-728x90.gif" width="728" height="90">Advertisement</div>
    <p>{ARTICLE_PARAGRAPHS[4]}</p>
    <img src="/img/pixel.gif" width="1" height="1">
   </div>
   <footer class="entry-footer"><span class="tags">Tags: <a href="/t/festival">festival</a>, <a href="/t/river">river</a></span></footer>
   <div class="related-posts"><h3>Related posts</h3><ul>
     <li><a href="/2024/04/bridge"><img src="/img/bridge-thumb.jpg" width="150" height="100">The bridge reopens after repairs</a></li>
     <li><a href="/2024/03/market">Spring market moves to the square</a></li></ul></div>
   <section id="comments" class="comments-area"><h2>3 comments</h2>
     <ol class="comment-list"><li><p>Great festival, we came from the coast to see it and loved every minute!</p></li>
     <li><p>The fireworks were the best I have seen in years, thanks to all the volunteers.</p></li></ol>
     <form id="respond"><textarea>Leave a reply</textarea><button>Post comment</button></form></section>
  </article>
 </main>
 <aside class="sidebar"><div class="widget"><h3>Most read</h3><ul>
   <li><a href="/a">Mayor announces new road plan for the valley</a></li>
   <li><a href="/b">School wins regional chess championship again</a></li></ul></div>
   <div class="widget newsletter"><p>Subscribe to our newsletter for the best stories every morning.</p></div></aside>
</div>
<footer class="site-footer"><p>Copyright 2024 Example News. All rights reserved.</p>
  <a href="/privacy">Privacy policy</a> <img src="/static/footer-logo.png"></footer>
<script>document.write("more tracking")</script>
</body></html>"""

BOILERPLATE = [
    "cookies",
    "Home",
    "World",
    "Sport",
    "Facebook",
    "Twitter",
    "Advertisement",
    "Tags:",
    "Related posts",
    "The bridge reopens",
    "Spring market",
    "3 comments",
    "Great festival",
    "fireworks were the best",
    "Leave a reply",
    "Most read",
    "Mayor announces",
    "Subscribe to our newsletter",
    "Copyright",
    "Privacy policy",
    "analytics",
    "tracking",
]


def main_doc(html: str, url: str = URL):
    doc = extract_document(html, url, mode="main-content")
    assert doc is not None
    return doc


def test_blog_article_text_is_clean_and_complete():
    doc = main_doc(BLOG_PAGE)
    text = doc.text
    positions = [text.index(p) for p in ARTICLE_PARAGRAPHS]
    assert positions == sorted(positions)
    assert "Lanterns on the water" in text and "Boats on the river at dusk." in text
    for boilerplate in BOILERPLATE:
        assert boilerplate not in text, boilerplate


def test_blog_article_images_are_kept_in_place_without_decoration():
    doc = main_doc(BLOG_PAGE)
    images = [i for i in doc.images if i]
    assert images == [
        "https://news.example.com/img/boats-1600.webp",
        "https://news.example.com/img/gallery-1.jpg",
        "https://news.example.com/img/gallery-2.jpg",
    ]
    # The lead figure sits between the headline and the first paragraph, the gallery after paragraph 3.
    order = [t if t is not None else "IMG" for t in doc.texts]
    lead = doc.images.index(images[0])
    assert "Lanterns on the water" in (doc.texts[lead - 1] or "")
    assert ARTICLE_PARAGRAPHS[0] in (doc.texts[lead + 1] or "")
    gallery = doc.images.index(images[1])
    assert ARTICLE_PARAGRAPHS[2] in (doc.texts[gallery - 1] or "") and order[gallery + 1] == "IMG"
    assert ARTICLE_PARAGRAPHS[3] in (doc.texts[gallery + 2] or "")


def test_obelics_mode_keeps_the_boilerplate_main_content_mode_drops():
    obelics = extract_document(BLOG_PAGE, URL, mode="obelics")
    assert obelics is not None
    assert "Subscribe to our newsletter" in obelics.text  # sidebar <div>s are kept by the reference rules
    assert "Subscribe to our newsletter" not in main_doc(BLOG_PAGE).text


NEWS_PAGE = f"""<html><body>
<div id="top"><a href="/"><img src="/logo.svg" id="logo"></a> <a href="/login">Sign in</a> | <a href="/subscribe">Subscribe</a></div>
<table width="100%"><tr><td class="leftcol" width="200">
  <a href="/politics">Politics</a><br><a href="/business">Business</a><br><a href="/science">Science</a><br>
  <a href="/culture">Culture</a><br><a href="/travel">Travel</a><br><a href="/weather">Weather</a></td>
<td class="maincol">
  <h1>Lanterns on the water</h1>
  <div class="story">
   <p>{ARTICLE_PARAGRAPHS[0]}</p><p>{ARTICLE_PARAGRAPHS[1]}</p>
   <div class="photo"><img src="/photos/quay.jpg" width="600" height="400"><br>The quay at noon.</div>
   <p>{ARTICLE_PARAGRAPHS[2]}</p><p>{ARTICLE_PARAGRAPHS[3]}</p><p>{ARTICLE_PARAGRAPHS[4]}</p>
  </div>
  <div class="pages">Page <a href="?p=1">1</a> <a href="?p=2">2</a> <a href="?p=3">3</a> <a href="?p=2">Next</a></div>
</td><td class="rightcol" width="200"><b>Popular</b><br>
  <a href="/x">Mayor announces new road plan for the valley</a><br><a href="/y">School wins regional chess championship</a>
</td></tr></table>
<div class="bottom">About us | Contact | Jobs | Copyright 2024</div>
</body></html>"""


def test_a_page_without_semantic_tags_is_found_by_scoring():
    doc = main_doc(NEWS_PAGE)
    text = doc.text
    for p in ARTICLE_PARAGRAPHS:
        assert p in text
    assert "Lanterns on the water" in text and "The quay at noon." in text
    for boilerplate in ("Sign in", "Politics", "Weather", "Popular", "Mayor announces", "Next", "Contact"):
        assert boilerplate not in text, boilerplate
    assert [i for i in doc.images if i] == ["https://news.example.com/photos/quay.jpg"]


def test_lists_tables_and_code_inside_the_article_are_kept():
    html = f"""<html><body><nav><a href='/'>Home</a></nav><article><h1>How to bake</h1>
      <p>{ARTICLE_PARAGRAPHS[0]}</p><p>You will need the following ingredients for a single loaf:</p>
      <ul><li>500 g of flour</li><li>300 ml of warm water</li><li>10 g of salt</li></ul>
      <table><tr><th>Step</th><th>Minutes</th></tr><tr><td>Knead</td><td>10</td></tr></table>
      <pre>mix(flour, water)
bake(220)</pre><p>{ARTICLE_PARAGRAPHS[1]}</p></article></body></html>"""
    text = main_doc(html).text
    assert "500 g of flour\n300 ml of warm water\n10 g of salt" in text
    assert "Step Minutes\nKnead 10" in text
    assert "mix(flour, water)\nbake(220)" in text
    obelics = extract_document(html, URL)
    assert obelics is not None and "500 g of flour" not in obelics.text  # the reference drops li and table


def test_a_content_container_named_with_a_boilerplate_word_is_kept():
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    html = (
        f"<html><body><div class='entry-content share-enabled'>{body}</div>"
        "<div class='sidebar-widget'><a href='/a'>Other story one</a> <a href='/b'>Other story two</a></div></body></html>"
    )
    text = main_doc(html).text
    assert all(p in text for p in ARTICLE_PARAGRAPHS)
    assert "Other story" not in text


def test_hidden_elements_and_boilerplate_labels_are_removed():
    html = f"""<html><body><div class='content'><p>{ARTICLE_PARAGRAPHS[0]}</p>
      <div style='display: none'>Hidden promo text for bots only</div><p hidden>Hidden paragraph text</p>
      <p>Share this:</p><p>{ARTICLE_PARAGRAPHS[1]}</p><div>Advertisement</div></div></body></html>"""
    text = main_doc(html).text
    assert text == f"{ARTICLE_PARAGRAPHS[0]}\n\n{ARTICLE_PARAGRAPHS[1]}"


def test_content_image_tells_content_from_decoration():
    assert content_image({}, "https://x.org/uploads/2024/05/boats.jpg")
    assert content_image({"width": "640", "height": "480"}, "https://x.org/a.jpg")
    assert content_image({}, "https://x.org/uploads/iconic-building.jpg")  # "icon" inside a word is fine
    assert not content_image({"class": "site-logo"}, "https://x.org/a.png")
    assert not content_image({}, "https://x.org/static/logo.png")
    assert not content_image({}, "https://x.org/icons/share.svg")
    assert not content_image({}, "https://x.org/img/Translate_icon.svg.png")
    assert not content_image({"width": "1", "height": "1"}, "https://x.org/p.gif")
    assert not content_image({"width": "24", "height": "24"}, "https://x.org/a.jpg")  # icon-sized, no alt
    assert not content_image({"width": "8", "height": "300"}, "https://x.org/a.jpg")  # a spacer or rule
    assert content_image({"width": "24", "height": "20", "alt": "x squared"}, "https://x.org/f.png")  # formula
    assert not content_image({"class": "avatar photo"}, "https://x.org/u.jpg")
    assert not content_image({"role": "presentation"}, "https://x.org/a.jpg")
    assert not content_image({}, "https://secure.gravatar.com/avatar/abc")


def test_keep_image_drops_only_what_no_reader_sees():
    # inside the article region a logo, an icon or an emoticon is the article's
    assert keep_image({}, "https://x.org/uploads/2024/05/boats.jpg")
    assert keep_image({"class": "wp-smiley", "alt": ":)"}, "https://x.org/smilies/icon_smile.gif")
    assert keep_image({"width": "24", "height": "24", "alt": "pi"}, "https://x.org/a.jpg")
    assert not keep_image({"width": "24", "height": "24"}, "https://x.org/a.jpg")  # a bare icon
    assert keep_image({"class": "site-logo"}, "https://x.org/a.png")  # a product's or a brand's logo in a review
    assert not keep_image({"class": "avatar photo"}, "https://x.org/u.jpg")  # a person beside a byline
    # spacers, rules and tracking pixels go
    assert not keep_image({"width": "1", "height": "1"}, "https://x.org/p.gif")
    assert not keep_image({"width": "8", "height": "300"}, "https://x.org/a.jpg")
    assert not keep_image({}, "https://x.org/img/spacer.gif")
    assert not keep_image({"class": "tracking-pixel"}, "https://x.org/t.gif")


def test_a_hero_image_and_headline_above_the_article_are_kept():
    body = "".join(f"<p>{p}</p>" for p in ARTICLE_PARAGRAPHS)
    html = f"""<html><body><header class='site-header'><img src='/logo.png' class='logo'></header>
      <main><h1>Lanterns on the water</h1><div class='hero'><img src='/img/hero.jpg' alt='Hero'></div>
      <article class='post'>{body}</article>
      <article class='teaser'><a href='/next'>Next: the bridge reopens</a></article></main></body></html>"""
    doc = main_doc(html)
    assert doc.texts[0] == "Lanterns on the water"
    assert doc.images[1] == "https://news.example.com/img/hero.jpg"
    assert doc.texts[2] == "\n\n".join(ARTICLE_PARAGRAPHS)  # the short teaser article is not a post
    assert len(doc.texts) == 3


def test_a_list_of_posts_gives_each_post_separated_by_the_end_of_document_marker():
    posts = [ARTICLE_PARAGRAPHS[0:2], ARTICLE_PARAGRAPHS[2:4], ARTICLE_PARAGRAPHS[4:5] * 2]
    articles = "".join(
        f"<article><h2><a href='/p{k}'>Post {k}</a></h2><img src='/img/p{k}.jpg'>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + f"<p><a class='more-link' href='/p{k}'>Read more</a></p></article>"
        for k, paragraphs in enumerate(posts)
    )
    html = f"<html><body><nav><a href='/'>Home</a></nav><main>{articles}</main><aside>Archives</aside></body></html>"
    doc = main_doc(html)
    text = doc.text
    assert text.count(END_OF_DOCUMENT) == 2 and "Read more" not in text and "Archives" not in text
    chunks = text.split(END_OF_DOCUMENT)
    for k, paragraphs in enumerate(posts):
        assert f"Post {k}" in chunks[k] and all(p in chunks[k] for p in paragraphs)
    assert [i for i in doc.images if i] == [f"https://news.example.com/img/p{k}.jpg" for k in range(3)]
