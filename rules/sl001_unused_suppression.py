"""What it does
Reports `# slimlint ignore=...` and `# slimlint global ignore=...` comments that suppress nothing:

- an id that names no rule (`# slimlint ignore=SL2O1`, a typo), or words after the ids
  (`# slimlint ignore=SL201 because ...`);
- a comment that is meant as a suppression but is not written as one (`# slimlint: ignore=SL201`,
  `# slimlint ignore SL201`, `# slimlint disable=SL201`), or one with no instruction after it;
- a suppression whose rule found nothing to suppress there: the instruction below it (or, for a global one, the
  whole file) has no finding of that rule, as ruff's RUF100 reports unused `noqa` comments.

Why is this bad?
A suppression that does not work fails silently: the finding it was written for is still reported (a typo), or a
later change fixed the problem and the comment now hides the next real one at that place. Removing stale
suppressions keeps every remaining one meaningful.

Example
```dockerfile
FROM debian:bookworm
# slimlint ignore=SL2O1
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
```

Use instead
```dockerfile
FROM debian:bookworm
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
```

Fix
`--fix` removes an unknown or unused id from its comment, or the whole comment when nothing in it suppresses
anything, and rewrites a malformed suppression into the form slimlint reads (`# slimlint: ignore=SL201` becomes
`# slimlint ignore=SL201`) when every id in it names a rule. A comment before the first instruction is not removed
when that would turn a later `# syntax=` comment into a parser directive.

Known limits
An id is reported as unused only when its rule ran on the file: not for rules left out by `--select`, `ignore` or
`per-file-ignores`, rules that need a build context when none is given, or a rule that failed on the file. A
suppression is judged only where this run builds the image: the instruction below it must be in a stage that
reaches the image (another `--target` may need it), and a global one only when every stage reaches the image.
`ignore=ALL` is never reported as unused. hadolint's own comments (`# hadolint ignore=DL3009`) are honoured for the
codes that have a slimlint counterpart and never reported: they belong to hadolint.
"""

from __future__ import annotations

from dockerlint_slim.diagnostics import Finding, Fix, Span
from dockerlint_slim.fixes.edits import remove_comment_line, remove_list_item, replace_comment

ID = "SL001"
NAME = "unused-suppression"
SEVERITY = "warning"
SUMMARY = "A suppression comment suppresses nothing: an unknown rule, a malformed comment, or no finding there"
TAGS = ("suppression",)
NEEDS = frozenset({"suppressions"})
FIX = "sometimes"


def check(target):
    dockerfile = target.dockerfile
    for problem in target.session.suppressions:
        pragma, token = problem.pragma, problem.token
        comment = Span(pragma.line, pragma.column, pragma.line, pragma.end_column)
        if problem.kind == "malformed":
            ids = ",".join(t.text for t in pragma.tokens) or "SL201"
            scope = "global " if pragma.scope == "global" else ""
            if pragma.canonical:
                yield Finding(comment, "Malformed suppression comment: slimlint does not read it, so it suppresses "
                                       "nothing",
                              fix=Fix(f"Write it `{pragma.canonical}`",
                                      tuple(replace_comment(dockerfile, pragma.line, pragma.column,
                                                            pragma.end_column, pragma.canonical) or ())))
            else:
                yield Finding(comment, "Malformed suppression comment: slimlint does not read it, so it suppresses "
                                       "nothing",
                              fix=Fix(f"Write it `# slimlint {scope}ignore={ids}` with rule ids or names "
                                      "(`slimlint rules` lists them), or remove it"))
            continue
        if problem.kind == "nothing-follows":
            yield Finding(comment, "Suppression comment with no instruction after it: it suppresses nothing",
                          fix=Fix("Remove it, or move it above the instruction it is meant for",
                                  tuple(remove_comment_line(dockerfile, pragma.line) or ())))
            continue
        where = Span(pragma.line, token.column, pragma.line, token.end_column)
        if problem.kind == "unknown":
            message = f"`{token.text}` in a suppression comment names no rule: it suppresses nothing"
            advice = (f"Did you mean `{problem.suggestion}`? Correct it, or remove it" if problem.suggestion else
                      "Remove it, or write a rule id or name (`slimlint rules` lists them); put a reason on a comment "
                      "line of its own")
        else:
            place = ("in this file" if pragma.scope == "global"
                     else f"on the instruction at line {pragma.target}")
            message = f"Unused suppression: no {token.matches[0].rule_id} finding {place}"
            advice = "Remove it: the problem it was written for is gone (or was never there)"
        yield Finding(where, message, fix=Fix(advice, tuple(_removal(dockerfile, pragma, token, problem.whole) or ())))


def _removal(dockerfile, pragma, token, whole: bool):
    if whole:
        return remove_comment_line(dockerfile, pragma.line)
    items = [(t.column, t.end_column) for t in pragma.tokens]
    return remove_list_item(dockerfile, pragma.line, items, pragma.tokens.index(token))
