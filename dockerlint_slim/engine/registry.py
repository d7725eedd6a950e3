"""Rules as plugins: built-in modules in `rules/`, entry points in group `slimlint.rules`, and local folders.

A rule is a module (see `rules/sl101_scattered_run.py`) with module-level constants and a `check` function:

    ID = "SL101"                      # SLnnn
    NAME = "scattered-run"            # kebab-case
    SEVERITY = "info"                 # error | warning | info
    SUMMARY = "one line"
    NEEDS = frozenset()               # optional: {"context"} to run only with --context; {"suppressions"} to run
                                      # after the other rules and read session.suppressions
    OPTIONS = {"threshold": 10}       # optional: defaults, overridable in config
    TAGS = ("layers",)                # optional: SARIF properties.tags
    SUPERSEDES = ("SL102",)           # optional: rules whose findings on the same origin and path this rule's
                                      # findings replace (see engine/overlaps.py)
    FIX = "sometimes"                 # optional: always | sometimes | unsafe | none (default) — see FIX_AVAILABILITY
    def check(target) -> Iterable[Finding]

The module docstring is the rule's documentation (What it does / Why is this bad? / Example / Use instead).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

from dockerlint_slim.diagnostics import SEVERITIES
from dockerlint_slim.options import Option, as_option

ENTRY_POINT_GROUP = "slimlint.rules"
# Whether a rule's findings carry edits `--fix` can apply (ruff's fix availability, plus "unsafe"): "always" (every
# finding), "sometimes" (some findings: the rule's docs say when), "unsafe" (every fix it makes is unsafe: applied
# only with --unsafe-fixes), "none" (advice only).
FIX_AVAILABILITY = {
    "always": "Fix is always available.",
    "sometimes": "Fix is sometimes available.",
    "unsafe": "Fix is sometimes available; it is unsafe (applied only with `--unsafe-fixes`).",
    "none": "Fix is not available (the finding's help says what to change).",
}
_ID = re.compile(r"^[A-Z]{2,}[0-9]{3,}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class RuleLoadError(Exception):
    """A rule module is missing a required attribute or has an invalid one."""


def described(exc: BaseException) -> str:
    """`RuntimeError: boom`; `SystemExit: 0` for a module that calls sys.exit(0)."""
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def not_an_interrupt(exc: BaseException) -> None:
    """Rule code may raise anything, even SystemExit (`sys.exit(0)` would otherwise end the run with exit 0 and no
    output) or its own BaseException: all become one error line. KeyboardInterrupt is the user's Ctrl-C: it still
    stops the run."""
    if isinstance(exc, KeyboardInterrupt):
        raise exc


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    summary: str
    docs: str
    check: Callable[[Any], Iterable[Any]] = field(compare=False, repr=False)
    needs: frozenset[str] = frozenset()
    options: dict[str, Option] = field(default_factory=dict, compare=False)
    tags: tuple[str, ...] = ()
    origin: str = "builtin"
    supersedes: frozenset[str] = frozenset()
    fix: str = "none"  # a key of FIX_AVAILABILITY

    @property
    def defaults(self) -> dict[str, Any]:
        """Each option's default value, as the rule reads it."""
        return {name: option.default for name, option in self.options.items()}

    @property
    def doc_slug(self) -> str:
        return f"{self.id.lower()}-{self.name}"

    @property
    def docs_url(self) -> str | None:
        """The rule's page on the docs site; None for a plugin or local rule (its docs are its own)."""
        from dockerlint_slim import DOCS_URL

        return f"{DOCS_URL}rules/{self.doc_slug}/" if self.origin == "builtin" else None

    def doc_section(self, title: str) -> str:
        """One section of the rule's docs (`"Why is this bad?"`), without its title; "" when it has none."""
        return doc_section(self.docs, title)


# Section titles of rule docstrings, each alone on its line; the docs site makes them headings.
DOC_SECTION_TITLES = frozenset({
    "what it does", "why is this bad?", "why is this bad", "example", "examples", "use instead", "options",
    "limitations", "known limitations", "known limits", "sizes", "exceptions", "notes", "see also", "how to fix",
    "fix",
})


def _section_title(line: str) -> str | None:
    title = line.strip().lower().rstrip(":")
    return title if title in DOC_SECTION_TITLES else None


def doc_section(docs: str, title: str) -> str:
    """The text of the section `title` of a rule docstring, up to the next section title (fenced code is never a
    title); "" when the docstring has no such section."""
    wanted = title.strip().lower().rstrip(":").rstrip("?")
    body: list[str] | None = None
    in_fence = False
    for line in docs.splitlines():
        if line.strip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and (found := _section_title(line)) is not None:
            if body is not None:
                break
            if found.rstrip("?") == wanted:
                body = []
            continue
        if body is not None:
            body.append(line)
    return "\n".join(body or ()).strip()


def rule_from_module(module: ModuleType, origin: str) -> Rule:
    """The rule a module declares; RuleLoadError (one line) for anything wrong with it, whatever reading it raises
    (a module-level `__getattr__`, a docstring that is not text, ...)."""
    try:
        return _rule_from_module(module, origin)
    except RuleLoadError:
        raise
    except BaseException as exc:
        not_an_interrupt(exc)
        raise RuleLoadError(f"rule module {getattr(module, '__name__', '?')} ({origin}): {described(exc)}") from exc


def _rule_from_module(module: ModuleType, origin: str) -> Rule:
    def need(attr: str, kind: type) -> Any:
        value = getattr(module, attr, None)
        if not isinstance(value, kind):
            raise RuleLoadError(f"rule module {module.__name__} ({origin}): {attr} must be a {kind.__name__}")
        return value

    rule_id, name, severity = need("ID", str), need("NAME", str), need("SEVERITY", str)
    if not _ID.match(rule_id):
        raise RuleLoadError(f"rule module {module.__name__}: ID {rule_id!r} must look like SL123")
    if not _NAME.match(name):
        raise RuleLoadError(f"rule {rule_id}: NAME {name!r} must be kebab-case")
    if severity not in SEVERITIES:
        raise RuleLoadError(f"rule {rule_id}: SEVERITY must be one of {', '.join(SEVERITIES)}")
    fix = getattr(module, "FIX", "none")
    if fix not in FIX_AVAILABILITY:
        raise RuleLoadError(f"rule {rule_id}: FIX must be one of {', '.join(FIX_AVAILABILITY)}, got {fix!r}")
    check = getattr(module, "check", None)
    if not callable(check):
        raise RuleLoadError(f"rule {rule_id}: module has no check(target) function")
    return Rule(
        id=rule_id,
        name=name,
        severity=severity,
        summary=need("SUMMARY", str),
        docs=inspect.cleandoc(module.__doc__ or ""),
        check=check,
        needs=_names(module, rule_id, "NEEDS", KNOWN_NEEDS),
        options=_options(module, rule_id),
        tags=tuple(getattr(module, "TAGS", ())) if _names(module, rule_id, "TAGS") else (),
        origin=origin,
        supersedes=_supersedes(module, rule_id),
        fix=fix,
    )


# What a rule may need beyond the Dockerfile: a build context (`--context`), a built image (`slimlint image`), or
# what became of the file's suppression comments once every other rule ran (`session.suppressions`).
KNOWN_NEEDS = frozenset({"context", "image", "suppressions"})


def _names(module: ModuleType, rule_id: str, attribute: str, known: frozenset[str] | None = None) -> frozenset[str]:
    """NEEDS or TAGS: a collection of strings (from `known` when given), checked so that `NEEDS = 5` or
    `NEEDS = "context"` is a load error that says so, not a traceback or a rule that silently never runs."""
    declared = getattr(module, attribute, ())
    if isinstance(declared, str) or not isinstance(declared, (tuple, list, frozenset, set)) or not all(
            isinstance(item, str) for item in declared):
        raise RuleLoadError(f"rule {rule_id}: {attribute} must be a tuple or set of strings, got {declared!r:.60}")
    unknown = set(declared) - known if known is not None else set()
    if unknown:
        raise RuleLoadError(f"rule {rule_id}: unknown {attribute} {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(known or ()))})")
    return frozenset(declared)


def _supersedes(module: ModuleType, rule_id: str) -> frozenset[str]:
    declared = getattr(module, "SUPERSEDES", ())
    if isinstance(declared, str) or not isinstance(declared, (tuple, list, frozenset, set)) or not all(
        isinstance(other, str) and _ID.match(other) for other in declared
    ):
        raise RuleLoadError(f"rule {rule_id}: SUPERSEDES must be a tuple of rule ids such as (\"SL102\",)")
    if rule_id in declared:
        raise RuleLoadError(f"rule {rule_id}: SUPERSEDES names the rule itself")
    return frozenset(declared)


def _options(module: ModuleType, rule_id: str) -> dict[str, Option]:
    declared = getattr(module, "OPTIONS", {})
    if not isinstance(declared, dict) or not all(isinstance(name, str) for name in declared):
        raise RuleLoadError(f"rule {rule_id}: OPTIONS must be a dict of option names to options or defaults")
    return {name: as_option(value) for name, value in declared.items()}


def rules_package() -> ModuleType:
    """The built-in rules package, `dockerlint_slim.rules` (from rules/ beside dockerlint_slim/ in a source checkout)."""
    try:
        from dockerlint_slim import rules

        return rules
    except ImportError:
        # Run from a source checkout whose folder shadows the installed package (`python -m dockerlint_slim` or
        # pytest in the repository root): rules/ sits beside dockerlint_slim/, as pyproject's package-dir maps it.
        folder = Path(__file__).resolve().parents[2] / "rules"
        spec = importlib.util.spec_from_file_location(
            "dockerlint_slim.rules", folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None or not folder.is_dir():
            raise
        module = importlib.util.module_from_spec(spec)
        sys.modules["dockerlint_slim.rules"] = module
        spec.loader.exec_module(module)
        return module


def builtin_rules() -> list[Rule]:
    package = rules_package()
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
        except BaseException as exc:  # a broken module must end as one clear error line, not a traceback
            not_an_interrupt(exc)
            raise RuleLoadError(f"cannot load built-in rule module {info.name}: {described(exc)}") from exc
        found.append(rule_from_module(module, "builtin"))
    return found


def entry_point_rules() -> list[Rule]:
    found = []
    for name, value in _entry_points(ENTRY_POINT_GROUP):
        module_name, _, attribute = value.partition(":")
        try:
            loaded = importlib.import_module(module_name.strip())
            for part in filter(None, attribute.strip().split(".")):
                loaded = getattr(loaded, part)
        except BaseException as exc:  # a broken plugin must not take the linter down with a traceback
            not_an_interrupt(exc)
            raise RuleLoadError(f"cannot load rule plugin {name!r} ({value}): {described(exc)}") from exc
        modules = loaded if isinstance(loaded, (list, tuple)) else [loaded]
        found += [rule_from_module(module, f"plugin {name}") for module in modules]
    return found


def _entry_points(group: str) -> list[tuple[str, str]]:
    """(name, "module:attr") of installed entry points in `group`.

    Reads `entry_points.txt` of the distributions on sys.path directly: importlib.metadata costs ~40 ms of
    imports, a third of slimlint's start-up, for a lookup that almost always finds nothing.
    """
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    header = f"[{group}]"
    for folder in sys.path:
        try:
            entries = os.scandir(folder or ".")
        except OSError:
            continue
        with entries:
            for entry in entries:
                if not entry.name.endswith((".dist-info", ".egg-info")):
                    continue
                distribution = entry.name.rsplit("-", 1)[0].lower() if "-" in entry.name else entry.name
                if distribution in seen:
                    continue  # the first distribution on sys.path wins, as for imports
                seen.add(distribution)
                try:
                    with open(os.path.join(entry.path, "entry_points.txt"), encoding="utf-8") as handle:
                        text = handle.read()
                except OSError:
                    continue
                if header in text:
                    found += _section(text, header)
    return found


def _section(text: str, header: str) -> list[tuple[str, str]]:
    items, inside = [], False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            inside = line == header
        elif inside and "=" in line and not line.startswith(("#", ";")):
            name, value = line.split("=", 1)
            items.append((name.strip(), value.split("[", 1)[0].strip()))
    return items


def directory_rules(folder: Path) -> list[Rule]:
    if not folder.is_dir():
        raise RuleLoadError(f"rules folder not found: {folder}")
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module_name = f"slimlint_local_rules.{path.stem}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise RuleLoadError(f"cannot import rule file {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:
            not_an_interrupt(exc)
            raise RuleLoadError(f"cannot import rule file {path}: {described(exc)}") from exc
        found.append(rule_from_module(module, str(path)))
    return found


def load_rules(rules_dirs: Iterable[Path] = (), plugins: bool = True) -> list[Rule]:
    rules = builtin_rules()
    if plugins:
        rules += entry_point_rules()
    for folder in rules_dirs:
        rules += directory_rules(Path(folder))
    seen: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in seen:
            raise RuleLoadError(f"two rules use the id {rule.id}: {seen[rule.id].origin} and {rule.origin}")
        seen[rule.id] = rule
    check_supersedes(seen)
    return sorted(rules, key=lambda r: r.id)


def check_supersedes(rules: dict[str, Rule]) -> None:
    """Every superseded rule exists, and no rule supersedes itself through others (the engine could not say which
    finding wins)."""
    for rule in rules.values():
        unknown = sorted(rule.supersedes - rules.keys())
        if unknown:
            raise RuleLoadError(f"rule {rule.id} ({rule.origin}): SUPERSEDES names unknown rules: {', '.join(unknown)}")
    done: set[str] = set()

    def visit(rule_id: str, path: list[str]) -> None:
        if rule_id in path:
            cycle = path[path.index(rule_id):] + [rule_id]
            raise RuleLoadError(f"rules supersede each other in a cycle: {' -> '.join(cycle)}")
        if rule_id in done:
            return
        for other in sorted(rules[rule_id].supersedes):
            visit(other, path + [rule_id])
        done.add(rule_id)

    for rule_id in sorted(rules):
        visit(rule_id, [])
