"""``obelics run PIPELINE``: run the stages of a pipeline file in order."""

from __future__ import annotations

import argparse
import sys

from obelics.commands._common import UsageError, add_stage_options, engine_from_args
from obelics.run.engines import close_engine
from obelics.run.pipeline import (
    bundled_pipelines,
    find_pipeline,
    load_pipeline,
    parse_stage_overrides,
    run_pipeline,
)

HELP = "run a pipeline file (stages in order, each stage's output feeding the next)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "pipeline",
        metavar="PIPELINE",
        help=f"a pipeline YAML file, or a bundled one by name ({', '.join(bundled_pipelines())})",
    )
    p.add_argument(
        "--input",
        "-i",
        nargs="+",
        action="extend",
        metavar="INPUT",
        help="inputs of the first stage run: files, folders, globs or URLs (default: the previous stage's output)",
    )
    p.add_argument("--files-from", metavar="LIST", help="a text file naming inputs, one per line")
    p.add_argument("--take", metavar="START:STOP", help="only this slice of the sorted input list, e.g. 0:10")
    p.add_argument(
        "--stages",
        metavar="NAMES",
        help="run only these stages: a comma-separated list, or a range FIRST:LAST (either end may be left out)",
    )
    p.add_argument("--no-check-inputs", action="store_true", help="do not check that the inputs can be read first")
    add_stage_options(p, settings_file=False)
    for action in p._actions:
        if "--set" in action.option_strings:
            action.metavar = "STAGE.KEY=VALUE"
            action.help = (
                "override a setting of a stage of the pipeline, e.g. --set filter.document_min_words=5 "
                "(`obelics config STAGE` lists a stage's settings)"
            )


def _inputs(args: argparse.Namespace) -> list[str] | None:
    items = list(args.input or [])
    if args.files_from:
        try:
            with open(args.files_from) as fh:
                items += [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
        except OSError as e:
            raise UsageError(f"--files-from: {e}") from None
        if not items:
            raise UsageError(f"--files-from {args.files_from}: the list is empty")
    if args.input is None and not args.files_from:
        return None
    return items


def main(args: argparse.Namespace) -> int:
    pipe = load_pipeline(find_pipeline(args.pipeline), parse_stage_overrides(args.set))
    only = [s.strip() for s in args.stages.split(",") if s.strip()] if args.stages else None
    inputs = _inputs(args)
    if inputs is not None and args.take:
        from obelics.io.paths import expand_inputs
        from obelics.run.pipeline import input_suffixes, select

        first = select(pipe, only)[0]
        try:
            start, _, stop = args.take.partition(":")
            inputs = expand_inputs(inputs, input_suffixes(first.stage))[int(start or 0) : int(stop) if stop else None]
        except ValueError:
            raise UsageError(f"--take wants START:STOP, got {args.take!r}") from None
    engine = engine_from_args(args)
    try:
        summary = run_pipeline(
            pipe,
            inputs,
            args.output,
            only=only,
            engine=engine,
            retries=args.retries,
            force=args.force,
            check=not args.no_check_inputs,
            allow_empty=args.allow_empty,
        )
    finally:
        close_engine(engine)
    done = ", ".join(f"{s['folder']}" for s in summary["stages"])
    print(
        f"pipeline {pipe.name}: done in {args.output} ({done}); summary in {args.output}/summary.json", file=sys.stderr
    )
    return 0
