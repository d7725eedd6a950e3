"""What a rule reports: a finding with its place, cost and fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("error", "warning", "info")
# Lower rank = more severe; used for --fail-level and sorting.
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, order=True)
class Span:
    """A region of the source: 1-based lines and columns, end_column exclusive (as in SARIF)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class TextEdit:
    """Replace the text covered by `span` with `replacement` (autofix building block)."""

    span: Span
    replacement: str


@dataclass(frozen=True)
class Fix:
    description: str
    edits: tuple[TextEdit, ...] = ()


@dataclass(frozen=True)
class Finding:
    """What a rule's check function yields; the engine adds rule id, severity and file."""

    span: Span
    message: str
    wasted_bytes: int | None = None
    fix: Fix | None = None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Diagnostic:
    rule_id: str
    severity: str
    message: str
    path: str
    span: Span
    wasted_bytes: int | None = None
    fix: Fix | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.rule_id)


MESSAGE_WIDTH = 160  # a finding's message aims at one line of at most this many characters; advice goes in its Fix


def clip(text: str, width: int = 40) -> str:
    """`text` on one line, cut in the middle to at most `width` characters (`curl -fsSL https://ex...tool.tgz`), so
    commands and URLs quoted in a message keep both ends."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    head = (width - 3) * 2 // 3
    return text[:head] + "..." + text[len(text) - (width - 3 - head):]


def join_within(parts: list[str], width: int, separator: str = ", ", hidden: int = 0) -> str:
    """The parts joined while they fit in `width` characters (the first always), the rest (and `hidden` parts not
    given) counted: "a, b and 3 more"."""
    shown: list[str] = []
    used = 0
    for part in parts:
        cost = len(part) + (len(separator) if shown else 0)
        if shown and used + cost > width:
            break
        shown.append(part)
        used += cost
    rest = len(parts) - len(shown) + max(0, hidden)
    return separator.join(shown) + (f" and {rest} more" if rest else "")


def format_bytes(size: int | float) -> str:
    """Human-readable size with binary units, as dive prints them."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
