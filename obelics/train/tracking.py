"""Where training metrics go: the JSONL log (always), TensorBoard and Weights & Biases (optional).

* ``OUTPUT/train_log.jsonl``: one JSON object per logged step (the record of truth; trimmed to
  the resumed step when a run resumes).
* ``OUTPUT/tensorboard/``: the same scalars as TensorBoard events (``tensorboard --logdir
  OUTPUT/tensorboard``), when the ``tensorboard`` package is installed (the ``train`` extra
  has it) and not turned off. A resumed run appends to the same folder; TensorBoard shows the
  newest value of a step written twice.
* W&B: only when asked for (``--wandb PROJECT``) and the ``wandb`` package is installed; the
  usual ``WANDB_*`` environment variables apply (``WANDB_MODE=offline`` for no network). The
  run id is kept in ``OUTPUT/wandb_run_id`` so a resumed run continues the same W&B run.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path
from typing import Any

log = logging.getLogger("obelics.train")

SCALARS = ("loss", "z_loss", "lr", "grad_norm", "tokens_per_s", "images_per_s", "real_token_share", "step_time_s")


def tensorboard_available() -> bool:
    try:
        import tensorboard  # noqa: F401
        from torch.utils.tensorboard import SummaryWriter  # noqa: F401
    except ImportError:
        return False
    return True


class MetricsLogger:
    """Writes each step's record to the JSONL log, and to TensorBoard / W&B when enabled."""

    def __init__(
        self,
        output: str | os.PathLike,
        *,
        tensorboard: bool = True,
        wandb_project: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.output = Path(output)
        self.jsonl = self.output / "train_log.jsonl"
        self.tb = None
        self.wandb = None
        if tensorboard:
            if tensorboard_available():
                from torch.utils.tensorboard import SummaryWriter

                self.tb = SummaryWriter(log_dir=str(self.output / "tensorboard"))
            else:
                log.warning("tensorboard is not installed: logging to train_log.jsonl only (pip install tensorboard)")
        if wandb_project:
            self.wandb = _start_wandb(self.output, wandb_project, config or {})

    def write(self, record: dict[str, Any]) -> None:
        with open(self.jsonl, "a") as fh:
            fh.write(json.dumps(record) + "\n")
        step = int(record["step"])
        scalars = {k: float(record[k]) for k in SCALARS if record.get(k) is not None}
        if self.tb is not None:
            for k, v in scalars.items():
                self.tb.add_scalar(f"train/{k}", v, step)
        if self.wandb is not None:
            self.wandb.log({f"train/{k}": v for k, v in scalars.items()}, step=step)

    def close(self) -> None:
        if self.tb is not None:
            self.tb.flush()
            self.tb.close()
            self.tb = None
        if self.wandb is not None:
            self.wandb.finish()
            self.wandb = None


def _start_wandb(output: Path, project: str, config: dict[str, Any]):
    try:
        import wandb
    except ImportError:
        raise ValueError("--wandb needs the wandb package (pip install wandb)") from None
    id_file = output / "wandb_run_id"
    run_id = id_file.read_text().strip() if id_file.exists() else uuid.uuid4().hex[:12]
    id_file.write_text(run_id + "\n")
    return wandb.init(project=project, id=run_id, resume="allow", dir=str(output), config=config)
