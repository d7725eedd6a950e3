"""The build context end to end, through the command line: .dockerignore, the scanner, COPY resolution, the
context's bytes in other rules' findings, and the build report. The context rules' own cases (SL301, SL302, SL304,
SL501) are in tests/rules/test_slNNN_*.py.

The JSON report's `context_bytes` (bytes the COPYs bring from the context) is the black-box oracle for the
.dockerignore semantics: each context file gets a distinct power-of-two size (>= 4 KiB, so the Dockerfile and
.dockerignore, also sent and copied by `COPY . /app`, stay below the lowest bit used), and the bits set in
`context_bytes` name the files that reached the image. tests/context/ tests the same pieces on the library API.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.clirun import lint_json, rule_ids, slimlint, sparse, usage_error
from tests.context.helpers import wasteful_context

MiB = 1024 * 1024
COPY_ALL = "FROM alpine:3.20\nCOPY . /app\n"


def copied_files(tmp_path: Path, files: list[str], dockerignore: str | None, *, dockerfile: str = COPY_ALL,
                 dockerfile_name: str = "Dockerfile") -> list[str]:
    for index, name in enumerate(files):
        sparse(tmp_path / name, 2 ** (index + 12))
    if dockerignore is not None:
        (tmp_path / ".dockerignore").write_text(dockerignore)
    (tmp_path / dockerfile_name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / dockerfile_name).write_text(dockerfile)
    document = lint_json(dockerfile_name, "--context", ".", cwd=tmp_path)
    copied = document["files"][0]["report"]["context_bytes"] >> 12
    return sorted(name for index, name in enumerate(files) if copied & (1 << index))


# --- .dockerignore exactly as BuildKit (moby/patternmatcher) ------------------------------------------------------

IGNORE_CASES = [
        # comments only when # is in column 1; lines are trimmed, so " #x" is the pattern "#x"
        (["#secret", "a"], "#secret\n", ["#secret", "a"]),
        (["#secret", "a"], "  #secret\n", ["a"]),
        (["f1", "f2"], "   f1   \n\n", ["f2"]),
        (["secret", "a"], "\ufeffsecret\r\nnothing\r\n", ["a"]),  # a UTF-8 BOM and CRLF line ends, as moby reads them
        # anchored at the root: `foo` does not match `x/foo`; one leading / dropped; `docs/` equals `docs`
        (["foo", "x/foo"], "foo\n", ["x/foo"]),
        (["docs/a", "b"], "/docs\n", ["b"]),
        (["docs/a", "b"], "docs/\n", ["b"]),
        (["a/b", "c"], "./a/../a//b\n", ["c"]),  # cleaned like filepath.Clean
        # `*` and `?` do not cross `/`; `**` spans folders (also none)
        (["a.txt", "sub/a.txt"], "*.txt\n", ["sub/a.txt"]),
        (["a1", "sub/a1"], "a?\n", ["sub/a1"]),
        (["a.txt", "sub/deep/a.txt", "b.md"], "**/*.txt\n", ["b.md"]),
        (["a/c", "a/b/c", "a/b/d/c", "a/x"], "a/**/c\n", ["a/x"]),
        # `abc/**` excludes what is below abc, not a file called abc
        (["abc", "b"], "abc/**\n", ["abc", "b"]),
        (["abc/x", "b"], "abc/**\n", ["b"]),
        # classes and escapes
        (["ab", "ac", "ad"], "a[bc]\n", ["ad"]),
        (["ab", "ac"], "a[^b]\n", ["ab"]),
        (["a*b", "axb"], "a\\*b\n", ["axb"]),
        # ! re-includes, the last match wins, a folder pattern excludes everything under it
        (["x/keep", "x/drop"], "x\n!x/keep\n", ["x/keep"]),
        (["x/keep", "x/drop"], "!x/keep\nx\n", []),
        (["logs/a.log", "logs/keep.log", "b"], "logs\n!logs/keep.log\nlogs/keep.log\n", ["b"]),
        (["deep/a/b/c/d", "deep/a/keep"], "deep\n!deep/a/keep\n", ["deep/a/keep"]),
]


@pytest.fixture(scope="module")
def ignore_results(tmp_path_factory) -> dict[int, list[str]]:
    """All cases in one slimlint run (one context per case through `[contexts]`), to keep the suite fast."""
    root = tmp_path_factory.mktemp("dockerignore")
    contexts = []
    for case, (files, dockerignore, _) in enumerate(IGNORE_CASES):
        folder = root / f"case{case}"
        for index, name in enumerate(files):
            sparse(folder / name, 2 ** (index + 12))
        (folder / ".dockerignore").write_text(dockerignore)
        (folder / "Dockerfile").write_text(COPY_ALL)
        contexts.append(f'"case{case}/*" = "case{case}"')
    (root / ".slimlint.toml").write_text("[contexts]\n" + "\n".join(contexts) + "\n")
    document = lint_json(*(f"case{case}/Dockerfile" for case in range(len(IGNORE_CASES))), cwd=root)
    results = {}
    for entry in document["files"]:
        case = int(entry["path"].split("/")[0][4:])
        copied = entry["report"]["context_bytes"] >> 12
        results[case] = sorted(name for index, name in enumerate(IGNORE_CASES[case][0]) if copied & (1 << index))
    return results


@pytest.mark.parametrize("case", range(len(IGNORE_CASES)),
                         ids=[repr(dockerignore) for _, dockerignore, _ in IGNORE_CASES])
def test_dockerignore_semantics(ignore_results, case):
    files, dockerignore, reaches = IGNORE_CASES[case]
    assert ignore_results[case] == reaches, (files, dockerignore)


def test_dockerfile_specific_ignore_file_replaces_the_root_one(tmp_path):
    """"`<Dockerfile>.dockerignore` beside the Dockerfile replaces the root file"."""
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "api.Dockerfile.dockerignore").write_text("b\n")
    reached = copied_files(tmp_path, ["a", "b"], "a\n", dockerfile_name="docker/api.Dockerfile")
    assert reached == ["a"]
    # Another Dockerfile of the same context still gets the root file.
    (tmp_path / "Dockerfile").write_text(COPY_ALL)
    document = lint_json("Dockerfile", "--context", ".", cwd=tmp_path)
    assert (document["files"][0]["report"]["context_bytes"] >> 12) == 0b10  # only b


def test_bad_pattern_is_a_usage_error_naming_the_file(tmp_path):
    (tmp_path / ".dockerignore").write_text("ok\nbad[\n")
    (tmp_path / "Dockerfile").write_text(COPY_ALL)
    for selection in ((), ("--select", "SL102")):  # whichever rule first asks for the context
        line = usage_error(slimlint("Dockerfile", "--context", ".", *selection, cwd=tmp_path))
        assert line.startswith("slimlint: error: ./.dockerignore:2: bad pattern 'bad['"), line
    (tmp_path / ".dockerignore").write_text("!\n")
    line = usage_error(slimlint("Dockerfile", "--context", ".", cwd=tmp_path))
    assert line.startswith("slimlint: error: ./.dockerignore:1: illegal exclusion pattern"), line


# --- Context scanner -------------------------------------------------------------------------------------------

def test_scanner_never_follows_links_or_opens_fifos(tmp_path):
    """"never follows a symlink ..., never opens FIFOs ..., never leaves the context root"."""
    outside = sparse(tmp_path / "outside" / "huge.bin", 500 * MiB)
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    sparse(ctx / "app.bin", 4096)
    (ctx / "link-out").symlink_to(outside)
    (ctx / "link-root").symlink_to("/")
    (ctx / "loop-a").symlink_to("loop-b")
    (ctx / "loop-b").symlink_to("loop-a")
    (ctx / "self").symlink_to(".")
    os.mkfifo(ctx / "pipe")
    (ctx / "Dockerfile").write_text(COPY_ALL)
    started = time.monotonic()
    proc = slimlint("Dockerfile", "--context", ".", "--format", "json", cwd=ctx, timeout=30)
    assert time.monotonic() - started < 20
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)["files"][0]["report"]
    assert 4096 <= report["context_bytes"] < 4096 + 1000  # the links count as links, not as what they point at


def test_non_utf8_names_are_warnings_not_crashes(tmp_path):
    (tmp_path / "Dockerfile").write_text(COPY_ALL)
    sparse(tmp_path / "ok.bin", 8192)
    with open(os.path.join(os.fsencode(tmp_path), b"bad-\xff-name"), "wb") as handle:
        handle.write(b"x")
    proc = slimlint("Dockerfile", "--context", ".", "--no-color", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert "context warning:" in proc.stdout and "not valid UTF-8" in proc.stdout


def test_context_that_is_not_a_folder_is_exit_2(tmp_path):
    (tmp_path / "Dockerfile").write_text(COPY_ALL)
    usage_error(slimlint("Dockerfile", "--context", "Dockerfile", cwd=tmp_path))
    usage_error(slimlint("Dockerfile", "--context", "missing", cwd=tmp_path))


# --- COPY/ADD resolution ---------------------------------------------------------------------------------------

def test_destinations_relative_to_workdir_and_folder_copies(tmp_path):
    """"destinations relative to WORKDIR, trailing-slash and folder-copy semantics": seen in the waste paths."""
    sparse(tmp_path / "vendor.tar.gz", 12 * MiB)
    sparse(tmp_path / "dist" / "big.bin", 12 * MiB)
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.20\nWORKDIR /srv\nCOPY vendor.tar.gz .\nCOPY dist/ assets/\nCOPY --parents dist/big.bin /p/\n"
        "RUN tar -xzf vendor.tar.gz && rm vendor.tar.gz && rm /srv/assets/big.bin && rm /p/dist/big.bin\n"
    )
    report = lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["files"][0]["report"]
    assert sorted(item["path"] for item in report["top_wasted"]) == ["/p/dist/big.bin", "/srv/assets/big.bin",
                                                                      "/srv/vendor.tar.gz"]
    assert report["wasted_bytes"] == 36 * MiB


def test_copy_exclude_files_never_reach_the_image(tmp_path):
    """`COPY --exclude`: the excluded file is not copied, so deleting it later wastes nothing."""
    sparse(tmp_path / "dist" / "big.bin", 12 * MiB)
    (tmp_path / "dist" / "app.js").write_text("1\n")
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.20\nCOPY --exclude=*.bin dist /app/\nRUN rm -f /app/big.bin\n"
    )
    document = lint_json("Dockerfile", "--context", ".", cwd=tmp_path)
    report = document["files"][0]["report"]
    assert report["context_bytes"] == 2 and report["wasted_bytes"] == 0 and report["top_wasted"] == []
    assert not {"SL102", "SL301"} & set(rule_ids(document))
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY --exclude=*.bin dist /app/\nCOPY dist /app/\n")
    report = lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["files"][0]["report"]
    assert report["wasted_bytes"] == 2  # only app.js is overwritten: big.bin was not there before


# --- SL102/SL103 gain byte figures -----------------------------------------------------------------------------

def test_sl102_and_sl103_carry_the_context_bytes(tmp_path):
    sparse(tmp_path / "assets" / "video.mp4", 7 * MiB)
    sparse(tmp_path / "assets" / "poster.png", 3 * MiB)
    for name in ("video.mp4", "poster.png"):
        (tmp_path / "assets" / name).chmod(0o644)  # `g+w` changes them (a chmod to the mode they have would not)
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY assets/ /srv/assets/\nRUN chmod -R g+w /srv/assets\n")
    findings = {f["rule_id"]: f for f in lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["findings"]}
    assert findings["SL103"]["wasted_bytes"] == 10 * MiB and "10.0 MiB" in findings["SL103"]["message"]
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY assets/ /srv/assets/\nRUN rm /srv/assets/poster.png\n")
    findings = {f["rule_id"]: f for f in lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["findings"]}
    assert findings["SL102"]["wasted_bytes"] == 3 * MiB and "3.0 MiB" in findings["SL102"]["message"]


# --- Output: the build report ----------------------------------------------------------------------------------

@pytest.fixture
def wasteful(tmp_path):
    return wasteful_context(tmp_path)


def test_text_report_ends_each_dockerfile(wasteful):
    """"bytes the context adds, predicted waste, predicted efficiency, and the top wasted paths"."""
    (wasteful / "other.Dockerfile").write_text("FROM alpine:3.20\nCOPY small.tar.gz /x.tgz\n")
    out = slimlint("Dockerfile", "other.Dockerfile", "--context", ".", "--no-color", cwd=wasteful).stdout
    first = out[out.index("Dockerfile: build report"):out.index("other.Dockerfile: build report")]
    assert "bytes the context adds: 39.1 MiB" in first  # the archives twice: by name and by `COPY . /app`
    assert "predicted waste: 19.6 MiB" in first and "predicted efficiency: unknown (" in first
    assert "50.0% over the 39.1 MiB that can be)" in first
    assert "top wasted paths:" in first
    assert "18.6 MiB  /tmp/big.tar.gz" in first and "976.6 KiB  /tmp/small.tar.gz" in first
    assert first.index("/tmp/big.tar.gz") < first.index("/tmp/small.tar.gz")
    second = out[out.index("other.Dockerfile: build report"):]
    assert "predicted waste: 0 B" in second and "predicted efficiency: 100.0%" in second
    assert "build report" not in slimlint("Dockerfile", "--no-color", cwd=wasteful).stdout


def test_json_and_sarif_carry_the_same_figures(wasteful):
    """JSON and SARIF carry the same figures: SARIF once per run, in the run's properties (not copied into every
    result)."""
    report = lint_json("Dockerfile", "--context", ".", cwd=wasteful)["files"][0]["report"]
    for key in ("context_bytes", "wasted_bytes", "known_bytes_efficiency", "top_wasted"):
        assert report[key] is not None
    import jsonschema

    from tests.clirun import sarif_schema

    log = json.loads(slimlint("Dockerfile", "--context", ".", "--format", "sarif", cwd=wasteful).stdout)
    jsonschema.validate(log, sarif_schema())
    results = log["runs"][0]["results"]
    assert results and not any("buildReport" in r.get("properties", {}) for r in results)
    [reported] = log["runs"][0]["properties"]["reports"]
    assert reported.pop("path") == "Dockerfile" and reported == report
