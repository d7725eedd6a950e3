"""Terminal output: `path:line:col: SLnnn severity: message`, a code frame, and a summary."""

from __future__ import annotations

from dockerlint_slim.diagnostics import format_bytes
from dockerlint_slim.formatters import Tally, tally
from dockerlint_slim.printable import printable

_FRAME_LINES = 3  # at most this many source lines per finding
_FRAME_WIDTH = 200  # characters of each line shown around the finding
_FRAME_CONTEXT = 60  # characters shown before a finding that starts past the first window
_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}


def _style(text: str, color: bool, **styles) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)


def _highlighter(color: bool):
    if not color:
        return lambda lines: lines
    from pygments import highlight
    from pygments.formatters import TerminalFormatter
    from pygments.lexers import DockerLexer

    lexer, formatter = DockerLexer(), TerminalFormatter()

    def colour(lines: list[str]) -> list[str]:
        rendered = highlight("\n".join(lines) + "\n", lexer, formatter).rstrip("\n").split("\n")
        return rendered if len(rendered) == len(lines) else lines

    return colour


def code_frame(lines: list[str], span, highlight) -> list[str]:
    """The finding's lines with a caret under its span. Each line is cut to a window of `_FRAME_WIDTH` characters
    around the span's start (a finding far along a 48 MB line costs a few hundred characters, not the line), and
    shown with control characters escaped (a Dockerfile line must not drive the terminal)."""
    first = span.line
    last = min(span.end_line, first + _FRAME_LINES - 1, len(lines))
    if first < 1 or first > len(lines):
        return []
    source = lines[first - 1]
    column = min(max(span.column - 1, 0), len(source))
    start = 0 if column < _FRAME_WIDTH - _FRAME_CONTEXT else column - _FRAME_CONTEXT
    clipped = "..." if start else ""
    shown = [clipped + _visible(line[start : start + _FRAME_WIDTH]) for line in lines[first - 1 : last]]
    width = len(str(last))
    out = [f"  {str(first + i).rjust(width)} | {text}" for i, text in enumerate(highlight(shown))]
    offset = len(clipped) + len(_visible(source[start:column]))
    end = min(span.end_column - 1, start + _FRAME_WIDTH) if span.end_line == span.line else start + _FRAME_WIDTH
    length = max(1, len(_visible(source[column:max(end, column)])))
    caret = " " * offset + "^" * min(length, _FRAME_WIDTH)
    out.insert(1, f"  {' ' * width} | {caret}")
    if span.end_line > last:
        out.append(f"  {' ' * width} | ... ({span.end_line - last} more lines)")
    return out


def _visible(text: str) -> str:
    return printable(text.expandtabs(4))


def help_line(text: str, frame: list[str], color: bool) -> str:
    """The fix under the code frame, rustc/ruff style (`= help: ...` in the frame's gutter; flush without one). Prose
    is one line (its line breaks are blanks); lines indented by four blanks are code (a Dockerfile fragment to
    write) and keep their own lines, indented under the help text."""
    gutter = frame[0].index("|") if frame else 2
    lead = " " * gutter + "= "
    prose: list[str] = []
    code: list[str] = []
    for line in text.split("\n"):
        if line.startswith("    ") and line.strip():
            code.append("  " + printable(line[4:].rstrip().expandtabs(4)))
        elif not code:
            prose.append(line)
        else:  # prose after a code fragment: keep the order readable
            code.append(printable(" ".join(line.split())))
    out = lead + _style("help:", color, bold=True) + " " + printable(" ".join(" ".join(prose).split()))
    pad = " " * (len(lead) + len("help: "))
    return "\n".join([out] + [pad + line for line in code if line.strip()])


def finding_line(d, policy, color: bool) -> str:
    """`path:line:col: RULE severity: [*] message [bytes]`: one finding on one line."""
    where = _style(f"{printable(d.path)}:{d.span.line}:{d.span.column}:", color, bold=True)
    level = _style(f"{d.rule_id} {d.severity}:", color, fg=_COLORS.get(d.severity), bold=True)
    # `[*]`: `--fix` fixes it (ruff's mark), placed after the level so `path:line:col: ID level:` parsers hold.
    mark = _style("[*] ", color, bold=True) if policy.applies(d) else ""
    return f"{where} {level} {mark}{printable(d.message)}{d.cost_suffix}"


def render(results, rules, *, color: bool = False, frames: bool = True, concise: bool = False, quiet: bool = False,
           fix_policy=None, show_fixes: bool = False, errors=(), **_options) -> str:
    """The findings with a code frame (unless `frames` is false) and a help line each, the build reports and a
    summary; `concise`: one line per finding, no frames, help or build report; `quiet`: the findings and errors
    only."""
    out: list[str] = []
    report = TextStream(out.append, rules, color=color, frames=frames, concise=concise, quiet=quiet,
                        fix_policy=fix_policy, show_fixes=show_fixes, results=results)
    for result in results:
        report.add(result)
    report.finish(errors)
    return "".join(out)


def stream(write, rules, **options) -> TextStream:
    return TextStream(write, rules, **options)


class TextStream:
    """The text report written as files are linted: each file's findings as soon as it is linted, the errors and
    the summary at the end (from a `Tally`, so the files are not kept). `write` takes text ending in a newline."""

    def __init__(self, write, rules, *, color: bool = False, frames: bool = True, concise: bool = False,
                 quiet: bool = False, fix_policy=None, show_fixes: bool = False, results=(), **_options) -> None:
        self._write = write
        self._rules = rules
        self._color, self._frames, self._concise, self._quiet = color, frames, concise, quiet
        self._highlight = _highlighter(color)
        self._policy = fix_policy or _DefaultPolicy()
        self._show_fixes = show_fixes
        self._results = results  # for --show-fixes, which lists fixes per file (a --fix run is not streamed)
        self._counted = Tally(self._policy)

    def add(self, result) -> None:
        out: list[str] = []
        color, policy = self._color, self._policy
        for d in result.diagnostics:
            out.append(finding_line(d, policy, color))
            if self._concise:
                continue
            frame = code_frame(result.source_lines, d.span, self._highlight) if self._frames else []
            out += frame
            if d.fix is not None and d.fix.description:
                out.append(help_line(d.fix.description, frame, color))
        if result.report and not self._concise and not self._quiet:
            out += report_lines(result.path, result.report, color)
        self._counted.add(result)
        if out:
            self._write("\n".join(out) + "\n")

    def finish(self, errors=()) -> None:
        out = error_lines(errors, self._color)
        if not self._quiet:
            out += summary_lines(self._results, self._rules, color=self._color, policy=self._policy,
                                 show_fixes=self._show_fixes, errors=errors, counted=self._counted)
        if out:
            self._write("\n".join(out) + "\n")


def error_lines(errors, color: bool) -> list[str]:
    """Files (or rules on a file) that could not be checked."""
    return [_style(f"{printable(error.path)}: error:", color, fg="red", bold=True) + f" {printable(error.message)}"
            for error in errors]


def summary_lines(results, rules, *, color: bool, policy, show_fixes: bool, errors, counted: Tally | None = None
                  ) -> list[str]:
    """What was fixed, how many problems and how many bytes at stake, what `--fix` would fix, what failed.
    `counted`: the results' tally, when a report written file by file kept that instead of the results."""
    out: list[str] = []
    if counted is None:
        counted = tally(results, policy)
    summary = counted.summary()
    counts, total = summary["by_severity"], summary["findings"]
    known, estimated = summary["known_wasted_bytes"], summary["estimated_wasted_bytes"]
    files = f"{counted.files} file{'s' if counted.files != 1 else ''}"
    fixed = counted.fixed
    if counted.any_fixed:
        if show_fixes:
            out += fixed_lines(results, rules)
        else:
            out.append(_style(f"Fixed {fixed} problem{'s' if fixed != 1 else ''}.", color, bold=True)
                       if fixed else "No fixes applied.")
    if total == 0:
        out.append(_style(f"No problems left in {files}." if fixed else f"No problems found in {files}.", color,
                          fg="green"))
    else:
        parts = [f"{n} {name}{'s' if n != 1 and name != 'info' else ''}" for name, n in counts.items() if n]
        line = f"Found {total} problem{'s' if total != 1 else ''} ({', '.join(parts)}) in {files}"
        if known and estimated:
            line += f"; {format_bytes(known)} of image size at stake, and ~{format_bytes(estimated)} more estimated"
        elif known:
            line += f"; {format_bytes(known)} of image size at stake"
        elif estimated:
            line += f"; ~{format_bytes(estimated)} of image size at stake (estimated)"
        out.append(_style(line + ".", color, bold=True))
    fixable, hidden = counted.fixable, counted.hidden
    if fixable or hidden:
        line = f"[*] {fixable} fixable with --fix" if fixable else "No fixes available"
        if hidden:
            line += f" ({hidden} {'more ' if fixable else ''}with --unsafe-fixes)"
        out.append(line + ".")
    if errors:
        failed = len({error.path for error in errors})
        out.append(_style(f"{failed} file{'s' if failed != 1 else ''} could not be checked fully (see the errors above).",
                          color, fg="red", bold=True))
    return out


class _DefaultPolicy:
    """Without --fix options: safe fixes apply, unsafe ones need --unsafe-fixes."""

    @staticmethod
    def applies(diagnostic) -> bool:
        fix = diagnostic.fix
        return fix is not None and bool(fix.edits) and fix.applicability == "safe"

    @staticmethod
    def hidden(diagnostic) -> bool:
        fix = diagnostic.fix
        return fix is not None and bool(fix.edits) and fix.applicability == "unsafe"


def fixed_lines(results, rules=()) -> list[str]:
    """`--show-fixes`: the fixes applied, per file and rule (ruff's format)."""
    names = {rule.id: rule.name for rule in rules}
    total = sum(sum((r.fixed or {}).values()) for r in results)
    if not total:
        return ["No fixes applied."]
    out = [f"Fixed {total} problem{'s' if total != 1 else ''}:"]
    for result in results:
        if not result.fixed:
            continue
        out.append(f"- {result.path}:")
        for rule_id, count in sorted(result.fixed.items()):
            name = f" ({names[rule_id]})" if rule_id in names else ""
            out.append(f"    {count} × {rule_id}{name}")
    return out


def report_lines(path: str, report: dict, color: bool) -> list[str]:
    """The end-of-file report of the static layer model (only when a build context was given)."""
    out = [_style(f"{printable(path)}: build report", color, bold=True)]
    for key, label in (("context_bytes", "bytes the context adds"), ("image_bytes", "bytes stored (known)")):
        if report.get(key) is not None:
            out.append(f"  {label}: {format_bytes(report[key])}")
    layers, unknown_lines = report.get("layers"), report.get("unknown_layer_lines") or []
    if layers is not None:
        unknown = "the base image" + (f" and {len(unknown_lines)} of {layers} layers ({_lines(unknown_lines)})"
                                      if unknown_lines else "")
        out.append(f"  not known before the build: {unknown}")
    if report.get("wasted_bytes") is not None:
        waste = format_bytes(report["wasted_bytes"])
        estimated = report.get("estimated_wasted_bytes") or 0
        if estimated:
            waste += (f" ({format_bytes(report.get('known_wasted_bytes') or 0)} known, "
                      f"~{format_bytes(estimated)} estimated)")
        out.append(f"  predicted waste: {waste}")
    parts = report.get("unknown_wasted_parts") or 0
    if parts:
        places = ", ".join(f"{p['path']} (line {p['line']})" for p in (report.get("unknown_wasted") or [])[:3])
        more = f" and {parts - 3} more" if parts > 3 else ""
        out.append(f"  waste of unknown size: {places}{more}")
    if report.get("efficiency") is not None:
        out.append(f"  predicted efficiency: {report['efficiency'] * 100:.1f}%")
    elif report.get("unknown_layers"):
        known = report.get("known_bytes_efficiency")
        over = (f"; {known * 100:.1f}% over the {format_bytes(report['image_bytes'])} that can be"
                if known is not None else "")
        out.append(f"  predicted efficiency: unknown ({report['unknown_layers']} of {report['layers']} layers add bytes "
                   f"that cannot be sized before the build{over})")
    elif report.get("image_bytes") is not None:
        out.append(f"  predicted efficiency: unknown (only {format_bytes(report['image_bytes'])} of the image can be "
                   "sized before the build)")
    for warning in report.get("context_warnings") or []:
        out.append(f"  context warning: {warning}")
    top = report.get("top_wasted") or []
    if top:
        out.append("  top wasted paths:")
        for item in top[:10]:
            out.append(f"    {format_bytes(item.get('wasted_bytes', 0)).rjust(10)}  {item.get('path')}")
    return out[:1] + [printable(line) for line in out[1:]]  # paths come from the Dockerfile and the context


def _lines(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:5])) + (", ..." if len(lines) > 5 else "")
    return f"line {shown}" if len(lines) == 1 else f"lines {shown}"
