"""Node-level image filters, hashes, URL rules, the opt-out header and the resizer adapter (no network)."""

import hashlib

import pytest

from obelics.images.download import Analyser, robots_disallowed
from obelics.images.filters import FilterConfig, analyse, declared_refusal, declared_size
from obelics.images.hashing import hamming, partition_of
from obelics.images.urls import banned_substring, url_status
from obelics.stages.images import DEFAULTS, phash_bands
from tests.imageserver import (
    decompression_bomb_png,
    make_gif,
    make_jpeg,
    make_png,
    make_webp,
    truncated_jpeg,
)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),
        (b"<html><body>not an image</body></html>" * 10, "not_an_image"),
        (truncated_jpeg(), "truncated"),
        (decompression_bomb_png(), "decompression_bomb"),
        (make_gif(300, 200), "format"),
        (make_jpeg(100, 300), "too_small"),
        (make_jpeg(600, 200), "aspect_ratio"),
        (make_jpeg(300, 200)[:40], "corrupt"),  # cut inside its header
    ],
)
def test_bad_payloads_are_reasons_not_crashes(payload, reason):
    info, got = analyse(payload)
    assert info is None and got == reason


def test_good_images_keep_their_real_format_and_hashes():
    for data, fmt in (
        (make_jpeg(300, 200, 1), "jpeg"),
        (make_png(320, 240, 2), "png"),
        (make_webp(400, 300, 3), "webp"),
    ):
        info, reason = analyse(data)
        assert reason is None
        assert info.format == fmt and info.bytes_size == len(data)
        assert info.sha256 == hashlib.sha256(data).hexdigest()
        assert len(info.phash) == 16


def test_size_limits_and_pixel_limit_are_settings():
    cfg = FilterConfig(max_side=1000)
    assert analyse(make_jpeg(1200, 800), cfg) == (None, "too_large")
    assert analyse(make_jpeg(800, 600), FilterConfig(max_pixels=100_000)) == (None, "decompression_bomb")
    assert analyse(make_gif(300, 200), FilterConfig(formats=("gif",)))[1] is None


def test_near_duplicates_have_near_phashes():
    a = analyse(make_jpeg(300, 200, 50))[0].phash
    b = analyse(make_png(320, 220, 50))[0].phash
    c = analyse(make_jpeg(300, 200, 51))[0].phash
    assert hamming(a, b) <= 4 < hamming(a, c)


def test_declared_sizes():
    cfg = FilterConfig()
    assert declared_size({"rendered_width": "300px", "rendered_height": 200}) == (300, 200)
    assert declared_size({"rendered_width": "100%", "rendered_height": None}) == (None, None)
    assert declared_refusal({"rendered_width": 100}, cfg) == "too_small"
    assert declared_refusal({"rendered_width": 900, "rendered_height": 300}, cfg) == "aspect_ratio"
    assert declared_refusal({"rendered_width": 300, "rendered_height": 200}, cfg) is None
    assert declared_refusal(None, cfg) is None


def test_url_rules():
    banned = DEFAULTS["banned_url_substrings"]
    assert banned_substring("http://x.org/img/Site-LOGO.png", banned) == "logo"
    assert banned_substring("http://x.org/photo.jpg", banned) is None
    assert url_status("http://x.org/a.jpg", 11, max_url_count=10, banned=banned) == "too_frequent"
    assert url_status("http://x.org/a.jpg", 10, max_url_count=10, banned=banned) == "ok"
    assert url_status("http://x.org/a.jpg", 99, max_url_count=0, banned=banned) == "ok"
    assert url_status("http://x.org/icons/a.jpg", 1, max_url_count=10, banned=banned) == "banned_substring"


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        (["noai"], True),
        (["noindex, nofollow"], True),
        (["NoImageAI"], True),
        (["obelics: noai"], True),  # our crawler named
        (["otherbot: noai"], False),  # another crawler named
        (["nofollow", "otherbot: noimageai"], False),
        (["max-image-preview:large"], False),
        ([], False),
    ],
)
def test_robots_header_opt_out(values, refused):
    assert robots_disallowed(values, "obelics", DEFAULTS["disallowed_header_directives"]) is refused
    assert robots_disallowed(values, "obelics", []) is False  # no directive to honour


def test_analyser_keeps_original_bytes_unless_asked_to_resize():
    data = make_png(400, 300, seed=3)
    kept = Analyser(DEFAULTS)(data)
    assert kept["status"] == "ok" and kept["bytes"] == data and kept["format"] == "png"
    assert kept["ph"] == int(kept["phash"], 16)
    assert Analyser(DEFAULTS)(b"<html>") == {"status": "filter:not_an_image"}
    import img2dataset  # noqa: F401  - the images extra, installed by make test: the resizer must be there

    resized = Analyser({**DEFAULTS, "resize_mode": "keep_ratio", "image_size": 64, "encode_format": "jpg"})(data)
    assert resized["status"] == "ok" and resized["bytes"].startswith(b"\xff\xd8")  # re-encoded to JPEG by img2dataset
    assert resized["format"] == "png" and resized["width"] == 400  # the info is the original's


def test_partitions_and_bands_are_stable():
    assert partition_of("http://a.org/x.jpg", 16) == partition_of("http://a.org/x.jpg", 16)
    assert {partition_of(f"http://a.org/{i}.jpg", 8) for i in range(200)} == set(range(8))
    assert phash_bands(0) == [(0, 0, (1 << 64) - 1)]
    bands = phash_bands(2)
    assert [b[0] for b in bands] == [0, 1, 2] and sum(m.bit_length() for _, _, m in bands) == 64


def _run_phash_steps(tmp_path, uses, distance, limit, monkeypatch=None, group_limit=None):
    """Steps 4 and 5 of the stage on hand-made band rows (one partition); return the dropped pHashes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from obelics.stages import images as stage
    from obelics.stats import Stats

    work = tmp_path / f"work-{distance}-{group_limit}"
    bands = work / "phash" / "bands" / "q=0"
    bands.mkdir(parents=True)
    rows = {"band": [], "key": [], "ph": [], "shard": [], "doc": []}
    for ph, shard, doc in uses:
        for b, shift, mask in phash_bands(distance):
            for k, v in zip(rows, (b, (ph >> shift) & mask, ph, shard, doc)):
                rows[k].append(v)
    schema = pa.schema(
        [("band", pa.int8()), ("key", pa.uint64()), ("ph", pa.uint64()), ("shard", pa.int32()), ("doc", pa.int32())]
    )
    pq.write_table(pa.table(rows, schema=schema), bands / "p0000_0.pq")
    settings = {**DEFAULTS, "phash_distance": distance, "max_phash_count": limit, "_work": str(work), "_partitions": 1}
    if group_limit is not None:
        monkeypatch.setattr(stage, "NEAR_GROUP_LIMIT", group_limit)
    stats = Stats()
    near = work / "phash" / "near"
    files = {"_reads": {"bands": str(bands)}, "_writes": {"near": str(near)}, "_removes": []}
    stage.phash_near_task([str(bands)], str(near / "q0000"), {**settings, **files}, stats)
    drop = work / "phash" / "drop-0000.pq"
    files = {"_reads": {"near": str(near / "r=0")}, "_writes": {"drop": str(drop)}, "_removes": []}
    stage.phash_count_task([str(near / "r=0")], str(drop), {**settings, **files}, stats)
    return set(pq.read_table(drop).column("phash").to_pylist()), stats


def test_near_duplicate_counting_across_documents(tmp_path, monkeypatch):
    h1 = 0x9B8FA5C455315355
    h2 = h1 ^ 0b11  # 2 bits from h1
    h3 = h1 ^ 0b111  # 3 bits from h1, 1 bit from h2
    far = 0x0123456789ABCDEF
    lone = 0xFEDCBA9876543210
    uses = (
        [(h1, 0, d) for d in range(6)]
        + [(h2, 1, d) for d in range(6)]
        + [(h3, 2, d) for d in range(4)]
        + [(far, 0, d) for d in range(11)]  # 11 documents: over the limit on its own
        + [(lone, 3, 0), (lone, 3, 0), (lone, 3, 1)]  # the same document twice counts once
    )
    hexes = {h: format(h, "016x") for h in (h1, h2, h3, far, lone)}
    exact, _ = _run_phash_steps(tmp_path, uses, distance=0, limit=10)
    assert exact == {hexes[far]}
    near, _ = _run_phash_steps(tmp_path, uses, distance=2, limit=10)
    # h1: itself + h2 = 12 documents; h2: h1 + h3 = 16; h3: only h2 within 2 bits = 10 (not over 10)
    assert near == {hexes[h1], hexes[h2], hexes[far]}
    # a band value shared by too many distinct pHashes falls back to equal pHashes only (bounded work)
    capped, stats = _run_phash_steps(tmp_path, uses, distance=2, limit=10, monkeypatch=monkeypatch, group_limit=1)
    assert capped == {hexes[far]} and stats.counts["phash_band_groups_too_large"] > 0
