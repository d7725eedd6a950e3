"""The measured cache sizes (`knowledge.cache_sizes`): one place for the figures, quoted as they are by the docs."""

from __future__ import annotations

import importlib

import pytest

from dockerlint_slim.knowledge import cache_sizes
from dockerlint_slim.knowledge.cache_sizes import ALL, Measured


def test_every_figure_says_what_and_how():
    assert ALL, "no measured figure"
    for name, figure in ALL.items():
        assert isinstance(figure, Measured) and figure.bytes > 0, name
        assert figure.what and figure.how, name
        assert figure.label.startswith(str(figure)) and figure.what in figure.label


@pytest.mark.parametrize(
    ("rule", "figures"),
    [
        ("sl201_apt_lists_not_removed", ("APT_LISTS_DEBIAN_12", "APT_LISTS_UBUNTU_24_04",
                                         "APT_LISTS_DEBIAN_12_UNCOMPRESSED")),
        ("sl205_pip_cache", ("PIP_DOWNLOADS_WEB", "PIP_DOWNLOADS_DJANGO", "PIP_DOWNLOADS_DATA")),
        ("sl206_node_package_cache", ("NPM_CACHE_WEB", "YARN_CACHE_WEB")),
        ("sl207_other_package_caches", ("GO_BUILD_CACHE_HTTP", "GO_BUILD_CACHE_SERVICE",
                                        "GO_BUILD_CACHE_HTTP_PRECOMPILED_STD",
                                        "GO_BUILD_CACHE_HTTP_PRECOMPILED_STD_REALBUILD")),
    ],
)
def test_rule_docs_quote_the_measured_figures(rule, figures):
    """A rule page that quotes a figure quotes the measured one (a re-measurement updates both or fails here)."""
    docs = importlib.import_module(f"dockerlint_slim.rules.{rule}").__doc__
    for name in figures:
        assert str(getattr(cache_sizes, name)) in docs, (rule, name)
