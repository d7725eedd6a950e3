"""Benchmark `slimlint server`: time from a change of the buffer to its published diagnostics (not a test).

Drives the real server over stdio (the test suite's LSP client, tests/server/lspclient.py) with a 200-line real
Dockerfile (docker-library's php 8.5 Alpine CLI image, from the vendored corpus) in a temporary folder that is its
build context. After a warm-up, it types: each change inserts or deletes one character of a RUN line, and waits for
the diagnostics of that version before the next change. Prints p50 / p95 / max over the measured changes.

    python benchmarks/bench_server.py [--changes 300] [--warmup 30] [--file PATH] [--context-files N]

`--context-files N` adds N files to the build context (a large monorepo folder): the first diagnostics come before
the context is scanned (its findings follow when the scan is done), and typing never walks it again, so the
latencies stay those of a small context.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server.lspclient import LspClient  # noqa: E402

DEFAULT_FILE = ROOT / "tests" / "corpus" / "docker-library+php" / "8.5" / "alpine3.23" / "cli" / "Dockerfile"


def fill_context(folder: Path, count: int) -> None:
    for index in range(count):
        sub = folder / "src" / f"pkg{index // 1000}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"file{index}.txt").write_bytes(b"x" * (index % 5000))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--context-files", type=int, default=0)
    args = parser.parse_args()

    text = args.file.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    # The line to type in: the longest RUN continuation line in the middle of the file (a package list, a script).
    middle = range(len(lines) // 3, 2 * len(lines) // 3)
    line = max(middle, key=lambda i: len(lines[i]) if lines[i].rstrip().endswith("\\") else 0)
    column = len(lines[line].rstrip("\r\n").rstrip("\\").rstrip())

    with tempfile.TemporaryDirectory(prefix="slimlint-bench-") as tmp:
        folder = Path(tmp)
        dockerfile = folder / "Dockerfile"
        shutil.copyfile(args.file, dockerfile)
        if args.context_files:
            started = time.perf_counter()
            fill_context(folder, args.context_files)
            print(f"context: {args.context_files} files made in {time.perf_counter() - started:.1f} s")
        client = LspClient(cwd=folder)
        try:
            client.initialize(folder)
            started = time.perf_counter()
            uri = client.open(dockerfile, text)
            client.diagnostics(uri, version=1)
            first = time.perf_counter() - started
            print(f"{args.file.relative_to(ROOT) if args.file.is_relative_to(ROOT) else args.file}: "
                  f"{len(lines)} lines; first diagnostics {first * 1000:.0f} ms after didOpen")
            if args.context_files:
                started = time.perf_counter()
                # Republished once the context scan is done (the context rules then ran).
                client.diagnostics(uri, version=1, after=len(client.notifications))
                print(f"context scanned, diagnostics republished {(time.perf_counter() - started + first) * 1000:.0f}"
                      " ms after didOpen")
            version = 1
            latencies: list[float] = []
            for step in range(args.warmup + args.changes):
                version += 1
                typed = step % 2 == 0
                position = {"line": line, "character": column + (0 if typed else 1)}
                range_ = {"start": {"line": line, "character": column},
                          "end": position if not typed else {"line": line, "character": column}}
                mark = len(client.notifications)
                started = time.perf_counter()
                client.change(uri, version, "x" if typed else "", range_)
                client.diagnostics(uri, version=version, after=mark)
                elapsed = time.perf_counter() - started
                if step >= args.warmup:
                    latencies.append(elapsed * 1000)
            code = client.shutdown_and_exit()
        finally:
            client.kill()
    print(f"{len(latencies)} changes after {args.warmup} warm-up changes, change -> publishDiagnostics: "
          f"p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
          f"max {max(latencies):.1f} ms, mean {statistics.mean(latencies):.1f} ms")
    print(f"load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs); server exit code {code}")


if __name__ == "__main__":
    main()
