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
    """Replace the text covered by `span` with `replacement` (an empty span inserts, an empty replacement deletes).

    `path` is None for the linted Dockerfile itself; otherwise the file the edit changes (a build context's
    `.dockerignore`, which is created when it does not exist: its edits then insert at 1:1)."""

    span: Span
    replacement: str
    path: str | None = None


# How sure a fix is (ruff's terms). A safe fix keeps what the image does and contains, except the waste it removes;
# an unsafe one changes what the image contains or how it builds (a different base tag, packages no longer
# installed, a download at build time) and is applied only with --unsafe-fixes.
SAFE = "safe"
UNSAFE = "unsafe"
APPLICABILITIES = (SAFE, UNSAFE)


@dataclass(frozen=True)
class Fix:
    """The advice of a finding (`description`, shown as its help line) and, when it can be applied mechanically,
    the text edits that apply it."""

    description: str
    edits: tuple[TextEdit, ...] = ()
    applicability: str = SAFE
    # Instructions the edits remove on purpose (RUNs joined into one, a COPY replaced by a bind mount): the fixed
    # file must parse into the same instructions minus exactly these many.
    removes_instructions: int = 0

    @property
    def applies(self) -> bool:
        """The fix changes text (advice-only fixes do not)."""
        return bool(self.edits)


# Properties the engine and the formatters read (all other properties are the rule's own):
# - OVERLAP: where a finding's bytes are, as a list of keys {"origin_line": line of the instruction whose layer
#   stores them, "path": image path, "bytes": int or None}. A rule that declares `SUPERSEDES = ("SL102", ...)` wins
#   over those rules' findings on the same keys (`engine.overlaps`), and totals count each key once.
# - ESTIMATE: the finding's bytes are an estimate (typical sizes), not a measurement; totals keep them apart.
# - AGGREGATE: the finding's bytes are the image's total (SL501), never added to the other findings' bytes.
# - "path": the image path of the bytes a finding is about; a warning or error without bytes and without OVERLAP
#   keys that names one (a package cache of unknown size) is a part of the waste the build report cannot size.
OVERLAP = "overlap"
ESTIMATE = "estimate"
AGGREGATE = "aggregate"


def overlap_key(origin_line: int, path: str, size: int | None = None) -> dict[str, Any]:
    """One key of a finding's OVERLAP property."""
    return {"origin_line": origin_line, "path": path, "bytes": size}


@dataclass(frozen=True)
class Finding:
    """What a rule's check function yields; the engine adds rule id, severity and file."""

    span: Span
    message: str
    wasted_bytes: int | None = None
    fix: Fix | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    # This finding's severity when it differs from the rule's (a configured severity for the rule still wins).
    severity: str | None = None


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

    @property
    def cost_suffix(self) -> str:
        """What follows the message where findings are listed: ` [12.0 MiB]` for measured bytes the message does not
        already state, else "" (an estimate is worded by its rule's message, in its own units)."""
        shown = format_bytes(self.wasted_bytes) if self.wasted_bytes and not self.properties.get(ESTIMATE) else ""
        return f" [{shown}]" if shown and shown not in self.message else ""


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


@dataclass
class ByteTotals:
    """Bytes at stake over some findings, each byte once: `known` (measured: the build context, the image) and
    `estimated` (typical sizes) kept apart. Info-level findings are hints, not problems to fix: their bytes, measured
    or estimated, are left out (a rule configured down to `info` no longer counts either)."""

    known: int = 0
    estimated: int = 0

    def add(self, diagnostics) -> None:
        claims: list[tuple[int, str, int]] = []  # (origin line, path, bytes) of the known bytes findings locate
        for d in diagnostics:
            if not d.wasted_bytes or d.properties.get(AGGREGATE) or d.severity == "info":
                continue
            if d.properties.get(ESTIMATE):
                self.estimated += d.wasted_bytes
                continue
            keys = [k for k in d.properties.get(OVERLAP) or () if isinstance(k, dict) and k.get("bytes")]
            located = sum(k["bytes"] for k in keys)
            claims += [(k["origin_line"], k["path"], k["bytes"]) for k in keys]
            self.known += max(0, d.wasted_bytes - located)  # bytes the finding does not locate count as they are
        self.known += _union(claims)


def _union(claims: list[tuple[int, str, int]]) -> int:
    """Bytes of (origin line, path) claims with each path counted once: a path at or below an already counted path of
    the same origin is not counted again (outer paths first)."""
    counted: dict[int, set[str]] = {}
    total = 0
    for line, path, size in sorted(claims, key=lambda c: (c[0], c[1].rstrip("/").count("/"), -c[2])):
        paths = counted.setdefault(line, set())
        parent, covered = path.rstrip("/") or "/", False
        while True:
            if parent in paths:
                covered = True
                break
            if parent == "/" or "/" not in parent:
                break
            parent = parent.rsplit("/", 1)[0] or "/"
        if not covered:
            paths.add(path.rstrip("/") or "/")
            total += size
    return total


def format_bytes(size: int | float) -> str:
    """Human-readable size with binary units, as dive prints them."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
