"""What it does
Flags npm, yarn and pnpm installs in a layer of the image that leave the package manager's cache behind:

- `npm install|i|ci|add|update` (and their aliases) unless the same `RUN` runs `npm cache clean --force` (aliases
  `clear`, `rm`) or removes `~/.npm` (or `$npm_config_cache`) after it, or a cache/tmpfs mount covers `~/.npm`;
- `yarn` / `yarn install|add|upgrade|global add` unless `yarn cache clean` follows or the yarn cache folder is
  removed (`/usr/local/share/.cache/yarn`, `~/.cache/yarn`, `$YARN_CACHE_FOLDER`, `$(yarn cache dir)`), or a cache
  mount covers it; `yarn --version` installs nothing;
- `pnpm install|i|add|fetch|update` unless `pnpm store prune` follows, the store is removed, or a cache mount
  covers the store (`~/.local/share/pnpm/store`, `$PNPM_HOME/store`, `--store-dir`, `pnpm config set store-dir`).

`export YARN_CACHE_FOLDER="$(mktemp -d)" && yarn install && rm -r "$YARN_CACHE_FOLDER"` is a cleanup (so is the same
with `npm_config_cache`); a `RUN` that sets the cache's place itself and never removes it is not guessed. A cache
mount whose target names the tool (`/root/.npm`, `/usr/local/share/.cache/yarn`, `/pnpm/store`) counts, and so does
a cleanup script of the project. Only stages that reach the image are checked.

Where the cache is: yarn v1 run by root keeps it in `/usr/local/share/.cache/yarn` whatever `$HOME` says (checked
with Debian 12's yarnpkg 1.22: nothing was written under `$HOME`); as another user in `~/.cache/yarn`. npm and pnpm
use `$HOME`: the `HOME` an `ENV` sets, else the one the base image sets for every user (Red Hat's UBI language
images, `ubi9/nodejs-22`, `nodejs-22-minimal`: `/opt/app-root/src`, root included), else the home of the user the
`RUN` runs as.

Why is this bad?
Each of these tools keeps a compressed copy of every package it downloads (npm in `~/.npm/_cacache`, yarn v1 in
`/usr/local/share/.cache/yarn` for root, pnpm in its content-addressed store). The copy sits next to
`node_modules` in the layer.

Sizes
As large as the downloads, so the message says "size unknown". Measured examples (Debian 12's npm 9 and yarn 1.22,
`express axios lodash`, 2026-11-30): npm's cache 7.4 MiB next to a 6.9 MiB `node_modules`; yarn's 10.1 MiB
(`knowledge/cache_sizes.py`, `benchmarks/cache_sizes/`). `npm cache clean --force` and `npm cache clear --force` were
checked to build and empty the cache.

Example
```dockerfile
FROM node:20-slim
RUN npm ci --omit=dev
```

Use instead
```dockerfile
FROM node:20-slim
RUN npm ci --omit=dev && npm cache clean --force
```

or `RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev`.

Fix
`--fix` ends the `RUN` with `npm cache clean --force` or `yarn cache clean` (through `sudo` when the install
was). The yarn fix is safe only when the install passes a yarn 1 option (`--frozen-lockfile`, `--production`,
...): yarn 2+ with Plug'n'Play loads packages from its cache at run time, so elsewhere it is unsafe, and there is
none when the stage shows yarn 2+ (corepack, `yarn set version`, a copied `.yarnrc.yml`). No fix for pnpm
(`pnpm store prune` keeps what node_modules links to) or when the install names its own cache folder.

Known limits
- yarn 2+ (berry) keeps its cache in the project (`.yarn/cache`) or `~/.yarn/berry/cache`; `yarn workspaces focus`
  is not checked.
- bun is not checked.
- A base image that runs as another user without saying so puts the cache in that user's home: the message names
  root's.

hadolint equivalent: DL3060 (yarn only).
"""

from __future__ import annotations

import weakref

from dockerlint_slim.diagnostics import SAFE, UNSAFE, Finding, Fix
from dockerlint_slim.fixes.edits import append_command, privilege_prefix
from dockerlint_slim.knowledge.package_managers import (
    CACHE_ENV,
    CACHE_QUERIES,
    CLEAN,
    CONFIG,
    INSTALL,
    NPM,
    NPM_CACHE,
    PNPM,
    PNPM_STORES,
    YARN,
    YARN_ROOT_CACHE,
    YARN_USER_CACHES,
    is_cleanup_script,
    cache_home,
    package_call,
    run_assigns,
)
from dockerlint_slim.model.queries import (
    command_position,
    image_runs,
    last_command_where,
    mount_covers_path,
    rehome,
    run_removes_path,
    user_before,
    var_before,
)
from dockerlint_slim.shell.argv import program_argv
from dockerlint_slim.shell.commands import removed_paths, removes_asked_path, removes_variable_path

ID = "SL206"
NAME = "node-package-cache"
SEVERITY = "warning"
SUMMARY = "npm/yarn/pnpm install leaves the package cache in the layer"
TAGS = ("cache", "node")
FIX = "sometimes"

NODE_MANAGERS = (NPM, YARN, PNPM)
CACHE_DIRS = {
    "npm": (NPM_CACHE,),
    "yarn": (YARN_ROOT_CACHE, *YARN_USER_CACHES),
    "pnpm": PNPM_STORES,
}
CLEAN_COMMAND = {"npm": "npm cache clean --force", "yarn": "yarn cache clean", "pnpm": "pnpm store prune"}


def node_call(command):
    call = package_call(program_argv(command))
    return call if call is not None and call.manager in NODE_MANAGERS else None


def default_dirs(tool: str, home: str | None, root: bool = True) -> list[str]:
    """The tool's own cache directories for a user whose home is `home` (root's when unknown). yarn v1 run by root
    caches in /usr/local/share/.cache/yarn whatever $HOME is; as another user in ~/.cache/yarn."""
    if home in (None, "/root"):
        return list(CACHE_DIRS[tool]) if root or home is None else [d for d in CACHE_DIRS[tool] if d != YARN_ROOT_CACHE]
    moved = [rehome(d, home) for d in CACHE_DIRS[tool] if d.startswith("/root/")]
    return ([YARN_ROOT_CACHE] if root and tool == "yarn" else []) + moved


def cache_dirs(tool: str, argv: tuple[str, ...], stage, run, command, configured: str | None = None) -> list[str]:
    dirs = default_dirs(tool, cache_home(stage, run), user_before(stage, run) == "root")
    if configured:
        dirs.append(configured)
    flag = package_call(argv).option("--cache", "--cache-folder", "--store-dir")
    if flag:
        dirs.append(flag)
    env = dict(command.env)
    for name in CACHE_ENV.get(tool, ()):
        value = env.get(name) or var_before(stage, run, name)
        if value:
            dirs.append(value)
    if tool == "pnpm":
        home = env.get("PNPM_HOME") or var_before(stage, run, "PNPM_HOME")
        if home:
            dirs.append(home.rstrip("/") + "/store")
    return dirs


CONFIG_KEYS = {"npm": "cache", "yarn": "cache-folder", "pnpm": "store-dir"}


def configured_dir(call, tool: str) -> str | None:
    """The folder `pnpm config set store-dir DIR` (`npm config set cache DIR`, `yarn config set cache-folder DIR`)
    sets for `tool`, None for any other command."""
    words = call.operands if call is not None and call.name == tool and call.action == CONFIG else ()
    if words[:1] == ("set",) and len(words) >= 2:
        key, _, value = words[1].partition("=")
        value = value or (words[2] if len(words) > 2 else "")
        if key == CONFIG_KEYS[tool] and value.startswith("/"):
            return value
    return None


def _mount_names_tool(run, tool: str) -> bool:
    names = {"npm": (".npm", "npm"), "yarn": ("yarn",), "pnpm": ("pnpm",)}[tool]
    return any(m.type in ("cache", "tmpfs") and m.target and any(n in m.target for n in names) for m in run.mounts)


def _cleans(tool: str, command, dirs: list[str], run, home: str = "/root") -> bool:
    if is_cleanup_script(program_argv(command)):
        return True  # a project cleanup script (`clean-layer.sh`): what it removes cannot be known
    call = node_call(command)
    if call is not None and call.name == tool and call.action == CLEAN:
        return True
    if removes_asked_path(command, *CACHE_QUERIES[tool]):
        return True
    # `export YARN_CACHE_FOLDER="$(mktemp -d)" && yarn install && rm -r "$YARN_CACHE_FOLDER"`
    if removes_variable_path(command, *CACHE_ENV[tool]):
        return True
    return any(run_removes_path(run, command, d, home=home) for d in dirs)


def _some_home_cache(command, defaults: tuple[str, ...]) -> bool:
    """An rm of `<some home>/.npm` (`~/.cache/yarn`, ...): with an unknown $HOME, the cleanup of that user's cache."""
    suffixes = tuple(d[len("/root"):] for d in defaults if d.startswith("/root/"))
    suffixes += tuple(s.rsplit("/", 1)[0] for s in suffixes if s.count("/") > 1)  # ~/.npm for ~/.npm/_cacache
    return any(p.rstrip("/*").endswith(suffixes) for p in removed_paths(command))


# Options only yarn 1 has: a RUN that passes one runs yarn 1, whose cache `yarn cache clean` may empty.
_YARN1_FLAGS = ("--frozen-lockfile", "--pure-lockfile", "--production", "--prod", "--no-lockfile", "--flat",
                "--ignore-engines", "--non-interactive")
_YARN_BERRY_FILES = (".yarnrc.yml", ".yarn", ".pnp.cjs", ".pnp.js")


def _edits(dockerfile, stage, run, command, tool: str, argv) -> tuple[tuple, str]:
    """The clean command appended to the RUN (with the install's `sudo`). npm: safe. yarn: safe only when the RUN
    shows yarn 1 (its Plug'n'Play successor loads packages from the cache at run time), unsafe otherwise, none with
    signs of yarn 2+. No fix for pnpm (`store prune` keeps what node_modules links to) or for a cache named on the
    command itself (the clean would empty another one)."""
    call = node_call(command)
    if tool == "pnpm" or call is None or call.option("--cache", "--cache-folder") is not None:
        return (), SAFE
    if any(name in CACHE_ENV.get(tool, ()) for name, _ in command.env):
        return (), SAFE
    applicability = SAFE
    if tool == "yarn":
        if _yarn_berry(stage):
            return (), SAFE
        if not any(call.has_flag(flag) for flag in _YARN1_FLAGS):
            applicability = UNSAFE
    prefix = privilege_prefix(command)
    if prefix is None:
        return (), SAFE
    return tuple(append_command(dockerfile, run, prefix + CLEAN_COMMAND[tool]) or ()), applicability


_YARN_BERRY: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _yarn_berry(stage) -> bool:
    """`_uses_yarn_berry`, once per stage."""
    if stage not in _YARN_BERRY:
        _YARN_BERRY[stage] = _uses_yarn_berry(stage)
    return _YARN_BERRY[stage]


def _uses_yarn_berry(stage) -> bool:
    """Signs of yarn 2+: corepack, `yarn set version`, a copied .yarnrc.yml / .yarn / .pnp.cjs."""
    for ancestor in stage.lineage():
        for instruction in ancestor.instructions:
            if instruction.keyword in ("COPY", "ADD") and any(
                    source.rstrip("/").rsplit("/", 1)[-1] in _YARN_BERRY_FILES
                    for source in getattr(instruction, "sources", ())):
                return True
        for run in ancestor.runs():
            for command in run.commands:
                argv = program_argv(command)
                if argv[:1] == ("corepack",) or (argv[:1] in (("yarn",), ("yarnpkg",)) and argv[1:3] == ("set", "version")):
                    return True
    return False


def check(target):
    configured: dict[str, str | None] = {"npm": None, "yarn": None, "pnpm": None}  # by `<tool> config set`, so far
    for stage, run in image_runs(target.dockerfile):
        reported: set[str] = set()
        for command in run.commands:
            call = node_call(command)
            for tool in configured:
                configured[tool] = configured_dir(call, tool) or configured[tool]
            tool = call.name if call is not None and call.action == INSTALL else None
            if tool is None or tool in reported:
                continue
            finding = _finding(target.dockerfile, stage, run, command, call, tool, configured[tool])
            if finding is not None:
                reported.add(tool)
                yield finding


def _finding(dockerfile, stage, run, command, call, tool: str, configured: str | None) -> Finding | None:
    if run_assigns(run, (*CACHE_ENV[tool], "XDG_CACHE_HOME", "HOME")):
        return None  # the RUN puts the cache where its script decides (`export npm_config_cache=...`)
    dirs = cache_dirs(tool, call.argv, stage, run, command, configured)
    if _mount_names_tool(run, tool) or any(mount_covers_path(run, d) for d in dirs):
        return None
    home = cache_home(stage, run)
    defaults = default_dirs(tool, home, user_before(stage, run) == "root")
    # Each question about the rest of the RUN is answered once per RUN (linear however many installs it has).
    position = command_position(run, command)
    key = (tool, tuple(dirs), home)
    if last_command_where(run, ("node cache cleaned",) + key,
                          lambda c: _cleans(tool, c, dirs, run, home or "/root")) > position:
        return None
    if home is None and last_command_where(run, ("node cache of some home",) + key,
                                           lambda c: _some_home_cache(c, tuple(defaults))) > position:
        return None  # `USER 1000`: an rm of <that user's home>/.npm is the cleanup
    shown = " ".join([tool, *call.command])
    # A configured cache dir (flag/ENV) is the real one; else the tool's default for root.
    where = dirs[-1] if len(dirs) > len(defaults) else dirs[0]
    default = where in CACHE_DIRS[tool]
    if tool == "npm" and where.endswith("/.npm/_cacache"):
        where = where.removesuffix("/_cacache")  # npm < 5 keeps its cache right in ~/.npm
    if home is None and default and where.startswith("/root/"):
        where = "~" + where[len("/root"):]
    return Finding(
        command.span,
        f"`{shown}` keeps a copy of every downloaded package in {where} in this layer (size unknown)",
        fix=Fix(f"End this RUN with `&& {CLEAN_COMMAND[tool]}`, or mount a cache on {where}",
                *_edits(dockerfile, stage, run, command, tool, call.argv)),
        properties={"tool": tool, "path": where},
    )
