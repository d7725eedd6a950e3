"""Benchmark slimlint against hadolint on the real-Dockerfile corpus (not a test: prints numbers).

    python benchmarks/bench_cli.py [--corpus tests/corpus] [--sample 20]

Measures (1) one `slimlint FILE` process per file vs one `hadolint FILE` per file (median wall time, the
pre-commit case) and (2) one batch `slimlint FILE...` over the whole corpus vs hadolint over the same files.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(Path(__file__).resolve().parents[1] / "tests" / "corpus"))
    parser.add_argument("--sample", type=int, default=20, help="files for the per-process comparison")
    args = parser.parse_args()
    files = sorted(str(p) for p in Path(args.corpus).rglob("Dockerfile*") if p.is_file())
    if not files:
        sys.exit(f"no Dockerfiles under {args.corpus}")
    slimlint = [sys.executable, "-m", "dockerlint_slim", "--no-color", "--fail-level", "none"]
    hadolint = shutil.which("hadolint")
    sample = files[:: max(1, len(files) // args.sample)][: args.sample]

    ours = [timed(slimlint + [f]) for f in sample]
    print(f"single file, {len(sample)} files: slimlint median {statistics.median(ours) * 1000:.0f} ms")
    if hadolint:
        theirs = [timed([hadolint, "--no-fail", f]) for f in sample]
        print(f"single file, {len(sample)} files: hadolint median {statistics.median(theirs) * 1000:.0f} ms")

    batch = timed(slimlint + files)
    print(f"batch, {len(files)} files: slimlint {batch:.2f} s ({len(files) / batch:.0f} files/s)")
    if hadolint:
        batch_h = timed([hadolint, "--no-fail"] + files)
        print(f"batch, {len(files)} files: hadolint {batch_h:.2f} s ({len(files) / batch_h:.0f} files/s)")
        print(f"throughput ratio slimlint/hadolint: {batch_h / batch:.1f}x")


if __name__ == "__main__":
    main()
