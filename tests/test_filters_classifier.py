"""The model-based quality classifier: train on texts written here, check it separates them, filter with it."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from obelics.cli import main as cli_main
from obelics.document import Document, Node
from obelics.filters.classifier import QualityClassifier, read_texts, train
from obelics.filters.config import DEFAULTS
from obelics.filters.pipeline import DocumentFilter

SUBJECTS = [
    "The river",
    "The cathedral",
    "The railway line",
    "The university",
    "The treaty",
    "The volcano",
    "The orchestra",
]
VERBS = ["was founded in", "was described in", "was rebuilt after", "became important during", "was studied in"]
TIMES = ["the twelfth century", "the industrial revolution", "the early modern period", "the last ice age", "1850"]
TAILS = [
    "and historians still debate its origins.",
    "according to several contemporary accounts.",
    "which shaped the economy of the surrounding region.",
    "as recorded in the archives of the city.",
]
SPAM = [
    "click here",
    "buy now",
    "best price",
    "free shipping",
    "limited offer",
    "subscribe today",
    "login to your account",
    "cheap deals",
    "100% guaranteed",
    "order online",
    "hot sale",
]


def good_text(rng: random.Random) -> str:
    return " ".join(
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TIMES)}, {rng.choice(TAILS)}" for _ in range(3)
    )


def ordinary_text(rng: random.Random) -> str:
    return " ".join(f"{rng.choice(SPAM)}!! {rng.choice(SPAM)} {rng.choice(SPAM)}." for _ in range(4))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = random.Random(0)
    d = tmp_path_factory.mktemp("qc")
    good = [good_text(rng) for _ in range(150)]
    ordinary = [ordinary_text(rng) for _ in range(150)]
    (d / "good.txt").write_text("\n".join(good) + "\n")
    with open(d / "ordinary.jsonl", "w") as fh:
        for t in ordinary:
            fh.write(json.dumps({"text": t}) + "\n")
    return d


def test_train_separates_held_out_texts(corpus):
    good = read_texts([str(corpus / "good.txt")])
    ordinary = read_texts([str(corpus / "ordinary.jsonl")])
    assert len(good) == 150 and len(ordinary) == 150
    model = train(good, ordinary, n_features=2**16)
    assert model.info["heldout_accuracy"] >= 0.95
    rng = random.Random(99)  # texts never seen in training
    p_good = model.predict_proba([good_text(rng) for _ in range(30)])
    p_ord = model.predict_proba([ordinary_text(rng) for _ in range(30)])
    assert (p_good >= 0.5).mean() >= 0.95 and (p_ord < 0.5).mean() >= 0.95
    assert p_good.mean() > p_ord.mean() + 0.4


def test_save_and_load_round_trip_without_pickle(corpus, tmp_path):
    model = train(
        read_texts([str(corpus / "good.txt")]), read_texts([str(corpus / "ordinary.jsonl")]), n_features=2**12
    )
    path = tmp_path / "m.npz"
    model.save(path)
    again = QualityClassifier.load(path)
    texts = ["The river was founded in 1850.", "buy now!! click here"]
    np.testing.assert_allclose(again.predict_proba(texts), model.predict_proba(texts), rtol=1e-6)
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(str(z["header"]))
    assert header["format"] == "obelics-quality-classifier/1" and header["vectorizer"]["ngram_range"] == [1, 2]
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(ValueError):
        QualityClassifier.load(tmp_path / "bad.npz")


def test_command_trains_and_filter_uses_the_model(corpus, tmp_path, capsys):
    model_path = tmp_path / "quality.npz"
    rc = cli_main(
        [
            "train-quality-classifier",
            "--good",
            str(corpus / "good.txt"),
            "--ordinary",
            str(corpus / "ordinary.jsonl"),
            "--output",
            str(model_path),
            "--features",
            "65536",
        ]
    )
    assert rc == 0 and model_path.is_file()
    report = json.loads(capsys.readouterr().out)
    assert report["good_texts"] == 150 and report["heldout_accuracy"] >= 0.95

    off = {
        k: None
        for k in DEFAULTS
        if k.startswith(("paragraph_min_", "paragraph_max_", "document_min_", "document_max_"))
    }
    flt = DocumentFilter(
        {**DEFAULTS, **off, "language_min_score": None, "nsfw_images": False, "quality_model": str(model_path)}
    )
    rng = random.Random(7)
    docs = [
        Document.from_nodes([Node(text=t), Node(image="http://i/x.jpg", meta={})], {"url": f"u{i}"})
        for i, t in enumerate([good_text(rng), ordinary_text(rng), good_text(rng), ordinary_text(rng)])
    ]
    outs = flt.filter_batch(docs)
    assert [o.reason for o in outs] == [None, "quality_classifier", None, "quality_classifier"]
    assert outs[0].document.general_metadata["quality_score"] >= 0.5
    assert flt.stats.reasons["removed_documents"] == {"quality_classifier": 2}
    assert flt.stats.values["quality_classifier"].startswith("on: ")


def test_command_rejects_missing_files(tmp_path, capsys):
    rc = cli_main(
        ["train-quality-classifier", "--good", "nope.txt", "--ordinary", "nope2.txt", "-o", str(tmp_path / "m")]
    )
    assert rc == 2 and "not found" in capsys.readouterr().err
