"""What decides a stage's output, recorded with it, so that a rerun never mixes two runs in one folder.

A stage's fingerprint holds:

* the project's output format version (:data:`FORMAT_VERSION`) and the stage;
* its resolved settings, less those that change how it runs but not what it writes
  (workers, progress bars, timeouts of requests, memory limits: :data:`EXECUTION_SETTINGS`,
  or a stage module's own ``EXECUTION_KEYS``);
* its input list (local paths made absolute), and for inputs that are the output of another
  stage, that stage's fingerprint digest (so a redone filter makes the dedup after it stale);
* the SHA-256 of every local file a setting names (word lists, opt-out lists, models).

It is written to ``OUT/.fingerprint.json`` before any work. The rule, for every stage: a rerun
whose fingerprint differs from the one recorded is refused (exit 2) with a message naming what
changed; ``--force`` removes what the earlier run wrote in the folder and redoes everything.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from obelics.io.paths import is_remote
from obelics.run.settings import SettingsError

# Raise it when the layout or meaning of any stage's output changes: older folders are then refused.
FORMAT_VERSION = 1
RECORD = ".fingerprint.json"

# Per stage: settings that change how it runs, not what it writes; a rerun may change them freely.
EXECUTION_SETTINGS: dict[str, frozenset[str]] = {
    "extract": frozenset(
        {
            "progress",
            "concurrency",
            "rate_limit",
            "fetch_retries",
            "backoff",
            "timeout",
            "max_failed_share",
            "page_timeout",
            "storage_options",
        }
    ),
    "filter": frozenset({"progress", "nsfw_batch_size", "nsfw_threads", "nsfw_device"}),
    "optout": frozenset(
        {"api_batch_size", "api_rate_limit", "api_retries", "api_backoff", "api_timeout", "api_key_env"}
    ),
    "dedup": frozenset({"duckdb_memory_limit", "duckdb_threads", "keep_work"}),
    "images": frozenset(
        {
            "processes_count",
            "thread_count",
            "timeout",
            "retries",
            "duckdb_memory_limit",
            "keep_work",
            "number_sample_per_shard",
        }
    ),
    "shard": frozenset(),
    "export": frozenset(),
}


class FingerprintMismatch(SettingsError):
    """The output folder holds a run of other settings or inputs: the message says what changed."""


def execution_settings(stage: str, module: Any = None) -> frozenset[str]:
    """The settings of ``stage`` left out of its fingerprint."""
    own = getattr(module, "EXECUTION_KEYS", None) if module is not None else None
    return frozenset(own or ()) | EXECUTION_SETTINGS.get(stage, frozenset())


def _abs(path: str) -> str:
    return path if is_remote(path) or "://" in path else os.path.abspath(path)


def upstream_digest(path: str, cache: dict[str, str | None] | None = None) -> tuple[str, str] | None:
    """(folder, digest) of the stage that wrote ``path``, when its folder (or the one above) has a record."""
    if is_remote(path) or "://" in path:
        return None
    cache = {} if cache is None else cache
    p = Path(path).resolve().parent
    for folder in (str(p), str(p.parent)):
        if folder not in cache:
            rec = read_record(folder)
            cache[folder] = rec.get("digest") if rec else None
        if cache[folder]:
            return folder, cache[folder]  # type: ignore[return-value]
    return None


def _named_files(settings: dict[str, Any]) -> dict[str, list[str]]:
    """Setting name -> the existing local files its value names."""
    out: dict[str, list[str]] = {}
    for key, value in settings.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        files = [
            os.path.abspath(v)
            for v in values
            if isinstance(v, str) and v and "\n" not in v and not is_remote(v) and os.path.isfile(v)
        ]
        if files:
            out[key] = files
    return out


def file_digest(path: str, known: dict[str, Any] | None = None) -> dict[str, Any]:
    """SHA-256, size and mtime of a file; the digest of ``known`` is reused when size and mtime match."""
    st = os.stat(path)
    if known and known.get("size") == st.st_size and known.get("mtime_ns") == st.st_mtime_ns and known.get("sha256"):
        return dict(known)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"sha256": h.hexdigest(), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def compute(
    stage: str,
    inputs: list[str],
    settings: dict[str, Any],
    module: Any = None,
    previous: dict[str, Any] | None = None,
    exclude: str = "",
) -> dict[str, Any]:
    """The fingerprint of a run of ``stage`` on ``inputs`` with ``settings`` (a JSON-able dict with ``digest``).

    ``previous`` (the recorded fingerprint) saves hashing files whose size and mtime did not change;
    ``exclude`` is the run's own folder, never its own upstream.
    """
    own = str(Path(exclude).resolve()) if exclude else ""
    skip = execution_settings(stage, module)
    kept = {k: settings[k] for k in sorted(settings) if k not in skip}
    kept = json.loads(json.dumps(kept, default=str))
    known = (previous or {}).get("files") or {}
    files = {}
    for key, paths in _named_files(kept).items():
        for p in paths:
            files[p] = file_digest(p, known.get(p))
            files[p]["setting"] = key
    upstream: dict[str, str] = {}
    seen: dict[str, str | None] = {}
    for p in inputs:
        up = upstream_digest(p, seen)
        if up and up[0] != own:
            upstream[up[0]] = up[1]
    fp = {
        "format_version": FORMAT_VERSION,
        "stage": stage,
        "settings": kept,
        "inputs": [_abs(p) for p in inputs],
        "upstream": upstream,
        "files": files,
    }
    blob = {k: v for k, v in fp.items() if k != "files"}
    blob["files"] = {p: d["sha256"] for p, d in files.items()}
    fp["digest"] = hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]
    return fp


def read_record(folder: str) -> dict[str, Any] | None:
    """The fingerprint recorded in ``folder``, or None."""
    try:
        with open(os.path.join(folder, RECORD), encoding="utf-8") as fh:
            rec = json.load(fh)
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) else None


def _short(v: Any, n: int = 40) -> str:
    s = repr(v)
    return s if len(s) <= n else s[: n - 3] + "..."


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed between two fingerprints, each in a few words."""
    out: list[str] = []
    if old.get("format_version") != new["format_version"]:
        out.append(f"output format version {old.get('format_version')} -> {new['format_version']}")
    if old.get("stage") != new["stage"]:
        out.append(f"stage {old.get('stage')!r} -> {new['stage']!r}")
    a, b = old.get("settings") or {}, new["settings"]
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.append(f"{k}: {_short(a.get(k))} -> {_short(b.get(k))}")
    oi, ni = old.get("inputs") or [], new["inputs"]
    if oi != ni:
        gone, added = [p for p in oi if p not in ni], [p for p in ni if p not in oi]
        what = [f"{len(oi)} -> {len(ni)} files"] if len(oi) != len(ni) else []
        if added:
            what.append(f"new {os.path.basename(added[0])}" + (f" and {len(added) - 1} more" if len(added) > 1 else ""))
        if gone:
            what.append(
                f"without {os.path.basename(gone[0])}" + (f" and {len(gone) - 1} more" if len(gone) > 1 else "")
            )
        out.append("inputs (" + (", ".join(what) or "order") + ")")
    ou, nu = old.get("upstream") or {}, new["upstream"]
    for folder in sorted(set(ou) & set(nu)):
        if ou[folder] != nu[folder]:
            out.append(f"the inputs in {folder} were remade by another run")
    of, nf = old.get("files") or {}, new["files"]
    for p in sorted(set(of) | set(nf)):
        if p not in nf:
            out.append(f"{os.path.basename(p)} ({of[p].get('setting')}) is gone")
        elif p not in of:
            out.append(f"{os.path.basename(p)} ({nf[p].get('setting')}) is new")
        elif of[p].get("sha256") != nf[p].get("sha256"):
            out.append(f"the contents of {os.path.basename(p)} ({nf[p].get('setting')})")
    if not out and old.get("digest") != new["digest"]:
        out.append("the fingerprint")
    return out


def settings_differences(old: dict[str, Any], stage: str, settings: dict[str, Any], module: Any = None) -> list[str]:
    """What changed in the format version, stage and settings only (the inputs not known yet)."""
    new = compute(stage, [], settings, module, previous=old)
    new["inputs"], new["upstream"], new["files"] = old.get("inputs") or [], old.get("upstream") or {}, {}
    return [c for c in differences({**old, "files": {}}, new) if c != "the fingerprint"]


def mismatch_message(stage: str, folder: str, changes: list[str]) -> str:
    shown = "; ".join(changes[:4]) + (f"; and {len(changes) - 4} more" if len(changes) > 4 else "")
    return (
        f"{stage}: {folder} holds a run with other inputs or settings ({shown}): "
        "rerun with --force to redo it, or use another output folder"
    )
