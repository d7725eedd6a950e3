"""How findings are presented: one-line messages, the fix as a `help:` line (text), in SARIF and in JSON."""

from __future__ import annotations

import json

import jsonschema
import pytest

from dockerlint_slim.diagnostics import Diagnostic, Fix, Span, TextEdit, clip, join_within
from dockerlint_slim.engine import FileResult
from dockerlint_slim.formatters import render
from tests.paths import SARIF_SCHEMA

SPAN = Span(2, 1, 2, 19)
LINES = ["FROM debian:bookworm", "RUN apt-get update", "RUN rm -rf /var/lib/apt/lists/*"]


def result(*diagnostics: Diagnostic) -> FileResult:
    return FileResult("Dockerfile", list(diagnostics), None, LINES)


def finding(rule_id="SL201", message="`apt-get update` leaves the lists", fix="Append `&& rm -rf /var/lib/apt/lists/*`",
            **kwargs) -> Diagnostic:
    return Diagnostic(rule_id, "warning", message, "Dockerfile", SPAN, fix=Fix(fix) if fix else None, **kwargs)


def test_text_prints_the_fix_as_a_help_line_under_the_frame():
    out = render("text", [result(finding())], []).splitlines()
    assert out[0] == "Dockerfile:2:1: SL201 warning: `apt-get update` leaves the lists"
    assert out[1:3] == ["  2 | RUN apt-get update", "    | ^^^^^^^^^^^^^^^^^^"]
    assert out[3] == "    = help: Append `&& rm -rf /var/lib/apt/lists/*`"


def test_text_help_line_also_without_frames_and_absent_without_a_fix():
    out = render("text", [result(finding())], [], frames=False).splitlines()
    assert out[:2] == ["Dockerfile:2:1: SL201 warning: `apt-get update` leaves the lists",
                       "  = help: Append `&& rm -rf /var/lib/apt/lists/*`"]
    out = render("text", [result(finding(fix=None))], []).splitlines()
    assert not any("help:" in line for line in out)


def test_help_line_is_one_line():
    out = render("text", [result(finding(fix="Do this\nand that"))], [], frames=False).splitlines()
    assert out[1] == "  = help: Do this and that"
    assert len(out) == 2 or not out[2].startswith(" ")


def test_help_keeps_the_lines_of_an_indented_code_fragment():
    fix = "Build in a stage of its own:\n    FROM golang:1.22 AS build\n    # ... the build steps ...\n    FROM scratch"
    out = render("text", [result(finding(fix=fix))], []).splitlines()
    assert out[3:7] == ["    = help: Build in a stage of its own:",
                        "              FROM golang:1.22 AS build",
                        "              # ... the build steps ...",
                        "              FROM scratch"]


def test_sarif_keeps_the_message_short_and_the_fix_apart():
    edit = TextEdit(Span(2, 19, 2, 19), " && rm -rf /var/lib/apt/lists/*")
    with_edit = Diagnostic("SL201", "warning", "lists left", "Dockerfile", SPAN, fix=Fix("Append the cleanup", (edit,)))
    advice_only = finding(rule_id="SL101", message="2 consecutive RUN instructions", fix="Join them")
    log = json.loads(render("sarif", [result(with_edit, advice_only)], []))
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    first, second = log["runs"][0]["results"]
    assert first["message"]["text"] == "lists left" and first["properties"]["fix"] == "Append the cleanup"
    [fix] = first["fixes"]
    assert fix["description"]["text"] == "Append the cleanup"
    [change] = fix["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "Dockerfile"
    assert change["replacements"] == [{"deletedRegion": {"startLine": 2, "startColumn": 19, "endLine": 2,
                                                         "endColumn": 19},
                                       "insertedContent": {"text": " && rm -rf /var/lib/apt/lists/*"}}]
    # SARIF requires a fix to change files: advice without edits is in the result's properties only.
    assert second["message"]["text"] == "2 consecutive RUN instructions" and "fixes" not in second
    assert second["properties"]["fix"] == "Join them"


def test_json_carries_the_fix():
    document = json.loads(render("json", [result(finding())], []))
    assert document["findings"][0]["fix"] == {"description": "Append `&& rm -rf /var/lib/apt/lists/*`",
                                              "applicability": "safe", "edits": []}


@pytest.mark.parametrize("text,width,expected", [
    ("short", 10, "short"),
    ("curl -fsSL https://example.com/a/very/long/path/tool.tar.gz", 30, "curl -fsSL https://...tool.tar.gz"[:30]),
    ("a\n  b", 10, "a b"),
])
def test_clip_keeps_both_ends(text, width, expected):
    clipped = clip(text, width)
    assert len(clipped) <= width
    if len(" ".join(text.split())) <= width:
        assert clipped == expected
    else:
        assert clipped.startswith(text[:5]) and clipped.endswith(text[-5:]) and "..." in clipped


def test_join_within_counts_what_does_not_fit():
    assert join_within(["aaaa", "bbbb", "cccc"], 10) == "aaaa, bbbb and 1 more"
    assert join_within(["a-very-long-first-part"], 5) == "a-very-long-first-part"
    assert join_within(["a", "b"], 50, hidden=3) == "a, b and 3 more"


LAYER_RULES = ("SL101", "SL102", "SL103", "SL301", "SL302", "SL303", "SL304", "SL501")
LONG = "/opt/" + "/".join(["a-rather-long-folder-name"] * 6)
LONG_URL = "https://downloads.example.com/" + "/".join(["releases"] * 8) + "/tool-1.2.3-linux-amd64.tar.gz"


def _long_context(tmp_path):
    from tests.context.helpers import MiB, make_context

    names = {f"{LONG[5:]}/big-{i}.tar.gz": 12 * MiB for i in range(3)}
    names.update({f"{LONG[5:]}/.git/objects/p{i}": MiB for i in range(4)})
    names.update({f"{LONG[5:]}/logs/{'x' * 60}-{i}.log": MiB for i in range(4)})
    names.update({f"{LONG[5:]}/.env.{'y' * 40}{i}": 10 for i in range(4)})
    return make_context(tmp_path, names)


def test_layer_rule_messages_are_one_short_line(tmp_path):
    from tests.paths import corpus_files
    from tests.rules.conftest import run_lint as lint

    context = _long_context(tmp_path)
    synthetic = f"""
        FROM debian:bookworm
        ARG DEBIAN_FRONTEND=noninteractive
        RUN apt-get update && apt-get install -y build-essential python3-dev libssl-dev zlib1g-dev libffi-dev git
        ADD {LONG_URL} {LONG}/
        COPY {LONG[5:]}/ {LONG}/
        COPY {LONG[5:]}/big-0.tar.gz {LONG[5:]}/big-1.tar.gz /tmp/{'w' * 70}/
        RUN tar -xzf /tmp/{'w' * 70}/big-0.tar.gz && mv /tmp/{'w' * 70}/big-1.tar.gz {LONG}/{'v' * 60}.tar.gz
        RUN tar -xzf {LONG}/tool-1.2.3-linux-amd64.tar.gz -C /usr/local && rm -rf {LONG}/big-0.tar.gz {LONG}/big-1.tar.gz
        RUN rm -rf /var/lib/apt/lists/* {LONG}/big-2.tar.gz {LONG}/logs && apt-get purge -y build-essential \\
            python3-dev libssl-dev zlib1g-dev libffi-dev git
        RUN chown -R www-data:www-data {LONG} /var/lib/apt {LONG}/big-0.tar.gz && chmod 0755 {LONG}/logs/x
        COPY missing/{'z' * 80}.conf {LONG}/
        RUN echo a
        RUN echo b
    """
    found = lint(synthetic, select=LAYER_RULES, context_dir=context, max_wasted_bytes="1MB", min_efficiency=0.99)
    assert {d.rule_id for d in found} >= {"SL101", "SL102", "SL103", "SL301", "SL302", "SL303", "SL304", "SL501"}
    for path in corpus_files():
        found += lint(path.read_text(errors="replace"), select=LAYER_RULES)
    for d in found:
        assert "\n" not in d.message and len(d.message) <= 160, (d.rule_id, len(d.message), d.message)
        assert d.fix is not None and d.fix.description, d.rule_id
