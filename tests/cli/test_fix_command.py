"""`slimlint --fix` and friends from the command line: in place, --diff, --fix-only, --show-fixes, stdin, config keys,
fixable marks and counts in text, edits in JSON and SARIF."""

from __future__ import annotations

import json

import jsonschema

from tests.clirun import sarif_schema, slimlint, usage_error

SPLIT = "FROM debian:bookworm\nRUN apt-get update\nRUN echo hello\n"
JOINED = "FROM debian:bookworm\nRUN apt-get update \\\n    && echo hello \\\n    && rm -rf /var/lib/apt/lists/*\n"
ONLY = ("--select", "SL101,SL201")


def write(folder, text=SPLIT, name="Dockerfile"):
    path = folder / name
    path.write_text(text)
    return path


def test_fix_rewrites_in_place_and_reports_what_is_left(tmp_path):
    path = write(tmp_path, SPLIT + "HEALTHCHECK WHENEVER\n")  # a parse error: no fix for it
    proc = slimlint("Dockerfile", "--fix", cwd=tmp_path)
    assert path.read_text() == JOINED + "HEALTHCHECK WHENEVER\n"
    assert "Fixed 2 problems." in proc.stdout
    assert "SL000" in proc.stdout and "SL101" not in proc.stdout  # what is left is reported
    assert proc.returncode == 1
    write(tmp_path)
    slimlint("Dockerfile", "--fix", *ONLY, cwd=tmp_path)
    again = slimlint("Dockerfile", "--fix", *ONLY, cwd=tmp_path)
    assert again.returncode == 0 and path.read_text() == JOINED
    assert again.stdout == "No fixes applied.\nNo problems found in 1 file.\n"


def test_diff_changes_nothing_and_exits_1_when_there_would_be_changes(tmp_path):
    path = write(tmp_path)
    proc = slimlint("Dockerfile", "--diff", cwd=tmp_path)
    assert proc.returncode == 1
    assert path.read_text() == SPLIT
    assert proc.stdout.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    assert "-RUN echo hello\n" in proc.stdout and "+    && rm -rf /var/lib/apt/lists/*\n" in proc.stdout
    assert "Would fix 2 problems." in proc.stderr
    write(tmp_path, JOINED)
    clean = slimlint("Dockerfile", "--diff", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fix_only_applies_without_a_report(tmp_path):
    path = write(tmp_path)
    proc = slimlint("Dockerfile", "--fix-only", "--show-fixes", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == ""
    assert path.read_text() == JOINED
    assert proc.stderr.splitlines() == ["Fixed 2 problems:", "- Dockerfile:", "    1 × SL101 (scattered-run)",
                                        "    1 × SL201 (apt-lists-not-removed)"]


def test_stdin_fixed_text_goes_to_stdout_and_the_report_to_stderr(tmp_path):
    proc = slimlint("-", "--fix", *ONLY, cwd=tmp_path, input=SPLIT)
    assert proc.stdout == JOINED
    assert "Fixed 2 problems." in proc.stderr
    assert proc.returncode == 0
    quiet = slimlint("-", "--fix-only", cwd=tmp_path, input=SPLIT)
    assert quiet.stdout == JOINED and quiet.stderr.strip() == "Fixed 2 problems."


def test_text_marks_fixable_findings_and_counts_them(tmp_path):
    write(tmp_path)
    proc = slimlint("Dockerfile", *ONLY, cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert any(line.startswith("Dockerfile:2:1: SL101 info: [*] 2 consecutive RUN") for line in lines)
    assert lines[-1] == "[*] 2 fixable with --fix."
    assert proc.returncode == 1


def test_config_keys(tmp_path):
    path = write(tmp_path)
    (tmp_path / ".slimlint.toml").write_text('fix = true\nunfixable = ["SL101"]\nselect = ["SL101", "SL201"]\n')
    proc = slimlint("Dockerfile", cwd=tmp_path)
    assert path.read_text() == SPLIT.replace("update\n", "update && rm -rf /var/lib/apt/lists/*\n")
    assert "Fixed 1 problem." in proc.stdout
    # the command line wins
    write(tmp_path)
    slimlint("Dockerfile", "--no-fix", cwd=tmp_path)
    assert path.read_text() == SPLIT
    (tmp_path / ".slimlint.toml").write_text('fix = "yes"\n')
    assert "fix must be true or false" in usage_error(slimlint("Dockerfile", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").write_text('fixable = ["SL9999"]\n')
    assert "fixable: unknown rule 'SL9999'" in usage_error(slimlint("Dockerfile", cwd=tmp_path))


def test_unknown_rule_in_fix_options_is_a_usage_error(tmp_path):
    write(tmp_path)
    assert "--unfixable: unknown rule 'SL2O1'" in usage_error(slimlint("Dockerfile", "--unfixable", "SL2O1", cwd=tmp_path))


def test_json_carries_edits_applicability_and_counts(tmp_path):
    write(tmp_path)
    document = json.loads(slimlint("Dockerfile", *ONLY, "--format", "json", cwd=tmp_path).stdout)
    scattered = next(f for f in document["findings"] if f["rule_id"] == "SL101")
    assert scattered["fixable"] is True
    assert scattered["fix"]["applicability"] == "safe"
    assert scattered["fix"]["edits"] == [{"path": None, "line": 2, "column": 19, "end_line": 3, "end_column": 5,
                                          "replacement": " \\\n    && "}]
    assert document["summary"]["fixable"] == 2


def test_json_after_fix_says_what_was_fixed(tmp_path):
    write(tmp_path)
    document = json.loads(slimlint("Dockerfile", *ONLY, "--fix", "--format", "json", cwd=tmp_path).stdout)
    assert document["files"][0]["fixed"] == {"SL101": 1, "SL201": 1}
    assert document["summary"]["fixed"] == 2 and document["findings"] == []


def test_sarif_fixes_are_artifact_changes_and_valid(tmp_path):
    write(tmp_path)
    log = json.loads(slimlint("Dockerfile", *ONLY, "--format", "sarif", cwd=tmp_path).stdout)
    jsonschema.validate(log, sarif_schema())
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "SL101")
    (fix,) = result["fixes"]
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "Dockerfile"
    assert change["replacements"][0]["insertedContent"]["text"] == " \\\n    && "
    assert fix["properties"]["applicability"] == "safe"


def test_rules_command_shows_fix_availability(tmp_path):
    listing = slimlint("rules", cwd=tmp_path).stdout
    assert any(line.startswith("SL101") and "fix=sometimes" in line for line in listing.splitlines())
    assert any(line.startswith("SL304") and "fix=none" in line for line in listing.splitlines())
    assert "Fix is sometimes available." in slimlint("rules", "SL101", cwd=tmp_path).stdout
