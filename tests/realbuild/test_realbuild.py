"""slimlint's byte figures against images really built here (benchmarks/realbuild; see docs/accuracy.md).

The goals are the product's (predicted waste within 25 % of the measured waste where the model can see the files,
"unknown" and never a wrong number where it cannot; predicted efficiency within 10 points; a fixed twin smaller
than its bad twin by at least what the findings claimed; `slimlint image` exact on real images). Where the
product does not meet them yet, the test is a strict xfail whose reason gives the measured numbers: when the
product is fixed, the xfail turns into a failure that says to remove it.
"""

from __future__ import annotations

import pytest

from realbuild import measure  # benchmarks/realbuild, put on the path by conftest.py
from realbuild.cases import load_cases

pytestmark = pytest.mark.realbuild

MB = 1e6
ALL = {case.name: case for case in load_cases()}
CI_CASES = sorted(name for name, case in ALL.items() if case.ci)

# Where today's product misses a goal: case -> the measured numbers (from `benchmarks/realbuild/run.py`).
WASTE_XFAIL: dict[str, str] = {}
EFFICIENCY_XFAIL: dict[str, str] = {}
TWIN_XFAIL: dict[str, str] = {}
IMAGE_XFAIL: dict[str, str] = {}


def _params(names, xfails: dict[str, str]):
    return [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=xfails[name])) if name in xfails
            else name for name in names]


BUILT = sorted(set(CI_CASES) | {ALL[name].twin for name in CI_CASES if ALL[name].twin})
BAD = [name for name in CI_CASES if ALL[name].role == "bad"]


@pytest.mark.parametrize("name", BUILT)
def test_case_builds_with_one_layer_per_instruction(realbuild, name):
    build = realbuild.build(name)
    assert build.ok, f"{name}: {build.error} (log: {build.dir / 'build.log'})"
    image = realbuild.image(name)
    base_image = realbuild.base(name)
    base = measure.base_layer_count(image, base_image.diff_ids)
    assert base == len(base_image.diff_ids), f"the image does not start with the layers of {base_image.ref}"
    lines = measure.layer_lines(build.context / "Dockerfile")
    assert measure.layer_of_line(image, base, lines) is not None, \
        f"{len(image.layers) - base} layers for {len(lines)} RUN/COPY/ADD instructions"


@pytest.mark.parametrize("name", _params(CI_CASES, WASTE_XFAIL))
def test_predicted_waste(realbuild, name):
    """known/estimated: predicted within 25 % of measured (or 1 MiB); unknown: the report says so and its known
    part does not exceed the measurement; none: nothing predicted, nothing measured."""
    record = realbuild.record(name)
    measured = record["measured"]["waste"]
    predicted = record["predicted"]
    figures = (f"measured {measured['total'] / MB:.1f} MB (dead {measured['dead'] / MB:.1f}, kept caches "
               f"{measured['kept_caches'] / MB:.1f}, junk {measured['kept_junk'] / MB:.1f}); predicted "
               f"{predicted['total'] / MB:.1f} MB (known {predicted['known'] / MB:.1f}, estimated "
               f"{predicted['estimated'] / MB:.1f}), unknown: {predicted['unknown_findings']}")
    if ALL[name].waste == "unknown":
        assert predicted["report_says_unknown"], f"the build report does not say the waste is unknown; {figures}"
        assert predicted["total"] <= measured["total"] * (1 + measure.TOLERANCE) + 2**20, figures
    else:
        assert measure.within(predicted["total"], measured["total"]), figures


@pytest.mark.parametrize("name", _params(CI_CASES, EFFICIENCY_XFAIL))
def test_predicted_efficiency_where_shown(realbuild, name):
    record = realbuild.record(name)
    predicted = record["predicted"]["efficiency"]
    measured = record["measured"]["layers_efficiency"]  # the base image's bytes are not predicted
    if predicted is None:
        return  # not shown: nothing to compare
    assert abs(predicted - measured) <= measure.EFFICIENCY_TOLERANCE, \
        f"predicted efficiency {predicted:.1%}, measured {measured:.1%}"


@pytest.mark.parametrize("name", _params(BAD, TWIN_XFAIL))
def test_fixed_twin_is_smaller_by_what_the_findings_claim(realbuild, name):
    case = ALL[name]
    bad, fixed = realbuild.image(name), realbuild.image(case.twin)
    difference = bad.image_bytes - fixed.image_bytes
    claimed = realbuild.record(name)["predicted"]["total"]
    assert difference >= (1 - measure.TOLERANCE) * claimed, \
        f"{case.twin} is {difference / MB:.1f} MB smaller; the findings claimed {claimed / MB:.1f} MB"
    if case.waste != "none":
        assert difference > 0, f"{case.twin} is not smaller ({difference / MB:+.1f} MB)"


@pytest.mark.parametrize("name", _params(BUILT, IMAGE_XFAIL))
def test_slimlint_image_is_exact_on_real_images(realbuild, name):
    image = realbuild.image(name)
    figures = realbuild.record(name)["slimlint_image"]
    assert figures["image_bytes"] == image.image_bytes
    assert figures["wasted_bytes"] == image.image_bytes - image.final_bytes
    assert figures["efficiency"] == pytest.approx(image.efficiency, abs=1e-9)
