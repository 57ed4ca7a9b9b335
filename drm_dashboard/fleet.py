"""Several coordinators in one dashboard: one source, live store, analytics and collector each.

Each cluster is polled by its own collector thread with its own health and back-off, so one
cluster down never blanks or slows the others; they share the history file (a `cluster` column
on every row) and the notification dispatcher. Every decision, alert and finding is stamped with
its cluster, and an alert's id starts with it ("east/threshold:cpu_high:..."), so two clusters'
alerts never replace each other. The "All clusters" view is combined from the clusters' views
once per change (store/combine.py), not once per viewer.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from .analytics.pipeline import AnalyticsPipeline, AnalyticsReport
from .collector import Collector, HealthEvent
from .models import Alert, SourceHealth, Snapshot
from .series import TickSeries
from .sources import MetricsSource
from .store.combine import combine_views
from .store.history import HistoryStore
from .store.live import LiveStore, LiveView
from .uptime import UptimeRecord

# how the worst health is chosen for the fleet's one-line summary and /metrics
_SEVERITY = {"live": 0, "starting": 1, "stale": 2, "error": 3}


def tag_alert(alert: Alert, cluster: str) -> Alert:
    """The alert as the fleet keeps it: its cluster set, its id prefixed by it (idempotent)."""
    if alert.cluster == cluster:
        return alert
    return dataclasses.replace(alert, id=f"{cluster}/{alert.id}", cluster=cluster)


class ClusterSource:
    """A source whose snapshots' decisions carry the cluster's name."""

    def __init__(self, inner: MetricsSource, cluster: str) -> None:
        self.inner = inner
        self.cluster = cluster

    @property
    def description(self) -> str:
        return f"{self.cluster}: {self.inner.description}"

    def snapshot(self) -> Snapshot:
        snap = self.inner.snapshot()
        if not snap.decisions:
            return snap
        return dataclasses.replace(snap, decisions=tuple(
            dataclasses.replace(d, cluster=self.cluster) for d in snap.decisions))


class ClusterProcessor:
    """A tick processor whose alerts carry the cluster's name."""

    def __init__(self, inner: AnalyticsPipeline, cluster: str) -> None:
        self.inner = inner
        self.cluster = cluster

    def process(self, series: TickSeries, snapshot: Snapshot, health: SourceHealth) -> list[Alert]:
        return [tag_alert(a, self.cluster) for a in self.inner.process(series, snapshot, health)]

    def check_health(self, health: SourceHealth) -> list[Alert]:
        return [tag_alert(a, self.cluster) for a in self.inner.check_health(health)]


@dataclass
class ClusterRuntime:
    """One cluster's parts; the collector exists while the dashboard runs."""

    name: str
    source: ClusterSource
    live: LiveStore
    analytics: AnalyticsPipeline
    engine: Any  # its AlertEngine (firing alerts for /metrics)
    collector: Collector | None = None
    last_health: SourceHealth = SourceHealth()
    last_events: tuple[HealthEvent, ...] = ()
    last_uptime: UptimeRecord = UptimeRecord()
    last_fired: tuple[Alert, ...] = ()

    @property
    def health(self) -> SourceHealth:
        return self.collector.health if self.collector else self.last_health

    def report(self) -> AnalyticsReport:
        """The analytics report with every finding stamped with this cluster."""
        report = self.analytics.report
        return dataclasses.replace(report, findings=tuple(
            dataclasses.replace(f, cluster=self.name) for f in report.findings))


class Fleet:
    """The clusters of one dashboard: their lifecycle, health, views and reports."""

    def __init__(self, runtimes: Sequence[ClusterRuntime], *, interval_s: float,
                 clock: Callable[[], float], max_backoff_s: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.runtimes = tuple(runtimes)
        self.by_name: Mapping[str, ClusterRuntime] = {r.name: r for r in self.runtimes}
        self.interval_s = interval_s
        self._clock = clock
        self._max_backoff_s = max_backoff_s
        self._monotonic = monotonic
        self._run_cursors: dict[str, int] = {}
        # (built at, the combined view, the clusters' views it was built from)
        self._combined: tuple[float, LiveView, tuple[LiveView, ...]] | None = None
        self._forecast: tuple[LiveView, tuple[Mapping[str, Any], Mapping[str, Any]]] | None = None
        self._lock = threading.Lock()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.by_name)

    @property
    def description(self) -> str:
        return f"{len(self.runtimes)} coordinators: " + ", ".join(self.names)

    # -- lifecycle --------------------------------------------------------------------------
    def warm(self, history: HistoryStore, start: float, end: float) -> None:
        """Fill each empty live store from its own rows of history (never the unnamed old rows)."""
        for r in self.runtimes:
            if r.live.view().is_empty:
                r.live.load(history.load_window(start, end, r.name, legacy=False))

    def start(self, history: HistoryStore | None) -> None:
        """Build the collectors if needed, poll each once, then start their threads."""
        for r in self.runtimes:
            if r.collector is None:
                r.collector = Collector(r.source, r.live, history, interval_s=self.interval_s,
                                        clock=self._clock, processors=[ClusterProcessor(r.analytics, r.name)],
                                        max_backoff_s=self._max_backoff_s, cluster=r.name)
                r.collector.thread_name = f"drm-collector-{r.name}"
        # the first poll of every cluster before any thread: a refused one costs its own timeout
        for r in self.runtimes:
            r.collector.poll_once()
        for r in self.runtimes:
            r.collector.start()

    def stop(self) -> None:
        """Stop every collector (all asked first, then joined), judge health once more, keep records."""
        running = [r for r in self.runtimes if r.collector is not None]
        for r in running:
            r.collector.stop()
        for r in running:
            r.collector.join(timeout=10)
            r.collector.judge_health()

    def release(self) -> None:
        """Forget the collectors, keeping what they knew for a summary written afterwards."""
        for r in self.runtimes:
            c = r.collector
            if c is not None:
                r.last_health, r.last_events = c.health, c.health_events
                r.last_uptime, r.last_fired = c.uptime, c.fired_alerts
            r.collector = None

    # -- reading ----------------------------------------------------------------------------
    def view(self, cluster: str | None = None) -> LiveView:
        """One cluster's view, or (None) all clusters combined: rebuilt at most once an interval."""
        # each cluster ticks on its own beat, so the clusters' views change N times an interval;
        # rebuilding (and redrawing every page) on each would keep viewers' caches always cold
        if cluster is not None:
            return self.by_name[cluster].live.view()
        cached = self._combined
        if cached is not None and self._monotonic() - cached[0] < self.interval_s:
            return cached[1]
        with self._lock:
            views = tuple(r.live.view() for r in self.runtimes)
            cached = self._combined
            if cached is None or any(a is not b for a, b in zip(cached[2], views)):
                cached = (self._monotonic(), combine_views(dict(zip(self.names, views)),
                                                           self.interval_s), views)
            else:
                cached = (self._monotonic(), cached[1], views)
            self._combined = cached
            return cached[1]

    def health(self, cluster: str | None = None) -> SourceHealth:
        """One cluster's health, or the worst of them (the fleet is only as live as its worst)."""
        if cluster is not None:
            return self.by_name[cluster].health
        return max((r.health for r in self.runtimes), key=lambda h: _SEVERITY.get(h.state, 3))

    def healths(self) -> dict[str, SourceHealth]:
        return {r.name: r.health for r in self.runtimes}

    def report(self, cluster: str | None = None) -> AnalyticsReport:
        """One cluster's report, or every cluster's findings together (detectors run per cluster)."""
        if cluster is not None:
            return self.by_name[cluster].report()
        reports = [r.report() for r in self.runtimes]
        findings = tuple(sorted((f for rep in reports for f in rep.findings), key=lambda f: f.timestamp))
        # every cluster runs the same alert rules
        return AnalyticsReport(seq=sum(rep.seq for rep in reports), findings=findings,
                               statuses=_most_judged(reports), rule=reports[0].rule)

    def forecasts(self, cluster: str | None = None) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """Forecasts and ETAs of one cluster, or of the combined view (fitted once per change)."""
        if cluster is not None:
            report = self.by_name[cluster].analytics.report
            return report.forecasts, report.etas
        view = self.view()
        cached = self._forecast
        if cached is not None and cached[0] is view:
            return cached[1]
        result = self.runtimes[0].analytics.forecasts_of(view.series)
        self._forecast = (view, result)
        return result

    def firing(self) -> list[Alert]:
        return [tag_alert(a, r.name) for r in self.runtimes for a in r.engine.firing()]

    def tick_times_ms(self) -> tuple[float, ...]:
        return tuple(t for r in self.runtimes if r.collector for t in r.collector.tick_times_ms)

    # -- a run's record (CI mode) ---------------------------------------------------------------
    def mark_run_start(self) -> None:
        """Remember where this run begins in each cluster (ticks warmed from history are not its)."""
        self._run_cursors = {r.name: r.live.seq for r in self.runtimes}

    def run_view(self) -> LiveView:
        """Every cluster's ticks of this run, combined."""
        return combine_views({r.name: r.live.since(self._run_cursors.get(r.name, 0))
                              for r in self.runtimes}, self.interval_s)

    def run_record(self) -> tuple[str, SourceHealth, tuple[HealthEvent, ...], UptimeRecord, tuple[Alert, ...]]:
        """Source words, health, events, uptime and fired alerts of the run.

        A run is covered only if every cluster is: the uptime is the least covered cluster's, and
        when the clusters differ the words name it.
        """
        parts = []
        for r in self.runtimes:
            c = r.collector
            events = c.health_events if c else r.last_events
            tagged = tuple(dataclasses.replace(e, reason=f"{r.name}: {e.reason}") for e in events)
            parts.append((r.name, tagged, c.uptime if c else r.last_uptime,
                          c.fired_alerts if c else r.last_fired))
        worst = min(parts, key=lambda p: p[2].ok)  # the cluster with the fewest good ticks
        words = self.description
        if any(p[2].ok != worst[2].ok for p in parts):
            words = f"{worst[0]} (the least covered of {self.description})"
        events = tuple(sorted((e for p in parts for e in p[1]), key=lambda e: e.timestamp))
        fired = tuple(sorted((a for p in parts for a in p[3]), key=lambda a: a.timestamp))
        return words, self.health(), events, worst[2], fired


def submit_tagged(submit: Callable[[Alert], None], cluster: str, alert: Alert) -> None:
    """Hand a cluster's alert transition to the notifier with the cluster's name on it."""
    submit(tag_alert(alert, cluster))


def build_fleet(specs: Sequence[Any], analytics_for: Callable[[str], tuple[AnalyticsPipeline, Any]], *,
                retention_s: float, data_clock: Callable[[], float], poll_clock: Callable[[], float],
                interval_s: float, max_backoff_s: float) -> Fleet:
    """A Fleet of coordinators (ClusterSpec): each its client, live store, and analytics and engine."""
    from .sources.coordinator import CoordinatorSource  # noqa: PLC0415 (optional part)
    runtimes = []
    for spec in specs:
        source = ClusterSource(CoordinatorSource(spec.url, spec.key, ca_bundle=spec.ca_bundle), spec.name)
        analytics, engine = analytics_for(spec.name)
        live = LiveStore(retention_s=retention_s, clock=data_clock)
        runtimes.append(ClusterRuntime(spec.name, source, live, analytics, engine))
    return Fleet(runtimes, interval_s=interval_s, clock=poll_clock, max_backoff_s=max_backoff_s)


def _most_judged(reports: Sequence[AnalyticsReport]) -> dict[str, Any]:
    """Per metric, the status of the cluster furthest along (judging, then most points)."""
    out: dict[str, Any] = {}
    for rep in reports:
        for metric, status in rep.statuses.items():
            old = out.get(metric)
            if old is None or (status.judged, status.points) > (old.judged, old.points):
                out[metric] = status
    return out
