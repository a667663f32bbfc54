"""Metrics destinations (JSONL, TensorBoard, W&B) and the default warmup."""

from __future__ import annotations

import json
import sys
import types

import pytest

from obelics.train.loop import MAX_AUTO_WARMUP, TrainConfig, lr_lambda, warmup_steps
from obelics.train.tracking import MetricsLogger


def cfg(**kw) -> TrainConfig:
    return TrainConfig(shards=["x.tar"], output="out", **kw)


def test_default_warmup_is_a_capped_fraction_of_the_steps():
    assert warmup_steps(cfg(steps=100)) == 5  # the README's --steps 100: 5 warmup steps, 95 of decay
    assert lr_lambda(5, 5, 100, 0.0) == pytest.approx(1.0) and lr_lambda(50, 5, 100, 0.0) < 1.0
    assert warmup_steps(cfg(steps=1000)) == 50
    assert warmup_steps(cfg(steps=10**6)) == MAX_AUTO_WARMUP
    assert warmup_steps(cfg(steps=3)) == 1
    assert warmup_steps(cfg(steps=100, warmup_steps=0)) == 0
    assert warmup_steps(cfg(steps=100, warmup_steps=30)) == 30
    assert warmup_steps(cfg(steps=100, warmup_ratio=0.2)) == 20


class FakeRun:
    def __init__(self) -> None:
        self.logged: list[tuple[dict, int]] = []
        self.finished = False

    def log(self, data: dict, step: int) -> None:
        self.logged.append((data, step))

    def finish(self) -> None:
        self.finished = True


def test_wandb_logging_when_asked_and_resumes_the_same_run(tmp_path, monkeypatch):
    inits: list[dict] = []
    runs: list[FakeRun] = []

    def init(**kw):
        inits.append(kw)
        runs.append(FakeRun())
        return runs[-1]

    monkeypatch.setitem(sys.modules, "wandb", types.SimpleNamespace(init=init))
    record = {"step": 3, "loss": 2.5, "z_loss": 0.01, "lr": 1e-4, "grad_norm": None, "tokens_per_s": 10.0}
    for _ in range(2):  # a run, then its resumption
        logger = MetricsLogger(tmp_path, tensorboard=False, wandb_project="proj", config={"steps": 9})
        logger.write(record)
        logger.close()
    assert [i["project"] for i in inits] == ["proj", "proj"] and inits[0]["id"] == inits[1]["id"]
    assert inits[0]["resume"] == "allow" and inits[0]["config"] == {"steps": 9}
    data, step = runs[0].logged[0]
    assert step == 3 and data["train/loss"] == 2.5 and "train/grad_norm" not in data and runs[0].finished
    lines = (tmp_path / "train_log.jsonl").read_text().splitlines()
    assert [json.loads(ln)["loss"] for ln in lines] == [2.5, 2.5]


def test_wandb_missing_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "wandb", None)  # import fails
    with pytest.raises(ValueError, match="--wandb needs the wandb package"):
        MetricsLogger(tmp_path, tensorboard=False, wandb_project="proj")


def test_cli_rejects_bad_warmup_and_fsdp_on_one_process(tmp_path):
    from obelics.cli import main as cli_main

    (tmp_path / "a.tar").write_bytes(b"")
    base = ["train", str(tmp_path / "a.tar"), "--output", str(tmp_path / "run")]
    assert cli_main([*base, "--warmup-ratio", "1.5"]) == 2
    assert cli_main([*base, "--warmup-steps", "-1"]) == 2
    assert cli_main([*base, "--fsdp", "--device", "cpu", "--tokenizer", str(tmp_path / "none")]) == 2
