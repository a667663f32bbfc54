"""Options and error handling shared by the stage commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from obelics.io.paths import expand_inputs
from obelics.run.runner import LocalEngine, StageFailed, run_stage
from obelics.run.settings import SettingsError, parse_overrides
from obelics.stats import format_summary

log = logging.getLogger("obelics")


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def add_input_options(p: argparse.ArgumentParser, what: str = "Parquet shards or folders of them") -> None:
    """Positional inputs plus --files-from and --take (a slice of a large input set)."""
    p.add_argument("inputs", nargs="*", metavar="INPUT", help=f"{what}; files, folders, globs or URLs")
    p.add_argument("--files-from", metavar="LIST", help="a text file naming inputs, one per line")
    p.add_argument("--take", metavar="START:STOP", help="only this slice of the sorted input list, e.g. 0:10")


def resolve_inputs(args: argparse.Namespace, suffixes: tuple[str, ...] = (".parquet",)) -> list[str]:
    """The input list from positional inputs, --files-from and --take; UsageError when empty."""
    items = list(getattr(args, "inputs", []) or [])
    if getattr(args, "files_from", None):
        with open(args.files_from) as fh:
            items += [line.strip() for line in fh if line.strip() and not line.startswith("#")]
    if not items:
        raise UsageError("no input given")
    paths = expand_inputs(items, suffixes)
    take = getattr(args, "take", None)
    if take:
        try:
            start, _, stop = take.partition(":")
            paths = paths[int(start or 0) : int(stop) if stop else None]
        except ValueError:
            raise UsageError(f"--take wants START:STOP, got {take!r}") from None
    if not paths:
        raise UsageError(f"no input files with suffix {', '.join(suffixes)} found in {', '.join(items)}")
    return paths


def add_stage_options(p: argparse.ArgumentParser) -> None:
    """--output, --workers, --retries, --force, --set KEY=VALUE."""
    p.add_argument("--output", "-o", required=True, help="output folder (shards, stats JSON)")
    p.add_argument("--workers", type=int, default=1, help="parallel tasks on this machine (default 1)")
    p.add_argument("--retries", type=int, default=1, help="retries of a failed task before it is reported")
    p.add_argument("--force", action="store_true", help="redo tasks already complete")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a stage setting")


def engine_from_args(args: argparse.Namespace):
    return LocalEngine(getattr(args, "workers", 1))


def run_stage_command(stage: str, inputs: list[str], args: argparse.Namespace, settings: dict[str, Any]) -> int:
    """Run a stage from parsed arguments, merging ``--set`` over explicit settings; print the summary."""
    overrides = {**settings, **parse_overrides(getattr(args, "set", []))}
    summary = run_stage(
        stage,
        inputs,
        args.output,
        overrides,
        engine=engine_from_args(args),
        retries=args.retries,
        force=args.force,
    )
    print(format_summary(summary), file=sys.stderr)
    return 0


def run_command(fn, args: argparse.Namespace) -> int:
    """Call a command's main, turning expected errors into messages and exit codes."""
    try:
        return int(fn(args) or 0)
    except (UsageError, SettingsError, FileNotFoundError) as e:
        print(f"obelics: error: {e}", file=sys.stderr)
        return 2
    except StageFailed as e:
        print(f"obelics: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("obelics: interrupted; rerun the same command to finish", file=sys.stderr)
        return 130


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)
