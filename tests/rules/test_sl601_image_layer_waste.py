"""SL601 image-layer-waste: findings on the Dockerfile's lines from a built image's layers (`slimlint image IMAGE.tar
--dockerfile Dockerfile`), on synthesized images: which line stores and which deletes, the advice, --min-waste,
--fail-level, pragmas, and no line blamed for a Dockerfile that does not match or for a package database rewrite."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "image"))

from image_synth import ImageSpec, Step, build_docker_archive, directory, file, whiteout  # noqa: E402
from python_app_image import DOCKERFILE, MIB, build_project, invoke  # noqa: E402

from dockerlint_slim.cli import cli  # noqa: E402
from dockerlint_slim.image.analyze import analyze  # noqa: E402
from dockerlint_slim.image.dockerfile_map import align  # noqa: E402
from dockerlint_slim.parser import parse_dockerfile  # noqa: E402


@pytest.fixture
def project(tmp_path):
    return build_project(tmp_path)


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


def test_package_cache_rewritten_by_a_later_install_gets_cache_advice(tmp_path):
    """apt's lists and pkgcache.bin of one RUN, rewritten by the next `apt-get update`: clean or mount the cache;
    the chmod/chown advice (COPY --chmod) is for mode and owner rewrites only."""
    from image_synth import directory

    from dockerlint_slim.image.dockerfile_map import diagnostics

    text = ("FROM debian:12\nRUN apt-get update && apt-get install -y libjq1\n"
            "RUN apt-get update && apt-get install -y jq\n")
    lists = [directory("var"), directory("var/lib"), directory("var/lib/apt"), directory("var/lib/apt/lists"),
             file("var/lib/apt/lists/deb.debian.org_Packages", 9_000_000), directory("var/cache"),
             directory("var/cache/apt"), file("var/cache/apt/pkgcache.bin", 2_000_000)]
    spec = ImageSpec([Step("ADD rootfs / # buildkit", [file("etc/os-release", 10)]), Step('CMD ["bash"]'),
                      Step("RUN /bin/sh -c apt-get update && apt-get install -y libjq1 # buildkit",
                           lists + [file("usr/lib/libjq.so", 300_000)]),
                      Step("RUN /bin/sh -c apt-get update && apt-get install -y jq # buildkit",
                           lists + [file("usr/bin/jq", 30_000)])])
    analysis = analyze(str(build_docker_archive(spec, tmp_path / "i.tar")))
    dockerfile = parse_dockerfile(text, "Dockerfile")
    mapping = align(dockerfile, analysis.image)
    found = diagnostics("Dockerfile", analysis.image, analysis.result, mapping, 1, 1)
    stored = [d for d in found if d.span.line == 2 and d.properties["kind"] == "stored"]
    assert stored
    message = stored[0].message
    assert "apt's package lists" in message and "COPY --chmod" not in message
    assert "rm -rf /var/lib/apt/lists/*" in message and "--mount=type=cache,target=/var/lib/apt/lists" in message
    assert "which a later install rewrites" in message


def test_package_cache_deleted_by_a_later_layer_says_so(tmp_path):
    """The lists removed by a cleanup RUN of their own (what real builds of that pattern show): the same advice,
    and the message names the later deletion, not an install."""
    from image_synth import directory, whiteout

    from dockerlint_slim.image.dockerfile_map import diagnostics

    text = "FROM debian:12\nRUN apt-get update && apt-get install -y jq\nRUN rm -rf /var/lib/apt/lists/*\n"
    lists = [directory("var"), directory("var/lib"), directory("var/lib/apt"), directory("var/lib/apt/lists"),
             file("var/lib/apt/lists/deb.debian.org_Packages", 9_000_000)]
    spec = ImageSpec([Step("ADD rootfs / # buildkit", [file("etc/os-release", 10)]), Step('CMD ["bash"]'),
                      Step("RUN /bin/sh -c apt-get update && apt-get install -y jq # buildkit",
                           lists + [file("usr/bin/jq", 30_000)]),
                      Step("RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit",
                           [directory("var"), directory("var/lib"), directory("var/lib/apt"),
                            directory("var/lib/apt/lists"), whiteout("var/lib/apt/lists/deb.debian.org_Packages")])])
    analysis = analyze(str(build_docker_archive(spec, tmp_path / "i.tar")))
    mapping = align(parse_dockerfile(text, "Dockerfile"), analysis.image)
    found = diagnostics("Dockerfile", analysis.image, analysis.result, mapping, 1, 1)
    [stored] = [d for d in found if d.span.line == 2 and d.properties["kind"] == "stored"]
    assert "apt's package lists, which a later layer deletes" in stored.message
    assert "rm -rf /var/lib/apt/lists/*" in stored.message and "COPY --chmod" not in stored.message


def test_copied_file_deleted_later_gets_bind_mount_advice(tmp_path):
    from dockerlint_slim.image.dockerfile_map import diagnostics
    from image_synth import directory, whiteout

    text = "FROM debian:12\nCOPY vendor.tar /tmp/\nRUN tar -xf /tmp/vendor.tar -C /opt && true\nRUN rm /tmp/vendor.tar\n"
    spec = ImageSpec([Step("ADD rootfs / # buildkit", [file("etc/os-release", 10)]), Step('CMD ["bash"]'),
                      Step("COPY vendor.tar /tmp/ # buildkit", [directory("tmp"), file("tmp/vendor.tar", 5_000_000)]),
                      Step("RUN /bin/sh -c tar -xf /tmp/vendor.tar -C /opt && true # buildkit",
                           [directory("opt"), file("opt/lib.so", 4_900_000)]),
                      Step("RUN /bin/sh -c rm /tmp/vendor.tar # buildkit", [directory("tmp"), whiteout("tmp/vendor.tar")])])
    analysis = analyze(str(build_docker_archive(spec, tmp_path / "i.tar")))
    mapping = align(parse_dockerfile(text, "Dockerfile"), analysis.image)
    found = diagnostics("Dockerfile", analysis.image, analysis.result, mapping, 1, 1)
    [stored] = [d for d in found if d.span.line == 2 and d.properties["kind"] == "stored"]
    assert "RUN --mount=type=bind" in stored.message and "COPY --chmod" not in stored.message


def test_is_a_documented_rule():
    result = CliRunner().invoke(cli, ["rules", "SL601"])
    assert result.exit_code == 0 and "SL601" in result.output
