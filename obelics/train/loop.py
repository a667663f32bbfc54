"""The training loop: IDEFICS on packed batches from WebDataset shards.

Recipe: AdamW (0.9, 0.999), weight decay 0.1 (not on biases, norms and embeddings), gradient
clipping at 1.0, z-loss ``coef * mean(logsumexp(logits)^2)`` over the predicted tokens (1e-3),
linear warmup then linear decay, gradient accumulation, bf16 autocast on GPU (fp32 weights),
optional gradient checkpointing. The loss is the mean next-token cross-entropy over every
predicted token of the optimizer step (all micro-batches, all ranks: token-weighted).

Checkpoints (``OUTPUT/checkpoints/step-NNNNNNNN``: ``model/`` in ``save_pretrained`` layout,
``tokenizer/``, ``trainer.pt`` with optimizer, scheduler, step, every rank's RNG and data
position) are written to a temporary folder and renamed; ``OUTPUT/checkpoints/latest`` names
the newest. Rerunning the same command resumes from it: the next batches, and so the next
losses, are those the run would have seen without the stop.

Multi-GPU: launched with ``torchrun`` (``WORLD_SIZE`` > 1) the loop joins the process group
(NCCL on GPU, gloo on CPU), wraps the model in DDP and gives each rank its own share of the
shards through the reader's rank split.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import shutil
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from obelics.io.atomic import atomic_open

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
    warmup_steps: int = 100
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
    seed: int = 0
    workers: int = 2  # DataLoader worker processes per rank
    shuffle_buffer: int = 500
    pack_rows: int | None = None
    save_every: int = 500
    keep_checkpoints: int = 2
    log_every: int = 1
    gradient_checkpointing: bool = False
    precision: str = "auto"  # auto (bf16 on GPU, fp32 on CPU) | bf16 | fp32
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


# ---- checkpoints -------------------------------------------------------------
def checkpoint_dir(output: str | os.PathLike) -> Path:
    return Path(output) / "checkpoints"


def latest_checkpoint(output: str | os.PathLike) -> Path | None:
    """The checkpoint named by ``OUTPUT/checkpoints/latest``, if complete."""
    pointer = checkpoint_dir(output) / "latest"
    if not pointer.exists():
        return None
    path = checkpoint_dir(output) / pointer.read_text().strip()
    return path if (path / "trainer.pt").exists() else None


def save_checkpoint(
    output: str,
    step: int,
    model,
    tokenizer,
    optimizer,
    scheduler,
    extra: dict[str, Any],
    keep: int = 2,
) -> Path:
    """Write a checkpoint atomically (temp folder, rename, then the ``latest`` pointer)."""
    import torch

    root = checkpoint_dir(output)
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{step:08d}"
    final = root / name
    tmp = root / f".tmp-{name}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    model.save_pretrained(tmp / "model")
    tokenizer.save(tmp / "tokenizer")
    torch.save(
        {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(), "step": step, **extra},
        tmp / "trainer.pt",
    )
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    with atomic_open(root / "latest") as fh:
        fh.write(name + "\n")
    done = sorted(p for p in root.glob("step-*") if p.is_dir() and p != final)
    for old in done[: max(0, len(done) - (keep - 1))] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


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
        return load_tokenizer(resume_from / "tokenizer")
    if cfg.tokenizer:
        return load_tokenizer(cfg.tokenizer)
    if cfg.from_checkpoint:
        for cand in (Path(cfg.from_checkpoint) / "tokenizer", Path(cfg.from_checkpoint).parent / "tokenizer"):
            if (cand / "tokenizer_config.json").exists() or (cand / "tokenizer.json").exists():
                return load_tokenizer(cand)
        if (Path(cfg.from_checkpoint) / "tokenizer.json").exists():
            return load_tokenizer(cfg.from_checkpoint)
    raise ValueError("no tokenizer: pass --tokenizer PATH (train one with `obelics train-tokenizer`)")


def _model_dir(path: str | Path) -> Path:
    p = Path(path)
    return p / "model" if (p / "model" / "config.json").exists() else p


def train(cfg: TrainConfig) -> dict[str, Any]:
    """Run (or resume) a training run; return a summary (steps done, losses logged)."""
    import torch

    from obelics.train.collator import PackingCollator
    from obelics.train.data import PackedBatches, ResumableLoader
    from obelics.train.model import build_config, build_model, count_parameters, load_model
    from obelics.train.transforms import CLIP_MEAN, CLIP_STD

    if cfg.grad_accum < 1 or cfg.batch_size < 1 or cfg.steps < 1:
        raise ValueError("steps, batch size and gradient accumulation must be at least 1")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    device, rank, world = _setup_distributed(cfg.device)
    main = rank == 0
    out = Path(cfg.output)
    if main:
        out.mkdir(parents=True, exist_ok=True)
    resume_from = latest_checkpoint(out) if cfg.resume else None
    seed_all(cfg.seed + rank)

    tokenizer = _resolve_tokenizer(cfg, resume_from)
    if resume_from is not None:
        model = load_model(resume_from / "model")
    elif cfg.from_checkpoint:
        model = load_model(_model_dir(cfg.from_checkpoint), vocab_size=tokenizer.vocab_size)
    else:
        config = build_config(
            cfg.model,
            tokenizer,
            freeze_text=cfg.freeze_text,
            freeze_vision=cfg.freeze_vision,
            max_position_embeddings=max(2048, cfg.max_seq_len),
            overrides=cfg.model_overrides,
        )
        model = build_model(config)
    if cfg.from_checkpoint or resume_from is not None:
        # freezing as asked (from_pretrained keeps the saved flags otherwise)
        model.config.freeze_text_layers, model.config.freeze_vision_layers = cfg.freeze_text, cfg.freeze_vision
        for p in model.parameters():
            p.requires_grad_(True)
        model.model.freeze_relevant_params(model.config)
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
    n_params, n_trainable = count_parameters(model)

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
    loader = ResumableLoader(dataset, num_workers=cfg.workers)

    optimizer = torch.optim.AdamW(param_groups(model, cfg.weight_decay), lr=cfg.lr, betas=tuple(cfg.betas), eps=cfg.eps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_lambda(s, cfg.warmup_steps, cfg.steps, cfg.min_lr_ratio)
    )
    step = 0
    tokens_seen = images_seen = 0
    if resume_from is not None:
        state = torch.load(resume_from / "trainer.pt", map_location="cpu", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step = int(state["step"])
        tokens_seen, images_seen = int(state.get("tokens_seen", 0)), int(state.get("images_seen", 0))
        if len(state["data"]) != world:
            raise ValueError(f"checkpoint was written with world size {len(state['data'])}, now {world}")
        loader.load_state_dict(state["data"][rank])
        set_rng_state(state["rng"][rank])
        if main:
            log.info("resumed from %s at step %d", resume_from, step)

    ddp_model = model
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP

        ddp_model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)

    use_bf16 = cfg.precision == "bf16" or (cfg.precision == "auto" and device.type == "cuda")
    if use_bf16 and device.type != "cuda":
        raise ValueError("bf16 autocast is for GPUs; use --precision fp32 on CPU")
    autocast = (
        (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if use_bf16 else (lambda: contextlib.nullcontext())
    )

    log_path = out / "train_log.jsonl"
    if main:
        _trim_log(log_path, step)
        (out / "train_config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
        print(
            f"obelics train: model {cfg.model if not (cfg.from_checkpoint or resume_from) else 'from checkpoint'} "
            f"({n_params / 1e6:.2f}M parameters, {n_trainable / 1e6:.2f}M trainable), vocab {tokenizer.vocab_size}, "
            f"world {world}, device {device}, {'bf16' if use_bf16 else 'fp32'}, from step {step} to {cfg.steps}",
            file=sys.stderr,
        )

    last_stop = min(cfg.steps, cfg.stop_at) if cfg.stop_at else cfg.steps
    losses: list[float] = []
    batches = iter(loader)
    t_last = time.perf_counter()
    acc = {"tokens": 0.0, "images": 0.0}
    interrupted = False
    params = [p for p in model.parameters() if p.requires_grad]
    with _Stopper() as stopper:
        while step < last_stop:
            try:
                micro = [next(batches) for _ in range(cfg.grad_accum)]
            except StopIteration:
                raise RuntimeError(f"rank {rank} has no training data (more ranks x workers than documents?)") from None
            n_pred_local = float(sum(int((b["labels"][:, 1:] != -100).sum()) for b in micro))
            (n_pred,) = _all_sum([n_pred_local], world, device)
            n_pred = max(n_pred, 1.0)
            nll_total = z_total = 0.0
            for j, b in enumerate(micro):
                sync = j == len(micro) - 1 or world == 1
                ctx = contextlib.nullcontext() if sync else ddp_model.no_sync()
                with ctx:
                    with autocast():
                        logits = ddp_model(
                            input_ids=b["input_ids"].to(device),
                            attention_mask=b["attention_mask"].to(device),
                            pixel_values=b["pixel_values"].to(device),
                            image_attention_mask=b["image_attention_mask"].to(device),
                            use_cache=False,
                        ).logits
                    nll, z, _ = lm_losses(logits, b["labels"])
                    loss = (nll + cfg.z_loss * z) * (world / n_pred)
                    loss.backward()
                nll_total += float(nll.detach())
                z_total += float(z.detach())
                acc["tokens"] += float(b["attention_mask"].sum())
                acc["images"] += float(b["num_images"].sum())
            grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip) if cfg.grad_clip > 0 else None
            lr = scheduler.get_last_lr()[0]
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            nll_g, z_g, tok_g, img_g = _all_sum([nll_total, z_total, acc["tokens"], acc["images"]], world, device)
            tokens_seen += int(tok_g)
            images_seen += int(img_g)
            loss_value = nll_g / n_pred
            losses.append(loss_value)
            if not math.isfinite(loss_value):
                raise FloatingPointError(f"loss is {loss_value} at step {step}")
            if main and (step % cfg.log_every == 0 or step == last_stop):
                now = time.perf_counter()
                dt = max(now - t_last, 1e-9)
                record = {
                    "step": step,
                    "loss": loss_value,
                    "z_loss": cfg.z_loss * z_g / n_pred,
                    "lr": lr,
                    "grad_norm": None if grad_norm is None else float(grad_norm),
                    "tokens_per_s": tok_g / dt,
                    "images_per_s": img_g / dt,
                    "real_token_share": loader.real_token_share,
                    "tokens_seen": tokens_seen,
                    "images_seen": images_seen,
                    "time": time.time(),
                }
                with open(log_path, "a") as fh:
                    fh.write(json.dumps(record) + "\n")
                print(
                    f"step {step}/{cfg.steps} loss {loss_value:.4f} z {record['z_loss']:.2e} lr {lr:.2e} "
                    f"tok/s {record['tokens_per_s']:.0f} img/s {record['images_per_s']:.1f} "
                    f"fill {loader.real_token_share:.3f}",
                    file=sys.stderr,
                )
                t_last = now
                acc = {"tokens": 0.0, "images": 0.0}
            elif not main:
                acc = {"tokens": 0.0, "images": 0.0}
            stop_now = stopper.stop
            if world > 1:
                (flag,) = _all_sum([1.0 if stop_now else 0.0], world, device)
                stop_now = flag > 0
            if step % cfg.save_every == 0 or step == last_stop or stop_now:
                _save(cfg, step, model, tokenizer, optimizer, scheduler, loader, tokens_seen, images_seen, rank, world)
            if stop_now:
                interrupted = True
                break
    del batches
    if world > 1:
        import torch.distributed as dist

        dist.barrier()
    return {
        "step": step,
        "losses": losses,
        "interrupted": interrupted,
        "checkpoint": str(latest_checkpoint(out)) if main else None,
        "real_token_share": loader.real_token_share,
        "parameters": n_params,
    }


def _save(cfg, step, model, tokenizer, optimizer, scheduler, loader, tokens_seen, images_seen, rank, world) -> None:
    data_state, rng = loader.state_dict(), rng_state()
    if world > 1:
        import torch.distributed as dist

        gathered: list[Any] = [None] * world
        dist.all_gather_object(gathered, (data_state, rng))
        data_states, rngs = [g[0] for g in gathered], [g[1] for g in gathered]
    else:
        data_states, rngs = [data_state], [rng]
    if rank == 0:
        path = save_checkpoint(
            cfg.output,
            step,
            model,
            tokenizer,
            optimizer,
            scheduler,
            {
                "data": data_states,
                "rng": rngs,
                "tokens_seen": tokens_seen,
                "images_seen": images_seen,
                "config": cfg.to_dict(),
            },
            keep=cfg.keep_checkpoints,
        )
        log.info("checkpoint %s", path)
    if world > 1:
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
