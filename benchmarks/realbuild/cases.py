"""The real-build ground-truth cases: loading, content hashes, and the build contexts with their generated files.

Each case is a folder of `cases/` with a `Dockerfile`, the small files of its build context, and a `case.toml`:

    summary = "what it covers"
    role = "bad" | "fixed" | "good"
    twin = "NAME"        # for a bad case: the Dockerfile a careful human would write instead (a "fixed" case)
    twin_of = "NAME"     # for a second fixed variant of a bad case (the bad case names its main twin)
    rules = ["SL201"]    # the rules the case is about (the findings it must get)
    waste = "known" | "estimated" | "unknown" | "none"
    ci = true            # built by tests/realbuild (all cases are built by run.py)
    base = "debootstrap" # build on this machine's debootstrap debian:bookworm as it is (default: "official-apt",
                         # the same plus the official image's apt sources and settings; see base/Dockerfile)
    junk = ["app/.git"]  # image paths (no leading slash) whose bytes are waste although readable at the end

    [[generate]]         # large context files, generated so that nothing large is committed
    path = "vendor.tar"
    kind = "tar"         # random | text | tar | dir | git
    bytes = 25165824     # content bytes (for a tar: of its members, before compression)
    seed = 1501
    members = 6          # tar: number of member files; dir: `files` = number of files
    compression = "gz"   # tar: "" (default), "gz" or "xz"
    content = "text"     # tar: "random" (default, does not compress) or "text" (gzip: about 4x smaller)
    prefix = "dir/"      # tar: folder of the members inside the archive
    header = "#!/bin/sh\\n..."  # random: text written before the random bytes

`waste` says where the case's waste comes from, which decides what a prediction must do:
- known: files of the build context the model can size (copied tars, chmod'd folders, junk): predicted waste must
  be within the tolerance of the measured waste;
- estimated: a package manager cache whose typical size slimlint knows from measurements (apt lists): the same
  tolerance, once the estimate comes from a measurement;
- unknown: bytes no one can know before the build (a download, a pip/npm/go cache, recommended packages without
  a package table): the prediction must say "unknown", never a wrong number;
- none: no waste (fixed twins).

Generated files are deterministic (seeded `random.Random`, fixed tar metadata, gzip without a timestamp), so a
case's content hash (its committed files plus GENERATOR_VERSION) identifies its build context.

    python benchmarks/realbuild/cases.py CASE OUT_DIR   # materialize one case's context (to build it by hand)
"""

from __future__ import annotations

import gzip
import hashlib
import io
import lzma
import random
import re
import shutil
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
CASES_DIR = HERE / "cases"

# Bump when the generators below write different bytes for the same case.toml: cached builds are keyed by it.
GENERATOR_VERSION = 1

ROLES = ("bad", "fixed", "good")
BASES = ("official-apt", "debootstrap")
WASTE_KINDS = ("known", "estimated", "unknown", "none")
TAR_MTIME = 1_700_000_000


@dataclass
class Case:
    name: str
    path: Path
    summary: str
    role: str
    waste: str
    rules: list[str]
    ci: bool
    twin: str | None = None
    twin_of: str | None = None
    junk: list[str] = field(default_factory=list)
    base: str = "official-apt"
    generate: list[dict] = field(default_factory=list)

    @property
    def dockerfile(self) -> Path:
        return self.path / "Dockerfile"

    def context_files(self) -> list[Path]:
        """The committed files of the build context: the case folder but its case.toml (metadata)."""
        return sorted(p for p in self.path.rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts and p != self.path / "case.toml")

    def content_hash(self) -> str:
        """sha256 of the committed context files (names and bytes), the generated files' specifications and the
        generator version: equal hashes, equal builds (for the same base image). Editing the summary or the
        flags of case.toml does not invalidate a build."""
        import json

        digest = hashlib.sha256(f"generator {GENERATOR_VERSION}\n".encode())
        digest.update(json.dumps(self.generate, sort_keys=True).encode() + b"\n")
        for file in self.context_files():
            rel = file.relative_to(self.path).as_posix()
            data = file.read_bytes()
            digest.update(f"{rel}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()


class CaseError(ValueError):
    pass


def load_case(path: Path) -> Case:
    toml_path = path / "case.toml"
    try:
        meta = tomllib.loads(toml_path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CaseError(f"{toml_path}: {error}") from None
    if not (path / "Dockerfile").is_file():
        raise CaseError(f"{path}: no Dockerfile")
    unknown = set(meta) - {"summary", "role", "twin", "twin_of", "rules", "waste", "ci", "junk", "base", "generate"}
    if unknown:
        raise CaseError(f"{toml_path}: unknown keys {sorted(unknown)}")
    case = Case(name=path.name, path=path, summary=meta.get("summary", ""), role=meta.get("role", ""),
                waste=meta.get("waste", ""), rules=list(meta.get("rules", [])), ci=bool(meta.get("ci", False)),
                twin=meta.get("twin"), twin_of=meta.get("twin_of"), junk=list(meta.get("junk", [])),
                base=meta.get("base", "official-apt"), generate=list(meta.get("generate", [])))
    if case.role not in ROLES:
        raise CaseError(f"{toml_path}: role must be one of {ROLES}")
    if case.base not in BASES:
        raise CaseError(f"{toml_path}: base must be one of {BASES}")
    if case.waste not in WASTE_KINDS:
        raise CaseError(f"{toml_path}: waste must be one of {WASTE_KINDS}")
    if case.role == "bad" and not case.twin:
        raise CaseError(f"{toml_path}: a bad case names its fixed twin")
    return case


def load_cases(names: list[str] | None = None) -> list[Case]:
    cases = {p.name: load_case(p) for p in sorted(CASES_DIR.iterdir()) if p.is_dir()}
    for case in cases.values():
        for other in (case.twin, case.twin_of):
            if other is not None and other not in cases:
                raise CaseError(f"{case.name}: twin {other!r} is not a case")
    if names is None:
        return list(cases.values())
    missing = [n for n in names if n not in cases]
    if missing:
        raise CaseError(f"no such case: {', '.join(missing)}")
    return [cases[n] for n in names]


# --- build contexts -------------------------------------------------------------------------------------------

def materialize(case: Case, out: Path) -> Path:
    """Copy the case's committed context files to `out` and generate its large files there. Returns `out`."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for file in case.context_files():
        target = out / file.relative_to(case.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, target)
    for spec in case.generate:
        target = out / spec["path"]
        if target.exists():
            raise CaseError(f"{case.name}: generated path {spec['path']} is also committed")
        generate(spec, target)
    return out


def generate(spec: dict, target: Path) -> None:
    kind, size, seed = spec["kind"], int(spec["bytes"]), int(spec["seed"])
    target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "random":
        target.write_bytes(spec.get("header", "").encode() + random_bytes(size, seed))
    elif kind == "text":
        target.write_bytes(text_bytes(size, seed))
    elif kind == "dir":
        target.mkdir(parents=True, exist_ok=True)
        for index, part in enumerate(_split(size, int(spec.get("files", 1)))):
            (target / f"file-{index:02d}.bin").write_bytes(random_bytes(part, seed + index))
    elif kind == "tar":
        target.write_bytes(tar_bytes(spec, size, seed))
    elif kind == "git":
        _fake_git(target, size, seed)
    else:
        raise CaseError(f"unknown generator kind {kind!r}")


def random_bytes(size: int, seed: int) -> bytes:
    """Bytes that do not compress (so gzip layers or archives cannot make them vanish)."""
    return random.Random(seed).randbytes(size)


_WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
          "quebec romeo sierra tango uniform victor whiskey xray yankee zulu config build layer image cache "
          "package install server client request response token value index table record field").split()


def text_bytes(size: int, seed: int) -> bytes:
    """Log-like text that gzip compresses about 4x: lines picked at random from a pool of 4096 random lines."""
    rng = random.Random(seed)
    pool = []
    for number in range(4096):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 14)))
        pool.append(f"{number:05d} {rng.randint(0, 10**9):09d} {words}\n".encode())
    out = bytearray()
    picks = rng.randbytes(size // 16 + 64)
    i = 0
    while len(out) < size:
        out += pool[(picks[i] << 4 | picks[i + 1] >> 4) % len(pool)]
        i = (i + 2) % (len(picks) - 1)
    return bytes(out[:size])


def tar_bytes(spec: dict, size: int, seed: int) -> bytes:
    members = int(spec.get("members", 1))
    prefix = spec.get("prefix", "")
    text = spec.get("content", "random") == "text"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        if prefix:
            info = tarfile.TarInfo(prefix.rstrip("/"))
            info.type, info.mode, info.mtime, info.uname, info.gname = tarfile.DIRTYPE, 0o755, TAR_MTIME, "root", "root"
            archive.addfile(info)
        for index, part in enumerate(_split(size, members)):
            data = text_bytes(part, seed + index) if text else random_bytes(part, seed + index)
            info = tarfile.TarInfo(f"{prefix}part-{index:02d}.{'txt' if text else 'bin'}")
            info.size, info.mode, info.mtime, info.uname, info.gname = len(data), 0o644, TAR_MTIME, "root", "root"
            archive.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    compression = spec.get("compression", "")
    if compression == "gz":
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, filename="", compresslevel=6) as gz:
            gz.write(raw)
        return out.getvalue()
    if compression == "xz":
        return lzma.compress(raw, preset=0)
    if compression:
        raise CaseError(f"unknown compression {compression!r}")
    return raw


def _fake_git(target: Path, size: int, seed: int) -> None:
    """A `.git` folder as a clone leaves it: HEAD, config, refs, and a pack file of `size` random bytes."""
    (target / "refs" / "heads").mkdir(parents=True, exist_ok=True)
    (target / "objects" / "pack").mkdir(parents=True, exist_ok=True)
    (target / "HEAD").write_text("ref: refs/heads/main\n")
    (target / "config").write_text("[core]\n\trepositoryformatversion = 0\n\tbare = false\n")
    name = hashlib.sha1(str(seed).encode()).hexdigest()
    (target / "refs" / "heads" / "main").write_text(hashlib.sha1(str(seed + 1).encode()).hexdigest() + "\n")
    (target / "objects" / "pack" / f"pack-{name}.pack").write_bytes(random_bytes(size, seed))


def _split(size: int, parts: int) -> list[int]:
    base = size // parts
    return [base] * (parts - 1) + [size - base * (parts - 1)]


# --- building with buildah 1.28 --------------------------------------------------------------------------------

_HEREDOC_RUN = re.compile(r"^RUN((?:\s+--\S+)*)\s+<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\3\s*$")
_FROM_DEBIAN = re.compile(r"^(FROM\s+(?:--platform=\S+\s+)?)(?:docker\.io/)?(?:library/)?debian:(?:bookworm|12)(\s|$)",
                          re.IGNORECASE)


def buildable_dockerfile(text: str, base: str | None = None) -> str:
    """The Dockerfile podman builds, which does exactly what the case's Dockerfile says:
    - `FROM debian:bookworm` names `base` when given (the base image with the official image's apt settings);
    - buildah 1.28 (Debian 12's podman) has no heredocs: a RUN whose whole command is one heredoc is the heredoc
      used as the RUN's script, which BuildKit runs as `<shell> -c <body>`, so it becomes the exec form
      `RUN [flags] ["/bin/sh", "-c", "<body>"]` with the same flags: the same file system changes in the same
      one layer. Any other heredoc is an error (no case uses one)."""
    import json

    lines = text.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if base is not None and _FROM_DEBIAN.match(line):
            line = _FROM_DEBIAN.sub(lambda m: m.group(1) + base + m.group(2), line, count=1)
        match = _HEREDOC_RUN.match(line.rstrip("\n"))
        if match is None:
            if "<<" in line and line.lstrip().upper().startswith(("RUN", "COPY", "ADD")):
                raise CaseError(f"heredoc form podman cannot build: {line.strip()}")
            out.append(line)
            i += 1
            continue
        flags, strip_tabs, _, word = match.groups()
        body: list[str] = []
        i += 1
        while i < len(lines) and (lines[i].lstrip("\t") if strip_tabs else lines[i]).rstrip("\n") != word:
            body.append(lines[i].lstrip("\t") if strip_tabs else lines[i])
            i += 1
        if i == len(lines):
            raise CaseError(f"heredoc {word} is not closed")
        i += 1
        out.append(f"RUN{flags} {json.dumps(['/bin/sh', '-c', ''.join(body)])}\n")
    return "".join(out)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python benchmarks/realbuild/cases.py CASE OUT_DIR", file=sys.stderr)
        return 2
    case = load_cases([argv[0]])[0]
    out = materialize(case, Path(argv[1]))
    (out.parent / f"{case.name}.Dockerfile.podman").write_text(buildable_dockerfile(case.dockerfile.read_text()))
    print(f"{out} (build with: podman build --isolation chroot --network host --pull=never "
          f"-f {out.parent / (case.name + '.Dockerfile.podman')} {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
