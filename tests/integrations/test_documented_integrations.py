"""The integrations as documented, through the real command line.

tests/integrations/ runs pre-commit and the action for real and checks the GitLab format; these tests cover what
they leave out: the commands the docs tell users to paste, the per-Dockerfile contexts as the hook uses them, and
SARIF paths/categories from the command line.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from tests.clirun import ROOT, SCATTERED, lint_json, rule_ids, sarif_schema, slimlint, sparse

yaml = pytest.importorskip("yaml")

MiB = 1024 * 1024
WASTEFUL = "FROM alpine:3.20\nCOPY . /app\n"


def yaml_blocks(page: str) -> list:
    text = (ROOT / "docs" / page).read_text()
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


@pytest.fixture
def repo(tmp_path):
    """A repository root (the folder with .git) with one wasteful Dockerfile in a subfolder."""
    (tmp_path / ".git").mkdir()
    api = tmp_path / "services" / "api"
    api.mkdir(parents=True)
    (api / "Dockerfile").write_text(SCATTERED)
    return tmp_path


# --- pre-commit -----------------------------------------------------------------------------------------------

def test_hook_filter_finds_what_the_cli_finds(tmp_path):
    """The hook (file names from pre-commit) and `slimlint DIR` agree on the Dockerfile names."""
    hook = next(h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == "slimlint")
    assert (hook["entry"], hook["language"]) == ("slimlint", "python")
    names = ["Dockerfile", "sub/Dockerfile.prod", "app.dockerfile", "x/App.Dockerfile", "Containerfile",
             "y/Containerfile.fedora", "README.md", "Dockerfile.dockerignore", "notes/dockerfile.txt.bak/x",
             "z/Dockerfile-dev", "docs/Dockerfile.md", "w/app.Dockerfile.dockerignore", "tools/dockerfile_parse.py"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(SCATTERED)
    discovered = {Path(f["path"]).as_posix() for f in lint_json(".", cwd=tmp_path)["files"]}
    hooked = {name for name in names if re.search(hook["files"], name)}
    assert discovered == hooked == {"Dockerfile", "sub/Dockerfile.prod", "app.dockerfile", "x/App.Dockerfile",
                                    "Containerfile", "y/Containerfile.fedora", "z/Dockerfile-dev"}


def test_documented_hook_snippet_has_rev_and_working_args(tmp_path):
    """"Document the snippet users paste, with `rev:` and `args:`" — and the args must be valid options."""
    config = next(b for b in yaml_blocks("integrations/pre-commit.md") if isinstance(b, dict) and "repos" in b)
    remote = config["repos"][0]
    assert remote["rev"] and remote["repo"].startswith("https://")
    hook = remote["hooks"][0]
    assert hook["id"] == "slimlint"
    (tmp_path / "Dockerfile").write_text(SCATTERED)
    proc = slimlint(*hook["args"], "Dockerfile", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    for row in re.findall(r"\| `(\[.*?\])` \|", (ROOT / "docs/integrations/pre-commit.md").read_text()):
        args = yaml.safe_load(row)
        if "--config" in args:
            continue  # names a file the user has
        proc = slimlint(*map(str, args), "Dockerfile", cwd=tmp_path)
        assert proc.returncode in (0, 1), (row, proc.stderr)


def test_contexts_map_each_dockerfile_to_its_context(repo):
    """"config can map Dockerfiles (globs) to their context folder, so the hook (which passes file names) applies
    the right `--context` to each file" — whichever folder it runs from."""
    web = repo / "services" / "web"
    web.mkdir()
    (web / "Dockerfile").write_text(WASTEFUL)
    (repo / "services" / "api" / "Dockerfile").write_text(WASTEFUL)
    sparse(web / "big.bin", 3 * MiB)
    sparse(repo / "services" / "api" / "small.bin", 1 * MiB)
    (repo / ".slimlint.toml").write_text(
        '[contexts]\n"services/web/*" = "services/web"\n"services/*/Dockerfile" = "services/api"\n'
    )
    # As pre-commit calls it: file names relative to the repository root.
    document = lint_json("services/web/Dockerfile", "services/api/Dockerfile", cwd=repo)
    sizes = {f["path"]: f["report"]["context_bytes"] // MiB for f in document["files"]}
    assert sizes == {"services/web/Dockerfile": 3, "services/api/Dockerfile": 1}  # the first matching glob wins
    # From a subfolder, with the path as the user types it there.
    document = lint_json("Dockerfile", cwd=web)
    assert document["files"][0]["report"]["context_bytes"] // MiB == 3
    # --context on the command line overrides the map.
    document = lint_json("services/web/Dockerfile", "--context", "services/api", cwd=repo)
    assert document["files"][0]["report"]["context_bytes"] // MiB == 1


# --- GitHub code scanning -------------------------------------------------------------------------------------

def test_sarif_paths_are_repository_relative_from_anywhere(repo):
    """"paths relative to the repository root even when slimlint runs from a subfolder or with absolute paths"."""
    (repo / "services" / "web").mkdir()
    (repo / "services" / "web" / "Dockerfile").write_text(SCATTERED)
    api = repo / "services" / "api"
    runs = [
        slimlint("Dockerfile", "../web/Dockerfile", "--format", "sarif", cwd=api),
        slimlint(str(api / "Dockerfile"), str(repo / "services" / "web"), "--format", "sarif", cwd=repo / "services"),
        slimlint(".", "--format", "sarif", cwd=repo),
    ]
    for proc in runs:
        log = json.loads(proc.stdout)
        (run,) = log["runs"]
        uris = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]})
        assert uris == ["services/api/Dockerfile", "services/web/Dockerfile"]
        assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
                   for r in run["results"])
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"


def test_sarif_category_from_the_command_line(repo):
    """"`runs[].automationDetails.id` (a category, so several Dockerfiles or jobs can upload side by side)"."""
    import jsonschema

    api = repo / "services" / "api"
    log = json.loads(slimlint("Dockerfile", "--format", "sarif", "--sarif-category", "slimlint-api", cwd=api).stdout)
    jsonschema.validate(log, sarif_schema())
    assert log["runs"][0]["automationDetails"]["id"].rstrip("/") == "slimlint-api"
    plain = json.loads(slimlint("Dockerfile", "--format", "sarif", cwd=api).stdout)
    assert "automationDetails" not in plain["runs"][0]


def _documented_commands(page: str) -> list[str]:
    """The `slimlint ...` command lines of the YAML snippets of a docs page (GitHub steps, GitLab scripts)."""
    found = []
    for block in yaml_blocks(page):
        stack = [block]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack += list(item.values())
            elif isinstance(item, list):
                stack += item
            elif isinstance(item, str):
                for line in item.splitlines():
                    line = line.strip()
                    if line.startswith("slimlint ") and "${{" not in line:
                        found.append(line)
    return found


@pytest.mark.parametrize("page", ["integrations/github.md", "integrations/gitlab.md"])
def test_documented_ci_commands_run_as_written(repo, page):
    """The commands the docs tell users to paste work: valid options, a valid report where they write one."""
    commands = _documented_commands(page)
    assert commands
    for command in commands:
        argv = shlex.split(command)[1:]
        proc = slimlint(*argv, cwd=repo)
        assert proc.returncode in (0, 1), (command, proc.stderr)
        if "--output" in argv or "-o" in argv:
            flag = "--output" if "--output" in argv else "-o"
            written = json.loads((repo / argv[argv.index(flag) + 1]).read_text())
            assert written  # SARIF log or Code Quality array with the findings
            if "sarif" in argv:
                import jsonschema

                jsonschema.validate(written, sarif_schema())
                assert written["runs"][0]["results"]


def test_github_workflow_doc_is_complete():
    """"a complete workflow (checkout, setup-python, run slimlint writing SARIF, upload-sarif, permissions
    `security-events: write`), and the `--format github` annotations alternative"."""
    workflows = [b for b in yaml_blocks("integrations/github.md") if isinstance(b, dict) and "jobs" in b]
    assert workflows
    workflow = workflows[0]
    assert workflow["permissions"]["security-events"] == "write"
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = [step.get("uses", "") for step in steps]
    assert any(u.startswith("actions/checkout@") for u in uses)
    assert any(u.startswith("actions/setup-python@") for u in uses)
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert any("--format sarif" in step.get("run", "") for step in steps)
    assert "--format github" in (ROOT / "docs" / "integrations" / "github.md").read_text()


def test_gitlab_format_from_a_subfolder(repo):
    """`--format gitlab`: description, check_name, fingerprint, severity, location path and lines."""
    proc = slimlint("Dockerfile", "--format", "gitlab", cwd=repo / "services" / "api")
    (issue,) = json.loads(proc.stdout)
    assert issue["check_name"] == "SL101" and issue["severity"] == "info" and issue["fingerprint"]
    assert issue["description"].startswith("SL101: ")
    assert issue["location"] == {"path": "services/api/Dockerfile", "lines": {"begin": 2, "end": 3}}
    assert rule_ids(lint_json("Dockerfile", cwd=repo / "services" / "api")) == ["SL101"]
