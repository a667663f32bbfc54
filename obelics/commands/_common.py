"""Options and error handling shared by the stage commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from obelics.io.paths import expand_inputs
from obelics.run.engines import EngineError
from obelics.run.runner import LocalEngine, NothingProduced, StageFailed, run_stage
from obelics.run.settings import SettingsError, load_settings_file, parse_overrides

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


def add_stage_options(p: argparse.ArgumentParser, settings_file: bool = True) -> None:
    """--output, --workers, --retries, --force, --allow-empty, --set KEY=VALUE (and --config FILE)."""
    p.add_argument("--output", "-o", required=True, help="output folder (shards, stats JSON)")
    p.add_argument("--workers", type=int, default=1, help="parallel tasks on this machine (default 1)")
    p.add_argument("--retries", type=int, default=1, help="retries of a failed task before it is reported")
    p.add_argument(
        "--force",
        action="store_true",
        help="redo everything: remove what an earlier run wrote in the output folder (needed when its "
        "settings or inputs differ)",
    )
    p.add_argument("--allow-empty", action="store_true", help="exit 0 even when no document is written (else exit 1)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a stage setting")
    if settings_file:
        p.add_argument(
            "--config",
            metavar="YAML",
            help="settings file (`obelics config STAGE` prints one to edit); options and --set override its keys",
        )
    add_engine_options(p)


def add_engine_options(p: argparse.ArgumentParser) -> None:
    """--engine local|slurm|ray and each engine's options."""
    g = p.add_argument_group("engine", "where the tasks run (the same stage code on each)")
    g.add_argument(
        "--engine",
        choices=["local", "slurm", "ray"],
        default="local",
        help="local: a process pool of --workers; slurm: job arrays with sbatch; ray: Ray remote tasks",
    )
    g.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="Ray cluster: 'auto', HOST:PORT or ray://HOST:10001 (default: $RAY_ADDRESS, else a local Ray)",
    )
    g.add_argument("--ray-cpus-per-task", type=float, default=1.0, metavar="N", help="CPUs Ray reserves per task")
    g.add_argument("--slurm-partition", metavar="NAME", help="sbatch --partition")
    g.add_argument("--slurm-time", metavar="TIME", help="sbatch --time of each array task, e.g. 4:00:00")
    g.add_argument(
        "--slurm-cpus", type=int, default=1, metavar="N", help="CPUs per array task (its tasks run N at a time)"
    )
    g.add_argument("--slurm-mem", metavar="MEM", help="sbatch --mem of each array task, e.g. 8G")
    g.add_argument(
        "--slurm-tasks-per-job",
        type=int,
        metavar="N",
        help="tasks per array task (default: as few as keep the array within --slurm-max-array)",
    )
    g.add_argument("--slurm-max-array", type=int, default=1000, metavar="N", help="most array tasks per step")
    g.add_argument("--slurm-parallel", type=int, metavar="N", help="most array tasks running at once (sbatch %%N)")
    g.add_argument(
        "--slurm-sbatch-arg", action="append", default=[], metavar="ARG", help="extra sbatch option, e.g. --qos=low"
    )
    g.add_argument("--slurm-setup", default="", metavar="SHELL", help="a shell line run before each array task")


def engine_from_args(args: argparse.Namespace):
    """The engine the options name (LocalEngine by default)."""
    kind = getattr(args, "engine", "local") or "local"
    if kind == "slurm":
        from obelics.run.engines.slurm import SlurmEngine

        return SlurmEngine(
            partition=args.slurm_partition,
            time_limit=args.slurm_time,
            cpus_per_task=args.slurm_cpus,
            mem=args.slurm_mem,
            tasks_per_job=args.slurm_tasks_per_job,
            max_array_size=args.slurm_max_array,
            parallelism=args.slurm_parallel,
            sbatch_args=args.slurm_sbatch_arg,
            setup=args.slurm_setup,
        )
    if kind == "ray":
        from obelics.run.engines.ray import RayEngine

        return RayEngine(
            address=args.ray_address,
            num_cpus=getattr(args, "workers", None) if getattr(args, "workers", 1) > 1 else None,
            cpus_per_task=args.ray_cpus_per_task,
        )
    return LocalEngine(getattr(args, "workers", 1))


def run_stage_command(stage: str, inputs: list[str], args: argparse.Namespace, settings: dict[str, Any]) -> int:
    """Run a stage from parsed arguments: ``--config`` file, then explicit settings, then ``--set``."""
    from_file = load_settings_file(args.config) if getattr(args, "config", None) else {}
    overrides = {**from_file, **settings, **parse_overrides(getattr(args, "set", []))}
    engine = engine_from_args(args)
    try:
        run_stage(
            stage,
            inputs,
            args.output,
            overrides,
            engine=engine,
            retries=args.retries,
            force=args.force,
            allow_empty=getattr(args, "allow_empty", False),
        )
    finally:
        close = getattr(engine, "close", None)
        if close:
            close()
    return 0


def run_command(fn, args: argparse.Namespace) -> int:
    """Call a command's main, turning expected errors into messages and exit codes."""
    try:
        return int(fn(args) or 0)
    except (UsageError, SettingsError, FileNotFoundError) as e:
        print(f"obelics: error: {e}", file=sys.stderr)
        return 2
    except (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError) as e:
        where = f": {e.filename}" if getattr(e, "filename", None) else ""
        print(f"obelics: error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except (StageFailed, NothingProduced) as e:
        print(f"obelics: {e}", file=sys.stderr)
        return 1
    except EngineError as e:
        print(f"obelics: engine error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("obelics: interrupted; rerun the same command to finish", file=sys.stderr)
        return 130


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)
