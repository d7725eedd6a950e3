"""dive's CI gate: CI variable, .dive-ci in both key spellings, defaults, disabled values, go-humanize sizes,
range checks, strict comparisons, dive's waste arithmetic and the --exact-waste correction; github/gitlab output."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from image_synth import ImageSpec, Step, build_docker_archive, directory, file, whiteout

from dockerlint_slim.image.command import image_command
from dockerlint_slim.image.dive_ci import ci_from_environment, parse_bytes, read_rules
from dockerlint_slim.image.errors import ImageError

# 1000 bytes rewritten once (dive: 2000 wasted, exact: 1000), 500 bytes deleted (both: 500), 100 bytes kept
SPEC = ImageSpec([
    Step("ADD rootfs / # buildkit", [directory("etc"), file("etc/base", 100)]),
    Step("RUN /bin/sh -c a # buildkit", [directory("opt"), file("opt/big", 1000), file("opt/tmp", 500)]),
    Step("RUN /bin/sh -c b # buildkit", [directory("opt"), file("opt/big", 1000), whiteout("opt/tmp")]),
])


@pytest.fixture
def archive(tmp_path):
    return build_docker_archive(SPEC, tmp_path / "i.tar")


def run(*args, env=None):
    return CliRunner().invoke(image_command, [str(a) for a in args], catch_exceptions=False, env=env)


def checks(result) -> dict[str, tuple[str, float]]:
    document = json.loads(result.output)
    return {c["name"]: (c["status"], c["value"]) for c in document["checks"]}


@pytest.mark.parametrize("value,on", [("true", True), ("1", True), ("yes", True), ("TRUE", True), ("false", False),
                                      ("0", False), ("", False)])
def test_ci_variable_as_dive_reads_it(monkeypatch, value, on):
    monkeypatch.setenv("CI", value)
    assert ci_from_environment() is on


def test_ci_variable_turns_on_dive_defaults(archive, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(archive, "--format", "json", env={"CI": "true"})
    assert set(checks(result)) == {"min-efficiency", "max-user-wasted-ratio"}  # highestWastedBytes disabled
    assert run(archive, "--format", "json").output.count('"checks": []') == 1


def test_both_key_spellings_and_camel_case_wins(tmp_path):
    config = tmp_path / ".dive-ci"
    config.write_text("rules:\n  # comment\n  lowest-efficiency: 0.5\n  lowestEfficiency: '0.7'\n"
                      "  highest-wasted-bytes: 20MB  # trailing\n  highestUserWastedPercent: disabled\n")
    assert read_rules(str(config)) == {"lowest-efficiency": "0.7", "highest-wasted-bytes": "20MB",
                                       "highest-user-wasted-percent": "disabled"}
    config.write_text('rules:\n  lowestEfficiency: "0.7"\n  lowest-efficiency: 0.5\n')
    assert read_rules(str(config)) == {"lowest-efficiency": "0.7"}


@pytest.mark.parametrize("text,expected", [("20MB", 20_000_000), ("20MiB", 20 * 2**20), ("20 mb", 20_000_000),
                                           ("1.5GiB", int(1.5 * 2**30)), ("1,000", 1000), ("7", 7), ("3k", 3000),
                                           ("2Ki", 2048), ("1x", None), ("1e", 10**18), ("lots", None), ("9" * 400, None)])
def test_go_humanize_sizes(text, expected):
    if expected is None:
        with pytest.raises(ValueError):
            parse_bytes(text)
    else:
        assert parse_bytes(text) == expected


@pytest.mark.parametrize("value", ["disabled", "off", "false", "''", "Disabled"])
def test_disabled_values(archive, tmp_path, value):
    config = tmp_path / "ci.yaml"
    config.write_text(f"rules:\n  lowestEfficiency: {value}\n  highestUserWastedPercent: off\n")
    result = run(archive, "--ci-config", config, "--format", "json")
    assert checks(result) == {}
    assert result.exit_code == 0


@pytest.mark.parametrize("line", ["lowestEfficiency: 1.5", "highestUserWastedPercent: -0.1",
                                  "lowest-efficiency: abc", "highestWastedBytes: lots"])
def test_misconfiguration_is_one_line_exit_2(archive, tmp_path, line):
    config = tmp_path / "ci.yaml"
    config.write_text(f"rules:\n  {line}\n")
    result = CliRunner().invoke(image_command, [str(archive), "--ci-config", str(config)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert str(config) in result.output


def test_dive_arithmetic_and_the_exact_correction(archive, tmp_path):
    # dive: /opt/big counted twice (2000) + /opt/tmp (500) = 2500 wasted; user bytes 2500 -> ratio 1.0
    config = tmp_path / "ci.yaml"
    config.write_text("rules:\n  lowestEfficiency: 0\n  highestWastedBytes: 2500\n  highestUserWastedPercent: 1\n")
    dive_like = checks(run(archive, "--ci-config", config, "--format", "json"))
    assert dive_like["max-wasted-bytes"] == ("PASS", 2500)  # equal passes (dive's strict comparison)
    assert dive_like["max-user-wasted-ratio"] == ("PASS", 1.0)
    config.write_text("rules:\n  highestWastedBytes: 2499\n")
    assert checks(run(archive, "--ci-config", config, "--format", "json"))["max-wasted-bytes"] == ("FAIL", 2500)
    exact = checks(run(archive, "--ci-config", config, "--exact-waste", "--format", "json"))
    assert exact["max-wasted-bytes"] == ("PASS", 1500)  # only the dead copies: 1000 + 500
    text = run(archive, "--ci-config", config, "--no-color").output
    assert "waste counted as dive counts it" in text


def test_efficiency_equal_to_the_limit_passes(archive, tmp_path):
    efficiency = json.loads(run(archive, "--format", "json").output)["efficiency"]
    assert checks(run(archive, "--ci", "--min-efficiency", str(efficiency), "--format", "json"))[
        "min-efficiency"][0] == "PASS"


def test_command_line_overrides_the_file(archive, tmp_path):
    config = tmp_path / "ci.yaml"
    config.write_text("rules:\n  lowestEfficiency: 0.99\n")
    assert checks(run(archive, "--ci-config", config, "--min-efficiency", "0", "--format", "json"))[
        "min-efficiency"][0] == "PASS"


def test_missing_explicit_config_is_an_error(archive, tmp_path):
    result = CliRunner().invoke(image_command, [str(archive), "--ci-config", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "nope" in result.output


def test_github_and_gitlab_formats(archive, tmp_path):
    github = run(archive, "--ci", "--format", "github")
    assert github.exit_code == 1
    assert "::error title=slimlint image min-efficiency::min-efficiency FAIL" in github.output
    gitlab = run(archive, "--ci", "--format", "gitlab")
    issues = json.loads(gitlab.output)
    assert {issue["check_name"] for issue in issues} == {"image-min-efficiency", "image-max-user-wasted-ratio"}
    assert all(len(issue["fingerprint"]) == 32 for issue in issues)


def test_yaml_errors_are_clear(tmp_path):
    config = tmp_path / "ci.yaml"
    config.write_text("rules:\n\tlowestEfficiency: 0.5\n")
    with pytest.raises(ImageError, match="tabs"):
        read_rules(str(config))
    config.write_bytes(b"rules:\n  lowestEfficiency: \xff\n")
    with pytest.raises(ImageError, match="UTF-8"):
        read_rules(str(config))
