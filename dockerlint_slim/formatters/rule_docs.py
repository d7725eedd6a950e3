"""A rule's docstring as Markdown: the docs site's rule pages and SARIF's `help.markdown` (which GitHub code scanning
renders on an alert) read it the same way.

The docstring's section titles ("What it does", "Why is this bad?", "Example", "Use instead", ...) become headings;
hadolint rule ids link to hadolint's wiki; fenced code is never rewritten.
"""

from __future__ import annotations

import re

from dockerlint_slim.engine.registry import DOC_SECTION_TITLES as HEADINGS  # the titles a rule docstring may use

_HADOLINT = re.compile(r"(?<![\[`/\w])(DL[0-9]{4})\b")


def docs_markdown(docs: str, level: int = 2) -> str:
    """The rule docstring as Markdown, its section titles as headings of `level` (`##` by default)."""
    out: list[str] = []
    in_fence = False
    for line in docs.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
            out.append(line)
            continue
        if not in_fence and stripped.lower().rstrip(":") in HEADINGS:
            if out and out[-1].strip():
                out.append("")
            out += [f"{'#' * level} {stripped.rstrip(':')}", ""]
            continue
        if not in_fence:
            line = _HADOLINT.sub(r"[\1](https://github.com/hadolint/hadolint/wiki/\1)", line)
        out.append(line)
    text = "\n".join(out).strip()
    return re.sub(r"\n{3,}", "\n\n", text)
