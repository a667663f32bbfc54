"""Options and error handling shared by the stage commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from obelics.run.runner import LocalEngine, StageFailed, run_stage
from obelics.run.settings import SettingsError, parse_overrides
from obelics.stats import format_summary

log = logging.getLogger("obelics")


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


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
