"""Read configuration from environment variables, refusing bad values loudly.

Every helper raises ImproperlyConfigured with the variable's name, the value it
saw and what it expected, so a typo in a deployment fails at start-up with a
message that says what to fix instead of misbehaving later.
"""

from __future__ import annotations

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_SIZE_UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _bad(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name}={value!r} is invalid: {expected}.")


def envstr(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def envbool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise _bad(name, value, "expected one of true/false, yes/no, on/off, 1/0")


def envint(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _bad(name, value, "expected a whole number") from None
    _check_range(name, value, number, minimum, maximum)
    return number


def envfloat(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        raise _bad(name, value, "expected a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise _bad(name, value, "expected a finite number")
    _check_range(name, value, number, minimum, maximum)
    return number


def envsize(name: str, default: int, *, minimum: int = 1) -> int:
    """A size in bytes, written as 52428800, 50MB, 1.5GB or 512KB."""
    value = _raw(name)
    if value is None:
        return default
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([KMG]?B?)", value.upper())
    if not match:
        raise _bad(name, value, "expected a size such as 50MB, 512KB or a number of bytes")
    number = int(float(match.group(1)) * _SIZE_UNITS[match.group(2)])
    _check_range(name, value, number, minimum, None)
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value not in choices:
        raise _bad(name, value, "expected one of " + ", ".join(choices))
    return value


def _check_range(name, value, number, minimum, maximum) -> None:
    if minimum is not None and number < minimum:
        raise _bad(name, value, f"must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise _bad(name, value, f"must be at most {maximum}")
