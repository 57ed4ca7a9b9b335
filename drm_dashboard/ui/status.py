"""Pure wording of the source's health for the header (tested without a server)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Mapping

from ..models import SourceHealth

# a live source that has not delivered for this many intervals is shown as stale
STALE_AFTER_INTERVALS = 3


@dataclass(frozen=True)
class HealthBadge:
    """Label, Bootstrap colour and the sentence behind it."""

    label: str
    color: str
    detail: str


def clock_time(epoch_s: float | None) -> str:
    """HH:MM:SS in the server's local time, or an em dash for never."""
    return "—" if epoch_s is None else time.strftime("%H:%M:%S", time.localtime(epoch_s))


def health_badge(health: SourceHealth, now: float, interval_s: float) -> HealthBadge:
    """live / stale since HH:MM:SS / error with its reason."""
    last = health.last_success
    if health.state == "starting":
        return HealthBadge("starting", "secondary", "waiting for the first poll")
    if health.state == "error":
        # while backing off (a rejected key waits 5 s, then 10, ... up to a minute) say when
        retry = f"; next try at {clock_time(health.next_try)}" if health.next_try is not None else ""
        kept = f"; showing data up to {clock_time(last)}" if last else "; no data yet"
        return HealthBadge("error", "danger", f"{health.reason}{retry}{kept}")
    if health.state == "stale":
        return HealthBadge(f"stale since {clock_time(health.since)}", "warning", health.reason)
    if last is not None and now - last > STALE_AFTER_INTERVALS * interval_s:
        return HealthBadge(f"stale since {clock_time(last)}", "warning",
                           f"no update for {now - last:.0f} s")
    return HealthBadge("live", "success", "")


def window_words(first_ts: float | None, span_s: float, retention_min: float) -> str:
    """'in the last 60 minutes', or 'since HH:MM:SS' while the window is not full yet."""
    if first_ts is None:
        return "yet"
    # a window within a minute of the retention is full: ticks at its edge are pruned each tick
    if span_s >= retention_min * 60.0 - 60.0:
        return f"in the last {retention_min:.0f} minutes"
    return f"since {clock_time(first_ts)}"


def fleet_badge(badges: Mapping[str, HealthBadge]) -> HealthBadge:
    """The header's one badge over several clusters: all live, or how many are and who is not."""
    live = [name for name, b in badges.items() if b.label == "live"]
    if len(live) == len(badges):
        return HealthBadge("live", "success", f"all {len(badges)} clusters live")
    others = "; ".join(f"{name}: {b.label}" + (f" ({b.detail})" if b.detail else "")
                       for name, b in badges.items() if b.label != "live")
    return HealthBadge(f"{len(live)} of {len(badges)} live", "warning" if live else "danger", others)
