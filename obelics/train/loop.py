"""The training loop: IDEFICS on packed batches from WebDataset shards.

Recipe: AdamW (0.9, 0.999), weight decay 0.1 (not on biases, norms and embeddings), gradient
clipping at 1.0, z-loss ``coef * mean(logsumexp(logits)^2)`` over the predicted tokens (1e-3),
linear warmup (by default 5% of the steps, at most 1000) then linear decay, gradient
accumulation, bf16 autocast on GPU (fp32 weights), optional gradient checkpointing. The loss is
the mean next-token cross-entropy over every predicted token of the optimizer step (all
micro-batches, all ranks: token-weighted). Packed documents are isolated by default
(per-document positions and block-diagonal causal attention, see
:mod:`obelics.train.attention`); attention runs through PyTorch SDPA (the memory-efficient
kernel on CUDA).

Checkpoints (``OUTPUT/checkpoints/step-NNNNNNNN``, see :mod:`obelics.train.checkpoint`) load
with ``IdeficsForVisionText2Text.from_pretrained`` and ``AutoProcessor.from_pretrained``, and
hold ``trainer.pt`` (optimizer, scheduler, step, every rank's RNG and data position);
``OUTPUT/checkpoints/latest`` links the newest. Rerunning the same command resumes from it:
the next batches, and so the next losses, are those the run would have seen without the stop.

Multi-GPU: launched with ``torchrun`` (``WORLD_SIZE`` > 1) the loop joins the process group
(NCCL on GPU, gloo on CPU), wraps the model in DDP (or FSDP2 with ``fsdp=True``: parameters,
gradients and optimizer state sharded per decoder / cross-attention / vision layer, for sizes
that do not fit one GPU) and gives each rank its own share of the shards through the
reader's rank split. Metrics go to ``train_log.jsonl``, TensorBoard and optionally W&B
(:mod:`obelics.train.tracking`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from obelics.io.atomic import atomic_open
from obelics.train.checkpoint import (
    TRAINER_STATE,
    checkpoint_dir,
    latest_checkpoint,
    model_dir,
    save_checkpoint,
    tokenizer_dir,
)

__all__ = ["TrainConfig", "checkpoint_dir", "latest_checkpoint", "lm_losses", "lr_lambda", "read_log", "train"]

log = logging.getLogger("obelics.train")


@dataclass
class TrainConfig:
    """Every setting of a training run (also saved in each checkpoint)."""

    shards: list[str]
    output: str
    model: str = "tiny"
    tokenizer: str | None = None
    from_checkpoint: str | None = None
    steps: int = 1000  # length of the schedule (total optimizer steps)
    stop_at: int | None = None  # stop (with a checkpoint) once this step is done; rerun to continue
    batch_size: int = 8  # rows per micro-batch per rank
    grad_accum: int = 1
    lr: float = 1e-4
    min_lr_ratio: float = 0.0
    warmup_steps: int | None = None  # default: warmup_ratio of the steps, at most MAX_AUTO_WARMUP
    warmup_ratio: float = 0.05
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    grad_clip: float = 1.0
    z_loss: float = 1e-3
    max_seq_len: int = 1024
    max_images: int = 8
    image_size: int | None = None  # default: the model's vision image size
    image_mean: tuple[float, ...] | None = None
    image_std: tuple[float, ...] | None = None
    image_overflow: str = "split"
    pad_images_to_max: bool = True  # False: image slots per batch = its largest image count
    document_isolation: bool = True  # packed documents see only themselves (False: the original recipe)
    jpeg_draft: bool = True  # JPEG decoded at reduced scale when much larger than the image size
    seed: int = 0
    workers: int = 2  # DataLoader worker processes per rank
    shuffle_buffer: int = 500
    pack_rows: int | None = None
    save_every: int = 500
    keep_checkpoints: int = 2
    log_every: int = 1
    tensorboard: bool = True  # OUTPUT/tensorboard/ when the tensorboard package is installed
    wandb_project: str | None = None  # log to this W&B project (needs wandb)
    gradient_checkpointing: bool = False
    precision: str = "auto"  # auto (bf16 on GPU, fp32 on CPU) | bf16 | fp32
    attention: str = "sdpa"  # sdpa (PyTorch scaled_dot_product_attention) | eager
    fsdp: bool = False  # shard parameters, gradients and optimizer state over the ranks (else DDP)
    device: str = "auto"
    threads: int | None = None  # torch CPU threads (default: torch's choice)
    resume: bool = True
    freeze_text: bool = False
    freeze_vision: bool = False
    model_overrides: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d


# ---- pieces ----------------------------------------------------------------
def lm_losses(logits, labels, ignore_index: int = -100):
    """(sum of next-token NLL, sum of logsumexp^2, number of predicted tokens) for unshifted labels."""
    import torch

    logits = logits[:, :-1].float()
    targets = labels[:, 1:].to(logits.device)
    mask = targets != ignore_index
    lse = torch.logsumexp(logits, dim=-1)
    picked = logits.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    nll = (lse - picked)[mask].sum()
    z = lse[mask].pow(2).sum()
    return nll, z, mask.sum()


MAX_AUTO_WARMUP = 1000


def warmup_steps(cfg: TrainConfig) -> int:
    """The warmup length: ``cfg.warmup_steps`` if set, else ``warmup_ratio`` of the steps (at most 1000)."""
    if cfg.warmup_steps is not None:
        return max(0, int(cfg.warmup_steps))
    return min(MAX_AUTO_WARMUP, math.ceil(cfg.warmup_ratio * cfg.steps))


def lr_lambda(step: int, warmup: int, total: int, min_ratio: float) -> float:
    """Linear warmup from 0 to 1 over ``warmup`` steps, then linear decay to ``min_ratio`` at ``total``."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if total <= warmup:
        return 1.0
    frac = min(1.0, (step - warmup) / max(1, total - warmup))
    return max(min_ratio, 1.0 - (1.0 - min_ratio) * frac)


def param_groups(model, weight_decay: float) -> list[dict[str, Any]]:
    """Weight decay on matrices only: not on biases, norms, embeddings or the gating alphas."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if p.ndim < 2 or "norm" in name.lower() or "embed" in name.lower() or "alpha" in name.lower():
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def rng_state() -> dict[str, Any]:
    import numpy as np
    import torch

    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    import numpy as np
    import torch

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def seed_all(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


# ---- the loop ------------------------------------------------------------------
class _Stopper:
    """Turns SIGTERM/SIGINT into a graceful stop after the current step (with a checkpoint)."""

    def __init__(self) -> None:
        self.stop = False
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Stopper:
        import threading

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.stop:  # second signal: stop now
            raise KeyboardInterrupt
        log.warning("signal %d: stopping after this step and saving a checkpoint", signum)
        self.stop = True

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _setup_distributed(device_pref: str):
    import torch
    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device_pref in ("auto", "cuda")
    if device_pref not in ("auto", "cuda", "cpu"):
        raise ValueError("device must be auto, cuda or cpu")
    if device_pref == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda but no GPU is available")
    device = torch.device(f"cuda:{local_rank}" if use_cuda else "cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    if dist.is_available() and dist.is_initialized():
        return device, dist.get_rank(), dist.get_world_size()
    return device, 0, 1


def _all_sum(values: list[float], world: int, device) -> list[float]:
    if world == 1:
        return values
    import torch
    import torch.distributed as dist

    t = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()


def _resolve_tokenizer(cfg: TrainConfig, resume_from: Path | None):
    from obelics.train.tokenizer import load_tokenizer

    if resume_from is not None:
        return load_tokenizer(tokenizer_dir(resume_from))
    if cfg.tokenizer:
        return load_tokenizer(cfg.tokenizer)
    if cfg.from_checkpoint:
        start = _start_weights(cfg.from_checkpoint)
        for cand in (tokenizer_dir(start), start.parent / "tokenizer"):
            if (cand / "tokenizer_config.json").exists() or (cand / "tokenizer.json").exists():
                return load_tokenizer(cand)
    raise ValueError("no tokenizer: pass --tokenizer PATH (train one with `obelics train-tokenizer`)")


def _start_weights(path: str) -> Path:
    """The folder ``--from-checkpoint`` names: weights, a checkpoint, or a run folder (its latest checkpoint)."""
    from obelics.train.checkpoint import resolve_checkpoint

    try:
        return resolve_checkpoint(path)
    except FileNotFoundError:
        raise ValueError(
            f"--from-checkpoint: no model at {path} (a save_pretrained folder, a checkpoint or a run)"
        ) from None


@dataclass
class _Run:
    """What the steps of a run share (built once by :func:`_start`)."""

    cfg: TrainConfig
    device: Any
    rank: int
    world: int
    tokenizer: Any
    model: Any  # the bare IdeficsForVisionText2Text
    wrapped: Any  # the module called for the forward pass (DDP / FSDP / the model itself)
    loader: Any
    optimizer: Any
    scheduler: Any
    use_bf16: bool
    image: dict[str, Any]  # size, mean, std (for the processor config)
    logger: Any = None
    step: int = 0
    tokens_seen: int = 0
    images_seen: int = 0
    resumed_from: Path | None = None

    @property
    def main(self) -> bool:
        return self.rank == 0

    def autocast(self):
        import torch

        return torch.autocast("cuda", dtype=torch.bfloat16) if self.use_bf16 else contextlib.nullcontext()


def _build_model(cfg: TrainConfig, tokenizer, resume_from: Path | None):
    """A fresh model of ``cfg.model``, or the weights to resume / start from, with freezing as asked."""
    from obelics.train.model import build_config, build_model, load_model

    if resume_from is not None:
        model = load_model(model_dir(resume_from), attention=cfg.attention)
    elif cfg.from_checkpoint:
        start = model_dir(_start_weights(cfg.from_checkpoint))
        model = load_model(start, vocab_size=tokenizer.vocab_size, attention=cfg.attention)
    else:
        config = build_config(
            cfg.model,
            tokenizer,
            freeze_text=cfg.freeze_text,
            freeze_vision=cfg.freeze_vision,
            max_position_embeddings=max(2048, cfg.max_seq_len),
            overrides=cfg.model_overrides,
        )
        return build_model(config, attention=cfg.attention)
    # freezing as asked (from_pretrained keeps the saved flags otherwise)
    model.config.freeze_text_layers, model.config.freeze_vision_layers = cfg.freeze_text, cfg.freeze_vision
    for p in model.parameters():
        p.requires_grad_(True)
    model.model.freeze_relevant_params(model.config)
    return model


def _prepare_model(model, cfg: TrainConfig, device) -> None:
    # IDEFICS reads the vision encoder's last hidden state: its post-layernorm never gets a gradient (DDP needs
    # every trainable parameter to take part in the loss).
    post_ln = getattr(model.model.vision_model, "post_layernorm", None)
    if post_ln is not None:
        post_ln.requires_grad_(False)
    model.to(device)
    model.config.use_cache = False
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()


def _wrap_parallel(model, cfg: TrainConfig, device, world: int):
    """DDP (or FSDP when ``cfg.fsdp``) over the ranks; the model itself on one process."""
    if cfg.fsdp:
        return _wrap_fsdp(model, device)
    if world == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel as DDP

    return DDP(model, device_ids=[device.index] if device.type == "cuda" else None)


def _wrap_fsdp(model, device):
    """FSDP2 (``fully_shard``): one unit per decoder, cross-attention and vision layer, then the rest.

    Rank 0's weights are broadcast first, so every rank starts from the same model. Works on
    CUDA (NCCL) and on CPU (gloo).
    """
    import torch
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from transformers.models.idefics.modeling_idefics import IdeficsDecoderLayer, IdeficsGatedCrossAttentionLayer
    from transformers.models.idefics.vision import IdeficsVisionEncoderLayer

    with torch.no_grad():
        for t in [*model.parameters(), *model.buffers()]:
            dist.broadcast(t.data, src=0)
    mesh = init_device_mesh(device.type, (dist.get_world_size(),))
    layers = (IdeficsDecoderLayer, IdeficsGatedCrossAttentionLayer, IdeficsVisionEncoderLayer)
    for module in list(model.modules()):
        if isinstance(module, layers):
            fully_shard(module, mesh=mesh)
    fully_shard(model, mesh=mesh)
    return model


def _build_loader(cfg: TrainConfig, tokenizer, model, rank: int, world: int):
    from obelics.train.collator import PackingCollator
    from obelics.train.data import PackedBatches, ResumableLoader
    from obelics.train.transforms import CLIP_MEAN, CLIP_STD

    image_size = cfg.image_size or int(model.config.vision_config.image_size)
    collator = PackingCollator(
        tokenizer,
        max_seq_len=cfg.max_seq_len,
        max_images=cfg.max_images,
        image_size=image_size,
        image_mean=tuple(cfg.image_mean or CLIP_MEAN),
        image_std=tuple(cfg.image_std or CLIP_STD),
        image_overflow=cfg.image_overflow,
        pad_images_to_max=cfg.pad_images_to_max,
        document_isolation=cfg.document_isolation,
        jpeg_draft=cfg.jpeg_draft,
    )
    dataset = PackedBatches(
        cfg.shards,
        collator,
        cfg.batch_size,
        seed=cfg.seed,
        shuffle_buffer=cfg.shuffle_buffer,
        pack_rows=cfg.pack_rows,
        rank=rank,
        world_size=world,
    )
    image = {"size": image_size, "mean": list(collator.image_mean), "std": list(collator.image_std)}
    return ResumableLoader(dataset, num_workers=cfg.workers), image


def _build_optimizer(cfg: TrainConfig, module):
    import torch

    optimizer = torch.optim.AdamW(
        param_groups(module, cfg.weight_decay), lr=cfg.lr, betas=tuple(cfg.betas), eps=cfg.eps
    )
    warmup = warmup_steps(cfg)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_lambda(s, warmup, cfg.steps, cfg.min_lr_ratio)
    )
    return optimizer, scheduler


def _restore(run: _Run, path: Path) -> None:
    """Optimizer, scheduler, counters, data position and RNG from ``path/trainer.pt``."""
    import torch

    state = torch.load(path / TRAINER_STATE, map_location="cpu", weights_only=False)
    sharded = state.get("optimizer_format") == "full"
    if sharded != run.cfg.fsdp:
        raise ValueError(f"checkpoint was written {'with' if sharded else 'without'} --fsdp; resume it the same way")
    if sharded:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

        set_optimizer_state_dict(
            run.wrapped, run.optimizer, state["optimizer"], options=StateDictOptions(full_state_dict=True)
        )
    else:
        run.optimizer.load_state_dict(state["optimizer"])
    run.scheduler.load_state_dict(state["scheduler"])
    run.step = int(state["step"])
    run.tokens_seen, run.images_seen = int(state.get("tokens_seen", 0)), int(state.get("images_seen", 0))
    if len(state["data"]) != run.world:
        raise ValueError(f"checkpoint was written with world size {len(state['data'])}, now {run.world}")
    run.loader.load_state_dict(state["data"][run.rank])
    set_rng_state(state["rng"][run.rank])
    run.resumed_from = path


def _start(cfg: TrainConfig) -> _Run:
    """Everything a run needs, resumed from ``OUTPUT/checkpoints/latest`` when there is one."""
    import torch

    if cfg.grad_accum < 1 or cfg.batch_size < 1 or cfg.steps < 1:
        raise ValueError("steps, batch size and gradient accumulation must be at least 1")
    if cfg.attention not in ("sdpa", "eager"):
        raise ValueError("attention must be sdpa or eager")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device, rank, world = _setup_distributed(cfg.device)
    if cfg.fsdp and world < 2:
        raise ValueError("--fsdp shards over several processes: launch with torchrun --nproc-per-node N (N > 1)")
    use_bf16 = cfg.precision == "bf16" or (cfg.precision == "auto" and device.type == "cuda")
    if use_bf16 and device.type != "cuda":
        raise ValueError("bf16 autocast is for GPUs; use --precision fp32 on CPU")
    out = Path(cfg.output)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    resume_from = latest_checkpoint(out) if cfg.resume else None
    seed_all(cfg.seed + rank)
    tokenizer = _resolve_tokenizer(cfg, resume_from)
    model = _build_model(cfg, tokenizer, resume_from)
    _prepare_model(model, cfg, device)
    wrapped = _wrap_parallel(model, cfg, device, world)
    loader, image = _build_loader(cfg, tokenizer, model, rank, world)
    optimizer, scheduler = _build_optimizer(cfg, wrapped if cfg.fsdp else model)
    run = _Run(cfg, device, rank, world, tokenizer, model, wrapped, loader, optimizer, scheduler, use_bf16, image)
    if resume_from is not None:
        _restore(run, resume_from)
    return run


def _announce(run: _Run) -> None:
    from obelics.train.model import count_parameters
    from obelics.train.tracking import MetricsLogger

    cfg, out = run.cfg, Path(run.cfg.output)
    _trim_log(out / "train_log.jsonl", run.step)
    (out / "train_config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
    run.logger = MetricsLogger(out, tensorboard=cfg.tensorboard, wandb_project=cfg.wandb_project, config=cfg.to_dict())
    n_params, n_trainable = count_parameters(run.model)
    source = "from checkpoint" if (cfg.from_checkpoint or run.resumed_from) else cfg.model
    print(
        f"obelics train: model {source} ({n_params / 1e6:.2f}M parameters, {n_trainable / 1e6:.2f}M trainable), "
        f"vocab {run.tokenizer.vocab_size}, world {run.world}{' fsdp' if cfg.fsdp else ''}, device {run.device}, "
        f"{'bf16' if run.use_bf16 else 'fp32'}, {cfg.attention} attention, documents "
        f"{'isolated' if cfg.document_isolation else 'not isolated'}, warmup {warmup_steps(cfg)}, "
        f"from step {run.step} to {cfg.steps}",
        file=sys.stderr,
    )
    if run.resumed_from is not None:
        log.info("resumed from %s at step %d", run.resumed_from, run.step)


@dataclass
class _StepResult:
    loss: float
    z_loss: float
    lr: float
    grad_norm: float | None
    tokens: float
    images: float


def _train_step(run: _Run, micro: list[dict[str, Any]]) -> _StepResult:
    """One optimizer step over the micro-batches (forward, backward, clip, update), summed over the ranks."""
    import torch

    from obelics.train.attention import attention_backend, model_inputs

    cfg, device, world = run.cfg, run.device, run.world
    fsdp = cfg.fsdp
    n_pred_local = float(sum(int((b["labels"][:, 1:] != -100).sum()) for b in micro))
    (n_pred,) = _all_sum([n_pred_local], world, device)
    n_pred = max(n_pred, 1.0)
    backend = attention_backend(run.model)
    nll_total = z_total = tokens = images = 0.0
    for j, b in enumerate(micro):
        sync = j == len(micro) - 1 or world == 1
        if fsdp:  # FSDP2: reduce-scatter gradients on the last micro-batch only
            run.wrapped.set_requires_gradient_sync(sync)
        with contextlib.nullcontext() if sync or fsdp else run.wrapped.no_sync():
            with run.autocast():
                logits = run.wrapped(**model_inputs(b, device, backend=backend)).logits
            nll, z, _ = lm_losses(logits, b["labels"])
            loss = (nll + cfg.z_loss * z) * (world / n_pred)
            loss.backward()
        nll_total += float(nll.detach())
        z_total += float(z.detach())
        tokens += float(b["attention_mask"].sum())
        images += float(b["num_images"].sum())
    grad_norm = None
    if cfg.grad_clip > 0:
        params = [p for p in run.model.parameters() if p.requires_grad]
        norm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        grad_norm = float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)  # a DTensor under FSDP
    lr = run.scheduler.get_last_lr()[0]
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    nll_g, z_g, tok_g, img_g = _all_sum([nll_total, z_total, tokens, images], world, device)
    return _StepResult(nll_g / n_pred, cfg.z_loss * z_g / n_pred, lr, grad_norm, tok_g, img_g)


def _log_step(run: _Run, r: _StepResult, tokens: float, images: float, seconds: float) -> None:
    """Write one record (JSONL, TensorBoard, W&B) and the progress line; ``tokens``/``images`` since the last."""
    dt = max(seconds, 1e-9)
    record = {
        "step": run.step,
        "loss": r.loss,
        "z_loss": r.z_loss,
        "lr": r.lr,
        "grad_norm": r.grad_norm,
        "tokens_per_s": tokens / dt,
        "images_per_s": images / dt,
        "real_token_share": run.loader.real_token_share,
        "tokens_seen": run.tokens_seen,
        "images_seen": run.images_seen,
        "time": time.time(),
    }
    run.logger.write(record)
    print(
        f"step {run.step}/{run.cfg.steps} loss {r.loss:.4f} z {r.z_loss:.2e} lr {r.lr:.2e} "
        f"tok/s {record['tokens_per_s']:.0f} img/s {record['images_per_s']:.1f} "
        f"fill {run.loader.real_token_share:.3f}",
        file=sys.stderr,
    )


def _should_stop(run: _Run, stopper: _Stopper) -> bool:
    stop_now = stopper.stop
    if run.world > 1:
        (flag,) = _all_sum([1.0 if stop_now else 0.0], run.world, run.device)
        stop_now = flag > 0
    return stop_now


def train(cfg: TrainConfig) -> dict[str, Any]:
    """Run (or resume) a training run; return a summary (steps done, losses logged)."""
    run = _start(cfg)
    if run.main:
        _announce(run)
    last_stop = min(cfg.steps, cfg.stop_at) if cfg.stop_at else cfg.steps
    losses: list[float] = []
    batches = iter(run.loader)
    t_last = time.perf_counter()
    since_log = [0.0, 0.0]  # tokens, images
    interrupted = False
    try:
        with _Stopper() as stopper:
            while run.step < last_stop:
                try:
                    micro = [next(batches) for _ in range(cfg.grad_accum)]
                except StopIteration:
                    raise RuntimeError(
                        f"rank {run.rank} has no training data (more ranks x workers than documents?)"
                    ) from None
                result = _train_step(run, micro)
                run.step += 1
                run.tokens_seen += int(result.tokens)
                run.images_seen += int(result.images)
                since_log[0] += result.tokens
                since_log[1] += result.images
                losses.append(result.loss)
                if not math.isfinite(result.loss):
                    raise FloatingPointError(f"loss is {result.loss} at step {run.step}")
                if run.step % cfg.log_every == 0 or run.step == last_stop:
                    now = time.perf_counter()
                    if run.main:
                        _log_step(run, result, since_log[0], since_log[1], now - t_last)
                    t_last, since_log = now, [0.0, 0.0]
                stop_now = _should_stop(run, stopper)
                if run.step % cfg.save_every == 0 or run.step == last_stop or stop_now:
                    _save(run)
                if stop_now:
                    interrupted = True
                    break
    finally:
        del batches
        if run.logger is not None:
            run.logger.close()
    if run.world > 1:
        import torch.distributed as dist

        dist.barrier()
    return {
        "step": run.step,
        "losses": losses,
        "interrupted": interrupted,
        "checkpoint": str(latest_checkpoint(cfg.output)) if run.main else None,
        "real_token_share": run.loader.real_token_share,
        "parameters": sum(p.numel() for p in run.model.parameters()),
    }


def _gather_states(run: _Run) -> tuple[list[Any], list[Any]]:
    """Every rank's data position and RNG state (on rank 0; collective)."""
    data_state, rng = run.loader.state_dict(), rng_state()
    if run.world == 1:
        return [data_state], [rng]
    import torch.distributed as dist

    gathered: list[Any] = [None] * run.world
    dist.all_gather_object(gathered, (data_state, rng))
    return [g[0] for g in gathered], [g[1] for g in gathered]


def _save(run: _Run) -> None:
    data_states, rngs = _gather_states(run)
    model_state = None
    if run.cfg.fsdp:  # full weights and optimizer state, gathered to CPU (collective)
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

        opts = StateDictOptions(full_state_dict=True, cpu_offload=True)
        model_state, optim_state = get_state_dict(run.wrapped, run.optimizer, options=opts)
        optimizer = {"optimizer": optim_state, "optimizer_format": "full"}
    else:
        optimizer = {"optimizer": run.optimizer.state_dict()}
    if run.main:
        path = save_checkpoint(
            run.cfg.output,
            run.step,
            run.model,
            run.tokenizer,
            {
                **optimizer,
                "scheduler": run.scheduler.state_dict(),
                "data": data_states,
                "rng": rngs,
                "tokens_seen": run.tokens_seen,
                "images_seen": run.images_seen,
                "config": run.cfg.to_dict(),
            },
            image=run.image,
            state_dict=model_state,
            keep=run.cfg.keep_checkpoints,
        )
        log.info("checkpoint %s", path)
    if run.world > 1:
        import torch.distributed as dist

        dist.barrier()


def _trim_log(path: Path, step: int) -> None:
    """Drop log lines after the resumed step (left by a run killed after its last checkpoint)."""
    if not path.exists():
        return
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    keep = [ln for ln in lines if json.loads(ln).get("step", 0) <= step]
    if len(keep) != len(lines):
        with atomic_open(path) as fh:
            fh.write("".join(ln + "\n" for ln in keep))


def read_log(output: str | os.PathLike) -> list[dict[str, Any]]:
    """The JSONL training log of a run."""
    path = Path(output) / "train_log.jsonl"
    if not path.exists():
        return []
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
