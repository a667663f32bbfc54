"""``obelics config``: print a stage's settings, or a bundled pipeline, as YAML to copy and edit."""

from __future__ import annotations

import argparse
import sys

from obelics.commands._common import UsageError

HELP = "print a stage's settings (defaults, as YAML to edit) or a bundled pipeline file"

EXAMPLES = """\
examples:
  obelics config filter > filters.yaml          # edit, then: obelics filter IN -o OUT --config filters.yaml
  obelics config filter --language fr           # the filter settings for French
  obelics config pipeline obelics > my.yaml     # edit, then: obelics run my.yaml --input ... --output ...
  obelics config --docs > docs/settings.md      # every stage's settings as Markdown tables
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EXAMPLES
    p.add_argument("what", nargs="?", metavar="STAGE|pipeline", help="a stage name, or 'pipeline' with a NAME")
    p.add_argument("name", nargs="?", metavar="NAME", help="the bundled pipeline to print (with 'pipeline')")
    p.add_argument("--language", metavar="CODE", help="with 'filter': the settings for this language")
    p.add_argument("--docs", action="store_true", help="print every stage's settings as Markdown (docs/settings.md)")


def main(args: argparse.Namespace) -> int:
    from obelics.run.pipeline import available_stages, bundled_pipelines, find_pipeline

    if args.docs:
        sys.stdout.write(settings_markdown())
        return 0
    if not args.what:
        raise UsageError(
            f"name a stage ({', '.join(available_stages())}) or 'pipeline NAME' "
            f"(bundled: {', '.join(bundled_pipelines())})"
        )
    if args.what == "pipeline":
        if not args.name:
            raise UsageError(f"config pipeline NAME: the bundled pipelines are {', '.join(bundled_pipelines())}")
        sys.stdout.write(find_pipeline(args.name).read_text(encoding="utf-8"))
        return 0
    if args.name:
        raise UsageError(f"config {args.what}: unexpected {args.name!r} (only 'pipeline' takes a NAME)")
    if args.what.replace("-", "_") not in available_stages():
        raise UsageError(f"unknown stage {args.what!r}; stages: {', '.join(available_stages())} (or 'pipeline NAME')")
    sys.stdout.write(stage_yaml(args.what, args.language))
    return 0


def stage_yaml(stage: str, language: str | None = None) -> str:
    """The stage's settings as commented YAML (for ``filter`` with ``language``: that language's)."""
    from obelics.run.runner import settings_class
    from obelics.run.settings import to_yaml

    cls = settings_class(stage)
    values = cls.defaults()
    header = (
        f"Settings of `obelics {stage}` with their defaults. Edit, then pass the file with\n"
        f"`obelics {stage} ... --config FILE`, or paste the keys under `settings:` of the stage in a pipeline\n"
        "file. `--set KEY=VALUE` overrides single keys. Unknown keys are an error."
    )
    if language:
        if stage != "filter":
            raise UsageError("--language goes with the filter stage only")
        values.update(_language_settings(language))
        header += f"\nValues for language {language!r}."
    return to_yaml(cls, values, header)


def _language_settings(code: str) -> dict:
    try:
        from obelics.filters.languages import language_settings
    except ImportError:
        raise UsageError(
            "per-language filter settings are not available in this version (obelics.filters.languages); "
            "set 'languages' and the word list files yourself"
        ) from None
    got = language_settings(code)
    if hasattr(got, "to_dict"):
        got = got.to_dict()
    elif not isinstance(got, dict):
        import dataclasses

        got = dataclasses.asdict(got)
    return dict(got)


def settings_markdown() -> str:
    """``docs/settings.md``: every stage's settings, generated from the declarations."""
    from obelics.run.pipeline import available_stages
    from obelics.run.runner import settings_class, stage_module
    from obelics.run.settings import markdown_table

    out = [
        "# Settings of each stage",
        "",
        "Generated from the settings declared by each stage (`obelics config --docs > docs/settings.md`;",
        "a test checks it is up to date). Give a setting with `--set KEY=VALUE` (`--set STAGE.KEY=VALUE`",
        "under `obelics run`), in a file with `--config FILE`, under `settings:` in a pipeline file, or",
        "as a keyword of `obelics.run(...)`. `obelics config STAGE` prints them as YAML to edit. A setting",
        "whose allowed values include *off* takes `off` (or YAML `null`) to switch its check off.",
        "",
    ]
    for stage in available_stages():
        doc = (stage_module(stage).__doc__ or "").strip().splitlines()
        out += [f"## {stage}", "", doc[0] if doc else "", "", markdown_table(settings_class(stage))]
    return "\n".join(out)
