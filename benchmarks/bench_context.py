"""Benchmark: scan a generated 60,000-file build context and compare with `find CTX -type f`.

The context mimics a Node project: a source tree, a `node_modules/` and a `.git/` that `.dockerignore` excludes
(so slimlint prunes them), plus an un-ignored variant where every file must be visited. Files are sparse, so the
tree costs inodes, not disk. Measured (medians; CPU time of child processes beside wall time, as it is steadier on
a loaded machine):

- `find CTX -type f` (every file) and a Python `os.scandir` walk that skips the ignored top-level folders (the
  least a Python scan of this context can do);
- `scan_context` in-process, with the `.dockerignore` and without it;
- what `--context` adds to a whole `slimlint Dockerfile` run (its rules included), interleaved runs of
  `slimlint Dockerfile` and `slimlint Dockerfile --context CTX`.

    python benchmarks/bench_context.py [--files 60000] [--repeat 7] [--keep DIR]

Prints one line per measurement and exits 1 when the ignored-context ratio to `find` exceeds --max-ratio
(default 3).
"""

from __future__ import annotations

import argparse
import os
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from dockerlint_slim.context import scan_context  # noqa: E402

IGNORE = "node_modules\n.git\n*.log\n"
DOCKERFILE = "FROM node:20-slim\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"src/index.js\"]\n"


def generate(root: str, total: int) -> dict[str, int]:
    """Write `total` sparse files: ~15% source, ~65% node_modules, ~20% .git objects. Returns counts per area."""
    counts = {"src": total * 15 // 100, "node_modules": total * 65 // 100}
    counts[".git"] = total - counts["src"] - counts["node_modules"]
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, ".dockerignore"), "w") as handle:
        handle.write(IGNORE)
    made = 0
    for area, count in counts.items():
        for index in range(count):
            if area == "src":
                folder = os.path.join(root, "src", f"mod{index % 40}", f"pkg{index % 7}")
                name = f"file{index}.ts"
            elif area == "node_modules":
                folder = os.path.join(root, "node_modules", f"pkg{index % 900}", "lib" if index % 3 else "dist")
                name = f"f{index}.js"
            else:
                folder = os.path.join(root, ".git", "objects", f"{index % 256:02x}")
                name = f"{index:038x}"
            os.makedirs(folder, exist_ok=True)
            fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT, 0o644)
            os.ftruncate(fd, 100 + index % 5000)
            os.close(fd)
            made += 1
    assert made == total
    return counts


def time_find(root: str, repeat: int) -> tuple[float, int]:
    """Median CPU seconds (user + system, from wait4) of `find ROOT -type f`, and the files it lists."""
    times = []
    count = 0
    for _ in range(repeat):
        with tempfile.TemporaryFile() as listing:
            process = subprocess.Popen(["find", root, "-type", "f"], stdout=listing)
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = 0
            times.append(usage.ru_utime + usage.ru_stime)
            listing.seek(0)
            count = listing.read().count(b"\n")
    return statistics.median(times), count


def time_scan(root: str, repeat: int) -> tuple[float, int]:
    """Median CPU seconds of scan_context in this process (time.process_time: waits for the disk excluded)."""
    times = []
    files = 0
    for _ in range(repeat):
        start = time.process_time()
        context = scan_context(root)
        times.append(time.process_time() - start)
        files = context.file_count()
    return statistics.median(times), files


def time_scan_process(root: str, repeat: int) -> float:
    """The scan in a fresh interpreter (CPU of the child), so interpreter start-up is counted as find's is."""
    code = "import sys; from dockerlint_slim.context import scan_context; scan_context(sys.argv[1])"
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    return statistics.median(child_cpu([sys.executable, "-c", code, root], env)[1] for _ in range(repeat))


def time_pruned_walk(root: str, repeat: int) -> tuple[float, int]:
    """A bare os.scandir walk that lstat's every entry and skips the ignored top-level folders."""
    skipped = {"node_modules", ".git"}
    times = []
    count = 0
    for _ in range(repeat):
        start = time.process_time()
        count = 0
        stack = [root]
        while stack:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    info = entry.stat(follow_symlinks=False)
                    if stat.S_ISDIR(info.st_mode):
                        if entry.path[len(root) + 1:] not in skipped:
                            stack.append(entry.path)
                    else:
                        count += 1
        times.append(time.process_time() - start)
    return statistics.median(times), count


def child_cpu(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def time_cli_extra(root: str, repeat: int) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) of `slimlint Dockerfile` with and without `--context`, runs interleaved."""
    dockerfile = os.path.join(root, "Dockerfile")
    with open(dockerfile, "w") as handle:
        handle.write(DOCKERFILE)
    # The installed console script when there is one: run from a checkout, every module is compiled again on each
    # start where bytecode is not written (PYTHONDONTWRITEBYTECODE), which is not what a user's run costs.
    installed = os.path.join(os.path.dirname(sys.executable), "slimlint")
    if os.path.exists(installed):
        env, base = dict(os.environ), [installed]
    else:
        env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
        base = [sys.executable, "-m", "dockerlint_slim"]
    base += ["--no-color", dockerfile]
    commands = {"without --context": base, "with --context": base + ["--context", root]}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for command in commands.values():
        child_cpu(command, env)
    for _ in range(repeat):
        for name, command in commands.items():
            samples[name].append(child_cpu(command, env))
    os.unlink(dockerfile)
    return {name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
            for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--max-ratio", type=float, default=3.0)
    parser.add_argument("--keep", help="generate into this folder and keep it")
    args = parser.parse_args()

    root = args.keep or tempfile.mkdtemp(prefix="slimlint-bench-")
    try:
        start = time.perf_counter()
        counts = generate(root, args.files)
        print(f"generated {args.files} files {counts} in {time.perf_counter() - start:.1f}s at {root}")
        # Warm the dentry/inode caches so both tools measure walking, not the disk.
        time_find(root, 1)

        find_s, find_count = time_find(root, args.repeat)
        scan_s, scan_files = time_scan(root, args.repeat)
        proc_s = time_scan_process(root, max(3, args.repeat // 2))
        walk_s, walk_count = time_pruned_walk(root, args.repeat)
        print("CPU time, medians (wall time is mostly other people's jobs on a shared machine):")
        print(f"find -type f           : {find_s * 1000:8.1f} ms  ({find_count} files)")
        print(f"pruned os.scandir walk : {walk_s * 1000:8.1f} ms  ({walk_count} files)")
        print(f"scan, ignored (in-proc): {scan_s * 1000:8.1f} ms  ({scan_files} files in context)  ratio to find "
              f"{scan_s / find_s:.2f}x, to the pruned walk {scan_s / walk_s:.2f}x")
        print(f"scan, ignored (process): {proc_s * 1000:8.1f} ms  ratio {proc_s / find_s:.2f}x")

        os.rename(os.path.join(root, ".dockerignore"), os.path.join(root, "dockerignore.off"))
        full_s, full_files = time_scan(root, args.repeat)
        os.rename(os.path.join(root, "dockerignore.off"), os.path.join(root, ".dockerignore"))
        print(f"scan, nothing ignored  : {full_s * 1000:8.1f} ms  ({full_files} files)  ratio {full_s / find_s:.2f}x")

        cli = time_cli_extra(root, args.repeat)
        for name, (wall, cpu) in cli.items():
            print(f"slimlint Dockerfile, {name:<17}: {wall * 1000:8.1f} ms wall  {cpu * 1000:8.1f} ms CPU")
        extra_wall = cli["with --context"][0] - cli["without --context"][0]
        extra_cpu = cli["with --context"][1] - cli["without --context"][1]
        print(f"--context adds         : {extra_wall * 1000:8.1f} ms wall  {extra_cpu * 1000:8.1f} ms CPU  "
              f"(CPU ratio to the pruned walk {extra_cpu / walk_s:.2f}, to find {extra_cpu / find_s:.2f})")

        ratio = scan_s / find_s
        print(f"target <= {args.max_ratio}x for the ignored context: {'PASS' if ratio <= args.max_ratio else 'FAIL'}")
        return 0 if ratio <= args.max_ratio else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
