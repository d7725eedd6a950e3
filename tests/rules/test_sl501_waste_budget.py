"""SL501 waste-budget: the known waste over `--max-wasted-bytes`, or the efficiency below `--min-efficiency`, through
the engine and through the command line (units, configuration, a budget without a context)."""

from __future__ import annotations

import pytest

from dockerlint_slim.formatters import render
from tests.clirun import lint_json, rule_ids, slimlint, usage_error
from tests.context.helpers import MiB, context_findings, ids_lines, lint_with_context, make_context, wasteful_context
from tests.rules.conftest import _RULES as RULES


# -- Findings through the engine, on real contexts with sparse files ---------------------------------------------

BUDGET_FILE = """
    FROM debian:bookworm-slim
    COPY build/ /opt/app/
    RUN chown -R app:app /opt/app
    COPY big.bin /tmp/
    RUN rm /tmp/big.bin
"""


def test_budget_exceeded_points_at_biggest_contributor(tmp_path) -> None:
    ctx = make_context(tmp_path, {"build/app": 180 * MiB, "big.bin": 20 * MiB})
    found = context_findings(BUDGET_FILE, ctx, ("SL501",), max_wasted_bytes=50 * 1000 * 1000)
    assert ids_lines(found) == [("SL501", 3)]
    d = found[0]
    assert d.severity == "error" and d.wasted_bytes == 200 * MiB
    assert "known waste 200.0 MiB exceeds the budget of 50 MB" in d.message
    assert "line 3 wastes the most" in d.message and "/opt/app 180.0 MiB modified (stored by line 2)" in d.fix.description
    found = context_findings(BUDGET_FILE, ctx, ("SL501",), min_efficiency="0.9")
    assert ids_lines(found) == [("SL501", 3)] and "efficiency 47.4% is below 90.0%" in found[0].message


def test_silent_without_budget_or_within_it(tmp_path) -> None:
    ctx = make_context(tmp_path, {"build/app": 180 * MiB, "big.bin": 20 * MiB})
    assert context_findings(BUDGET_FILE, ctx, ("SL501",)) == []
    assert context_findings(BUDGET_FILE, ctx, ("SL501",), max_wasted_bytes="1GiB", min_efficiency=0.4) == []


def test_official_image_with_a_few_kib_of_scripts_has_no_efficiency_and_passes_min_efficiency(tmp_path):
    root = make_context(tmp_path, {"docker-entrypoint.sh": 12_000, "healthcheck.sh": 800})
    text = ("FROM postgres:16\nCOPY docker-entrypoint.sh healthcheck.sh /usr/local/bin/\n"
            "RUN chmod +x /usr/local/bin/docker-entrypoint.sh /usr/local/bin/healthcheck.sh\n"
            "ENTRYPOINT [\"docker-entrypoint.sh\"]\n")
    result = lint_with_context(text, root, min_efficiency=0.99)
    assert result.report["efficiency"] is None and result.report["known_wasted_bytes"] == 12_800
    assert "SL501" not in {x.rule_id for x in result.diagnostics}
    assert "predicted efficiency: unknown (1 of 2 layers add bytes that cannot be sized before the build)" in render(
        "text", [result], RULES)
    # The same image with meaningful known bytes is judged.
    root = make_context(tmp_path / "big", {"docker-entrypoint.sh": 2 * MiB, "healthcheck.sh": 800})
    result = lint_with_context(text, root, min_efficiency=0.99)
    assert result.report["known_bytes_efficiency"] == 0.5
    assert "SL501" in {x.rule_id for x in result.diagnostics}
    # The image's efficiency is not shown: the RUN's own bytes are not known (real builds put such figures 40-90
    # points off), only the known part's
    assert result.report["efficiency"] is None
    assert "predicted efficiency: unknown (1 of 2 layers add bytes that cannot be sized before the build; 50.0% over " \
           "the 4.0 MiB that can be)" in render("text", [result], RULES)


# -- Findings through the command line --------------------------------------------------------------------------

@pytest.fixture
def wasteful(tmp_path):
    return wasteful_context(tmp_path)


@pytest.mark.parametrize(
    "budget,fails",
    [("20MB", "20 MB"), ("20MiB", None), ("20mb", "20 MB"), ("20499999", "20,499,999 bytes"), ("20500000", None),
     ("0.02GB", "20 MB"), ("19.5MiB", "19.5 MiB")],
)
def test_max_wasted_bytes_units(wasteful, budget, fails):
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


def test_min_efficiency_and_config(wasteful):
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


def test_budget_without_a_context_is_not_a_silent_pass(wasteful):
    line = usage_error(slimlint("Dockerfile", "--max-wasted-bytes", "1MB", cwd=wasteful))
    assert "--max-wasted-bytes" in line and "--context" in line
