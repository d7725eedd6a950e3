"""Pages generated at build time: one page per rule, the rules index, and the CLI reference.

Used as an mkdocs hook (`hooks:` in mkdocs.yml), so the site always matches the code: a rule added to `rules/`
gets its page (at `rules/<id>-<name>/`, the SARIF helpUri) without anyone writing it, and the CLI reference is
read from the click commands themselves. Rule pages come from the rule module's docstring ("What it does",
"Why is this bad?", "Example", "Use instead") plus its metadata (severity, needs, options).

Run `python docs/gen_pages.py OUT_DIR` to write the generated Markdown to a folder for reading or review.
slimlint must be importable (installed with `pip install -e .` or `pip install .`): `rules/` becomes the package
`dockerlint_slim.rules` only through the installed package mapping.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path

RULES_DIR = "rules"
CLI_PAGE = "cli.md"
NAV_RULES_TITLE = "Rules"

_NEEDS = {
    "context": "the build context: runs only with `--context DIR` (or `context` / `contexts` in the "
    "[configuration](../configuration.md)); see [Build context analysis](../context.md)",
    "image": "a built image: reported by `slimlint image`, not by `slimlint check`; see "
    "[Image analysis](../image.md)",
}
# What the default severity means for the exit code (`--fail-level`, default info).
_SEVERITY_HELP = {
    "error": "fails the run at every `--fail-level` except `none`",
    "warning": "fails the run at `--fail-level warning` or `info` (the default)",
    "info": "fails the run only at `--fail-level info` (the default)",
}


def builtin_rules():
    """The rules shipped with slimlint (entry-point plugins installed next to the docs build are left out)."""
    from dockerlint_slim.engine.registry import load_rules

    return load_rules(plugins=False)


def docs_markdown(docs: str) -> str:
    """The rule docstring as Markdown (shared with SARIF's help.markdown): section titles as `##` headings."""
    from dockerlint_slim.formatters.rule_docs import docs_markdown as markdown

    return markdown(docs)


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value))


def _cell(text: str) -> str:
    """One table cell: a single line, `|` escaped outside code spans (inside them the table extension keeps it)."""
    parts = " ".join(str(text).split()).split("`")
    return "`".join(part if index % 2 else part.replace("|", "\\|") for index, part in enumerate(parts))


def rule_markdown(rule) -> str:
    from dockerlint_slim.engine.registry import FIX_AVAILABILITY

    rows = [("Severity", f"`{rule.severity}` ({_SEVERITY_HELP[rule.severity]})"),
            ("Fix", f"{FIX_AVAILABILITY[rule.fix]} See [Fixes](../fixes.md).")]
    for need in sorted(rule.needs):
        rows.append(("Needs", _NEEDS.get(need, f"`{need}`")))
    if rule.tags:
        rows.append(("Tags", ", ".join(f"`{t}`" for t in rule.tags)))
    for name, option in rule.options.items():
        shown = f"default `{toml_value(option.default)}`" if option.default is not None else "not set by default"
        help_text = f": {option.help}" if option.help else ""
        rows.append(("Option", f"`{name}` ({option.kind}, {shown}){help_text}"))
    table = "\n".join(["| | |", "|---|---|", *(f"| {key} | {_cell(value)} |" for key, value in rows)])
    # TOML has no null: an option without a default is shown commented out.
    options = "".join(
        f"{name} = {toml_value(option.default)}\n" if option.default is not None
        else f"# {name} = ...   (not set by default)\n"
        for name, option in rule.options.items()
    )
    config = [
        "# .slimlint.toml (or the same keys under [tool.slimlint] in pyproject.toml)",
        f'ignore = ["{rule.id}"]            # turn the rule off',
        "",
        "[severity]",
        f'{rule.id} = "{"warning" if rule.severity != "warning" else "error"}"         # change its severity',
    ]
    if options:
        config += ["", f"[rules.{rule.id}]", options.rstrip("\n")]
    return f"""# {rule.id} {rule.name}

{rule.summary.rstrip(".")}.

{table}

{docs_markdown(rule.docs) or rule.summary}

## Configuration

```toml
{chr(10).join(config)}
```

To accept one finding, put `# slimlint ignore={rule.id}` on the line above the instruction; `# slimlint global
ignore={rule.id}` anywhere turns the rule off for the whole file. `slimlint rules {rule.id}` prints this page in the
terminal.
"""


def hadolint_ids(rule) -> list[str]:
    """The hadolint codes whose counterpart is this rule (knowledge/hadolint.py)."""
    from dockerlint_slim.knowledge.hadolint import codes_of

    return list(codes_of(rule.id))


def hadolint_counterparts() -> str:
    """The DL<->SL table of the "Coming from hadolint" page, from knowledge/hadolint.py."""
    from dockerlint_slim.knowledge.hadolint import COUNTERPARTS, HADOLINT_WIKI

    rules = {rule.id: rule for rule in builtin_rules()}
    lines = ["| hadolint | hadolint says | slimlint | covers | what slimlint does differently |",
             "|---|---|---|---|---|"]
    for pair in COUNTERPARTS:
        rule = rules[pair.rule]
        codes = ", ".join(f"[{code}]({HADOLINT_WIKI}{code})" for code in pair.codes)
        covers = "; ".join(f"{'/'.join(values)} only" for values in pair.only.values()) or "the whole rule"
        if pair.where == "rest":
            covers += " (hadolint reports the 2nd..nth RUN of a chain)"
        lines.append(f"| {codes} | {pair.hadolint} | [{rule.id} {rule.name}]({RULES_DIR}/{rule.doc_slug}.md) "
                     f"| {covers} | {pair.differences or '—'} |")
    return "\n".join(lines)


def rules_index(rules) -> str:
    lines = [
        "# Rules",
        "",
        f"slimlint has {len(rules)} built-in rules. Each finding says what is wasted, where, roughly how many bytes, "
        "and the fix. Select or ignore rules by id (`SL201`), id prefix (`SL2`) or name (`apt-lists-not-removed`) "
        "with `--select` / `--ignore` or in the [configuration](../configuration.md).",
        "",
        "| Rule | Name | Severity | Fix | Needs | Summary | hadolint |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in rules:
        needs = ", ".join(sorted(rule.needs)) or ""
        hadolint = ", ".join(f"[{i}](https://github.com/hadolint/hadolint/wiki/{i})" for i in hadolint_ids(rule))
        lines.append(
            f"| [{rule.id}]({rule.doc_slug}.md) | `{rule.name}` | {rule.severity} | {rule.fix} | {needs} "
            f"| {_cell(rule.summary)} "
            f"| {hadolint} |"
        )
    lines += [
        "",
        "Rules that need `context` run only when slimlint knows the build context (`--context`); rules that need "
        "`image` report from `slimlint image` on a built image. Fix: whether `slimlint --fix` can apply the advice "
        "(`always`, `sometimes`, `unsafe`: only with `--unsafe-fixes`, `none`); see [Fixes](../fixes.md).",
        "",
        "Third-party rules load from the `slimlint.rules` entry-point group or a local folder (`--rules-dir`); "
        "see [Architecture](../architecture.md#rules).",
        "",
    ]
    return "\n".join(lines)


def _command_markdown(command, name: str, parent, level: int) -> list[str]:
    import click

    ctx = click.Context(command, info_name=name, parent=parent)
    help_text = inspect.cleandoc(command.help or command.short_help or "").replace("\b\n", "")
    usage = command.get_usage(ctx).strip()
    out = [f"{'#' * level} `{ctx.command_path}`", "", help_text, "", "```text", usage, "```", ""]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    if arguments:
        out += ["Arguments: " + ", ".join(f"`{p.make_metavar(ctx) if _takes_ctx(p) else p.make_metavar()}`" for p in arguments), ""]
    records = [p.get_help_record(ctx) for p in command.get_params(ctx) if not getattr(p, "hidden", False)]
    records = [r for r in records if r]
    if records:
        out += ["| Option | Description |", "|---|---|"]
        out += [f"| {_cell(f'`{opts}`')} | {_cell(text)} |" for opts, text in records]
        out.append("")
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            out += _command_markdown(sub, sub_name, ctx, level + 1)
    return out


def _takes_ctx(param) -> bool:
    """click >= 8.2 passes the context to make_metavar; older versions take no argument."""
    return len(inspect.signature(param.make_metavar).parameters) >= 1


def cli_reference() -> str:
    from dockerlint_slim.cli import cli

    intro = [
        "# CLI reference",
        "",
        "Generated from the click commands of the installed slimlint; `slimlint COMMAND --help` prints the same.",
        "`slimlint PATH...` is short for `slimlint check PATH...`. Exit codes and the JSON document are described "
        "in [Usage](usage.md).",
        "",
    ]
    return "\n".join(intro + _command_markdown(cli, "slimlint", None, 2)).rstrip() + "\n"


def generated_pages() -> dict[str, str]:
    """Docs-relative path → Markdown for every generated page."""
    rules = builtin_rules()
    pages = {f"{RULES_DIR}/index.md": rules_index(rules), CLI_PAGE: cli_reference()}
    for rule in rules:
        pages[f"{RULES_DIR}/{rule.doc_slug}.md"] = rule_markdown(rule)
    return pages


# --- mkdocs hook events --------------------------------------------------------------------------------------


def on_config(config, **_kwargs):
    """List every rule page under the "Rules" section of the nav, after the index."""
    for item in config.nav or []:
        if isinstance(item, dict) and NAV_RULES_TITLE in item and isinstance(item[NAV_RULES_TITLE], list):
            entries = item[NAV_RULES_TITLE]
            entries += [{f"{rule.id} {rule.name}": f"{RULES_DIR}/{rule.doc_slug}.md"} for rule in builtin_rules()]
    return config


# Markers in hand-written pages replaced by text generated from the code (one definition, shown where it is needed).
def _dockerfile_names() -> str:
    from dockerlint_slim.knowledge.dockerfile_names import names_markdown

    return names_markdown()


FRAGMENTS = {"<!-- dockerfile-names -->": _dockerfile_names, "<!-- hadolint-counterparts -->": hadolint_counterparts}


def on_page_markdown(markdown, page, config, files, **_kwargs):
    for marker, generate in FRAGMENTS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, generate())
    return markdown


def on_files(files, config, **_kwargs):
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    for src_uri, content in generated_pages().items():
        if files.get_file_from_path(src_uri) is not None:
            raise PluginError(f"docs/{src_uri} is generated by docs/gen_pages.py; remove the hand-written file")
        files.append(File.generated(config, src_uri, content=content))
    return files


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python docs/gen_pages.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    for src_uri, content in generated_pages().items():
        target = out / src_uri
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
