"""dive's CI gate, as dive evaluates it: `CI=true` (or true/1/yes) or `--ci` turns it on, `.dive-ci` (or
`--ci-config FILE`) sets the rules, dive's defaults fill the rest.

The file is dive's YAML: a `rules:` mapping with `lowestEfficiency` / `lowest-efficiency`, `highestWastedBytes` /
`highest-wasted-bytes`, `highestUserWastedPercent` / `highest-user-wasted-percent` (the camelCase spelling wins
when both are given, as in dive). A value of `disabled`, `off`, `false` or nothing turns a rule off. Ratios
outside 0..1 are a configuration error; sizes are go-humanize's (`20MB` = 20·10⁶, `20MiB` = 2²⁰).
"""

from __future__ import annotations

import math
import os
import re

from dockerlint_slim.image.errors import ImageError

DEFAULT_FILE = ".dive-ci"
DEFAULTS = {"lowest-efficiency": "0.9", "highest-wasted-bytes": "disabled", "highest-user-wasted-percent": "0.1"}
_SPELLINGS = {  # lower-cased key -> (canonical name, legacy spelling?)
    "lowest-efficiency": ("lowest-efficiency", False), "lowestefficiency": ("lowest-efficiency", True),
    "highest-wasted-bytes": ("highest-wasted-bytes", False), "highestwastedbytes": ("highest-wasted-bytes", True),
    "highest-user-wasted-percent": ("highest-user-wasted-percent", False),
    "highestuserwastedpercent": ("highest-user-wasted-percent", True),
}
MAX_CONFIG_BYTES = 1 << 20


def ci_from_environment() -> bool:
    """dive turns CI mode on when the CI variable says true (true/1/yes, any case)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def is_disabled(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("", "disabled", "off", "false")


def _scalar(text: str) -> str:
    text = text.strip()
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = text.find(quote, 1)
        return text[1:end] if end > 0 else text[1:]
    return re.split(r"\s+#", text, maxsplit=1)[0].strip()


def read_rules(path: str) -> dict[str, str]:
    """The rules a `.dive-ci` file sets (canonical names -> values as written)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ImageError(f"{path}: {error.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ImageError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes, not a dive CI configuration")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImageError(f"{path}: not UTF-8 text") from None
    found: dict[str, tuple[str, bool]] = {}
    in_rules = False
    rules_indent = -1
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped in ("---", "..."):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if "\t" in line[: indent + 1]:
            raise ImageError(f"{path}:{number}: tabs are not allowed for indentation in YAML")
        key, colon, value = stripped.partition(":")
        if not colon:
            raise ImageError(f"{path}:{number}: expected `key: value`")
        key = _scalar(key)
        if indent == 0:
            in_rules = key.lower() == "rules"
            rules_indent = -1
            if in_rules and _scalar(value):
                raise ImageError(f"{path}:{number}: `rules:` must hold a mapping of rules")
            continue
        if not in_rules:
            continue
        if rules_indent < 0:
            rules_indent = indent
        if indent != rules_indent:
            continue  # deeper structures are not dive rules
        spelling = _SPELLINGS.get(key.lower())
        if spelling is None:
            continue  # dive ignores keys it does not know
        name, legacy = spelling
        if name in found and found[name][1] and not legacy:
            continue  # dive: the legacy camelCase value overrides the snake-case one
        found[name] = (_scalar(value), legacy)
    return {name: value for name, (value, _) in found.items()}


def ratio(key: str, value: str, where: str) -> float | None:
    """dive's strconv.ParseFloat and its 0..1 range check; None when the rule is off."""
    if is_disabled(value):
        return None
    try:
        number = float(value.strip())
    except ValueError:
        raise ImageError(f"{where}: invalid {key} value {value!r} (a ratio between 0 and 1, or disabled)") from None
    if math.isnan(number) or not 0 <= number <= 1:
        raise ImageError(f"{where}: {key} is outside the allowed range (0-1), given {value!r}")
    return number


# go-humanize's ParseBytes units (case-insensitive)
_BYTE_UNITS = {"": 1, "b": 1}
for _power, _prefix in enumerate("kmgtpe", 1):
    _BYTE_UNITS.update({_prefix: 1000**_power, _prefix + "b": 1000**_power,
                        _prefix + "i": 1024**_power, _prefix + "ib": 1024**_power})
MAX_BYTES = 2**64 - 1


def parse_bytes(text: str) -> int:
    """go-humanize's ParseBytes: `20MB`, `20 mb`, `1.5GiB`, `20MiB`, `1,000,000`, plain bytes."""
    match = re.fullmatch(r"\s*([0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)\s*", text)
    if not match or match.group(2).lower() not in _BYTE_UNITS:
        raise ValueError(f"not a size: {text[:40]!r} (use e.g. 20MB, 1.5GiB, 1048576)")
    digits = match.group(1).replace(",", "")
    if len(digits) > 40:
        raise ValueError(f"size too large: {text[:40]}...")
    value = float(digits) * _BYTE_UNITS[match.group(2).lower()]
    if value >= MAX_BYTES:
        raise ValueError(f"size too large: {text[:40]!r} (at most 2^64 bytes)")
    return int(value)


def size(key: str, value: str, where: str) -> int | None:
    if is_disabled(value):
        return None
    try:
        return parse_bytes(value)
    except ValueError as error:
        raise ImageError(f"{where}: invalid {key} value: {error}") from None
