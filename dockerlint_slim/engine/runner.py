"""What `slimlint check` does between the command line and the formatter: config, discovery, linting, exit code."""

from __future__ import annotations

import fnmatch
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from dockerlint_slim.diagnostics import SEVERITY_RANK
from dockerlint_slim.engine.config import Config, ConfigError, find_config, load_config
from dockerlint_slim.engine.registry import Rule, RuleLoadError, load_rules
from dockerlint_slim.options import OptionError, parse_ratio, parse_size

_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


class RunError(Exception):
    """A usage or IO problem: reported as one line on stderr with exit code 2."""


@dataclass
class CheckRequest:
    paths: tuple[str, ...]
    context_dir: str | None = None
    target: str | None = None
    fmt: str = "text"
    output: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_level: str | None = None
    config_path: str | None = None
    rules_dirs: tuple[str, ...] = ()
    max_wasted_bytes: str | None = None
    min_efficiency: str | None = None
    sarif_category: str | None = None
    color: bool = False
    fix: bool | None = None  # None: as the config says
    unsafe_fixes: bool | None = None
    diff: bool = False
    fix_only: bool = False
    show_fixes: bool | None = None
    fixable: tuple[str, ...] = ()
    unfixable: tuple[str, ...] = ()


def is_dockerfile_name(name: str) -> bool:
    lower = name.lower()
    if lower.endswith(".dockerignore"):  # Dockerfile.dockerignore: BuildKit's per-Dockerfile ignore file
        return False
    # The core issue's list: `Dockerfile`, `Dockerfile.*`, `*.dockerfile`, `Containerfile*` (so `Containerfile-dev`
    # too, as Podman users name them), plus `*.containerfile`.
    return (
        lower == "dockerfile"
        or lower.startswith(("dockerfile.", "containerfile"))
        or lower.endswith(".dockerfile")
        or lower.endswith(".containerfile")
    )


def discover(paths: tuple[str, ...]) -> list[str]:
    """Files as given; folders searched recursively (without following links) for Dockerfile-like names."""
    found: list[str] = []
    for path in paths:
        if path == "-":
            found.append(path)
            continue
        if os.path.isdir(path):
            matches = []
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
                matches += [os.path.join(folder, f) for f in sorted(files) if is_dockerfile_name(f)]
            if not matches:
                raise RunError(f"no Dockerfiles found under {path}")
            found += matches
        elif os.path.exists(path):
            found.append(path)
        else:
            raise RunError(f"cannot read {path}: no such file or directory")
    return found


def load_all_rules(rules_dirs: tuple[Path, ...] = ()) -> list[Rule]:
    try:
        return load_rules(rules_dirs)
    except RuleLoadError as exc:
        raise RunError(str(exc)) from exc


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise RunError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _context_for(path: str, request: CheckRequest, config: Config) -> Path | None:
    if request.context_dir:
        return Path(request.context_dir)
    if path != "-":
        # Globs match the path as given, absolute, or relative to the config file's folder (so a monorepo config
        # works whichever folder slimlint runs from).
        absolute = Path(os.path.abspath(path))
        candidates = [Path(path).as_posix(), absolute.as_posix()]
        if config.path is not None:
            try:
                candidates.append(absolute.relative_to(Path(os.path.abspath(config.path)).parent).as_posix())
            except ValueError:
                pass
        for pattern, folder in config.contexts.items():
            if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates):
                return Path(folder)
    return config.context


def options_rules(rules: list[Rule], options) -> list[Rule]:
    from dockerlint_slim.engine import select_rules

    return select_rules(rules, options)


def _selects_something(token: str, rules: list[Rule]) -> bool:
    """The selector forms --select/--ignore accept: ALL, a rule name, a rule id or an id prefix (SL2)."""
    return token.upper() == "ALL" or any(token == r.name or r.id.startswith(token.upper()) for r in rules)


def check_rule_references(rules: list[Rule], request: CheckRequest, config: Config) -> None:
    """Every rule the command line or the config names must exist, with options it declares.

    A typo (`--select SL2O1`, `[severity] SL999`, `[rules.SL301] treshold`) would otherwise run nothing or change
    nothing, silently: a usage error (exit 2) that says where the name comes from.
    """
    where = str(config.path) if config.path else "config"
    for source, tokens in (("--select", request.select), ("--ignore", request.ignore),
                           ("--fixable", request.fixable), ("--unfixable", request.unfixable),
                           (f"{where}: select", config.select or ()), (f"{where}: ignore", config.ignore),
                           (f"{where}: fixable", config.fixable or ()), (f"{where}: unfixable", config.unfixable)):
        for token in tokens:
            if token and not _selects_something(token, rules):
                raise RunError(f"{source}: unknown rule {token!r} (`slimlint rules` lists them)")
    for pattern, tokens in config.per_file_ignores.items():
        for token in tokens:
            if token and not _selects_something(token, rules):
                raise RunError(f"{where}: per-file-ignores.{pattern}: unknown rule {token!r} (`slimlint rules` lists them)")
    by_id = {r.id: r for r in rules}
    for rule_id in config.severity:
        if rule_id not in by_id:
            raise RunError(f"{where}: [severity] unknown rule {rule_id!r} (`slimlint rules` lists them)")
    for rule_id, options in config.rule_options.items():
        rule = by_id.get(rule_id)
        if rule is None:
            raise RunError(f"{where}: [rules.{rule_id}] unknown rule (`slimlint rules` lists them)")
        for key, value in options.items():
            if key not in rule.options:
                known = ", ".join(sorted(rule.options)) or "none"
                raise RunError(f"{where}: [rules.{rule_id}] unknown option {key!r} (options: {known})")
            try:
                rule.options[key].parse(value, f"{where}: [rules.{rule_id}] {key}")
            except OptionError as exc:
                raise RunError(str(exc)) from None


def build_options(request: CheckRequest, config: Config):
    from dockerlint_slim.engine import LintOptions

    rule_options = {rule_id: dict(options) for rule_id, options in config.rule_options.items()}
    budget = rule_options.setdefault("SL501", {})
    max_wasted = request.max_wasted_bytes if request.max_wasted_bytes is not None else config.max_wasted_bytes
    min_efficiency = request.min_efficiency if request.min_efficiency is not None else config.min_efficiency
    try:
        if max_wasted is not None:
            budget["max_wasted_bytes"] = parse_size(max_wasted, "--max-wasted-bytes")
        if min_efficiency is not None:
            budget["min_efficiency"] = parse_ratio(min_efficiency, "--min-efficiency")
    except OptionError as exc:
        raise RunError(str(exc)) from exc
    return LintOptions(
        select=request.select or config.select or ("ALL",),
        ignore=tuple(config.ignore) + tuple(request.ignore),
        severity=dict(config.severity),
        rule_options=rule_options,
        per_file_ignores=dict(config.per_file_ignores),
        target=request.target or config.target,
        config_dir=config.path.parent if config.path is not None else None,
    )


def fix_policy(request: CheckRequest, config: Config, rules: list[Rule]):
    from dockerlint_slim.engine.fixer import FixPolicy

    unsafe = request.unsafe_fixes if request.unsafe_fixes is not None else bool(config.unsafe_fixes)
    return FixPolicy(
        unsafe=unsafe,
        fixable=request.fixable or config.fixable or ("ALL",),
        unfixable=tuple(config.unfixable) + tuple(request.unfixable),
        rules=tuple(rules),
    )


def run_check(request: CheckRequest) -> int:
    """Lint (and fix), write the report, and return the exit code. RunError/ConfigError end as exit code 2."""
    from dockerlint_slim.engine import Linter, RuleCrashed, RuleOptionError, TargetNotFound
    from dockerlint_slim.formatters import render

    fixing = False
    broken: list[str] = []
    try:
        config_file = Path(request.config_path) if request.config_path else find_config(Path.cwd())
        if request.config_path and not config_file.is_file():
            raise RunError(f"config file not found: {request.config_path}")
        config = load_config(config_file)
        paths = request.paths
        if not paths:
            if not os.path.exists("Dockerfile"):
                raise RunError("no Dockerfile given and none in the current folder (try `slimlint path/to/Dockerfile`)")
            paths = ("Dockerfile",)
        files = discover(paths)
        rules = load_all_rules(tuple(config.rules_dirs) + tuple(Path(p) for p in request.rules_dirs))
        check_rule_references(rules, request, config)
        options = build_options(request, config)
        policy = fix_policy(request, config, rules)
        fixing = request.diff or request.fix_only or (request.fix if request.fix is not None else bool(config.fix))
        show_fixes = request.show_fixes if request.show_fixes is not None else bool(config.show_fixes)
        linters: dict = {}
        results = []
        outcomes = []
        budget_option = next((name for name, value in (("--max-wasted-bytes", request.max_wasted_bytes),
                                                       ("--min-efficiency", request.min_efficiency)) if value), None)
        for path in files:
            context = _context_for(path, request, config)
            if context is not None and not context.is_dir():
                raise RunError(f"build context is not a folder: {context}")
            if context is None and budget_option and any(r.id == "SL501" for r in options_rules(rules, options)):
                # Without a context no byte is known: the budget would pass silently, a CI gate that never closes.
                raise RunError(f"{budget_option} needs a build context for {path}: add --context DIR")
            if context not in linters:
                linters[context] = Linter(rules, replace(options, context_dir=context))
            if not fixing:
                results.append(linters[context].lint(_read(path), path))
                continue
            outcome = _fix_one(linters[context], path, policy, request)
            if outcome.error:
                broken.append(outcome.error)
            outcome.result.fixed = dict(outcome.counts())
            outcomes.append(outcome)
            results.append(outcome.result)
        fail_level = request.fail_level or config.fail_level or "info"
        ran = linters[next(iter(linters))].rules if linters else rules
        if request.diff:
            return _report_diff(outcomes, broken)
        report = render(request.fmt, results, ran, color=request.color, category=request.sarif_category,
                        fix_policy=policy, show_fixes=show_fixes)
        stdin_fixed = fixing and files == ["-"]
        if stdin_fixed:
            sys.stdout.write(outcomes[0].text)  # the fixed Dockerfile; the report goes to stderr
            sys.stdout.flush()
        if request.fix_only:
            _fix_summary(outcomes, show_fixes, ran)
        elif stdin_fixed and request.output is None:
            sys.stderr.write(report)
        else:
            _write(report, request.output)
    except (RunError, ConfigError, TargetNotFound, RuleOptionError, RuleCrashed) as exc:
        print(f"slimlint: error: {exc}", file=sys.stderr)
        return 2
    except _context_errors() as exc:
        print(f"slimlint: error: {exc}", file=sys.stderr)
        return 2
    for message in broken:
        print(f"slimlint: error: {message}", file=sys.stderr)
    if broken:
        return 2
    if request.fix_only or fail_level == "none":
        return 0
    threshold = SEVERITY_RANK[fail_level]
    failing = any(SEVERITY_RANK[d.severity] <= threshold for r in results for d in r.diagnostics)
    return 1 if failing else 0


def _fix_one(linter, path: str, policy, request: CheckRequest):
    from dockerlint_slim.engine.fixer import FixFailed, fix_source, write_outcome

    try:
        outcome = fix_source(linter, _read(path), path, policy)
    except FixFailed as exc:
        raise RunError(str(exc)) from exc
    if not outcome.converged:
        print(f"slimlint: warning: {path}: fixes did not settle after several passes; the last text is kept",
              file=sys.stderr)
    if not request.diff and path != "-" and outcome.changed:
        try:
            write_outcome(outcome)
        except OSError as exc:
            raise RunError(f"cannot write {exc.filename or path}: {exc.strerror or exc}") from exc
    return outcome


def _report_diff(outcomes, broken: list[str]) -> int:
    """`--diff`: the unified diff of every file the fixes would change; nothing is written."""
    from dockerlint_slim.engine.fixer import unified_diff

    sys.stdout.write("".join(unified_diff(o) for o in outcomes if o.changed))
    sys.stdout.flush()
    count = sum(len(o.fixed) for o in outcomes)
    if count:
        print(f"Would fix {count} problem{'s' if count != 1 else ''}.", file=sys.stderr)
    for message in broken:
        print(f"slimlint: error: {message}", file=sys.stderr)
    if broken:
        return 2
    return 1 if any(o.changed for o in outcomes) else 0


def _fix_summary(outcomes, show_fixes: bool, rules) -> None:
    """`--fix-only`: what was fixed, on stderr (stdout may carry the fixed Dockerfile from stdin)."""
    from dockerlint_slim.formatters.text import fixed_lines

    count = sum(len(o.fixed) for o in outcomes)
    if show_fixes:
        lines = fixed_lines([o.result for o in outcomes], rules)
    else:
        lines = [f"Fixed {count} problem{'s' if count != 1 else ''}." if count else "No fixes applied."]
    print("\n".join(lines), file=sys.stderr)


def _context_errors() -> tuple[type[Exception], ...]:
    """Errors of the build-context scan that are the user's to fix (a bad .dockerignore pattern, ...)."""
    try:
        from dockerlint_slim.context import ContextError
    except ImportError:
        return ()
    return (ContextError,)


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise RunError(f"cannot write {output}: {exc.strerror or exc}") from exc


def ast_document(files: tuple[str, ...], target: str | None) -> str:
    from dockerlint_slim.parser import parse_dockerfile

    documents = []
    for path in files:
        try:
            dockerfile = parse_dockerfile(_read(path), path, target=target)
        except RunError as exc:
            print(f"slimlint: error: {exc}", file=sys.stderr)
            sys.exit(2)
        documents.append({"file": path, "instructions": [instruction_dict(i) for i in dockerfile.instructions],
                          "stages": [stage_dict(s) for s in dockerfile.stages],
                          "parse_errors": [{"message": e.message, "line": e.span.line} for e in dockerfile.parse_errors]})
    return json.dumps(documents, indent=2)


def instruction_dict(instruction) -> dict:
    span = instruction.span
    data = {
        "instruction": instruction.keyword,
        "start_line": span.line,
        "end_line": span.end_line,
        "start_column": span.column,
        "end_column": span.end_column,
        "stage": instruction.stage_index,
        "flags": [{"name": f.name, "value": f.value} for f in instruction.flags],
        "arguments": instruction.arguments,
        "json": instruction.json_form,
        "args": list(instruction.args),
    }
    if instruction.heredocs:
        data["heredocs"] = [{"name": h.name, "content": h.content} for h in instruction.heredocs]
    commands = getattr(instruction, "commands", None)
    if commands is not None:
        data["commands"] = [{"argv": list(c.argv), "line": c.span.line, "column": c.span.column} for c in commands]
        data["mounts"] = [{"type": m.type, "target": m.target, "source": m.source, "from": m.from_, "id": m.id} for m in instruction.mounts]
    trigger = getattr(instruction, "trigger", None)
    if trigger is not None:
        data["trigger"] = instruction_dict(trigger)
    for name in ("resolved_image", "alias", "sources", "destination", "from_", "pairs", "path"):
        if hasattr(instruction, name):
            value = getattr(instruction, name)
            data[name.rstrip("_")] = list(value) if isinstance(value, tuple) else value
    return data


def stage_dict(stage) -> dict:
    return {
        "index": stage.index,
        "name": stage.name,
        "base_image": stage.base_image,
        "parent": stage.parent.index if stage.parent else None,
        "reaches_image": stage.reaches_image,
    }
