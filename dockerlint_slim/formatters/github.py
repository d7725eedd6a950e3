"""GitHub Actions workflow commands: one annotation per finding (`::warning file=...::message`)."""

from __future__ import annotations

from pathlib import Path

from dockerlint_slim.printable import printable

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    # GitHub's escapes for %, CR and LF; other control characters (an escape sequence from a Dockerfile line, which
    # the log viewer would interpret) and bytes of a non-UTF-8 name as visible escapes.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(results, rules, *, root: Path | None = None, errors=(), **_options) -> str:
    out: list[str] = []
    report = GithubStream(out.append, rules, root=root)
    for result in results:
        report.add(result)
    report.finish(errors)
    return "".join(out)


def stream(write, rules, **options) -> GithubStream:
    return GithubStream(write, rules, **options)


class GithubStream:
    """Annotations written as files are linted (see `formatters.open_stream`)."""

    def __init__(self, write, rules, *, root: Path | None = None, **_options) -> None:
        from dockerlint_slim.formatters.sarif import find_source_root, relative_uri

        self._write = write
        self._relative_uri = relative_uri
        self._root = root or find_source_root(Path.cwd())

    def add(self, result) -> None:
        # Annotations need repository-relative paths, whichever folder slimlint runs from.
        path = self._relative_uri(result.path, self._root) or result.path
        lines = []
        for d in result.diagnostics:
            properties = f"file={_escape_property(path)},line={d.span.line},col={d.span.column},endLine={d.span.end_line}"
            if d.span.end_line == d.span.line:
                properties += f",endColumn={d.span.end_column}"
            # The title last, as in GitHub's docs (`...,col=...,title=SL101::message`).
            properties += f",title={_escape_property(d.rule_id)}"
            lines.append(f"::{_LEVEL.get(d.severity, 'warning')} {properties}::{_escape_data(d.message)}")
        if lines:
            self._write("\n".join(lines) + "\n")

    def finish(self, errors=()) -> None:
        lines = []
        for error in errors:  # files that could not be checked
            path = self._relative_uri(error.path, self._root) or error.path
            lines.append(f"::error file={_escape_property(path)},title=slimlint::{_escape_data(error.message)}")
        if lines:
            self._write("\n".join(lines) + "\n")
