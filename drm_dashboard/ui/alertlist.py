"""Alerts as the Alerts tab lists them: filtered, newest first, details in words (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from ..models import ALERT_LEVELS, ALERT_SOURCES, Alert

# a list longer than this is a wall nobody reads; the tab says how many more there are
MAX_LISTED = 200
SOURCE_WORDS = {"scaling_decision": "scaling decision", "regression_detection": "regression detection",
                "system": "system", "threshold": "threshold"}


@dataclass(frozen=True)
class AlertListing:
    """The alerts to show (newest first), how many matched, and why the list may be empty."""

    alerts: tuple[Alert, ...]
    matched: int
    total: int
    empty_reason: str = ""


def list_alerts(alerts: Sequence[Alert], levels: Iterable[str] | None,
                sources: Iterable[str] | None, retention_min: float) -> AlertListing:
    """Keep alerts whose level and source are chosen; say honestly why nothing is listed."""
    want_levels = set(ALERT_LEVELS if levels is None else levels)
    want_sources = set(ALERT_SOURCES if sources is None else sources)
    matched = [a for a in alerts if a.level in want_levels and a.source in want_sources]
    matched.sort(key=lambda a: a.timestamp, reverse=True)
    reason = ""
    if not alerts:
        reason = f"No alerts in the last {retention_min:.0f} minutes."
    elif not matched:
        reason = (f"No alert matches these filters; {len(alerts)} alert"
                  f"{'s are' if len(alerts) != 1 else ' is'} hidden by them.")
    return AlertListing(tuple(matched[:MAX_LISTED]), len(matched), len(alerts), reason)


def details_text(details: Mapping[str, Any]) -> list[str]:
    """'key: value' lines; floats rounded, nested values kept short."""
    lines = []
    for key, value in details.items():
        if isinstance(value, float):
            shown = f"{value:.4g}"
        elif isinstance(value, (list, tuple)):
            shown = ", ".join(map(str, value[:8])) + (" …" if len(value) > 8 else "")
        else:
            shown = str(value)
        lines.append(f"{key.replace('_', ' ')}: {shown[:160]}")
    return lines
