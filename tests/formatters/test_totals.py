"""Honest figures: bytes at stake counted once, estimates apart from measured bytes, info-level hints' guesses left
out, and a build report that says what cannot be known before the build."""

from __future__ import annotations

import json

import jsonschema

from dockerlint_slim.diagnostics import OVERLAP, ByteTotals, Diagnostic, Span, overlap_key
from dockerlint_slim.engine import FileResult
from dockerlint_slim.engine.registry import load_rules
from dockerlint_slim.formatters import render, summarize
from tests.context.helpers import MiB, lint_with_context, make_context
from tests.paths import SARIF_SCHEMA

RULES = load_rules(plugins=False)
SPAN = Span(1, 1, 1, 2)


def d(rule_id, size, severity="warning", **properties):
    return Diagnostic(rule_id, severity, "m", "Dockerfile", SPAN, wasted_bytes=size, properties=properties)


def totals(*diagnostics):
    result = ByteTotals()
    result.add(diagnostics)
    return result.known, result.estimated


def test_each_located_byte_counts_once():
    sl301 = d("SL301", 40, **{OVERLAP: [overlap_key(3, "/tmp/a.tgz", 40)]})
    sl102 = d("SL102", 45, **{OVERLAP: [overlap_key(3, "/tmp/a.tgz", 40), overlap_key(4, "/tmp/b", 5)]})
    assert totals(sl301, sl102) == (45, 0)
    # a path below a counted folder of the same origin is inside it; another origin's same path is not
    junk = d("SL302", 7, **{OVERLAP: [overlap_key(9, "/app/.git", 7)]})
    rm = d("SL102", 7, **{OVERLAP: [overlap_key(9, "/app/.git/objects", 6), overlap_key(9, "/app/.github", 1)]})
    other = d("SL102", 7, **{OVERLAP: [overlap_key(10, "/app/.git", 7)]})
    assert totals(junk, rm, other) == (7 + 1 + 7, 0)


def test_estimates_apart_and_info_hints_and_aggregates_left_out():
    sl201 = d("SL201", 30 * MiB, estimate="typical")
    sl403 = d("SL403", 41 * MiB, severity="info", estimate=True)
    sl501 = d("SL501", 99, severity="error", aggregate=True)
    measured = d("SL302", 5)
    assert totals(sl201, sl403, sl501, measured) == (5, 30 * MiB)
    summary = summarize([FileResult("Dockerfile", [sl201, sl403, sl501, measured])])
    assert (summary["known_wasted_bytes"], summary["estimated_wasted_bytes"], summary["wasted_bytes"]) == (
        5, 30 * MiB, 30 * MiB + 5)


def footer(*diagnostics):
    return render("text", [FileResult("Dockerfile", list(diagnostics), None, ["FROM x"])], []).splitlines()[-1]


def test_footer_keeps_estimates_apart_in_one_unit():
    assert footer(d("SL302", 5 * MiB)) == "Found 1 problem (1 warning) in 1 file; 5.0 MiB of image size at stake."
    assert footer(d("SL302", 5 * MiB), d("SL201", 30 * MiB, estimate="typical")) == (
        "Found 2 problems (2 warnings) in 1 file; 5.0 MiB of image size at stake, and ~30.0 MiB more estimated.")
    assert footer(d("SL201", 30 * MiB, estimate="typical")) == (
        "Found 1 problem (1 warning) in 1 file; ~30.0 MiB of image size at stake (estimated).")
    assert footer(d("SL403", 41 * MiB, severity="info", estimate=True)) == "Found 1 problem (1 info) in 1 file."


def test_info_level_findings_add_no_bytes_measured_or_estimated():
    """The footer's "at stake" is what the problems cost: an info-level hint adds nothing, also when its bytes are
    measured (a rule configured down to info)."""
    assert footer(d("SL302", 5 * MiB, severity="info")) == "Found 1 problem (1 info) in 1 file."
    assert footer(d("SL302", 5 * MiB, severity="info"), d("SL301", 2 * MiB)) == (
        "Found 2 problems (1 warning, 1 info) in 1 file; 2.0 MiB of image size at stake.")


def test_finding_line_shows_measured_bytes_only_and_not_twice():
    lines = render("text", [FileResult("Dockerfile", [
        Diagnostic("SL302", "warning", "COPY brings junk", "Dockerfile", SPAN, wasted_bytes=5 * MiB),
        Diagnostic("SL102", "warning", "deletes x (5.0 MiB)", "Dockerfile", SPAN, wasted_bytes=5 * MiB),
        Diagnostic("SL201", "warning", "lists (typically 20-50 MB)", "Dockerfile", SPAN, wasted_bytes=30 * MiB,
                   properties={"estimate": "typical"})], None, ["FROM x"])], [], frames=False).splitlines()
    assert lines[0].endswith("COPY brings junk [5.0 MiB]")
    assert lines[1].endswith("deletes x (5.0 MiB)")
    assert lines[2].endswith("lists (typically 20-50 MB)")


def test_report_says_what_cannot_be_known_and_keeps_estimates_apart(tmp_path):
    root = make_context(tmp_path, {"vendor.tar.gz": 3 * MiB, "app.py": 1000})
    result = lint_with_context(
        "FROM debian:bookworm\nCOPY vendor.tar.gz /tmp/\nRUN tar -xzf /tmp/vendor.tar.gz -C /opt\n"
        "RUN rm /tmp/vendor.tar.gz\nRUN apt-get update && apt-get install -y curl\n"
        "ADD https://example.com/tool.tgz /tmp/\nRUN rm /tmp/tool.tgz\nCOPY app.py /app/\n", root)
    report = result.report
    assert report["layers"] == 7 and report["unknown_layer_lines"] == [3, 4, 5, 6, 7]
    assert report["unknown_layers"] == 5
    assert report["known_wasted_bytes"] == 3 * MiB
    estimated = sum(x.wasted_bytes for x in result.diagnostics if x.properties.get("estimate") and x.severity != "info")
    assert estimated and report["estimated_wasted_bytes"] == estimated
    assert report["wasted_bytes"] == 3 * MiB + estimated
    assert report["unknown_wasted_parts"] == 1
    assert report["unknown_wasted"] == [{"path": "/tmp/tool.tgz", "line": 7, "created_line": 6}]
    text = render("text", [result], RULES)
    assert "not known before the build: the base image and 5 of 7 layers (lines 3, 4, 5, 6, 7)" in text
    assert "predicted waste: " in text and "3.0 MiB known, ~" in text
    assert "waste of unknown size: /tmp/tool.tgz (line 7)" in text
    assert json.loads(render("json", [result], RULES))["files"][0]["report"]["unknown_layer_lines"] == [3, 4, 5, 6, 7]
    log = json.loads(render("sarif", [result], RULES))
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    [sarif_report] = log["runs"][0]["properties"]["reports"]
    assert sarif_report["unknown_layers"] == 5 and sarif_report["estimated_wasted_bytes"] == estimated


def test_efficiency_is_shown_when_every_layer_is_sized(tmp_path):
    root = make_context(tmp_path, {"app.bin": 2 * MiB, "conf": 10})
    result = lint_with_context("FROM debian:bookworm\nCOPY app.bin /opt/\nCOPY conf /etc/app/\n", root)
    assert result.report["unknown_layers"] == 0 and result.report["efficiency"] == 1.0
    assert "predicted efficiency: 100.0%" in render("text", [result], RULES)


def test_junk_the_image_keeps_is_known_waste_and_unsized_caches_are_unknown_parts(tmp_path):
    """What real builds measure (benchmarks/realbuild): `COPY . .` with a .git folder wastes the .git bytes although
    they stay readable (SL302, not in the layer model's deleted or rewritten bytes), and a pip cache left in a layer
    is waste whose size is not known before the build."""
    root = make_context(tmp_path, {".git/objects/pack/p.pack": 3 * MiB, "app.py": 1000, "requirements.txt": 10})
    result = lint_with_context("FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
                               root)
    report = result.report
    sl302 = [x for x in result.diagnostics if x.rule_id == "SL302"]
    assert sl302 and sl302[0].wasted_bytes >= 3 * MiB
    assert report["known_wasted_bytes"] == sl302[0].wasted_bytes == report["wasted_bytes"]
    assert report["unknown_wasted"] == [{"path": "/root/.cache/pip", "line": 4, "created_line": 4}]
    assert report["unknown_wasted_parts"] == 1
    assert "waste of unknown size: /root/.cache/pip (line 4)" in render("text", [result], RULES)
    # junk a later layer deletes is the layer model's waste already: counted once
    result = lint_with_context("FROM python:3.12-slim\nCOPY . /app\nRUN rm -rf /app\n", root)
    assert [x.rule_id for x in result.diagnostics if x.rule_id == "SL302"] == ["SL302"]
    assert result.report["known_wasted_bytes"] == result.report["image_bytes"] == 3 * MiB + 1010
    # a later deletion's finding (SL102) is the layer model's event: counted once, by the model
    result = lint_with_context("FROM debian:12\nCOPY *.deb /app\nRUN rm -f /app app/logs\n",
                               make_context(tmp_path / "deb", {"pkg.deb": 1000}))
    assert result.report["known_wasted_bytes"] == result.report["image_bytes"] == 1000
    # a finding that locates its bytes in the layer model (SL301's tar) is counted once, by the model
    root = make_context(tmp_path / "tar", {"vendor.tar": 3 * MiB})
    result = lint_with_context("FROM debian:bookworm\nCOPY vendor.tar /tmp/\nRUN tar -xf /tmp/vendor.tar -C /opt\n"
                               "RUN rm /tmp/vendor.tar\n", root)
    assert result.report["known_wasted_bytes"] == 3 * MiB


def test_go_build_cache_of_unknown_size_is_an_unknown_part(tmp_path):
    root = make_context(tmp_path, {"main.go": 100, "go.mod": 20})
    result = lint_with_context(
        "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends golang-go "
        "&& rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nCOPY . .\nRUN go build -o /usr/local/bin/app .\n", root)
    assert {"path": "/root/.cache/go-build", "line": 5, "created_line": 5} in result.report["unknown_wasted"]
    assert result.report["estimated_wasted_bytes"] == 0
