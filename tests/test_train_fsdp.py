"""FSDP (fully_shard) on two gloo CPU ranks: the same losses as DDP, resumable, full-weight checkpoints."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from obelics.train.loop import TrainConfig, latest_checkpoint, read_log, train
from tests.test_train_helpers import sample_corpus, tiny_tokenizer, write_test_shards


def _rank(rank: int, cfg: TrainConfig, port: int) -> None:
    os.environ.update(
        {"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1"}
        | {"MASTER_PORT": str(port)}
    )
    train(cfg)


def _two_ranks(cfg: TrainConfig) -> None:
    import torch.multiprocessing as mp

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    mp.start_processes(_rank, args=(cfg, port), nprocs=2, join=True, start_method="fork")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("fsdp")
    shards = write_test_shards(root / "shards", sample_corpus(40, seed=2), per_shard=10)
    tiny_tokenizer().save(root / "tok")

    def cfg(out: str, **kw) -> TrainConfig:
        base = dict(
            shards=shards,
            output=str(root / out),
            tokenizer=str(root / "tok"),
            steps=4,
            batch_size=2,
            grad_accum=2,
            max_seq_len=64,
            max_images=4,
            lr=3e-3,
            workers=0,
            shuffle_buffer=8,
            threads=1,
            device="cpu",
            tensorboard=False,
        )
        return TrainConfig(**(base | kw))

    return root, cfg


def test_fsdp_matches_ddp_and_resumes(setup):
    from transformers import IdeficsForVisionText2Text

    root, cfg = setup
    _two_ranks(cfg("ddp"))
    _two_ranks(cfg("fsdp", fsdp=True, stop_at=2))
    _two_ranks(cfg("fsdp", fsdp=True))
    ddp, fsdp = read_log(root / "ddp"), read_log(root / "fsdp")
    assert [r["step"] for r in fsdp] == [1, 2, 3, 4]
    for a, b in zip(ddp, fsdp):
        assert b["loss"] == pytest.approx(a["loss"], abs=1e-5), (a["step"], a["loss"], b["loss"])
        assert b["grad_norm"] == pytest.approx(a["grad_norm"], rel=1e-4)
    ckpt = latest_checkpoint(root / "fsdp")
    assert ckpt is not None and ckpt.name == "step-00000004"
    full = IdeficsForVisionText2Text.from_pretrained(ckpt, local_files_only=True)
    ref = IdeficsForVisionText2Text.from_pretrained(latest_checkpoint(root / "ddp"), local_files_only=True)
    for (name, p), (_, q) in zip(full.named_parameters(), ref.named_parameters()):
        assert p.shape == q.shape and float((p - q).detach().abs().max()) < 1e-4, name


def test_fsdp_needs_several_ranks(setup):
    _, cfg = setup
    with pytest.raises(ValueError, match="torchrun"):
        train(cfg(str(Path("unused")), fsdp=True))
