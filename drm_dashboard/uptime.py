"""What the collector records of a run: ticks that delivered data, outages, alerts that fired."""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

from .models import ALERT_LEVELS, Alert

# outages kept for the report; a flapping source over a long run keeps only its latest ones
_OUTAGES_KEPT = 200
# --fail-on is warning at the lowest: info events (each scaling decision) never decide a run
_COUNTED = ALERT_LEVELS[ALERT_LEVELS.index("warning"):]


@dataclass(frozen=True)
class Outage:
    """From the first failed tick to the tick that delivered data again (end None: still down)."""

    start: float
    end: float | None
    reason: str

    def duration(self, now: float) -> float:
        """Its real length; an outage still open lasts until now (the end of the run)."""
        return (self.end if self.end is not None else now) - self.start

    def to_dict(self, now: float) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "duration_s": round(self.duration(now), 3),
                "reason": self.reason}


@dataclass(frozen=True)
class UptimeRecord:
    """Ticks by outcome since the collector was built, and its outages (latest last)."""

    ok: int = 0
    failed: int = 0
    stale: int = 0
    outages: tuple[Outage, ...] = ()
    outages_total: int = 0

    @property
    def attempts(self) -> int:
        return self.ok + self.failed + self.stale

    @property
    def down_now(self) -> Outage | None:
        """The outage still open, if the source is failing right now."""
        return self.outages[-1] if self.outages and self.outages[-1].end is None else None


class Uptime:
    """Counts each tick's outcome; written by the collector's tick, read from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ok = self._failed = self._stale = self._total = 0
        self._outages: collections.deque[Outage] = collections.deque(maxlen=_OUTAGES_KEPT)

    def succeeded(self, now: float) -> None:
        """A tick delivered new data: an open outage ends now."""
        with self._lock:
            self._ok += 1
            self._close(now)

    def stale(self) -> None:
        """The source answered with data it had sent before: not monitored, not down either."""
        with self._lock:
            self._stale += 1

    def failed(self, started: float, reason: str) -> None:
        """A tick that began at `started` failed; the first failure in a row opens an outage."""
        with self._lock:
            self._failed += 1
            if not self._outages or self._outages[-1].end is not None:
                self._outages.append(Outage(started, None, reason))
                self._total += 1

    def _close(self, now: float) -> None:
        last = self._outages[-1] if self._outages else None
        if last is not None and last.end is None:
            self._outages[-1] = Outage(last.start, now, last.reason)

    def record(self) -> UptimeRecord:
        """A frozen copy, for the summary and the verdict."""
        with self._lock:
            return UptimeRecord(self._ok, self._failed, self._stale, tuple(self._outages), self._total)


class AlertLedger:
    """Each alert at warning or above as it fired in this run, and its resolution.

    The live store keeps only an alert's latest record (a resolved one replaces its firing one) and
    prunes by retention; the run's verdict must name what fired, however long ago.
    """

    def __init__(self, max_ids: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._max_ids = max_ids
        self._fired: dict[str, Alert] = {}
        self._resolved: dict[str, Alert] = {}

    def add(self, alert: Alert) -> None:
        """Note one alert transition; info, silenced and unknown resolutions are not kept."""
        if alert.level not in _COUNTED or alert.details.get("silenced"):
            return
        with self._lock:
            if alert.details.get("state") == "resolved":
                if alert.id in self._fired:
                    self._resolved[alert.id] = alert
            elif alert.id not in self._fired and len(self._fired) < self._max_ids:
                self._fired[alert.id] = alert

    def records(self) -> tuple[Alert, ...]:
        """Firing records, then resolutions, oldest first."""
        with self._lock:
            return tuple(sorted([*self._fired.values(), *self._resolved.values()],
                                key=lambda a: a.timestamp))
