"""Field checks for payloads: each names the field it rejects, so a bad payload reads as a reason."""

from __future__ import annotations

import functools
import hashlib
import math
import re
from typing import Any, Mapping
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError, PayloadError

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


# -- text from a source: worker ids, reasons, statuses ---------------------------------------
MAX_ID_CHARS = 128
# a reason or status longer than this is a broken or hostile peer, not a sentence to show
MAX_TEXT_CHARS = 1000
# 0x00-0x1f and 0x7f-0x9f (Unicode Cc) forge log lines and break labels; surrogates break encoders
_FORBIDDEN_IN_ID = re.compile("[/\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def id_problem(value: Any) -> str | None:
    """Why value is not a worker id (1-128 chars, no '/', no control chars), or None if it is one."""
    if not isinstance(value, str) or not value:
        return f"expected a non-empty string, got {type(value).__name__}"
    if len(value) > MAX_ID_CHARS:
        return f"{len(value):,} characters, at most {MAX_ID_CHARS} allowed"
    bad = _FORBIDDEN_IN_ID.search(value)
    if bad:
        return f"character {bad.group()!r} at {bad.start()} is not allowed ('/' or a control character)"
    return None


def display_id(value: str) -> str:
    """A valid id as it is; anything else made safe to show: control chars replaced, cut to 128."""
    if id_problem(value) is None:
        return value
    clean = _CONTROL.sub("\ufffd", value)  # a '/' is harmless on a page; only routes refuse it
    if len(clean) <= MAX_ID_CHARS:
        return clean
    # a digest of the whole id keeps two long ids with the same start apart
    digest = hashlib.sha1(value.encode("utf-8", "replace")).hexdigest()[:8]
    return f"{clean[:MAX_ID_CHARS - 10]}…{digest}"


def display_text(value: Any, limit: int = MAX_TEXT_CHARS) -> str:
    """Text from a source, safe for a log line or a label: control chars replaced, at most limit chars."""
    text = _CONTROL.sub("\ufffd", str(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


# -- JSON nesting -------------------------------------------------------------------------------
# far deeper than any payload of ours (a Dash callback is ~10 levels), far below the recursion limit
MAX_JSON_DEPTH = 64


@functools.lru_cache(maxsize=1)
def _bracket_steps() -> Any:
    """byte -> +1 for [ and {, -1 for ] and }, 0 otherwise (a numpy lookup table)."""
    import numpy as np  # noqa: PLC0415 (only servers check bodies; the manager stays numpy-free)
    table = np.zeros(256, dtype=np.int8)
    table[[ord("["), ord("{")]], table[[ord("]"), ord("}")]] = 1, -1
    return table


def json_depth(body: bytes) -> int:
    """How deeply brackets nest in a JSON text (strings skipped), in linear time, without parsing it."""
    import numpy as np  # noqa: PLC0415
    a = np.frombuffer(body, dtype=np.uint8)
    if not a.size:
        return 0
    quotes = a == 34
    backslash = a == 92
    if backslash.any():
        # a quote ends a string unless an odd run of backslashes stands right before it
        seen = np.cumsum(backslash, dtype=np.int64)
        run = seen - np.maximum.accumulate(np.where(backslash, 0, seen))
        quotes[1:] &= run[:-1] % 2 == 0
    steps = _bracket_steps()[a]
    steps[np.cumsum(quotes, dtype=np.int64) % 2 == 1] = 0  # brackets inside strings do not count
    return int(np.cumsum(steps, dtype=np.int64).max(initial=0))


def http_base_url(url: str, what: str) -> str:
    """scheme://host[:port][/path] of an http(s) URL; ConfigError naming `what` when it is not one."""
    # user info, query and fragment are dropped: credentials there would reach logs and pages
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{what} is not a valid URL ({exc}): {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} must be http(s)://host[:port], got {url!r}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
