"""Training step throughput: tokens/s, images/s, step time, peak memory (and MFU on a GPU), same run.

For a named model size on a device, the same packed batches are trained with document
isolation off (the baseline: 2-D mask, positions running on) and on (block-diagonal 4-D mask,
restarted positions), each from the same fresh initialisation: forward, backward, gradient
clipping and an AdamW step, as :mod:`obelics.train.loop` does. On CPU the two configurations
alternate step by step (a shared machine's load then hits both alike); on CUDA they run one
after the other (so each has its own peak memory). Data loading is not timed here
(``bench/packing.py`` measures the collator): the batches are collated before the clock starts.

Documents: random words from a small vocabulary, token lengths log-normal around 40% of a row,
1-3 images each (noise JPEGs at the model's image size), packed first-fit into full rows.

Figures per configuration: median step time, tokens/s (real, non-padding tokens), images/s,
peak memory (CUDA: ``max_memory_allocated``; CPU: the process's peak RSS, which only grows
across configurations), and on CUDA the model FLOPs utilisation: an estimate of the training
FLOPs (6 x parameters x tokens for the decoder, cross-attention and vision tower, plus the
attention score matmuls) per second over the GPU's dense bf16 peak (``--peak-tflops``, else
looked up from the device name: H100/H200 989, A100 312, L40S 362, A10 125).

Usage::

    python bench/train.py --size tiny --device cpu                    # CI-sized, seconds
    python bench/train.py --size 1b --device cuda --seq-len 1024 --batch-size 8 --precision bf16
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = (
    "the a of and to in is was for on that with as by it at from this be are or an which image photo picture "
    "garden house river city mountain road car boat tree flower bird cat dog people market church bridge museum "
    "street beach sky cloud summer winter old new small large red green blue light dark north south east west"
).split()

PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0, "L40S": 362.0, "A10": 125.0, "4090": 165.0}


def noise_jpegs(n: int, size: int, rng: random.Random) -> list[bytes]:
    import numpy as np
    from PIL import Image

    out = []
    for _ in range(n):
        arr = np.random.default_rng(rng.randrange(1 << 30)).integers(0, 255, (size, size, 3), dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, format="JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def make_documents(n: int, seq_len: int, image_size: int, seed: int = 0):
    from obelics.document import Document, Node, image_metadata

    rng = random.Random(seed)
    images = noise_jpegs(8, image_size, rng)
    docs = []
    for d in range(n):
        n_words = max(6, int(rng.lognormvariate(math.log(0.4 * seq_len / 1.3), 0.6)))
        k = rng.randint(1, 3)
        cuts = sorted(rng.sample(range(1, n_words), min(k, n_words - 1)))
        bounds = [0, *cuts, n_words]
        nodes = []
        for j in range(len(bounds) - 1):
            nodes.append(Node(text=" ".join(rng.choice(WORDS) for _ in range(bounds[j + 1] - bounds[j])) + "."))
            if j < k:
                url = f"https://img.example.com/{d}/{j}.jpg"
                nodes.append(Node(image=url, meta=image_metadata(url), data=images[rng.randrange(len(images))]))
        docs.append(Document.from_nodes(nodes, {"url": f"https://example.com/{d}"}))
    return docs


def make_batches(tok, docs, args, image_size: int, isolate: bool, n_batches: int) -> list[dict]:
    from obelics.train.collator import PackingCollator

    c = PackingCollator(
        tok,
        max_seq_len=args.seq_len,
        max_images=args.max_images,
        image_size=image_size,
        document_isolation=isolate,
    )
    rows = c.pack(c.encode(docs))
    rows.sort(key=lambda r: -sum(s.n_tokens for s in r))  # the fullest rows, as training keeps them
    need = n_batches * args.batch_size
    if len(rows) < need:
        raise SystemExit(f"only {len(rows)} rows from {len(docs)} documents; need {need} (raise --docs)")
    return [c.collate(rows[i * args.batch_size : (i + 1) * args.batch_size]) for i in range(n_batches)]


def training_flops(model, tokens: float, images: float, seq_len: int) -> float:
    """Approximate FLOPs of one training step (forward + backward = 3 x forward)."""
    cfg = model.config
    vision = sum(p.numel() for p in model.model.vision_model.parameters())
    text = sum(p.numel() for p in model.parameters()) - vision
    v = cfg.vision_config
    patches = (v.image_size // v.patch_size) ** 2 + 1
    attn = 2 * 2 * cfg.num_hidden_layers * cfg.hidden_size * seq_len * tokens  # QK^T and AV, full square
    return 3 * (2 * text * tokens + 2 * vision * patches * images + attn)


def peak_tflops(device_name: str, override: float | None) -> float | None:
    if override:
        return override
    for key, value in PEAK_BF16_TFLOPS.items():
        if key in device_name:
            return value
    return None


class BenchRun:
    """One configuration: a fresh model (same seed), its optimizer and its pre-collated batches."""

    def __init__(self, args, tok, docs, isolate: bool, device, use_bf16: bool) -> None:
        import torch

        from obelics.train.attention import attention_backend
        from obelics.train.loop import param_groups
        from obelics.train.model import build_config, build_model

        torch.manual_seed(0)
        overrides = {"vocab_size": args.vocab_size} if args.vocab_size else {}
        config = build_config(args.size, tok, max_position_embeddings=max(2048, args.seq_len), overrides=overrides)
        self.model = build_model(config, attention=args.attention).to(device)
        if args.gradient_checkpointing:
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        self.model.config.use_cache = False
        self.model.train()
        image_size = int(config.vision_config.image_size)
        self.batches = make_batches(tok, docs, args, image_size, isolate, args.warmup + args.steps)
        self.optimizer = torch.optim.AdamW(param_groups(self.model, 0.1), lr=1e-4, fused=device.type == "cuda")
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.backend = attention_backend(self.model)
        self.args, self.isolate, self.device, self.use_bf16 = args, isolate, device, use_bf16
        self.times: list[float] = []
        self.losses: list[float] = []
        self.tokens = self.images = 0.0
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)

    def step(self, i: int) -> None:
        import contextlib

        import torch

        from obelics.train.attention import model_inputs
        from obelics.train.loop import lm_losses

        b, cuda = self.batches[i], self.device.type == "cuda"
        if cuda:
            torch.cuda.synchronize(self.device)
        t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16) if self.use_bf16 else contextlib.nullcontext():
            logits = self.model(**model_inputs(b, self.device, backend=self.backend)).logits
        nll, z, n = lm_losses(logits, b["labels"])
        loss = (nll + 1e-3 * z) / n.clamp(min=1)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        value = float(loss.detach())  # waits for the step
        if cuda:
            torch.cuda.synchronize(self.device)
        if i >= self.args.warmup:
            self.times.append(time.perf_counter() - t0)
            self.tokens += float(b["attention_mask"].sum())
            self.images += float(b["num_images"].sum())
            self.losses.append(value)

    def result(self) -> dict:
        import resource

        import torch

        total = sum(self.times)
        out = {
            "isolation": self.isolate,
            "step_time_s_median": round(statistics.median(self.times), 4),
            "tokens_per_s": round(self.tokens / total, 1),
            "images_per_s": round(self.images / total, 2),
            "real_tokens_per_step": round(self.tokens / len(self.times), 1),
            "loss_last": round(self.losses[-1], 4),
            "parameters": sum(p.numel() for p in self.model.parameters()),
        }
        if self.device.type == "cuda":
            out["peak_memory_gib"] = round(torch.cuda.max_memory_allocated(self.device) / 2**30, 2)
            name = torch.cuda.get_device_name(self.device)
            peak = peak_tflops(name, self.args.peak_tflops)
            flops = training_flops(self.model, self.tokens, self.images, self.args.seq_len) / total
            out["model_tflops_per_s"] = round(flops / 1e12, 2)
            out["mfu"] = round(flops / (peak * 1e12), 4) if peak else None
            out["device_name"] = name
        else:
            out["peak_rss_gib_process"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)
        return out

    def close(self) -> None:
        del self.model, self.optimizer, self.params


def run_configs(args, tok, docs, configs, device, use_bf16: bool) -> list[dict]:
    """Sequentially (clean peak memory; the GPU default) or step by step in turn (fair on a shared CPU)."""
    n = args.warmup + args.steps
    if not args.interleave:
        results = []
        for iso in configs:
            run = BenchRun(args, tok, docs, iso, device, use_bf16)
            for i in range(n):
                run.step(i)
            results.append(run.result())
            run.close()
            if device.type == "cuda":
                import torch

                torch.cuda.empty_cache()
        return results
    runs = [BenchRun(args, tok, docs, iso, device, use_bf16) for iso in configs]
    for i in range(n):
        for run in runs:
            run.step(i)
    return [run.result() for run in runs]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="tiny", choices=("tiny", "small", "base", "1b", "9b"))
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--precision", default="auto", choices=("auto", "bf16", "fp32"), help="auto: bf16 on CUDA")
    ap.add_argument("--attention", default="sdpa", choices=("sdpa", "eager"))
    ap.add_argument("--seq-len", type=int, default=None, help="tokens per row (default 256 on CPU, 1024 on CUDA)")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--max-images", type=int, default=8)
    ap.add_argument("--vocab-size", type=int, help="embedding rows (default 32000 as IDEFICS; tiny: the tokenizer's)")
    ap.add_argument("--steps", type=int, default=10, help="timed steps per configuration")
    ap.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    ap.add_argument("--isolation", default="both", choices=("both", "on", "off"))
    ap.add_argument("--gradient-checkpointing", action="store_true")
    ap.add_argument(
        "--interleave",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="alternate the configurations step by step (default on CPU, where load varies; off on CUDA)",
    )
    ap.add_argument("--threads", type=int, help="torch CPU threads")
    ap.add_argument("--peak-tflops", type=float, help="the GPU's dense bf16 peak, for MFU")
    ap.add_argument("--docs", type=int, help="documents to pack (default: enough for the steps)")
    ap.add_argument("--out", help="also write the figures to this JSON file")
    args = ap.parse_args()

    import torch

    from obelics.train.tokenizer import train_bpe

    if args.threads:
        torch.set_num_threads(args.threads)
    cuda = torch.cuda.is_available() and args.device in ("auto", "cuda")
    if args.device == "cuda" and not cuda:
        raise SystemExit("--device cuda but no GPU is available")
    device = torch.device("cuda" if cuda else "cpu")
    use_bf16 = args.precision == "bf16" or (args.precision == "auto" and cuda)
    if use_bf16 and not cuda:
        raise SystemExit("bf16 autocast is for GPUs; use --precision fp32 on CPU")
    args.seq_len = args.seq_len or (1024 if cuda else 256)
    args.interleave = (not cuda) if args.interleave is None else args.interleave
    if args.vocab_size is None and args.size != "tiny":
        args.vocab_size = 32000
    rng = random.Random(1)
    tok = train_bpe((" ".join(rng.choice(WORDS) for _ in range(30)) for _ in range(400)), vocab_size=400)
    if args.vocab_size is not None and args.vocab_size < tok.vocab_size:
        raise SystemExit(f"--vocab-size must be at least {tok.vocab_size}")
    from obelics.train.model import MODEL_SIZES

    image_size = MODEL_SIZES[args.size]["vision"]["image_size"]
    n_docs = args.docs or int(2.6 * args.batch_size * (args.steps + args.warmup)) + 8
    docs = make_documents(n_docs, args.seq_len, image_size)
    configs = {"both": (False, True), "on": (True,), "off": (False,)}[args.isolation]
    result = {
        "size": args.size,
        "device": str(device),
        "precision": "bf16" if use_bf16 else "fp32",
        "attention": args.attention,
        "seq_len": args.seq_len,
        "batch_size": args.batch_size,
        "steps": args.steps,
        "torch": torch.__version__,
        "interleaved": args.interleave,
        "runs": run_configs(args, tok, docs, configs, device, use_bf16),
    }
    if len(result["runs"]) == 2:
        off, on = result["runs"]
        result["isolation_on_vs_off"] = {
            "tokens_per_s_ratio": round(on["tokens_per_s"] / off["tokens_per_s"], 3),
            "step_time_ratio": round(on["step_time_s_median"] / off["step_time_s_median"], 3),
        }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
