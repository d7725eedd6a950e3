import os
from pathlib import Path

import pytest

from dockerlint_slim.engine.registry import rules_package
from tests.paths import corpus_files

# pytest runs from the repository root, where dockerlint_slim/ shadows the installed package and has no rules/
# inside it: load the rules package once so that `import dockerlint_slim.rules.slNNN_...` works in every test.
rules_package()


@pytest.fixture
def corpus() -> list[Path]:
    """The vendored real-Dockerfile corpus (tests/corpus)."""
    return corpus_files()


def pytest_collection_modifyitems(config, items):
    """`slow` tests (full-size hostile inputs) run in CI, or when asked for (`-m slow`); a developer's default run
    stays fast."""
    if os.environ.get("CI") or "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: runs in CI (CI=true) or with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


# CI runs the property tests with a fixed seed so that a red build always means a change broke something;
# developers get fresh random examples on every run.
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _no_dive_ci_gate_from_the_environment(monkeypatch):
    """`slimlint image` turns dive's CI gate on under CI=true, as dive does (and CI runs these tests with CI=true);
    tests say --ci where they mean it."""
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture(autouse=True)
def _no_user_config(monkeypatch, tmp_path_factory):
    """The developer's own ~/.config/slimlint/config.toml must not change what a test sees; a test that means a
    user-level config writes one under $XDG_CONFIG_HOME."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.getbasetemp() / "user-config"))
