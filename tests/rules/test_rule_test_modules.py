"""Each rule module has one test module of its own, named after it: the tests of rules/slNNN_name.py are in
tests/rules/test_slNNN_name.py, and every tests/rules/test_slNNN_*.py is named after a rule module (a renamed or
deleted rule leaves no test module behind, and a rule's tests are not split over a second module)."""

from __future__ import annotations

import re

import pytest

from tests.paths import ROOT, TESTS

RULE_MODULES = sorted(path.stem for path in (ROOT / "rules").glob("*.py") if not path.name.startswith("_"))
RULE_TESTS = TESTS / "rules"


def test_the_rule_modules_are_found():
    assert len(RULE_MODULES) >= 20 and "sl000_parse_error" in RULE_MODULES


@pytest.mark.parametrize("module", RULE_MODULES)
def test_rule_module_has_a_test_module_named_after_it(module):
    assert (RULE_TESTS / f"test_{module}.py").is_file(), f"rules/{module}.py has no tests/rules/test_{module}.py"


def test_every_rule_test_module_is_named_after_a_rule_module():
    named = sorted(path.name for path in RULE_TESTS.glob("test_*.py") if re.fullmatch(r"test_sl\d{3}_\w+\.py", path.name))
    orphans = [name for name in named if name[len("test_"):-len(".py")] not in RULE_MODULES]
    assert named
    assert orphans == [], f"not named after a module of rules/: {orphans}"
