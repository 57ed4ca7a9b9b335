"""The dashboard's own /metrics: collector health, findings, alert states and ETAs, read at scrape time."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping, Sequence

import flask
import numpy as np
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .models import HEALTH_STATES, Alert, SourceHealth

METRICS_PATH = "/metrics"
_TICK_QUANTILES = (0.5, 0.9, 0.99)


@dataclass(frozen=True)
class DashboardState:
    """Readers of what the dashboard knows now; each is called once per scrape."""

    health: Callable[[], SourceHealth]
    tick_times_ms: Callable[[], Sequence[float]]
    report: Callable[[], Any]  # the analytics' AnalyticsReport
    firing: Callable[[], Sequence[Alert]]
    alerts: Callable[[], Sequence[Alert]]  # every alert the live window holds
    run_started: Callable[[], float | None]
    notifications: Callable[[], Mapping[str, int] | None] = lambda: None
    # several coordinators: each one's health (the source series above then show the worst), and
    # findings and firing alerts carry a `cluster` label
    clusters: Callable[[], Mapping[str, SourceHealth]] | None = None


class AlertTally:
    """drm_alerts_total: each alert id counted once, the first time a scrape sees it in the window."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def read(self, alerts: Sequence[Alert], since: float | None) -> dict[tuple[str, str], int]:
        """Counts by (level, source); alerts older than this run (warm-started history) are not ours."""
        with self._lock:
            for a in alerts:
                first = a.details.get("fired_at", a.timestamp)
                if a.id in self._seen or since is None or first < since:
                    continue
                key = (a.level, a.source)
                self._counts[key] = self._counts.get(key, 0) + 1
            # an id leaves the window only by pruning and never comes back: forget it then
            self._seen = {a.id for a in alerts}
            return dict(self._counts)


class DashboardCollector:
    """A prometheus_client collector over a DashboardState."""

    def __init__(self, state: DashboardState) -> None:
        self._state = state
        self._tally = AlertTally()

    def collect(self) -> Iterator[Metric]:
        yield from _health(self._state.health())
        multi = self._state.clusters is not None
        if multi:
            yield from _cluster_health(self._state.clusters())
        yield from _ticks(self._state.tick_times_ms())
        report = self._state.report()
        yield from _findings(report.findings, multi)
        yield from _etas(report.etas)
        yield from _firing(self._state.firing(), multi)
        counts = self._tally.read(self._state.alerts(), self._state.run_started())
        total = CounterMetricFamily("drm_alerts", "Alerts raised since the dashboard started",
                                    labels=["level", "source"])
        for (level, source), n in sorted(counts.items()):
            total.add_metric([level, source], n)
        yield total
        sent = self._state.notifications()
        if sent is not None:
            n = CounterMetricFamily("drm_notifications", "Alert notifications by outcome",
                                    labels=["outcome"])
            for outcome in ("sent", "failed", "dropped", "retried"):
                n.add_metric([outcome], sent.get(outcome, 0))
            yield n


def _health(h: SourceHealth) -> Iterator[Metric]:
    yield GaugeMetricFamily("drm_dashboard_source_up", "1 while the metrics source answers with "
                            "fresh data", value=1.0 if h.state == "live" else 0.0)
    state = GaugeMetricFamily("drm_dashboard_source_state", "1 for the source's current health state",
                              labels=["state"])
    for s in HEALTH_STATES:
        state.add_metric([s], 1.0 if h.state == s else 0.0)
    yield state
    yield GaugeMetricFamily("drm_dashboard_source_consecutive_failures", "Polls failed in a row",
                            value=h.consecutive_failures)
    if h.last_success is not None:
        yield GaugeMetricFamily("drm_dashboard_last_success_timestamp_seconds",
                                "When a poll last succeeded", value=h.last_success)


def _cluster_health(healths: Mapping[str, SourceHealth]) -> Iterator[Metric]:
    up = GaugeMetricFamily("drm_dashboard_cluster_up", "1 while the cluster's coordinator answers "
                           "with fresh data", labels=["cluster"])
    state = GaugeMetricFamily("drm_dashboard_cluster_state", "1 for each cluster's current health "
                              "state", labels=["cluster", "state"])
    for name, h in healths.items():
        up.add_metric([name], 1.0 if h.state == "live" else 0.0)
        for s in HEALTH_STATES:
            state.add_metric([name, s], 1.0 if h.state == s else 0.0)
    yield from (up, state)


def _ticks(times_ms: Sequence[float]) -> Iterator[Metric]:
    # the collector keeps its recent tick durations; quantiles over them are what a header shows
    if not times_ms:
        return
    q = GaugeMetricFamily("drm_dashboard_tick_duration_milliseconds", "Collector tick duration "
                          f"over the last {len(times_ms)} ticks, by quantile", labels=["quantile"])
    values = np.quantile(np.asarray(times_ms, dtype=float), _TICK_QUANTILES)
    for quantile, value in zip(_TICK_QUANTILES, values):
        q.add_metric([f"{quantile:g}"], float(value))
    yield q
    yield GaugeMetricFamily("drm_dashboard_last_tick_duration_milliseconds", "The latest tick",
                            value=float(times_ms[-1]))


def _findings(findings: Sequence[Any], by_cluster: bool = False) -> Iterator[Metric]:
    latest: dict[tuple[str, ...], Any] = {}
    for f in findings:  # oldest first: the last one per metric (and cluster) is its live finding
        latest[(f.metric, f.cluster) if by_cluster else (f.metric,)] = f
    names = ["metric", "direction"] + (["cluster"] if by_cluster else [])
    conf = GaugeMetricFamily("drm_regression_confidence", "Confidence of the latest change found "
                             "in each metric, 0..1", labels=names)
    change = GaugeMetricFamily("drm_regression_change_percent", "Level change of that finding, "
                               "percent of the level before", labels=names)
    when = GaugeMetricFamily("drm_regression_timestamp_seconds", "When that change began",
                             labels=names)
    for key, f in sorted(latest.items()):
        labels = [f.metric, f.direction] + ([f.cluster] if by_cluster else [])
        conf.add_metric(labels, float(f.confidence))
        when.add_metric(labels, float(f.timestamp))
        if f.change_pct is not None and math.isfinite(f.change_pct):
            change.add_metric(labels, float(f.change_pct))
    yield from (conf, change, when)


def _etas(etas: Mapping[str, Any]) -> Iterator[Metric]:
    g = GaugeMetricFamily("drm_forecast_time_to_threshold_seconds", "Seconds until the forecast "
                          "crosses the threshold; absent when it does not within the horizon",
                          labels=["metric", "threshold"])
    for metric, eta in sorted(etas.items()):
        if eta.seconds is not None:
            g.add_metric([metric, f"{eta.threshold:g}"], float(eta.seconds))
    yield g


def _firing(firing: Sequence[Alert], by_cluster: bool = False) -> Iterator[Metric]:
    g = GaugeMetricFamily("drm_alert_firing", "1 for each alert firing now",
                          labels=["alertname", "severity", "source", "silenced"]
                          + (["cluster"] if by_cluster else []))
    seen: set[tuple[str, ...]] = set()
    for a in firing:
        labels = (str(a.details.get("rule", a.source)), a.level, a.source,
                  "true" if a.details.get("silenced") else "false") + ((a.cluster,) if by_cluster else ())
        if labels not in seen:  # two episodes of one rule cannot fire at once; be safe anyway
            seen.add(labels)
            g.add_metric(list(labels), 1.0)
    yield g


def dashboard_registry(state: DashboardState) -> CollectorRegistry:
    """A registry holding only the dashboard's metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DashboardCollector(state))
    return registry


def register_metrics_route(server: flask.Flask, registry: CollectorRegistry) -> None:
    """GET /metrics on the dashboard's Flask server (before Dash's catch-all page route)."""
    def metrics() -> flask.Response:
        return flask.Response(generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    server.add_url_rule(METRICS_PATH, "drm_metrics", metrics, methods=["GET"])
