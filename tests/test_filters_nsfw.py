"""NSFW images: the real NudeNet ONNX detector on safe images, and the document-removal rule."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from obelics.document import Document, Node
from obelics.filters.config import DEFAULTS
from obelics.filters.nsfw import NsfwDetector, default_model_path, preprocess
from obelics.filters.pipeline import DocumentFilter


def safe_images(n: int = 6) -> list[bytes]:
    """Landscapes, shapes and text drawn with PIL, in the formats the web serves."""
    out = []
    for i in range(n):
        w, h = 240 + 37 * i, 180 + 23 * i
        im = Image.new("RGB", (w, h), (30 + 30 * i, 120, 200 - 20 * i))
        d = ImageDraw.Draw(im)
        d.rectangle((0, h * 2 // 3, w, h), fill=(40, 140 - 10 * i, 50))  # grass
        d.ellipse((w - 80, 10, w - 20, 70), fill=(250, 220, 60))  # sun
        d.polygon([(20, h * 2 // 3), (90, 40), (160, h * 2 // 3)], fill=(110, 110, 120))  # mountain
        d.text((10, 10), f"chart {i}", fill=(0, 0, 0))
        buf = io.BytesIO()
        im.save(buf, ("JPEG", "PNG", "WEBP")[i % 3])
        out.append(buf.getvalue())
    return out


@pytest.fixture(scope="module")
def detector() -> NsfwDetector:
    return NsfwDetector(batch_size=4, threads=2)


def test_model_ships_in_nudenet_with_a_dynamic_batch(detector):
    assert default_model_path().endswith("nudenet/320n.onnx")
    shape = detector.session.get_inputs()[0].shape
    assert shape[0] == "batch" and shape[1] == 3  # batches go through in one run


def test_preprocessing_is_nudenets(detector):
    from nudenet.nudenet import _read_image

    for data in safe_images(3):
        blob = _read_image(data, 320)[0][0]
        np.testing.assert_allclose(preprocess(data), blob, atol=1e-6)


def test_safe_images_score_below_threshold_and_nudenet_agrees(detector):
    from nudenet import NudeDetector

    images = safe_images()
    scores = detector.scores(images)
    assert all(s is not None and 0.0 <= s < DEFAULTS["nsfw_threshold"] for s in scores), scores
    reference = NudeDetector()
    for data in images:
        found = [d for d in reference.detect(data) if d["class"] in DEFAULTS["nsfw_classes"]]
        assert all(d["score"] < DEFAULTS["nsfw_threshold"] for d in found)


def test_batches_give_the_scores_of_single_images(detector):
    images = safe_images(5)
    batched = detector.scores(images)
    single = [detector.scores([im])[0] for im in images]
    np.testing.assert_allclose(batched, single, atol=1e-4)


def test_undecodable_bytes_get_no_score(detector):
    assert detector.scores([b"not an image", safe_images(1)[0]])[0] is None


def _doc(images: list[bytes], url: str) -> Document:
    nodes = [Node(text="A page about the countryside.")]
    for i, data in enumerate(images):
        nodes.append(Node(image=f"http://img.test/{url}/{i}.jpg", meta={"src": "x"}, data=data))
        nodes.append(Node(text=f"Caption {i}."))
    return Document.from_nodes(nodes, {"url": url})


def _settings(**kw):
    off = {
        k: None
        for k in DEFAULTS
        if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))
    }
    return {**DEFAULTS, **off, "language_min_score": None, **kw}


def test_real_detector_in_the_filter_records_scores():
    flt = DocumentFilter(_settings(nsfw_batch_size=3, nsfw_threads=1))
    outs = flt.filter_batch([_doc(safe_images(2), "a"), _doc(safe_images(3), "b")])
    assert [o.reason for o in outs] == [None, None]
    metas = [m for o in outs for m in o.document.metadata if m is not None]
    assert len(metas) == 5 and all(0.0 <= m["nsfw_score"] < 0.5 for m in metas)
    assert flt.stats.counts["images_nsfw_scored"] == 5
    assert flt.stats.counts.get("images_nsfw_flagged", 0) == 0


class StubDetector:
    """Stands in for the model in the removal-rule test only: the score is the image's first byte / 255."""

    def scores(self, images):
        return [b[0] / 255 for b in images]


def test_one_flagged_image_removes_the_whole_document():
    flagged, clean = bytes([240]) + b"x", bytes([10]) + b"x"
    flt = DocumentFilter(_settings(nsfw_threshold=0.9), nsfw_detector=StubDetector())
    outs = flt.filter_batch([_doc([clean, flagged, clean], "bad"), _doc([clean, clean], "good"), _doc([], "none")])
    assert [o.reason for o in outs] == ["nsfw_image", None, "too_few_images"]
    assert flt.stats.reasons["removed_documents"] == {"nsfw_image": 1, "too_few_images": 1}
    assert flt.stats.reasons["removed_images"] == {"nsfw_image": 3}
    assert flt.stats.counts["images_nsfw_flagged"] == 1
    scores = [m["nsfw_score"] for m in outs[0].document.metadata if m is not None]
    assert scores == [round(10 / 255, 4), round(240 / 255, 4), round(10 / 255, 4)]
    # exactly at the threshold counts as flagged
    at = bytes([round(0.9 * 255)])
    flt2 = DocumentFilter(_settings(nsfw_threshold=round(0.9 * 255) / 255), nsfw_detector=StubDetector())
    assert flt2.filter_batch([_doc([at], "at")])[0].reason == "nsfw_image"


def test_documents_without_image_bytes_are_not_scored():
    flt = DocumentFilter(_settings(), nsfw_detector=StubDetector())
    doc = Document.from_nodes([Node(text="t"), Node(image="http://i/1.jpg", meta={})], {"url": "u"})
    assert flt.filter_batch([doc])[0].reason is None
    assert flt.stats.counts["images_without_bytes"] == 1
