"""The replay and the layer rules grow linearly with the Dockerfile: n and 4n lines of the same shape must cost
about 4 times the work, never 16. Work is counted as Python lines executed in the replay, the engine and the
rules (sys.settrace), so the test measures the algorithm, not the machine's load."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import dockerlint_slim
from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules

RULES = load_rules(plugins=False)
LAYER_RULES = ("SL101", "SL102", "SL103", "SL301", "SL302", "SL303", "SL304", "SL501")
PACKAGE = Path(dockerlint_slim.__file__).resolve().parent
TRACED = tuple(str(PACKAGE / folder) for folder in ("replay", "engine", "rules", "diagnostics.py"))
RULES_FOLDER = str(Path(RULES[0].check.__code__.co_filename).resolve().parent)
N = 150
GROWTH_LIMIT = 6.0  # linear: ~4 (plus sorting); quadratic: ~16


def work(text: str, context: Path | None = None) -> int:
    """Lines executed in the traced modules while linting `text` with the layer rules."""
    linter = Linter(RULES, LintOptions(select=LAYER_RULES, context_dir=context))
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def global_trace(frame, event, arg):
        filename = frame.f_code.co_filename
        if filename.startswith(TRACED) or filename.startswith(RULES_FOLDER):
            return local
        return None

    sys.settrace(global_trace)
    try:
        linter.lint(text, "Dockerfile")
    finally:
        sys.settrace(None)
    return count


def runs(n: int) -> str:
    lines = []
    for i in range(n):
        lines += [f"RUN echo {i} > /tmp/f{i}", f"RUN rm -f /tmp/f{max(0, i - 1)}", f"RUN chmod +x /tmp/f{i} /usr/local/bin/x"]
    return "FROM debian:12\n" + "\n".join(lines) + "\n"


MIXED = [
    "RUN apt-get update && apt-get install -y pkg{i}", "COPY f{i} /app/f{i}", "RUN rm -rf /tmp/x{i} && chmod +x /app/f{i}",
    "ENV A{i}=b", "WORKDIR /w{i}", "RUN curl -o /tmp/d{i} https://x/{i} && tar -xf /tmp/d{i}",
    "ADD https://e.com/a{i}.tgz /tmp/", "RUN mv /app/f{i} /opt/", "ARG B{i}=1", "RUN chown -R u /app",
    "RUN tar -xzf /tmp/a{i}.tgz -C /opt && rm -rf /tmp/*",
]


def mixed(n: int) -> str:
    return "FROM debian:12\n" + "\n".join(MIXED[i % len(MIXED)].format(i=i) for i in range(n * 3)) + "\n"


def one_long_run(n: int) -> str:
    commands = [f"apt-get install -y p{i} && touch /opt/f{i} && rm -f /opt/f{i - 1}" for i in range(n)]
    return "FROM debian:12\nCOPY . /opt\nRUN apt-get update && " + " && ".join(commands) + "\n"


def copies_and_rewrites(n: int) -> str:
    lines = []
    for i in range(n * 3):
        kind = i % 10
        if kind < 6:
            lines.append(f"COPY f{i % 20} /app/d{i}/f")
        elif kind == 6:
            lines.append("RUN chown -R u /app")
        elif kind == 7:
            lines.append(f"RUN rm -rf /app/d{i - 3}")
        elif kind == 8:
            lines.append(f"RUN mv /app/d{i - 4}/f /opt/x{i}")
        else:
            lines.append(f"RUN chmod +x /app/d{i - 5}/f")
    return "FROM debian:12\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize("shape", [runs, mixed, one_long_run, copies_and_rewrites])
def test_replay_work_grows_linearly(shape, tmp_path):
    context = tmp_path / "context"
    context.mkdir()
    for i in range(20):
        (context / f"f{i}").write_text("x" * 1000)
    for with_context in (None, context):
        small, large = work(shape(N), with_context), work(shape(4 * N), with_context)
        assert large / small < GROWTH_LIMIT, (shape.__name__, with_context is not None, small, large)


def test_the_counter_sees_quadratic_work():
    """The measure itself: a deliberately quadratic loop in a traced module reads as ~16x for 4x the input."""
    source = textwrap.dedent("""
        def quadratic(items):
            total = 0
            for a in items:
                for b in items:
                    total += 1
            return total
    """)
    namespace: dict = {}
    exec(compile(source, str(PACKAGE / "replay" / "quadratic_probe.py"), "exec"), namespace)
    count = 0

    def local(frame, event, arg):
        nonlocal count
        count += event == "line"
        return local

    def measure(n):
        nonlocal count
        count = 0
        sys.settrace(lambda frame, event, arg: local if frame.f_code.co_filename.startswith(TRACED) else None)
        try:
            namespace["quadratic"](list(range(n)))
        finally:
            sys.settrace(None)
        return count

    assert measure(4 * 40) / measure(40) > 12
