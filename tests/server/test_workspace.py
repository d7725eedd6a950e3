"""What the language server lints with (no protocol here): settings, configuration found from the Dockerfile's
folder, the fail level, and build context scans made off the lint call, kept, and updated when files change."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from dockerlint_slim.server.workspace import CHANGED, CREATED, Settings, SettingsError, Workspace

ARCHIVE = "FROM debian:12\nCOPY vendor.tar.gz /tmp/\nRUN tar -xzf /tmp/vendor.tar.gz -C /opt && rm /tmp/vendor.tar.gz\n"
PIP = "FROM python:3.12-slim\nRUN pip install flask\nRUN echo done\n"


def ids(outcome) -> list[str]:
    return sorted({d.rule_id for d in outcome.diagnostics})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


# -- settings --------------------------------------------------------------------------------------------------


def test_settings_from_the_editor():
    settings = Settings.parse({"select": ["SL2", "SL101"], "ignore": "SL205, SL206", "failLevel": "warning",
                               "context": "build", "unsafeFixes": True})
    assert settings == Settings(("SL2", "SL101"), ("SL205", "SL206"), "warning", "build", True)
    # Nested under the server's name (VS Code style), later sources win, null means "not set".
    assert Settings.parse({"failLevel": "info"}, {"slimlint": {"failLevel": "error"}}, None).fail_level == "error"
    assert Settings.parse({"context": False}).context is False
    assert Settings.parse({"context": ""}).context is None


@pytest.mark.parametrize("data, problem", [
    ({"failLevel": "fatal"}, "failLevel must be one of"),
    ({"selekt": ["SL101"]}, "unknown setting(s) selekt"),
    ({"select": [1]}, "select must be a list"),
    ({"context": 3}, "context must be a folder"),
    ({"unsafeFixes": "yes"}, "unsafeFixes must be true or false"),
    ("SL101", "settings must be an object"),
])
def test_settings_the_server_cannot_use(data, problem):
    with pytest.raises(SettingsError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        Settings.parse(data)


# -- configuration ---------------------------------------------------------------------------------------------


def test_config_is_found_from_the_dockerfiles_folder(repo, monkeypatch, tmp_path_factory):
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))  # the server's own folder does not matter
    app = repo / "services" / "app"
    app.mkdir(parents=True)
    (app / ".slimlint.toml").write_text('ignore = ["SL205"]\n[per-file-ignores]\n"legacy/*" = ["SL101"]\n')
    (app / "legacy").mkdir()
    workspace = Workspace()
    assert "SL205" not in ids(workspace.lint(str(app / "Dockerfile"), PIP))
    assert "SL205" in ids(workspace.lint(str(repo / "Dockerfile"), PIP))  # above the config: not its file
    scattered = "FROM alpine:3.20\nRUN echo one\nRUN echo two\n"
    assert "SL101" in ids(workspace.lint(str(app / "Dockerfile"), scattered))
    assert "SL101" not in ids(workspace.lint(str(app / "legacy" / "Dockerfile"), scattered))


def test_pragmas_in_the_buffer_apply():
    workspace = Workspace()
    text = PIP.replace("RUN pip", "# slimlint ignore=SL205\nRUN pip")
    assert "SL205" not in ids(workspace.lint(None, text))


def test_a_config_edited_on_disk_is_read_again(repo):
    config = repo / ".slimlint.toml"
    config.write_text('ignore = ["SL205"]\n')
    workspace = Workspace()
    assert "SL205" not in ids(workspace.lint(str(repo / "Dockerfile"), PIP))
    config.write_text('ignore = ["SL101"]\n# longer, so the size changes even within one mtime tick\n')
    assert "SL205" in ids(workspace.lint(str(repo / "Dockerfile"), PIP))


def test_settings_win_over_the_config_and_select_like_the_command_line(repo):
    (repo / ".slimlint.toml").write_text('select = ["SL1"]\n')
    workspace = Workspace()
    assert ids(workspace.lint(str(repo / "Dockerfile"), PIP)) == ["SL101"]
    workspace.configure(Settings(select=("SL205",)))
    assert ids(workspace.lint(str(repo / "Dockerfile"), PIP)) == ["SL205"]
    workspace.configure(Settings(ignore=("SL1",)))  # adds to the config's ignore, as --ignore does
    assert ids(workspace.lint(str(repo / "Dockerfile"), PIP)) == []


def test_the_fail_level_hides_what_is_below_it(repo):
    workspace = Workspace()
    assert ids(workspace.lint(str(repo / "Dockerfile"), PIP)) == ["SL101", "SL205"]  # info and warning
    workspace.configure(Settings(fail_level="warning"))
    assert ids(workspace.lint(str(repo / "Dockerfile"), PIP)) == ["SL205"]
    (repo / ".slimlint.toml").write_text('fail-level = "error"\n')
    workspace.configure(Settings())
    assert ids(workspace.lint(str(repo / "Dockerfile"), PIP)) == []
    workspace.configure(Settings(fail_level="none"))  # nothing fails: everything is shown
    assert ids(workspace.lint(str(repo / "Dockerfile"), PIP)) == ["SL101", "SL205"]


@pytest.mark.parametrize("config, settings, problem", [
    ("ignore = [\"SL2O5\"]\n", Settings(), "unknown rule 'SL2O5'"),
    ("fail-level = 3\n", Settings(), "fail-level must be one of"),
    ("[rules.SL301]\nthreshold = \"lots\"\n", Settings(), "threshold"),
    ("", Settings(select=("SL9",)), "slimlint settings: select: unknown rule 'SL9'"),
    ("target = \"runtime\"\n", Settings(), "target stage 'runtime' not found"),
])
def test_what_cannot_be_used_is_a_problem_of_the_file(repo, config, settings, problem):
    (repo / ".slimlint.toml").write_text(config)
    workspace = Workspace()
    workspace.configure(settings)
    outcome = workspace.lint(str(repo / "Dockerfile"), PIP)
    assert outcome.diagnostics == []
    assert [p.severity for p in outcome.problems] == ["error"] and problem in outcome.problems[0].message


def test_a_discovered_rules_dir_does_not_load(repo):
    (repo / "rules").mkdir()
    (repo / "rules" / "boom.py").write_text("raise SystemExit('must not run')\n")
    (repo / ".slimlint.toml").write_text('rules-dir = ["rules"]\n')
    outcome = Workspace().lint(str(repo / "Dockerfile"), PIP)
    assert ids(outcome) == ["SL101", "SL205"]
    assert any("rules-dir" in notice and "not loaded" in notice for notice in outcome.notices)


# -- build contexts --------------------------------------------------------------------------------------------


class BlockedScans:
    """scan_context made to wait until the test lets it go, counting its walks."""

    def __init__(self, monkeypatch) -> None:
        from dockerlint_slim import context

        self.walks = 0
        self.go = threading.Event()
        real = context.scan_context

        def scan(*args, **kwargs):
            self.walks += 1
            assert self.go.wait(30), "the test never let the scan go"
            return real(*args, **kwargs)

        monkeypatch.setattr(context, "scan_context", scan)


class Ready:
    def __init__(self) -> None:
        self.event = threading.Event()
        self.keys: list = []

    def __call__(self, key) -> None:
        self.keys.append(key)
        self.event.set()

    def wait(self) -> None:
        assert self.event.wait(30), "the scan never finished"
        self.event.clear()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    (tmp_path / "vendor.tar.gz").write_bytes(b"\0" * (12 * 1024 * 1024))
    (tmp_path / "Dockerfile").write_text(ARCHIVE)
    return tmp_path / "Dockerfile"


def test_the_first_lint_does_not_wait_for_the_context_scan(archive, monkeypatch):
    scans, ready = BlockedScans(monkeypatch), Ready()
    workspace = Workspace(on_context_ready=ready)
    outcome = workspace.lint(str(archive), ARCHIVE)  # the scan is blocked: this returns anyway
    assert outcome.context_pending and ids(outcome) == ["SL102"]  # the context rule waits for the scan
    assert workspace.lint(str(archive), ARCHIVE).context_pending  # typing meanwhile: still no second walk
    scans.go.set()
    ready.wait()
    outcome = workspace.lint(str(archive), ARCHIVE)
    assert not outcome.context_pending and ids(outcome) == ["SL301"]
    assert "12.0 MiB" in outcome.diagnostics[0].message
    for _ in range(5):  # typing after the scan: never walked again
        workspace.lint(str(archive), ARCHIVE + "# typed\n")
    assert scans.walks == 1 and ready.keys == [outcome.context_key]


def test_a_file_changed_in_place_is_updated_without_a_walk(archive, monkeypatch):
    scans, ready = BlockedScans(monkeypatch), Ready()
    scans.go.set()
    workspace = Workspace(on_context_ready=ready)
    workspace.lint(str(archive), ARCHIVE)
    ready.wait()
    tarball = archive.parent / "vendor.tar.gz"
    tarball.write_bytes(b"\0" * (20 * 1024 * 1024))
    workspace.files_changed([(str(tarball), CHANGED)])
    outcome = workspace.lint(str(archive), ARCHIVE)
    assert "20.0 MiB" in outcome.diagnostics[0].message
    assert scans.walks == 1


def test_a_created_file_walks_the_context_again_and_the_old_scan_serves_meanwhile(archive, monkeypatch):
    scans, ready = BlockedScans(monkeypatch), Ready()
    scans.go.set()
    workspace = Workspace(on_context_ready=ready)
    workspace.lint(str(archive), ARCHIVE)
    ready.wait()
    scans.go.clear()
    (archive.parent / "vendor.tar.gz").rename(archive.parent / "old.tar.gz")
    (archive.parent / "vendor.tar.gz").write_bytes(b"\0" * (15 * 1024 * 1024))
    workspace.files_changed([(str(archive.parent / "vendor.tar.gz"), CREATED)])
    outcome = workspace.lint(str(archive), ARCHIVE)
    assert not outcome.context_pending and "12.0 MiB" in outcome.diagnostics[0].message  # the old scan, meanwhile
    scans.go.set()
    ready.wait()
    assert "15.0 MiB" in workspace.lint(str(archive), ARCHIVE).diagnostics[0].message
    assert scans.walks == 2


def test_changes_below_an_excluded_folder_or_outside_the_context_change_nothing(archive, monkeypatch):
    scans, ready = BlockedScans(monkeypatch), Ready()
    scans.go.set()
    (archive.parent / ".dockerignore").write_text("node_modules\n")
    (archive.parent / "node_modules").mkdir()
    workspace = Workspace(on_context_ready=ready)
    workspace.lint(str(archive), ARCHIVE)
    ready.wait()
    workspace.files_changed([(str(archive.parent / "node_modules" / "left-pad.js"), CREATED),
                             (str(archive.parent.parent / "elsewhere.txt"), CREATED)])
    assert not workspace.lint(str(archive), ARCHIVE).context_pending
    assert scans.walks == 1
    workspace.files_changed([(str(archive.parent / ".dockerignore"), CHANGED)])  # the ignore file itself: a walk
    ready.wait()
    assert scans.walks == 2


def test_the_context_comes_from_the_setting_then_the_config_then_the_folder(repo, monkeypatch):
    ready = Ready()
    build = repo / "build"
    (build / "docker").mkdir(parents=True)
    (build / "vendor.tar.gz").write_bytes(b"\0" * (12 * 1024 * 1024))
    dockerfile = str(build / "docker" / "Dockerfile")
    workspace = Workspace(on_context_ready=ready)
    # Its own folder (no tarball there): the COPY source is missing.
    workspace.lint(dockerfile, ARCHIVE)
    ready.wait()
    assert "SL304" in ids(workspace.lint(dockerfile, ARCHIVE))
    # The config's contexts, relative to the config file.
    (repo / ".slimlint.toml").write_text('[contexts]\n"build/docker/*" = "build"\n')
    workspace.forget_configs()
    workspace.lint(dockerfile, ARCHIVE)
    ready.wait()
    assert ids(workspace.lint(dockerfile, ARCHIVE)) == ["SL301"]
    # The setting wins; relative to the workspace folder; false: no context at all.
    workspace.roots = [repo]
    workspace.configure(Settings(context="build/docker"))
    assert "SL304" in ids(workspace.lint(dockerfile, ARCHIVE))  # scanned already: the first lint has it
    workspace.configure(Settings(context=False))
    outcome = workspace.lint(dockerfile, ARCHIVE)
    assert outcome.context_key is None and ids(outcome) == ["SL102"]
    workspace.configure(Settings(context="missing"))
    outcome = workspace.lint(dockerfile, ARCHIVE)
    assert any("build context is not a folder" in p.message for p in outcome.problems)
    assert ids(outcome) == ["SL102"]


def test_a_bad_ignore_file_is_a_problem_and_the_rest_is_linted(archive):
    ready = Ready()
    (archive.parent / ".dockerignore").write_text("[\n")
    workspace = Workspace(on_context_ready=ready)
    workspace.lint(str(archive), ARCHIVE)
    ready.wait()
    outcome = workspace.lint(str(archive), ARCHIVE)
    assert ids(outcome) == ["SL102"]
    assert [p.message.split(":")[0] for p in outcome.problems] == ["build context not checked"]


def test_no_context_for_a_buffer_never_saved_nor_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    workspace = Workspace()
    assert workspace.lint(None, ARCHIVE).context_key is None
    assert workspace.lint(os.path.join(str(tmp_path), "Dockerfile"), ARCHIVE).context_key is None
