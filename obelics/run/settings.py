"""Stage settings: defaults declared by each stage, overrides checked before any work starts."""

from __future__ import annotations

from typing import Any


class SettingsError(ValueError):
    """A bad setting: names the key and what is allowed."""


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


def resolve(
    defaults: dict[str, Any],
    overrides: dict[str, Any] | None,
    choices: dict[str, list[Any]] | None = None,
    where: str = "",
) -> dict[str, Any]:
    """Defaults updated with overrides; unknown keys, wrong types and values outside choices raise."""
    out = dict(defaults)
    prefix = f"{where}: " if where else ""
    for key, value in (overrides or {}).items():
        if key not in defaults:
            raise SettingsError(f"{prefix}unknown setting {key!r}; allowed: {', '.join(sorted(defaults))}")
        try:
            out[key] = coerce(key, value, defaults[key])
        except SettingsError as e:
            raise SettingsError(f"{prefix}{e}") from None
    for key, allowed in (choices or {}).items():
        if out.get(key) not in allowed:
            raise SettingsError(
                f"{prefix}setting {key!r} is {out.get(key)!r}; allowed values: {', '.join(map(str, allowed))}"
            )
    return out


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["a=1", "b=x"]`` from ``--set a=1 --set b=x`` into a dict of strings (coerced later)."""
    out: dict[str, Any] = {}
    for p in pairs or []:
        if "=" not in p:
            raise SettingsError(f"--set wants KEY=VALUE, got {p!r}")
        k, v = p.split("=", 1)
        out[k.strip()] = v
    return out
