"""The human-readable image report: summary, layer table, most wasteful files, CI checks."""

from __future__ import annotations

import re

from dockerlint_slim.diagnostics import format_bytes
from dockerlint_slim.image.report import (
    DIVE,
    DIVE_RULE,
    FROM_DOCKERFILE,
    FROM_HISTORY,
    FROM_OPTION,
    Check,
    ImageReport,
)

COMMAND_WIDTH = 70


def _percent(value: float | None) -> str:
    return "n/a (waste but no bytes above the base)" if value is None else f"{value * 100:.1f} %"


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def escape(text: str) -> str:
    """Text from an image (file names, `created_by`, tags) made safe for a terminal and for one report row:
    control characters (escape sequences, newlines, carriage returns) and lone surrogates (bytes that were not
    UTF-8) are written as Python-style escapes, so they can neither drive the terminal nor split a row."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (f"\\x{code:02x}" if code < 0x100
                                                                     else f"\\u{code:04x}")


def _short(text: str, width: int = COMMAND_WIDTH) -> str:
    text = " ".join(escape(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _base_note(report: ImageReport) -> str:
    if report.base_layers_source == FROM_DOCKERFILE:
        return f"base image = first {report.base_layers} layer(s), from the Dockerfile match"
    if report.base_layers_source == FROM_OPTION:
        return f"base image = first {report.base_layers} layer(s), from --base-layers"
    if report.base_layers_source == FROM_HISTORY:
        return (f"base image = first {report.base_layers} layer(s), up to the base's own CMD/ENTRYPOINT in the "
                "history (give --dockerfile or --base-layers to say otherwise)")
    assert report.base_layers_source == DIVE_RULE
    return "base image = the first layer, as dive counts (give --dockerfile for the real boundary)"


def check_detail(check: Check) -> str:
    if check.name == "min-efficiency":
        return f"efficiency {_percent(check.value)} (at least {_percent(check.limit)})"
    if check.name == "max-wasted-bytes":
        return f"wasted {format_bytes(check.value or 0)} (at most {format_bytes(check.limit)})"
    return f"user wasted ratio {_percent(check.value)} (at most {_percent(check.limit)})"


def _check_line(check: Check) -> str:
    return f"  {check.status}  {check.name}: {check_detail(check)}"


def render_text(report: ImageReport) -> str:
    name = escape(", ".join(report.names) or "<untagged>")
    out = [
        f"Image {escape(report.source)}: {name} ({escape(report.platform) or 'unknown platform'}, {report.layout})",
        f"  image size         {format_bytes(report.image_bytes)} in {len(report.layers)} layer(s) (uncompressed)",
        f"  final files        {format_bytes(report.final_bytes)}",
        f"  efficiency         {_percent(report.efficiency)}",
        (f"  wasted             {format_bytes(report.wasted_bytes)} "
         f"({report.inefficient_paths} path(s) stored but deleted or overwritten)"),
        (f"  user wasted ratio  {_percent(report.user_wasted_ratio)} = "
         f"{format_bytes(report.user_wasted_bytes)} / {format_bytes(report.user_bytes)}; {_base_note(report)}"),
        "",
        "Layers",
        f"  {'#':>3}  {'bytes':>10}  {'wasted':>10}  {'removes':>10}  {'line':>5}  created by",
    ]
    for row in report.layers:
        line = str(row.dockerfile_line) if row.dockerfile_line else ("base" if row.base else "")
        out.append(f"  {row.index:>3}  {format_bytes(row.bytes):>10}  {format_bytes(row.wasted_bytes):>10}  "
                   f"{format_bytes(row.removed_bytes):>10}  {line:>5}  {_short(row.created_by) or '?'}")
    out.append("  (wasted: bytes this layer stores that later layers delete or overwrite; "
               "removes: bytes of earlier layers this layer deletes or overwrites)")
    out.append("")
    if report.files:
        shown = len(report.files)
        out.append(f"Most wasted files ({shown} of {report.inefficient_paths})")
        out.append(f"  {'count':>5}  {'wasted':>10}  path")
        for row in report.files:
            out.append(f"  {row.count:>5}  {format_bytes(row.wasted_bytes):>10}  {escape(row.path)}")
    else:
        out.append("No wasted files.")
    if report.checks:
        out.append("")
        out.append("Checks")
        out.extend(_check_line(check) for check in report.checks)
        if any(check.arithmetic == DIVE and check.name != "min-efficiency" for check in report.checks):
            out.append("  (waste counted as dive counts it: every copy of a path stored in more than one layer, over "
                       "every layer after the first; --exact-waste counts only the dead copies)")
        out.append(f"  Result: {'PASS' if report.passed else 'FAIL'}")
    return "\n".join(out) + "\n"
