"""Coming from hadolint: a `.hadolint.yaml` is read when no slimlint config exists (saying so once), for the codes
that have a slimlint counterpart; `# hadolint` pragmas are honoured."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import slimlint

APT = "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"  # SL201 (warning) and SL202 (warning)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "Dockerfile").write_text(APT)
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(APT)
    return tmp_path


def findings(proc) -> list[tuple[str, str]]:
    return sorted((f["rule_id"], f["severity"]) for f in json.loads(proc.stdout)["findings"] if f["path"] == "Dockerfile")


def test_ignored_override_and_threshold_are_used_and_said_once(repo):
    (repo / ".hadolint.yaml").write_text(
        "ignored:\n  - DL3009\n  - DL3008\noverride:\n  style:\n    - DL3015\nfailure-threshold: warning\n"
        "trustedRegistries:\n  - docker.io\n")
    proc = slimlint("Dockerfile", "svc/Dockerfile", "--format", "json", cwd=repo)
    assert findings(proc) == [("SL202", "info")]  # DL3009 -> SL201 ignored, DL3015 -> SL202 style = info
    assert proc.returncode == 0  # failure-threshold warning: an info finding passes
    notes = [line for line in proc.stderr.splitlines() if line.startswith("slimlint: note:")]
    assert len(notes) == 1 and ".hadolint.yaml" in notes[0]
    assert "ignored DL3009 -> SL201" in notes[0] and "DL3015 -> SL202 severity info" in notes[0]
    assert "DL3008" not in notes[0]  # no counterpart: hadolint's alone


def test_found_from_a_subfolder_up_to_the_repository_root(repo):
    (repo / ".hadolint.yml").write_text("ignored: [DL3009, DL3015]\n")
    proc = slimlint("Dockerfile", "--format", "json", cwd=repo / "svc")
    assert json.loads(proc.stdout)["findings"] == [] and proc.returncode == 0


def test_a_slimlint_config_wins_and_hadolint_yaml_is_not_read(repo):
    (repo / ".hadolint.yaml").write_text("ignored: [DL3009]\n")
    (repo / ".slimlint.toml").write_text('ignore = ["SL202"]\n')
    proc = slimlint("Dockerfile", "--format", "json", cwd=repo)
    assert findings(proc) == [("SL201", "warning")]
    assert "note" not in proc.stderr


def test_no_fail_and_disable_ignore_pragma(repo):
    (repo / "Dockerfile").write_text("FROM debian:12\n# hadolint ignore=DL3009,DL3015\n"
                                     "RUN apt-get update && apt-get install -y curl\n")
    assert findings(slimlint("Dockerfile", "--format", "json", cwd=repo)) == []  # the pragma is honoured
    (repo / ".hadolint.yaml").write_text("no-fail: true\ndisable-ignore-pragma: true\n")
    proc = slimlint("Dockerfile", "--format", "json", cwd=repo)
    assert findings(proc) == [("SL201", "warning"), ("SL202", "warning")]
    assert proc.returncode == 0


def test_codes_covering_part_of_a_rule_do_not_change_its_severity(repo):
    (repo / ".hadolint.yaml").write_text("override:\n  error: [DL3032]\nignored: [DL3060]\n")
    proc = slimlint("Dockerfile", "--format", "json", cwd=repo)
    note = next(line for line in proc.stderr.splitlines() if "note" in line)
    assert "not used: override DL3032 (covers yum of SL204 only)" in note
    assert "ignored DL3060 -> SL206 (yarn only)" in note


@pytest.mark.parametrize("content, fragment", [
    ("ignored: [DL3009\n", "invalid YAML"),
    ("- a list\n", "expected a mapping"),
    ("ignored: DL3009\n", "ignored must be a list"),
    ("override:\n  fatal: [DL3009]\n", "not a hadolint severity"),
    ("failure-threshold: 3\n", "failure-threshold"),
])
def test_a_hadolint_config_slimlint_cannot_read_is_a_warning_not_an_error(repo, content, fragment):
    (repo / ".hadolint.yaml").write_text(content)
    proc = slimlint("Dockerfile", "--format", "json", cwd=repo)
    assert proc.returncode == 1  # linted as without it
    assert findings(proc) == [("SL201", "warning"), ("SL202", "warning")]
    [warning] = [line for line in proc.stderr.splitlines() if line.startswith("slimlint: warning:")]
    assert fragment in warning and "not used" in warning
