"""The ``obelics`` command. Each subcommand is a module in ``obelics.commands``.

A command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``main(args) -> int``; modules whose name starts with ``_`` are helpers.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

import obelics.commands
from obelics import __version__


def _commands() -> dict[str, object]:
    mods = {}
    for info in pkgutil.iter_modules(obelics.commands.__path__):
        if info.name.startswith("_"):
            continue
        mods[info.name.replace("_", "-")] = importlib.import_module(f"obelics.commands.{info.name}")
    return dict(sorted(mods.items()))


STAGE_COMMANDS = ("dedup", "export", "extract", "filter", "images", "optout", "shard")


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser; a stage command's help ends with every setting of the stage and its default."""

    stage: str = ""

    def format_help(self) -> str:
        if self.stage:
            from obelics.run.runner import settings_class
            from obelics.run.settings import help_listing

            listing = help_listing(settings_class(self.stage)).replace("STAGE", self.stage)
            self.epilog = f"{self.epilog}\n\n{listing}" if self.epilog else listing
            self.stage = ""  # once
        return super().format_help()


class StdoutHandler(logging.Handler):
    """Writes records' messages to the current ``sys.stdout``."""

    def emit(self, record: logging.LogRecord) -> None:
        print(record.getMessage(), file=sys.stdout, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="obelics", description="Build OBELICS-style interleaved image-text corpora from Common Crawl."
    )
    parser.add_argument("--version", action="version", version=f"obelics {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    for name, mod in _commands().items():
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        if name in STAGE_COMMANDS:
            p.stage = name
            p.formatter_class = argparse.RawDescriptionHelpFormatter
        p.set_defaults(_main=mod.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    summaries = logging.getLogger("obelics.summary")  # each stage's summary: on stdout, once
    if not any(isinstance(h, StdoutHandler) for h in summaries.handlers):
        summaries.addHandler(StdoutHandler())
    summaries.propagate = False
    if not getattr(args, "_main", None):
        parser.print_help()
        return 2
    from obelics.commands._common import run_command

    return run_command(args._main, args)


if __name__ == "__main__":
    sys.exit(main())
