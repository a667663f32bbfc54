"""``obelics train``: train an IDEFICS-style model on WebDataset shards."""

from __future__ import annotations

import argparse
import json

from obelics.commands._common import UsageError, add_input_options, resolve_inputs

HELP = "train an IDEFICS-style model (tiny .. 9b) on WebDataset shards; rerun to resume"

SIZES = ("tiny", "small", "base", "1b", "9b")


def _floats(text: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"want three comma-separated numbers, got {text!r}") from None
    if len(vals) != 3:
        raise argparse.ArgumentTypeError(f"want three comma-separated numbers, got {text!r}")
    return vals


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_options(p, what="WebDataset .tar shards or folders of them")
    p.add_argument("--output", "-o", required=True, help="run folder: checkpoints/, train_log.jsonl, train_config.json")
    m = p.add_argument_group("model")
    m.add_argument("--model", default="tiny", choices=SIZES, help="named model size (default tiny)")
    m.add_argument("--tokenizer", help="local tokenizer: a tokenizer.json file or a transformers tokenizer folder")
    m.add_argument(
        "--from-checkpoint",
        help="start from these weights (a save_pretrained folder, a checkpoint, or a run folder: its latest)",
    )
    m.add_argument(
        "--model-config", default="{}", help="JSON overrides of the IdeficsConfig, e.g. '{\"dropout\": 0.1}'"
    )
    m.add_argument("--freeze-text", action="store_true", help="freeze the text decoder (fine-tuning a pretrained one)")
    m.add_argument("--freeze-vision", action="store_true", help="freeze the vision encoder")
    m.add_argument("--gradient-checkpointing", action="store_true", help="recompute activations to save memory")
    m.add_argument(
        "--attention",
        default="sdpa",
        choices=("sdpa", "eager"),
        help="attention kernel: sdpa (PyTorch scaled_dot_product_attention, memory-efficient on CUDA) or eager",
    )
    o = p.add_argument_group("optimisation")
    o.add_argument("--steps", type=int, default=1000, help="optimizer steps of the schedule (default 1000)")
    o.add_argument("--stop-at", type=int, help="stop after this step with a checkpoint (rerun to continue)")
    o.add_argument("--batch-size", type=int, default=8, help="rows per micro-batch per GPU/process (default 8)")
    o.add_argument("--grad-accum", type=int, default=1, help="micro-batches per optimizer step (default 1)")
    o.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (default 1e-4)")
    o.add_argument(
        "--warmup-steps", type=int, help="linear warmup steps (default: --warmup-ratio of --steps, at most 1000)"
    )
    o.add_argument(
        "--warmup-ratio", type=float, default=0.05, help="warmup as a fraction of --steps when no --warmup-steps"
    )
    o.add_argument("--min-lr-ratio", type=float, default=0.0, help="final LR as a fraction of the peak (default 0)")
    o.add_argument("--weight-decay", type=float, default=0.1)
    o.add_argument("--grad-clip", type=float, default=1.0, help="gradient norm clip (0: off)")
    o.add_argument("--z-loss", type=float, default=1e-3, help="z-loss coefficient (default 1e-3)")
    o.add_argument("--precision", default="auto", choices=("auto", "bf16", "fp32"), help="auto: bf16 on GPU")
    o.add_argument("--device", default="auto", choices=("auto", "cuda", "cpu"))
    o.add_argument(
        "--fsdp",
        action="store_true",
        help="shard weights, gradients and optimizer state over the torchrun ranks (sizes that do not fit one GPU)",
    )
    o.add_argument("--seed", type=int, default=0)
    o.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    d = p.add_argument_group("data")
    d.add_argument("--max-seq-len", type=int, default=1024, help="tokens per row (default 1024)")
    d.add_argument("--max-images", type=int, default=8, help="images per row (default 8)")
    d.add_argument("--image-size", type=int, help="image side in pixels (default: the model's)")
    d.add_argument("--image-mean", type=_floats, help="R,G,B normalisation mean (default CLIP's)")
    d.add_argument("--image-std", type=_floats, help="R,G,B normalisation std (default CLIP's)")
    d.add_argument(
        "--image-overflow",
        default="split",
        choices=("split", "drop"),
        help="a document with more images than --max-images: split into windows, or drop the extra images",
    )
    d.add_argument(
        "--trim-image-slots",
        action="store_true",
        help="size pixel_values to the batch's largest image count instead of --max-images (less vision compute)",
    )
    d.add_argument(
        "--no-document-isolation",
        action="store_true",
        help="let packed documents attend to each other, positions running on (the original IDEFICS recipe)",
    )
    d.add_argument(
        "--no-jpeg-draft",
        action="store_true",
        help="decode JPEGs at full size before resizing (slower; pixels as the reference processor)",
    )
    d.add_argument("--workers", type=int, default=2, help="data loader processes per GPU/process (default 2)")
    d.add_argument("--shuffle-buffer", type=int, default=500, help="documents in the shuffle buffer (default 500)")
    d.add_argument("--pack-rows", type=int, help="rows packed together (default max(32, 4 x batch size))")
    c = p.add_argument_group("checkpoints and logs")
    c.add_argument("--save-every", type=int, default=500, help="checkpoint every N steps (default 500)")
    c.add_argument("--keep-checkpoints", type=int, default=2, help="checkpoints kept (default 2)")
    c.add_argument("--log-every", type=int, default=1, help="log every N steps (default 1)")
    c.add_argument("--no-resume", action="store_true", help="ignore checkpoints already in --output")
    c.add_argument("--no-tensorboard", action="store_true", help="no TensorBoard events in OUTPUT/tensorboard/")
    c.add_argument("--wandb", metavar="PROJECT", help="also log to this Weights & Biases project (needs wandb)")


def main(args: argparse.Namespace) -> int:
    shards = resolve_inputs(args, suffixes=(".tar",))
    try:
        overrides = json.loads(args.model_config)
    except json.JSONDecodeError as e:
        raise UsageError(f"--model-config is not JSON: {e}") from None
    if not isinstance(overrides, dict):
        raise UsageError("--model-config must be a JSON object")
    for name in ("steps", "batch_size", "grad_accum", "max_images", "save_every", "log_every"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.max_seq_len < 8:
        raise UsageError("--max-seq-len must be at least 8")
    if args.warmup_steps is not None and args.warmup_steps < 0:
        raise UsageError("--warmup-steps must be at least 0")
    if not 0 <= args.warmup_ratio < 1:
        raise UsageError("--warmup-ratio must be in [0, 1)")
    from obelics.train.loop import TrainConfig, train
    from obelics.train.tokenizer import TokenizerError

    cfg = TrainConfig(
        shards=shards,
        output=args.output,
        model=args.model,
        tokenizer=args.tokenizer,
        from_checkpoint=args.from_checkpoint,
        steps=args.steps,
        stop_at=args.stop_at,
        batch_size=args.batch_size,
        grad_accum=args.grad_accum,
        lr=args.lr,
        min_lr_ratio=args.min_lr_ratio,
        warmup_steps=args.warmup_steps,
        warmup_ratio=args.warmup_ratio,
        weight_decay=args.weight_decay,
        grad_clip=args.grad_clip,
        z_loss=args.z_loss,
        max_seq_len=args.max_seq_len,
        max_images=args.max_images,
        image_size=args.image_size,
        image_mean=args.image_mean,
        image_std=args.image_std,
        image_overflow=args.image_overflow,
        pad_images_to_max=not args.trim_image_slots,
        document_isolation=not args.no_document_isolation,
        jpeg_draft=not args.no_jpeg_draft,
        seed=args.seed,
        workers=args.workers,
        shuffle_buffer=args.shuffle_buffer,
        pack_rows=args.pack_rows,
        save_every=args.save_every,
        keep_checkpoints=args.keep_checkpoints,
        log_every=args.log_every,
        tensorboard=not args.no_tensorboard,
        wandb_project=args.wandb,
        gradient_checkpointing=args.gradient_checkpointing,
        precision=args.precision,
        attention=args.attention,
        fsdp=args.fsdp,
        device=args.device,
        threads=args.threads,
        resume=not args.no_resume,
        freeze_text=args.freeze_text,
        freeze_vision=args.freeze_vision,
        model_overrides=overrides,
    )
    try:
        summary = train(cfg)
    except TokenizerError as e:
        raise UsageError(str(e)) from None
    except ValueError as e:
        if any(
            w in str(e)
            for w in ("tokenizer", "world size", "workers", "bf16", "--wandb", "--fsdp", "--from-checkpoint")
        ):
            raise UsageError(str(e)) from None
        raise
    if summary.get("checkpoint"):
        state = "stopped" if summary["interrupted"] or summary["step"] < cfg.steps else "done"
        print(f"obelics train: {state} at step {summary['step']}; checkpoint {summary['checkpoint']}")
    return 0
