"""The context rules (SL301, SL302, SL304, SL501) together through the engine, on real contexts with sparse
files: they need a context, document themselves alike and share one replay. Each rule's own cases are in
tests/rules/test_slNNN_*.py."""

from __future__ import annotations

import textwrap

import pytest

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules

from .helpers import MiB, context_findings, make_context

_RULES = load_rules(plugins=False)


def test_context_rules_need_a_context(tmp_path) -> None:
    assert context_findings("FROM alpine\nCOPY nope /x\n", None, ("SL3", "SL5")) == []


@pytest.mark.parametrize("rule", ["SL301", "SL302", "SL304", "SL501"])
def test_rule_docs_have_the_four_sections(rule) -> None:
    docs = next(r.docs for r in _RULES if r.id == rule)
    for section in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert section in docs


# One replay per linted file ---------------------------------------------------------------------------------------

def test_every_rule_and_the_report_share_one_replay(tmp_path, monkeypatch) -> None:
    from dockerlint_slim import replay as layers

    calls = {"events": 0, "layers": 0}
    real_events, real_layers = layers.image_file_events, layers.build_layer_model

    def count(key, real):
        def counted(*args, **kwargs):
            calls[key] += 1
            return real(*args, **kwargs)
        return counted

    monkeypatch.setattr(layers, "image_file_events", count("events", real_events))
    monkeypatch.setattr(layers, "build_layer_model", count("layers", real_layers))
    ctx = make_context(tmp_path, {"big.tar.gz": 20 * MiB, "app.conf": 10, "notes.txt": 10})
    linter = Linter(_RULES, LintOptions(context_dir=ctx))
    result = linter.lint(textwrap.dedent("""
        FROM debian:bookworm-slim
        COPY big.tar.gz app.conf notes.txt /tmp/
        RUN tar -xzf /tmp/big.tar.gz -C /opt && rm /tmp/big.tar.gz /tmp/notes.txt && chmod 600 /tmp/app.conf
    """).lstrip("\n"), "Dockerfile")
    assert {"SL102", "SL103", "SL301"} <= {d.rule_id for d in result.diagnostics}
    assert result.report is not None and result.report["wasted_bytes"] >= 20 * MiB
    assert calls == {"events": 1, "layers": 1}
