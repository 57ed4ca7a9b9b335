"""Field readers for the alert rules file: each value checked, each error one line naming its place."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, TypeVar

from ..errors import ConfigError
from ..models import ALERT_LEVELS
from .alert_rules import METRICS

T = TypeVar("T")
_REQUIRED: Any = object()
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Fields:
    """One table of the file: fields are taken by name, and a key nobody knows is an error."""

    def __init__(self, file: str, where: str, data: Any, known: Iterable[str]) -> None:
        self.file, self.where, self.known = file, where, tuple(known)
        if not isinstance(data, Mapping):
            raise ConfigError(f"{file}: {where or 'top level'}: expected a table of keys, "
                              f"got {_kind(data)}")
        self.data = data
        # typos must not be silently ignored: the first unknown key is reported before anything
        for key in data:
            if key not in self.known:
                raise self.error(str(key), f"unknown key (known: {', '.join(self.known)})")

    def error(self, key: str, problem: str) -> ConfigError:
        """A ConfigError for one field: 'file: where.key: problem'."""
        at = f"{self.where}.{key}" if self.where else key
        return ConfigError(f"{self.file}: {at}: {problem}")

    def get(self, key: str, parse: Callable[[Any], T], default: Any = _REQUIRED) -> T:
        """The parsed value of key, its default when absent, or a ConfigError naming it."""
        if key not in self.data or self.data[key] is None:
            if default is _REQUIRED:
                raise self.error(key, "missing")
            return default
        try:
            return parse(self.data[key])
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def table(self, key: str, known: Iterable[str]) -> "Fields":
        """The nested table under key (an empty one when absent)."""
        where = f"{self.where}.{key}" if self.where else key
        return Fields(self.file, where, self.data.get(key) or {}, known)

    def tables(self, key: str) -> list[Any]:
        """The list of tables under key; a single table counts as a list of one."""
        raw = self.data.get(key)
        if raw is None:
            return []
        if isinstance(raw, Mapping):
            return [raw]
        if not isinstance(raw, list):
            raise self.error(key, f"expected a list of tables, got {_kind(raw)}")
        return raw


def _kind(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {value!r:.40}"


def number(value: Any) -> float:
    """A finite int or float (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"expected a number, got {_kind(value)}")
    return float(value)


def positive(value: Any) -> float:
    """A number above zero."""
    result = number(value)
    if result <= 0:
        raise ValueError(f"must be above 0, got {result:g}")
    return result


def non_negative(value: Any) -> float:
    """A number of at least zero."""
    result = number(value)
    if result < 0:
        raise ValueError(f"must be 0 or more, got {result:g}")
    return result


def confidence(value: Any) -> float:
    """A number in [0, 1]."""
    result = number(value)
    if not 0.0 <= result <= 1.0:
        raise ValueError(f"must be between 0 and 1, got {result:g}")
    return result


def whole(value: Any) -> int:
    """A whole number of at least 1."""
    result = number(value)
    if result != int(result) or result < 1:
        raise ValueError(f"expected a whole number of at least 1, got {result:g}")
    return int(result)


def port(value: Any) -> int:
    """A TCP port number."""
    result = whole(value)
    if result > 65535:
        raise ValueError(f"must be between 1 and 65535, got {result}")
    return result


def boolean(value: Any) -> bool:
    """true or false, nothing else."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_kind(value)}")
    return value


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {_kind(value)}")
    return value.strip()


def strings(value: Any) -> tuple[str, ...]:
    """A non-empty list of non-empty strings; one string counts as a list of one."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError(f"expected a list of strings, got {_kind(value)}")
    return tuple(text(v) for v in items)


def names(value: Any) -> tuple[str, ...]:
    """A list of non-empty strings, possibly empty."""
    if not isinstance(value, list):
        raise ValueError(f"expected a list of names, got {_kind(value)}")
    return tuple(text(v) for v in value)


def severity(value: Any) -> str:
    """One of ALERT_LEVELS."""
    if value not in ALERT_LEVELS:
        raise ValueError(f"{value!r:.40} is not a severity (one of {', '.join(ALERT_LEVELS)})")
    return value


def metric(value: Any) -> str:
    """A live store column name."""
    if value not in METRICS:
        raise ValueError(f'unknown metric "{str(value)[:40]}" (known: {", ".join(METRICS)})')
    return value


def duration(value: Any) -> float:
    """Seconds from a number or text such as "90s", "5m", "1h30m" or "250ms"."""
    if isinstance(value, str):
        compact = value.replace(" ", "").lower()
        parts = _PART.findall(compact)
        if not parts or "".join(n + u for n, u in parts) != compact:
            raise ValueError(f"{value!r:.40} is not a duration (use seconds, or e.g. 90s, 5m, 1h)")
        return sum(float(n) * _UNITS[u] for n, u in parts)
    seconds = number(value)
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative, got {seconds:g}")
    return seconds


def positive_duration(value: Any) -> float:
    """A duration above zero (a timeout of 0 would mean "wait forever" to some clients)."""
    seconds = duration(value)
    if seconds <= 0:
        raise ValueError(f"must be above 0 seconds, got {seconds:g}")
    return seconds


def epoch(value: Any) -> float:
    """Epoch seconds from a number, a zoned datetime, or ISO-8601 text with a zone."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r:.40} is not an ISO-8601 time or epoch seconds") from None
    if not isinstance(value, datetime):
        raise ValueError(f"expected an ISO-8601 time or epoch seconds, got {_kind(value)}")
    if value.tzinfo is None:
        # a time without a zone means different instants on different machines
        raise ValueError(f"{value.isoformat()} has no time zone (add Z or +HH:MM)")
    return value.timestamp()


def url(value: Any) -> str:
    """An http:// or https:// URL."""
    result = text(value)
    if not result.startswith(("http://", "https://")):
        # never echo the URL: a Slack webhook URL is itself the secret
        raise ValueError("must start with http:// or https://")
    return result


def env_name(value: Any) -> str:
    """The name of an environment variable (never its value)."""
    result = text(value)
    if not _ENV_NAME.fullmatch(result):
        raise ValueError(f"{result[:40]!r} is not an environment variable name")
    return result
