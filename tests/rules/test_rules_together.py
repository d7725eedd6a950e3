"""What the layer and base-image rules (SL102, SL103, SL303, SL401, SL403, SL404) share, end to end: the stages
they check (the target and the stages it is built FROM, transitively), the exec form without a shell, and their
names, severities and docs pages. Each rule's own cases are in its test module (test_slNNN_*.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dockerlint_slim.cli import cli as main
from tests.rules.conftest import finding_lines


# -- "Where they apply": the target stage and the stages it is built FROM, transitively -----------------------


def test_rules_follow_from_chains_transitively():
    text = """
        FROM debian:bookworm AS base
        RUN apt-get update && apt-get install -y curl
        COPY app /app
        ADD https://example.com/tool.tar.gz /tmp/
        FROM base AS middle
        RUN echo middle
        FROM middle AS final
        RUN rm -rf /var/lib/apt/lists/*
        RUN chown -R 1000 /app
        RUN tar -xzf /tmp/tool.tar.gz -C /opt
    """
    assert finding_lines(text, "SL102") == [8]
    assert finding_lines(text, "SL103") == [9]
    assert finding_lines(text, "SL303") == [4]


def test_build_only_stage_copied_from_is_not_checked_but_target_is():
    text = """
        FROM debian:bookworm AS build
        RUN apt-get update && apt-get install -y gcc
        COPY src /src
        ADD https://example.com/tool.tar.gz /tmp/
        RUN rm -rf /var/lib/apt/lists/* && chown -R 1000 /src && tar -xzf /tmp/tool.tar.gz -C /opt
        FROM debian:bookworm-slim
        COPY --from=build /opt /opt
        CMD ["/opt/tool"]
    """
    for rule in ("SL102", "SL103", "SL303"):
        assert finding_lines(text, rule) == [], rule
        assert finding_lines(text, rule, target="build") != [], rule


def test_exec_form_without_a_shell():
    assert len(finding_lines('FROM alpine:3.20\nCOPY big.tar /big.tar\nRUN ["rm", "-f", "/big.tar"]\n', "SL102")) == 1
    assert len(finding_lines('FROM alpine:3.20\nCOPY app /app\nRUN ["chown", "-R", "1000", "/app"]\n', "SL103")) == 1


# -- docs, names and severities of the rules -----------------------------------------------------------------

RULES = {
    "SL102": ("cleanup-in-later-layer", "warning"),
    "SL103": ("modified-in-later-layer", "warning"),
    "SL303": ("remote-add-consumed", "warning"),
    "SL401": ("compiler-base-final-image", "warning"),
    "SL403": ("heavy-base-image", "info"),
    "SL404": ("copy-entire-stage", "warning"),
}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_names_severities_and_docs(rule_id):
    from dockerlint_slim.engine.registry import load_rules

    rule = {r.id: r for r in load_rules(plugins=False)}[rule_id]
    name, severity = RULES[rule_id]
    assert (rule.name, rule.severity) == (name, severity)
    result = CliRunner().invoke(main, ["rules", rule_id])
    assert result.exit_code == 0
    for part in ("Why is this bad?", "Example", "Use instead", "```dockerfile"):
        assert part in result.output, (rule_id, part)
    by_name = CliRunner().invoke(main, ["rules", name])
    assert by_name.exit_code == 0 and rule_id in by_name.output


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_select_by_name_on_the_command_line(rule_id, tmp_path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM alpine:3.20\nCOPY app /app\n")
    result = CliRunner().invoke(main, ["check", str(dockerfile), "--select", RULES[rule_id][0], "--format", "json"])
    assert result.exit_code in (0, 1), result.output
