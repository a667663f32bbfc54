"""NSFW image scores with the NudeNet detector (``320n.onnx``, shipped in the nudenet wheel).

The ONNX model takes a batch of square RGB images (``[batch, 3, 320, 320]``, the batch
dimension is dynamic) and returns, for each of 2,100 anchors, a box and the scores of 18
classes. We run it on whole batches: images are decoded and pre-processed in a thread pool
exactly as ``nudenet.NudeDetector`` does (pad to a square on the right and bottom, resize
to 320 px with bilinear interpolation, BGR channel order, scaled to 0..1), then one inference per batch.

An image's score is the highest score of an anchor whose best class is one of the chosen
classes (NudeNet's own detections are those anchors, after non-maximum suppression, which
never removes the highest-scoring box). ``onnxruntime`` (and OpenCV for the resize, as
NudeNet) are imported only when a detector is built.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from obelics.filters.config import NSFW_DEFAULT_CLASSES, NSFW_LABELS


def default_model_path() -> str:
    """``nudenet/320n.onnx`` inside the installed nudenet package."""
    import importlib.util

    spec = importlib.util.find_spec("nudenet")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nudenet is not installed: it ships the NSFW detector (pip install 'obelics[nsfw]')")
    path = Path(next(iter(spec.submodule_search_locations))) / "320n.onnx"
    if not path.is_file():
        raise FileNotFoundError(f"320n.onnx not found in the nudenet package ({path})")
    return str(path)


def preprocess(data: bytes, size: int = 320) -> np.ndarray:
    """One image's model input ``[3, size, size]`` float32, as NudeNet prepares it."""
    import cv2
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a reduced scale when much larger
        rgb = np.asarray(im.convert("RGB"))
    h, w = rgb.shape[:2]
    side = max(h, w)
    padded = np.zeros((side, side, 3), dtype=np.uint8)
    padded[:h, :w] = rgb
    resized = cv2.resize(padded, (size, size), interpolation=cv2.INTER_LINEAR)
    # NudeDetector ends up feeding BGR (its cvtColor RGBA2BGR on a 3-channel BGR image swaps to RGB, then
    # blobFromImage's swapRB swaps back): we match it, so our scores are NudeNet's.
    return np.ascontiguousarray(resized[:, :, ::-1].transpose(2, 0, 1), dtype=np.float32) * np.float32(1 / 255.0)


def scores_from_output(output: np.ndarray, class_ids: Sequence[int]) -> np.ndarray:
    """Per image of a batch output ``[batch, 4 + classes, anchors]``: the score of the chosen classes."""
    cls = output[:, 4:, :]  # [batch, classes, anchors]
    best = cls.argmax(axis=1)  # [batch, anchors]
    best_score = cls.max(axis=1)
    chosen = np.isin(best, np.asarray(class_ids))
    return np.where(chosen, best_score, 0.0).max(axis=1) if cls.shape[2] else np.zeros(len(output))


class NsfwDetector:
    """Scores images (as bytes) in batches; ``None`` for an image that cannot be decoded."""

    def __init__(
        self,
        model_path: str | os.PathLike | None = None,
        classes: Sequence[str] = tuple(NSFW_DEFAULT_CLASSES),
        batch_size: int = 32,
        threads: int = 4,
        device: str = "auto",
        resolution: int = 320,
    ) -> None:
        import onnxruntime as ort

        bad = [c for c in classes if c not in NSFW_LABELS]
        if bad:
            raise ValueError(f"unknown NudeNet classes {bad}; known: {', '.join(NSFW_LABELS)}")
        self.class_ids = [NSFW_LABELS.index(c) for c in classes]
        self.batch_size = max(1, int(batch_size))
        self.threads = max(1, int(threads))
        self.resolution = resolution
        available = ort.get_available_providers()
        if device == "cuda" and "CUDAExecutionProvider" not in available:
            raise RuntimeError("nsfw_device is cuda but onnxruntime has no CUDAExecutionProvider")
        use_cuda = device in ("auto", "cuda") and "CUDAExecutionProvider" in available
        providers = (["CUDAExecutionProvider"] if use_cuda else []) + ["CPUExecutionProvider"]
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = self.threads
        opts.inter_op_num_threads = 1
        self.model_path = str(model_path) if model_path else default_model_path()
        self.session = ort.InferenceSession(self.model_path, sess_options=opts, providers=providers)
        self.providers = self.session.get_providers()
        self.input_name = self.session.get_inputs()[0].name
        self._pool = ThreadPoolExecutor(max_workers=self.threads) if self.threads > 1 else None

    def _prep(self, data: bytes) -> np.ndarray | None:
        try:
            return preprocess(data, self.resolution)
        except Exception:  # noqa: BLE001 - an undecodable image gets no score, the batch goes on
            return None

    def scores(self, images: Sequence[bytes]) -> list[float | None]:
        """The NSFW score of each image (``None`` when it cannot be decoded)."""
        out: list[float | None] = [None] * len(images)
        for start in range(0, len(images), self.batch_size):
            chunk = images[start : start + self.batch_size]
            arrays = list(self._pool.map(self._prep, chunk)) if self._pool else [self._prep(d) for d in chunk]
            ok = [i for i, a in enumerate(arrays) if a is not None]
            if not ok:
                continue
            batch = np.stack([arrays[i] for i in ok])
            output = self.session.run(None, {self.input_name: batch})[0]
            for i, s in zip(ok, scores_from_output(output, self.class_ids)):
                out[start + i] = float(s)
        return out

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
