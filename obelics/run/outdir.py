"""A stage's output folder: checked before any work, locked for the run, claimed by its fingerprint.

* :func:`prepare` makes the folder, or says in one line why it cannot (a file, not writable).
* :func:`lock` holds ``OUT/.lock`` (``flock``) for the run: a second run into the same folder
  stops at once with a one-line error. The process that plans and waits (the driver, also for the
  Slurm and Ray engines) holds it; the task processes never need it.
* :func:`claim` compares the run's fingerprint with the one recorded in the folder: the same,
  the run resumes; another, it is refused unless ``force``, which first removes what the earlier
  run wrote (everything but the entries that were in the folder before its first run).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from obelics.io.atomic import write_json
from obelics.run import fingerprint as fp_mod
from obelics.run.settings import SettingsError

LOCK = ".lock"
# What a run of an older version (without a fingerprint) leaves in its folder.
LEGACY_ENTRIES = ("stats.json", "_work", "logs", "rejected")


class OutputError(SettingsError):
    """The output folder cannot be used (a file, not writable, in use by another run)."""


def prepare(output: str) -> None:
    """Make the output folder (and its parents); OutputError with the reason when it cannot be."""
    p = Path(output)
    if p.exists() and not p.is_dir():
        raise OutputError(f"output {output} is a file, not a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(f"cannot make output folder {output}: a part of the path is a file") from None
    except OSError as e:
        raise OutputError(f"cannot make output folder {output}: {e.strerror or e}") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise OutputError(f"output folder {output} is not writable")


@contextlib.contextmanager
def lock(output: str) -> Iterator[None]:
    """Hold ``OUT/.lock`` for the block (removed after); OutputError at once when another run holds it."""
    path = os.path.join(output, LOCK)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise OutputError(f"cannot lock output folder {output}: {e.strerror or e}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            same = os.path.exists(path) and os.path.samestat(os.fstat(fd), os.stat(path))
        except BlockingIOError:
            same = False
        if not same:  # held, or removed by its holder between our open and our lock
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise OutputError(
                f"{output} is in use by another run ({holder}); wait for it to end, or use another output folder"
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%H:%M:%S')}".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
    finally:
        os.close(fd)  # releases the lock


def _holds_a_run(output: str) -> bool:
    """Whether the folder holds a stage's outputs (a record, markers or a summary)."""
    d = Path(output)
    return (d / fp_mod.RECORD).exists() or any((d / e).exists() for e in LEGACY_ENTRIES) or any(d.glob("*.stats.json"))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def clear(output: str, record: dict[str, Any] | None) -> list[str]:
    """Remove what an earlier run wrote in ``output``; return the names removed.

    With a record: every entry but those that were there before that run's start. Without one
    (a run of an older version): the summary, the markers, work and log folders and the
    outputs its summary names.
    """
    d = Path(output)
    removed = []
    if record is not None:
        keep = set(record.get("foreign") or []) | {LOCK}
        targets = [p for p in d.iterdir() if p.name not in keep]
    else:
        targets = [d / e for e in LEGACY_ENTRIES] + list(d.glob("*.stats.json")) + list(d.glob(".*.tmp"))
        with contextlib.suppress(OSError, ValueError, TypeError):
            import json

            outs = json.loads((d / "stats.json").read_text()).get("outputs") or []
            targets += [Path(o) for o in outs if Path(o).resolve().parent == d.resolve()]
    for p in targets:
        if p.exists() or p.is_symlink():
            _remove(p)
            removed.append(p.name)
    return removed


def claim(
    stage: str, output: str, inputs: list[str], settings: dict[str, Any], module: Any = None, force: bool = False
) -> dict[str, Any]:
    """Check the run's fingerprint against the folder's; clear it when ``force``; record the new one.

    Raises FingerprintMismatch (naming what changed) when the folder holds another run.
    """
    old = fp_mod.read_record(output)
    new = fp_mod.compute(stage, inputs, settings, module, previous=old, exclude=output)
    if force:
        if _holds_a_run(output):
            clear(output, old)
        old = None
    elif old is None and _holds_a_run(output):
        raise fp_mod.FingerprintMismatch(
            fp_mod.mismatch_message(stage, output, ["a run without a fingerprint, made by an older version"])
        )
    elif old is not None:
        changes = fp_mod.differences(old, new)
        if changes:
            raise fp_mod.FingerprintMismatch(fp_mod.mismatch_message(stage, output, changes))
        new["foreign"] = old.get("foreign") or []
        if new != old:  # the same run; refresh the file digests' mtimes
            write_json(os.path.join(output, fp_mod.RECORD), new)
        return new
    new["foreign"] = sorted(p.name for p in Path(output).iterdir() if p.name not in (LOCK, fp_mod.RECORD))
    write_json(os.path.join(output, fp_mod.RECORD), new)
    return new
