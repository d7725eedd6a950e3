"""What `slimlint server` lints with, kept between edits: the editor's settings, each folder's configuration (found
from the Dockerfile's folder, as `slimlint` run there finds it), the rules, and the scans of build contexts.

`Workspace` is used from the server's lint thread only. Context scans run on a thread of their own
(`ContextScans`): a Dockerfile is linted without its context-dependent findings until the scan of its context is
ready, and a scan is kept until files below the context change (`files_changed`), so typing in a Dockerfile never
walks its context again. Nothing here imports pygls.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from dockerlint_slim.context.errors import ContextError
from dockerlint_slim.diagnostics import SEVERITY_RANK, Diagnostic
from dockerlint_slim.engine.config import FAIL_LEVELS, Config, ConfigError, load_settings, user_config_path
from dockerlint_slim.engine.fixer import FixOutcome, FixPolicy, fix_source
from dockerlint_slim.engine.linter import Linter, LintOptions, RuleOptionError, TargetNotFound
from dockerlint_slim.engine.registry import Rule, RuleLoadError, described, load_rules
from dockerlint_slim.engine.runner import (
    CheckRequest,
    RunError,
    build_options,
    check_rule_references,
    context_for,
    fix_policy,
    selects_something,
)
from dockerlint_slim.engine.session import context_key
from dockerlint_slim.server.worker import Worker

# What a watched-file event says happened to a file (the protocol's FileChangeType).
CREATED, CHANGED, DELETED = 1, 2, 3
_CONFIG_NAMES = frozenset({".slimlint.toml", "pyproject.toml"})


class SettingsError(ValueError):
    """Settings the editor sent that slimlint cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    """The editor's settings (`initializationOptions`, `workspace/didChangeConfiguration` or the `slimlint` section
    of `workspace/configuration`). They win over the configuration files, as command-line options do."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_level: str | None = None  # findings below it are not shown; None: the config's `fail-level`, else all
    context: str | bool | None = None  # a folder; False: no context; None: the config's, else the file's folder
    unsafe_fixes: bool | None = None  # `source.fixAll` also applies unsafe fixes; None: the config's `unsafe-fixes`

    KEYS = ("select", "ignore", "failLevel", "context", "unsafeFixes")

    @classmethod
    def parse(cls, *sources: Any) -> Settings:
        """Settings from the JSON objects the editor sent (`{"select": [...], ...}`, or that object under
        `"slimlint"`); a later source's keys win."""
        data: dict[str, Any] = {}
        for source in sources:
            if source is None:
                continue
            if not isinstance(source, dict):
                raise SettingsError(f"settings must be an object, got {type(source).__name__}")
            if isinstance(source.get("slimlint"), dict):
                source = source["slimlint"]
            data.update(source)
        unknown = sorted(set(data) - set(cls.KEYS))
        if unknown:
            raise SettingsError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(cls.KEYS)}")
        fail_level = data.get("failLevel")
        if fail_level is not None and fail_level not in FAIL_LEVELS:
            raise SettingsError(f"failLevel must be one of {', '.join(FAIL_LEVELS)}, got {fail_level!r}")
        context = data.get("context")
        if context is True or context == "":
            context = None
        if context is not None and not isinstance(context, (str, bool)):
            raise SettingsError(f"context must be a folder, false or null, got {context!r}")
        unsafe = data.get("unsafeFixes")
        if unsafe is not None and not isinstance(unsafe, bool):
            raise SettingsError(f"unsafeFixes must be true or false, got {unsafe!r}")
        return cls(select=_selectors(data.get("select"), "select"), ignore=_selectors(data.get("ignore"), "ignore"),
                   fail_level=fail_level, context=context, unsafe_fixes=unsafe)


def _selectors(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError(f"{key} must be a list of rule ids, prefixes or names")
    return tuple(item.strip() for item in value if item.strip())


@dataclass(frozen=True)
class Problem:
    """A problem of the file rather than a finding in it (the configuration cannot be used, a rule crashed, the
    build context cannot be read): the editor shows it on the first line."""

    message: str
    severity: str = "error"
    rule_id: str | None = None


@dataclass
class Setup:
    """How the Dockerfiles of one folder are linted: its configuration, the rules, the options."""

    config: Config
    stamp: tuple  # the configuration files as read: (path, mtime, size) each
    rules: list[Rule] = field(default_factory=list)
    options: LintOptions | None = None
    policy: FixPolicy | None = None
    fail_level: str = "info"
    error: str | None = None  # the configuration (or the settings) cannot be used: nothing is linted
    notices: tuple[str, ...] = ()  # said once in the server's log


@dataclass
class LintOutcome:
    text: str  # what was linted
    diagnostics: list[Diagnostic]  # the findings shown (at or above the fail level)
    problems: list[Problem] = field(default_factory=list)
    context_key: tuple | None = None  # the build context scan these findings use or wait for
    context_pending: bool = False  # linted without its build context: the scan is not ready yet
    notices: tuple[str, ...] = ()
    rules: dict[str, Rule] = field(default_factory=dict)  # the rules that ran, by id (docs, links)


class Workspace:
    def __init__(self, rules_dirs: Iterable[Path] = (), on_context_ready: Callable[[tuple], None] | None = None,
                 ) -> None:
        self.rules_dirs = tuple(Path(p) for p in rules_dirs)
        self.settings = Settings()
        self.roots: list[Path] = []  # the editor's workspace folders: relative `context` settings start there
        self._setups: dict[str | None, Setup] = {}
        self._rules: dict[tuple[str, ...], list[Rule] | str] = {}
        self.scans = ContextScans(on_context_ready or (lambda key: None))

    # -- settings and configuration ---------------------------------------------------------------------------

    def configure(self, settings: Settings) -> None:
        self.settings = settings
        self._setups.clear()

    def forget_configs(self) -> None:
        """Configuration files may have appeared or gone: find them again on the next lint."""
        self._setups.clear()

    def setup(self, folder: Path | None) -> Setup:
        key = str(folder) if folder is not None else None
        setup = self._setups.get(key)
        if setup is not None and setup.stamp == _stamp(setup.config):
            return setup
        setup = self._setups[key] = self._load(folder)
        return setup

    def _load(self, folder: Path | None) -> Setup:
        try:
            config = load_settings(None, folder) if folder is not None else _user_config()
        except ConfigError as exc:
            return Setup(Config(), (), error=str(exc))
        setup = Setup(config, _stamp(config))
        if config.skipped_rules_dirs:
            setup.notices = tuple(
                f"{config.path}: rules-dir {folder_} not loaded: rule folders run code, and this config was found "
                "in the folder being edited; set rules-dir in your user config or pass --rules-dir to "
                "`slimlint server` to load it" for folder_ in config.skipped_rules_dirs)
        rules = self._rule_set(tuple(config.rules_dirs) + self.rules_dirs)
        if isinstance(rules, str):
            setup.error = rules
            return setup
        settings = self.settings
        request = CheckRequest(paths=(), select=settings.select, ignore=settings.ignore,
                               unsafe_fixes=settings.unsafe_fixes)
        try:
            for name, tokens in (("select", settings.select), ("ignore", settings.ignore)):
                for token in tokens:
                    if not selects_something(token, rules):
                        raise RunError(f"slimlint settings: {name}: unknown rule {token!r}")
            check_rule_references(rules, CheckRequest(paths=()), config)
            options = build_options(request, config)
            Linter(rules, options)  # checks the rule options once, here
        except (RunError, RuleOptionError) as exc:
            setup.error = str(exc)
            return setup
        setup.rules, setup.options = rules, options
        setup.policy = fix_policy(request, config, rules)
        setup.fail_level = settings.fail_level or config.fail_level or "info"
        return setup

    def _rule_set(self, rules_dirs: tuple[Path, ...]) -> list[Rule] | str:
        key = tuple(str(p) for p in rules_dirs)
        if key not in self._rules:
            try:
                self._rules[key] = load_rules(rules_dirs)
            except RuleLoadError as exc:
                self._rules[key] = str(exc)
        return self._rules[key]

    # -- linting ------------------------------------------------------------------------------------------------

    def lint(self, path: str | None, text: str) -> LintOutcome:
        """Lint the editor's text of the Dockerfile at `path` (None: a buffer never saved)."""
        setup = self.setup(Path(path).parent if path else None)
        if setup.error is not None:
            return LintOutcome(text, [], [Problem(setup.error)], notices=setup.notices)
        linter, outcome = self._linter(path, setup, text)
        try:
            result = linter.lint(text, path or "Dockerfile")
        except TargetNotFound as exc:
            outcome.problems.append(Problem(str(exc)))
            return outcome
        except ContextError as exc:  # the ignore file changed under the scan: lint without the context
            outcome.problems.append(Problem(f"build context not checked: {exc}"))
            result = Linter(setup.rules, setup.options).lint(text, path or "Dockerfile")
        outcome.problems += [Problem(error.message, "warning", error.rule_id) for error in result.errors]
        threshold = SEVERITY_RANK.get(setup.fail_level, max(SEVERITY_RANK.values()))
        outcome.diagnostics = [d for d in result.diagnostics if SEVERITY_RANK[d.severity] <= threshold]
        return outcome

    def fix_all(self, path: str | None, text: str, read_other: Callable[[str], str | None] | None = None
                ) -> FixOutcome | Problem:
        """The text with every fix applied that `slimlint --fix` would apply (the settings' `unsafeFixes` added);
        `read_other` reads the other files fixes edit (an ignore file), by default from disk."""
        setup = self.setup(Path(path).parent if path else None)
        if setup.error is not None:
            return Problem(setup.error)
        linter, _ = self._linter(path, setup, text)
        try:
            if read_other is None:
                return fix_source(linter, text, path or "Dockerfile", setup.policy)
            return fix_source(linter, text, path or "Dockerfile", setup.policy, read_other)
        except (TargetNotFound, ContextError) as exc:
            return Problem(str(exc))

    def _linter(self, path: str | None, setup: Setup, text: str) -> tuple[Linter, LintOutcome]:
        """The linter for this file, with its build context when its scan is ready (else without, and the scan is
        started), and the outcome to fill."""
        outcome = LintOutcome(text, [], notices=setup.notices, rules={rule.id: rule for rule in setup.rules})
        context_dir = self._context_dir(path, setup) if path else None
        contexts: dict = {}
        if context_dir is not None:
            if not context_dir.is_dir():
                outcome.problems.append(Problem(f"build context is not a folder: {context_dir}"))
                context_dir = None
            else:
                key, scan, error = self.scans.lookup(context_dir, path)
                outcome.context_key = key
                if error is not None:
                    outcome.problems.append(Problem(f"build context not checked: {error}"))
                    context_dir = None
                elif scan is None:
                    outcome.context_pending = True
                    context_dir = None
                else:
                    contexts[key] = scan
        return Linter(setup.rules, replace(setup.options, context_dir=context_dir), contexts), outcome

    def _context_dir(self, path: str, setup: Setup) -> Path | None:
        """The build context: the `context` setting, else the config's `contexts`/`context`, else the Dockerfile's
        folder (what `docker build .` next to it sends), unless that is the file system root or the home folder."""
        setting = self.settings.context
        if setting is False:
            return None
        if isinstance(setting, str):
            folder = Path(os.path.expanduser(setting))
            if not folder.is_absolute():
                folder = (self.root_of(path) or Path(path).parent) / folder
            return Path(os.path.normpath(folder))
        configured = context_for(path, CheckRequest(paths=()), setup.config)
        if configured is not None:
            return Path(os.path.normpath(configured))
        folder = Path(path).parent
        if folder == Path(folder.anchor) or folder == Path.home():
            return None
        return folder

    def root_of(self, path: str) -> Path | None:
        """The workspace folder that holds `path` (the deepest one)."""
        found = None
        for root in self.roots:
            try:
                Path(path).relative_to(root)
            except ValueError:
                continue
            if found is None or len(root.parts) > len(found.parts):
                found = root
        return found

    # -- files changed on disk ----------------------------------------------------------------------------------

    def files_changed(self, changes: Iterable[tuple[str, int]]) -> None:
        changes = [(os.path.normpath(path), kind) for path, kind in changes]
        user = user_config_path()
        if any(os.path.basename(path) in _CONFIG_NAMES or (user is not None and path == str(user))
               for path, _ in changes):
            self.forget_configs()
        self.scans.files_changed(changes)


def _user_config() -> Config:
    path = user_config_path()
    if path is None or not path.is_file():
        return Config()
    from dockerlint_slim.engine.config import load_config

    return load_config(path)


def _stamp(config: Config) -> tuple:
    """The configuration files a setup was read from, as they are now: a changed file is read again."""
    stamp = []
    for path in (user_config_path(), config.path):
        if path is None:
            continue
        try:
            info = os.stat(path)
            stamp.append((str(path), info.st_mtime_ns, info.st_size))
        except OSError:
            stamp.append((str(path), None, None))
    return tuple(stamp)


@dataclass
class _Scan:
    root: str
    dockerfile_path: str  # the first Dockerfile that asked (all Dockerfiles of a key share the ignore file)
    context: Any = None  # the BuildContext, once scanned (kept while a new scan runs)
    error: str | None = None
    stale: bool = True  # needs a (new) scan
    running: bool = False


class ContextScans:
    """Build context scans by `context_key`, made on a worker thread and kept until files below them change.

    `lookup` answers at once: the scan when there is one (possibly being redone after a change: the old one serves
    until the new one is ready), else None and the scan starts. `on_ready(key)` is called from the scan thread when a
    scan is done.
    """

    def __init__(self, on_ready: Callable[[tuple], None]) -> None:
        self._on_ready = on_ready
        self._lock = threading.Lock()
        self._scans: dict[tuple, _Scan] = {}
        self._worker: Worker | None = None

    def lookup(self, context_dir: Path, dockerfile_path: str) -> tuple[tuple | None, Any, str | None]:
        """(key, scanned context or None, error or None)."""
        try:
            key = context_key(context_dir, dockerfile_path)
        except ContextError as exc:
            return None, None, str(exc)
        with self._lock:
            scan = self._scans.get(key)
            if scan is None:
                scan = self._scans[key] = _Scan(str(context_dir), dockerfile_path)
            if scan.stale and not scan.running:
                self._start(key, scan)
            return key, scan.context, scan.error

    def ready(self, key: tuple | None) -> bool:
        with self._lock:
            scan = self._scans.get(key)
            return scan is not None and (scan.context is not None or scan.error is not None)

    def _start(self, key: tuple, scan: _Scan) -> None:
        scan.stale, scan.running = False, True
        if self._worker is None:
            self._worker = Worker("slimlint-context-scan")
        self._worker.submit(self._run, key, scan.root, scan.dockerfile_path)

    def _run(self, key: tuple, root: str, dockerfile_path: str) -> None:
        from dockerlint_slim.context import scan_context

        overrides: Mapping[str, str] = {}
        try:
            context, error = scan_context(root, dockerfile_path, overrides), None
        except ContextError as exc:
            context, error = None, str(exc)
        except Exception as exc:  # a bug of the scan: this context is not checked, the server goes on
            context, error = None, f"cannot scan the build context {root}: {described(exc)}"
        with self._lock:
            scan = self._scans.get(key)
            if scan is None:
                return  # forgotten meanwhile
            scan.running = False
            scan.context, scan.error = context, error
            if scan.stale:  # files changed during the walk: walk again (this result serves meanwhile)
                self._start(key, scan)
        self._on_ready(key)

    def files_changed(self, changes: list[tuple[str, int]]) -> None:
        """Files changed on disk: a file changed in place updates the scans that hold it; anything else (created,
        deleted, an ignore file) makes the scans below which it lies stale, to be walked again."""
        with self._lock:
            for key, scan in self._scans.items():
                ignore_file = key[1]
                touched = [(path, kind) for path, kind in changes
                           if path == ignore_file or _below(path, scan.root)]
                if scan.context is not None:
                    touched = [(path, kind) for path, kind in touched
                               if path == ignore_file or not scan.context.excluded(os.path.relpath(path, scan.root))]
                if not touched:
                    continue
                if scan.context is not None and not scan.running and all(
                        kind == CHANGED and path != ignore_file and _resize(scan.context, scan.root, path)
                        for path, kind in touched):
                    continue
                scan.stale = True
                if not scan.running:
                    self._start(key, scan)

    def rescan_all(self) -> None:
        """Walk every context again (an editor that cannot report file changes saved a file)."""
        with self._lock:
            for key, scan in self._scans.items():
                scan.stale = True
                if not scan.running:
                    self._start(key, scan)

    def keep_only(self, keys: Iterable[tuple | None]) -> None:
        """Forget the scans no open Dockerfile uses."""
        wanted = set(keys)
        with self._lock:
            for key in [key for key in self._scans if key not in wanted]:
                del self._scans[key]

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()


def _below(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _resize(context, root: str, path: str) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return context.resize_file(os.path.relpath(path, root).replace(os.sep, "/"), info.st_size, info.st_mode)
