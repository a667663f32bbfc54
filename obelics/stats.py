"""Per-task counters, written as JSON beside each stage's output and merged into a summary."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from typing import Any


class Stats:
    """Counters for one task: plain counts, counts by reason, and fixed values."""

    def __init__(self, stage: str = "", task: str = "") -> None:
        self.stage = stage
        self.task = task
        self.counts: Counter[str] = Counter()
        self.reasons: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.values: dict[str, Any] = {}
        self._start = time.perf_counter()

    def inc(self, key: str, n: int | float = 1) -> None:
        self.counts[key] += n

    def reason(self, group: str, reason: str, n: int = 1) -> None:
        """Count an outcome under a group, e.g. ``reason("skipped", "truncated_record")``."""
        self.reasons[group][reason] += n

    def set(self, key: str, value: Any) -> None:
        self.values[key] = value

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"stage": self.stage, "task": self.task}
        d.update(dict(self.counts))
        for group, c in self.reasons.items():
            d[group] = dict(c)
        d.update(self.values)
        d["seconds"] = round(time.perf_counter() - self._start, 3)
        return d


def merge(stats: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum numbers (recursively through dicts) over task stats; keep the first of other values."""
    out: dict[str, Any] = {}
    for s in stats:
        _merge_into(out, s)
    out.pop("task", None)
    out["tasks"] = len(stats)
    return out


def _merge_into(out: dict[str, Any], s: dict[str, Any]) -> None:
    for k, v in s.items():
        if isinstance(v, bool) or not isinstance(v, (int, float, dict)):
            out.setdefault(k, v)
        elif isinstance(v, dict):
            sub = out.setdefault(k, {})
            if isinstance(sub, dict):
                _merge_into(sub, v)
        else:
            cur = out.get(k, 0)
            out[k] = (cur if isinstance(cur, (int, float)) else 0) + v


def format_summary(summary: dict[str, Any]) -> str:
    """A short human summary of a stage's merged stats."""
    parts = []
    for k, v in summary.items():
        if k in ("stage", "task") or isinstance(v, (list, str)) or v is None:
            continue
        if isinstance(v, dict):
            if v and all(isinstance(x, (int, float)) for x in v.values()):
                inner = ", ".join(f"{a}={b}" for a, b in sorted(v.items(), key=lambda kv: -kv[1]))
                parts.append(f"{k}: {inner}")
        else:
            parts.append(f"{k}={v}")
    return f"[{summary.get('stage', '')}] " + "; ".join(parts)
