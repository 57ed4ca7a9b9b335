"""Alerts as the Alerts tab lists them: filtered, newest first, details in words (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..models import ALERT_LEVELS, ALERT_SOURCES, Alert
from ..catalog import METRICS
from .status import clock_time

# a list longer than this is a wall nobody reads; the tab says how many more there are
MAX_LISTED = 200
_LIST_SHOWN = 6
SOURCE_WORDS = {"scaling_decision": "scaling decision", "regression_detection": "regression detection",
                "system": "system", "threshold": "threshold"}


# a metric's column name as a whole word (longest first, so "cpu_utilization" wins over "cpu")
_MACHINE_NAMES = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in METRICS if "_" in k),
                                                      key=len, reverse=True)) + r")\b")


def human_names(text: str) -> str:
    """Column names in a message ('allocation_time_ms regressed') in the page's words."""
    return _MACHINE_NAMES.sub(lambda m: METRICS[m.group(1)].label, text)


def is_resolved(alert: Alert) -> bool:
    """True once the alert's condition has ended (the engine re-sends it marked resolved)."""
    return alert.details.get("state") == "resolved"


def open_alerts(alerts: Iterable[Alert]) -> list[Alert]:
    """Alerts still open: resolved ones are history, not something to act on."""
    return [a for a in alerts if not is_resolved(a)]


@dataclass(frozen=True)
class AlertListing:
    """The alerts to show (newest first), how many matched, and why the list may be empty."""

    alerts: tuple[Alert, ...]
    matched: int
    total: int
    empty_reason: str = ""


def list_alerts(alerts: Sequence[Alert], levels: Iterable[str] | None,
                sources: Iterable[str] | None, window: str) -> AlertListing:
    """Keep alerts whose level and source are chosen; say honestly why nothing is listed."""
    want_levels = set(ALERT_LEVELS if levels is None else levels)
    want_sources = set(ALERT_SOURCES if sources is None else sources)
    matched = [a for a in alerts if a.level in want_levels and a.source in want_sources]
    matched.sort(key=lambda a: a.timestamp, reverse=True)
    reason = ""
    if not alerts:
        reason = f"No alerts {window}."
    elif not matched:
        reason = (f"No alert matches these filters; {len(alerts)} alert"
                  f"{'s are' if len(alerts) != 1 else ' is'} hidden by them.")
    return AlertListing(tuple(matched[:MAX_LISTED]), len(matched), len(alerts), reason)


def details_text(details: Mapping[str, Any], message: str = "") -> list[str]:
    """'key: value' items: times as HH:MM:SS, numbers rounded, nothing empty, nothing the message says."""
    items = []
    for key, value in details.items():
        shown = _shown(key, value)
        if shown and shown not in message:
            items.append(f"{human_names(key).replace('_', ' ')}: {human_names(shown)}")
    return items


def _shown(key: str, value: Any) -> str:
    if value is None or isinstance(value, (str, list, tuple, dict)) and not value:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _number(key, value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k.replace('_', ' ')} {_shown(k, v)}" for k, v in value.items()
                         if _shown(k, v))
    if isinstance(value, (list, tuple)):
        more = " …" if len(value) > _LIST_SHOWN else ""
        return ", ".join(_shown(key, v) for v in value[:_LIST_SHOWN]) + more
    text = str(value)
    return text if len(text) <= 160 else text[:159] + "…"


def _number(key: str, value: float) -> str:
    # detectors and rules put epoch seconds in their details; a reader wants a clock time
    if 1e9 < value < 4e9 and any(word in key for word in ("time", "since", "until", "_at")):
        return clock_time(value)
    return f"{value:.4g}" if isinstance(value, float) else str(value)
