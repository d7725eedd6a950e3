"""The habits users bring from ruff: --output-format (concise), --statistics, --exit-zero, --quiet, --stdin-filename,
rule names and docs URLs in JSON, `slimlint rules --format json`, one run writing several reports, and colour by
the environment's conventions (NO_COLOR, FORCE_COLOR, TERM=dumb)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dockerlint_slim import DOCS_URL
from dockerlint_slim.engine.registry import load_rules
from tests.clirun import env, slimlint, usage_error
from tests.cli.test_command_line import _run_on_a_tty

# SL101 (info, fixable), SL201 (warning, ~19 MiB estimated), SL202 (warning).
APT = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n"
CLEAN = "FROM debian:12\nRUN echo hi\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(APT)
    return tmp_path


def test_output_format_concise_is_one_line_per_finding(project):
    proc = slimlint("Dockerfile", "--output-format", "concise", cwd=project)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert [line.split(": ", 2)[1] for line in lines[:3]] == ["SL101 info", "SL201 warning", "SL202 warning"]
    assert lines[0].startswith("Dockerfile:2:1: SL101 info: [*] 2 consecutive RUN instructions")
    assert not any(line.startswith(" ") for line in lines)  # no code frames, no help lines
    assert lines[3].startswith("Found 3 problems (2 warnings, 1 info) in 1 file")
    # --format is the same option
    assert slimlint("Dockerfile", "--format", "concise", cwd=project).stdout == proc.stdout


def test_statistics_count_findings_and_bytes_per_rule(project):
    proc = slimlint("Dockerfile", "--statistics", cwd=project)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["1", "SL101", "[*]", "scattered-run"]
    assert lines[1].split()[:4] == ["1", "SL201", "[", "]"] and lines[1].endswith("~19.0 MiB")
    assert lines[3].startswith("Found 3 problems")
    document = json.loads(slimlint("Dockerfile", "--statistics", "--format", "json", cwd=project).stdout)
    by_rule = {entry["rule_id"]: entry for entry in document}
    assert by_rule["SL101"]["fixable"] == 1 and by_rule["SL101"]["rule_name"] == "scattered-run"
    assert by_rule["SL201"]["estimated_wasted_bytes"] > 0 and by_rule["SL201"]["known_wasted_bytes"] == 0
    assert by_rule["SL201"]["url"] == f"{DOCS_URL}rules/sl201-apt-lists-not-removed/"
    assert "--statistics prints text or json" in usage_error(slimlint("Dockerfile", "--statistics", "--format",
                                                                      "sarif", cwd=project))


def test_exit_zero_keeps_findings_but_not_errors(project):
    proc = slimlint("Dockerfile", "--exit-zero", cwd=project)
    assert proc.returncode == 0 and "SL201 warning" in proc.stdout
    assert slimlint("Dockerfile", "missing/Dockerfile", "--exit-zero", cwd=project).returncode == 2


def test_quiet_prints_the_findings_only(project):
    (project / "sub").mkdir()
    (project / "sub" / "Dockerfile").symlink_to(project / "Dockerfile")  # a folder search warns about links
    loud = slimlint(".", cwd=project)
    assert "slimlint: warning: skipped" in loud.stderr and "Found 3 problems" in loud.stdout
    quiet = slimlint(".", "--quiet", cwd=project)
    assert quiet.returncode == 1 and quiet.stderr == ""
    assert "SL201 warning" in quiet.stdout and "Found" not in quiet.stdout and "fixable" not in quiet.stdout
    (project / "clean").mkdir()
    (project / "clean" / "Dockerfile").write_text(CLEAN)
    silent = slimlint("clean/Dockerfile", "-q", cwd=project)
    assert (silent.returncode, silent.stdout, silent.stderr) == (0, "", "")


def test_stdin_filename_names_the_file_in_reports_and_per_file_settings(project):
    document = json.loads(slimlint("--stdin-filename", "services/api/Dockerfile", "--format", "json", cwd=project,
                                   input=APT).stdout)
    assert {f["path"] for f in document["findings"]} == {"services/api/Dockerfile"}
    assert document["files"][0]["path"] == "services/api/Dockerfile"
    (project / ".slimlint.toml").write_text('[per-file-ignores]\n"services/*/Dockerfile" = ["SL2"]\n')
    ignored = json.loads(slimlint("-", "--stdin-filename", "services/api/Dockerfile", "--format", "json",
                                  cwd=project, input=APT).stdout)
    assert [f["rule_id"] for f in ignored["findings"]] == ["SL101"]
    assert "--stdin-filename" in usage_error(slimlint("Dockerfile", "--stdin-filename", "x", cwd=project))


def test_stdin_filename_with_fix_writes_the_fixed_text_to_stdout(project):
    proc = slimlint("--stdin-filename", "app/Dockerfile", "--fix", "--select", "SL101", cwd=project,
                    input="FROM debian:12\nRUN echo one\nRUN echo two\n")
    assert proc.stdout.startswith("FROM debian:12\nRUN echo one")
    assert proc.stdout.count("RUN") == 1
    assert not (project / "app").exists()  # nothing is written under the name


def test_json_findings_carry_the_rule_name_and_its_docs_url(project):
    document = json.loads(slimlint("Dockerfile", "--format", "json", cwd=project).stdout)
    for finding in document["findings"]:
        rule = next(r for r in load_rules() if r.id == finding["rule_id"])
        assert finding["rule_name"] == rule.name
        assert finding["url"] == f"{DOCS_URL}rules/{rule.doc_slug}/"


def test_rules_as_json(tmp_path):
    rules = load_rules()
    document = json.loads(slimlint("rules", "--format", "json", cwd=tmp_path).stdout)
    assert [r["id"] for r in document] == [r.id for r in rules]
    sl301 = next(r for r in document if r["id"] == "SL301")
    assert sl301["needs"] == ["context"] and sl301["url"].endswith("/rules/sl301-large-copy-consumed/")
    assert sl301["docs"].startswith("What it does") and "threshold" in sl301["options"]
    one = json.loads(slimlint("rules", "SL201", "--output-format", "json", cwd=tmp_path).stdout)
    assert one["name"] == "apt-lists-not-removed" and one["severity"] == "warning"


def test_one_run_writes_several_reports(project):
    (project / "out").mkdir()
    proc = slimlint("Dockerfile", "--format", "github", "--report", "sarif=out/slimlint.sarif",
                    "--report", "markdown=summary.md", cwd=project)
    assert proc.returncode == 1
    assert proc.stdout.startswith("::")
    assert json.loads((project / "out" / "slimlint.sarif").read_text())["runs"][0]["results"]
    summary = (project / "summary.md").read_text()
    assert "| `Dockerfile` | 3 | 0 | 2 | 1 | ~22.6 MiB (estimated) |" in summary
    assert "FORMAT=PATH" in usage_error(slimlint("Dockerfile", "--report", "sarif", cwd=project))
    assert "two reports" in usage_error(slimlint("Dockerfile", "-o", "a.txt", "--report", "json=a.txt", cwd=project))
    assert "refusing to overwrite" in usage_error(slimlint("Dockerfile", "--report", "json=Dockerfile", cwd=project))


def test_markdown_escapes_what_a_dockerfile_controls(tmp_path):
    from dockerlint_slim.formatters.markdown import cell, code

    assert cell("a | <script>x</script> & `y`\nz") == "a \\| &lt;script&gt;x&lt;/script&gt; &amp; \\`y\\` z"
    assert code("a|b") == "`a\u2758b`" and code("a`b") == "a\\`b"
    folder = tmp_path / "we|rd<i>"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM debian:12\nRUN echo one\nRUN echo two\n")
    summary = slimlint(".", "--format", "markdown", cwd=tmp_path).stdout
    rows = [line for line in summary.splitlines() if line.startswith("| `")]
    assert len(rows) == 2 and all(line.replace("\\|", "").count("|") == line.count("|") for line in rows)
    assert all(row.count("|") in (5, 7) for row in rows)  # 6 columns (4 separators inside), 4 columns


# --- colour ------------------------------------------------------------------------------------------------------

def coloured(cwd: Path, *args: str, **environment: str | None) -> bool:
    return "\x1b[" in slimlint("Dockerfile", *args, cwd=cwd, environ=env(**environment)).stdout


def test_force_color_forces_unless_zero_false_or_no_color(project):
    assert coloured(project, FORCE_COLOR="1")
    assert coloured(project, FORCE_COLOR="yes")
    assert coloured(project, FORCE_COLOR="1", TERM="dumb")  # forcing is forcing (force-color.org)
    assert not coloured(project, FORCE_COLOR="0")
    assert not coloured(project, FORCE_COLOR="false")
    assert not coloured(project, FORCE_COLOR="")  # empty means unset
    assert not coloured(project, FORCE_COLOR="1", NO_COLOR="1")  # no-color.org wins, as in CPython and rich
    assert coloured(project, FORCE_COLOR="1", NO_COLOR="")  # an empty NO_COLOR is unset
    assert not coloured(project, "--no-color", FORCE_COLOR="1")


def test_a_dumb_terminal_gets_no_colour(project):
    assert b"\x1b[" in _run_on_a_tty(project, "Dockerfile", TERM="xterm-256color")
    assert b"\x1b[" not in _run_on_a_tty(project, "Dockerfile", TERM="dumb")
    assert b"\x1b[" not in _run_on_a_tty(project, "Dockerfile", FORCE_COLOR="0", TERM="xterm-256color")
