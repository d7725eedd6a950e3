"""`slimlint image` end to end (click's CliRunner on the command): outputs, CI gates, exit codes, SL601 findings
on Dockerfile lines, `--recover-dockerfile`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from image_synth import (
    ImageSpec,
    Step,
    build_docker_archive,
    build_oci_archive,
    directory,
    file,
    whiteout,
)

from dockerlint_slim.image.command import image_command

MIB = 1024 * 1024
from tests.paths import SARIF_SCHEMA as SCHEMA

DOCKERFILE = """\
FROM python:3.12-slim
ARG VERSION=1.0
ENV PIP_NO_CACHE_DIR=1
WORKDIR /app
# compilers for the wheels
RUN apt-get update && \\
    apt-get install -y gcc
COPY requirements.txt .
RUN pip install -r requirements.txt
RUN apt-get purge -y gcc && rm -rf /var/lib/apt/lists/*
COPY . .
CMD ["python", "app.py"]
"""

BASE_STEPS = [
    Step("# debian.sh --arch 'amd64' out/ 'bookworm' '@1719792000'",
         [directory("usr"), directory("usr/share"), directory("usr/share/doc"), file("usr/share/doc/copyright", 2 * MIB),
          directory("usr/lib"), file("usr/lib/libc.so.6", 3 * MIB)], created="2024-07-01T00:00:00Z"),
    Step("ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", None, created="2024-07-02T00:00:00Z"),
    Step("RUN /bin/sh -c set -eux; make install python # buildkit",
         [directory("usr"), directory("usr/local"), directory("usr/local/bin"),
          file("usr/local/bin/python3", 5 * MIB)], created="2024-07-02T00:00:00Z"),
    Step('CMD ["python3"]', None, created="2024-07-02T00:00:00Z"),
]


def user_steps(buildkit: bool = True):
    def run(cmd):
        return f"RUN |1 VERSION=1.0 /bin/sh -c {cmd} # buildkit" if buildkit else f"|1 VERSION=1.0 /bin/sh -c {cmd}"

    def nop(text):
        return text if buildkit else f"/bin/sh -c #(nop)  {text}"

    def copy(source, dest):
        return f"COPY {source} {dest} # buildkit" if buildkit else f"/bin/sh -c #(nop) COPY file:1f2e3d in {dest} "

    return [
        Step(nop("ARG VERSION=1.0"), None),
        Step(nop("ENV PIP_NO_CACHE_DIR=1"), None),
        Step(nop("WORKDIR /app") if buildkit else "/bin/sh -c #(nop) WORKDIR /app", [directory("app")]),
        Step(run("apt-get update &&     apt-get install -y gcc"),
             [directory("var"), directory("var/lib"), directory("var/lib/apt"), directory("var/lib/apt/lists"),
              file("var/lib/apt/lists/deb.debian.org_Packages", 9 * MIB), directory("usr"), directory("usr/bin"),
              file("usr/bin/gcc-12", 20 * MIB), directory("usr/share"), directory("usr/share/doc"),
              file("usr/share/doc/copyright", 2 * MIB + 10)]),
        Step(copy("requirements.txt", "."), [directory("app"), file("app/requirements.txt", 40)]),
        Step(run("pip install -r requirements.txt"),
             [directory("usr"), directory("usr/local"), directory("usr/local/lib"), file("usr/local/lib/flask.py", MIB)]),
        Step(run("apt-get purge -y gcc && rm -rf /var/lib/apt/lists/*"),
             [directory("usr"), directory("usr/bin"), whiteout("usr/bin/gcc-12"), directory("var"),
              directory("var/lib"), directory("var/lib/apt"), directory("var/lib/apt/lists"),
              whiteout("var/lib/apt/lists/deb.debian.org_Packages"), directory("usr/lib"),
              whiteout("usr/lib/libc.so.6")]),
        Step(copy(".", "."), [directory("app"), file("app/app.py", 300)]),
        Step(nop('CMD ["python" "app.py"]') if buildkit else '/bin/sh -c #(nop)  CMD ["python" "app.py"]', None),
    ]


@pytest.fixture
def project(tmp_path):
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    archive = build_docker_archive(ImageSpec(BASE_STEPS + user_steps(), tag="app:1"), tmp_path / "app.tar")
    return tmp_path, archive


def invoke(*args):
    return CliRunner().invoke(image_command, [str(a) for a in args], catch_exceptions=False)


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


def test_dockerfile_lines_get_sl601_findings(project):
    folder, archive = project
    result = invoke(archive, "--dockerfile", folder / "Dockerfile", "--format", "json")
    assert result.exit_code == 1, result.output  # SL601 warnings count toward --fail-level (info by default)
    assert invoke(archive, "--dockerfile", folder / "Dockerfile", "--fail-level", "error").exit_code == 0
    assert invoke(archive, "--dockerfile", folder / "Dockerfile", "--fail-level", "warning").exit_code == 1
    document = json.loads(result.output)
    assert document["base_layers"] == 2 and document["base_layers_source"] == "dockerfile"
    assert document["dockerfile"]["matched"] == document["dockerfile"]["instructions"] == 9
    lines = {layer["index"]: layer["dockerfile_line"] for layer in document["layers"]}
    assert lines == {0: None, 1: None, 2: 4, 3: 6, 4: 8, 5: 9, 6: 10, 7: 11}
    findings = {(f["line"], f["properties"]["kind"]): f for f in document["findings"]}
    assert set(findings) == {(6, "stored"), (6, "deleted"), (10, "deleted")}
    stored = findings[(6, "stored")]
    assert stored["rule_id"] == "SL601" and stored["wasted_bytes"] == 29 * MIB
    assert "(29.0 MiB at line 10)" in stored["message"] and "/usr/bin/gcc-12" in stored["message"]
    assert "delete them in this same RUN" in stored["message"]
    deleted = findings[(10, "deleted")]
    assert deleted["wasted_bytes"] == 3 * MIB and "/usr/lib/libc.so.6" in deleted["message"]
    quiet = json.loads(invoke(archive, "--dockerfile", folder / "Dockerfile", "--format", "json",
                              "--min-waste", "30MiB").output)
    assert quiet["findings"] == []


def test_overwrite_of_base_files_is_reported_with_its_own_fix(project):
    folder, archive = project
    document = json.loads(invoke(archive, "--dockerfile", folder / "Dockerfile", "--format", "json").output)
    line6 = [f for f in document["findings"] if f["line"] == 6 and f["properties"]["kind"] == "deleted"]
    assert len(line6) == 1 and line6[0]["wasted_bytes"] == 2 * MIB
    assert "overwrites" in line6[0]["message"] and "newer tag" in line6[0]["message"]


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


def test_wrong_dockerfile_blames_no_line(project, tmp_path):
    _, archive = project
    other = tmp_path / "Other.Dockerfile"
    other.write_text("FROM alpine\nRUN echo something else entirely\nCOPY x /x\n")
    result = invoke(archive, "--dockerfile", other)
    assert result.exit_code == 0
    assert "SL601" not in result.output
    document = json.loads(invoke(archive, "--dockerfile", other, "--format", "json").output)
    assert document["base_layers_source"] == "history" and document["findings"] == []


def test_pragma_silences_sl601(project):
    folder, archive = project
    text = DOCKERFILE.replace("# compilers for the wheels", "# slimlint ignore=SL601")
    (folder / "Dockerfile").write_text(text)
    document = json.loads(invoke(archive, "--dockerfile", folder / "Dockerfile", "--format", "json").output)
    assert [f["line"] for f in document["findings"]] == [10]
    (folder / "Dockerfile").write_text("# slimlint global ignore=image-layer-waste\n" + DOCKERFILE)
    document = json.loads(invoke(archive, "--dockerfile", folder / "Dockerfile", "--format", "json").output)
    assert document["findings"] == []


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


def test_rewritten_package_database_is_counted_but_blames_no_line(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM debian:12\nRUN apt-get install -y curl\nRUN rm -rf /var/log/apt\n")
    steps = [
        Step("ADD rootfs / # buildkit", [directory("var"), directory("var/lib"), directory("var/lib/dpkg"),
                                         file("var/lib/dpkg/status", 2 * MIB)]),
        Step("RUN /bin/sh -c apt-get install -y curl # buildkit",
             [directory("var"), directory("var/lib"), directory("var/lib/dpkg"),
              file("var/lib/dpkg/status", 2 * MIB + 500), directory("var/log"), directory("var/log/apt"),
              file("var/log/apt/term.log", 3 * MIB), directory("usr"), file("usr/curl", MIB)]),
        Step("RUN /bin/sh -c rm -rf /var/log/apt # buildkit", [directory("var"), directory("var/log"),
                                                             whiteout("var/log/apt")]),
    ]
    archive = build_docker_archive(ImageSpec(steps), tmp_path / "apt.tar")
    document = json.loads(invoke(archive, "--dockerfile", tmp_path / "Dockerfile", "--format", "json").output)
    assert document["wasted_bytes"] == 2 * MIB + 3 * MIB  # the old dpkg status and the deleted log
    # the dpkg database rewrite is inherent to installing packages: only the log deletion is blamed
    assert [(f["line"], f["properties"]["kind"], f["wasted_bytes"]) for f in document["findings"]] == [
        (2, "stored", 3 * MIB)]
