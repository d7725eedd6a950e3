"""knowledge/hadolint: the one DL<->SL table, and the places that show it agree with it."""

from __future__ import annotations

import importlib.util
import re

from dockerlint_slim.engine.registry import load_rules
from dockerlint_slim.knowledge.hadolint import COUNTERPARTS, codes_of, counterpart, covers
from tests.paths import ROOT

RULES = {rule.id: rule for rule in load_rules(plugins=False)}


def gen_pages():
    spec = importlib.util.spec_from_file_location("slimlint_gen_pages_hadolint", ROOT / "docs" / "gen_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_counterpart_names_a_builtin_rule_and_codes_are_unique():
    codes = [code for pair in COUNTERPARTS for code in pair.codes]
    assert len(codes) == len(set(codes))
    for pair in COUNTERPARTS:
        assert pair.rule in RULES, pair
        assert all(re.fullmatch(r"DL[0-9]{4}", code) for code in pair.codes)
        assert pair.where in ("first", "rest")


def test_lookup_is_case_and_blank_insensitive_and_unmapped_codes_have_none():
    assert counterpart(" dl3009 ").rule == "SL201"
    assert counterpart("DL3008") is None and counterpart("SC2086") is None


def test_partial_codes_cover_only_their_tool():
    dl3060 = counterpart("DL3060")
    assert covers(dl3060, {"tool": "yarn"}) and not covers(dl3060, {"tool": "npm"})
    assert covers(counterpart("DL3040"), {"tool": "microdnf"}) and not covers(counterpart("DL3040"), {"tool": "yum"})
    assert covers(counterpart("DL3009"), {})


def test_rule_docstrings_name_the_same_hadolint_codes():
    """Each rule's "hadolint equivalent:" line (prose on its docs page) names exactly the table's codes."""
    for rule_id, rule in RULES.items():
        match = re.search(r"^hadolint equivalents?:(.*)$", rule.docs, re.M | re.I)
        named = sorted(re.findall(r"DL[0-9]{4}", match.group(1))) if match else []
        assert named == sorted(codes_of(rule_id)), rule_id


def test_the_docs_table_is_generated_from_the_map():
    module = gen_pages()
    table = module.hadolint_counterparts()
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == len(COUNTERPARTS)
    for pair, row in zip(COUNTERPARTS, rows):
        assert all(f"[{code}](" in row for code in pair.codes)
        assert f"[{pair.rule} {RULES[pair.rule].name}](rules/{RULES[pair.rule].doc_slug}.md)" in row
    page = (ROOT / "docs" / "from-hadolint.md").read_text()
    assert "<!-- hadolint-counterparts -->" in page
    rendered = module.on_page_markdown(page, None, None, None)
    assert table in rendered and "<!-- hadolint-counterparts -->" not in rendered
    index = module.rules_index(list(RULES.values()))
    assert "[DL3009](https://github.com/hadolint/hadolint/wiki/DL3009)" in index
