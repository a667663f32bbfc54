"""Extraction speed, memory and cleanliness, against trafilatura and a bare Lexbor parse, in one run.

Records: realistic generated article pages (30-80 KB each: head scripts and styles, a header with
logo and navigation menu, cookie banner, sidebar widgets and ads, an article with headline, byline,
lead picture with srcset, paragraphs with inline markup, lazy-loaded figures, a gallery, a list
and a quote, share buttons, tags, related posts, comments, a footer), made by this script with a
fixed seed, plus the real Common Crawl record in tests/data/cc-whirlwind.warc.gz (read with warcio).

Measured per core (one thread; CPU time, so that other work on the machine does not count):

1. documents/s of ``extract_document`` in each mode, of ``trafilatura.extract(html,
   include_images=True, output_format="xml")`` and of a bare ``LexborHTMLParser(html)``, on the
   same records, with the ratios against the goals (OBELICS mode >= 10x trafilatura and >= 1/4 of
   the bare parse; main-content >= 5x trafilatura), twice: each method in its own fresh process
   (as an extract worker runs; methods alternated `--process-repeats` times, 2 by default, the
   best kept), and all methods in one process in interleaved rounds. Each round runs a method for at least 0.3 s of CPU and the
   fastest round counts (the one least disturbed by other work on the machine). In one process
   every method, the bare parse included, runs 20-30% slower once trafilatura (lxml) has run;
2. peak memory (ru_maxrss of a fresh subprocess) of the extract stage's task
   (``obelics.stages.extract.extract_warc``: WARC reading, extraction, Parquet writing) on a
   WARC of N and of 10*N generated records, per mode, and the stage's documents/s there;
3. cleanliness on the generated pages, whose article is known: share of article paragraphs and
   article images recovered, share of boilerplate snippets and decoration images let through,
   for both modes and trafilatura.

4. the cost of the stage's hard limits on normal pages: the task with no limits
   (``page_timeout=0, max_html_depth=0``), with the nesting-depth scan, and with the scan and
   each page extracted in a child process killed past ``page_timeout`` (the defaults); CPU time
   of the task and its child, and wall time, best of alternated runs. Goal: < 10%.

Usage: ``python bench/extract.py [--pages 60] [--rounds 5] [--memory-records 200] [--only-limits]``
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_OBELICS_VS_TRAFILATURA = 10.0
GOAL_OBELICS_VS_PARSE = 0.25
GOAL_MAIN_VS_TRAFILATURA = 5.0

WORDS = (
    "river valley morning farmers field harvest weather market price school bridge children baker bread "
    "workers travellers inn church mayor road city village autumn rain meadow forest chestnut basket family "
    "summer festival music square table doctor bicycle letter kitchen garden orchard mill stone tower castle "
    "museum painting history century council library station train platform ticket journey coast harbour "
    "boat fisherman lighthouse island storm wave sand shell evening lantern firework crowd volunteer report "
    "study researcher climate energy solar panel battery engine factory worker union contract budget policy "
    "election vote candidate debate interview minister parliament court judge law police street traffic "
    "hospital nurse patient medicine vaccine virus health sport football match goal team coach season player"
).split()
FUNCTION = "the a of and to in on for with at by from that this which as was were is are has had".split()


def _sentence(rng: random.Random, n: int | None = None) -> str:
    n = n or rng.randint(9, 22)
    words = [rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(FUNCTION) for _ in range(n)]
    if rng.random() < 0.4:
        words.insert(rng.randrange(1, n), rng.choice(WORDS) + ",")
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _inline_markup(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(0, 3)):
        i = rng.randrange(len(words))
        tag = rng.choice(["a href='/tag/x'", "em", "strong", "span class='hl'"])
        words[i] = f"<{tag}>{words[i]}</{tag.split()[0]}>"
    return " ".join(words)


def _script(rng: random.Random, size: int) -> str:
    body = []
    while sum(map(len, body)) < size:
        body.append(f"window.cfg_{rng.randrange(10**6)} = {{id: {rng.randrange(10**9)}, tag: '{rng.choice(WORDS)}'}};")
    return "<script>" + "\n".join(body) + "</script>"


def _style(rng: random.Random, size: int) -> str:
    body = []
    while sum(map(len, body)) < size:
        body.append(f".c{rng.randrange(10**5)} .{rng.choice(WORDS)} {{ margin: {rng.randrange(40)}px; color: #abc; }}")
    return "<style>" + "\n".join(body) + "</style>"


def make_page(i: int, seed: int = 0) -> tuple[str, str, dict[str, list[str]]]:
    """One generated page: (html, url, truth) with the article's paragraphs and images and the boilerplate."""
    rng = random.Random(seed * 100_003 + i)
    host = f"https://www.site{i % 9}.example.com"
    url = f"{host}/{2015 + i % 9}/{i:05d}/{rng.choice(WORDS)}-{rng.choice(WORDS)}.html"
    truth: dict[str, list[str]] = {"paragraphs": [], "images": [], "boilerplate": [], "decoration": []}

    def boiler(text: str) -> str:
        truth["boilerplate"].append(text)
        return text

    def deco(path: str) -> str:
        truth["decoration"].append(host + path)
        return path

    head = [
        f"<meta charset='utf-8'><title>{_sentence(rng, 6)}</title>",
        "<meta name='viewport' content='width=device-width'>",
        *(f"<link rel='stylesheet' href='/css/{k}.css'>" for k in range(rng.randint(2, 6))),
        *(_script(rng, rng.randint(1500, 6000)) for _ in range(rng.randint(3, 6))),
        *(_style(rng, rng.randint(3000, 9000)) for _ in range(rng.randint(1, 3))),
        "<script type='application/ld+json'>"
        + json.dumps({"@type": "NewsArticle", "headline": "x" * 80})
        + "</script>",
    ]
    menu = "".join(
        f"<li class='menu-item'><a href='/{w}'>{boiler(w.capitalize() + ' ' + rng.choice(WORDS))}</a>"
        + (
            "<ul class='sub-menu'>"
            + "".join(f"<li><a href='/{w}/{k}'>{w} {k}</a></li>" for k in range(rng.randint(2, 8)))
            + "</ul>"
            if rng.random() < 0.5
            else ""
        )
        + "</li>"
        for w in rng.sample(WORDS, rng.randint(8, 20))
    )
    header = (
        f"<header id='masthead' class='site-header'><div class='site-branding'><a href='/' rel='home'>"
        f"<img class='custom-logo' src='{deco('/wp-content/uploads/logo.png')}' width='180' height='60' alt='Site'></a></div>"
        f"<nav id='site-navigation' class='main-navigation'><ul id='primary-menu' class='menu'>{menu}</ul></nav>"
        f"<div class='search-form'><form><input type='search' placeholder='Search'><button>Go</button></form></div></header>"
        f"<div class='cookie-notice' id='cookie-law-info-bar'>{boiler('We use cookies on our website to give you the most relevant experience.')}"
        f" <a class='button'>Accept</a></div>"
    )

    body: list[str] = []
    title = _sentence(rng, 8)[:-1]
    truth["paragraphs"].append(title)
    body.append(f"<header class='entry-header'><h1 class='entry-title'>{title}</h1>")
    body.append(
        f"<div class='entry-meta'><span class='byline'>By <a href='/author/x'>{boiler('Staff Writer ' + str(i))}</a></span>"
        f" <img class='avatar' src='{deco('/avatars/' + str(i % 5) + '.jpg')}' width='40' height='40'>"
        f" <time>May {1 + i % 28}, 2023</time></div></header>"
    )
    lead = f"/wp-content/uploads/2023/05/lead-{i}"
    truth["images"].append(f"{host}{lead}-1600.jpg")
    body.append(
        f"<figure class='wp-block-image'><picture><source type='image/webp' srcset='{lead}-800.webp 800w'>"
        f"<source srcset='{lead}-800.jpg 800w, {lead}-1600.jpg 1600w'>"
        f"<img src='{lead}-800.jpg' alt='{_sentence(rng, 5)}' width='800' height='533'></picture>"
        f"<figcaption>{_sentence(rng, 7)}</figcaption></figure>"
    )
    body.append("<div class='entry-content'>")
    n_par = rng.randint(8, 18)
    for k in range(n_par):
        if k == 3:
            share = "".join(
                f"<a href='https://{s}.com/share' class='share-{s}'><img src='{deco('/icons/' + s + '.svg')}' width='24' height='24'>{boiler(s.capitalize())}</a>"
                for s in ("facebook", "twitter", "pinterest")
            )
            body.append(f"<div class='sharedaddy sd-sharing-enabled'><h3>{boiler('Share this:')}</h3>{share}</div>")
        if k == 5:
            body.append(
                f"<div class='ad-container'><span>{boiler('Advertisement')}</span>"
                f"<img src='{deco('/ads/banner-728x90.gif')}' width='728' height='90'></div>"
            )
        if k % 4 == 2:
            sub = _sentence(rng, 5)[:-1]
            truth["paragraphs"].append(sub)
            body.append(f"<h2>{sub}</h2>")
        text = _paragraph(rng)
        truth["paragraphs"].append(text)
        body.append(f"<p>{_inline_markup(rng, text)}</p>")
        if k % 5 == 1:
            src = f"/wp-content/uploads/2023/05/photo-{i}-{k}.jpg"
            truth["images"].append(host + src)
            cap = _sentence(rng, 6)
            truth["paragraphs"].append(cap)
            body.append(
                f"<figure><img class='lazyload' src='data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=='"
                f" data-src='{src}' alt='{cap}' width='640' height='427'><figcaption>{cap}</figcaption></figure>"
            )
        if k == 6:
            items = [_sentence(rng, 7) for _ in range(rng.randint(3, 5))]
            truth["paragraphs"].extend(items)
            body.append("<ul>" + "".join(f"<li>{t}</li>" for t in items) + "</ul>")
        if k == 7:
            quote = _paragraph(rng)
            truth["paragraphs"].append(quote)
            body.append(f"<blockquote><p>{quote}</p></blockquote>")
        if k == n_par - 2:
            gallery = []
            for g in range(rng.randint(3, 5)):
                src = f"/wp-content/uploads/2023/05/gallery-{i}-{g}.jpg"
                truth["images"].append(host + src)
                gallery.append(
                    f"<figure class='gallery-item'><a href='{src}'><img src='{src}' "
                    f"srcset='{src} 1024w, {src[:-4]}-300x200.jpg 300w' width='300' height='200'></a></figure>"
                )
            body.append("<div class='gallery'>" + "".join(gallery) + "</div>")
    body.append(f"<img src='{deco('/pixel.gif')}' width='1' height='1'>")
    body.append("</div>")
    tags = ", ".join(f"<a href='/tag/{w}' rel='tag'>{w}</a>" for w in rng.sample(WORDS, 4))
    body.append(f"<footer class='entry-footer'><span class='tags-links'>{boiler('Tagged')} {tags}</span></footer>")
    related = "".join(
        f"<li><a href='/r/{k}'><img src='{deco(f'/wp-content/uploads/related-{i}-{k}-150x150.jpg')}' width='150' height='150'>"
        f"{boiler(_sentence(rng, 7))}</a></li>"
        for k in range(4)
    )
    body.append(f"<div class='related-posts'><h3>{boiler('Related Posts')}</h3><ul>{related}</ul></div>")
    comments = "".join(
        f"<li class='comment'><div class='comment-author'><img src='{deco(f'/avatars/c{k}.png')}' class='avatar' width='32' height='32'>"
        f"<b>{rng.choice(WORDS)}{k}</b></div><div class='comment-content'><p>{boiler(_sentence(rng))}</p></div>"
        f"<a class='comment-reply-link'>Reply</a></li>"
        for k in range(rng.randint(2, 8))
    )
    body.append(
        f"<div id='comments' class='comments-area'><h2 class='comments-title'>{boiler('Comments')}</h2>"
        f"<ol class='comment-list'>{comments}</ol><div id='respond'><form><textarea></textarea>"
        f"<input type='submit' value='Post Comment'></form></div></div>"
    )
    article = "<article class='post type-post'>" + "".join(body) + "</article>"

    popular = "".join(f"<li><a href='/p/{k}'>{boiler(_sentence(rng, 8))}</a></li>" for k in range(rng.randint(5, 10)))
    sidebar = (
        "<aside id='secondary' class='widget-area'>"
        f"<section class='widget widget_recent_entries'><h2 class='widget-title'>{boiler('Recent Posts')}</h2><ul>{popular}</ul></section>"
        f"<section class='widget widget_text'><div class='textwidget'><p>{boiler('Sign up for our newsletter and get the week in review.')}</p></div></section>"
        f"<section class='widget'><a href='https://ads.example.net/c'><img src='{deco('/ads/sidebar-300x250.jpg')}' width='300' height='250'></a></section>"
        "</aside>"
    )
    columns = "".join(
        "<div class='footer-column'><ul>"
        + "".join(f"<li><a href='/f/{k}'>{rng.choice(WORDS)}</a></li>" for k in range(6))
        + "</ul></div>"
        for _ in range(4)
    )
    footer = (
        f"<footer id='colophon' class='site-footer'>{columns}<div class='site-info'>"
        f"{boiler('Copyright 2023 Example Media Group. All rights reserved.')}</div></footer>"
    )
    tail = "".join(_script(rng, rng.randint(500, 3000)) for _ in range(rng.randint(2, 5)))
    html = (
        f"<!DOCTYPE html><html lang='en'><head>{''.join(head)}</head><body class='post-template-default single'>"
        f"<div id='page' class='site'>{header}<div id='content' class='site-content'><div id='primary' class='content-area'>"
        f"<main id='main' class='site-main'>{article}</main></div>{sidebar}</div>{footer}</div>{tail}</body></html>"
    )
    return html, url, truth


def real_record() -> tuple[str, str]:
    from warcio.archiveiterator import ArchiveIterator

    with gzip.open(ROOT / "tests" / "data" / "cc-whirlwind.warc.gz", "rb") as fh:
        for rec in ArchiveIterator(fh):
            if rec.rec_type == "response":
                return rec.content_stream().read().decode("utf-8", "replace"), rec.rec_headers.get_header(
                    "WARC-Target-URI"
                )
    raise RuntimeError("no response record in cc-whirlwind.warc.gz")


# ---- methods -------------------------------------------------------------------------------------
def method(name: str):
    if name in ("obelics", "main-content"):
        from obelics.html.extract import extract_document

        return lambda html, url: extract_document(html, url, mode=name)
    if name == "trafilatura":
        import trafilatura

        return lambda html, url: trafilatura.extract(html, url=url, include_images=True, output_format="xml")
    if name == "lexbor-parse":
        from selectolax.lexbor import LexborHTMLParser

        return lambda html, url: LexborHTMLParser(html)
    raise ValueError(name)


METHODS = ("obelics", "main-content", "trafilatura", "lexbor-parse")


def throughput(
    records: list[tuple[str, str]], rounds: int, min_round: float = 0.3, methods: tuple[str, ...] = METHODS
) -> dict[str, float]:
    """Documents/s of each method: the fastest of ``rounds`` interleaved rounds, each at least
    ``min_round`` CPU seconds per method (fast methods go over the records several times)."""
    fns = {m: method(m) for m in methods}
    passes: dict[str, int] = {}
    for m, fn in fns.items():  # warm up imports and caches, and size the rounds
        start = time.process_time()
        for html, url in records:
            fn(html, url)
        passes[m] = max(1, math.ceil(min_round / max(time.process_time() - start, 1e-6)))
    times: dict[str, list[float]] = {m: [] for m in methods}
    for _ in range(rounds):
        for m, fn in fns.items():
            start = time.process_time()
            for _ in range(passes[m]):
                for html, url in records:
                    fn(html, url)
            times[m].append((time.process_time() - start) / passes[m])
    return {m: len(records) / min(t) for m, t in times.items()}


def speed_records(label: str, n_pages: int) -> list[tuple[str, str]]:
    if label == "generated":
        return [make_page(i)[:2] for i in range(n_pages)]
    return [real_record()] * 20


def speed_child(name: str, label: str, n_pages: int, rounds: int) -> None:
    """Run in a fresh process: one method alone on the records; print docs/s and peak RSS as JSON."""
    records = speed_records(label, n_pages)
    rate = throughput(records, rounds, methods=(name,))[name]
    print(json.dumps({"rate": rate, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def throughput_separate(label: str, n_pages: int, rounds: int, repeats: int = 2) -> dict[str, tuple[float, float]]:
    """Each method in its own fresh process (as an extract worker runs), methods alternated
    ``repeats`` times, the best kept: ``{method: (docs/s, peak RSS MB)}``."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(repeats):
        for m in METHODS:
            proc = subprocess.run(
                [sys.executable, __file__, "--speed-child", m, label, str(n_pages), str(rounds)],
                capture_output=True,
                text=True,
                check=True,
            )
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            if m not in best or res["rate"] > best[m][0]:
                best[m] = (res["rate"], res["peak_kb"] / 1024)
    return best


def print_rates(rate: dict[str, float], peaks: dict[str, float] | None = None) -> None:
    head = f"   {'method':<14}{'docs/s':>10}{'vs trafilatura':>16}{'vs bare parse':>15}"
    print(head + (f"{'peak RSS':>10}" if peaks else ""))
    for m in METHODS:
        line = (
            f"   {m:<14}{rate[m]:>10.1f}{rate[m] / rate['trafilatura']:>15.1f}x{rate[m] / rate['lexbor-parse']:>14.2f}x"
        )
        print(line + (f"{peaks[m]:>8.0f}MB" if peaks else ""))
    ob_t = rate["obelics"] / rate["trafilatura"]
    ob_p = rate["obelics"] / rate["lexbor-parse"]
    mc_t = rate["main-content"] / rate["trafilatura"]
    print(
        f"   goals: obelics >= {GOAL_OBELICS_VS_TRAFILATURA:.0f}x trafilatura: {ob_t:.1f}x "
        f"[{'met' if ob_t >= GOAL_OBELICS_VS_TRAFILATURA else 'MISSED'}]; "
        f"obelics >= {GOAL_OBELICS_VS_PARSE:.2f}x bare parse: {ob_p:.2f}x [{'met' if ob_p >= GOAL_OBELICS_VS_PARSE else 'MISSED'}]; "
        f"main-content >= {GOAL_MAIN_VS_TRAFILATURA:.0f}x trafilatura: {mc_t:.1f}x [{'met' if mc_t >= GOAL_MAIN_VS_TRAFILATURA else 'MISSED'}]"
    )


# ---- cleanliness -----------------------------------------------------------------------------------
def _norm(s: str) -> str:
    return " ".join(s.split())


def cleanliness(pages: list[tuple[str, str, dict[str, list[str]]]]) -> dict[str, dict[str, float]]:
    from lxml import etree

    out: dict[str, dict[str, float]] = {}
    for m in ("obelics", "main-content", "trafilatura"):
        fn = method(m)
        got = {"paragraphs": [0, 0], "images": [0, 0], "boilerplate": [0, 0], "decoration": [0, 0]}
        for html, url, truth in pages:
            res = fn(html, url)
            if m == "trafilatura":
                root = etree.fromstring(res.encode()) if res else None
                text = _norm(" ".join(root.itertext())) if root is not None else ""
                images = set(root.xpath("//graphic/@src")) if root is not None else set()
            else:
                text = _norm(" ".join(t for t in res.texts if t)) if res else ""
                images = {i for i in res.images if i} if res else set()
            for key in ("paragraphs", "boilerplate"):
                got[key][0] += sum(_norm(p) in text for p in truth[key])
                got[key][1] += len(truth[key])
            for key in ("images", "decoration"):
                got[key][0] += sum(i in images for i in truth[key])
                got[key][1] += len(truth[key])
        out[m] = {k: v[0] / max(v[1], 1) for k, v in got.items()}
    return out


# ---- memory (subprocesses) ---------------------------------------------------------------------------
def write_warc(path: Path, n: int) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(n):
            html, url, _ = make_page(i % 500, seed=1)  # 500 distinct pages, cycled: generation stays cheap
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()), http_headers=headers)
            )


# The stage's hard limits, off and on: (page_timeout, max_html_depth).
LIMITS = {"none": (0, 0), "depth scan": (0, None), "depth scan + child process": (None, None)}


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def memory_child(mode: str, warc: str, out: str, limits: str = "depth scan + child process") -> None:
    """Run in a fresh process: the extract stage's task on one WARC; print peak RSS and timing as JSON.

    CPU time counts the task's process and the page-extraction child it starts (ended with the task).
    """
    from obelics.stages.extract import DEFAULTS, extract_warc
    from obelics.stats import Stats

    settings = dict(DEFAULTS, mode=mode, progress=False)
    timeout, depth = LIMITS[limits]
    if timeout is not None:
        settings["page_timeout"] = timeout
    if depth is not None:
        settings["max_html_depth"] = depth
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats = Stats("extract", "bench")
    start, start_children, wall = time.process_time(), _children_cpu(), time.perf_counter()
    extract_warc([warc], out, settings, stats)
    seconds = time.process_time() - start + _children_cpu() - start_children
    wall = time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    counts = stats.to_dict()
    print(
        json.dumps(
            {
                "base_kb": base_rss,
                "peak_kb": peak,
                "child_peak_kb": child_peak,
                "seconds": seconds,
                "wall": wall,
                "docs": counts.get("documents", counts.get("documents_written")),
            }
        )
    )


def limits_cost(n: int, tmp: Path, repeats: int) -> dict[str, tuple[float, float, float, float]]:
    """Per variant of LIMITS: best (CPU s, wall s) over ``repeats`` alternated runs, task and child peak MB."""
    warc = tmp / f"limits-{n}.warc.gz"
    write_warc(warc, n)
    best: dict[str, tuple[float, float, float, float]] = {}
    for _ in range(repeats):
        for name in LIMITS:
            out = tmp / "limits.parquet"
            proc = subprocess.run(
                [sys.executable, __file__, "--memory-child", "main-content", str(warc), str(out), "--limits", name],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            cur = (r["seconds"], r["wall"], r["peak_kb"] / 1024, r["child_peak_kb"] / 1024)
            prev = best.get(name)
            best[name] = cur if prev is None else (min(prev[0], cur[0]), min(prev[1], cur[1]), cur[2], cur[3])
    return best


def memory(n_small: int, tmp: Path) -> list[tuple[str, int, float, float, float]]:
    rows = []
    for n in (n_small, n_small * 10):
        warc = tmp / f"bench-{n}.warc.gz"
        write_warc(warc, n)
        for mode in ("obelics", "main-content"):
            out = tmp / f"out-{mode}-{n}.parquet"
            proc = subprocess.run(
                [sys.executable, __file__, "--memory-child", mode, str(warc), str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            res = json.loads(proc.stdout.strip().splitlines()[-1])
            rows.append((mode, n, res["base_kb"] / 1024, res["peak_kb"] / 1024, n / res["seconds"]))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=60, help="generated pages in the speed and cleanliness runs")
    ap.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds (the fastest counts)")
    ap.add_argument(
        "--process-repeats",
        type=int,
        default=2,
        help="fresh processes per method in the speed runs, methods alternated (the fastest counts)",
    )
    ap.add_argument("--memory-records", type=int, default=200, help="records of the small WARC (the large has 10x)")
    ap.add_argument("--memory-child", nargs=3, metavar=("MODE", "WARC", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--limits", default="depth scan + child process", choices=list(LIMITS), help=argparse.SUPPRESS)
    ap.add_argument("--limits-records", type=int, default=1000, help="records of the WARC of the hard-limits run")
    ap.add_argument("--limits-repeats", type=int, default=3, help="alternated runs per variant (the best counts)")
    ap.add_argument("--only-limits", action="store_true", help="run only part 4, the cost of the hard limits")
    ap.add_argument("--speed-child", nargs=4, metavar=("METHOD", "RECORDS", "PAGES", "ROUNDS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child, limits=args.limits)
        return 0
    if args.only_limits:
        return print_limits_cost(args.limits_records, args.limits_repeats)
    if args.speed_child:
        name, label, n_pages, rounds = args.speed_child
        speed_child(name, label, int(n_pages), int(rounds))
        return 0
    pages = [make_page(i) for i in range(args.pages)]
    records = [(html, url) for html, url, _ in pages]
    real = real_record()
    sizes = [len(h.encode()) for h, _ in records]
    print(
        f"records: {len(records)} generated pages ({min(sizes) // 1024}-{max(sizes) // 1024} KB, "
        f"mean {statistics.mean(sizes) / 1024:.0f} KB) + 1 Common Crawl record ({len(real[0].encode()) // 1024} KB); "
        "one process, one thread, CPU time"
    )

    print("\n1. documents/s per core")
    for label, title in (("generated", "generated pages"), ("cc", "Common Crawl record (x20)")):
        separate = throughput_separate(label, args.pages, args.rounds, args.process_repeats)
        print(
            f"   {title}, each method in its own fresh process (as an extract worker runs it; "
            f"best of {args.process_repeats}):"
        )
        print_rates({m: r for m, (r, _) in separate.items()}, {m: p for m, (_, p) in separate.items()})
        recs = records if label == "generated" else [real] * 20
        print(f"   {title}, all methods in one process, interleaved rounds (trafilatura's heap slows every method):")
        print_rates(throughput(recs, args.rounds))

    print("\n2. extract stage (WARC -> Parquet), fresh process per run: peak RSS vs WARC size")
    with tempfile.TemporaryDirectory() as tmp:
        rows = memory(args.memory_records, Path(tmp))
    print(f"   {'mode':<14}{'records':>8}{'RSS after import':>18}{'peak RSS':>10}{'growth':>8}{'docs/s':>8}")
    for mode, n, base, peak, rate in rows:
        print(f"   {mode:<14}{n:>8}{base:>16.0f}MB{peak:>8.0f}MB{peak - base:>6.0f}MB{rate:>8.1f}")
    for mode in ("obelics", "main-content"):
        small, large = [r for r in rows if r[0] == mode]
        verdict = "flat" if large[3] <= small[3] * 1.15 + 10 else "GROWS"
        print(
            f"   {mode}: peak {small[3]:.0f} MB at {small[1]} records, {large[3]:.0f} MB at {large[1]} records [{verdict}]"
        )

    print("\n3. cleanliness on the generated pages (share found in the output)")
    clean = cleanliness(pages)
    print(f"   {'method':<14}{'article text':>14}{'article imgs':>14}{'boilerplate':>13}{'decoration':>12}")
    for m, c in clean.items():
        print(
            f"   {m:<14}{c['paragraphs']:>13.1%}{c['images']:>14.1%}{c['boilerplate']:>13.1%}{c['decoration']:>12.1%}"
        )
    return print_limits_cost(args.limits_records, args.limits_repeats)


def print_limits_cost(n: int, repeats: int) -> int:
    print(
        f"\n4. cost of the hard limits: extract stage task, main-content, {n} records, best of {repeats} (goal < 10%)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        best = limits_cost(n, Path(tmp), repeats)
        one = limits_cost(1, Path(tmp), repeats)  # a task of one record: the fixed cost of starting the child
    base_cpu, base_wall = best["none"][:2]
    print(f"   {'limits':<28}{'CPU s':>8}{'wall s':>8}{'CPU cost':>10}{'wall cost':>10}{'task MB':>9}{'child MB':>9}")
    for name, (cpu, wall, peak, child) in best.items():
        print(
            f"   {name:<28}{cpu:>8.2f}{wall:>8.2f}{cpu / base_cpu - 1:>10.1%}{wall / base_wall - 1:>10.1%}"
            f"{peak:>9.0f}{child:>9.0f}"
        )
    full = "depth scan + child process"
    start = max(0.0, one[full][0] - one["none"][0])
    per_page = max(0.0, (best[full][0] - base_cpu - start) / n)
    base_page = base_cpu / n
    print(
        f"   child process: {start:.2f} s CPU to start, once per task; {per_page * 1e3:.3f} ms CPU per page "
        f"({per_page / base_page:.1%} of a page's {base_page * 1e3:.2f} ms)"
    )
    for pages in (n, 20_000):
        print(
            f"   CPU cost with both limits for a task of {pages:,} pages: {(start + per_page * pages) / (base_page * pages):.1%}"
        )
    depth_check_on_dev_pages()
    return 0


def depth_check_on_dev_pages(limit: int = 2000) -> None:
    """The nesting check against extraction on real pages (../shared's extraction-dev set, when present)."""
    import glob

    from obelics.html.extract import extract_document
    from obelics.io.warc import DEFAULT_MAX_HTML_DEPTH, html_too_deep

    files = sorted(glob.glob(str(ROOT.parent / "shared/data/extraction-dev/pages/*/source.html.gz")))[:limit]
    if not files:
        print("   (no ../shared/data/extraction-dev: depth check on real pages not measured)")
        return
    bodies = [gzip.open(f).read() for f in files]
    texts = [b.decode("utf-8", "replace") for b in bodies]
    scanned = sum(b.count(b"<") > DEFAULT_MAX_HTML_DEPTH for b in bodies)
    best_check = best_extract = float("inf")
    for _ in range(3):
        t = time.process_time()
        for b in bodies:
            html_too_deep(b)
        best_check = min(best_check, time.process_time() - t)
        t = time.process_time()
        for h in texts:
            extract_document(h, "https://example.com/", mode="main-content")
        best_extract = min(best_extract, time.process_time() - t)
    print(
        f"   depth check on {len(bodies)} extraction-dev pages: {best_check / len(bodies) * 1e3:.3f} ms per page "
        f"({scanned} scanned tag by tag), {best_check / best_extract:.1%} of main-content extraction "
        f"({best_extract / len(bodies) * 1e3:.2f} ms per page)"
    )


if __name__ == "__main__":
    sys.exit(main())
