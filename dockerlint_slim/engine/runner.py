"""What `slimlint check` does between the command line and the formatter: config, discovery, linting, exit code."""

from __future__ import annotations

import fnmatch
import json
import os
import stat
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from dockerlint_slim.diagnostics import SEVERITY_RANK
from dockerlint_slim.engine.config import (
    Config,
    ConfigError,
    find_config,
    load_settings,
    repository_root,
    user_config_path,
)
from dockerlint_slim.engine.linter import FileError
from dockerlint_slim.engine.registry import Rule, RuleLoadError, described, load_rules
from dockerlint_slim.files import read_regular_file
from dockerlint_slim.knowledge.dockerfile_names import is_dockerfile_name
from dockerlint_slim.options import OptionError, parse_ratio, parse_size
from dockerlint_slim.printable import printable

_SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"})
# Real Dockerfiles are kilobytes; the largest seen are a few hundred. A bigger file is refused, not read into memory.
MAX_DOCKERFILE_BYTES = 32 * 1024 * 1024


class RunError(Exception):
    """A usage or IO problem: reported as one line on stderr with exit code 2."""


@dataclass
class CheckRequest:
    paths: tuple[str, ...]
    context_dir: str | None = None
    target: str | None = None
    fmt: str = "text"
    output: str | None = None
    reports: tuple[tuple[str, str], ...] = ()  # --report FORMAT=PATH: more reports of the same run
    statistics: bool = False
    exit_zero: bool = False
    quiet: bool = False
    stdin_filename: str | None = None  # the name standard input is reported under
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


# `--quiet`: warnings and notes are not printed (set for the length of one run).
_quiet = False


def warn(message: str) -> None:
    if not _quiet:
        print(f"slimlint: warning: {printable(message)}", file=sys.stderr)


def note(message: str) -> None:
    """Something the user should know about this run that is no problem (which config was read)."""
    if not _quiet:
        print(f"slimlint: note: {printable(message)}", file=sys.stderr)


def discover(paths: tuple[str, ...], errors: list[FileError]) -> list[tuple[str, bool]]:
    """(path, found by a folder search) for the files to lint: files as given, folders searched recursively for
    Dockerfile-like names. A path that cannot be read is an error of that path (added to `errors`), not of the
    run."""
    found: list[tuple[str, bool]] = []
    for path in paths:
        if path == "-":
            found.append((path, False))
            continue
        try:
            is_folder = os.path.isdir(path) if os.path.islink(path) else stat.S_ISDIR(os.lstat(path).st_mode)
        except OSError as exc:
            errors.append(FileError(path, f"cannot read {printable(path)}: {(exc.strerror or str(exc)).lower()}"))
            continue
        if not is_folder:
            found.append((path, False))
            continue
        problem = _leaves_repository(path)
        if problem:
            errors.append(FileError(path, problem))
            continue
        matches = _search(path)
        if not matches:
            errors.append(FileError(path, f"no Dockerfiles found under {printable(path)}"))
        found += [(match, True) for match in matches]
    return found


def _search(folder: str) -> list[str]:
    """Dockerfile-like regular files below `folder`. Links are not followed, and a link, FIFO, socket or device
    with a Dockerfile's name is skipped with a warning: a repository's `Dockerfile -> /etc/passwd` must not end up
    in a report (or in SARIF uploaded to code scanning), nor a FIFO hang the run."""
    matches = []

    def unreadable(exc: OSError) -> None:
        warn(f"cannot search {exc.filename}: {exc.strerror or exc}")

    for parent, dirs, files in os.walk(folder, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if not is_dockerfile_name(name):
                continue
            path = os.path.join(parent, name)
            try:
                mode = os.lstat(path).st_mode
            except OSError as exc:
                warn(f"skipped {path}: {exc.strerror or exc}")
                continue
            if stat.S_ISREG(mode):
                matches.append(path)
            elif stat.S_ISLNK(mode):
                warn(f"skipped {path}: a symbolic link (a folder search lints regular files only; name the file to "
                     "lint it)")
            else:
                warn(f"skipped {path}: not a regular file")
    return matches


def _leaves_repository(path: str) -> str | None:
    """Why a path named on the command line is not read, or None: through a link, it must stay inside its
    repository (its own folder outside one), so that a pre-commit hook or CI job handed a repository's
    `Dockerfile -> /etc/passwd` does not print that file."""
    absolute = os.path.abspath(path)
    real = os.path.realpath(path)
    if real == absolute:
        return None
    folder = os.path.dirname(absolute)
    root = os.path.realpath(repository_root(Path(folder)) or folder)
    if os.path.commonpath([real, root]) == root:
        return None
    return (f"cannot read {printable(path)}: a link that leads out of its {'repository' if repository_root(Path(folder)) else 'folder'}; "
            "name the file it points to")


def read_dockerfile(path: str, discovered: bool = False) -> bytes:
    """The bytes of a Dockerfile (`-`: standard input): a regular file (a FIFO or device is refused, never read),
    at most MAX_DOCKERFILE_BYTES, and a file found by a folder search is not read through a link."""
    shown = printable(path)
    limit = MAX_DOCKERFILE_BYTES + 1
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None or sys.stdin.closed:
            raise RunError("cannot read standard input: it is closed")
        try:
            data = stream.read(limit)
        except (OSError, ValueError) as exc:
            raise RunError(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}") from None
        shown = "standard input"
    else:
        problem = None if discovered else _leaves_repository(path)
        if problem:
            raise RunError(problem)
        try:
            data = read_regular_file(path, limit, follow_links=not discovered)
        except OSError as exc:
            raise RunError(f"cannot read {shown}: {(exc.strerror or str(exc)).lower()}") from None
        if data is None:
            raise RunError(f"cannot read {shown}: not a regular file")
    if len(data) > MAX_DOCKERFILE_BYTES:
        raise RunError(f"cannot read {shown}: larger than {MAX_DOCKERFILE_BYTES // (1024 * 1024)} MiB, the most "
                       "slimlint reads (no real Dockerfile comes near)")
    return data


def load_all_rules(rules_dirs: tuple[Path, ...] = ()) -> list[Rule]:
    try:
        return load_rules(rules_dirs)
    except RuleLoadError as exc:
        raise RunError(str(exc)) from exc


def context_for(path: str, request: CheckRequest, config: Config) -> Path | None:
    """The build context of one Dockerfile: `--context`, else the config's `contexts` glob it matches, else its
    `context`; None without any."""
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


def selects_something(token: str, rules: list[Rule]) -> bool:
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
            if token and not selects_something(token, rules):
                raise RunError(f"{source}: unknown rule {token!r} (`slimlint rules` lists them)")
    for pattern, tokens in config.per_file_ignores.items():
        for token in tokens:
            if token and not selects_something(token, rules):
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


def with_hadolint_config(config: Config, start: Path) -> Config:
    """`config` with the settings of the project's `.hadolint.yaml` that slimlint can use, when there is one (no
    slimlint project config exists: the caller checks); says once what was read."""
    from dockerlint_slim.engine.hadolint_config import HadolintConfigError, find_hadolint_config, load_hadolint_config

    path = find_hadolint_config(start, repository_root(start))
    if path is None:
        return config
    try:
        settings = load_hadolint_config(path)
    except HadolintConfigError as exc:
        warn(f"{exc}; its settings are not used")
        return config
    taken = "; ".join(settings.used) or "nothing slimlint has a counterpart for"
    left = f"; not used: {'; '.join(settings.left)}" if settings.left else ""
    note(f"no slimlint config found: using {_shown(path)} (hadolint's): {taken}{left}")
    return replace(config, hadolint_path=path, hadolint_ignored=settings.ignored, hadolint_pragmas=settings.pragmas,
                   severity={**config.severity, **settings.severity},
                   fail_level=settings.fail_level or config.fail_level)


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
        hadolint_pragmas=config.hadolint_pragmas,
        hadolint_ignored=config.hadolint_ignored,
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
    """Lint (and fix), write the reports, and return the exit code (see `_run_check`)."""
    global _quiet
    saved, _quiet = _quiet, request.quiet
    try:
        return _run_check(request)
    finally:
        _quiet = saved


def _run_check(request: CheckRequest) -> int:
    """Lint (and fix), write the report, and return the exit code.

    A problem of the run (bad options or config, rules that do not load, an `-o` that names an input) ends it with
    one line and exit code 2. A problem of one file (unreadable, too big, a `--target` it lacks, a bad
    `.dockerignore`, a rule crashing on it) costs that file only: it is reported on stderr and in the report, every
    other file is linted and reported, and the exit code is 2.
    """
    from dockerlint_slim.engine import Linter, RuleOptionError, TargetNotFound

    fixing = False
    streamed = None
    try:
        explicit = Path(request.config_path) if request.config_path else None
        if explicit is not None and not explicit.is_file():
            raise RunError(f"config file not found: {request.config_path}")
        config = load_settings(explicit, Path.cwd())
        if explicit is None and find_config(Path.cwd()) is None:
            config = with_hadolint_config(config, Path.cwd())
        for folder in config.skipped_rules_dirs:
            warn(f"{_shown(config.path)}: rules-dir {_shown(folder)} not loaded: rule folders run code, and this "
                 f"config was found in the folder tree being linted; to load them, pass --config "
                 f"{_shown(config.path)} or --rules-dir {_shown(folder)}, or set rules-dir in "
                 f"{user_config_path() or 'your user config'}")
        paths = request.paths
        if not paths:
            if not os.path.lexists("Dockerfile"):
                raise RunError("no Dockerfile given and none in the current folder (try `slimlint path/to/Dockerfile`)")
            paths = ("Dockerfile",)
        errors: list[FileError] = []
        files = discover(paths, errors)
        inputs = [p for p in paths if p != "-"] + [f for f, _ in files]
        for written in [request.output] + [path for _, path in request.reports]:
            _refuse_to_overwrite_inputs(written, inputs, config.path)
        _refuse_same_output_twice(request)
        rules = load_all_rules(tuple(config.rules_dirs) + tuple(Path(p) for p in request.rules_dirs))
        try:
            check_rule_references(rules, request, config)
        except RunError as exc:
            if config.skipped_rules_dirs:
                raise RunError(f"{exc}; the rules-dir of {_shown(config.path)} was not loaded (see the warning "
                               "above)") from None
            raise
        options = build_options(request, config)
        policy = fix_policy(request, config, rules)
        fixing = request.diff or request.fix_only or (request.fix if request.fix is not None else bool(config.fix))
        show_fixes = request.show_fixes if request.show_fixes is not None else bool(config.show_fixes)
        linters: dict = {}
        results = []
        outcomes = []
        # A report that can be written file by file is: the run then keeps each file's numbers, not its findings.
        streamed = None if fixing or request.statistics or request.reports else _open_stream(request, rules, policy)
        worst = len(SEVERITY_RANK)  # the most severe finding seen (its rank), for the exit code
        budget_option = next((name for name, value in (("--max-wasted-bytes", request.max_wasted_bytes),
                                                       ("--min-efficiency", request.min_efficiency)) if value), None)
        for source, discovered in files:
            # Standard input is reported, and matched by per-file settings, under --stdin-filename.
            path = request.stdin_filename if source == "-" and request.stdin_filename else source
            try:
                context = context_for(path, request, config)
                if context is not None and not context.is_dir():
                    raise RunError(f"build context is not a folder: {context}")
                if context is None and budget_option and any(r.id == "SL501" for r in options_rules(rules, options)):
                    # Without a context no byte is known: the budget would pass silently, a gate that never closes.
                    raise RunError(f"{budget_option} needs a build context for {printable(path)}: add --context DIR")
                if context not in linters:
                    linters[context] = Linter(rules, replace(options, context_dir=context))
                if fixing:
                    outcome = _fix_one(linters[context], source, path, discovered, policy, request)
                    if outcome.error:
                        errors.append(FileError(path, printable(outcome.error)))
                    outcome.result.fixed = dict(outcome.counts())
                    outcomes.append(outcome)
                    result = outcome.result
                else:
                    result = linters[context].lint(read_dockerfile(source, discovered), path)
                    result.keep_quoted_lines()
                    if streamed is not None:
                        streamed.add(result)
            except (RunError, TargetNotFound) + _context_errors() as exc:
                errors.append(FileError(path, printable(str(exc))))
                continue
            except Exception as exc:  # a bug of slimlint's own on this input: the other files are still reported
                errors.append(FileError(path, _internal_error(path, exc)))
                continue
            if streamed is None:
                results.append(result)
            worst = min([worst] + [SEVERITY_RANK[d.severity] for d in result.diagnostics])
            errors += result.errors
        for error in errors:
            print(f"slimlint: error: {printable(error.message)}", file=sys.stderr)
        fail_level = request.fail_level or config.fail_level or "info"
        ran = linters[next(iter(linters))].rules if linters else Linter(rules, options).rules
        if request.diff:
            return _report_diff(outcomes, bool(errors))
        options = dict(errors=errors, category=request.sarif_category, fix_policy=policy, show_fixes=show_fixes,
                       quiet=request.quiet)
        if streamed is not None:
            streamed.finish(errors)
        elif request.statistics:
            from dockerlint_slim.formatters.statistics import render as render_statistics

            report = render_statistics(request.fmt, results, ran, color=request.color, **options)
        else:
            report = render_report(request.fmt, results, ran, color=request.color, **options)
        for fmt, written in request.reports:
            _write(render_report(fmt, results, ran, color=False, **options), written)
        stdin_fixed = fixing and [path for path, _ in files] == ["-"] and bool(outcomes)
        if stdin_fixed:
            sys.stdout.write(outcomes[0].text)  # the fixed Dockerfile; the report goes to stderr
            sys.stdout.flush()
        if request.fix_only:
            _fix_summary(outcomes, show_fixes, ran)
        elif stdin_fixed and request.output is None:
            sys.stderr.write(report)
        elif streamed is None:
            _write(report, request.output)
    except (RunError, ConfigError, RuleOptionError) as exc:
        print(f"slimlint: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    finally:
        if streamed is not None:
            streamed.close()
    if errors:
        return 2
    if request.fix_only or request.exit_zero or fail_level == "none":
        return 0
    return 1 if worst <= SEVERITY_RANK[fail_level] else 0


def _fix_one(linter, source: str, path: str, discovered: bool, policy, request: CheckRequest):
    """Fix the Dockerfile read from `source` (a file or `-`), reported as `path`."""
    from dockerlint_slim.engine.fixer import FixFailed, fix_source, write_outcome

    try:
        outcome = fix_source(linter, read_dockerfile(source, discovered), path, policy)
    except FixFailed as exc:
        raise RunError(str(exc)) from exc
    if not outcome.converged:
        warn(f"{path}: fixes did not settle after several passes; the last text is kept")
    if not request.diff and source != "-" and outcome.changed:
        try:
            write_outcome(outcome)
        except OSError as exc:
            raise RunError(f"cannot write {exc.filename or path}: {exc.strerror or exc}") from exc
    return outcome


def _report_diff(outcomes, broken: bool) -> int:
    """`--diff`: the unified diff of every file the fixes would change; nothing is written."""
    from dockerlint_slim.engine.fixer import unified_diff

    sys.stdout.write("".join(unified_diff(o) for o in outcomes if o.changed))
    sys.stdout.flush()
    count = sum(len(o.fixed) for o in outcomes)
    if count:
        print(f"Would fix {count} problem{'s' if count != 1 else ''}.", file=sys.stderr)
    if broken:  # the errors are on stderr already
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
def _shown(path) -> str:
    """A path as short as it can be said: relative to the current folder when below it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _internal_error(path: str, exc: Exception) -> str:
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return (f"slimlint failed on {printable(path)}: {printable(described(exc))[:300]}{where}; this is a bug in "
            "slimlint, please report it")


class _StreamedReport:
    """The report of a run written as each file is linted (text, concise, github), to stdout or the `-o` file."""

    def __init__(self, request: CheckRequest, rules, policy) -> None:
        from dockerlint_slim.formatters import open_stream

        self._output = request.output
        self._handle = None
        if request.output is not None:
            try:
                self._handle = open(request.output, "w", encoding="utf-8", errors="backslashreplace")
            except OSError as exc:
                raise RunError(f"cannot write {printable(request.output)}: {exc.strerror or exc}") from exc
        self._stream = open_stream(request.fmt, self._write, rules, color=request.color, fix_policy=policy,
                                   quiet=request.quiet)
        self.add = self._stream.add

    def _write(self, text: str) -> None:
        if self._handle is None:
            try:
                sys.stdout.write(text)
            except UnicodeEncodeError:  # a stream that cannot take every character (a legacy locale)
                sys.stdout.flush()
                sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "backslashreplace"))
            return
        try:
            self._handle.write(text)
        except OSError as exc:
            raise RunError(f"cannot write {printable(self._output)}: {exc.strerror or exc}") from exc

    def finish(self, errors) -> None:
        self._stream.finish(errors)
        if self._handle is None:
            sys.stdout.flush()
            return
        try:
            self._handle.close()
        except OSError as exc:
            raise RunError(f"cannot write {printable(self._output)}: {exc.strerror or exc}") from exc

    def close(self) -> None:
        """After an error that ended the run: the file is closed, whatever it holds."""
        if self._handle is not None:
            try:
                self._handle.close()
            except OSError:
                pass


def _open_stream(request: CheckRequest, rules, policy) -> _StreamedReport | None:
    from dockerlint_slim.formatters import FORMATS, streams

    if request.fmt not in FORMATS or not streams(request.fmt):
        return None
    return _StreamedReport(request, rules, policy)


def render_report(fmt: str, results, rules, **options) -> str:
    from dockerlint_slim.formatters import render

    return render(fmt, results, rules, **options)


def _refuse_to_overwrite_inputs(output: str | None, inputs: list[str], config_path: Path | None) -> None:
    """`-o` naming a Dockerfile being linted (or the config) would replace it with the report: refused."""
    if output is None:
        return
    try:
        written = os.stat(output)
    except OSError:
        return  # a new file: it cannot be one of the inputs
    for candidate in [*inputs, *([str(config_path)] if config_path is not None else [])]:
        try:
            existing = os.stat(candidate)
        except OSError:
            continue
        if (existing.st_dev, existing.st_ino) == (written.st_dev, written.st_ino) and not stat.S_ISDIR(existing.st_mode):
            raise RunError(f"-o {printable(output)} is {printable(candidate)}, one of the files being read; "
                           "refusing to overwrite it with the report")


def _refuse_same_output_twice(request: CheckRequest) -> None:
    """Two reports of one run written to the same file would leave only the last one."""
    seen: dict[str, str] = {}
    for fmt, path in [(request.fmt, request.output)] + list(request.reports):
        if path is None:
            continue
        key = os.path.abspath(path)
        if key in seen:
            raise RunError(f"{printable(path)} is named for two reports ({seen[key]} and {fmt}); give each its own file")
        seen[key] = fmt


def _context_errors() -> tuple[type[Exception], ...]:
    """Errors of the build-context scan that are the user's to fix (a bad .dockerignore pattern, ...)."""
    try:
        from dockerlint_slim.context import ContextError
    except ImportError:
        return ()
    return (ContextError,)


def _write(text: str, output: str | None) -> None:
    if output is None:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:  # a stream that cannot take every character (a legacy locale)
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", "backslashreplace"))
        sys.stdout.flush()
        return
    try:
        with open(output, "w", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(text)
    except OSError as exc:
        raise RunError(f"cannot write {printable(output)}: {exc.strerror or exc}") from exc


def ast_document(files: tuple[str, ...], target: str | None) -> str:
    from dockerlint_slim.parser import parse_dockerfile

    documents = []
    for path in files:
        try:
            dockerfile = parse_dockerfile(read_dockerfile(path), path, target=target)
        except RunError as exc:
            print(f"slimlint: error: {printable(str(exc))}", file=sys.stderr)
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
