"""The training loop: the tiny IDEFICS model learns on CPU, and a stopped run resumes exactly."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

from obelics.train.loop import TrainConfig, latest_checkpoint, lm_losses, lr_lambda, read_log, train
from tests.test_train_helpers import sample_corpus, tiny_tokenizer, write_test_shards

STEPS = 40


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    shards = write_test_shards(root / "shards", sample_corpus(160, seed=2), per_shard=40)
    tok = tiny_tokenizer()
    tok.save(root / "tokenizer")
    return root, shards


def config(root: Path, shards: list[str], out: str, **kw) -> TrainConfig:
    base = dict(
        shards=shards,
        output=str(root / out),
        model="tiny",
        tokenizer=str(root / "tokenizer"),
        steps=STEPS,
        batch_size=4,
        max_seq_len=128,
        max_images=4,
        lr=3e-3,
        warmup_steps=5,
        workers=0,
        shuffle_buffer=16,
        save_every=1000,
        threads=1,
        device="cpu",
        seed=1,
    )
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture(scope="module")
def full_run(setup):
    root, shards = setup
    summary = train(config(root, shards, "full"))
    return summary, read_log(root / "full")


def test_loss_goes_down(full_run):
    summary, log = full_run
    assert summary["step"] == STEPS and len(log) == STEPS
    losses = [r["loss"] for r in log]
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    print(f"loss first-5 mean {first:.4f}, last-5 mean {last:.4f}, ratio {last / first:.3f}")
    assert last < 0.8 * first
    for r in log:
        assert r["z_loss"] > 0 and r["tokens_per_s"] > 0 and r["images_per_s"] > 0
        assert 0 < r["real_token_share"] <= 1
    assert log[4]["lr"] == pytest.approx(3e-3)  # warmup reaches the peak at step 5
    assert log[-1]["lr"] < log[10]["lr"]  # then decays


def test_stop_and_resume_gives_the_same_next_losses(setup, full_run):
    root, shards = setup
    _, reference = full_run
    first = train(config(root, shards, "resumed", stop_at=25))
    assert first["step"] == 25
    ckpt = latest_checkpoint(root / "resumed")
    assert ckpt is not None and ckpt.name == "step-00000025"
    assert (ckpt / "config.json").exists() and (ckpt / "tokenizer_config.json").exists()
    assert (ckpt / "processor_config.json").exists() and (ckpt.parent / "latest").is_symlink()
    second = train(config(root, shards, "resumed"))
    assert second["step"] == STEPS
    log = read_log(root / "resumed")
    assert [r["step"] for r in log] == list(range(1, STEPS + 1))
    for a, b in zip(log, reference):
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-6), (a["step"], a["loss"], b["loss"])
        assert a["z_loss"] == pytest.approx(b["z_loss"], abs=1e-8)
    print("resumed step 26 loss", log[25]["loss"], "uninterrupted", reference[25]["loss"])


def test_loss_function_matches_cross_entropy():
    torch.manual_seed(0)
    logits = torch.randn(2, 7, 11)
    labels = torch.randint(0, 11, (2, 7))
    labels[0, 3] = -100
    nll, z, n = lm_losses(logits, labels)
    ref = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, 11), labels[:, 1:].reshape(-1), reduction="sum")
    assert torch.allclose(nll, ref) and int(n) == 11
    lse = torch.logsumexp(logits[:, :-1], -1)[labels[:, 1:] != -100]
    assert torch.allclose(z, (lse**2).sum())


def test_schedule():
    assert lr_lambda(0, 10, 100, 0.0) == pytest.approx(0.1)
    assert lr_lambda(9, 10, 100, 0.0) == pytest.approx(1.0)
    assert lr_lambda(55, 10, 100, 0.0) == pytest.approx(0.5)
    assert lr_lambda(100, 10, 100, 0.1) == pytest.approx(0.1)


def _ddp_rank(rank: int, cfg: TrainConfig, port: int) -> None:
    os.environ.update(
        {"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1"}
        | {"MASTER_PORT": str(port)}
    )
    train(cfg)


def test_tokenizer_command_then_ddp_training_on_two_cpu_ranks(setup, tmp_path):
    """`obelics train-tokenizer`, then the loop as 2 gloo ranks (forked, as torchrun would start them)."""
    import socket

    import torch.multiprocessing as mp

    root, shards = setup
    tok_dir = tmp_path / "tok"
    from obelics.cli import main as cli_main

    shard_dir = str(Path(shards[0]).parent)
    args = ["train-tokenizer", shard_dir, "--output", str(tok_dir), "--vocab-size", "420", "--min-frequency", "1"]
    assert cli_main(args) == 0
    assert cli_main(["train-tokenizer", shard_dir, "--output", str(tok_dir), "--vocab-size", "10"]) == 2
    from obelics.train.tokenizer import load_tokenizer

    tok = load_tokenizer(tok_dir)
    assert tok.hf.convert_ids_to_tokens([tok.image_id, tok.fake_id]) == ["<image>", "<fake_token_around_image>"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = config(root, shards, str(tmp_path / "ddp"), tokenizer=str(tok_dir), steps=3, batch_size=2, max_seq_len=64)
    cfg.output = str(tmp_path / "ddp")
    mp.start_processes(_ddp_rank, args=(cfg, port), nprocs=2, join=True, start_method="fork")
    log = read_log(tmp_path / "ddp")
    assert [x["step"] for x in log] == [1, 2, 3]
    state = torch.load(latest_checkpoint(tmp_path / "ddp") / "trainer.pt", weights_only=False)
    assert len(state["data"]) == 2 and [d["rank"] for d in state["data"]] == [0, 1]
    assert json.loads((tmp_path / "ddp" / "train_config.json").read_text())["steps"] == 3
