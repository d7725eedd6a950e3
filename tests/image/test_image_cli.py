"""`slimlint image` end to end (click's CliRunner on the command): outputs, CI gates, exit codes, the history
matched with a Dockerfile and its findings in every format, `--recover-dockerfile`. What SL601 blames, its advice
and options are tested in tests/rules/test_sl601_image_layer_waste.py."""

from __future__ import annotations

import json

import pytest
from image_synth import ImageSpec, build_docker_archive, build_oci_archive
from python_app_image import BASE_STEPS, DOCKERFILE, MIB, build_project, invoke, user_steps

from tests.paths import SARIF_SCHEMA as SCHEMA


@pytest.fixture
def project(tmp_path):
    return build_project(tmp_path)


def test_text_report_without_dockerfile(project):
    _, archive = project
    result = invoke(archive, "--min-efficiency", "0.15", "--max-wasted-bytes", "100MB")
    assert result.exit_code == 0, result.output
    assert "app:1 (linux/amd64, docker-archive)" in result.output
    assert "PASS  min-efficiency" in result.output and "PASS  max-wasted-bytes" in result.output
    assert "Result: PASS" in result.output
    assert "base image = first 2 layer(s), up to the base's own CMD/ENTRYPOINT in the history" in result.output
    # the most wasted file first
    files = result.output.split("Most wasted files")[1].splitlines()
    assert files[2].split() == ["2", "20.0", "MiB", "/usr/bin/gcc-12"]


def test_json_keys_and_exact_figures(project):
    _, archive = project
    result = invoke(archive, "--format", "json", "--ci")
    assert result.exit_code == 1  # the user wasted ratio is far above dive's 0.1
    document = json.loads(result.output)
    for key in ("efficiency", "wasted_bytes", "image_bytes", "user_wasted_ratio", "layers", "files", "checks"):
        assert key in document
    stored = 2 * MIB + 3 * MIB + 5 * MIB + 9 * MIB + 20 * MIB + 2 * MIB + 10 + 40 + MIB + 300
    assert document["image_bytes"] == stored
    # dead: apt lists 9, gcc 20, libc 3 (deleted), the base's copyright 2 MiB (overwritten)
    assert document["wasted_bytes"] == 9 * MIB + 20 * MIB + 3 * MIB + 2 * MIB
    assert document["final_bytes"] == stored - document["wasted_bytes"]
    assert set(document["layers"][0]) >= {"index", "created_by", "bytes", "wasted_bytes"}
    # uncompressed docker-save layers: the blob is the layer tar, headers and padding included
    assert all(layer["blob_bytes"] >= layer["bytes"] + 1024 for layer in document["layers"])
    assert set(document["files"][0]) >= {"path", "count", "wasted_bytes"}
    assert [(c["name"], c["status"]) for c in document["checks"]] == [("min-efficiency", "FAIL"),
                                                                      ("max-user-wasted-ratio", "FAIL")]
    assert document["findings"] == []  # no Dockerfile given
    assert document["base_layers_source"] == "history" and document["base_layers"] == 2  # CMD ["python3"]


def test_user_ratio_uses_the_matched_base(project):
    folder, archive = project
    with_dockerfile = json.loads(invoke(archive, "--dockerfile", folder / "Dockerfile", "--format", "json").output)
    dive_rule = json.loads(invoke(archive, "--format", "json", "--base-layers", "1").output)
    user_bytes = 20 * MIB + 9 * MIB + 2 * MIB + 10 + 40 + MIB + 300
    assert with_dockerfile["user_bytes"] == user_bytes
    assert with_dockerfile["user_wasted_ratio"] == pytest.approx(with_dockerfile["wasted_bytes"] / user_bytes)
    assert dive_rule["user_bytes"] == user_bytes + 5 * MIB  # dive also counts the base's python layer as "user"


def test_classic_builder_history_matches_too(tmp_path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    archive = build_oci_archive(ImageSpec(BASE_STEPS + user_steps(buildkit=False)), tmp_path / "classic.tar")
    document = json.loads(invoke(archive, "--dockerfile", tmp_path / "Dockerfile", "--format", "json").output)
    assert document["base_layers"] == 2
    assert {(f["line"], f["properties"]["kind"]) for f in document["findings"]} == {
        (6, "stored"), (6, "deleted"), (10, "deleted")}


def test_text_output_with_dockerfile_uses_the_core_formatter(project):
    folder, archive = project
    result = invoke(archive, "--dockerfile", folder / "Dockerfile", "--no-color")
    assert f"{folder / 'Dockerfile'}:6:1: SL601 warning:" in result.output
    assert "9 of 9 instruction(s) matched" in result.output


def test_sarif_is_valid_and_carries_the_findings(project):
    jsonschema = pytest.importorskip("jsonschema")
    folder, archive = project
    result = invoke(archive, "--dockerfile", folder / "Dockerfile", "--format", "sarif")
    log = json.loads(result.output)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    results = log["runs"][0]["results"]
    assert sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results) == [6, 6, 10]
    assert {r["ruleId"] for r in results} == {"SL601"}
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "SL601"
    assert log["runs"][0]["properties"]["slimlintImage"]["wasted_bytes"] == 34 * MIB


def test_sarif_without_dockerfile_is_valid_and_has_no_results(project):
    jsonschema = pytest.importorskip("jsonschema")
    _, archive = project
    result = invoke(archive, "--format", "sarif", "--min-efficiency", "0.99")
    assert result.exit_code == 1
    log = json.loads(result.output)
    jsonschema.validate(log, json.loads(SCHEMA.read_text()))
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["properties"]["slimlintImage"]["checks"][0]["status"] == "FAIL"


def test_gates_can_be_turned_off_and_bad_values_are_usage_errors(project):
    _, archive = project
    assert invoke(archive, "--ci", "--min-efficiency", "off", "--max-user-wasted-ratio", "off").exit_code == 0
    result = invoke(archive, "--max-wasted-bytes", "10MiB")
    assert result.exit_code == 1 and "FAIL  max-wasted-bytes" in result.output
    assert invoke(archive, "--min-efficiency", "1.5").exit_code == 2
    assert invoke(archive, "--max-wasted-bytes", "lots").exit_code == 2


def test_unreadable_image_exits_2(tmp_path):
    bad = tmp_path / "bad.tar"
    bad.write_bytes(b"nope")
    result = invoke(bad)
    assert result.exit_code == 2
    assert "not a readable tar archive" in result.output
    assert "Traceback" not in result.output
    assert invoke(tmp_path / "missing.tar").exit_code == 2


def test_missing_dockerfile_exits_2(project, tmp_path):
    _, archive = project
    assert invoke(archive, "--dockerfile", tmp_path / "nope").exit_code == 2


def test_recover_dockerfile_lists_copied_files(project):
    folder, archive = project
    result = invoke(archive, "--recover-dockerfile", "--dockerfile", folder / "Dockerfile")
    assert result.exit_code == 0
    text = result.output
    assert "ARG VERSION=1.0\n" in text
    assert "RUN apt-get update &&     apt-get install -y gcc\n" in text
    assert "COPY requirements.txt .\n#   adds 1 file(s), 40 B, under /app:\n#     requirements.txt (40 B)" in text
    assert 'CMD ["python", "app.py"]' in text
    assert "# (not a Dockerfile instruction) # debian.sh" in text
    # the boundary found by matching the Dockerfile
    assert text.index("image's own instructions start here") < text.index("ARG VERSION=1.0")
    assert text.index('CMD ["python3"]') < text.index("image's own instructions start here")


def test_recover_classic_copy(tmp_path):
    archive = build_docker_archive(ImageSpec(BASE_STEPS + user_steps(buildkit=False)), tmp_path / "c.tar")
    text = invoke(archive, "--recover-dockerfile").output
    assert "# source recorded only as file:1f2e3d\nCOPY <context> .\n#   adds 1 file(s), 40 B" in text
    assert "WORKDIR /app\n" in text


