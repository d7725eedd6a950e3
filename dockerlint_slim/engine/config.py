"""Configuration: `.slimlint.toml` or `[tool.slimlint]` in `pyproject.toml`, found from the current folder up to
the repository root, over the user's own `~/.config/slimlint/config.toml`.

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

A config found by discovery may come from the repository being linted (a pull request): its `rules-dir` would
import and run that repository's code, so it is not loaded unless the user asked for it (see `load_settings`).
"""

from __future__ import annotations

import os
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
    keys: frozenset[str] = frozenset()  # the keys the file sets (what it overrides when layered over another)
    skipped_rules_dirs: tuple[Path, ...] = ()  # `rules-dir` of a discovered config, not loaded (see load_settings)
    # From a .hadolint.yaml read for want of a project config (engine/hadolint_config.py):
    hadolint_path: Path | None = None
    hadolint_ignored: tuple[str, ...] = ()  # hadolint codes ignored everywhere
    hadolint_pragmas: bool = True  # honour `# hadolint ignore=` comments


# Far above any real config (a few KiB): a bigger file is refused rather than read into memory.
MAX_CONFIG_BYTES = 1024 * 1024
# Folders that mark a repository root: config discovery does not climb above them.
_REPOSITORY_MARKERS = (".git", ".hg", ".svn", ".jj")


def repository_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds `.git` (or another version-control folder)."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        if any(os.path.lexists(candidate / marker) for marker in _REPOSITORY_MARKERS):
            return candidate
    return None


def find_config(start: Path) -> Path | None:
    """The nearest `.slimlint.toml`, or `pyproject.toml` with a [tool.slimlint] table, from `start` up to the
    repository root. Outside a repository only `start` itself is searched: a folder above it (a shared `/tmp`, a
    home folder holding many projects) is nobody's project config."""
    folder = start.resolve()
    root = repository_root(folder)
    for candidate in (folder, *folder.parents) if root is not None else (folder,):
        dotfile = candidate / ".slimlint.toml"
        if dotfile.is_file():
            return dotfile
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_tool_table(pyproject):
            return pyproject
        if candidate == root:
            break
    return None


def user_config_path() -> Path | None:
    """The user's own config: `$XDG_CONFIG_HOME/slimlint/config.toml` (default `~/.config/slimlint/config.toml`)."""
    base = os.environ.get("XDG_CONFIG_HOME")
    if not base:
        home = os.environ.get("HOME")
        if not home:
            return None
        base = os.path.join(home, ".config")
    return Path(base) / "slimlint" / "config.toml"


def load_settings(explicit: Path | None, start: Path) -> Config:
    """The configuration of a run: the user-level config, with the project's config (`explicit`, else the one
    `find_config` discovers from `start`) layered over it key by key.

    Rule folders run code, so `rules-dir` loads only from a config the user chose: the user-level file, or one
    named with `--config`. A discovered config may be part of the repository being linted (a pull request from a
    stranger): its `rules-dir` is left out and reported in `skipped_rules_dirs`.
    """
    user_path = user_config_path()
    user = load_config(user_path) if user_path is not None and user_path.is_file() else Config()
    if explicit is not None:
        project = load_config(explicit)
    else:
        project = load_config(find_config(start))
        if project.rules_dirs:
            project.skipped_rules_dirs, project.rules_dirs = project.rules_dirs, ()
    return _layered(user, project)


# Config keys and the Config fields they set.
_FIELDS = {
    "select": ("select",), "ignore": ("ignore",), "fail-level": ("fail_level",), "target": ("target",),
    "context": ("context",), "severity": ("severity",), "per-file-ignores": ("per_file_ignores",),
    "rules": ("rule_options",), "contexts": ("contexts",), "max-wasted-bytes": ("max_wasted_bytes",),
    "min-efficiency": ("min_efficiency",), "fix": ("fix",), "unsafe-fixes": ("unsafe_fixes",),
    "show-fixes": ("show_fixes",), "fixable": ("fixable",), "unfixable": ("unfixable",),
}


def _layered(base: Config, top: Config) -> Config:
    """`top` over `base`: each key `top` sets replaces `base`'s; rule folders of both load."""
    if top.path is None:
        return base
    if base.path is None:
        return top
    merged = Config(path=top.path, keys=base.keys | top.keys, skipped_rules_dirs=top.skipped_rules_dirs)
    for source in (base, top):
        for key in source.keys:
            for name in _FIELDS.get(key, ()):
                setattr(merged, name, getattr(source, name))
    merged.rules_dirs = base.rules_dirs + top.rules_dirs
    return merged


def _has_tool_table(pyproject: Path) -> bool:
    """Does the file hold a [tool.slimlint] table? A pyproject.toml that cannot be read is an error rather than
    "no": it may hold this project's settings, and linting without them would pass silently."""
    tool = _read_toml(pyproject).get("tool", {})
    return isinstance(tool, dict) and "slimlint" in tool


def _read_toml(path: Path) -> dict[str, Any]:
    # Imported here: most runs have no config file, and start-up time matters in pre-commit.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    from dockerlint_slim.files import read_regular_file

    try:
        data = read_regular_file(str(path), MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    if data is None:
        raise ConfigError(f"cannot read config {path}: not a regular file")
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"cannot read config {path}: larger than {MAX_CONFIG_BYTES // 1024} KiB")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"invalid TOML in {path}: not UTF-8 (line {line})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"invalid TOML in {path}: nested too deeply") from None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("slimlint", {}) if isinstance(tool, dict) else {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.slimlint] must be a table")
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path) -> Config:
    where = str(path)
    unknown = set(data) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KNOWN_KEYS))}")
    base = path.parent
    config = Config(path=path, keys=frozenset(data))
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
