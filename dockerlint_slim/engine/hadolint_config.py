""".hadolint.yaml for projects that come from hadolint: when no slimlint config exists, the settings of hadolint's
config that concern a rule with a slimlint counterpart (knowledge/hadolint.py) are used, and the run says so once.

    ignored: [DL3009, DL3059]            -> those findings are not reported (as `# hadolint global ignore=...`)
    override: {error: [DL3015]}          -> SL202's severity is error (hadolint's `style` is slimlint's `info`)
    failure-threshold: warning           -> fail-level = "warning" (`ignore`/`none` -> "none")
    no-fail: true                        -> fail-level = "none"
    disable-ignore-pragma: true          -> `# hadolint ignore=` comments are not honoured

Other keys (trusted registries, label schemas, output format) and codes without a counterpart (DL3008, SC2086, ...)
are hadolint's alone. It is found where `.slimlint.toml` is looked for: from the current folder up to the repository
root. A file that cannot be read as that YAML is reported as a warning and left out (it is hadolint's config, not
slimlint's: it must not stop the run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockerlint_slim.knowledge.hadolint import FAILURE_THRESHOLDS, SEVERITIES, counterpart

NAMES = (".hadolint.yaml", ".hadolint.yml")
MAX_BYTES = 1024 * 1024


@dataclass
class HadolintSettings:
    path: Path
    ignored: tuple[str, ...] = ()  # codes with a counterpart, ignored everywhere
    severity: dict[str, str] = field(default_factory=dict)  # slimlint rule id -> severity
    fail_level: str | None = None
    pragmas: bool = True  # honour `# hadolint ignore=` comments
    used: list[str] = field(default_factory=list)  # what was taken, in words (for the note)
    left: list[str] = field(default_factory=list)  # what was not, and why


class HadolintConfigError(Exception):
    """A `.hadolint.yaml` that cannot be read: a warning, and the file is left out."""


def find_hadolint_config(start: Path, root: Path | None) -> Path | None:
    folder = start.resolve()
    for candidate in (folder, *folder.parents) if root is not None else (folder,):
        for name in NAMES:
            path = candidate / name
            if path.is_file():
                return path
        if candidate == root:
            break
    return None


def load_hadolint_config(path: Path) -> HadolintSettings:
    data = _read(path)
    settings = HadolintSettings(path)
    codes = _codes(data.get("ignored", []), "ignored", path)
    ignored = []
    for code in codes:
        pair = counterpart(code)
        if pair is None:
            continue
        ignored.append(code.upper())
        only = f" ({_only(pair)} only)" if pair.only else ""
        settings.used.append(f"ignored {code.upper()} -> {pair.rule}{only}")
    settings.ignored = tuple(ignored)
    override = data.get("override", {}) or {}
    if not isinstance(override, dict):
        raise HadolintConfigError(f"{path}: override must be a mapping of severities to lists of rule codes")
    for level, level_codes in override.items():
        severity = SEVERITIES.get(str(level).lower())
        if severity is None:
            raise HadolintConfigError(f"{path}: override.{level}: not a hadolint severity "
                                      f"({', '.join(SEVERITIES)})")
        for code in _codes(level_codes, f"override.{level}", path):
            pair = counterpart(code)
            if pair is None:
                continue
            if pair.only:
                # A severity is the rule's: the other half of what it reports would change too.
                settings.left.append(f"override {code.upper()} (covers {_only(pair)} of {pair.rule} only)")
                continue
            settings.severity[pair.rule] = severity
            settings.used.append(f"{code.upper()} -> {pair.rule} severity {severity}")
    threshold = data.get("failure-threshold")
    if threshold is not None:
        level = FAILURE_THRESHOLDS.get(str(threshold).lower())
        if level is None:
            raise HadolintConfigError(f"{path}: failure-threshold {threshold!r} is not one of "
                                      f"{', '.join(FAILURE_THRESHOLDS)}")
        settings.fail_level = level
        settings.used.append(f"failure-threshold {threshold} -> fail-level {level}")
    if data.get("no-fail") is True:
        settings.fail_level = "none"
        settings.used.append("no-fail -> fail-level none")
    if data.get("disable-ignore-pragma") is True:
        settings.pragmas = False
        settings.used.append("disable-ignore-pragma: `# hadolint` comments not honoured")
    return settings


def _only(pair) -> str:
    return "/".join(value for values in pair.only.values() for value in values)


def _read(path: Path) -> dict[str, Any]:
    from dockerlint_slim.files import read_regular_file

    try:
        raw = read_regular_file(str(path), MAX_BYTES + 1)
    except OSError as exc:
        raise HadolintConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if raw is None or len(raw) > MAX_BYTES:
        raise HadolintConfigError(f"cannot read {path}: not a regular file of at most {MAX_BYTES // 1024} KiB")
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        raise HadolintConfigError(f"{path} not read: PyYAML is not installed") from None
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise HadolintConfigError(f"invalid YAML in {path}{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HadolintConfigError(f"{path}: expected a mapping of settings")
    return data


def _codes(value: Any, key: str, path: Path) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise HadolintConfigError(f"{path}: {key} must be a list of rule codes")
    return value
