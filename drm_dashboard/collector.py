"""The collector thread: poll -> validate -> live store -> history -> prune -> processors."""

from __future__ import annotations

import collections
import logging
import threading
import time
from dataclasses import dataclass, replace
from typing import Callable, Protocol, Sequence

import numpy as np

from .backoff import Backoff
from .errors import AuthRejected, DashboardError, SourceError, StorageError
from .models import Alert, SourceHealth, Snapshot
from .series import TickSeries
from .sources import MetricsSource
from .store.history import HistoryStore
from .store.live import LiveStore
from .store.schema import worker_table
from .threads import BackgroundLoop
from .uptime import AlertLedger, Uptime, UptimeRecord

log = logging.getLogger(__name__)

# how many tick durations to keep for the header and the benchmarks
_TICK_SAMPLES = 512
_EVENTS_KEPT = 200


class TickProcessor(Protocol):
    """Work done once per tick on the fresh series of the live window (analytics, alert rules)."""

    def process(self, series: TickSeries, snapshot: Snapshot, health: SourceHealth) -> Sequence[Alert]:
        """Return alerts raised or updated by this tick."""
        ...

    def check_health(self, health: SourceHealth) -> Sequence[Alert]:
        """A tick that failed carries no values: judge only the source's health."""
        ...


@dataclass(frozen=True)
class HealthEvent:
    """One change of the source's health, kept for the header and the alert engine."""

    timestamp: float
    state: str
    reason: str


@dataclass(frozen=True)
class TickResult:
    """What one poll_once did."""

    ok: bool
    seq: int
    duration_ms: float
    error: str = ""


class Collector(BackgroundLoop):
    """Polls one source every interval; a failed tick is a health event, never a dead thread."""

    thread_name = "drm-collector"

    def __init__(self, source: MetricsSource, live: LiveStore, history: HistoryStore | None = None,
                 *, interval_s: float = 5.0, clock: Callable[[], float] = time.time,
                 processors: Sequence[TickProcessor] = (), max_backoff_s: float = 60.0,
                 cluster: str = "") -> None:
        super().__init__()
        self.source = source
        self.cluster = cluster  # written on every history row: several collectors share one file
        self.live = live
        self.history = history
        self.interval_s = interval_s
        self._clock = clock
        self._processors = tuple(processors)
        self._backoff = Backoff(interval_s, max_backoff_s)
        self._health = SourceHealth(state="starting", since=clock())
        self._events: collections.deque[HealthEvent] = collections.deque(maxlen=_EVENTS_KEPT)
        self._tick_ms: collections.deque[float] = collections.deque(maxlen=_TICK_SAMPLES)
        self._last_source_ts: float | None = None
        self._auth_failures = 0  # 401/403 in a row: the key's own, longer back-off
        self._uptime = Uptime()
        self._ledger = AlertLedger()
        self._tick_started: float | None = None  # monotonic start of the last tick, for the schedule
        self._lock = threading.Lock()
        self._tick_lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------
    @property
    def health(self) -> SourceHealth:
        return self._health

    @property
    def health_events(self) -> tuple[HealthEvent, ...]:
        with self._lock:
            return tuple(self._events)

    @property
    def uptime(self) -> UptimeRecord:
        """Ticks by outcome and the outages since this collector was built."""
        return self._uptime.record()

    @property
    def fired_alerts(self) -> tuple[Alert, ...]:
        """Alerts at warning or above as they fired since this collector was built, and resolutions."""
        return self._ledger.records()

    @property
    def tick_times_ms(self) -> tuple[float, ...]:
        with self._lock:
            return tuple(self._tick_ms)

    # -- one tick --------------------------------------------------------------------------
    def poll_once(self) -> TickResult:
        """Run one tick now; never raises for a source, payload or storage failure."""
        # the thread and a caller's direct poll must not interleave: ticks stay in time order
        with self._tick_lock:
            return self._tick()

    def _tick(self) -> TickResult:
        started = time.perf_counter()
        self._tick_started, begun = time.monotonic(), self._clock()
        try:
            snap = self.source.snapshot()
        except SourceError as exc:
            self._failed(exc, begun)
            return self._done(started, ok=False, error=str(exc))
        except Exception as exc:  # a bug in a third-party source must not end collection
            log.exception("source %s raised", self.source.description)
            self._failed(SourceError(f"{type(exc).__name__}: {exc}"), begun)
            return self._done(started, ok=False, error=str(exc))
        seq = self._ingest(snap)
        return self._done(started, ok=True, seq=seq)

    def _ingest(self, snap: Snapshot) -> int:
        now = self._clock()
        if self._last_source_ts is not None and snap.timestamp <= self._last_source_ts:
            # the source answers but its clock has not moved: its data is stale, not new
            self._set_health("stale", f"source timestamp has not advanced since "
                             f"{time.strftime('%H:%M:%S', time.localtime(snap.timestamp))}")
            self._auth_failures = 0
            self._uptime.stale()
            self._run_processors(None)
            return self.live.view().seq
        self._last_source_ts = snap.timestamp
        table = worker_table(snap.workers)  # one pass over the workers for both stores
        seq = self.live.ingest(snap, table)
        self._write_history(snap, table)
        self.live.prune(now)
        self._set_health("live", "", last_success=now)
        self._auth_failures = 0
        self._uptime.succeeded(now)
        self._run_processors(snap)
        return seq

    def _write_history(self, snap: Snapshot, table: np.ndarray) -> None:
        if self.history is None:
            return
        try:
            self.history.append(snap, table, cluster=self.cluster)
            errors = self.history.take_errors()
        except StorageError as exc:
            errors = [exc]
        for exc in errors:
            # live view keeps working; the header shows why history is not being written
            self._record(HealthEvent(self._clock(), "history-error", str(exc)))
            log.error("history write failed: %s", exc)

    def _run_processors(self, snap: Snapshot | None) -> None:
        series = self.live.view().series
        for proc in self._processors:
            try:
                if snap is None:
                    alerts = proc.check_health(self._health)
                else:
                    alerts = proc.process(series, snap, self._health)
            except Exception:
                log.exception("tick processor %s failed", type(proc).__name__)
                continue
            self._store_alerts(alerts)

    def _store_alerts(self, alerts: Sequence[Alert]) -> None:
        for alert in alerts:
            log_alert(alert)
            self.live.add_alert(alert)
            self._ledger.add(alert)
            if self.history is None:
                continue
            try:
                self.history.append_alert(alert, self.cluster)
            except StorageError as exc:
                self._record(HealthEvent(self._clock(), "history-error", str(exc)))

    def _failed(self, exc: SourceError, begun: float) -> None:
        reason = str(exc) or type(exc).__name__
        self._health = replace(self._health, consecutive_failures=self._health.consecutive_failures + 1)
        self._auth_failures = self._auth_failures + 1 if isinstance(exc, AuthRejected) else 0
        self._set_health("error", reason, failed=True)
        # the header says when the next try is: the back-off counts from this tick's start
        self._health = replace(self._health, next_try=begun + self.next_delay())
        self._uptime.failed(begun, reason)
        log.warning("poll of %s failed: %s", self.source.description, exc)
        self._run_processors(None)

    def judge_health(self) -> None:
        """Let the processors judge the source's health now (the end of a run), with no new tick."""
        with self._tick_lock:
            self._run_processors(None)

    def _set_health(self, state: str, reason: str, *, last_success: float | None = None,
                    failed: bool = False) -> None:
        old = self._health
        changed = (state, reason) != (old.state, old.reason)
        self._health = SourceHealth(
            state=state, reason=reason,
            since=self._clock() if changed else old.since,
            last_success=last_success if last_success is not None else old.last_success,
            consecutive_failures=old.consecutive_failures if failed else 0,
        )
        if changed:
            self._record(HealthEvent(self._clock(), state, reason))

    def _record(self, event: HealthEvent) -> None:
        with self._lock:
            self._events.append(event)

    def _done(self, started: float, *, ok: bool, seq: int = 0, error: str = "") -> TickResult:
        ms = (time.perf_counter() - started) * 1000.0
        with self._lock:
            self._tick_ms.append(ms)
        return TickResult(ok=ok, seq=seq, duration_ms=ms, error=error)

    # -- lifecycle -------------------------------------------------------------------------
    def next_delay(self) -> float:
        """Seconds from the last tick's start to the next: the interval, or the back-off (backoff.py)."""
        return self._backoff.delay(self._health.consecutive_failures, self._auth_failures)

    def _due_in(self) -> float:
        # fixed rate from each tick's start, so a run's tick count is duration / interval, not less
        if self._tick_started is None:
            return 0.0
        return max(0.0, self._tick_started + self.next_delay() - time.monotonic())

    def _run(self) -> None:
        while not self._stop.wait(self._due_in()):
            try:
                self.poll_once()
            except DashboardError:
                log.exception("collector tick failed")
            except Exception:
                log.exception("unexpected error in collector tick")


def log_alert(alert: Alert) -> None:
    """One log line per transition: firing (WARNING at warning level and above), resolved, event."""
    state = str(alert.details.get("state", "event"))
    loud = state == "firing" and alert.level != "info"
    silenced = " (silenced)" if alert.details.get("silenced") else ""
    log.log(logging.WARNING if loud else logging.INFO, "alert %s%s: [%s] %s (%s)", state, silenced,
            alert.level, alert.message, alert.id)
