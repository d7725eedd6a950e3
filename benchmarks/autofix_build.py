"""Prove `slimlint --fix` by building: each case's Dockerfile and its fixed version, with podman, compared.

    python benchmarks/autofix_build.py [CASE | PATH/TO/Dockerfile ...] [--json results.json]

The cases are the folders of benchmarks/autofix_build/ (a Dockerfile, `FROM debian:bookworm`, and its build
context; large inputs are generated here, see `GENERATED`). A path to any other Dockerfile that needs no build
context (a real one from a corpus, say) is built the same way, with an empty context. For each case:

1. `slimlint --format json --context CONTEXT` on the Dockerfile: the findings and the waste they predict;
2. `slimlint --fix` (with the case's extra fix options, `FIX_OPTIONS`) on a copy, then the same lint of the fixed
   copy: the waste the fixes claim to remove is the predicted waste before minus after;
3. both built with podman (`--layers`: one layer per instruction, as docker builds), on the same base: this
   machine's `debian:bookworm` with the official image's apt sources and settings (those of
   benchmarks/cache_sizes, which slimlint's apt figures were measured with);
4. measured: image size, `slimlint image` efficiency, and what the images hold: the installed packages (dpkg's
   status) must be the same, and every file of the original image must be in the fixed one with the same type,
   mode, size and link target, except below the paths the fixes remove on purpose (`REMOVED`); the fixed image
   must hold no file the original lacks.

Needs podman and the network (Debian's archive, PyPI). The images are removed afterwards, with the intermediate
images their builds committed; nothing else in podman's storage is touched. Exit 1 when a fixed Dockerfile does
not build or does another job.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "autofix_build"
APT_SETTINGS = HERE / "cache_sizes"  # debian.sources and docker-official-apt.conf of the official image
BASE_TAG = "localhost/slimlint-autofix/base:bookworm"
IMAGE_REPOSITORY = "localhost/slimlint-autofix"
BUILD_FLAGS = ("--isolation", "chroot", "--network", "host", "--pull=never", "--layers", "--no-cache")
SLIMLINT = (sys.executable, "-m", "dockerlint_slim")

# Paths (and everything below them) the fixes of a case remove from the image on purpose; `DEFAULT_REMOVED` for a
# Dockerfile given by path: the package managers' caches.
DEFAULT_REMOVED = ("/var/lib/apt/lists", "/var/cache/apt", "/root/.cache", "/var/cache/apk", "/root/.npm")
REMOVED = {
    "apt-scattered": ("/var/lib/apt/lists",),
    "seed-mysql": ("/var/lib/apt/lists", "/usr/local/mysql-8.0.36-linux-glibc2.28-x86_64.tar"),
    "pip-cache": ("/root/.cache",),  # pip made /root/.cache for its cache
}
# Fix options beyond --fix (safe fixes only by default: unsafe ones change what the image holds by design).
FIX_OPTIONS: dict[str, tuple[str, ...]] = {}
# Files whose content is a log or a cache of the build itself: they differ between any two builds.
VOLATILE = re.compile(r"^/var/log/|^/var/cache/debconf/|^/var/lib/dpkg/status-old$|^/etc/ld\.so\.cache$|"
                      r"^/var/lib/apt/extended_states$|^/var/cache/ldconfig/")


def generate_tar(path: Path, seed: int, members: int, size: int, prefix: str) -> None:
    """A tar of `members` files of random bytes (incompressible, like the binaries of a real release)."""
    rng = random.Random(seed)
    with tarfile.open(path, "w") as tar:
        for index in range(members):
            data = rng.randbytes(size // members)
            info = tarfile.TarInfo(f"{prefix}bin/part{index:02}")
            info.size, info.mode, info.mtime = len(data), 0o755, 1700000000
            tar.addfile(info, io.BytesIO(data))


GENERATED = {
    "seed-mysql": lambda context: generate_tar(context / "mysql-8.0.36-linux-glibc2.28-x86_64.tar", 3501, 12,
                                               48 * 1024 * 1024, "mysql-8.0.36-linux-glibc2.28-x86_64/"),
}


def run(command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def podman(*args: str) -> str:
    proc = run(["podman", *args])
    if proc.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args[:3])}: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def build(tag: str, dockerfile: Path, context: Path, built_ids: list[str]) -> tuple[bool, float, str]:
    started = time.monotonic()
    proc = run(["podman", "build", *BUILD_FLAGS, "-t", tag, "-f", str(dockerfile), str(context)])
    seconds = time.monotonic() - started
    log = proc.stdout + proc.stderr
    built_ids += re.findall(r"^--> ([0-9a-f]{11,64})\s*$", log, re.M)
    return proc.returncode == 0, seconds, log


def remove_images(tags: list[str], built_ids: list[str]) -> None:
    for name in tags + list(reversed(built_ids)):
        run(["podman", "rmi", name])


def ensure_base() -> None:
    if run(["podman", "image", "exists", BASE_TAG]).returncode == 0:
        return
    with tempfile.TemporaryDirectory(prefix="slimlint-autofix-base-") as folder:
        context = Path(folder)
        shutil.copy(APT_SETTINGS / "debian.sources", context / "debian.sources")
        shutil.copy(APT_SETTINGS / "docker-official-apt.conf", context / "docker-official")
        (context / "sources.list").write_text("")
        (context / "Dockerfile").write_text(
            "FROM debian:bookworm\n"
            "COPY debian.sources /etc/apt/sources.list.d/debian.sources\n"
            "COPY docker-official /etc/apt/apt.conf.d/docker-official\n"
            "COPY sources.list /etc/apt/sources.list\n")
        proc = run(["podman", "build", "--isolation", "chroot", "--pull=never", "-t", BASE_TAG, str(context)])
        if proc.returncode != 0:
            raise SystemExit(f"the base image does not build:\n{proc.stderr[-2000:]}")


def lint(dockerfile: Path, context: Path) -> dict:
    proc = run([*SLIMLINT, "--format", "json", "--fail-level", "none", "--context", str(context), str(dockerfile)])
    if proc.returncode != 0:
        raise SystemExit(f"slimlint failed on {dockerfile}: {proc.stderr}")
    report = json.loads(proc.stdout)
    return {"findings": [f"{f['rule_id']}:{f['line']}" for f in report["findings"]],
            "predicted_waste": report["summary"]["wasted_bytes"]}


def tree(root: Path) -> dict[str, tuple]:
    """Every path of a mounted image: (type, mode, size of regular files, link target)."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(folder, name)
            info = os.lstat(full)
            kind = stat.S_IFMT(info.st_mode)
            found["/" + os.path.relpath(full, root)] = (
                kind, stat.S_IMODE(info.st_mode), info.st_size if stat.S_ISREG(info.st_mode) else None,
                os.readlink(full) if stat.S_ISLNK(info.st_mode) else None)
    return found


def packages(root: Path) -> list[str]:
    status = (root / "var/lib/dpkg/status").read_text(encoding="utf-8", errors="replace")
    found = []
    for block in status.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line[0].isspace())
        if fields.get("Status", "").endswith(" installed"):
            found.append(f"{fields['Package']}={fields['Version']}")
    return sorted(found)


def under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def compare(original: str, fixed: str, removed: tuple[str, ...]) -> dict:
    roots = {}
    try:
        for tag in (original, fixed):
            roots[tag] = Path(podman("image", "mount", tag).strip())
        before, after = tree(roots[original]), tree(roots[fixed])
        only_original = sorted(p for p in before.keys() - after.keys() if not under(p, removed))
        only_fixed = sorted(after.keys() - before.keys())
        differ = sorted(p for p in before.keys() & after.keys()
                        if before[p] != after[p] and not VOLATILE.search(p) and not under(p, removed))
        removed_files = sum(1 for p in before.keys() - after.keys() if under(p, removed))
        same_packages = packages(roots[original]) == packages(roots[fixed])
        package_count = len(packages(roots[fixed]))
    finally:
        for tag in roots:
            run(["podman", "image", "unmount", tag])
    return {"same_packages": same_packages, "packages": package_count, "removed_on_purpose": removed_files,
            "only_in_original": only_original, "only_in_fixed": only_fixed, "different": differ}


def image_figures(tag: str) -> dict:
    size = int(podman("image", "inspect", "--format", "{{.Size}}", tag).strip())
    proc = run([*SLIMLINT, "image", f"podman://{tag}", "--format", "json", "--fail-level", "none"])
    if proc.returncode != 0:
        return {"size": size, "efficiency": None, "wasted": None}
    report = json.loads(proc.stdout)
    return {"size": size, "efficiency": round(report["efficiency"], 4), "wasted": report["wasted_bytes"]}


def check_case(case: str) -> dict:
    given = Path(case)
    name = re.sub(r"[^a-z0-9.-]+", "-", given.name.lower()) if given.is_file() else case
    with tempfile.TemporaryDirectory(prefix=f"slimlint-autofix-{name}-") as folder:
        context = Path(folder) / "context"
        if given.is_file():
            context.mkdir()
            shutil.copy(given, context / "Dockerfile")
        else:
            shutil.copytree(CASES / case, context)
        if name in GENERATED:
            GENERATED[name](context)
        original_file = context / "Dockerfile"
        fixed_file = context / "Dockerfile.fixed"
        shutil.copy(original_file, fixed_file)
        fix = run([*SLIMLINT, "--fix-only", "--show-fixes", "--context", str(context), *FIX_OPTIONS.get(name, ()),
                   str(fixed_file)])
        if fix.returncode != 0:
            raise SystemExit(f"{name}: slimlint --fix failed: {fix.stderr}")
        result = {"case": case, "fix_options": list(FIX_OPTIONS.get(name, ())),
                  "fixes": [line.strip() for line in fix.stderr.splitlines() if re.match(r"\s+\d+ × ", line)],
                  "fixed_dockerfile": fixed_file.read_text(),
                  "lint_original": lint(original_file, context), "lint_fixed": lint(fixed_file, context)}
        result["claimed_saving"] = (result["lint_original"]["predicted_waste"]
                                    - result["lint_fixed"]["predicted_waste"])
        tags = {kind: f"{IMAGE_REPOSITORY}/{name}-{kind}:{os.getpid()}" for kind in ("original", "fixed")}
        built_ids: list[str] = []
        try:
            for kind, dockerfile in (("original", original_file), ("fixed", fixed_file)):
                buildable = context / f"Dockerfile.{kind}.build"
                buildable.write_text(re.sub(r"(?m)^FROM debian:bookworm\b", f"FROM {BASE_TAG}",
                                            dockerfile.read_text()))
                ok, seconds, log = build(tags[kind], buildable, context, built_ids)
                result[kind] = {"builds": ok, "build_seconds": round(seconds, 1)}
                if not ok:
                    result[kind]["log_tail"] = log.strip().splitlines()[-15:]
                    return result
                result[kind].update(image_figures(tags[kind]))
            result["measured_saving"] = result["original"]["size"] - result["fixed"]["size"]
            removed = DEFAULT_REMOVED if given.is_file() else REMOVED.get(name, ())
            result["same_job"] = compare(tags["original"], tags["fixed"], removed)
        finally:
            remove_images(list(tags.values()), built_ids)
    return result


def verdict(result: dict) -> list[str]:
    problems = []
    if not result.get("original", {}).get("builds"):
        problems.append("the original does not build")
    elif not result.get("fixed", {}).get("builds"):
        problems.append("the fixed Dockerfile does not build")
    same = result.get("same_job")
    if same:
        if not same["same_packages"]:
            problems.append("the installed packages differ")
        for key in ("only_in_original", "only_in_fixed", "different"):
            if same[key]:
                problems.append(f"{key}: {len(same[key])} paths, e.g. {', '.join(same[key][:5])}")
    return problems


def mib(value) -> str:
    return "-" if value is None else f"{value / 1048576:.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", default=sorted(p.name for p in CASES.iterdir() if p.is_dir()))
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if shutil.which("podman") is None:
        raise SystemExit("podman is needed")
    ensure_base()
    results, failed = [], False
    for name in args.cases:
        result = check_case(name)
        problems = verdict(result)
        failed |= bool(problems)
        result["problems"] = problems
        results.append(result)
        original, fixed = result.get("original", {}), result.get("fixed", {})
        print(f"== {name}: {'OK' if not problems else 'FAILED: ' + '; '.join(problems)}")
        print(f"   fixes: {', '.join(result['fixes'])}")
        print(f"   size: {mib(original.get('size'))} -> {mib(fixed.get('size'))} "
              f"(saved {mib(result.get('measured_saving'))}; the findings claimed {mib(result['claimed_saving'])})")
        print(f"   efficiency: {original.get('efficiency')} -> {fixed.get('efficiency')}; build: "
              f"{original.get('build_seconds')} s -> {fixed.get('build_seconds')} s")
        if result.get("same_job"):
            same = result["same_job"]
            print(f"   same packages: {same['same_packages']} ({same['packages']}); files removed on purpose: "
                  f"{same['removed_on_purpose']}; other differences: {len(same['only_in_original'])} only in the "
                  f"original, {len(same['only_in_fixed'])} only in the fixed, {len(same['different'])} changed")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
