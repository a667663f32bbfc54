"""The model-based quality classifier of the OBELICS paper: logistic regression on hashed token counts.

The paper's upstream step (no code was published) kept pages that a classifier trained to
tell "good" text (Wikipedia, OpenWebText) from ordinary Common Crawl text scored at 0.5 or
more. Its classifier was a logistic regression on hashed token counts, which is what this
module trains with scikit-learn: ``HashingVectorizer`` (lower-cased word unigrams and
bigrams, 2**20 buckets, counts, l2-normalised) and ``LogisticRegression``.

A model is saved as one ``.npz`` file (numpy, no pickle: safe to load) holding a JSON
header (format, vectorizer settings, training figures) and the weights.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT = "obelics-quality-classifier/1"
DEFAULT_VECTORIZER = {
    "n_features": 2**20,
    "ngram_range": [1, 2],
    "lowercase": True,
    "alternate_sign": False,
    "norm": "l2",
    "token_pattern": r"(?u)\b\w\w+\b",
}


def _vectorizer(params: dict[str, Any]):
    from sklearn.feature_extraction.text import HashingVectorizer

    p = dict(params)
    p["ngram_range"] = tuple(p["ngram_range"])
    return HashingVectorizer(dtype=np.float32, **p)


@dataclass
class QualityClassifier:
    """P(good) of texts from a trained logistic regression over hashed n-gram counts."""

    coef: np.ndarray
    intercept: float
    vectorizer: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_VECTORIZER))
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._vec = _vectorizer(self.vectorizer)

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        x = self._vec.transform(list(texts))
        return np.asarray(x @ self.coef, dtype=np.float64).ravel() + self.intercept

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(good) for each text."""
        if not len(texts):
            return np.empty(0)
        return 1.0 / (1.0 + np.exp(-self.decision(texts)))

    def save(self, path: str | os.PathLike) -> None:
        """Write the model as one .npz file (atomically)."""
        from obelics.io.atomic import atomic_open

        header = {"format": FORMAT, "vectorizer": self.vectorizer, "intercept": self.intercept, **self.info}
        with atomic_open(path, "wb") as fh:
            np.savez_compressed(fh, header=np.array(json.dumps(header)), coef=self.coef.astype(np.float32, copy=False))

    @classmethod
    def load(cls, path: str | os.PathLike) -> QualityClassifier:
        if not Path(path).is_file():
            raise FileNotFoundError(f"quality model not found: {path}")
        try:
            with np.load(path, allow_pickle=False) as z:
                header = json.loads(str(z["header"]))
                coef = np.asarray(z["coef"], dtype=np.float32)
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(
                f"{path} is not a quality model written by obelics train-quality-classifier: {e}"
            ) from None
        if header.get("format") != FORMAT:
            raise ValueError(f"{path}: unknown model format {header.get('format')!r} (want {FORMAT})")
        info = {k: v for k, v in header.items() if k not in ("format", "vectorizer", "intercept")}
        return cls(coef=coef, intercept=float(header["intercept"]), vectorizer=header["vectorizer"], info=info)


def train(
    good: Sequence[str],
    ordinary: Sequence[str],
    *,
    n_features: int = 2**20,
    c: float = 1.0,
    max_iter: int = 1000,
    seed: int = 0,
    holdout: float = 0.1,
) -> QualityClassifier:
    """Train on texts labelled good (1) and ordinary (0); report held-out accuracy in ``info``."""
    from sklearn.linear_model import LogisticRegression

    if not good or not ordinary:
        raise ValueError("training needs at least one good and one ordinary text")
    params = dict(DEFAULT_VECTORIZER, n_features=int(n_features))
    vec = _vectorizer(params)
    texts = list(good) + list(ordinary)
    y = np.concatenate([np.ones(len(good)), np.zeros(len(ordinary))])
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    n_hold = int(len(texts) * holdout) if len(texts) >= 20 else 0
    hold, fit = order[:n_hold], order[n_hold:]
    x = vec.transform(texts)
    lr = LogisticRegression(C=c, max_iter=max_iter, class_weight="balanced", random_state=seed)
    lr.fit(x[fit], y[fit])
    info: dict[str, Any] = {
        "good_texts": len(good),
        "ordinary_texts": len(ordinary),
        "train_accuracy": round(float(lr.score(x[fit], y[fit])), 4),
        "C": c,
    }
    if n_hold:
        info["heldout_texts"] = int(n_hold)
        info["heldout_accuracy"] = round(float(lr.score(x[hold], y[hold])), 4)
    return QualityClassifier(
        coef=lr.coef_.ravel().astype(np.float32), intercept=float(lr.intercept_[0]), vectorizer=params, info=info
    )


def read_texts(paths: Iterable[str]) -> list[str]:
    """Training texts from files: ``.parquet`` document shards (or a ``text`` column),
    ``.jsonl`` (a ``text`` field per line), or plain text with one document per line."""
    out: list[str] = []
    for path in paths:
        p = str(path)
        if p.endswith(".parquet"):
            import pyarrow.parquet as pq

            cols = pq.read_schema(p).names
            if "texts" in cols:
                from obelics.io.parquet import read_documents

                out.extend(t for t in (d.text for d in read_documents(p)) if t.strip())
            elif "text" in cols:
                out.extend(t for t in pq.read_table(p, columns=["text"]).column("text").to_pylist() if t and t.strip())
            else:
                raise ValueError(f"{p}: a Parquet training file needs a 'texts' (documents) or 'text' column")
        elif p.endswith((".jsonl", ".jsonl.gz")):
            import gzip

            opener = gzip.open if p.endswith(".gz") else open
            with opener(p, "rt", encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if not line.strip():
                        continue
                    try:
                        t = json.loads(line).get("text")
                    except (json.JSONDecodeError, AttributeError):
                        raise ValueError(f"{p}:{n}: not a JSON object with a 'text' field") from None
                    if t and t.strip():
                        out.append(t)
        else:
            import gzip

            opener = gzip.open if p.endswith(".gz") else open
            with opener(p, "rt", encoding="utf-8", errors="replace") as fh:
                out.extend(line.rstrip("\n") for line in fh if line.strip())
    return out
