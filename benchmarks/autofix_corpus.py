"""Check `slimlint --fix` on a corpus of real Dockerfiles (not a test: prints numbers, exit 1 on a broken fix).

    python benchmarks/autofix_corpus.py [CORPUS_DIR ...] [--json report.json] [--write-fixed DIR]

Each CORPUS_DIR is a folder of Dockerfiles (default: the vendored tests/corpus). A folder with a `SOURCES.tsv`
whose `stored_path` column lists its files (the layout of the real-world adjudication corpus) is read from that
list; any other folder is searched for files named like Dockerfiles.

For every file, once with the safe fixes (`--fix`) and once with the unsafe ones too (`--fix --unsafe-fixes`),
in process, with the same code path the command line uses (`engine.fixer.fix_source`), it measures:

- files changed, fixes applied per rule, files the fixer refused (a fix failed its own check: a bug);
- findings before and after per rule, and the share of the findings that had an applicable fix before that are
  gone after (`removed / fixable`);
- idempotence: fixing the fixed text again changes nothing;
- no new SL000 finding and no new parse error;
- findings introduced by a fix: per file and rule, more findings after than before;
- BuildKit parity: the original and the fixed text parsed by BuildKit's own parser (the `dockerfile` package,
  from the test extra): a file BuildKit parsed must still parse, into the same instructions minus the ones the
  fixes removed on purpose (RUNs joined, a COPY turned into a bind mount), in the same order, and every
  instruction other than RUN the same (flags and arguments; FROM's image aside when SL403 changed its tag);
- shell commands kept: every simple command of every RUN before (program and its non-option words) is still in
  some RUN after, except the `rm` of a file a fix stops copying into the image and the `apk update` that
  `apk add --no-cache` replaces;
- time: `fix_source` alone (lint, fix passes, checks and the final lint), summed over the files.

Without a build context the context rules (SL301, SL302, SL304, SL501) do not run; their fixes are covered by
their unit tests and by the build proof (benchmarks/autofix_build.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from dockerlint_slim.engine import LintOptions, Linter
from dockerlint_slim.engine.fixer import FixPolicy, fix_source
from dockerlint_slim.engine.runner import load_all_rules
from dockerlint_slim.model import RunInstruction
from dockerlint_slim.parser import parse_dockerfile
from dockerlint_slim.parser.build import decode_source
from dockerlint_slim.shell.script import shell_c_script

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE_NAMES = ("dockerfile", "containerfile")


def corpus_files(folder: Path) -> list[Path]:
    sources = folder / "SOURCES.tsv"
    if sources.is_file():
        lines = sources.read_text(encoding="utf-8").splitlines()
        column = lines[0].split("\t").index("stored_path")
        return [folder / line.split("\t")[column] for line in lines[1:] if line.strip()]
    return sorted(p for p in folder.rglob("*") if p.is_file() and any(n in p.name.lower() for n in DOCKERFILE_NAMES))


def buildkit_commands(text: str):
    """BuildKit's parse of `text`: (keyword, flags, arguments) of each instruction, or None when BuildKit rejects
    it."""
    import dockerfile

    try:
        # `ONBUILD RUN` counts as a RUN: fixes edit its script as they edit any RUN's.
        return [("RUN" if (c.sub_cmd or "").upper() == "RUN" else c.cmd.upper(), c.flags, c.value)
                for c in dockerfile.parse_string(text)]
    except dockerfile.GoParseError:
        return None


def other_instructions(commands, applied: Counter) -> list:
    """The instructions other than RUN as BuildKit parsed them (FROM's image left out when SL403 changed a tag)."""
    return [(cmd, flags, () if cmd == "FROM" and applied["SL403"] else value)
            for cmd, flags, value in commands if cmd != "RUN"]


def is_subsequence(items: list, of: list) -> bool:
    remaining = iter(of)
    return all(any(item == candidate for candidate in remaining) for item in items)


def shell_commands(text: str, path: str) -> Counter:
    """Every simple command of every RUN (ONBUILD RUNs too): its program and non-option words."""
    found: Counter = Counter()
    for instruction in parse_dockerfile(text, path).instructions:
        run = getattr(instruction, "trigger", None) or instruction
        if isinstance(run, RunInstruction):
            for command in run.commands:
                if shell_c_script(command.argv) is not None:
                    continue  # `sh -c SCRIPT`: the commands of SCRIPT are compared one by one
                words = [w for w in command.argv[1:] if not w.startswith("-")]
                found[(command.name, *words)] += 1
    return found


class Tally:
    def __init__(self) -> None:
        self.files = 0
        self.changed = 0
        self.refused: list[str] = []  # fixer errors (a fix failed its check)
        self.crashed: list[str] = []
        self.unsettled: list[str] = []  # fixes still changing the text after the last pass
        self.not_idempotent: list[str] = []
        self.new_sl000: list[str] = []
        self.new_parse_errors: list[str] = []
        self.buildkit_rejected_before = 0
        self.runs_before = 0  # RUN instructions of the changed files, as BuildKit parses them
        self.runs_after = 0
        self.buildkit_broken: list[str] = []  # BuildKit parsed the original, not the fixed text
        self.buildkit_changed: list[str] = []  # parses, but into other instructions than expected
        self.lost_commands: list[tuple[str, list]] = []
        self.introduced: Counter = Counter()  # rule -> findings a fix added
        self.introduced_files: dict[str, list[str]] = {}
        self.before: Counter = Counter()
        self.fixable: Counter = Counter()
        self.after: Counter = Counter()
        self.fixable_after: Counter = Counter()
        self.fixable_removed: Counter = Counter()  # fixable findings of rule r gone from files (per file, capped)
        self.applied: Counter = Counter()
        self.seconds = 0.0
        self.slowest: tuple[float, str] = (0.0, "")


def check_file(path: Path, linter: Linter, policy: FixPolicy, tally: Tally, write_dir: Path | None,
               root: Path) -> None:
    data = path.read_bytes()
    name = str(path)
    text, problems = decode_source(data)
    tally.files += 1
    try:
        before = linter.lint(data, name).diagnostics
        started = time.perf_counter()
        outcome = fix_source(linter, data, name, policy)  # what `slimlint --fix` does with the file
        elapsed = time.perf_counter() - started
        again = fix_source(linter, outcome.text, name, policy) if outcome.changed and not outcome.error else None
    except Exception:
        tally.crashed.append(f"{name}: {traceback.format_exc(limit=-3)}")
        return
    tally.seconds += elapsed
    tally.slowest = max(tally.slowest, (elapsed, name))
    if outcome.error:
        tally.refused.append(outcome.error)
    if not outcome.converged:
        tally.unsettled.append(name)
    after = outcome.result.diagnostics
    count_before = Counter(d.rule_id for d in before)
    count_after = Counter(d.rule_id for d in after)
    fixable_before = Counter(d.rule_id for d in before if policy.applies(d))
    tally.before += count_before
    tally.after += count_after
    tally.fixable += fixable_before
    tally.fixable_after += Counter(d.rule_id for d in after if policy.applies(d))
    for rule, count in fixable_before.items():
        tally.fixable_removed[rule] += min(count, max(0, count_before[rule] - count_after[rule]))
    tally.applied += outcome.counts()
    for rule in count_after:
        if count_after[rule] > count_before[rule]:
            tally.introduced[rule] += count_after[rule] - count_before[rule]
            tally.introduced_files.setdefault(rule, []).append(name)
    if not outcome.changed:
        return
    tally.changed += 1
    if write_dir is not None:
        target = write_dir / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(outcome.text, encoding="utf-8", errors="surrogateescape")
    if again is None or again.changed or again.fixed or again.error:
        tally.not_idempotent.append(name)
    if count_after["SL000"] > count_before["SL000"]:
        tally.new_sl000.append(name)
    errors_before = Counter(e.message for e in parse_dockerfile(text, name).parse_errors)
    errors_after = Counter(e.message for e in parse_dockerfile(outcome.text, name).parse_errors)
    if errors_after - errors_before:
        tally.new_parse_errors.append(name)
    original = buildkit_commands(text)
    fixed = buildkit_commands(outcome.text)
    if original is None:
        tally.buildkit_rejected_before += 1
    elif fixed is None:
        tally.buildkit_broken.append(name)
    else:
        keywords_before, keywords_after = [c[0] for c in original], [c[0] for c in fixed]
        tally.runs_before += keywords_before.count("RUN")
        tally.runs_after += keywords_after.count("RUN")
        removed = sum(d.fix.removes_instructions for d in outcome.fixed)
        if len(fixed) != len(original) - removed or not is_subsequence(keywords_after, keywords_before):
            tally.buildkit_changed.append(f"{name}: {len(original)} -> {len(fixed)} instructions, {removed} removed")
        elif not is_subsequence(other_instructions(fixed, outcome.counts()),
                                other_instructions(original, outcome.counts())):
            tally.buildkit_changed.append(f"{name}: an instruction other than RUN changed")
    lost = shell_commands(text, name) - shell_commands(outcome.text, name)
    applied = outcome.counts()
    lost = Counter({key: count for key, count in lost.items() if not dropped_on_purpose(key, applied)})
    if lost:
        tally.lost_commands.append((name, sorted(" ".join(k) for k in lost)))


def dropped_on_purpose(command: tuple[str, ...], applied: Counter) -> bool:
    """A command the applied fixes may remove by design: SL301 and SL303 stop copying a file into the image, so the
    `rm` that deleted it goes; SL203 turns `apk update && apk add` into `apk add --no-cache` (which reads the index
    without storing it; one finding may cover several `apk update`s)."""
    if command[0] == "rm":
        return bool(applied["SL301"] or applied["SL303"])
    if command[:2] == ("apk", "update"):
        return bool(applied["SL203"])
    return False


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def report(label: str, tally: Tally) -> dict:
    fixable_total = sum(tally.fixable.values())
    removed_total = sum(tally.fixable_removed.values())
    print(f"\n== {label}: {tally.files} files, {tally.changed} changed, {tally.seconds:.1f} s "
          f"(slowest {tally.slowest[0] * 1000:.0f} ms: {tally.slowest[1]})")
    print(f"{'rule':6} {'before':>7} {'fixable':>8} {'applied':>8} {'after':>7} {'fixable left':>13} "
          f"{'removed of fixable':>19} {'introduced':>11}")
    rules = sorted(set(tally.before) | set(tally.after))
    for rule in rules:
        print(f"{rule:6} {tally.before[rule]:7} {tally.fixable[rule]:8} {tally.applied[rule]:8} {tally.after[rule]:7} "
              f"{tally.fixable_after[rule]:13} {percent(tally.fixable_removed[rule], tally.fixable[rule]):>19} "
              f"{tally.introduced[rule]:11}")
    print(f"{'all':6} {sum(tally.before.values()):7} {fixable_total:8} {sum(tally.applied.values()):8} "
          f"{sum(tally.after.values()):7} {sum(tally.fixable_after.values()):13} "
          f"{percent(removed_total, fixable_total):>19} {sum(tally.introduced.values()):11}")
    checks = [
        ("crashed", tally.crashed),
        ("fix refused by its own check", tally.refused),
        ("did not settle", tally.unsettled),
        ("not idempotent (a second --fix changes the file)", tally.not_idempotent),
        ("new SL000", tally.new_sl000),
        ("new parse error", tally.new_parse_errors),
        ("BuildKit parsed the original but not the fixed file", tally.buildkit_broken),
        ("BuildKit: other instructions than expected", tally.buildkit_changed),
        ("shell commands lost", [f"{name}: {', '.join(lost)}" for name, lost in tally.lost_commands]),
    ]
    for what, items in checks:
        print(f"{what}: {len(items)}")
        for item in items[:10]:
            print(f"    {item}")
    print(f"BuildKit rejects the original (not counted): {tally.buildkit_rejected_before}")
    print(f"RUN instructions in the changed files: {tally.runs_before} -> {tally.runs_after}")
    for rule, files in sorted(tally.introduced_files.items()):
        print(f"introduced {rule} in {len(files)} files, e.g. {', '.join(files[:3])}")
    return {
        "files": tally.files, "changed": tally.changed, "seconds": round(tally.seconds, 2),
        "before": dict(tally.before), "fixable": dict(tally.fixable), "applied": dict(tally.applied),
        "after": dict(tally.after), "fixable_after": dict(tally.fixable_after),
        "fixable_removed": dict(tally.fixable_removed), "introduced": dict(tally.introduced),
        "introduced_files": tally.introduced_files, **{what: items for what, items in checks},
        "buildkit_rejected_before": tally.buildkit_rejected_before,
        "runs_before": tally.runs_before, "runs_after": tally.runs_after,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpora", nargs="*", default=[str(REPO / "tests" / "corpus")])
    parser.add_argument("--json", help="write the numbers and the failing files here")
    parser.add_argument("--write-fixed", help="write every fixed file below this folder (to read the diffs)")
    args = parser.parse_args()
    try:
        import dockerfile  # noqa: F401
    except ImportError:
        sys.exit("the BuildKit parity check needs the `dockerfile` package: pip install -e '.[test]'")
    rules = load_all_rules()
    linter = Linter(rules, LintOptions())
    results = {}
    broken = False
    for mode, policy in (("safe", FixPolicy(rules=tuple(rules))), ("unsafe", FixPolicy(unsafe=True, rules=tuple(rules)))):
        for corpus in args.corpora:
            root = Path(corpus)
            files = corpus_files(root)
            if not files:
                sys.exit(f"no Dockerfiles under {corpus}")
            tally = Tally()
            write_dir = Path(args.write_fixed) / mode / root.name if args.write_fixed else None
            for path in files:
                check_file(path, linter, policy, tally, write_dir, root)
            label = f"{root.name} --fix{' --unsafe-fixes' if mode == 'unsafe' else ''}"
            results[label] = report(label, tally)
            broken |= any(results[label][key] for key in (
                "crashed", "fix refused by its own check", "not idempotent (a second --fix changes the file)",
                "new SL000", "new parse error", "BuildKit parsed the original but not the fixed file",
                "BuildKit: other instructions than expected", "shell commands lost"))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True), encoding="utf-8")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
