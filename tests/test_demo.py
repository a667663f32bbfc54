"""`obelics demo` end to end: the bundled pages through every stage, loaded back with `datasets`."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from obelics.data.demo import draw_image, load_pages, page_html

KEPT = [
    "Growing tomatoes on a small balcony",
    "Making compost without a big garden",
    "What the bees taught me this spring",
    "A slow sourdough for busy weeks",
    "Lentil soup for a cold evening",
    "Three days around a mountain lake",
    "The old lighthouse at the end of the bay",
    "Finding Jupiter and its moons with binoculars",
    "Fixing a flat tyre at the side of the road",
    "Our library turns one hundred",
    "How old maps were drawn",
    "Winter birds at the feeder",
    "Knitting a first scarf",
    "Restoring the old railway station",
    "What lives in a tide pool",
]


def test_sample_pages_are_deterministic_and_varied():
    sample = load_pages()
    assert len(sample["pages"]) >= 15
    a = draw_image("garden/banner.jpg", 480, 300)
    assert a == draw_image("garden/banner.jpg", 480, 300) and a != draw_image("garden/banner2.jpg", 480, 300)
    formats = {Path(n).suffix for n in sample["images"]}
    assert formats == {".jpg", ".png", ".webp"}
    html = page_html(sample["pages"][0], "http://127.0.0.1:1")
    assert 'src="http://127.0.0.1:1/garden/tomato-plant.jpg"' in html and "{img}" not in html


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "corpus"
    env = {**os.environ, "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "obelics", "demo", "--output", str(out), "--no-train", "--no-report"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out, r.stdout


def test_demo_builds_the_corpus_and_it_loads_with_datasets(demo):
    import datasets

    out, stdout = demo
    assert stdout.strip().splitlines()[-1].startswith("obelics demo: 15 documents with 33 images from 21 pages")
    ds = datasets.load_dataset(str(out / "06-shard"), split="train", cache_dir=str(out / "_cache2"))
    assert len(ds) == 15
    by_title = {p["title"]: p for p in load_pages()["pages"]}
    urls = sorted(json.loads(row["json"]["general_metadata"])["url"] for row in ds)
    assert urls == sorted(by_title[t]["url"] for t in KEPT)
    dates = {json.loads(row["json"]["general_metadata"])["crawl_date"] for row in ds}
    assert "2022-09-04T10:00:00Z" not in dates  # the older crawl of the lake page lost to the newer one
    images_dir = out / "sample" / "images"
    served = {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in images_dir.rglob("*") if p.is_file()}
    n_images, formats = 0, set()
    for row in ds:
        doc, pics = row["json"], row["images.mp"]
        assert len(doc["texts"]) == len(doc["images"]) == len(pics)
        for text, url, pic in zip(doc["texts"], doc["images"], pics):
            assert (text is None) != (url is None)
            if url is None:
                assert pic is None and text.strip()
                continue
            n_images += 1
            # the picture is the very file the server sent for that URL, decoded
            name = url.split("/", 3)[3]
            original = (images_dir / name).read_bytes()
            from PIL import Image

            ref = Image.open(io.BytesIO(original))
            assert pic.size == ref.size and pic.format == ref.format
            assert hashlib.sha256(original).hexdigest() in served
            formats.add(ref.format)
            assert not any(bad in url for bad in ("logo", "icon", "thumb-soup", "bay-panorama", "missing-photo"))
        text = "\n\n".join(t for t in doc["texts"] if t)
        assert "Thank you for reading our garden notes" not in text  # repeated 3 times in its domain
        assert "sparrows" not in text or "finches" in text
    assert n_images == 33 and formats == {"JPEG", "PNG", "WEBP"}


def test_demo_funnel_removes_what_it_should(demo):
    out, _ = demo
    summary = json.loads((out / "summary.json").read_text())
    stages = {s["name"]: s for s in summary["stages"]}
    assert [s["name"] for s in summary["stages"]] == ["extract", "images", "filter", "optout", "dedup", "shard"]
    assert stages["extract"]["documents"] == 21
    assert stages["filter"]["removed_documents"]["language"] == 1  # the French page
    assert stages["optout"]["removed_documents"]["page_noai"] == 1
    assert stages["dedup"]["removed_documents"] == {"url_duplicate": 1, "image_set_duplicate": 1}
    assert stages["dedup"]["removed_paragraphs"]["repeated_in_domain"] == 3
    img = stages["images"]["image_removed"]
    assert img["banned_substring"] >= 4 and img["download:http_404"] == 1
    demo_json = json.loads((out / "demo.json").read_text())
    assert demo_json["documents"] == 15 and demo_json["images"] == 33
    assert demo_json["image_requests"] <= 38  # each distinct URL fetched once (the 404 may be retried)


def test_every_stage_folder_loads_with_datasets(demo):
    """Each stage folder holds stats JSON files beside its shards; load_dataset(DIR) reads the documents only."""
    import datasets

    out, _ = demo
    summary = json.loads((out / "summary.json").read_text())
    for st in summary["stages"]:
        folder = out / st["folder"]
        assert (folder / "README.md").exists() and list(folder.glob("*.stats.json"))
        ds = datasets.load_dataset(str(folder), split="train", cache_dir=str(out / "_cache3"))
        assert len(ds) == st.get("documents_out", st.get("documents")), st["folder"]
        columns = {"json"} if st["stage"] == "shard" else {"texts", "images", "metadata", "general_metadata"}
        assert columns <= set(ds.column_names), (st["folder"], ds.column_names)
