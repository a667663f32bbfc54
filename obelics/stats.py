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


def _round(v: float | int) -> str:
    """A number for people: integers with thousands separators, other values to 3 significant digits."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"


HEADLINE = ("documents_in", "documents_out", "documents", "images_in", "images_out", "tasks", "seconds")
MAX_REASONS = 6  # reasons shown per group; the rest are counted as "+N more"
MAX_COUNTS = 10  # other counters shown
MAX_GROUPS = 6  # groups of counts shown (removals first)
REASON_WORDS = ("remov", "drop", "skip", "fail", "refus", "reject")


def format_summary(summary: dict[str, Any], where: str = "") -> str:
    """A short human summary of a stage's merged stats: a headline, then removals by reason, rounded.

    Everything (unrounded, with the settings) is in the stage's ``stats.json``.
    """
    stage = summary.get("stage", "")
    docs = ""
    if "documents_in" in summary and "documents_out" in summary:
        docs = f"{_round(summary['documents_in'])} -> {_round(summary['documents_out'])} documents"
    elif "documents_out" in summary or "documents" in summary:
        docs = f"{_round(summary.get('documents_out', summary.get('documents')))} documents"
    images = ""
    if "images_in" in summary and "images_out" in summary:
        images = f"{_round(summary['images_in'])} -> {_round(summary['images_out'])} images"
    head = [x for x in (docs, images) if x]
    tasks = summary.get("tasks", 0)
    head.append(f"{_round(tasks)} task{'' if tasks == 1 else 's'}")
    if isinstance(summary.get("seconds"), (int, float)):
        head.append(f"{_round(summary['seconds'])} s of task time")
    lines = [f"{stage}: " + ", ".join(head) + (f" (all figures: {where})" if where else "")]
    groups, others = [], []
    for k, v in summary.items():
        if k in HEADLINE or k in ("stage", "task") or isinstance(v, bool):
            continue
        if isinstance(v, dict) and any(v.values()) and all(isinstance(x, (int, float)) for x in v.values()):
            top = sorted(((a, b) for a, b in v.items() if b), key=lambda kv: (-kv[1], kv[0]))
            shown = ", ".join(f"{a} {_round(b)}" for a, b in top[:MAX_REASONS])
            more = f", +{len(top) - MAX_REASONS} more" if len(top) > MAX_REASONS else ""
            is_reason = any(w in k for w in REASON_WORDS)
            groups.append((not is_reason, f"  {k}: {shown}{more}"))
        elif isinstance(v, (int, float)) and v:
            others.append(f"{k} {_round(v)}")
    groups.sort(key=lambda g: g[0])  # removals and skips first
    lines += [g[1] for g in groups[:MAX_GROUPS]]
    if len(groups) > MAX_GROUPS:
        lines.append(f"  (+{len(groups) - MAX_GROUPS} more groups of counts)")
    if others:
        more = f", +{len(others) - MAX_COUNTS} more" if len(others) > MAX_COUNTS else ""
        lines.append("  counts: " + ", ".join(others[:MAX_COUNTS]) + more)
    return "\n".join(lines)


def refusal_hints(summary: dict[str, Any], advice: dict[str, str] | None = None) -> list[str]:
    """Lines for a stage that removed every document or every image, naming the main reason.

    ``advice`` maps a reason (e.g. ``guard:loopback``) to what the user can do about it.
    """
    hints = []
    for kind in ("documents", "images"):
        if summary.get(f"{kind}_out", 0) != 0:
            continue
        groups = [
            counts
            for group, counts in summary.items()
            if isinstance(counts, dict)
            and kind[:-1] in group
            and any(w in group for w in ("remov", "refus", "drop"))
            and all(isinstance(n, (int, float)) for n in counts.values())
        ]
        if not groups:
            continue
        counts = max(groups, key=lambda c: sum(c.values()))
        total = sum(counts.values())
        if not total:
            continue
        top, n = max(counts.items(), key=lambda kv: kv[1])
        line = f"every {kind[:-1]} was removed ({_round(total)}), most as {top} ({_round(n)})"
        tip = (advice or {}).get(top)
        hints.append(f"{line}: {tip}" if tip else line)
    return hints
