"""Main-content mode keeps the images of the article region as a reader sees them: hand-written
pages, one per rule of docs/extraction.md ("Images in main-content mode")."""

from __future__ import annotations

from obelics.html.extract import extract_document

URL = "https://news.example.org/2024/07/harbour"

PARAGRAPHS = [
    "The harbour wall was rebuilt after the storm of 1953, with granite brought by boat from the north.",
    "Fishermen still land their catch at dawn, and the market opens before most of the town is awake.",
    "A new footbridge, opened last spring, links the old quay to the lighthouse and the coastal path.",
    "The museum in the former customs house tells the story of the smugglers who once ran the bay.",
]


def main_images(html: str) -> list[str]:
    doc = extract_document(html, URL, mode="main-content")
    assert doc is not None
    return [i for i in doc.images if i]


def test_a_lazy_image_whose_url_is_only_in_its_noscript_twin_is_kept():
    # The <img> holds a data: placeholder (a script sets its URL); the plain image is its
    # <noscript> twin. An ad's <noscript> pixel beside a script is not kept.
    html = f"""<html><body><article><h1>The harbour</h1><p>{PARAGRAPHS[0]}</p>
      <p><img class="lazyload" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
      <noscript><img src="/img/wall.jpg" alt="The wall"></noscript></p>
      <p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p>
      <script>ads()</script><noscript><img src="https://ads.example.com/p?id=3"></noscript>
      <p>{PARAGRAPHS[3]}</p></article></body></html>"""
    assert main_images(html) == ["https://news.example.org/img/wall.jpg"]


def test_images_of_the_article_stay_whatever_their_names_say():
    # In the article region a product's "logo" and an "icon"-named chart are the article's;
    # spacers, tracking pixels, bare bullet icons and an author's avatar are not.
    html = f"""<html><body><header class="site"><img src="/static/logo.png" class="site-logo"></header>
      <article><h1>The harbour</h1><p>{PARAGRAPHS[0]}</p>
      <p><img src="/uploads/harbour-trust-logo.png" width="300" height="120" alt="The harbour trust"></p>
      <p>{PARAGRAPHS[1]}</p><p><img src="/uploads/icons/tides-chart.png"></p>
      <p>{PARAGRAPHS[2]}<img src="/img/spacer.gif"><img src="/img/bullet.png" width="8" height="8"></p>
      <p>{PARAGRAPHS[3]}<img src="/img/arrow.png" width="16" height="16"></p>
      <p><img class="avatar" src="/authors/ann.jpg" width="60" height="60" alt="Ann"> Ann Lee</p>
      <img src="https://stats.example.com/tracking/pixel.gif"></article></body></html>"""
    assert main_images(html) == [
        "https://news.example.org/uploads/harbour-trust-logo.png",
        "https://news.example.org/uploads/icons/tides-chart.png",
    ]


def test_images_of_a_link_block_inside_the_article_go_and_its_prose_keeps_them():
    # A strip of links with pictures inside the article (more stories, feed buttons) is chrome;
    # a block of prose with a link and a photo is the article's. (The article is long enough for
    # the reader view's first attempt: a short one's last attempt cleans nothing away.)
    html = f"""<html><body><article><h1>The harbour</h1><p>{PARAGRAPHS[0]}</p>
      <div class="inline"><img src="/img/quay.jpg" alt="The quay"><p>{PARAGRAPHS[1]}
        See <a href="/guide">the guide</a>.</p></div>
      <p>{PARAGRAPHS[2]}</p><p>{PARAGRAPHS[3]}</p><p>{PARAGRAPHS[1]} {PARAGRAPHS[0]}</p>
      <div class="strip"><a href="/2024/07/ferry"><img src="/thumbs/ferry.jpg"> The ferry returns</a>
        <a href="/2024/07/market"><img src="/thumbs/market.jpg"> Market day</a> and more</div>
      </article></body></html>"""
    assert main_images(html) == ["https://news.example.org/img/quay.jpg"]


def test_a_photo_declared_at_content_size_stays_whatever_its_file_name_says():
    # "eye-tracking" or "clear-sky" in a photo's file name is no tracking pixel or spacer when the
    # page declares it at a content size; undeclared, or declared a pixel, such a name still goes,
    # and an author's picture goes at any size.
    html = f"""<html><body><article><h1>The harbour</h1><p>{PARAGRAPHS[0]}</p>
      <p><img src="/files/eye-tracking-study-1920.jpg" width="1920" height="1280" alt="A reading study"></p>
      <p>{PARAGRAPHS[1]}</p><p><img src="/files/clear-sky-over-the-bay.jpg" width="800" height="600"></p>
      <p>{PARAGRAPHS[2]}</p><p><img src="/img/tracking/hit.gif"><img src="/img/clear.gif" width="40" height="2"></p>
      <p>{PARAGRAPHS[3]}</p><p><img src="/uploads/avatars/ann-lee.jpg" width="150" height="150"> Ann Lee</p>
      </article></body></html>"""
    assert main_images(html) == [
        "https://news.example.org/files/eye-tracking-study-1920.jpg",
        "https://news.example.org/files/clear-sky-over-the-bay.jpg",
    ]
