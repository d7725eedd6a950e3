"""Batch runs: one `slimlint FILE...` call over many Dockerfiles; time and peak memory by number of files (prints).

    python benchmarks/batch.py [CORPUS] [--counts 250,1000,4000] [--formats text,json] [--hadolint 200]

CORPUS is a folder of Dockerfiles (default: the vendored tests/corpus; a larger one gives the memory slope, e.g. a
folder of a few thousand real Dockerfiles). For each count N (the first N files, path order) and each format, one
process lints them with its output discarded; printed: wall time, CPU time (user + system, from wait4), peak RSS
(ru_maxrss) and the report's size. Memory that grows with N is what the run keeps per file; `--hadolint K` also
times `hadolint` over the first K files in one call, to compare the files per second.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def dockerfiles(corpus: Path) -> list[str]:
    return sorted(str(p) for p in corpus.rglob("*") if p.is_file() and "dockerfile" in p.name.lower()
                  and not p.name.lower().endswith(".dockerignore"))


def run(command: list[str], output: str | None = None) -> dict[str, float]:
    """Wall s, CPU s, peak RSS MiB of one run; stdout to `output` (or discarded)."""
    sink = open(output, "wb") if output else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = 0
    finally:
        if output:
            sink.close()
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}


def tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(ROOT / "tests" / "corpus"))
    parser.add_argument("--counts", default="250,1000,4000", help="numbers of files (capped at the corpus size)")
    parser.add_argument("--formats", default="text,json")
    parser.add_argument("--hadolint", type=int, default=0, help="also time hadolint over this many files")
    parser.add_argument("--json", help="also write the measurements to this file")
    args = parser.parse_args()
    files = dockerfiles(Path(args.corpus))
    if not files:
        sys.exit(f"no Dockerfiles under {args.corpus}")
    counts = sorted({min(int(n), len(files)) for n in args.counts.split(",")})
    slimlint = [sys.executable, "-m", "dockerlint_slim", "--no-color", "--fail-level", "none"]
    print(f"{len(files)} Dockerfiles under {args.corpus}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{'files':>6} {'format':<7} {'wall s':>8} {'CPU s':>8} {'files/s':>8} {'peak RSS MiB':>13} {'report MiB':>11}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="slimlint-batch-") as scratch:
        report = os.path.join(scratch, "report")
        for count in counts:
            for fmt in args.formats.split(","):
                numbers = run(slimlint + ["--format", fmt] + files[:count], report)
                numbers.update(files=count, format=fmt, report_mib=os.path.getsize(report) / 2**20)
                rows.append(numbers)
                print(f"{count:>6} {fmt:<7} {numbers['wall_s']:>8.2f} {numbers['cpu_s']:>8.2f} "
                      f"{count / numbers['cpu_s']:>8.0f} {numbers['peak_rss_mib']:>13.1f} {numbers['report_mib']:>11.2f}")
    hadolint = tool("hadolint")
    if args.hadolint and hadolint:
        count = min(args.hadolint, len(files))
        numbers = run([hadolint, "--no-fail"] + files[:count])
        numbers.update(files=count, format="hadolint")
        rows.append(numbers)
        ours = next((r for r in rows if r["format"] == "text" and r["files"] >= count), None)
        print(f"hadolint, {count} files: {numbers['wall_s']:.2f} s wall, {numbers['cpu_s']:.2f} s CPU "
              f"({count / numbers['cpu_s']:.1f} files/s), peak RSS {numbers['peak_rss_mib']:.1f} MiB"
              + (f"; slimlint text lints {ours['files'] / ours['cpu_s'] / (count / numbers['cpu_s']):.0f}x as many "
                 "files per CPU second" if ours else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
