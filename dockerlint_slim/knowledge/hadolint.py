"""hadolint's rules that have a slimlint counterpart: the one table behind `# hadolint ignore=...` pragmas,
`.hadolint.yaml` settings, the "Coming from hadolint" docs page and `benchmarks/compare_hadolint.py`.

A hadolint code maps to the slimlint rule that reports the same waste. Where the slimlint rule is wider, `only`
limits the mapping to the findings hadolint's rule covers (hadolint's DL3060 is about yarn; SL206 also reports npm
and pnpm caches), read from the finding's properties. `where` says which instruction hadolint reports on, so that a
pragma written for hadolint suppresses the same finding here: the instruction the finding starts at (`first`), or,
for hadolint's DL3059, every RUN of the chain but the first (`rest`: hadolint reports the 2nd..nth RUN of
consecutive RUNs, slimlint's SL101 the chain, at its first RUN).

Codes are hadolint 2.x's (https://github.com/hadolint/hadolint#rules); the agreement of each pair on real
Dockerfiles is measured in docs/comparison/hadolint.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

HADOLINT_WIKI = "https://github.com/hadolint/hadolint/wiki/"


@dataclass(frozen=True)
class Counterpart:
    codes: tuple[str, ...]  # hadolint codes
    rule: str  # the slimlint rule id
    hadolint: str  # what hadolint's rule says
    only: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # finding property -> the values covered
    where: str = "first"  # "first" | "rest": the instruction(s) hadolint reports on (see the module docs)
    differences: str = ""  # what slimlint does differently (docs)


COUNTERPARTS: tuple[Counterpart, ...] = (
    Counterpart(("DL3009",), "SL201", "Delete the apt-get lists after installing something",
                differences="also accepts `rm -fr`, `apt-get dist-clean`, cache mounts; build-only stages are not "
                            "reported; says the measured size of the lists"),
    Counterpart(("DL3015",), "SL202", "Avoid additional packages by specifying `--no-install-recommends`",
                differences="names the recommended packages and their installed size (Debian's package table); "
                            "simulated installs (`apt-get install -s`) are not reported"),
    Counterpart(("DL3019",), "SL203", "Use the `--no-cache` switch to avoid the need to use `--update` and remove "
                                      "`/var/cache/apk/*`",
                differences="also accepts `rm -rf /var/cache/apk/*` in the same RUN and cache mounts"),
    Counterpart(("DL3032",), "SL204", "`yum clean all` missing after yum command", only={"tool": ("yum",)}),
    Counterpart(("DL3040",), "SL204", "`dnf clean all` missing after dnf command",
                only={"tool": ("dnf", "dnf5", "microdnf")}),
    Counterpart(("DL3036",), "SL204", "`zypper clean` missing after zypper use", only={"tool": ("zypper",)}),
    Counterpart(("DL3042",), "SL205", "Avoid use of cache directory with pip. Use `pip install --no-cache-dir`",
                differences="also accepts `PIP_NO_CACHE_DIR`, cache mounts and pip versions without a cache"),
    Counterpart(("DL3060",), "SL206", "`yarn cache clean` missing after `yarn install` was run",
                only={"tool": ("yarn",)}, differences="also reports npm and pnpm caches"),
    Counterpart(("DL3059",), "SL101", "Multiple consecutive `RUN` instructions. Consider consolidation.",
                where="rest", differences="one finding per chain, at its first RUN; build-only stages are not "
                                          "reported; every chain of two or more RUNs, whatever their length"),
    Counterpart(("DL3067",), "SL404", "Do not copy an entire filesystem from another stage",
                differences="also reports copies of whole build trees; images built from artifact images are not "
                            "reported"),
)

_BY_CODE = {code: counterpart for counterpart in COUNTERPARTS for code in counterpart.codes}


def counterpart(code: str) -> Counterpart | None:
    """The slimlint counterpart of a hadolint code (`DL3009`, any case), or None (no counterpart: a rule about
    something else than image size, or ShellCheck's SCxxxx)."""
    return _BY_CODE.get(code.strip().upper())


def covers(pair: Counterpart, properties: Mapping[str, Any]) -> bool:
    """Whether a finding of `pair.rule` with these properties is one hadolint's rule reports."""
    return all(properties.get(key) in values for key, values in pair.only.items())


def codes_of(rule_id: str) -> tuple[str, ...]:
    """The hadolint codes whose counterpart is `rule_id`."""
    return tuple(code for pair in COUNTERPARTS if pair.rule == rule_id for code in pair.codes)


# hadolint's severities (`override:` in .hadolint.yaml, `failure-threshold`) as slimlint's: hadolint's `style` is
# below `info`, and slimlint has no level under info.
SEVERITIES = {"error": "error", "warning": "warning", "info": "info", "style": "info"}
FAILURE_THRESHOLDS = {"error": "error", "warning": "warning", "info": "info", "style": "info", "ignore": "none",
                      "none": "none"}
