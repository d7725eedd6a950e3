"""`--format gitlab`: GitLab Code Quality JSON, checked through the command line as a CI job runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .support import BAD_DOCKERFILE, CLEAN_DOCKERFILE

GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def slimlint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dockerlint_slim", *args], cwd=cwd, capture_output=True, text=True)


def report(*args: str, cwd: Path) -> list[dict]:
    done = slimlint("--format", "gitlab", *args, cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_code_quality_fields(git_repo: Path):
    (git_repo / "api").mkdir()
    (git_repo / "api" / "Dockerfile").write_text(BAD_DOCKERFILE)
    issues = report("api/Dockerfile", cwd=git_repo)
    by_rule = {issue["check_name"]: issue for issue in issues}
    assert {"SL101", "SL201"} <= set(by_rule)
    for issue in issues:
        assert issue["type"] == "issue"
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["description"].startswith(f"{issue['check_name']}: ")
        assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 32
        assert issue["location"]["path"] == "api/Dockerfile"
    assert by_rule["SL201"]["severity"] == "major"  # warning
    assert by_rule["SL101"]["severity"] == "info"
    assert by_rule["SL201"]["location"]["lines"] == {"begin": 2, "end": 2}
    assert by_rule["SL101"]["location"]["lines"] == {"begin": 2, "end": 3}  # the chain of RUNs
    assert "rules/sl101-scattered-run/" in by_rule["SL101"]["content"]["body"]
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def test_parse_error_is_critical(git_repo: Path):
    (git_repo / "Dockerfile").write_text("FROM alpine\nRUN <<EOF\napk add curl\n")
    issues = report("Dockerfile", cwd=git_repo)
    assert any(i["check_name"] == "SL000" and i["severity"] == "critical" for i in issues)


def test_paths_are_repository_relative_from_a_subfolder_and_with_absolute_paths(git_repo: Path):
    folder = git_repo / "services" / "api"
    folder.mkdir(parents=True)
    (folder / "Dockerfile").write_text(BAD_DOCKERFILE)
    from_subfolder = report("Dockerfile", cwd=folder)
    absolute = report(str(folder / "Dockerfile"), cwd=git_repo / "services")
    assert {i["location"]["path"] for i in from_subfolder} == {"services/api/Dockerfile"}
    assert {i["location"]["path"] for i in absolute} == {"services/api/Dockerfile"}
    assert [i["fingerprint"] for i in from_subfolder] == [i["fingerprint"] for i in absolute]


def test_fingerprints_survive_lines_inserted_above(git_repo: Path):
    dockerfile = git_repo / "Dockerfile"
    dockerfile.write_text(BAD_DOCKERFILE)
    before = {i["check_name"]: i for i in report("Dockerfile", cwd=git_repo)}
    dockerfile.write_text("# syntax=docker/dockerfile:1\n\n# base image\n" + BAD_DOCKERFILE)
    after = {i["check_name"]: i for i in report("Dockerfile", cwd=git_repo)}
    assert set(before) == set(after)
    for rule_id in before:
        assert after[rule_id]["location"]["lines"]["begin"] == before[rule_id]["location"]["lines"]["begin"] + 3
        assert after[rule_id]["fingerprint"] == before[rule_id]["fingerprint"]


def test_identical_findings_get_distinct_fingerprints(git_repo: Path):
    # The same line twice in one file: same rule, same content, two places; GitLab needs two fingerprints.
    from dockerlint_slim.diagnostics import Diagnostic, Span
    from dockerlint_slim.engine import FileResult
    from dockerlint_slim.formatters.gitlab import issues

    lines = ["FROM debian:12", "RUN apt-get update", "FROM debian:12", "RUN apt-get update"]
    found = [Diagnostic("SL201", "warning", "lists left", "Dockerfile", Span(line, 5, line, 19)) for line in (2, 4)]
    result = FileResult("Dockerfile", found, source_lines=lines)
    first, second = issues([result], [], root=git_repo.resolve())
    assert first["fingerprint"] != second["fingerprint"]
    again = issues([result], [], root=git_repo.resolve())
    assert [i["fingerprint"] for i in again] == [first["fingerprint"], second["fingerprint"]]


def test_clean_run_is_an_empty_array(git_repo: Path):
    (git_repo / "Dockerfile").write_text(CLEAN_DOCKERFILE)
    done = slimlint("--format", "gitlab", "Dockerfile", cwd=git_repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == []
