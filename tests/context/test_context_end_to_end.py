"""The build context end to end, through the command line: .dockerignore, the scanner, COPY resolution, SL301,
SL302, SL304, SL501 and the build report.

The JSON report's `context_bytes` (bytes the COPYs bring from the context) is the black-box oracle for the
.dockerignore semantics: each context file gets a distinct power-of-two size (>= 4 KiB, so the Dockerfile and
.dockerignore, also sent and copied by `COPY . /app`, stay below the lowest bit used), and the bits set in
`context_bytes` name the files that reached the image. tests/context/ tests the same rules on the library API.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.clirun import lint_json, rule_ids, slimlint, sparse, usage_error

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


# --- COPY/ADD resolution and SL304 -----------------------------------------------------------------------------

def sl304(tmp_path: Path, dockerfile: str, *extra: str) -> list[tuple[int, str]]:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    document = lint_json("Dockerfile", "--context", ".", "--select", "SL304", *extra, cwd=tmp_path)
    return [(f["line"], f["message"]) for f in document["findings"]]


@pytest.fixture
def small_context(tmp_path):
    (tmp_path / "app.py").write_text("print(1)\n")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "x.py").write_text("x = 1\n")
    (tmp_path / "secret.txt").write_text("s\n")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "key").write_text("k\n")
    (tmp_path / ".dockerignore").write_text("secret.txt\nprivate\n")
    return tmp_path


def test_sl304_missing_and_ignored_sources(small_context):
    """"a COPY/ADD source that is not in the context or is excluded by .dockerignore" is an error."""
    found = sl304(small_context, "FROM alpine\nCOPY app.py missing.py /app/\nCOPY secret.txt /s\nADD private /p\n")
    assert [line for line, _ in found] == [2, 3, 4]
    assert '"missing.py"' in found[0][1] and "not in the build context" in found[0][1]
    assert '"secret.txt"' in found[1][1] and ".dockerignore" in found[1][1] and 'line 1: "secret.txt"' in found[1][1]
    assert ".dockerignore" in found[2][1]
    proc = slimlint("Dockerfile", "--context", ".", "--fail-level", "error", "--select", "SL304", cwd=small_context)
    assert proc.returncode == 1  # an error finding


def test_sl304_sources_not_from_the_context_are_not_checked(small_context):
    dockerfile = (
        "FROM alpine AS build\nRUN mkdir /out\n"
        "FROM alpine AS unused\nCOPY not-there /x\n"  # a stage the target does not need is never built
        "FROM alpine\n"
        "COPY --from=build /out /out\n"
        "COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/\n"
        "ADD https://example.com/tool.tar.gz /opt/\n"
        "ADD https://github.com/moby/moby.git#v27.0.0 /src\n"
        "COPY <<EOF /etc/motd\nhello\nEOF\n"
        "COPY *.py lib/ /app/\n"
        "COPY ./lib/../app.py /app/again.py\n"
        "RUN --mount=type=bind,source=app.py,target=/mnt/app.py cat /mnt/app.py\n"
    )
    assert sl304(small_context, dockerfile) == []


def test_sl304_wildcard_sources_follow_buildkit(small_context):
    # BuildKit allows a wildcard that matches nothing; a wildcard whose only match is ignored matches nothing too.
    assert sl304(small_context, "FROM alpine\nCOPY *.md /docs/\nCOPY secret.* /s/\n") == []


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


# --- SL301 large-copy-consumed ---------------------------------------------------------------------------------

CONSUMED = [
        ("vendor.tar.gz", "tar -xzf /tmp/vendor.tar.gz -C /opt", "extracts"),
        ("tool.zip", "unzip /tmp/tool.zip -d /opt", "extracts"),
        ("app.deb", "dpkg -i /tmp/app.deb", "installs"),
        ("pkg-1.0-py3-none-any.whl", "pip install --no-cache-dir /tmp/pkg-1.0-py3-none-any.whl", "installs"),
        ("install.sh", "sh /tmp/install.sh", "runs"),
        ("data.bin", "mv /tmp/data.bin /srv/data.bin", "moves"),
        ("data.bin", "rm /tmp/data.bin", "deletes"),
]


@pytest.fixture(scope="module")
def consumed_results(tmp_path_factory) -> dict[int, list[dict]]:
    root = tmp_path_factory.mktemp("sl301")
    contexts = []
    for case, (name, run, _) in enumerate(CONSUMED):
        sparse(root / f"case{case}" / name, 11 * MiB)
        (root / f"case{case}" / "Dockerfile").write_text(f"FROM debian:12-slim\nCOPY {name} /tmp/\nRUN {run}\n")
        contexts.append(f'"case{case}/*" = "case{case}"')
    (root / ".slimlint.toml").write_text("[contexts]\n" + "\n".join(contexts) + "\n")
    document = lint_json(*(f"case{case}/Dockerfile" for case in range(len(CONSUMED))), "--select", "SL301", cwd=root)
    return {int(entry["path"].split("/")[0][4:]): entry["findings"] for entry in document["files"]}


@pytest.mark.parametrize("case", range(len(CONSUMED)), ids=[verb + ":" + name for name, _, verb in CONSUMED])
def test_sl301_copy_consumed_by_a_later_run(consumed_results, case):
    """"a COPY/ADD of a large file ... that a later RUN extracts, installs, runs, moves or deletes"."""
    name, run, verb = CONSUMED[case]
    findings = consumed_results[case]
    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding["line"] == 2 and finding["severity"] == "warning" and finding["wasted_bytes"] == 11 * MiB
    message = finding["message"]
    assert "11.0 MiB" in message and verb in message
    # The fix: a bind mount (BuildKit), or fetch it inside the consuming RUN and delete it there; a file that is only
    # moved is copied straight to its final place.
    help_text = finding["fix"]["description"]
    if verb == "moves":
        assert help_text.startswith("Copy it straight to its final place (") and finding["fix"]["edits"]
    else:
        assert f"--mount=type=bind,source={name}" in help_text and "inside the RUN that consumes it" in help_text


def test_sl301_threshold_default_and_configurable(tmp_path):
    """Default 10 MiB, configurable."""
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY blob.tar /tmp/\nRUN tar -xf /tmp/blob.tar -C /opt\n")
    sparse(tmp_path / "blob.tar", 10 * MiB - 1)
    assert "SL301" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    sparse(tmp_path / "blob.tar", 10 * MiB)
    assert "SL301" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    sparse(tmp_path / "blob.tar", 3 * MiB)
    (tmp_path / ".slimlint.toml").write_text('[rules.SL301]\nthreshold = "2MiB"\n')
    assert "SL301" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").write_text("[rules.SL301]\nthreshold = 4000000\n")
    assert "SL301" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").write_text("[rules.SL301]\nthreshold = -1\n")
    assert "SL301" in usage_error(slimlint("Dockerfile", "--context", ".", cwd=tmp_path))


# --- SL302 context-junk ----------------------------------------------------------------------------------------

def test_sl302_reports_junk_with_sizes_and_dockerignore_lines(tmp_path):
    junk = [".git/objects/pack/p.pack", ".venv/lib/site.so", "__pycache__/m.pyc", ".pytest_cache/v/x",
            "app.log", ".env", ".idea/workspace.xml"]
    for index, name in enumerate(junk):
        sparse(tmp_path / name, (index + 1) * 400 * 1024)
    (tmp_path / "main.py").write_text("print(1)\n")
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\n")
    findings = [f for f in lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["findings"] if f["rule_id"] == "SL302"]
    assert len(findings) == 1
    finding = findings[0]
    total = sum((index + 1) * 400 * 1024 for index in range(len(junk)))
    assert finding["wasted_bytes"] == total and finding["severity"] == "warning"
    message = finding["message"]
    assert message.startswith("COPY brings 10.9 MiB the image does not need: .idea/ 2.7 MiB, .env 2.3 MiB, **/*.log 2.0 MiB")
    assert finding["fix"]["description"].startswith("Add to .dockerignore:")
    for line in (".git", ".venv", "__pycache__", ".pytest_cache", ".env", ".idea"):
        assert line in finding["properties"]["dockerignore_lines"]


def test_sl302_threshold_and_dockerignore(tmp_path):
    """"Default threshold 1 MiB, configurable"; what .dockerignore already excludes is not junk."""
    (tmp_path / "Dockerfile").write_text("FROM alpine\nCOPY . /app\n")
    sparse(tmp_path / ".git" / "pack", MiB - 4096)
    assert "SL302" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").write_text('[rules.SL302]\nmin_bytes = "512KiB"\n')
    assert "SL302" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".slimlint.toml").unlink()
    sparse(tmp_path / ".git" / "pack", 5 * MiB)
    assert "SL302" in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))
    (tmp_path / ".dockerignore").write_text(".git\n")
    assert "SL302" not in rule_ids(lint_json("Dockerfile", "--context", ".", cwd=tmp_path))


# --- SL102/SL103 gain byte figures -----------------------------------------------------------------------------

def test_sl102_and_sl103_carry_the_context_bytes(tmp_path):
    sparse(tmp_path / "assets" / "video.mp4", 7 * MiB)
    sparse(tmp_path / "assets" / "poster.png", 3 * MiB)
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY assets/ /srv/assets/\nRUN chmod -R o-w /srv/assets\n")
    findings = {f["rule_id"]: f for f in lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["findings"]}
    assert findings["SL103"]["wasted_bytes"] == 10 * MiB and "10.0 MiB" in findings["SL103"]["message"]
    (tmp_path / "Dockerfile").write_text("FROM alpine:3.20\nCOPY assets/ /srv/assets/\nRUN rm /srv/assets/poster.png\n")
    findings = {f["rule_id"]: f for f in lint_json("Dockerfile", "--context", ".", cwd=tmp_path)["findings"]}
    assert findings["SL102"]["wasted_bytes"] == 3 * MiB and "3.0 MiB" in findings["SL102"]["message"]


# --- SL501 waste-budget ----------------------------------------------------------------------------------------

@pytest.fixture
def wasteful(tmp_path):
    """20,500,000 bytes of predicted waste: above 20MB (20,000,000), below 20MiB (20,971,520)."""
    sparse(tmp_path / "big.tar.gz", 19_500_000)
    sparse(tmp_path / "small.tar.gz", 1_000_000)
    (tmp_path / "Dockerfile").write_text(
        "FROM alpine:3.20\nCOPY big.tar.gz small.tar.gz /tmp/\nCOPY . /app\n"
        "RUN tar -xzf /tmp/big.tar.gz -C /opt && rm /tmp/big.tar.gz /tmp/small.tar.gz\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    "budget,fails",
    [("20MB", "20 MB"), ("20MiB", None), ("20mb", "20 MB"), ("20499999", "20,499,999 bytes"), ("20500000", None),
     ("0.02GB", "20 MB"), ("19.5MiB", "19.5 MiB")],
)
def test_sl501_max_wasted_bytes_units(wasteful, budget, fails):
    """"`--max-wasted-bytes SIZE` (accepts `20MB`, `20MiB`, plain bytes)"; the waste must exceed the budget."""
    document = lint_json("Dockerfile", "--context", ".", "--max-wasted-bytes", budget, "--select", "SL501", cwd=wasteful)
    assert document["files"][0]["report"]["wasted_bytes"] == 20_500_000
    findings = document["findings"]
    assert bool(findings) is (fails is not None)
    if fails:
        (finding,) = findings
        assert finding["severity"] == "error" and finding["wasted_bytes"] == 20_500_000
        # "pointing at the biggest contributor": the RUN that deletes the archives.
        assert "line 4" in finding["message"] and "/tmp/big.tar.gz" in finding["message"]
        # The budget reads in the unit it was given (not 20MB shown as "19.1 MiB").
        assert f"exceeds the budget of {fails}" in finding["message"]


def test_sl501_min_efficiency_and_config(wasteful):
    report = lint_json("Dockerfile", "--context", ".", cwd=wasteful)["files"][0]["report"]
    efficiency = report["known_bytes_efficiency"]  # the budget judges the part that can be sized
    assert efficiency == pytest.approx((report["image_bytes"] - report["wasted_bytes"]) / report["image_bytes"], abs=1e-3)
    above, below = f"{efficiency + 0.01:.4f}", f"{efficiency - 0.01:.4f}"
    fails = lambda *args: "SL501" in rule_ids(lint_json("Dockerfile", "--context", ".", *args, cwd=wasteful))  # noqa: E731
    assert fails("--min-efficiency", above) and not fails("--min-efficiency", below)
    (wasteful / ".slimlint.toml").write_text('max-wasted-bytes = "20MB"\n')
    assert fails()
    (wasteful / ".slimlint.toml").write_text(f"min-efficiency = {below}\nmax-wasted-bytes = \"1GB\"\n")
    assert not fails()
    assert fails("--max-wasted-bytes", "1MiB")  # the command line wins
    proc = slimlint("Dockerfile", "--context", ".", "--max-wasted-bytes", "1MiB", "--fail-level", "error",
                    "--select", "SL501", cwd=wasteful)
    assert proc.returncode == 1


def test_sl501_budget_without_a_context_is_not_a_silent_pass(wasteful):
    line = usage_error(slimlint("Dockerfile", "--max-wasted-bytes", "1MB", cwd=wasteful))
    assert "--max-wasted-bytes" in line and "--context" in line


# --- Output: the build report ----------------------------------------------------------------------------------

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
