"""``obelics filter`` end to end: shards in and out, funnel stats, rejected shard, config file, resumability."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

from obelics.cli import main as cli_main
from obelics.document import Document, Node, image_metadata
from obelics.filters.config import DEFAULTS
from obelics.io.parquet import read_documents, write_documents

ROOT = Path(__file__).resolve().parent.parent

EN = [
    "The river valley was quiet in the early morning, and the farmers walked slowly to their fields.",
    "Most of them had lived there all their lives, as their parents and grandparents had before them.",
    "They talked about the harvest, the weather and the market prices that had changed since spring.",
    "A small school stood near the bridge, where twenty children learned to read and to count.",
    "In the evening the old baker opened his shop again and sold warm bread to the workers coming home.",
    "Travellers who came through the valley often stayed a night at the inn beside the church.",
    "The mayor wanted a new road to the city, but many people feared it would change their village.",
    "When the autumn rains arrived, the river rose quickly and the lower meadows were flooded for weeks.",
]
FR = (
    "Les enfants ont marché le long de la rivière jusqu'au vieux moulin, où leur grand-père travaillait "
    "chaque été. Le soir, le boulanger ouvrait de nouveau sa boutique et vendait du pain chaud aux ouvriers."
)
BOILER = "Share on Facebook | Tweet | Subscribe | Login | Cookie policy | Privacy"


def png(color: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (200, 160), color).save(buf, "PNG")
    return buf.getvalue()


def english_doc(i: int, with_bytes: bool = False) -> Document:
    nodes = []
    for k in range(3):
        nodes.append(Node(text=f"{EN[(i + 2 * k) % 8]} {EN[(i + 2 * k + 1) % 8]}"))
        url = f"http://img.test/{i}/{k}.png"
        nodes.append(Node(image=url, meta=image_metadata(url), data=png("green") if with_bytes else None))
    nodes.append(Node(text=BOILER))
    return Document.from_nodes(nodes, {"url": f"http://example.org/{i}"})


def french_doc() -> Document:
    return Document.from_nodes(
        [Node(text=FR), Node(image="http://img.test/fr.png", meta=image_metadata("http://img.test/fr.png"))],
        {"url": "http://exemple.fr/"},
    )


@pytest.fixture
def shard(tmp_path) -> Path:
    path = tmp_path / "in" / "docs.parquet"
    write_documents(path, [english_doc(0), french_doc(), english_doc(1), english_doc(2)])
    return path


def run(*argv: str) -> int:
    return cli_main(["-q", "filter", *argv])


def test_filter_keeps_english_drops_french_and_boilerplate(shard, tmp_path):
    out = tmp_path / "out"
    assert run(str(shard.parent), "--output", str(out)) == 0
    docs = list(read_documents(str(out / "docs.parquet")))
    assert [d.url for d in docs] == ["http://example.org/0", "http://example.org/1", "http://example.org/2"]
    for d in docs:
        d.validate()
        assert BOILER not in d.text  # the boilerplate paragraph went
        assert d.num_images == 3
        assert d.general_metadata["language"] == "en" and d.general_metadata["language_score"] >= 0.8
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents_in"] == 4 and stats["documents_out"] == 3
    assert stats["removed_documents"] == {"language": 1}
    assert stats["removed_images"] == {"language": 1}
    assert stats["paragraphs_in"] == 3 * 4 + 1 and stats["paragraphs_out"] == 9
    assert stats["removed_paragraphs"]["language"] == 1  # the French page's one paragraph
    # a complete funnel: what came in = what went out + what was removed
    assert stats["paragraphs_in"] == stats["paragraphs_out"] + sum(stats["removed_paragraphs"].values())
    assert stats["images_in"] == stats["images_out"] + sum(stats["removed_images"].values())
    assert stats["documents_in"] == stats["documents_out"] + sum(stats["removed_documents"].values())
    assert stats["images_in"] == 10 and stats["images_out"] == 9
    assert stats["perplexity"] == "off: no model" and stats["quality_classifier"] == "off: no model"
    assert (out / "docs.stats.json").is_file() and not (out / "rejected").exists()


def test_rerun_is_resumable_and_rejected_shard_is_kept(shard, tmp_path):
    out = tmp_path / "out"
    assert run(str(shard), "--output", str(out), "--keep-rejected") == 0
    rejected = out / "rejected" / "docs.parquet"
    table = pq.read_table(rejected)
    assert table.column("reject_reason").to_pylist() == ["language"]
    rej = next(read_documents(str(rejected)))
    assert rej.url == "http://exemple.fr/" and rej.general_metadata["rejected"] == {
        "stage": "filter",
        "reason": "language",
    }
    before = (out / "docs.parquet").stat().st_mtime_ns
    assert run(str(shard), "--output", str(out), "--keep-rejected") == 0
    assert (out / "docs.parquet").stat().st_mtime_ns == before
    assert json.loads((out / "stats.json").read_text()).get("skipped_done") == 1
    # a later stage given the folder reads the kept shard only, not rejected/
    assert run(str(out), "--output", str(tmp_path / "again")) == 0
    assert json.loads((tmp_path / "again" / "stats.json").read_text())["inputs"] == [str(out / "docs.parquet")]


def test_config_file_and_set_overrides(shard, tmp_path):
    cfg = tmp_path / "my.yaml"
    cfg.write_text(
        yaml.safe_dump({"languages": ["fr"], "document_min_common_words": None, "paragraph_min_common_words": None})
    )
    out = tmp_path / "out"
    # French wanted; the English word lists would drop French text, so the stop-word cutoffs go off too
    assert (
        run(
            str(shard),
            "--output",
            str(out),
            "--config",
            str(cfg),
            "--set",
            "paragraph_min_stopwords=off",
            "--set",
            "document_min_stopwords=off",
        )
        == 0
    )
    docs = list(read_documents(str(out / "docs.parquet")))
    assert [d.url for d in docs] == ["http://exemple.fr/"]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["settings"]["paragraph_min_stopwords"] is None and stats["settings"]["languages"] == ["fr"]
    assert stats["removed_documents"] == {"language": 3}


@pytest.mark.parametrize(
    "args,message",
    [
        (["--set", "languages=en,xx"], "xx"),
        (["--set", "paragraph_min_stopwords=1.5"], "ratio"),
        (["--set", "no_such_setting=1"], "unknown setting"),
        (["--set", "nsfw_classes=FACE_CAT"], "nsfw_classes"),
        (["--kenlm-model", "missing.arpa"], "not found"),
        (["--set", "nsfw_device=tpu"], "nsfw_device"),
    ],
)
def test_bad_settings_are_usage_errors(shard, tmp_path, capsys, args, message):
    assert run(str(shard), "--output", str(tmp_path / "o"), *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o" / "docs.parquet").exists()


def test_config_file_with_unknown_key_is_a_usage_error(shard, tmp_path, capsys):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("paragraph_min_wordz: 3\n")
    assert run(str(shard), "--output", str(tmp_path / "o"), "--config", str(cfg)) == 2
    assert "paragraph_min_wordz" in capsys.readouterr().err


def test_image_bytes_are_scored_and_kept(tmp_path):
    path = tmp_path / "in" / "img.parquet"
    write_documents(path, [english_doc(3, with_bytes=True)])
    out = tmp_path / "out"
    assert run(str(path), "--output", str(out), "--set", "nsfw_threads=1") == 0
    (doc,) = list(read_documents(str(out / "img.parquet")))
    assert doc.image_bytes is not None and sum(b is not None for b in doc.image_bytes) == 3
    assert all(0.0 <= m["nsfw_score"] < 0.5 for m in doc.metadata if m is not None)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["images_nsfw_scored"] == 3


def test_bad_rows_are_counted_skips(tmp_path):
    good = english_doc(4).to_row()
    bad = dict(good, metadata="{not json")
    rows = [good, bad]
    table = pa.Table.from_pylist(rows)
    path = tmp_path / "in" / "mixed.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(table, path)
    out = tmp_path / "out"
    assert run(str(path), "--output", str(out)) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["documents_out"] == 1 and stats["skipped"] == {"bad_row:DocumentError": 1}


def test_config_yaml_holds_the_defaults_and_the_package_word_lists_are_in_sync():
    from obelics.commands.config import stage_yaml

    assert yaml.safe_load(stage_yaml("filter")) == DEFAULTS
    for name in (
        "stopwords.en.txt",
        "flagged_words.en.txt",
        "spam_words.en.txt",
        "common_words.en.txt.gz",
    ):
        assert (ROOT / "filters" / name).read_bytes() == (ROOT / "obelics" / "data" / "filters" / name).read_bytes(), (
            name
        )
    # the OBELICS table's cutoffs
    assert (DEFAULTS["paragraph_min_words"], DEFAULTS["paragraph_max_words"]) == (4, 1000)
    assert (DEFAULTS["document_min_words"], DEFAULTS["document_max_words"]) == (10, 2000)
    assert DEFAULTS["document_max_special_characters"] == 0.275 and DEFAULTS["document_min_common_words"] == 0.9
    assert (DEFAULTS["min_images"], DEFAULTS["max_images"]) == (1, 30)


def test_a_detector_that_cannot_start_fails_the_task_and_drops_nothing(tmp_path, capsys):
    path = tmp_path / "in" / "img.parquet"
    write_documents(path, [english_doc(5, with_bytes=True)])
    out = tmp_path / "out"
    assert run(str(path), "--output", str(out), "--set", f"nsfw_model={tmp_path / 'in' / 'img.parquet'}") == 1
    assert "NSFW image detector" in capsys.readouterr().err
    assert not (out / "img.parquet").exists() and not (out / "img.stats.json").exists()


def test_a_document_that_breaks_a_filter_is_a_counted_skip(tmp_path, monkeypatch):
    from obelics.filters.language import LanguageIdentifier
    from obelics.stages import filter as stage
    from obelics.stats import Stats

    real = LanguageIdentifier.score

    def score(self, text, languages):
        if "BOOM" in text:
            raise ValueError("the model choked")
        return real(self, text, languages)

    monkeypatch.setattr(LanguageIdentifier, "score", score)
    broken = english_doc(7)
    broken.texts[0] = broken.texts[0] + " BOOM"
    path = tmp_path / "in" / "b.parquet"
    write_documents(path, [english_doc(6), broken, english_doc(8)])
    stats = Stats("filter", "b")
    settings = stage.prepare_settings(dict(DEFAULTS, nsfw_images=False))
    stage.filter_shard([str(path)], str(tmp_path / "b.parquet"), settings, stats)
    d = stats.to_dict()
    assert d["skipped"] == {"filter_error:ValueError": 1}
    # every document counted in once (not again after the batch failed), the broken one as a skip
    assert d["documents_in"] == 3 and d["documents_out"] == 2
    assert d["documents_in"] == d["documents_out"] + sum(d.get("removed_documents", {}).values()) + 1
    assert [x.url for x in read_documents(str(tmp_path / "b.parquet"))] == [
        "http://example.org/6",
        "http://example.org/8",
    ]
