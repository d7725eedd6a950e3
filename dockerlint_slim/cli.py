"""The `slimlint` command line: `check` (the default), `rules`, `ast`, `image` and `server`.

Exit codes: 0 no finding at or above the fail level, 1 findings, 2 usage or IO errors (one line on stderr).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dockerlint_slim import __version__
from dockerlint_slim.launch import SUBCOMMANDS
from dockerlint_slim.printable import use_color

FORMAT_CHOICES = ("text", "concise", "json", "sarif", "github", "gitlab", "markdown")


class UsageFailure(click.ClickException):
    exit_code = 2


class _DefaultToCheck(click.Group):
    """`slimlint Dockerfile ...` means `slimlint check Dockerfile ...`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in SUBCOMMANDS and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        elif not args:
            args = ["check"]
        return super().parse_args(ctx, args)

    def get_command(self, ctx, name):
        if name == "image":
            try:
                from dockerlint_slim.image.command import image_command
            except ImportError:
                return None
            return image_command
        return super().get_command(ctx, name)

    def list_commands(self, ctx):
        return sorted(SUBCOMMANDS)


@click.group(cls=_DefaultToCheck, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="slimlint")
def cli() -> None:
    """Find what makes container images fat, before the build.

    Run `slimlint Dockerfile --context .` (same as `slimlint check ...`).
    """


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(token.strip() for value in values for token in value.split(",") if token.strip())


def _reports(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """`--report FORMAT=PATH` values as (format, path)."""
    found = []
    for value in values:
        fmt, separator, path = value.partition("=")
        if not separator or not path or fmt not in FORMAT_CHOICES:
            raise UsageFailure(f"--report {value!r}: expected FORMAT=PATH with FORMAT one of {', '.join(FORMAT_CHOICES)}")
        found.append((fmt, path))
    return tuple(found)


@cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--context", "context_dir", type=click.Path(file_okay=False), help="Build context folder (as in `docker build CONTEXT`).")
@click.option("--target", help="The stage `docker build --target` would build (default: the last stage).")
@click.option("--output-format", "--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text", show_default=True,
              help="How findings are printed: text (with code frames), concise (one line each), json, sarif, github "
                   "(workflow annotations), gitlab (Code Quality), markdown (a summary table).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to this file instead of stdout.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT=PATH",
              help="Also write the report in FORMAT to PATH, from the same run (repeatable): "
                   "`--format github --report sarif=slimlint.sarif`.")
@click.option("--statistics", is_flag=True, help="Print the number of findings and the bytes at stake per rule "
                                                 "instead of the findings (text or json).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (2 still means an error).")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings and errors only: no summary, build report, "
                                                  "notes or warnings.")
@click.option("--stdin-filename", metavar="PATH",
              help="The name of the Dockerfile read from standard input (`-`): shown in reports and matched by "
                   "per-file settings, as if the file were there.")
@click.option("--select", multiple=True, help="Rules to run: ids, id prefixes (SL2) or names, comma-separated.")
@click.option("--ignore", multiple=True, help="Rules to skip: ids, id prefixes or names, comma-separated.")
@click.option("--fail-level", type=click.Choice(("error", "warning", "info", "none")), help="Lowest severity that makes the exit code 1 [default: info].")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (.slimlint.toml or pyproject.toml) instead of the one found from the current folder; its rules-dir loads.")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), help="Folder of extra rule modules.")
@click.option("--max-wasted-bytes", help="SL501 budget: predicted waste above this fails (20MB, 20MiB, bytes).")
@click.option("--min-efficiency", help="SL501 budget: predicted efficiency below this ratio fails (0..1).")
@click.option("--sarif-category", help="SARIF runs[].automationDetails.id, to upload several analyses side by side.")
@click.option("--no-color", is_flag=True, help="No colours (also NO_COLOR=1 or TERM=dumb; FORCE_COLOR=1 forces them).")
@click.option("--fix/--no-fix", "fix", default=None, help="Apply safe fixes in place, then report what is left.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None,
              help="Also apply unsafe fixes (they change what the image contains or how it builds).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff and change nothing (exit 1 if any).")
@click.option("--fix-only", is_flag=True, help="Apply fixes without reporting the findings that remain.")
@click.option("--show-fixes/--no-show-fixes", "show_fixes", default=None, help="List the fixes applied, per file and rule.")
@click.option("--fixable", multiple=True, help="Rules whose fixes may be applied (ids, prefixes or names).")
@click.option("--unfixable", multiple=True, help="Rules whose fixes are never applied.")
def check(paths, context_dir, target, fmt, output, reports, statistics, exit_zero, quiet, stdin_filename, select,
          ignore, fail_level, config_path, rules_dir, max_wasted_bytes, min_efficiency, sarif_category, no_color, fix,
          unsafe_fixes, diff, fix_only, show_fixes, fixable, unfixable) -> None:
    """Lint Dockerfiles (files, folders searched recursively, or - for stdin); with --fix, fix them."""
    from dockerlint_slim.engine.runner import CheckRequest, run_check

    if stdin_filename is not None:
        if any(path != "-" for path in paths):
            raise UsageFailure("--stdin-filename names the Dockerfile read from standard input: give no other path "
                               "(or `-`)")
        paths = ("-",)
    if statistics and fmt not in ("text", "concise", "json"):
        raise UsageFailure(f"--statistics prints text or json, not {fmt}")
    request = CheckRequest(
        paths=paths,
        reports=_reports(reports),
        statistics=statistics,
        exit_zero=exit_zero,
        quiet=quiet,
        stdin_filename=stdin_filename,
        context_dir=context_dir,
        target=target,
        fmt=fmt,
        output=output,
        select=_split(select),
        ignore=_split(ignore),
        fail_level=fail_level,
        config_path=config_path,
        rules_dirs=rules_dir,
        max_wasted_bytes=max_wasted_bytes,
        min_efficiency=min_efficiency,
        sarif_category=sarif_category,
        color=use_color(no_color, output),
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        fix_only=fix_only,
        show_fixes=show_fixes,
        fixable=_split(fixable),
        unfixable=_split(unfixable),
    )
    sys.exit(run_check(request))


@cli.command("rules")
@click.argument("rule", required=False)
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False), help="Folder of extra rule modules.")
@click.option("--output-format", "--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="text, or json: the rules' metadata and docs for tools.")
def rules_command(rule: str | None, rules_dir, fmt: str) -> None:
    """List every rule, or print the docs of one (by id or name)."""
    from dockerlint_slim.engine.registry import FIX_AVAILABILITY
    from dockerlint_slim.engine.runner import RunError, load_all_rules

    try:
        rules = load_all_rules(tuple(Path(p) for p in rules_dir))
    except RunError as exc:
        raise UsageFailure(str(exc)) from None
    if rule is not None:
        rules = [r for r in rules if r.id == rule.upper() or r.name == rule]
        if not rules:
            raise UsageFailure(f"unknown rule {rule!r}; `slimlint rules` lists them")
    if fmt == "json":
        import json

        documents = [rule_document(r) for r in rules]
        click.echo(json.dumps(documents[0] if rule is not None else documents, indent=2, default=str))
        return
    if rule is None:
        width = max(len(r.name) for r in rules)
        for r in rules:
            click.echo(f"{r.id}  {r.name.ljust(width)}  {r.severity.ljust(7)}  {('fix=' + r.fix).ljust(13)}  {r.summary}")
        return
    r = rules[0]
    needs = f"\nneeds: {', '.join(sorted(r.needs))}" if r.needs else ""
    options = "".join(f"\noption {name} ({option.kind}, default {option.default!r})"
                      + (f": {option.help}" if option.help else "") for name, option in r.options.items())
    click.echo(f"{r.id} {r.name} ({r.severity})\n{r.summary}\n{FIX_AVAILABILITY[r.fix]}{needs}{options}\n\n{r.docs}")


def rule_document(rule) -> dict:
    """A rule as `slimlint rules --format json` prints it."""
    return {
        "id": rule.id,
        "name": rule.name,
        "severity": rule.severity,
        "summary": rule.summary,
        "fix": rule.fix,
        "needs": sorted(rule.needs),
        "tags": list(rule.tags),
        "options": {name: {"kind": option.kind, "default": option.default, "help": option.help}
                    for name, option in rule.options.items()},
        "origin": rule.origin,
        "url": rule.docs_url,
        "docs": rule.docs,
    }


@cli.command("ast")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--target", help="Stage to treat as the build target (affects reaches_image).")
def ast_command(files, target) -> None:
    """Print the parsed instructions of each file as one JSON document."""
    from dockerlint_slim.engine.runner import ast_document

    click.echo(ast_document(files, target))


@cli.command("server")
@click.option("--stdio", is_flag=True, help="Talk LSP over standard input and output (the default and only transport; "
              "accepted because editors pass it).")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False),
              help="Folder of extra rule modules (a discovered config's rules-dir does not load).")
def server_command(stdio: bool, rules_dir) -> None:
    """Run the language server for editors: diagnostics as you type, quick fixes, docs on hover.

    Needs the `server` extra: pip install 'slimlint[server]'.
    """
    from dockerlint_slim.server import serve

    sys.exit(serve(tuple(Path(p) for p in rules_dir)))


def main(argv: list[str] | None = None) -> None:
    """Entry point: click errors become one line on stderr and exit code 2, never a traceback."""
    try:
        cli.main(args=argv, prog_name="slimlint", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("slimlint: error: aborted", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        message = exc.format_message()
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            message = f"{message} (see `{exc.ctx.command_path} --help`)"
        click.echo(f"slimlint: error: {message}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("slimlint: error: interrupted", err=True)
        sys.exit(2)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
