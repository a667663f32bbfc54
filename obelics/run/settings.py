"""Stage settings: declared once per stage, checked before any work starts.

A stage declares its settings as a dataclass of :func:`setting` fields::

    @dataclass
    class Settings(StageSettings):
        timeout: float = setting(10.0, "seconds per request", min=0, unit="s")
        mode: str = setting("fast", "how to work", choices=["fast", "exact"])

From the declaration come the defaults (``Settings.defaults()``), the validation of
overrides from ``--set``, YAML files and the Python API (``Settings.resolve``: names,
types, allowed values, ranges, nulls), the settings listing of ``obelics STAGE --help``,
``obelics config STAGE`` (the defaults as YAML) and ``docs/settings.md``.

At run time a stage's settings are a plain dict (JSON, shipped with each task).
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

NULL_WORDS = ("off", "null", "none")


class SettingsError(ValueError):
    """A bad setting: names the key and what is allowed."""


@dataclass(frozen=True)
class Spec:
    """What a setting's declaration says besides its default."""

    help: str = ""
    choices: tuple[Any, ...] | None = None  # allowed values (for a list: allowed items)
    min: float | None = None
    max: float | None = None
    nullable: bool = False  # None (``off`` on the command line) switches the setting off
    unit: str = ""
    group: str = ""  # a heading for listings (``language``, ``paragraph level``, ...)

    def allowed(self) -> str:
        """The allowed range or values in words ('' when any value of the type goes)."""
        parts = []
        if self.choices is not None:
            parts.append("one of " + ", ".join(map(str, self.choices)))
        if self.min is not None and self.max is not None:
            parts.append(f"{_num(self.min)} to {_num(self.max)}")
        elif self.min is not None:
            parts.append(f"{_num(self.min)} or more")
        elif self.max is not None:
            parts.append(f"at most {_num(self.max)}")
        if self.nullable:
            parts.append("off")
        return "; ".join(parts)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def setting(
    default: Any,
    help: str = "",  # noqa: A002 - the word users know
    *,
    choices: list[Any] | tuple[Any, ...] | None = None,
    min: float | None = None,  # noqa: A002
    max: float | None = None,  # noqa: A002
    nullable: bool = False,
    unit: str = "",
    group: str = "",
) -> Any:
    """A dataclass field declaring one stage setting."""
    spec = Spec(help, tuple(choices) if choices is not None else None, min, max, nullable, unit, group)
    meta = {"obelics": spec}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda d=default: copy.deepcopy(d), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class SettingInfo:
    """One declared setting: name, default and spec."""

    name: str
    default: Any
    spec: Spec


class StageSettings:
    """Base of a stage's settings dataclass: the declaration and everything derived from it."""

    STAGE: ClassVar[str] = ""

    @classmethod
    def infos(cls) -> list[SettingInfo]:
        out = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            default = f.default_factory() if f.default is dataclasses.MISSING else f.default  # type: ignore[misc]
            out.append(SettingInfo(f.name, default, f.metadata.get("obelics") or Spec()))
        return out

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {i.name: i.default for i in cls.infos()}

    @classmethod
    def choices(cls) -> dict[str, list[Any]]:
        return {i.name: list(i.spec.choices) for i in cls.infos() if i.spec.choices is not None}

    @classmethod
    def resolve(cls, overrides: dict[str, Any] | None = None, where: str = "") -> dict[str, Any]:
        """The defaults updated with ``overrides``, every value checked; a SettingsError names the first bad one."""
        infos = {i.name: i for i in cls.infos()}
        prefix = f"{where}: " if where else ""
        out = {k: i.default for k, i in infos.items()}
        for key, value in (overrides or {}).items():
            info = infos.get(key)
            if info is None:
                raise SettingsError(f"{prefix}unknown setting {key!r}; allowed: {', '.join(sorted(infos))}")
            try:
                out[key] = check_value(info, value)
            except SettingsError as e:
                raise SettingsError(f"{prefix}{e}") from None
        for key, info in infos.items():  # defaults are checked too (a stage may declare a choice set late)
            if key not in (overrides or {}):
                try:
                    check_value(info, out[key])
                except SettingsError as e:
                    raise SettingsError(f"{prefix}{e}") from None
        return out


def check_value(info: SettingInfo, value: Any) -> Any:
    """``value`` converted to the type of the setting's default and checked against its spec."""
    key, spec = info.name, info.spec
    if isinstance(value, str) and value.strip().lower() in NULL_WORDS and spec.nullable:
        value = None
    if value is None:
        if spec.nullable or info.default is None:
            return None
        raise SettingsError(f"setting {key!r} cannot be off (null); allowed: {spec.allowed() or _kind(info.default)}")
    value = coerce(key, value, info.default)
    if spec.choices is not None:
        items = value if isinstance(value, list) else [value]
        bad = [v for v in items if v not in spec.choices]
        if bad:
            got = bad if isinstance(value, list) else value
            raise SettingsError(f"setting {key!r} is {got!r}; allowed values: {', '.join(map(str, spec.choices))}")
    if (spec.min is not None or spec.max is not None) and isinstance(value, (int, float)):
        if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
            unit = f" ({spec.unit})" if spec.unit else ""
            raise SettingsError(f"setting {key!r} is {value!r}; allowed: {spec.allowed()}{unit}")
    return value


def _kind(default: Any) -> str:
    return {bool: "true or false", int: "a number", float: "a number", str: "a string"}.get(type(default), "a value")


def coerce(key: str, value: Any, default: Any) -> Any:
    """Convert a value (maybe a command-line string) to the type of its default."""
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            return value.lower() in ("true", "1", "yes", "on")
        raise SettingsError(f"setting {key!r} must be true or false, got {value!r}")
    if isinstance(default, (int, float)):
        if isinstance(value, bool):
            raise SettingsError(f"setting {key!r} must be a number, got {value!r}")
        try:
            return type(default)(value) if not (isinstance(default, int) and isinstance(value, float)) else value
        except (TypeError, ValueError):
            raise SettingsError(f"setting {key!r} must be a number, got {value!r}") from None
    if isinstance(default, (list, tuple)):
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise SettingsError(f"setting {key!r} must be a list, got {value!r}")
        return list(value)
    if isinstance(default, dict):
        if not isinstance(value, dict):
            raise SettingsError(f"setting {key!r} must be a mapping, got {value!r}")
        return value
    if isinstance(default, str) and not isinstance(value, str):
        raise SettingsError(f"setting {key!r} must be a string, got {value!r}")
    return value


def from_defaults(defaults: dict[str, Any], choices: dict[str, list[Any]] | None = None) -> type[StageSettings]:
    """A settings class for a stage that declares plain ``DEFAULTS`` (and ``CHOICES``) dicts."""
    fields = [(k, Any, setting(v, choices=(choices or {}).get(k), nullable=v is None)) for k, v in defaults.items()]
    return dataclasses.make_dataclass("Settings", fields, bases=(StageSettings,))


def resolve(
    defaults: dict[str, Any],
    overrides: dict[str, Any] | None,
    choices: dict[str, list[Any]] | None = None,
    where: str = "",
) -> dict[str, Any]:
    """Defaults updated with overrides; unknown keys, wrong types and values outside choices raise."""
    return from_defaults(defaults, choices).resolve(overrides, where)


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["a=1", "b=x"]`` from ``--set a=1 --set b=x`` into a dict of strings (coerced later)."""
    out: dict[str, Any] = {}
    for p in pairs or []:
        if "=" not in p:
            raise SettingsError(f"--set wants KEY=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out


def load_settings_file(path: str) -> dict[str, Any]:
    """The ``KEY: VALUE`` mapping of a settings YAML file (checked later against the stage's declaration)."""
    import yaml

    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh) or {}
    except OSError as e:
        raise SettingsError(f"settings file {path}: cannot be read: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise SettingsError(f"settings file {path}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise SettingsError(f"settings file {path}: expected a mapping of setting: value")
    return data


# ------------------------------------------------------------------------------------------------
# listings generated from the declaration
# ------------------------------------------------------------------------------------------------
def yaml_value(value: Any) -> str:
    """A value as one line of YAML."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True).strip()
    return text[: -len("\n...")].strip() if text.endswith("...") else text


def to_yaml(cls: type[StageSettings], values: dict[str, Any] | None = None, header: str = "") -> str:
    """The settings as commented YAML (defaults unless ``values``), grouped as declared."""
    values = values if values is not None else cls.defaults()
    lines = [f"# {h}" if h else "#" for h in header.splitlines()] if header else []
    group = None
    for info in cls.infos():
        if info.spec.group != group and info.spec.group:
            lines.append("")
            lines.append(f"# --- {info.spec.group} ---")
        group = info.spec.group
        comment = _comment(info)
        line = f"{info.name}: {yaml_value(values.get(info.name, info.default))}"
        lines.append(f"{line:<40} # {comment}" if comment else line)
    return "\n".join(lines).lstrip("\n") + "\n"


def _comment(info: SettingInfo) -> str:
    allowed = info.spec.allowed()
    unit = f" [{info.spec.unit}]" if info.spec.unit else ""
    text = info.spec.help + unit
    return f"{text} ({allowed})" if allowed and text else (text or allowed)


def help_listing(cls: type[StageSettings], width: int = 100) -> str:
    """Every setting with its default, for the epilog of ``obelics STAGE --help``."""
    import textwrap

    out = ["settings (--set KEY=VALUE; `obelics config STAGE` prints them as YAML to edit):"]
    for info in cls.infos():
        head = f"  {info.name} = {yaml_value(info.default)}"
        text = _comment(info)
        if text:
            out.append(head)
            out.extend(textwrap.wrap(text, width, initial_indent="      ", subsequent_indent="      "))
        else:
            out.append(head)
    return "\n".join(out)


def markdown_table(cls: type[StageSettings]) -> str:
    """The settings as a Markdown table: name, default, allowed, unit, help."""
    rows = ["| setting | default | allowed | meaning |", "|---|---|---|---|"]
    for info in cls.infos():
        unit = f" ({info.spec.unit})" if info.spec.unit else ""
        cells = [
            f"`{info.name}`",
            f"`{yaml_value(info.default)}`",
            info.spec.allowed().replace("|", "\\|"),
            (info.spec.help + unit).replace("|", "\\|"),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"
