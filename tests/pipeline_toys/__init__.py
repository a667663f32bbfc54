"""Small stages for the engine and pipeline tests: real shards and stats, no heavy models.

``gen``: text files (one document per line) to Parquet shards of interleaved documents
with small generated PNG images. ``vocab``: two steps, counting words over all shards,
then keeping only paragraphs whose words are seen at least ``min_count`` times overall.
Settings let a test make tasks slow, fail or kill their worker process.
"""

from __future__ import annotations

import io
import os
import time

from PIL import Image

from obelics.document import Document, image_metadata


def png(seed: int, size: int = 24) -> bytes:
    img = Image.new("RGB", (size, size), ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def misbehave(name: str, settings: dict) -> None:
    """Sleep, fail or die as the settings ask, for the task of shard ``name``."""
    if settings.get("sleep"):
        time.sleep(float(settings["sleep"]))
    flag = settings.get("fail_flag") or ""
    if flag and os.path.exists(flag) and name in (settings.get("fail_on") or "").split(","):
        raise RuntimeError(f"asked to fail on {name}")
    if name in (settings.get("crash_on") or "").split(","):
        os._exit(17)


def document(line: str, url: str, seed: int) -> Document:
    words = line.split()
    half = max(1, len(words) // 2)
    texts = [" ".join(words[:half]), None, " ".join(words[half:]) or "end"]
    src = f"http://img.test/{seed}.png"
    images = [None, src, None]
    meta = [None, image_metadata(src, document_url=url, format="png"), None]
    return Document(texts, images, meta, {"url": url}, image_bytes=[None, png(seed), None])


BOOKKEEPING_DIRS = {"logs", "_slurm"}
BOOKKEEPING_FILES = {"pipeline.json", "summary.json", ".fingerprint.json"}


def data_digests(folder: str | os.PathLike) -> dict[str, str]:
    """sha256 of every data file under ``folder`` (stats, logs and engine files left out: they hold timings)."""
    import hashlib
    from pathlib import Path

    root = Path(folder)
    out = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if not p.is_file() or set(rel.parts[:-1]) & BOOKKEEPING_DIRS:
            continue
        if p.name.endswith("stats.json") or p.name in BOOKKEEPING_FILES:
            continue
        out[str(rel)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def write_inputs(folder: str | os.PathLike, n_files: int = 5, lines: int = 20) -> list[str]:
    """``n_files`` text inputs of ``lines`` pseudo-random sentences each (deterministic)."""
    import random
    from pathlib import Path

    words = "the cat sat on a mat while dogs ran far and wide under blue sky with red apples green trees".split()
    Path(folder).mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_files):
        r = random.Random(i)
        p = Path(folder) / f"part{i}.txt"
        p.write_text("\n".join(" ".join(r.choice(words) for _ in range(12)) for _ in range(lines)) + "\n")
        paths.append(str(p))
    return paths


PIPELINE = """name: toy
stages:
  - stage: tests.pipeline_toys.gen
    name: gen
    settings: {%s}
  - stage: tests.pipeline_toys.vocab
    name: vocab
    settings: {min_count: 30}
"""


def write_pipeline(path: str | os.PathLike, gen_settings: str = "") -> str:
    from pathlib import Path

    Path(path).write_text(PIPELINE % gen_settings)
    return str(path)
