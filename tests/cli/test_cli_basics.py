"""The command line as users run it: exit codes, formats, options, config, pragmas."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dockerlint_slim.cli import cli
from tests.clirun import env, slimlint

SCATTERED = "FROM alpine:3.20\nRUN echo one\n# a comment\n\nRUN echo two\n"
CLEAN = "FROM alpine:3.20\nRUN echo one && echo two\n"


def run(*args, input=None, cwd=None):
    """The console entry point's `main()` with its own streams, cwd and exit code (see tests/clirun.py)."""
    return slimlint(*args, input=input, cwd=cwd or Path.cwd())


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    (tmp_path / "clean.dockerfile").write_text(CLEAN)
    return tmp_path


def test_findings_exit_1_with_location_and_summary(project):
    proc = run(str(project / "Dockerfile"), "--no-color", cwd=project)
    assert proc.returncode == 1
    assert f"{project / 'Dockerfile'}:2:1: SL101 info:" in proc.stdout
    assert "Found 1 problem" in proc.stdout
    assert "  2 | RUN echo one" in proc.stdout  # code frame


def test_clean_file_exits_0(project):
    proc = run(str(project / "clean.dockerfile"))
    assert proc.returncode == 0, proc.stdout
    assert "No problems found" in proc.stdout


def test_check_subcommand_is_the_default(project):
    assert run("check", str(project / "Dockerfile")).returncode == 1


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["missing-file"], "cannot read missing-file"),
        (["--format", "xml", "Dockerfile"], "--format"),
        (["--fail-level", "loud", "Dockerfile"], "--fail-level"),
        (["--config", "nope.toml", "Dockerfile"], "config file not found"),
        (["--max-wasted-bytes", "lots", "Dockerfile"], "--max-wasted-bytes"),
        (["--min-efficiency", "2", "Dockerfile"], "--min-efficiency"),
        (["--context", "no-such-dir", "Dockerfile"], "no-such-dir"),
    ],
)
def test_usage_and_io_errors_exit_2_with_one_line(project, args, fragment):
    proc = run(*args, cwd=project)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("slimlint: error:"), proc.stderr
    assert fragment in lines[0]
    assert "Traceback" not in proc.stderr


def test_fail_level_controls_exit_code(project):
    assert run(str(project / "Dockerfile"), "--fail-level", "warning").returncode == 0
    assert run(str(project / "Dockerfile"), "--fail-level", "info").returncode == 1
    assert run(str(project / "Dockerfile"), "--fail-level", "none").returncode == 0


def test_select_and_ignore(project):
    assert run(str(project / "Dockerfile"), "--ignore", "SL101").returncode == 0
    assert run(str(project / "Dockerfile"), "--ignore", "scattered-run").returncode == 0
    assert run(str(project / "Dockerfile"), "--select", "SL000").returncode == 0
    assert run(str(project / "Dockerfile"), "--select", "SL1").returncode == 1


def test_stdin(project):
    proc = run("-", "--format", "json", input=SCATTERED)
    assert proc.returncode == 1
    document = json.loads(proc.stdout)
    assert document["findings"][0]["path"] == "-"


def test_directories_are_searched_recursively(tmp_path):
    nested = tmp_path / "services" / "api"
    nested.mkdir(parents=True)
    (nested / "Containerfile").write_text(SCATTERED)
    (tmp_path / "app.dockerfile").write_text(SCATTERED)
    (tmp_path / "Dockerfile.prod").write_text(SCATTERED)
    (tmp_path / "README.md").write_text("RUN a\nRUN b\n")
    proc = run(str(tmp_path), "--format", "json")
    paths = {Path(f["path"]).name for f in json.loads(proc.stdout)["files"]}
    assert paths == {"Containerfile", "app.dockerfile", "Dockerfile.prod"}


def test_json_document_shape(project):
    document = json.loads(run(str(project / "Dockerfile"), "--format", "json").stdout)
    assert document["version"] == 1
    assert document["tool"]["name"] == "slimlint"
    finding = document["findings"][0]
    assert finding["rule_id"] == "SL101"
    assert (finding["line"], finding["column"], finding["end_line"]) == (2, 1, 5)
    assert document["summary"]["by_severity"]["info"] == 1


def test_github_annotations(project):
    out = run(str(project / "Dockerfile"), "--format", "github").stdout
    assert out.startswith("::notice file=")
    assert "line=2,col=1,endLine=5,title=SL101::" in out


def test_output_file(project, tmp_path):
    target = tmp_path / "report.json"
    proc = run(str(project / "Dockerfile"), "--format", "json", "--output", str(target))
    assert proc.stdout == "" and json.loads(target.read_text())["findings"]


def test_config_file_and_command_line_precedence(project):
    (project / ".slimlint.toml").write_text('ignore = ["SL101"]\n')
    assert run("Dockerfile", cwd=project).returncode == 0
    (project / ".slimlint.toml").write_text('[severity]\nSL101 = "error"\nfail-level = "error"\n')
    assert run("Dockerfile", cwd=project).returncode == 2  # a key inside [severity] that is not a rule level
    (project / ".slimlint.toml").write_text('fail-level = "error"\n[severity]\nSL101 = "error"\n')
    proc = run("Dockerfile", "--format", "json", cwd=project)
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"][0]["severity"] == "error"
    assert run("Dockerfile", "--fail-level", "none", cwd=project).returncode == 0


def test_pyproject_tool_table(project):
    (project / "pyproject.toml").write_text('[tool.slimlint]\nselect = ["SL000"]\n')
    assert run("Dockerfile", cwd=project).returncode == 0


def test_bad_config_exits_2(project):
    (project / ".slimlint.toml").write_text("selec = [\n")
    proc = run("Dockerfile", cwd=project)
    assert proc.returncode == 2 and "invalid TOML" in proc.stderr
    (project / ".slimlint.toml").write_text('selekt = ["SL1"]\n')
    proc = run("Dockerfile", cwd=project)
    assert proc.returncode == 2 and "unknown key(s) selekt" in proc.stderr


def test_per_rule_options_from_config(project):
    (project / ".slimlint.toml").write_text("[rules.SL101]\nmin_chain = 3\n")
    assert run("Dockerfile", cwd=project).returncode == 0


def test_per_file_ignores(project):
    (project / ".slimlint.toml").write_text('[per-file-ignores]\n"Dock*" = ["SL101"]\n')
    assert run("Dockerfile", cwd=project).returncode == 0


def test_inline_pragmas():
    runner = CliRunner()
    text = "FROM alpine\n# slimlint ignore=SL101\nRUN a\nRUN b\nFOO x\n"
    result = runner.invoke(cli, ["-", "--format", "json"], input=text)
    rules = [f["rule_id"] for f in json.loads(result.output)["findings"]]
    assert rules == ["SL000"]
    text = "# slimlint global ignore=SL000, scattered-run\nFROM alpine\nRUN a\nRUN b\nFOO x\n"
    result = runner.invoke(cli, ["-", "--format", "json"], input=text)
    assert json.loads(result.output)["findings"] == []


def test_rules_command_lists_and_documents():
    listing = run("rules").stdout
    assert "SL101  scattered-run" in listing and "SL000" in listing
    docs = run("rules", "SL101")
    assert docs.returncode == 0 and "Why is this bad?" in docs.stdout
    assert run("rules", "scattered-run").returncode == 0
    unknown = run("rules", "SL999")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_ast_command(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM alpine AS base\nRUN apk add \\\n  curl\n")
    proc = run("ast", "Dockerfile", cwd=tmp_path)
    document = json.loads(proc.stdout)
    assert document[0]["file"] == "Dockerfile"
    run_instruction = document[0]["instructions"][1]
    assert (run_instruction["instruction"], run_instruction["start_line"], run_instruction["end_line"]) == ("RUN", 2, 3)
    assert run_instruction["commands"][0]["argv"] == ["apk", "add", "curl"]


def test_version_and_help():
    assert run("--version").stdout.startswith("slimlint, version")
    assert "check" in run("--help").stdout


def test_no_color_and_force_color(project):
    env_run = lambda overrides: slimlint(str(project / "Dockerfile"), cwd=project, environ=env(**overrides)).stdout  # noqa: E731
    assert "\x1b[" in env_run({"FORCE_COLOR": "1"})
    assert "\x1b[" not in env_run({"NO_COLOR": "1", "FORCE_COLOR": ""})


def test_dockerignore_files_are_not_linted(tmp_path):
    (tmp_path / "Dockerfile").write_text(CLEAN)
    (tmp_path / "Dockerfile.dockerignore").write_text("node_modules\n.git\n")
    proc = run(str(tmp_path), "--format", "json")
    assert [Path(f["path"]).name for f in json.loads(proc.stdout)["files"]] == ["Dockerfile"]


def test_folder_search_takes_dockerfile_names_only(tmp_path):
    """`Dockerfile-dev` is a Dockerfile (as `Containerfile-dev`); a README such as `docs/Dockerfile.md`, BuildKit's
    `*.dockerignore` files and a program's `dockerfile_parse.py` are not."""
    for name in ("Dockerfile-dev", "Containerfile-dev", "docs/Dockerfile.md", "app.Dockerfile.dockerignore",
                 "tools/dockerfile_parse.py", "app.Dockerfile"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(CLEAN if not name.endswith(".md") else "# How to build\n\nRun `make`.\n")
    proc = run(str(tmp_path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    found = sorted(Path(f["path"]).relative_to(tmp_path).as_posix() for f in json.loads(proc.stdout)["files"])
    assert found == ["Containerfile-dev", "Dockerfile-dev", "app.Dockerfile"]
    # Named on the command line, any file is linted: the name rule is for searches.
    named = run(str(tmp_path / "docs" / "Dockerfile.md"), "--format", "json")
    assert [f["rule_id"] for f in json.loads(named.stdout)["findings"]] == ["SL000"]


def test_github_annotation_paths_are_repository_relative(tmp_path):
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "svc"
    sub.mkdir()
    (sub / "Dockerfile").write_text(SCATTERED)
    out = run("Dockerfile", "--format", "github", cwd=sub).stdout
    assert "file=svc/Dockerfile," in out


def test_summary_does_not_add_an_aggregate_total_twice():
    from dockerlint_slim.diagnostics import Diagnostic, Span
    from dockerlint_slim.engine import FileResult
    from dockerlint_slim.formatters import summarize

    span = Span(1, 1, 1, 2)
    part = Diagnostic("SL102", "warning", "m", "Dockerfile", span, wasted_bytes=100)
    total = Diagnostic("SL501", "error", "m", "Dockerfile", span, wasted_bytes=100, properties={"aggregate": True})
    assert summarize([FileResult("Dockerfile", [part, total])])["wasted_bytes"] == 100
