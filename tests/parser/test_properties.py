"""Property tests: the parser never crashes, and agrees with BuildKit's parser on Dockerfile-like text."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import load_rules
from dockerlint_slim.parser import parse_dockerfile
from tests.parser.buildkit_view import buildkit_view, oracle_view

TOKENS = [
    "FROM", "RUN", "COPY", "ADD", "ENV", "ARG", "ONBUILD", "SHELL", "WORKDIR", "CMD", "LABEL", "HEALTHCHECK",
    "from", "run", " ", "  ", "\t", "\n", "\r\n", "\\", "\\\n", "`", "#", "# escape=`\n", "<<", "<<-", "EOF", "'EOF'",
    '"', "'", "=", "--mount=type=cache,target=/x", "--from=a", "--chown=1", "--", "-", "[", "]", '["a", "b"]',
    "$x", "${a:-b}", "${", "}", "&&", "||", ";", "|", "$(", ")", "apt-get", "install", "-y", "rm", "-rf", "/x",
    "alpine", "AS", "x", "y", "1", "\ufeff", "é", "\x00",
]

dockerfile_text = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile_text)
def test_parser_never_crashes_on_dockerfile_like_text(text):
    model = parse_dockerfile(text, "Dockerfile")
    for instruction in model.instructions:
        assert 1 <= instruction.span.line <= instruction.span.end_line


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_lint_never_crashes_on_arbitrary_bytes(data):
    result = Linter(load_rules(), LintOptions()).lint(data, "Dockerfile")
    for diagnostic in result.diagnostics:
        assert diagnostic.span.line >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dockerfile_text)
def test_parser_agrees_with_buildkit(text):
    dockerfile = pytest.importorskip("dockerfile")
    if "\x00" in text or "\ufeff" in text[1:]:
        return  # the oracle works on C strings / only strips a leading BOM; not Dockerfile text
    try:
        dockerfile.parse_string(text)
    except Exception:
        return  # BuildKit rejects the file; we report SL000 instead (tested elsewhere)
    assert buildkit_view(text) == oracle_view(text)
