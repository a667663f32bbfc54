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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="obelics", description="Build OBELICS-style interleaved image-text corpora from Common Crawl."
    )
    parser.add_argument("--version", action="version", version=f"obelics {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="warnings only")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, mod in _commands().items():
        p = sub.add_parser(name, help=mod.HELP, description=mod.HELP)
        mod.add_arguments(p)
        p.set_defaults(_main=mod.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    if not getattr(args, "_main", None):
        parser.print_help()
        return 2
    from obelics.commands._common import run_command

    return run_command(args._main, args)


if __name__ == "__main__":
    sys.exit(main())
