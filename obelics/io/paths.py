"""Expanding user inputs (files, folders, globs, URLs) into shard lists."""

from __future__ import annotations

import glob
import os
from pathlib import Path

REMOTE_PREFIXES = ("http://", "https://", "s3://", "gs://", "hf://")
WORK = "_work"  # the folder of a stage's output that holds its work files
# Folders of a stage's output that hold work files or rejects, never input shards.
SKIP_DIRS = (WORK, "rejected", "logs")


def is_remote(path: str) -> bool:
    return path.startswith(REMOTE_PREFIXES)


def shard_name(path: str) -> str:
    """A stable output stem for an input path: its file name without known extensions."""
    name = path.rstrip("/").rsplit("/", 1)[-1]
    for ext in (".gz", ".warc", ".arc", ".parquet", ".jsonl", ".csv", ".tar"):
        if name.endswith(ext):
            name = name[: -len(ext)]
    return name.replace(".", "_") or "shard"


def expand_inputs(inputs: list[str], suffixes: tuple[str, ...]) -> list[str]:
    """Files named, files under folders (recursively) and glob matches, with the given suffixes.

    Remote URLs are passed through. Raises FileNotFoundError naming a missing input.
    """
    out: list[str] = []
    for item in inputs:
        if is_remote(item):
            out.append(item)
            continue
        if any(ch in item for ch in "*?["):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise FileNotFoundError(f"no file matches {item!r}")
            out.extend(m for m in matches if os.path.isfile(m))
        elif os.path.isdir(item):
            found = sorted(
                str(p)
                for p in Path(item).rglob("*")
                if p.is_file()
                and p.name.endswith(suffixes)
                and not p.name.startswith(".")
                and not any(part in SKIP_DIRS or part.startswith(".") for part in p.relative_to(item).parts[:-1])
            )
            out.extend(found)
        elif os.path.isfile(item):
            out.append(item)
        else:
            raise FileNotFoundError(f"input not found: {item}")
    return out
