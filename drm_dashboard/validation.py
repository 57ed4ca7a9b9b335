"""Field checks for payloads: each names the field it rejects, so a bad payload reads as a reason."""

from __future__ import annotations

import math
from typing import Any, Mapping

from .errors import PayloadError

# a fraction a little over 1 is rounding in the reporter, not a schema break
FRACTION_SLACK = 1e-6


def is_mapping(obj: Any) -> bool:
    """dict first: a typing.Mapping check is an ABC lookup, too slow for 1,000 workers a tick."""
    return type(obj) is dict or isinstance(obj, Mapping)


def join_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def require(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if not is_mapping(obj):
        raise PayloadError(f"{path or 'payload'}: expected an object, got {type(obj).__name__}")
    if key not in obj:
        raise PayloadError(f"{join_path(path, key)}: missing")
    return obj[key]


def number(value: Any, where: str, *, minimum: float = 0.0, maximum: float = math.inf) -> float:
    """Return value as a finite float in [minimum, maximum] or raise PayloadError naming where."""
    # fast path: a plain int or float in range (NaN fails the comparison, inf is excluded)
    kind = type(value)
    if (kind is float or kind is int) and minimum <= value <= maximum and value != math.inf:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PayloadError(f"{where}: expected a number, got {type(value).__name__} {value!r:.40}")
    result = float(value)
    if not math.isfinite(result):
        raise PayloadError(f"{where}: expected a finite number, got {result}")
    if result < minimum or result > maximum:
        raise PayloadError(f"{where}: {result:g} is outside [{minimum:g}, {maximum:g}]")
    return result


def count(value: Any, where: str) -> int:
    """Return value as a non-negative int or raise PayloadError naming where."""
    result = number(value, where)
    if result != int(result):
        raise PayloadError(f"{where}: expected a whole number, got {result:g}")
    return int(result)


def fraction(value: Any, where: str) -> float:
    """Return value as a fraction in [0, 1] or raise PayloadError naming where."""
    return min(number(value, where, maximum=1.0 + FRACTION_SLACK), 1.0)


def optional_fraction(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    """A fraction that may be absent or null (GPU on a machine without one)."""
    value = obj.get(key) if is_mapping(obj) else None
    return None if value is None else fraction(value, join_path(path, key))
