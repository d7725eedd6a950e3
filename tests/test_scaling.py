"""Linting stays linear: the work done on an input of size 4n is compared with the work on size n.

Work is counted, not timed: the number of Python and C function calls while linting (a profile hook), which is
deterministic on an idle or a busy machine. Linear code does about 4 times the work on 4 times the input; a rescan
of the stage per instruction (quadratic) about 16 times. The bound, 6, leaves room for constant start-up costs and
hash-order noise while catching any quadratic part that matters at these sizes.
"""

from __future__ import annotations

import sys

import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules

RATIO = 6.0

# Rules that read the static replay (`Session.replay`): its origin tracking is measured on its own below.
REPLAY_RULES = ("SL102", "SL103", "SL301", "SL302", "SL303", "SL501")

MIXED = [
    "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "ENV PATH=/opt/bin:$PATH",
    "COPY . /app/",
    "WORKDIR /app/sub",
    "RUN cd /tmp && pip install requests && rm -rf ~/.cache/pip",
    "USER app",
    "ARG X{i}=1",
    "RUN npm install && npm cache clean --force",
    "LABEL a=b",
    "RUN rm -rf /tmp/x /app/sub/y",
    "RUN apk add curl",
    "RUN pip config set global.no-cache-dir true",
    "RUN yarn install && yarn cache clean",
]


def run_only(n: int) -> bytes:
    return ("FROM debian:12\n" + "RUN echo hi\n" * n).encode()


def mixed(n: int) -> bytes:
    lines = ["FROM debian:12 AS build", "ARG VERSION=1.0", "ENV HOME=/root"]
    lines += [MIXED[i % len(MIXED)].format(i=i) for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def stages(n: int) -> bytes:
    return "".join(f"FROM debian:12 AS s{i}\nRUN apt-get update && apt-get install -y gcc\n" for i in range(n)).encode()


def stage_chain(n: int) -> bytes:
    """Each stage built FROM the previous one: every query about a stage's lineage walks a longer chain."""
    body = "".join(f"FROM s{i - 1} AS s{i}\nENV V{i}=1\nRUN pip install x$V{i}\n"
                   f"RUN apt-get update && apt-get install -y p{i}\n" for i in range(1, n))
    return ("FROM debian:12 AS s0\n" + body).encode()


def long_run(n: int) -> bytes:
    """One RUN of n commands, with `cd`s and removals along it."""
    parts = []
    for i in range(n):
        parts.append(("apt-get install -y p{i}", "cd d{i}", "rm -rf x{i}", "pip install q{i}")[i % 4].format(i=i))
    return ("FROM debian:12\nRUN " + " && ".join(parts) + "\n").encode()


def work(data: bytes, ignore: tuple[str, ...] = ()) -> int:
    """Function calls made while linting `data` (parsing included)."""
    linter = Linter(load_rules(), LintOptions(ignore=ignore))
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    sys.setprofile(count)
    try:
        linter.lint(data, "Dockerfile")
    finally:
        sys.setprofile(None)
    return calls


def ratio(make, n: int, ignore: tuple[str, ...] = ()) -> float:
    work(make(8), ignore)  # imports and caches of the first use are not part of the comparison
    return work(make(4 * n), ignore) / work(make(n), ignore)


@pytest.mark.parametrize("make,n", [
    (run_only, 400),
    (mixed, 300),
    (stages, 200),
    (stage_chain, 150),
    (long_run, 400),
], ids=["run-only", "mixed", "stages", "stage-chain", "long-run"])
def test_rules_and_model_are_linear(make, n):
    assert ratio(make, n, ignore=REPLAY_RULES) < RATIO


@pytest.mark.slow
@pytest.mark.parametrize("make,n", [
    (run_only, 1000),
    (mixed, 1000),
    (stages, 500),
    (stage_chain, 500),
    (long_run, 1000),
], ids=["run-only", "mixed", "stages", "stage-chain", "long-run"])
def test_with_the_replay_linting_is_linear(make, n):
    assert ratio(make, n) < RATIO
