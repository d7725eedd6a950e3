"""`--fix`: lint, apply the fixes that do not conflict, check the result, and repeat until nothing changes.

Fixes are applied in passes (at most `MAX_PASSES`): each pass lints the current text, takes the eligible fixes in
rule-id then position order, skips a fix whose edits overlap or touch one already taken (it is recomputed on the
fixed text in the next pass), and applies the others at once. Every pass's result must parse the way BuildKit
parses the original: no new parse error, the same instructions in the same order except those the fixes remove on
purpose, no shell script made unreadable. Otherwise no fix of the file is kept and the error names the rule whose
fix broke it: a wrong fix is a bug, never a silently damaged Dockerfile.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from dockerlint_slim.diagnostics import SAFE, UNSAFE, Diagnostic, Fix
from dockerlint_slim.engine.linter import FileResult, Linter, _matches
from dockerlint_slim.engine.registry import Rule
from dockerlint_slim.fixes.apply import EditError, LineIndex, apply_edits
from dockerlint_slim.parser import parse_dockerfile
from dockerlint_slim.parser.build import decode_source

MAX_PASSES = 10


@dataclass(frozen=True)
class FixPolicy:
    """Which fixes apply: safe ones, unsafe ones with `unsafe`, of the rules `fixable` selects and `unfixable`
    does not (ids, id prefixes, names or ALL, as for --select)."""

    unsafe: bool = False
    fixable: tuple[str, ...] = ("ALL",)
    unfixable: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()

    def _rule_fixable(self, rule_id: str) -> bool:
        rule = next((r for r in self.rules if r.id == rule_id), None)
        if rule is None:
            return True
        return _matches(rule, self.fixable) and not _matches(rule, self.unfixable)

    def applies(self, diagnostic: Diagnostic) -> bool:
        """`--fix` (with the current options) applies this finding's fix."""
        fix = diagnostic.fix
        if fix is None or not fix.edits or not self._rule_fixable(diagnostic.rule_id):
            return False
        return fix.applicability == SAFE or (self.unsafe and fix.applicability == UNSAFE)

    @property
    def suppression_rules(self) -> frozenset[str]:
        """Rules whose fixes edit suppression comments (see `_choose`)."""
        return frozenset(rule.id for rule in self.rules if "suppressions" in rule.needs)

    def hidden(self, diagnostic: Diagnostic) -> bool:
        """An unsafe fix that `--unsafe-fixes` would apply."""
        fix = diagnostic.fix
        return (fix is not None and bool(fix.edits) and fix.applicability == UNSAFE and not self.unsafe
                and self._rule_fixable(diagnostic.rule_id))


class FixFailed(Exception):
    """A fix would leave a file that parses differently (or edits that do not fit it): the file is left as it was."""


@dataclass
class FixOutcome:
    path: str
    original: str  # the Dockerfile as read
    text: str  # as fixed
    result: FileResult  # the findings left in `text`
    fixed: list[Diagnostic] = field(default_factory=list)  # the findings whose fixes were applied
    others: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # other file -> (before or None, after)
    error: str | None = None  # why the file was left as it was
    converged: bool = True

    @property
    def changed(self) -> bool:
        return self.text != self.original or any(before != after for before, after in self.others.values())

    def counts(self) -> Counter:
        return Counter(d.rule_id for d in self.fixed)


def _read_other(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FixFailed(f"cannot read {path}: {exc.strerror or exc}") from exc


def fix_source(linter: Linter, source: bytes | str, path: str, policy: FixPolicy,
               read_other: Callable[[str], str | None] = _read_other) -> FixOutcome:
    """Apply the fixes `policy` allows to one Dockerfile, in memory. Files other than the Dockerfile that fixes
    edit are read with `read_other` (None: it does not exist yet)."""
    if isinstance(source, bytes):
        text, problems = decode_source(source)
        if problems or source.startswith((b"\xff\xfe", b"\xfe\xff")):
            # Not UTF-8: writing it back would change bytes no fix asked to change.
            result = linter.lint(source, path)
            return FixOutcome(path, text, text, result)
    else:
        text = source
    original = text
    others: dict[str, tuple[str | None, str]] = {}
    fixed: list[Diagnostic] = []
    result = linter.lint(text, path)
    for _ in range(MAX_PASSES):
        chosen: list[Diagnostic] = []
        try:
            chosen = _choose(result.diagnostics, policy, text, others, read_other)
            if not chosen:
                break
            new_text, new_others = _apply(chosen, text, others)
            _verify(text, new_text, chosen, path, linter)
        except (FixFailed, EditError) as exc:
            culprit = _culprit(chosen, text, others, path, linter) if chosen else None
            error = (f"{path}: the fix of {culprit} would break the file ({exc})" if culprit else f"{path}: {exc}")
            unfixed = linter.lint(original, path)
            return FixOutcome(path, original, original, unfixed, error=error + "; no fix was applied to it")
        if new_text == text and new_others == others:
            break
        text, others = new_text, new_others
        fixed += chosen
        result = linter.lint(text, path, _overrides(others))
    else:
        return FixOutcome(path, original, text, result, fixed, others, converged=False)
    return FixOutcome(path, original, text, result, fixed, others)


def _overrides(others: dict[str, tuple[str | None, str]]) -> dict[str, str]:
    return {path: after for path, (_, after) in others.items()}


def _choose(diagnostics: Iterable[Diagnostic], policy: FixPolicy, text: str,
            others: dict[str, tuple[str | None, str]], read_other) -> list[Diagnostic]:
    """The fixes to apply in this pass: eligible, in rule then position order, none touching another. Fixes of
    suppression comments (rules that need "suppressions", SL001) go first and alone: a comment rewritten into a
    working `# slimlint ignore=...` decides which findings exist, so no other fix may act before it is read."""
    candidates = sorted((d for d in diagnostics if policy.applies(d)),
                        key=lambda d: (d.rule_id, d.span.line, d.span.column))
    comments = [d for d in candidates if d.rule_id in policy.suppression_rules]
    if comments:
        candidates = comments
    taken: list[Diagnostic] = []
    claimed: dict[str | None, list[tuple[int, int]]] = {}
    for diagnostic in candidates:
        try:
            ranges = _ranges(diagnostic.fix, text, others, read_other)
        except EditError as exc:
            raise FixFailed(f"the fix of {diagnostic.rule_id} at line {diagnostic.span.line} does not fit the "
                            f"file ({exc})") from exc
        if any(start <= other_end and other_start <= end
               for target, start, end in ranges for other_start, other_end in claimed.get(target, ())):
            continue  # conflicts with a fix already taken: recomputed in the next pass
        for target, start, end in ranges:
            claimed.setdefault(target, []).append((start, end))
        taken.append(diagnostic)
    return taken


def _ranges(fix: Fix, text: str, others, read_other) -> list[tuple[str | None, int, int]]:
    found = []
    indexes: dict[str | None, LineIndex] = {}
    for edit in fix.edits:
        target = edit.path
        if target not in indexes:
            if target is None:
                indexes[target] = LineIndex(text)
            else:
                if target not in others:
                    before = read_other(target)
                    others[target] = (before, before or "")
                indexes[target] = LineIndex(others[target][1])
        start, end = indexes[target].range(edit.span)
        found.append((target, start, end))
    return found


def _apply(chosen: list[Diagnostic], text: str, others) -> tuple[str, dict[str, tuple[str | None, str]]]:
    edits = [edit for d in chosen for edit in d.fix.edits]
    new_text = apply_edits(text, [e for e in edits if e.path is None])
    new_others = dict(others)
    for target in {e.path for e in edits if e.path is not None}:
        before, current = others[target]
        new_others[target] = (before, apply_edits(current, [e for e in edits if e.path == target]))
    return new_text, new_others


def _verify(before_text: str, after_text: str, chosen: list[Diagnostic], path: str, linter: Linter) -> None:
    """The fixed text must parse as BuildKit parses the original, minus what the fixes remove on purpose."""
    target = linter.options.target
    before = parse_dockerfile(before_text, path, target=target)
    after = parse_dockerfile(after_text, path, target=target)
    new_errors = Counter(e.message for e in after.parse_errors) - Counter(e.message for e in before.parse_errors)
    if new_errors:
        raise FixFailed(f"it would add a parse error: {next(iter(new_errors))}")
    removed = sum(d.fix.removes_instructions for d in chosen)
    old_keys = [i.keyword for i in before.instructions]
    new_keys = [i.keyword for i in after.instructions]
    if len(new_keys) != len(old_keys) - removed or not _subsequence(new_keys, old_keys):
        raise FixFailed(f"{len(old_keys)} instructions would become {len(new_keys)}"
                        + (f" (expected {len(old_keys) - removed})" if removed else ""))
    if [s.name for s in after.stages] != [s.name for s in before.stages]:
        raise FixFailed("the stages would change")
    if {k: v for k, v in after.directives.items() if k != "syntax"} != \
            {k: v for k, v in before.directives.items() if k != "syntax"}:
        raise FixFailed("the parser directives would change")
    if _unreadable_scripts(after) > _unreadable_scripts(before):
        raise FixFailed("a RUN's shell script would no longer parse")


def _subsequence(items: list[str], of: list[str]) -> bool:
    remaining = iter(of)
    return all(any(item == candidate for candidate in remaining) for item in items)


def _unreadable_scripts(dockerfile) -> int:
    from dockerlint_slim.model import RunInstruction
    from dockerlint_slim.shell.script import outline

    count = 0
    for instruction in dockerfile.instructions:
        run = getattr(instruction, "trigger", None) or instruction
        if not isinstance(run, RunInstruction) or not run.shell_analysed:
            continue
        scripts = [run.arguments] if not run.json_form and not run.heredocs else []
        scripts += [h.content for h in run.heredocs if not h.content.startswith("#!")]
        count += sum(1 for script in scripts if (shape := outline(script)) is not None and shape.has_error)
    return count


def _culprit(chosen: list[Diagnostic], text: str, others, path: str, linter: Linter) -> str:
    """The rule whose fix, applied alone, breaks the file (else every rule of the pass)."""
    for diagnostic in chosen:
        try:
            alone, _ = _apply([diagnostic], text, others)
            _verify(text, alone, [diagnostic], path, linter)
        except (FixFailed, EditError):
            return f"{diagnostic.rule_id} at line {diagnostic.span.line}"
    return " + ".join(sorted({d.rule_id for d in chosen}))


def write_outcome(outcome: FixOutcome) -> None:
    """Write the fixed Dockerfile and the other files its fixes changed (created when new)."""
    if outcome.text != outcome.original:
        Path(outcome.path).write_bytes(outcome.text.encode("utf-8", errors="surrogateescape"))
    for target, (before, after) in outcome.others.items():
        if after != before:
            Path(target).write_bytes(after.encode("utf-8", errors="surrogateescape"))


def unified_diff(outcome: FixOutcome) -> str:
    import difflib

    pieces = []
    files = [(outcome.path, outcome.original, outcome.text)]
    files += [(target, before or "", after) for target, (before, after) in sorted(outcome.others.items())]
    for name, before, after in files:
        if before == after:
            continue
        pieces += difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                       fromfile=f"a/{name}", tofile=f"b/{name}")
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in pieces)
    return text
