"""`slimlint image` checked from the outside: the `slimlint` command
line (click runner on the real entry group, plus one real subprocess), synthetic images in every layout.

Covered elsewhere and not repeated here: dive comparisons (tests/image/test_image_dive.py), the stacker on
hand-written entries (test_image_stack*.py), SL601 line matching in depth
(tests/rules/test_sl601_image_layer_waste.py, test_image_cli.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from image_synth import (  # noqa: E402
    ImageSpec,
    Step,
    build_docker_archive,
    build_oci_archive,
    build_oci_dir,
    directory,
    file,
    hardlink,
    opaque,
    symlink,
    whiteout,
)

from dockerlint_slim.cli import cli  # noqa: E402

MIB = 1024 * 1024
BUILDERS = {"docker": build_docker_archive, "oci": build_oci_archive, "oci-dir": build_oci_dir}

# base layer, an empty ENV, a RUN that adds and a RUN that deletes
SPEC = ImageSpec([
    Step("ADD rootfs.tar / # buildkit", [directory("etc"), file("etc/os-release", 1000), directory("usr"),
                                          file("usr/lib.so", 4000)]),
    Step("ENV A=1", None),
    Step("RUN /bin/sh -c make # buildkit", [directory("opt"), file("opt/big.bin", 30_000), file("opt/keep", 500)]),
    Step("LABEL x=1", None),
    Step("RUN /bin/sh -c rm /opt/big.bin # buildkit", [directory("opt"), whiteout("opt/big.bin")]),
], tag="spec:1")


def run(*args, ok=(0, 1, 2)):
    result = CliRunner().invoke(cli, ["image", *[str(a) for a in args]])
    assert result.exit_code in ok, result.output
    assert "Traceback" not in result.output
    return result


def report(path, *args):
    result = run(path, "--format", "json", *args)
    return json.loads(result.stdout if hasattr(result, "stdout") else result.output)


def build(layout, spec, tmp_path, compression=None, name="img"):
    out = tmp_path / (name if layout == "oci-dir" else f"{name}.tar")
    return BUILDERS[layout](spec, out, compression=compression)


# -- Input: legacy and OCI archives, OCI folder, gzip layers -------------------------------------------------


@pytest.mark.parametrize("layout", sorted(BUILDERS))
@pytest.mark.parametrize("compression", [None, "gzip"])
def test_every_layout_gives_the_same_report(tmp_path, layout, compression):
    document = report(build(layout, SPEC, tmp_path, compression))
    assert document["image_bytes"] == 1000 + 4000 + 30_000 + 500
    assert document["wasted_bytes"] == 30_000
    assert document["efficiency"] == pytest.approx((1000 + 4000 + 0 + 500) / 35_500)
    assert [(layer["index"], layer["created_by"], layer["bytes"]) for layer in document["layers"]] == [
        (0, "ADD rootfs.tar / # buildkit", 5000),
        (1, "RUN /bin/sh -c make # buildkit", 30_500),
        (2, "RUN /bin/sh -c rm /opt/big.bin # buildkit", 0),
    ]


def test_json_keys_exactly_as_listed(tmp_path):
    document = report(build("oci", SPEC, tmp_path), "--min-efficiency", "0.5")
    for key in ("efficiency", "wasted_bytes", "image_bytes", "user_wasted_ratio", "layers", "files", "checks"):
        assert key in document, key
    assert isinstance(document["efficiency"], float) and isinstance(document["wasted_bytes"], int)
    for layer in document["layers"]:
        assert {"index", "created_by", "bytes", "wasted_bytes"} <= set(layer)
    assert document["files"] and all({"path", "count", "wasted_bytes"} <= set(f) for f in document["files"])
    assert document["files"][0] == {**document["files"][0], "path": "/opt/big.bin", "count": 2,
                                    "wasted_bytes": 30_000}
    assert document["checks"] and {"name", "status"} <= set(document["checks"][0])


def test_per_layer_waste_it_stores_and_makes_others_waste(tmp_path):
    layers = report(build("docker", SPEC, tmp_path))["layers"]
    assert [layer["wasted_bytes"] for layer in layers] == [0, 30_000, 0]
    assert layers[2]["removed_bytes"] == 30_000  # the layer that made the RUN's bytes dead


def test_real_subprocess_and_missing_image(tmp_path):
    archive = build("docker", SPEC, tmp_path)
    done = subprocess.run(["slimlint", "image", str(archive), "--format", "json"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["wasted_bytes"] == 30_000
    missing = subprocess.run(["slimlint", "image", str(tmp_path / "nope.tar")], capture_output=True, text=True,
                             timeout=60, check=False)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr and missing.stderr.strip()


# -- several images: --platform and --tag --------------------------------------------------------------------


def _multi(tmp_path):
    amd = ImageSpec([Step("ADD a / # buildkit", [file("amd", 11)])], tag="app:1")
    arm = ImageSpec([Step("ADD a / # buildkit", [file("arm", 22)])], tag="app:1", architecture="arm64",
                    variant="v8")
    other = ImageSpec([Step("ADD a / # buildkit", [file("other", 33)])], tag="other:2")
    return build_oci_archive([amd, arm, other], tmp_path / "multi.tar")


def test_platform_and_tag_pick_the_image(tmp_path):
    archive = _multi(tmp_path)
    assert report(archive, "--platform", "linux/arm64")["image_bytes"] == 22
    assert report(archive, "--platform", "linux/arm64/v8")["image_bytes"] == 22
    assert report(archive, "--tag", "other:2")["image_bytes"] == 33
    assert report(archive, "--tag", "app:1", "--platform", "linux/amd64")["image_bytes"] == 11
    ambiguous = run(archive)
    assert ambiguous.exit_code == 2 and "--platform" in ambiguous.output
    assert run(archive, "--tag", "missing:9").exit_code == 2


# -- streaming: no extraction to disk, bounded memory ---------------------------------------------------------


def test_reads_layers_as_streams_in_bounded_memory(tmp_path, monkeypatch):
    """A 48 MiB file in a gzip layer: nothing is written to the temp folder and the peak of Python allocations
    stays far below the layer size."""
    spec = ImageSpec([Step("ADD x / # buildkit", [file("big", 48 * MIB), file("small", 10)]),
                      Step("RUN /bin/sh -c rm /big # buildkit", [whiteout("big")])])
    archive = build("oci", spec, tmp_path, "gzip")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    from dockerlint_slim.image.analyze import analyze

    tracemalloc.start()
    try:
        result = analyze(str(archive)).result
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.wasted_bytes == 48 * MIB
    assert peak < 16 * MIB, peak
    assert list(scratch.iterdir()) == []


# -- malformed input: a clear error, exit 2 -------------------------------------------------------------------


@pytest.mark.parametrize("case", ["text", "empty-dir", "oci-missing-blob", "bad-index", "truncated"])
def test_malformed_input_exits_2_with_a_message(tmp_path, case):
    if case == "text":
        target = tmp_path / "x.tar"
        target.write_text("hello")
    elif case == "empty-dir":
        target = tmp_path / "empty"
        target.mkdir()
    elif case == "oci-missing-blob":
        target = build("oci-dir", SPEC, tmp_path)
        blobs = sorted((target / "blobs" / "sha256").iterdir(), key=lambda p: -p.stat().st_size)
        blobs[0].unlink()  # the biggest blob: a layer
    elif case == "bad-index":
        target = build("oci-dir", SPEC, tmp_path)
        (target / "index.json").write_text('{"manifests": 5}')
    else:
        good = build("docker", SPEC, tmp_path)
        target = tmp_path / "cut.tar"
        target.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = run(target)
    assert result.exit_code == 2, result.output
    assert result.output.strip()


# -- Analysis: whiteouts, links, figures ----------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["docker", "oci"])
def test_each_whiteout_kind_and_links(tmp_path, layout):
    spec = ImageSpec([
        Step("ADD base / # buildkit", [
            directory("f"), file("f/gone", 100), file("f/kept", 1),
            directory("d"), directory("d/sub"), file("d/a", 200), file("d/sub/b", 300),
            directory("o"), file("o/old", 400),
            directory("h"), file("h/orig", 500), hardlink("h/link", "h/orig"),
            directory("s"), file("s/target", 600), symlink("s/alias", "target"),
        ]),
        Step("RUN /bin/sh -c changes # buildkit", [
            directory("f"), whiteout("f/gone"),          # file whiteout
            whiteout("d"),                                # directory whiteout: everything below
            directory("o"), opaque("o"), file("o/new", 7),  # opaque directory
            directory("h"), whiteout("h/orig"),           # the hard link keeps the bytes
            directory("s"), whiteout("s/target"),         # the symlink does not
        ]),
    ])
    document = report(build(layout, spec, tmp_path, name=f"wh-{layout}"))
    assert document["image_bytes"] == 100 + 1 + 200 + 300 + 400 + 500 + 600 + 7
    assert document["wasted_bytes"] == 100 + 200 + 300 + 400 + 600
    files = {f["path"]: f["wasted_bytes"] for f in document["files"]}
    assert files == {"/f/gone": 100, "/d/a": 200, "/d/sub/b": 300, "/o/old": 400, "/s/target": 600}
    assert [f["path"] for f in document["files"]][:2] == ["/s/target", "/o/old"]  # top inefficient files first


def test_efficiency_and_wasted_bytes_definitions(tmp_path):
    """efficiency = sum over paths of the smallest size seen / all sizes stored, a deletion counting as 0;
    wasted = per path, bytes stored in all layers minus the bytes in the final file system."""
    spec = ImageSpec([
        Step("ADD a / # buildkit", [file("same", 50), file("shrink", 80), file("grow", 10), file("del", 40),
                                    file("once", 5)]),
        Step("RUN /bin/sh -c x # buildkit", [file("same", 50), file("shrink", 20), file("grow", 70), whiteout("del")]),
    ])
    document = report(build("docker", spec, tmp_path))
    stored = 50 + 80 + 10 + 40 + 5 + 50 + 20 + 70
    assert document["image_bytes"] == stored
    assert document["efficiency"] == pytest.approx((50 + 20 + 10 + 0 + 5) / stored)
    final = 50 + 20 + 70 + 5
    assert document["wasted_bytes"] == stored - final == 50 + 80 + 10 + 40
    assert document["final_bytes"] == final


def test_user_wasted_ratio_takes_the_layers_after_the_first_as_dive(tmp_path):
    spec = ImageSpec([
        Step("ADD a / # buildkit", [file("base", 1000)]),
        Step("RUN /bin/sh -c a # buildkit", [file("tmp", 300), file("app", 100)]),
        Step("RUN /bin/sh -c b # buildkit", [whiteout("tmp")]),
    ])
    document = report(build("docker", spec, tmp_path))
    assert document["user_wasted_ratio"] == pytest.approx(300 / 400)
    assert document["base_layers"] == 1 and document["base_layers_source"] == "dive-rule"  # no base CMD seen


def test_user_wasted_ratio_does_better_where_the_history_shows_the_base(tmp_path):
    """A base image's history closes with its CMD: the layers before it are the base, not the user's."""
    spec = ImageSpec([
        Step("ADD rootfs / # buildkit", [file("base", 1000)], created="2024-01-01T00:00:00Z"),
        Step("RUN /bin/sh -c install-python # buildkit", [file("python", 5000)], created="2024-01-02T00:00:00Z"),
        Step('CMD ["python3"]', None, created="2024-01-02T00:00:00Z"),
        Step("RUN /bin/sh -c a # buildkit", [file("tmp", 300), file("app", 100)]),
        Step("RUN /bin/sh -c b # buildkit", [whiteout("tmp")]),
    ])
    document = report(build("oci", spec, tmp_path))
    assert document["user_wasted_ratio"] == pytest.approx(300 / 400)  # dive would say 300 / 5400
    assert document["base_layers"] == 2 and document["base_layers_source"] == "history"
    assert report(build("oci", spec, tmp_path, name="again"), "--base-layers", "1")["user_wasted_ratio"] == \
        pytest.approx(300 / 5400)


def test_recovered_dockerfile_marks_where_the_base_ends_from_the_history(tmp_path):
    spec = ImageSpec([
        Step("ADD rootfs / # buildkit", [file("base", 10)]),
        Step('CMD ["bash"]', None),
        Step("ENV APP=1", None),
        Step("RUN /bin/sh -c make # buildkit", [file("app", 5)]),
    ])
    text = run(build("docker", spec, tmp_path), "--recover-dockerfile").output
    assert text.index('CMD ["bash"]') < text.index("own instructions start here") < text.index("ENV APP=1")


def test_empty_layer_history_entries_are_not_layers(tmp_path):
    spec = ImageSpec([
        Step("ARG X=1", None), Step("ADD a / # buildkit", [file("a", 1)]), Step("ENV B=2", None),
        Step("LABEL c=3", None), Step("RUN /bin/sh -c touch /b # buildkit", [file("b", 2)]), Step("CMD x", None),
    ])
    layers = report(build("oci", spec, tmp_path))["layers"]
    assert [(l["index"], l["created_by"]) for l in layers] == [(0, "ADD a / # buildkit"),
                                                              (1, "RUN /bin/sh -c touch /b # buildkit")]


# -- CI gate --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args,status,code", [
    (("--min-efficiency", "0.9"), "FAIL", 1),
    (("--min-efficiency", "0.1"), "PASS", 0),
    (("--max-wasted-bytes", "20KB"), "FAIL", 1),  # 30 000 bytes wasted
    (("--max-wasted-bytes", "31KB"), "PASS", 0),
    (("--max-wasted-bytes", "30000"), "PASS", 0),
    (("--max-wasted-bytes", "29999"), "FAIL", 1),
    (("--max-user-wasted-ratio", "0.1"), "FAIL", 1),  # 30 000 over 30 500
    (("--max-user-wasted-ratio", "1"), "PASS", 0),
])
def test_each_gate_prints_pass_or_fail_and_sets_the_exit_code(tmp_path, args, status, code):
    result = run(build("docker", SPEC, tmp_path), *args)
    assert result.exit_code == code, result.output
    name = args[0].lstrip("-")
    assert any(line.split()[:2] == [status, name + ":"] or line.split()[:2] == [status, name]
               for line in result.output.splitlines()), result.output


def test_mb_sizes_as_dive_writes_them(tmp_path):
    spec = ImageSpec([Step("ADD a / # buildkit", [file("x", 20_500_000), file("y", 1)]),
                      Step("RUN /bin/sh -c rm /x # buildkit", [whiteout("x")])])
    archive = build("docker", spec, tmp_path)
    assert run(archive, "--max-wasted-bytes", "20MB").exit_code == 1
    assert run(archive, "--max-wasted-bytes", "25MB").exit_code == 0
    assert run(archive, "--max-wasted-bytes", "20MiB").exit_code == 0  # 20 MiB = 20 971 520 bytes
    assert run(archive, "--max-wasted-bytes", "off").exit_code == 0


def test_all_three_gates_together_and_each_can_be_off(tmp_path):
    archive = build("docker", SPEC, tmp_path)
    result = run(archive, "--min-efficiency", "0.9", "--max-wasted-bytes", "20MB", "--max-user-wasted-ratio", "0.1")
    assert result.exit_code == 1
    assert [line.split()[0] for line in result.output.splitlines() if line.strip().startswith(("PASS", "FAIL"))
            and ":" in line] == ["FAIL", "PASS", "FAIL"]
    off = run(archive, "--min-efficiency", "off", "--max-wasted-bytes", "off", "--max-user-wasted-ratio", "off")
    assert off.exit_code == 0 and "FAIL" not in off.output


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_gate_failure_exits_1_in_every_format(tmp_path, fmt):
    result = run(build("docker", SPEC, tmp_path), "--format", fmt, "--min-efficiency", "0.99")
    assert result.exit_code == 1
    json.loads(result.output)


# -- --dockerfile: SL601 findings on the lines, every format ---------------------------------------------------

DOCKERFILE = """\
FROM debian:bookworm-slim
ENV A=1
RUN make
CMD ["sh"]
RUN rm /opt/big.bin
"""


def _with_dockerfile(tmp_path):
    big = ImageSpec([
        Step("ADD rootfs.tar / # buildkit", [directory("etc"), file("etc/os-release", 1000)]),
        Step('CMD ["bash"]', None, created="2025-01-01T00:00:00Z"),
        Step("ENV A=1", None),
        Step("RUN /bin/sh -c make # buildkit", [directory("opt"), file("opt/big.bin", 3 * MIB),
                                                 file("opt/keep", 500)]),
        Step('CMD ["sh"]', None),
        Step("RUN /bin/sh -c rm /opt/big.bin # buildkit", [directory("opt"), whiteout("opt/big.bin")]),
    ])
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    return build("oci", big, tmp_path), tmp_path / "Dockerfile"


def test_dockerfile_findings_in_text_json_and_sarif(tmp_path):
    archive, dockerfile = _with_dockerfile(tmp_path)
    text = run(archive, "--dockerfile", dockerfile, "--no-color").output
    assert "SL601" in text and ":3:" in text
    document = report(archive, "--dockerfile", dockerfile)
    lines = sorted({f["line"] for f in document["findings"]})
    assert lines and lines[0] == 3 and all(f["rule_id"] == "SL601" for f in document["findings"])
    assert any(f["wasted_bytes"] == 3 * MIB for f in document["findings"])
    sarif = json.loads(run(archive, "--dockerfile", dockerfile, "--format", "sarif").output)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"SL601"}
    assert 3 in {r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}


# -- --recover-dockerfile -------------------------------------------------------------------------------------


def test_recover_dockerfile_from_an_oci_archive(tmp_path):
    spec = ImageSpec([
        Step("ADD rootfs.tar / # buildkit", [directory("etc"), file("etc/os-release", 10)]),
        Step("WORKDIR /srv", None),
        Step("COPY . . # buildkit", [directory("srv"), file("srv/app.py", 321), file("srv/req.txt", 12)]),
        Step("RUN /bin/sh -c pip install -r req.txt # buildkit", [directory("usr"), file("usr/flask.py", 99)]),
        Step('ENTRYPOINT ["python", "app.py"]', None),
    ])
    result = run(build("oci", spec, tmp_path), "--recover-dockerfile")
    assert result.exit_code == 0
    text = result.output
    assert "WORKDIR /srv" in text
    assert "RUN pip install -r req.txt" in text
    assert 'ENTRYPOINT ["python", "app.py"]' in text
    copy_at = text.index("COPY . .")
    listing = text[copy_at:text.index("RUN pip install")]  # the files the COPY added, which history lacks
    assert "/srv" in listing and "app.py" in listing and "req.txt" in listing and "321" in listing


def test_dockerfile_layers_matched_to_the_built_stage_of_a_multi_stage_file(tmp_path):
    """Only the built (last) stage's instructions make layers; the build stage's lines get nothing."""
    (tmp_path / "Dockerfile").write_text(
        "FROM golang:1.22 AS build\nWORKDIR /src\nRUN go build -o /out/app .\n\n"
        "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n"
        "COPY --from=build /out/app /usr/local/bin/app\nRUN rm -rf /var/lib/apt/lists/*\nCMD [\"app\"]\n")
    lists = [directory("var"), directory("var/lib"), directory("var/lib/apt"), directory("var/lib/apt/lists")]
    spec = ImageSpec([
        Step("# debian.sh bookworm", [directory("etc"), file("etc/debian_version", 10)]),
        Step('CMD ["bash"]', None),
        Step("RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
             lists + [file("var/lib/apt/lists/x_Packages", 2 * MIB), directory("usr"), file("usr/curl", MIB)]),
        Step("COPY /out/app /usr/local/bin/app # buildkit",
             [directory("usr"), directory("usr/local"), directory("usr/local/bin"), file("usr/local/bin/app", 10)]),
        Step("RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit", lists + [whiteout("var/lib/apt/lists/x_Packages")]),
        Step('CMD ["app"]', None),
    ])
    document = report(build("oci", spec, tmp_path), "--dockerfile", tmp_path / "Dockerfile")
    assert document["dockerfile"]["matched"] == document["dockerfile"]["instructions"] == 4
    assert [layer["dockerfile_line"] for layer in document["layers"]] == [None, 6, 7, 8]
    assert [(f["line"], f["wasted_bytes"]) for f in document["findings"]] == [(6, 2 * MIB)]
    assert "/var/lib/apt/lists/x_Packages" in document["findings"][0]["message"]
