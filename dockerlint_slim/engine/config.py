"""Configuration: `.slimlint.toml` or `[tool.slimlint]` in `pyproject.toml`, found from the current folder up.

Keys (all optional):
    select = ["ALL"]                 # rule ids, id prefixes ("SL2") or names
    ignore = ["SL101"]
    fail-level = "warning"           # error | warning | info | none
    target = "runtime"               # the stage `docker build --target` builds
    context = "."                    # build context folder (relative to the config file)
    rules-dir = ["ci/slimlint-rules"]
    max-wasted-bytes = "20MB"
    min-efficiency = 0.9
    fix = true                       # apply safe fixes (as --fix)
    unsafe-fixes = true              # also apply unsafe fixes (as --unsafe-fixes)
    show-fixes = true                # list the fixes applied (as --show-fixes)
    fixable = ["ALL"]                # rules whose fixes may be applied (ids, prefixes or names)
    unfixable = ["SL101"]            # rules whose fixes are never applied (they are still reported)
    [severity]        SL101 = "warning"
    [per-file-ignores] "legacy/*.Dockerfile" = ["SL202"]
    [rules.SL301]     threshold = "10MiB"
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockerlint_slim.diagnostics import SEVERITIES
from dockerlint_slim.options import OptionError, parse_ratio, parse_size

FAIL_LEVELS = ("error", "warning", "info", "none")
_KNOWN_KEYS = {
    "select",
    "ignore",
    "fail-level",
    "target",
    "context",
    "rules-dir",
    "max-wasted-bytes",
    "min-efficiency",
    "severity",
    "per-file-ignores",
    "rules",
    "contexts",
    "fix",
    "unsafe-fixes",
    "show-fixes",
    "fixable",
    "unfixable",
}


class ConfigError(Exception):
    """The configuration cannot be used; the message says where and why."""


@dataclass
class Config:
    path: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    fail_level: str | None = None
    target: str | None = None
    context: Path | None = None
    rules_dirs: tuple[Path, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    contexts: dict[str, str] = field(default_factory=dict)  # Dockerfile glob -> context folder (monorepos)
    max_wasted_bytes: int | None = None
    min_efficiency: float | None = None
    fix: bool | None = None
    unsafe_fixes: bool | None = None
    show_fixes: bool | None = None
    fixable: tuple[str, ...] | None = None
    unfixable: tuple[str, ...] = ()


def find_config(start: Path) -> Path | None:
    """The nearest `.slimlint.toml`, or `pyproject.toml` with a [tool.slimlint] table, from `start` upwards."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        dotfile = candidate / ".slimlint.toml"
        if dotfile.is_file():
            return dotfile
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if (candidate / ".git").exists():
            break
    return None


def _has_tool_table(pyproject: Path) -> bool:
    try:
        return "slimlint" in _read_toml(pyproject).get("tool", {})
    except ConfigError:
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported here: most runs have no config file, and start-up time matters in pre-commit.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from exc


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("slimlint", {})
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path) -> Config:
    where = str(path)
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KNOWN_KEYS))}")
    base = path.parent
    config = Config(path=path)
    if "select" in data:
        config.select = _strings(data["select"], "select", where)
    config.ignore = _strings(data.get("ignore", []), "ignore", where)
    if "fail-level" in data:
        config.fail_level = _choice(data["fail-level"], FAIL_LEVELS, "fail-level", where)
    if "target" in data:
        config.target = _string(data["target"], "target", where)
    if "context" in data:
        config.context = base / _string(data["context"], "context", where)
    config.rules_dirs = tuple(base / p for p in _strings(data.get("rules-dir", []), "rules-dir", where))
    for rule_id, severity in _table(data.get("severity", {}), "severity", where).items():
        config.severity[_rule_id(rule_id, "severity", where)] = _choice(severity, SEVERITIES, f"severity.{rule_id}", where)
    for pattern, ids in _table(data.get("per-file-ignores", {}), "per-file-ignores", where).items():
        config.per_file_ignores[pattern] = _strings(ids, f"per-file-ignores.{pattern}", where)
    for rule_id, options in _table(data.get("rules", {}), "rules", where).items():
        config.rule_options[_rule_id(rule_id, "rules", where)] = dict(_table(options, f"rules.{rule_id}", where))
    for pattern, folder in _table(data.get("contexts", {}), "contexts", where).items():
        config.contexts[pattern] = str(base / _string(folder, f"contexts.{pattern}", where))
    if "max-wasted-bytes" in data:
        config.max_wasted_bytes = _checked(parse_size, data["max-wasted-bytes"], f"{where}: max-wasted-bytes")
    if "min-efficiency" in data:
        config.min_efficiency = _checked(parse_ratio, data["min-efficiency"], f"{where}: min-efficiency")
    for key in ("fix", "unsafe-fixes", "show-fixes"):
        if key in data:
            setattr(config, key.replace("-", "_"), _bool(data[key], key, where))
    if "fixable" in data:
        config.fixable = _strings(data["fixable"], "fixable", where)
    config.unfixable = _strings(data.get("unfixable", []), "unfixable", where)
    return config


def _bool(value: Any, key: str, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key} must be true or false, got {value!r}")
    return value


def _checked(parse, value: Any, what: str):
    try:
        return parse(value, what)
    except OptionError as exc:
        raise ConfigError(str(exc)) from None


def _rule_id(key: str, table: str, where: str) -> str:
    if not re.match(r"^[A-Za-z]{2,}[0-9]{3,}$", key):
        raise ConfigError(f"{where}: [{table}] keys must be rule ids like SL101, got {key!r}")
    return key.upper()


def _string(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    return value


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(v.strip() for v in value)


def _choice(value: Any, choices: tuple[str, ...], key: str, where: str) -> str:
    if value not in choices:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _table(value: Any, key: str, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value
