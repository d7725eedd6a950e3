"""A repository, config or file crafted against slimlint: it runs no code, leaks no file, hangs nothing, and one bad
input costs only itself (the other files are reported, `-o` is written, the exit code is 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.clirun import CLEAN, SCATTERED, env, slimlint, usage_error

EVIL = 'import pathlib\npathlib.Path({marker!r}).write_text("ran")\nraise SystemExit("no rule here")\n'
APK = "FROM alpine:3.20\nRUN apk add curl\n"


def _plugin(folder: Path, body: str, rule_id: str = "XY901") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.py").write_text(
        f'ID = "{rule_id}"\nNAME = "plugin-{rule_id.lower()}"\nSEVERITY = "warning"\nSUMMARY = "test plugin"\n'
        "from dockerlint_slim.diagnostics import Finding\n" + body
    )


# --- A repository's config runs no code ---------------------------------------------------------------------------

def test_rules_dir_of_a_discovered_config_does_not_run(tmp_path):
    (tmp_path / ".git").mkdir()
    marker = tmp_path / "ran"
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "r.py").write_text(EVIL.format(marker=str(marker)))
    (tmp_path / ".slimlint.toml").write_text('rules-dir = ["evil"]\n')
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    proc = slimlint("Dockerfile", cwd=tmp_path)
    assert not marker.exists()
    assert proc.returncode == 1  # linted with the built-in rules
    assert "rules-dir evil not loaded" in proc.stderr and "--config .slimlint.toml" in proc.stderr
    # Named on the command line, the same config is the user's choice: its rule folder loads.
    assert "no rule here" in usage_error(slimlint("Dockerfile", "--config", ".slimlint.toml", cwd=tmp_path))
    assert marker.exists()


def test_rules_dir_from_the_user_level_config_loads(tmp_path):
    project, home = tmp_path / "project", tmp_path / "config"
    _plugin(tmp_path / "my-rules", "def check(target):\n    yield Finding(target.dockerfile.instructions[0].span, 'mine')\n")
    (home / "slimlint").mkdir(parents=True)
    (home / "slimlint" / "config.toml").write_text(f'rules-dir = [{str(tmp_path / "my-rules")!r}]\nignore = ["SL101"]\n')
    project.mkdir()
    (project / "Dockerfile").write_text(SCATTERED)
    (project / ".slimlint.toml").write_text('fail-level = "error"\n')  # layered over the user's file
    proc = slimlint("Dockerfile", "--format", "json", cwd=project, environ=env(XDG_CONFIG_HOME=str(home)))
    assert proc.returncode == 0, proc.stderr
    assert [f["rule_id"] for f in json.loads(proc.stdout)["findings"]] == ["XY901"]


def test_config_discovery_stops_at_the_repository_root(tmp_path):
    (tmp_path / ".slimlint.toml").write_text('fail-level = "none"\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    (repo / "sub" / "Dockerfile").write_text(SCATTERED)
    assert slimlint("Dockerfile", cwd=repo / "sub").returncode == 1  # the config above the repository is not read
    (repo / ".slimlint.toml").write_text('fail-level = "none"\n')
    assert slimlint("Dockerfile", cwd=repo / "sub").returncode == 0  # the repository's own config is


def test_config_discovery_outside_a_repository_reads_the_current_folder_only(tmp_path):
    (tmp_path / ".slimlint.toml").write_text('fail-level = "none"\n')
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "Dockerfile").write_text(SCATTERED)
    assert slimlint("Dockerfile", cwd=tmp_path / "sub").returncode == 1
    assert slimlint("sub/Dockerfile", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("name,content,fragment", [
    (".slimlint.toml", b'select = ["\xff"]\n', "not UTF-8"),
    (".slimlint.toml", b"a = " + b"[" * 50_000 + b"]" * 50_000 + b"\n", "nested too deeply"),
    ("pyproject.toml", b"[tool.slimlint]\na = " + b"[" * 50_000 + b"]" * 50_000 + b"\n", "nested too deeply"),
    ("pyproject.toml", b"[project]\nname = '\xfe'\n", "not UTF-8"),
])
def test_unreadable_config_is_one_line_also_when_discovered(tmp_path, name, content, fragment):
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    (tmp_path / name).write_bytes(content)
    assert fragment in usage_error(slimlint("Dockerfile", cwd=tmp_path))
    assert fragment in usage_error(slimlint("Dockerfile", "--config", name, cwd=tmp_path))


# --- Discovery takes regular files inside the tree; every read is capped -----------------------------------------

def test_folder_search_skips_links_fifos_and_devices(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("FROM alpine\nRUN echo TOP-SECRET-LINE\nRUN echo again\n")
    repo = tmp_path / "repo"
    for sub in ("linked", "fifo", "device", "real"):
        (repo / sub).mkdir(parents=True)
    (repo / "linked" / "Dockerfile").symlink_to(secret)
    (repo / "device" / "Dockerfile").symlink_to("/dev/zero")
    os.mkfifo(repo / "fifo" / "Dockerfile")
    (repo / "real" / "Dockerfile").write_text(SCATTERED)
    proc = slimlint("repo", "--format", "json", cwd=tmp_path, timeout=60)  # a subprocess: a hang fails the test
    assert proc.returncode == 1, proc.stderr
    document = json.loads(proc.stdout)
    assert [f["path"] for f in document["files"]] == [os.path.join("repo", "real", "Dockerfile")]
    assert "TOP-SECRET" not in proc.stdout + proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("slimlint: warning: skipped")]
    assert len(warnings) == 3, proc.stderr
    assert any("fifo" in w and "not a regular file" in w for w in warnings)
    assert any("linked" in w and "symbolic link" in w for w in warnings)


def test_named_link_is_read_only_inside_its_repository(tmp_path):
    (tmp_path / "secret.txt").write_text("FROM alpine\nRUN echo TOP-SECRET-LINE\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "docker").mkdir()
    (repo / "docker" / "Dockerfile.prod").write_text(SCATTERED)
    (repo / "Dockerfile").symlink_to("docker/Dockerfile.prod")
    (repo / "Dockerfile.leak").symlink_to(tmp_path / "secret.txt")
    assert slimlint("Dockerfile", cwd=repo).returncode == 1  # a link inside the repository is followed
    proc = slimlint("Dockerfile", "Dockerfile.leak", "--format", "json", cwd=repo)
    assert proc.returncode == 2
    assert "TOP-SECRET" not in proc.stdout + proc.stderr
    document = json.loads(proc.stdout)
    assert [f["path"] for f in document["files"]] == ["Dockerfile"]
    assert [e["path"] for e in document["errors"]] == ["Dockerfile.leak"]
    assert "leads out of its repository" in document["errors"][0]["message"]


def test_named_fifo_or_device_is_refused_without_a_hang(tmp_path):
    os.mkfifo(tmp_path / "Dockerfile")
    for path in ("Dockerfile", "/dev/zero"):
        proc = slimlint(path, cwd=tmp_path, timeout=60)
        assert "not a regular file" in usage_error(proc)


def test_file_over_the_size_cap_is_an_error_of_that_file(tmp_path):
    with open(tmp_path / "Dockerfile.huge", "wb") as handle:
        handle.truncate(33 * 1024 * 1024)
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    proc = slimlint("Dockerfile.huge", "Dockerfile", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "larger than 32 MiB" in proc.stderr
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == ["Dockerfile"]


# --- Terminal injection -----------------------------------------------------------------------------------------

def test_control_characters_of_a_dockerfile_are_escaped_in_text_output(tmp_path):
    (tmp_path / "Dockerfile").write_bytes(b"FROM alpine:3.20\nRUN apk add \x1b]0;pwned\x07\x1b[2J curl\n")
    proc = slimlint("Dockerfile", cwd=tmp_path)
    assert proc.returncode == 1
    assert "SL203" in proc.stdout
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "apk add \\e]0;pwned\\x07\\e[2J curl" in proc.stdout  # in the code frame, visible
    github = slimlint("Dockerfile", "--format", "github", cwd=tmp_path).stdout
    assert "\x1b" not in github and "\x07" not in github


def test_a_finding_far_along_a_long_line_shows_a_clamped_frame(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nRUN echo " + "x" * 2_000_000 + " && apk add curl\n")
    proc = slimlint("Dockerfile", cwd=tmp_path)
    assert proc.returncode == 1
    frame = [line for line in proc.stdout.splitlines() if " | " in line]
    assert frame and max(len(line) for line in frame) < 300
    code, caret = frame[0], frame[1]
    assert code[caret.index("^"):].startswith("apk add curl")


# --- -o never overwrites an input -------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ["Dockerfile", "./sub/../Dockerfile", ".slimlint.toml"])
def test_output_naming_an_input_or_the_config_is_refused(tmp_path, output):
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    (tmp_path / ".slimlint.toml").write_text('fail-level = "warning"\n')
    (tmp_path / "sub").mkdir()
    assert "refusing to overwrite" in usage_error(slimlint("Dockerfile", "-o", output, cwd=tmp_path))
    assert (tmp_path / "Dockerfile").read_text() == SCATTERED
    assert (tmp_path / ".slimlint.toml").read_text() == 'fail-level = "warning"\n'
    assert "refusing" in usage_error(slimlint(".", "-o", "Dockerfile", cwd=tmp_path))  # found by the folder search


# --- One bad input costs only itself ----------------------------------------------------------------------------

CRASH_ON_MARKER = (
    "def check(target):\n"
    "    yield Finding(target.dockerfile.instructions[0].span, 'seen before the crash')\n"
    "    if any('CRASH' in line for line in target.dockerfile.lines):\n"
    "        raise RuntimeError('plugin bug')\n"
)


@pytest.fixture
def hundred_files(tmp_path):
    _plugin(tmp_path / "rules", CRASH_ON_MARKER)
    for index in range(100):
        (tmp_path / f"{index:03}.Dockerfile").write_text(SCATTERED)
    (tmp_path / "050.Dockerfile").write_text(SCATTERED + "# CRASH\n")
    return tmp_path


def test_a_rule_crashing_on_one_file_of_a_hundred(hundred_files):
    proc = slimlint(".", "--rules-dir", "rules", "--format", "json", "-o", "out.json", cwd=hundred_files)
    assert proc.returncode == 2
    assert proc.stderr.count("slimlint: error:") == 1 and "050.Dockerfile" in proc.stderr
    document = json.loads((hundred_files / "out.json").read_text())
    assert len(document["files"]) == 100
    assert document["errors"] == [{"path": "./050.Dockerfile", "rule_id": "XY901", "message": document["errors"][0]["message"]}]
    assert "RuntimeError: plugin bug" in document["errors"][0]["message"]
    crashed = next(f for f in document["files"] if f["path"] == "./050.Dockerfile")
    # Only that rule on that file pays: what it found before the crash stays, and so do the other rules' findings.
    assert sorted(f["rule_id"] for f in crashed["findings"]) == ["SL101", "XY901"]
    assert sum(f["rule_id"] == "XY901" for f in document["findings"]) == 100


def test_a_crash_is_reported_in_sarif_text_and_github(hundred_files):
    proc = slimlint(".", "--rules-dir", "rules", "--format", "sarif", "-o", "out.sarif", cwd=hundred_files)
    assert proc.returncode == 2
    run = json.loads((hundred_files / "out.sarif").read_text())["runs"][0]
    assert len({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}) == 100
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error" and notification["associatedRule"]["id"] == "XY901"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "050.Dockerfile"
    text = slimlint(".", "--rules-dir", "rules", cwd=hundred_files).stdout
    assert "./050.Dockerfile: error: rule XY901" in text and "1 file could not be checked fully" in text
    github = slimlint(".", "--rules-dir", "rules", "--format", "github", cwd=hundred_files).stdout
    assert "::error file=050.Dockerfile,title=slimlint::rule XY901" in github


@pytest.mark.parametrize("args,fragment", [
    (["missing", "other.Dockerfile"], "cannot read missing"),
    (["Dockerfile", "other.Dockerfile", "--target", "build"], "target stage 'build' not found"),
])
def test_a_bad_path_or_target_costs_only_that_file(tmp_path, args, fragment):
    (tmp_path / "Dockerfile").write_text("FROM alpine AS build\nRUN echo a\nRUN echo b\nFROM alpine\n")
    (tmp_path / "other.Dockerfile").write_text(SCATTERED)
    proc = slimlint(*args, "--format", "json", "-o", "out.json", cwd=tmp_path)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    document = json.loads((tmp_path / "out.json").read_text())
    assert document["files"] and document["findings"]
    assert len(document["errors"]) == 1 and fragment in document["errors"][0]["message"]


def test_a_bad_dockerignore_costs_only_its_dockerfile(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY . /app\nRUN echo a\nRUN echo b\n")
    (tmp_path / "bad.Dockerfile").write_text("FROM alpine\nCOPY . /app\n")
    (tmp_path / "bad.Dockerfile.dockerignore").write_text("ok\n[oops\n")
    proc = slimlint("Dockerfile", "bad.Dockerfile", "--context", ".", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    document = json.loads(proc.stdout)
    assert [f["path"] for f in document["files"]] == ["Dockerfile"]
    assert "bad pattern '[oops'" in document["errors"][0]["message"]


@pytest.mark.parametrize("body,fragment", [
    ("import sys\ndef check(target):\n    sys.exit(0)\n", "SystemExit: 0"),
    ("class Escape(BaseException):\n    pass\ndef check(target):\n    raise Escape('out')\n", "Escape: out"),
    ("def check(target):\n    return 5\n", "TypeError"),
])
def test_a_rule_that_exits_or_raises_a_base_exception_is_a_crash_not_a_clean_exit(tmp_path, body, fragment):
    _plugin(tmp_path / "rules", body)
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    proc = slimlint("Dockerfile", "--rules-dir", "rules", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert [f["rule_id"] for f in json.loads(proc.stdout)["findings"]] == ["SL101"]


@pytest.mark.parametrize("module,fragment", [
    ("import sys\nsys.exit(0)\n", "SystemExit: 0"),
    ("raise RuntimeError('boom at import')\n", "RuntimeError: boom at import"),
    ('ID = "XY900"\nNAME = "x"\nSEVERITY = "info"\nSUMMARY = "s"\nNEEDS = 5\ndef check(t):\n    return []\n',
     "NEEDS must be a tuple or set of strings"),
    ('ID = "XY900"\nNAME = "x"\nSEVERITY = "info"\nSUMMARY = "s"\nNEEDS = {"network"}\ndef check(t):\n    return []\n',
     "unknown NEEDS network"),
])
def test_a_broken_rule_module_is_one_line_for_check_and_rules(tmp_path, module, fragment):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.py").write_text(module)
    (tmp_path / "Dockerfile").write_text(CLEAN)
    assert fragment in usage_error(slimlint("Dockerfile", "--rules-dir", "rules", cwd=tmp_path))
    assert fragment in usage_error(slimlint("rules", "--rules-dir", "rules", cwd=tmp_path))


def test_non_utf8_file_name_with_output_file_and_sarif(tmp_path):
    name = os.fsdecode(b"\xff-bad.Dockerfile")
    (tmp_path / name).write_text(SCATTERED)
    proc = slimlint(name, "--format", "json", "-o", "out.json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    document = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert document["files"][0]["path"] == "\\xff-bad.Dockerfile"
    proc = slimlint(name, "--format", "sarif", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    uri = json.loads(proc.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "%FF-bad.Dockerfile"
    text = slimlint(name, cwd=tmp_path)
    assert text.returncode == 1 and "\\xff-bad.Dockerfile:2:1:" in text.stdout


def test_huge_numbers_in_options_are_one_line(tmp_path):
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    for option in ("--max-wasted-bytes", "--min-efficiency"):
        assert option in usage_error(slimlint("Dockerfile", "--context", ".", option, "9" * 400, cwd=tmp_path))


def test_closed_standard_input_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "dockerlint_slim", "-"], stdin=subprocess.DEVNULL, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=env(), close_fds=True,
                          preexec_fn=lambda: os.close(0))
    assert "standard input" in usage_error(proc)
