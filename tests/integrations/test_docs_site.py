"""The docs site: generated rule pages and CLI reference, and every SARIF helpUri resolving to a built page."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dockerlint_slim import DOCS_URL
from dockerlint_slim.engine.registry import load_rules

from .support import CLEAN_DOCKERFILE, ROOT

yaml = pytest.importorskip("yaml")


def gen_pages():
    spec = importlib.util.spec_from_file_location("slimlint_gen_pages", ROOT / "docs" / "gen_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mkdocs_config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


def test_site_url_is_the_docs_url_of_sarif():
    assert mkdocs_config()["site_url"] == DOCS_URL


def test_every_rule_has_a_generated_page_with_its_docs():
    pages = gen_pages().generated_pages()
    rules = load_rules(plugins=False)
    assert rules
    for rule in rules:
        page = pages[f"rules/{rule.doc_slug}.md"]
        assert page.startswith(f"# {rule.id} {rule.name}\n")
        assert f"`{rule.severity}`" in page
        for name in rule.options:
            assert f"`{name}`" in page, f"{rule.id}: option {name} is not documented"
        # The docstring's examples come through verbatim (fenced code is never rewritten).
        for block in rule.docs.split("```")[1::2]:
            assert block in page, f"{rule.id}: an example of the docstring is missing from its page"
        assert f"]({rule.doc_slug}.md)" in pages["rules/index.md"]


def test_docstring_sections_become_headings_but_code_is_untouched():
    module = gen_pages()
    docs = "What it does\nFlags X.\n\nExample\n```dockerfile\nRUN x\nExample\n```\n\nhadolint equivalent: DL3059."
    markdown = module.docs_markdown(docs)
    assert markdown.startswith("## What it does\n\nFlags X.")
    assert "## Example\n\n```dockerfile\nRUN x\nExample\n```" in markdown  # the line inside the fence stays
    assert "[DL3059](https://github.com/hadolint/hadolint/wiki/DL3059)" in markdown


def test_cli_reference_lists_every_command_and_option():
    import click

    from dockerlint_slim.cli import cli

    reference = gen_pages().cli_reference()
    ctx = click.Context(cli, info_name="slimlint")
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        if command is None:
            continue
        assert f"`slimlint {name}`" in reference
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert any(opt in reference for opt in param.opts), f"slimlint {name}: {param.opts} missing"


def test_nav_pages_exist_or_are_generated():
    generated = set(gen_pages().generated_pages())

    def pages(items):
        for item in items:
            if isinstance(item, str):
                yield item
            elif isinstance(item, dict):
                for value in item.values():
                    yield from pages(value) if isinstance(value, list) else [value]

    missing = [p for p in pages(mkdocs_config()["nav"]) if p not in generated and not (ROOT / "docs" / p).is_file()]
    assert not missing, f"nav entries without a page (written by their owners?): {missing}"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if shutil.which("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip("mkdocs and mkdocs-material are not installed (pip install mkdocs mkdocs-material)")
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        ["mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}\n{done.stderr}"
    return out


def test_every_sarif_help_uri_resolves_to_a_built_page(site: Path, tmp_path: Path):
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(CLEAN_DOCKERFILE)
    done = subprocess.run(
        [sys.executable, "-m", "dockerlint_slim", "--format", "sarif", str(dockerfile)],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    described = json.loads(done.stdout)["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"] for r in described} == {r.id for r in load_rules(plugins=False)}
    for rule in described:
        uri = rule["helpUri"]
        assert uri.startswith(DOCS_URL) and uri.endswith("/")
        page = site / uri[len(DOCS_URL) :] / "index.html"
        assert page.is_file(), f"{rule['id']}: helpUri {uri} has no page in the built site"
        assert f"{rule['id']} {rule['name']}" in page.read_text()


def test_site_has_the_required_pages(site: Path):
    for page in ("cli", "usage", "configuration", "architecture", "rules", "integrations/github",
                 "integrations/gitlab", "integrations/pre-commit", "comparison"):
        assert (site / page / "index.html").is_file(), page
    assert not (site / "gen_pages.py").exists()  # the generator is not published


def test_rule_docstrings_keep_their_line_continuations():
    """A `\\` at the end of a line in a non-raw docstring is a Python line continuation: the backslash and the new
    line vanish, and the rule page (and `slimlint rules`, and the SARIF help) shows `RUN a  && b` on one line.
    Rule docstrings with Dockerfile continuations must be raw strings (r\"\"\"...\"\"\")."""
    import ast
    import importlib

    broken = []
    for rule in load_rules(plugins=False):
        module = importlib.import_module(rule.check.__module__)
        source = Path(module.__file__).read_text(encoding="utf-8")
        node = ast.parse(source).body[0]
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            literal = ast.get_source_segment(source, node)
            # An odd number of backslashes before the new line: the last one escapes it.
            if not literal.lower().startswith("r") and re.search(r"(?<!\\)(?:\\\\)*\\\n", literal):
                broken.append(f"{rule.id} ({Path(module.__file__).name})")
    assert not broken, f"make these rule docstrings raw (r\"\"\"): {', '.join(broken)}"
