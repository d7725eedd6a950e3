"""Runs the rules over one Dockerfile: parse → model → rules → diagnostics (pragmas and config applied)."""

from __future__ import annotations

import fnmatch
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from dockerlint_slim.context.errors import ContextError
from dockerlint_slim.diagnostics import APPLICABILITIES, UNSAFE, Diagnostic, Finding, Fix, Span
from dockerlint_slim.engine.overlaps import resolve_overlaps
from dockerlint_slim.engine.pragmas import Match, Suppressions
from dockerlint_slim.engine.registry import Rule, described, not_an_interrupt
from dockerlint_slim.engine.session import LintTarget, Session
from dockerlint_slim.engine.totals import complete_report
from dockerlint_slim.options import OptionError
from dockerlint_slim.parser import parse_dockerfile


@dataclass
class LintOptions:
    """What to run and how; built from config and the command line (the command line wins)."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict)  # rule id -> severity
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # rule id -> option -> value
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # glob -> rule ids
    target: str | None = None
    context_dir: Path | None = None
    config_dir: Path | None = None  # per-file-ignores globs also match paths relative to the config file's folder
    hadolint_pragmas: bool = True  # honour `# hadolint ignore=` comments (off: .hadolint.yaml disable-ignore-pragma)
    hadolint_ignored: tuple[str, ...] = ()  # hadolint codes ignored everywhere (.hadolint.yaml `ignored`)


@dataclass(frozen=True)
class FileError:
    """A file slimlint could not check, or not fully: unreadable, larger than the cap, a `--target` it lacks, a bad
    `.dockerignore`, or a rule that crashed on it (`rule_id`). Reported beside the findings of every other file;
    the exit code is 2."""

    path: str
    message: str  # one line, as printed after "slimlint: error: "
    rule_id: str | None = None


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic]
    report: dict[str, Any] | None = None  # extra per-file figures (build context, predicted waste)
    source_lines: list[str] = field(default_factory=list, repr=False)  # for code frames
    fixed: dict[str, int] | None = None  # with --fix: findings fixed per rule id (the diagnostics are what is left)
    errors: list[FileError] = field(default_factory=list)  # rules that crashed on this file

    def keep_quoted_lines(self) -> None:
        """Keep only the source lines a report quotes (the lines of each finding's span), for a run over many files:
        what is held per file until the report is written is then its findings, not its text."""
        self.source_lines = QuotedLines(self.source_lines, (d.span for d in self.diagnostics))


class QuotedLines(Sequence[str]):
    """The lines of a file that findings quote, read as the whole list of lines is (`lines[i]`, `lines[a:b]`,
    `len(lines)`); any other line reads as empty. Formatters quote only lines inside a finding's span."""

    def __init__(self, lines: Sequence[str], spans: Iterable[Span]) -> None:
        self._count = len(lines)
        self._kept: dict[int, str] = {}
        for span in spans:
            for index in range(max(span.line - 1, 0), min(max(span.end_line, span.line), self._count)):
                self._kept[index] = lines[index]

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._kept.get(i, "") for i in range(*index.indices(self._count))]
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError("line index out of range")
        return self._kept.get(index, "")


def select_rules(rules: Iterable[Rule], options: LintOptions) -> list[Rule]:
    return [r for r in rules if _matches(r, options.select) and not _matches(r, options.ignore)]


def _matches(rule: Rule, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        token = pattern.strip()
        if token.upper() == "ALL" or token == rule.name or (token and rule.id.startswith(token.upper())):
            return True
    return False


class TargetNotFound(Exception):
    """`--target` (or `target` in the config) names no stage of the file: `docker build` fails the same way."""


class RuleOptionError(Exception):
    """A rule could not use the options the configuration gave it (`[rules.SLnnn]`)."""


# Rules that read what became of the suppression comments (SL001): they run after every other rule.
SUPPRESSIONS = "suppressions"


class Linter:
    def __init__(self, rules: list[Rule], options: LintOptions, contexts: dict | None = None) -> None:
        """`contexts`: scanned build contexts by `context_key`, shared with other linters (the files of one run, or
        the edits of one buffer in the language server); a context missing from it is scanned when a rule asks."""
        self.options = options
        self.rules = select_rules(rules, options)
        # Pragmas may name any loaded rule, selected or not: by id (any case) or name.
        self._names = {rule.id: rule.id for rule in rules} | {rule.name: rule.id for rule in rules}
        self._rule_options = {rule.id: _resolved_options(rule, options.rule_options.get(rule.id, {}))
                              for rule in self.rules}
        self._contexts: dict = contexts if contexts is not None else {}
        # rule id -> the selected rules that supersede it (their findings on the same origin and path win)
        self._superseded_by: dict[str, list[str]] = {}
        for rule in self.rules:
            for other in rule.supersedes:
                self._superseded_by.setdefault(other, []).append(rule.id)

    def lint(self, source: bytes | str, path: str, ignore_overrides: Mapping[str, str] | None = None) -> FileResult:
        """Lint one file. `ignore_overrides`: ignore files (by path) as fixes left them, read instead of the disk."""
        dockerfile = parse_dockerfile(source, path, target=self.options.target)
        if self.options.target and dockerfile.stages and dockerfile.target_stage() is None:
            # Linting on would judge no stage at all (none reaches the image) and report a silent "no problems".
            names = ", ".join(s.name for s in dockerfile.stages if s.name) or "none has a name"
            raise TargetNotFound(f"{path}: target stage {self.options.target!r} not found (stages: {names})")
        session = Session(dockerfile, self.options.context_dir, self._contexts, ignore_overrides)
        suppressions = Suppressions(dockerfile, self._resolve, self.options.hadolint_pragmas,
                                    self.options.hadolint_ignored)
        per_file = self._per_file_ignores(path)
        later = [rule for rule in self.rules if SUPPRESSIONS in rule.needs]
        # With SL001 on, a rule the file ignores as a whole still runs (its findings dropped), to tell whether the
        # pragma that ignores it suppresses anything.
        judging = bool(later)
        diagnostics: list[Diagnostic] = []
        errors: list[FileError] = []
        ran: set[str] = set()
        for rule in self.rules:
            if SUPPRESSIONS in rule.needs:
                continue
            if "context" in rule.needs and session.context_dir is None:
                continue
            if "image" in rule.needs:
                continue  # produced by `slimlint image`, not by static lint
            if rule.id in per_file:
                continue
            skipped = suppressions.skips(rule.id)
            if skipped and not judging:
                continue
            findings, crash = self._run(rule, dockerfile, session, path)
            if crash is None:
                ran.add(rule.id)
            elif not skipped:  # a rule the file ignores may crash on it: that is no error of the file
                errors.append(crash)
            for finding in findings:
                if suppressions.suppresses(rule.id, finding.span.line, finding.span.end_line, finding.properties):
                    continue
                diagnostics.append(_diagnostic(rule, self.options.severity.get(rule.id), path, finding))
        session.suppressions = suppressions.problems(ran, self._names) if later else []
        for rule in later:
            if rule.id in per_file or suppressions.skips(rule.id):
                continue
            findings, crash = self._run(rule, dockerfile, session, path)
            if crash is not None:
                errors.append(crash)
            for finding in findings:
                if not suppressions.suppresses(rule.id, finding.span.line, finding.span.end_line, finding.properties):
                    diagnostics.append(_diagnostic(rule, self.options.severity.get(rule.id), path, finding))
        diagnostics = resolve_overlaps(diagnostics, self._superseded_by)
        diagnostics.sort(key=lambda d: d.sort_key)
        report = session.replay.report() if session.context_dir is not None else None
        if report is not None:
            dead_lines = {line for e in session.replay.layers.events if e.bytes
                          for line in (e.created_by.span.line, e.instruction.span.line)}
            report = complete_report(report, diagnostics, dead_lines)
        return FileResult(path, diagnostics, report, dockerfile.lines, errors=errors)

    def _resolve(self, word: str) -> Match | None:
        """The rule a pragma token names (`SL201`, `sl201`, `apt-lists-not-removed`), or None."""
        rule_id = self._names.get(word) or self._names.get(word.upper())
        return Match(rule_id) if rule_id is not None else None

    def _run(self, rule: Rule, dockerfile, session: Session, path: str) -> tuple[list[Finding], FileError | None]:
        return self._check(rule, LintTarget(dockerfile, self._rule_options[rule.id], session), path)

    def _check(self, rule: Rule, target: LintTarget, path: str) -> tuple[list[Finding], FileError | None]:
        """The rule's findings, and the error that stopped it if it crashed: a bug in a rule (a third-party one,
        most likely) costs that rule on this file only; what it found before the crash and every other rule's
        findings stay."""
        findings: list[Finding] = []
        try:
            for finding in rule.check(target):
                if not isinstance(finding, Finding) or not isinstance(finding.span, Span):
                    return findings, FileError(path, f"rule {rule.id} ({rule.origin}) yielded {finding!r:.80}, not "
                                                     "a Finding with a Span", rule.id)
                problem = _fix_problem(rule, finding.fix)
                if problem is not None:
                    return findings, FileError(path, problem, rule.id)
                findings.append(finding)
        except ContextError:
            # The context, scanned when a rule first asks for it, has a bad .dockerignore: the user's to fix, and
            # every context rule would fail the same way: the whole file is reported as not checked.
            raise
        except BaseException as exc:
            not_an_interrupt(exc)
            return findings, FileError(path, _crash_message(rule, path, exc), rule.id)
        return findings, None

    def _per_file_ignores(self, path: str) -> set[str]:
        # Selectors as in --ignore (ids, id prefixes such as SL2, names, ALL), kept as the rule ids they match.
        ignored: set[str] = set()
        if not self.options.per_file_ignores or path == "-":
            return ignored
        candidates = {Path(path).as_posix(), Path(path).name}
        if self.options.config_dir is not None:
            # As for [contexts]: a root config's `legacy/*` holds whichever folder slimlint runs from.
            try:
                candidates.add(Path(os.path.abspath(path)).relative_to(os.path.abspath(self.options.config_dir)).as_posix())
            except ValueError:
                pass
        for pattern, ids in self.options.per_file_ignores.items():
            if any(fnmatch.fnmatch(candidate, pattern) for candidate in candidates):
                ignored |= {rule.id for rule in self.rules if _matches(rule, ids)}
        return ignored


def _fix_problem(rule: Rule, fix: Fix | None) -> str | None:
    """A fix with edits must match what the rule declares (FIX), so docs and `slimlint rules` stay true: what is
    wrong with it (a bug in the rule, reported like a crash), or None."""
    if fix is None or not fix.edits:
        return None
    if fix.applicability not in APPLICABILITIES:
        return f"rule {rule.id} ({rule.origin}) made a fix with applicability {fix.applicability!r}"
    if rule.fix == "none" or (rule.fix == "unsafe" and fix.applicability != UNSAFE):
        return (f"rule {rule.id} ({rule.origin}) declares FIX = {rule.fix!r} but made a "
                f"{fix.applicability} fix with edits")
    return None


def _resolved_options(rule: Rule, configured: Mapping[str, Any]) -> dict[str, Any]:
    """The rule's defaults with the configured values checked and converted by each option's type; keys the rule
    does not declare are left out (the runner reports them as unknown before any file is linted)."""
    values = rule.defaults
    for name, value in configured.items():
        option = rule.options.get(name)
        if option is None:
            continue
        try:
            values[name] = option.parse(value, f"[rules.{rule.id}] {name}")
        except OptionError as exc:
            raise RuleOptionError(str(exc)) from None
    return values


def _crash_message(rule: Rule, path: str, exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    text = " ".join(described(exc).split())[:300]
    return f"rule {rule.id} ({rule.origin}) failed on {path}: {text}{where}; this is a bug in the rule, please report it"


def _diagnostic(rule: Rule, configured: str | None, path: str, finding: Finding) -> Diagnostic:
    """`configured`: the severity the configuration gives the rule, if any; else the finding's own, else the rule's."""
    return Diagnostic(
        rule_id=rule.id,
        severity=configured or finding.severity or rule.severity,
        message=finding.message,
        path=path,
        span=finding.span,
        wasted_bytes=finding.wasted_bytes,
        fix=finding.fix,
        properties=finding.properties,
    )
