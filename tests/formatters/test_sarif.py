"""SARIF output as GitHub code scanning ingests it, validated against the official 2.1.0 schema."""

import json

import jsonschema
import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules
from dockerlint_slim.formatters import render
from tests.paths import SARIF_SCHEMA

SCHEMA = json.loads(SARIF_SCHEMA.read_text())
BAD = "FROM alpine\nRUN echo one\nRUN echo two\nFOO bar\n"


def sarif(tmp_path, text, name="Dockerfile", **options):
    path = tmp_path / name
    path.write_text(text)
    rules = load_rules()
    result = Linter(rules, LintOptions()).lint(path.read_bytes(), str(path))
    return json.loads(render("sarif", [result], rules, root=tmp_path, **options))


def test_valid_against_schema_with_rules_and_results(tmp_path):
    log = sarif(tmp_path, BAD)
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "slimlint" and driver["version"] and driver["informationUri"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == sorted(ids) and "SL101" in ids
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["markdown"] and rule["helpUri"].endswith(f"/rules/{rule['id'].lower()}-{rule['name']}/")
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert rule["properties"]["tags"]
    result = next(r for r in run["results"] if r["ruleId"] == "SL101")
    assert driver["rules"][result["ruleIndex"]]["id"] == "SL101"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "Dockerfile", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 2, "startColumn": 1, "endLine": 3, "endColumn": 13}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_help_markdown_has_headings_and_code_blocks(tmp_path):
    """GitHub renders help.markdown on the alert page: the docstring's sections are headings, its examples code."""
    driver = sarif(tmp_path, BAD)["runs"][0]["tool"]["driver"]
    rule = next(r for r in driver["rules"] if r["id"] == "SL101")
    markdown = rule["help"]["markdown"]
    assert "\n### What it does\n" in markdown and "\n### Why is this bad?\n" in markdown
    assert "\n### Use instead\n\n```dockerfile\n" in markdown
    assert "[DL3059](https://github.com/hadolint/hadolint/wiki/DL3059)" in markdown
    assert rule["help"]["text"].startswith("What it does")  # the plain text stays as written


def test_plugin_rules_have_no_help_uri_on_this_site(tmp_path):
    from dataclasses import replace

    rules = [replace(rule, origin="plugin x") if rule.id == "SL101" else rule for rule in load_rules()]
    path = tmp_path / "Dockerfile"
    path.write_text(BAD)
    result = Linter(rules, LintOptions()).lint(path.read_bytes(), str(path))
    log = json.loads(render("sarif", [result], rules, root=tmp_path))
    jsonschema.validate(log, SCHEMA)
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "SL101")
    assert "helpUri" not in rule


def test_clean_run_is_a_valid_log_with_one_run(tmp_path):
    log = sarif(tmp_path, "FROM alpine\nRUN echo hi\n")
    jsonschema.validate(log, SCHEMA)
    assert len(log["runs"]) == 1 and log["runs"][0]["results"] == []


def test_fingerprints_survive_inserted_lines(tmp_path):
    before = sarif(tmp_path, BAD)["runs"][0]["results"]
    after = sarif(tmp_path, "# a new comment\n\n" + BAD)["runs"][0]["results"]
    fingerprints = lambda results: sorted(r["partialFingerprints"]["slimlintFindingHash/v1"] for r in results)  # noqa: E731
    assert fingerprints(before) == fingerprints(after)
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after] != [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before
    ]


def test_identical_findings_get_distinct_fingerprints(tmp_path):
    results = sarif(tmp_path, "FROM a\nRUN x\nRUN y\nCOPY a b\nRUN x\nRUN y\n")["runs"][0]["results"]
    prints = [r["partialFingerprints"]["slimlintFindingHash/v1"] for r in results]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_category_sets_automation_details(tmp_path):
    log = sarif(tmp_path, BAD, category="dockerfiles/api")
    jsonschema.validate(log, SCHEMA)
    assert log["runs"][0]["automationDetails"]["id"] == "dockerfiles/api/"


@pytest.mark.parametrize("name", ["sub dir/Dockerfile", "Dockerfile.prod"])
def test_uris_are_relative_and_escaped(tmp_path, name):
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    log = sarif(tmp_path, BAD, name=name)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == name.replace(" ", "%20")
