"""The report and the viewer: built from shards, rendered in headless Chromium, checked by pixels."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from obelics.cli import main as cli_main
from obelics.report.card import funnel, walk_lineage
from obelics.report.html import DOC_COLOR, IMG_COLOR, build_report, find_chromium, screenshot
from obelics.run.runner import run_stage
from tests.test_shard_fixtures import IMAGE_COUNTS, MAGENTA, make_docs, write_inputs


def _rgb(hex_color: str) -> tuple[int, int, int]:
    return tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _count(png, color: tuple[int, int, int], tol: int = 6) -> int:
    im = Image.open(png).convert("RGB")
    return sum(n for n, px in im.getcolors(im.width * im.height) if all(abs(a - b) <= tol for a, b in zip(px, color)))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Shards whose input folder carries an upstream stage's stats (a filter that removed documents)."""
    base = tmp_path_factory.mktemp("report")
    docs = make_docs()
    inputs = write_inputs(base / "filtered", docs)
    upstream = {
        "stage": "filter",
        "inputs": ["/data/CC-MAIN-a.warc.gz", "/data/CC-MAIN-b.warc.gz"],
        "settings": {"min_words": 10},
        "documents_in": 40,
        "documents_out": len(docs),
        "images_in": 120,
        "images_out": sum(IMAGE_COUNTS),
        "removed": {"language": 20, "too_short": 7},
    }
    (base / "filtered" / "stats.json").write_text(json.dumps(upstream))
    out = base / "shards"
    run_stage("shard", inputs, str(out), {"max_documents": 5})
    return out


def test_card_has_the_funnel_sources_and_settings(corpus):
    chain, sources = walk_lineage([str(corpus)])
    assert [s["stage"] for s in chain] == ["filter", "shard"]
    assert sources == ["/data/CC-MAIN-a.warc.gz", "/data/CC-MAIN-b.warc.gz"]
    rows = funnel(chain)
    assert rows[0]["documents_in"] == 40 and rows[0]["removed"] == {"removed/language": 20, "removed/too_short": 7}
    assert rows[1]["documents_out"] == len(IMAGE_COUNTS)
    card = (corpus / "README.md").read_text()
    n = sum(IMAGE_COUNTS)
    assert f"| filter | 40 | 13 | 120 | {n} | removed/language: 20, removed/too_short: 7 |" in card
    assert f"| shard | 13 | 13 | {n} | {n} | – |" in card
    assert "CC-MAIN-a.warc.gz" in card and '"min_words": 10' in card and "Opt-out" in card


def test_report_pages_are_offline_and_complete(corpus, tmp_path):
    pages = build_report(corpus, tmp_path / "r", samples=6)
    index = open(pages["index"]).read()
    viewer = open(pages["viewer"]).read()
    for page in (index, viewer):
        assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from a network
        assert "<script" not in page
    for title in ("images per document", "words per document", "image size", "image formats", "language score"):
        assert title in index
    assert index.count("<svg") >= 6
    assert viewer.count("<article") == 6 and viewer.count("<details>") > 6
    assert viewer.count("data:image/") == sum(IMAGE_COUNTS[i] for i in sorted({i * 13 // 6 for i in range(6)}))


def test_report_and_viewer_render_in_headless_chromium(corpus, tmp_path):
    assert find_chromium(), "needs Debian's chromium: `make system` installs it (.ci/apt-packages.txt)"
    out = tmp_path / "r"
    assert cli_main(["-q", "report", str(corpus), "--output", str(out), "--samples", "20"]) == 0
    shot = screenshot(out / "index.html", tmp_path / "index.png", width=1200, height=900)
    assert _count(shot, _rgb(DOC_COLOR)) > 3000  # the funnel's document bars
    assert _count(shot, _rgb(IMG_COLOR)) > 3000  # and its image bars
    assert _count(shot, (47, 133, 90)) > 1500  # histogram bars
    view = screenshot(out / "viewer.html", tmp_path / "viewer.png", width=1000, height=900)
    assert _count(view, MAGENTA, tol=2) > 4000  # the magenta image of document 2, shown in the page
