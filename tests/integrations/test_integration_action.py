"""The composite GitHub Action (`action.yml`), run locally the way the Actions runner runs it.

The test reads action.yml, substitutes `${{ ... }}` expressions (inputs with their defaults, github.action_path,
runner.temp, steps.<id>.outputs.<name>) as the runner does, sets `INPUT_<NAME>` variables, and runs every
`shell: bash` step with `bash --noprofile --norc -eo pipefail` and a fresh $GITHUB_OUTPUT file. An expression the
emulation does not know fails the test, so the action cannot silently depend on something untested.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .support import BAD_DOCKERFILE, CLEAN_DOCKERFILE, ROOT

yaml = pytest.importorskip("yaml")

ACTION = ROOT / "action.yml"
from tests.paths import SARIF_SCHEMA as SCHEMA

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def read_outputs(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT: `name=value` lines, or `name<<DELIM` ... `DELIM` blocks."""
    outputs: dict[str, str] = {}
    lines = path.read_text().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
            continue
        name, _, value = line.partition("=")
        outputs[name] = value
        index += 1
    return outputs


@dataclass
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRunner:
    """Runs the steps of the composite action with the expression context of one workflow job."""

    runner_temp: Path
    action: dict = field(default_factory=load_action)
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def summary_file(self) -> Path:
        """$GITHUB_STEP_SUMMARY: the Markdown the runner shows on the run's summary page."""
        return self.runner_temp / "step-summary.md"

    def context(self, inputs: dict[str, str]) -> dict[str, str]:
        declared = self.action["inputs"]
        unknown = set(inputs) - set(declared)
        assert not unknown, f"inputs not declared in action.yml: {unknown}"
        values = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in declared.items()}
        values.update({f"inputs.{name}": value for name, value in inputs.items()})
        values["github.action_path"] = str(ROOT)
        values["runner.temp"] = str(self.runner_temp)
        for step_id, outputs in self.step_outputs.items():
            values.update({f"steps.{step_id}.outputs.{k}": v for k, v in outputs.items()})
        return values

    @staticmethod
    def substitute(text: str, values: dict[str, str]) -> str:
        def lookup(match: re.Match) -> str:
            expression = match.group(1)
            if expression.startswith("steps.") and expression not in values:
                return ""  # the runner yields an empty string for an output a step did not set
            assert expression in values, f"action.yml uses ${{{{ {expression} }}}}, which this emulation does not provide"
            return values[expression]

        return _EXPRESSION.sub(lookup, text)

    def run_step(self, step: dict, inputs: dict[str, str], cwd: Path, environ: dict[str, str] | None = None) -> StepRun:
        assert step.get("shell") == "bash", f"step {step.get('name')!r}: every step must declare shell: bash"
        values = self.context(inputs)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("INPUT_", "GITHUB_"))}
        # Actions exports inputs as INPUT_<NAME> (upper-case, spaces to underscores; dashes kept) for actions.
        env.update({f"INPUT_{k[len('inputs.'):].upper().replace(' ', '_')}": v for k, v in values.items() if k.startswith("inputs.")})
        env.update({k: self.substitute(str(v), values) for k, v in (step.get("env") or {}).items()})
        output_file = self.runner_temp / f"output-{len(self.step_outputs)}-{step.get('id', 'step')}"
        output_file.write_text("")
        env.update(GITHUB_OUTPUT=str(output_file), RUNNER_TEMP=str(self.runner_temp), GITHUB_ACTIONS="true", CI="true",
                   GITHUB_STEP_SUMMARY=str(self.summary_file))
        env.update(environ or {})
        script = self.runner_temp / f"step-{step.get('id', 'step')}.sh"
        script.write_text(self.substitute(step["run"], values))
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
        )
        outputs = read_outputs(output_file)
        if "id" in step:
            self.step_outputs[step["id"]] = outputs
        return StepRun(done.returncode, done.stdout, done.stderr, outputs)

    def run(self, inputs: dict[str, str], cwd: Path, *, skip: tuple[str, ...] = ()) -> StepRun:
        """Run the steps in order (those in `skip` already ran); stop at the first failing step like the runner."""
        last = None
        for step in self.action["runs"]["steps"]:
            if step.get("id") in skip:
                continue
            last = self.run_step(step, inputs, cwd)
            if last.returncode != 0:
                break
        assert last is not None
        return last


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> ActionRunner:
    """The install step runs once (it creates a venv and pip-installs this checkout, PyPI reachable)."""
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    runner = ActionRunner(tmp_path_factory.mktemp("runner-temp"))
    install = next(step for step in runner.action["runs"]["steps"] if step.get("id") == "install")
    done = runner.run_step(install, {}, cwd=ROOT)
    assert done.returncode == 0, f"install step failed:\n{done.stdout}\n{done.stderr}"
    assert Path(done.outputs["bin"], "slimlint").exists() or Path(done.outputs["bin"], "slimlint.exe").exists()
    return runner


@pytest.fixture
def workspace(git_repo: Path) -> Path:
    (git_repo / "services" / "api").mkdir(parents=True)
    (git_repo / "services" / "api" / "Dockerfile").write_text(BAD_DOCKERFILE)
    (git_repo / "services" / "web").mkdir(parents=True)
    (git_repo / "services" / "web" / "Dockerfile").write_text(CLEAN_DOCKERFILE)
    return git_repo


def test_action_is_a_composite_action_with_documented_inputs():
    action = load_action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) >= {"paths", "context", "format", "fail-level", "sarif-file", "args"}
    text = ACTION.read_text()
    for name, spec in action["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
        # Every input is used, and only through env: (never pasted into a script, which would allow injection).
        assert f"${{{{ inputs.{name} }}}}" in text, f"input {name} is declared but never used"
    for step in action["runs"]["steps"]:
        assert "${{" not in step["run"], f"step {step['name']!r} pastes an expression into its script"


def test_findings_fail_the_step_annotate_and_write_sarif(installed: ActionRunner, workspace: Path):
    inputs = {"paths": "services/api", "sarif-file": "results/slimlint.sarif", "sarif-category": "api"}
    done = installed.run(inputs, workspace, skip=("install",))
    assert done.returncode == 1, done.stderr
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert any(line.startswith("::warning file=services/api/Dockerfile,line=2,") and "SL201" in line for line in annotations), done.stdout
    assert any(line.startswith("::notice file=services/api/Dockerfile,line=2,") and "SL101" in line for line in annotations)
    assert done.outputs["sarif-file"] == "results/slimlint.sarif"

    log = json.loads((workspace / "results" / "slimlint.sarif").read_text())
    run = log["runs"][0]
    assert run["automationDetails"]["id"] == "api/"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"services/api/Dockerfile"}
    assert {r["ruleId"] for r in run["results"]} >= {"SL101", "SL201"}
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))


def test_clean_dockerfile_passes_without_annotations(installed: ActionRunner, workspace: Path):
    done = installed.run({"paths": "services/web/Dockerfile"}, workspace, skip=("install",))
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert done.outputs["sarif-file"] == ""


def test_fail_level_error_passes_on_warnings_but_still_reports(installed: ActionRunner, workspace: Path):
    done = installed.run({"paths": "services", "fail-level": "error", "format": "text"}, workspace, skip=("install",))
    assert done.returncode == 0, done.stderr
    assert "services/api/Dockerfile:2:5: SL201 warning:" in done.stdout


def test_quoted_paths_and_extra_args(installed: ActionRunner, workspace: Path):
    spaced = workspace / "my app"
    spaced.mkdir()
    (spaced / "Dockerfile").write_text(BAD_DOCKERFILE)
    inputs = {"paths": "'my app/Dockerfile'\nservices/web", "args": "--select 'SL101' --no-color", "format": "json",
              "fail-level": "info"}
    done = installed.run(inputs, workspace, skip=("install",))
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert [f["path"] for f in document["files"]] == ["my app/Dockerfile", "services/web/Dockerfile"]
    assert {f["rule_id"] for f in document["findings"]} == {"SL101"}


def test_context_input_reaches_slimlint(installed: ActionRunner, workspace: Path):
    done = installed.run({"paths": "services/api", "context": "no/such/folder"}, workspace, skip=("install",))
    assert done.returncode == 2
    assert "no/such/folder" in done.stderr


def test_bad_input_is_a_usage_error_not_a_crash(installed: ActionRunner, workspace: Path):
    done = installed.run({"args": "--ignore 'SL101"}, workspace, skip=("install",))
    assert done.returncode == 2
    assert "::error title=slimlint::the INPUT_ARGS input has an unbalanced quote" in done.stdout
    missing = installed.run({"paths": "nope/Dockerfile", "sarif-file": "out.sarif"}, workspace, skip=("install",))
    assert missing.returncode == 2
    assert "slimlint: error: cannot read nope/Dockerfile" in missing.stderr
    assert "Traceback" not in missing.stderr


def install_step(runner: ActionRunner) -> dict:
    return next(step for step in runner.action["runs"]["steps"] if step.get("id") == "install")


def test_one_run_writes_the_annotations_the_sarif_and_the_summary(installed: ActionRunner, workspace: Path):
    run_step = next(step for step in installed.action["runs"]["steps"] if step.get("id") == "run")
    assert run_step["run"].count('"$SLIMLINT_BIN/slimlint"') == 1  # one run: the same findings everywhere
    installed.summary_file.write_text("")
    done = installed.run({"paths": "services", "sarif-file": "slimlint.sarif"}, workspace, skip=("install",))
    assert done.returncode == 1
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    results = json.loads((workspace / "slimlint.sarif").read_text())["runs"][0]["results"]
    assert len(annotations) == len(results) >= 2
    summary = installed.summary_file.read_text()
    assert summary.startswith("## slimlint\n")
    assert "| `services/api/Dockerfile` | 2 | 0 | 1 | 1 | ~19.0 MiB (estimated) |" in summary, summary
    assert "| `services/web/Dockerfile` | 0 | 0 | 0 | 0 | — |" in summary
    installed.summary_file.write_text("")
    installed.run({"paths": "services", "summary": "false"}, workspace, skip=("install",))
    assert installed.summary_file.read_text() == ""


def test_info_level_hints_do_not_fail_by_default(installed: ActionRunner, workspace: Path):
    (workspace / "Dockerfile").write_text("FROM debian:12\nRUN echo one\nRUN echo two\n")  # SL101 (info) only
    done = installed.run({"paths": "Dockerfile"}, workspace, skip=("install",))
    assert done.returncode == 0, done.stdout + done.stderr
    assert any(line.startswith("::notice file=Dockerfile,line=2,") for line in done.stdout.splitlines())
    assert installed.run({"paths": "Dockerfile", "fail-level": "info"}, workspace, skip=("install",)).returncode == 1
    # Empty: the config file's fail-level, else info
    assert installed.run({"paths": "Dockerfile", "fail-level": ""}, workspace, skip=("install",)).returncode == 1


def test_working_directory_and_config(installed: ActionRunner, workspace: Path):
    api = workspace / "services" / "api"
    (api / "lint.toml").write_text('ignore = ["SL101"]\n')
    inputs = {"working-directory": "services/api", "paths": "Dockerfile", "config": "lint.toml",
              "sarif-file": "out/slimlint.sarif", "format": "json"}
    done = installed.run(inputs, workspace, skip=("install",))
    assert done.returncode == 1, done.stderr
    assert {f["rule_id"] for f in json.loads(done.stdout)["findings"]} == {"SL201"}
    # the output names the SARIF log from the workspace root, where the upload step runs
    assert done.outputs["sarif-file"] == "services/api/out/slimlint.sarif"
    log = json.loads((api / "out" / "slimlint.sarif").read_text())
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "services/api/Dockerfile")
    missing = installed.run({"working-directory": "no/such"}, workspace, skip=("install",))
    assert missing.returncode == 2 and "working-directory no/such is not a folder" in missing.stdout


def test_an_old_python_is_a_clear_error(tmp_path: Path):
    runner = ActionRunner(tmp_path / "temp")
    runner.runner_temp.mkdir()
    fake = tmp_path / "bin"
    fake.mkdir()
    for name in ("python", "python3"):
        # A Python 3.8: prints its version, fails the `>= (3, 10)` check.
        script = fake / name
        script.write_text('#!/bin/sh\ncase "$2" in *print*) echo 3.8.18 ;; *) exit 1 ;; esac\n')
        script.chmod(0o755)
    path = os.pathsep.join([str(fake), "/usr/bin", "/bin"])
    done = runner.run_step(install_step(runner), {}, cwd=tmp_path, environ={"PATH": path})
    assert done.returncode == 2
    assert "::error title=slimlint::slimlint needs Python 3.10 or newer; found:" in done.stdout
    assert f"{fake / 'python'} (Python 3.8.18)" in done.stdout and "actions/setup-python" in done.stdout
    assert not (runner.runner_temp / "slimlint-venv").exists()


def test_version_installs_that_tag_or_commit_of_the_repository(tmp_path: Path):
    runner = ActionRunner(tmp_path)
    bad = runner.run_step(install_step(runner), {"version": "--index-url=http://evil"}, cwd=tmp_path)
    assert bad.returncode == 2 and "the version input must be a release tag or a commit id" in bad.stdout
    # git may not fetch over the network here: the source pip is given is what this checks
    done = runner.run_step(install_step(runner), {"version": "v0.1.0"}, cwd=tmp_path,
                           environ={"GIT_ALLOW_PROTOCOL": "file", "GIT_TERMINAL_PROMPT": "0"})
    assert "Installing slimlint from slimlint @ git+https://github.com/slimlint/slimlint@v0.1.0 with " in done.stdout
