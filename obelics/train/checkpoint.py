"""Checkpoint folders that load like any transformers model, and the ``latest`` pointer.

``OUTPUT/checkpoints/step-NNNNNNNN/`` holds, side by side:

* ``config.json`` + ``model.safetensors``: ``IdeficsForVisionText2Text.from_pretrained(DIR)``;
* the tokenizer files (``tokenizer.json``, ``tokenizer_config.json``): ``AutoTokenizer``;
* ``processor_config.json`` and ``preprocessor_config.json``: ``AutoProcessor.from_pretrained(DIR)``
  gives an ``IdeficsProcessor`` whose image processor has the run's image size, mean and std;
* ``trainer.pt``: optimizer, scheduler, step, every rank's RNG and data position (resuming only).

A checkpoint is written to a temporary folder and renamed. ``OUTPUT/checkpoints/latest`` is a
relative symlink to the newest (replaced atomically); where symlinks are not available it is a
text file naming the folder, and both forms are read. Older checkpoints written with ``model/``
and ``tokenizer/`` subfolders are still read for resuming.

:func:`export_model` copies a checkpoint's model, tokenizer and processor files (not
``trainer.pt``) to a standalone folder, optionally cast to bf16 or fp16.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

TRAINER_STATE = "trainer.pt"


def checkpoint_dir(output: str | os.PathLike) -> Path:
    return Path(output) / "checkpoints"


def model_dir(path: str | os.PathLike) -> Path:
    """Where a checkpoint's ``config.json`` lives (the folder itself, or its older ``model/`` subfolder)."""
    p = Path(path)
    return p / "model" if (p / "model" / "config.json").exists() and not (p / "config.json").exists() else p


def tokenizer_dir(path: str | os.PathLike) -> Path:
    """Where a checkpoint's tokenizer lives (the folder itself, or its older ``tokenizer/`` subfolder)."""
    p = Path(path)
    if (p / "tokenizer_config.json").exists() or (p / "tokenizer.json").exists():
        return p
    return p / "tokenizer"


def latest_checkpoint(output: str | os.PathLike) -> Path | None:
    """The checkpoint ``OUTPUT/checkpoints/latest`` points to, if complete."""
    root = checkpoint_dir(output)
    pointer = root / "latest"
    if pointer.is_symlink():
        path = root / os.readlink(pointer)
    elif pointer.is_file():
        path = root / pointer.read_text().strip()
    else:
        return None
    return path if (path / TRAINER_STATE).exists() else None


def _point_latest(root: Path, name: str) -> None:
    """Make ``root/latest`` name ``name``: a relative symlink swapped in atomically (a text file as fallback)."""
    tmp = root / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    try:
        os.symlink(name, tmp, target_is_directory=True)
    except (OSError, NotImplementedError):
        from obelics.io.atomic import atomic_open

        if (root / "latest").is_symlink():
            (root / "latest").unlink()
        with atomic_open(root / "latest") as fh:
            fh.write(name + "\n")
        return
    os.replace(tmp, root / "latest")


def save_processor(
    folder: str | os.PathLike,
    tokenizer,
    image_size: int,
    image_mean: Sequence[float],
    image_std: Sequence[float],
) -> None:
    """Write the tokenizer and an ``IdeficsProcessor`` config (image size, mean, std) into ``folder``."""
    from transformers import IdeficsProcessor
    from transformers.models.idefics.image_processing_pil_idefics import IdeficsImageProcessorPil

    image_processor = IdeficsImageProcessorPil(
        image_size=int(image_size), image_mean=list(image_mean), image_std=list(image_std)
    )
    image_processor.save_pretrained(str(folder))
    IdeficsProcessor(image_processor, tokenizer.hf, image_size=int(image_size)).save_pretrained(str(folder))


def save_checkpoint(
    output: str | os.PathLike,
    step: int,
    model,
    tokenizer,
    trainer_state: dict[str, Any],
    *,
    image: dict[str, Any],
    state_dict: dict[str, Any] | None = None,
    keep: int = 2,
) -> Path:
    """Write ``step-NNNNNNNN`` atomically (temp folder, rename, then ``latest``); prune to ``keep``.

    ``image``: ``size``, ``mean`` and ``std`` for the processor config. ``state_dict``: the full
    model weights when ``model``'s own are sharded (FSDP).
    """
    import torch

    root = checkpoint_dir(output)
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{step:08d}"
    final = root / name
    tmp = root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    model.save_pretrained(tmp, state_dict=state_dict)
    save_processor(tmp, tokenizer, image["size"], image["mean"], image["std"])
    torch.save({**trainer_state, "step": step}, tmp / TRAINER_STATE)
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    _point_latest(root, name)
    done = sorted(p for p in root.glob("step-*") if p.is_dir() and p != final)
    for old in done[: max(0, len(done) - (keep - 1))] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint folder from a run folder (its latest), a ``checkpoints/`` folder or a checkpoint itself."""
    p = Path(path)
    if (p / "config.json").exists() or (p / "model" / "config.json").exists():
        return p
    for root in (p, p.parent):
        found = latest_checkpoint(root) if (root / "checkpoints").is_dir() else None
        if found is not None:
            return found
    if p.name == "checkpoints":
        found = latest_checkpoint(p.parent)
        if found is not None:
            return found
    raise FileNotFoundError(f"no checkpoint at {path} (a run folder, its checkpoints/ or a step-N folder)")


def export_model(source: str | os.PathLike, dest: str | os.PathLike, *, dtype: str = "fp32") -> Path:
    """Copy a checkpoint's model, tokenizer and processor to ``dest`` (atomically), weights cast to ``dtype``."""
    import torch
    from transformers import IdeficsForVisionText2Text

    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    if dtype not in dtypes:
        raise ValueError(f"dtype must be one of {', '.join(dtypes)}")
    src = resolve_checkpoint(source)
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty")
    model = IdeficsForVisionText2Text.from_pretrained(str(model_dir(src)), local_files_only=True)
    model.to(dtypes[dtype])
    tmp = dest.parent / f".tmp-{dest.name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp)
    tok_src = tokenizer_dir(src)
    for f in sorted(tok_src.iterdir()) if tok_src.is_dir() else []:
        if (
            f.is_file()
            and f.name not in (TRAINER_STATE, "config.json", "generation_config.json")
            and ("token" in f.name or "processor" in f.name or f.name.endswith(".model"))
        ):
            shutil.copy2(f, tmp / f.name)
    for f in ("processor_config.json", "preprocessor_config.json"):
        if (src / f).exists() and not (tmp / f).exists():
            shutil.copy2(src / f, tmp / f)
    if dest.exists():
        dest.rmdir()
    os.replace(tmp, dest)
    return dest
