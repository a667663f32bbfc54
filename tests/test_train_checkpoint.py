"""Checkpoints load like any transformers model: from_pretrained, AutoProcessor, the same loss; export-model."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from obelics.train.attention import model_inputs
from obelics.train.loop import TrainConfig, latest_checkpoint, lm_losses, read_log, train
from tests.test_train_helpers import sample_corpus, tiny_tokenizer, write_test_shards


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same run twice: 4 steps straight, and stopped after step 3 (its checkpoint)."""
    root = tmp_path_factory.mktemp("ckpt")
    shards = write_test_shards(root / "shards", sample_corpus(40, seed=3), per_shard=20)
    tiny_tokenizer().save(root / "tokenizer")

    def cfg(out: str, **kw) -> TrainConfig:
        base = dict(
            shards=shards,
            output=str(root / out),
            tokenizer=str(root / "tokenizer"),
            steps=4,
            batch_size=2,
            max_seq_len=96,
            max_images=4,
            lr=3e-3,
            workers=0,
            shuffle_buffer=8,
            threads=1,
            device="cpu",
            image_mean=(0.5, 0.4, 0.3),
            image_std=(0.2, 0.25, 0.3),
        )
        return TrainConfig(**(base | kw))

    train(cfg("straight"))
    train(cfg("stopped", stop_at=3, tensorboard=False))
    return root, cfg


def next_batch_after(ckpt: Path, cfg: TrainConfig, model):
    """The batch the run would have taken after this checkpoint."""
    from obelics.train.loop import _build_loader
    from obelics.train.tokenizer import load_tokenizer

    state = torch.load(ckpt / "trainer.pt", weights_only=False)
    loader, _ = _build_loader(cfg, load_tokenizer(ckpt), model, 0, 1)
    loader.load_state_dict(state["data"][0])
    return next(iter(loader))


def loss_on(model, batch) -> float:
    with torch.no_grad():
        logits = model(**model_inputs(batch, "cpu", backend=model.config._attn_implementation)).logits
    nll, _, n = lm_losses(logits, batch["labels"])
    return float(nll) / int(n)


def test_checkpoint_loads_with_from_pretrained_and_auto_processor(runs):
    from transformers import AutoProcessor, IdeficsForVisionText2Text

    root, cfg = runs
    ckpt = latest_checkpoint(root / "stopped")
    assert ckpt is not None and ckpt.name == "step-00000003"
    assert (ckpt.parent / "latest").is_symlink() and (ckpt.parent / "latest").resolve() == ckpt.resolve()
    model = IdeficsForVisionText2Text.from_pretrained(ckpt, local_files_only=True)
    processor = AutoProcessor.from_pretrained(ckpt, local_files_only=True)
    assert type(processor).__name__ == "IdeficsProcessor"
    ip = processor.image_processor
    assert ip.image_size == model.config.vision_config.image_size == 32
    assert list(ip.image_mean) == pytest.approx([0.5, 0.4, 0.3]) and list(ip.image_std) == pytest.approx(
        [0.2, 0.25, 0.3]
    )
    tok = tiny_tokenizer()
    assert processor.tokenizer.convert_tokens_to_ids(["<image>", "<fake_token_around_image>"]) == [
        tok.image_id,
        tok.fake_id,
    ]
    # The weights at step 3 give, on the 4th batch, the loss the uninterrupted run logged at step 4.
    model.train()  # as in training (the tiny model has no dropout; the logged loss is a training forward)
    batch = next_batch_after(ckpt, cfg("stopped"), model)
    logged = read_log(root / "straight")[3]["loss"]
    assert loss_on(model, batch) == pytest.approx(logged, abs=1e-5)


def test_tensorboard_events_beside_the_jsonl_log(runs):
    root, _ = runs
    events = list((root / "straight" / "tensorboard").glob("events.out.tfevents.*"))
    assert events and not (root / "stopped" / "tensorboard").exists()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(root / "straight" / "tensorboard"))
    acc.Reload()
    losses = [e.value for e in acc.Scalars("train/loss")]
    assert losses == pytest.approx([r["loss"] for r in read_log(root / "straight")], rel=1e-6)


def test_export_model_command(runs, tmp_path):
    from transformers import AutoProcessor, IdeficsForVisionText2Text

    from obelics.cli import main as cli_main

    root, cfg = runs
    dest = tmp_path / "final"
    assert cli_main(["export-model", str(root / "stopped"), "--output", str(dest)]) == 0
    assert not (dest / "trainer.pt").exists() and (dest / "model.safetensors").exists()
    model = IdeficsForVisionText2Text.from_pretrained(dest, local_files_only=True).train()
    assert AutoProcessor.from_pretrained(dest, local_files_only=True).image_processor.image_size == 32
    ckpt = latest_checkpoint(root / "stopped")
    batch = next_batch_after(ckpt, cfg("stopped"), model)
    assert loss_on(model, batch) == pytest.approx(read_log(root / "straight")[3]["loss"], abs=1e-5)
    half = tmp_path / "half"
    assert cli_main(["export-model", str(ckpt), "--output", str(half), "--dtype", "bf16"]) == 0
    assert IdeficsForVisionText2Text.from_pretrained(half, local_files_only=True).dtype == torch.bfloat16
    # a clear error, not a traceback
    assert cli_main(["export-model", str(tmp_path / "nothing"), "--output", str(tmp_path / "x")]) == 2
    assert cli_main(["export-model", str(ckpt), "--output", str(dest)]) == 2  # not empty


def test_from_checkpoint_takes_a_run_folder(runs, tmp_path):
    from obelics.train.checkpoint import model_dir

    root, cfg = runs
    c = cfg("unused", tokenizer=None, from_checkpoint=str(root / "stopped"), steps=1, tensorboard=False)
    c.output = str(tmp_path / "finetune")
    summary = train(c)
    assert summary["step"] == 1 and latest_checkpoint(tmp_path / "finetune") is not None
    assert model_dir(latest_checkpoint(root / "stopped")) == latest_checkpoint(root / "stopped")
    bad = cfg("unused", from_checkpoint=str(tmp_path / "nothing"))
    bad.output = str(tmp_path / "bad")
    with pytest.raises(ValueError, match="--from-checkpoint"):
        train(bad)
