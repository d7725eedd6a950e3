"""Typed rule options: what a rule declares in `OPTIONS`, and how a configured value is checked and converted.

A rule writes `OPTIONS = {"threshold": Size(10 * MiB), "top": Integer(5)}`; the registry validates every value the
configuration or the command line gives before any file is linted, so a rule reads `target.options["threshold"]`
as plain bytes and never parses text itself. A plugin that still declares plain defaults (`{"min_chain": 2}`) gets
the option type that fits its default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

KiB = 1024
MiB = 1024 * 1024

_SIZE_UNITS = {
    "": 1, "B": 1,
    "K": 1000, "KB": 1000, "M": 1000**2, "MB": 1000**2, "G": 1000**3, "GB": 1000**3, "T": 1000**4, "TB": 1000**4,
    "KI": 1024, "KIB": 1024, "MI": 1024**2, "MIB": 1024**2, "GI": 1024**3, "GIB": 1024**3, "TI": 1024**4, "TIB": 1024**4,
}
# Longer than any size or ratio a person writes: a 400-digit "number" is a typo or an attack, not a budget.
_MAX_NUMBER_TEXT = 40
_DISABLED = ("", "off", "none", "disabled", "false")


class OptionError(ValueError):
    """A configured value that does not fit its option: the user's to fix (one line, exit 2)."""


def parse_size(value: Any, what: str = "size") -> int:
    """`20MB` (decimal), `20MiB` (binary), `1.5GB`, or plain bytes; never negative, infinite or NaN."""
    problem = f"{what}: expected a size like 20MB, 20MiB or 1048576, got {_shown(value)}"
    if isinstance(value, bool):
        raise OptionError(problem)
    if isinstance(value, int):
        if value < 0 or value.bit_length() > 64:
            raise OptionError(problem)
        return value
    if isinstance(value, float):
        amount, unit = value, ""
    else:
        text = str(value).strip().replace(" ", "")
        if len(text) > _MAX_NUMBER_TEXT:
            raise OptionError(problem)
        number = text.rstrip("BbKkMmGgTtIi")
        unit = text[len(number) :].upper()
        try:
            amount = float(number)
        except ValueError:
            raise OptionError(problem) from None
    # float() also reads "inf" and "nan" (and TOML has inf/nan literals): they are no size, and int() of them raises.
    if not math.isfinite(amount) or amount < 0 or unit not in _SIZE_UNITS or not math.isfinite(amount * _SIZE_UNITS[unit]):
        raise OptionError(problem)
    return int(amount * _SIZE_UNITS[unit])


def parse_ratio(value: Any, what: str = "ratio") -> float:
    """A number between 0 and 1 (`0.9`), as dive's `lowestEfficiency` takes it."""
    problem = f"{what}: expected a number between 0 and 1, got {_shown(value)}"
    if isinstance(value, bool) or (isinstance(value, str) and len(value.strip()) > _MAX_NUMBER_TEXT):
        raise OptionError(problem)
    try:
        ratio = float(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(problem) from None
    if not 0.0 <= ratio <= 1.0:
        raise OptionError(problem)
    return ratio


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Option:
    """An option with its default; `parse` turns a configured value into what the rule reads."""

    default: Any = None
    help: str = ""

    kind = "value"

    def parse(self, value: Any, what: str) -> Any:
        return value


@dataclass(frozen=True)
class Integer(Option):
    minimum: int = 0
    kind = "integer"

    def parse(self, value: Any, what: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value.bit_length() > 64 or value < self.minimum:
            raise OptionError(f"{what}: expected a whole number of at least {self.minimum}, got {_shown(value)}")
        return value


@dataclass(frozen=True)
class Size(Option):
    """Bytes: a number or a size with a unit (`20MB`, `20MiB`)."""

    kind = "size"

    def parse(self, value: Any, what: str) -> int:
        return parse_size(value, what)


@dataclass(frozen=True)
class Budget(Option):
    """A size that may be left unset (`off`): a budget that is not checked."""

    kind = "size or off"

    def parse(self, value: Any, what: str) -> int | None:
        if value is None or (isinstance(value, str) and value.strip().lower() in _DISABLED):
            return None
        return parse_size(value, what)


@dataclass(frozen=True)
class Ratio(Option):
    """A number between 0 and 1; may be left unset (`off`)."""

    kind = "ratio or off"

    def parse(self, value: Any, what: str) -> float | None:
        if value is None or (isinstance(value, str) and value.strip().lower() in _DISABLED):
            return None
        return parse_ratio(value, what)


@dataclass(frozen=True)
class Boolean(Option):
    kind = "boolean"

    def parse(self, value: Any, what: str) -> bool:
        if not isinstance(value, bool):
            raise OptionError(f"{what}: expected true or false, got {_shown(value)}")
        return value


@dataclass(frozen=True)
class String(Option):
    kind = "string"

    def parse(self, value: Any, what: str) -> str:
        if not isinstance(value, str):
            raise OptionError(f"{what}: expected a string, got {_shown(value)}")
        return value


def as_option(declared: Any) -> Option:
    """An `OPTIONS` value as an Option: typed options as they are, plain defaults typed by their value."""
    if isinstance(declared, Option):
        return declared
    if isinstance(declared, bool):
        return Boolean(declared)
    if isinstance(declared, int):
        return Integer(declared)
    if isinstance(declared, str):
        return String(declared)
    return Option(declared)
