"""The analytics pipeline: detectors see each tick once, warm history included; one finding per step."""

import dataclasses

import numpy as np
import pytest

from drm_dashboard.analytics.alert_rules import AlertConfig, RegressionRule
from drm_dashboard.analytics.alerts import AlertEngine
from drm_dashboard.analytics.changepoint_records import DetectorConfig
from drm_dashboard.analytics.online import OnlineDetector
from drm_dashboard.analytics.pipeline import AnalyticsPipeline
from drm_dashboard.models import PerformanceSample, SourceHealth
from drm_dashboard.store.live import LiveStore
from drm_fakes import make_snapshot

LIVE = SourceHealth("live")


class RecordingEngine:
    def __init__(self):
        self.calls = []

    def evaluate(self, now, values, decisions, health, findings=()):
        self.calls.append((now, dict(values), tuple(findings)))
        return []


def _tick(store, ts, alloc_ms, rng):
    snap = make_snapshot(ts)
    perf = PerformanceSample(1.0, alloc_ms + rng.normal(0, 0.1), 10.0, 0.7, 0, 0)
    store.ingest(dataclasses.replace(snap, performance=perf))


def test_a_doubling_of_allocation_time_is_one_regression_finding(clock):
    rng = np.random.default_rng(0)
    store, engine = LiveStore(retention_s=1e6, clock=clock), RecordingEngine()
    pipe = AnalyticsPipeline(engine)
    for i in range(160):
        _tick(store, clock.advance(5), 2.0 if i < 80 else 4.0, rng)
        pipe.process(store.view().series, make_snapshot(clock.now), LIVE)
    findings = [f for f in pipe.report.findings if f.metric == "allocation_time_ms"]
    assert len(findings) == 1
    assert findings[0].direction == "regression" and 75 <= findings[0].index <= 90
    passed = [f for c in engine.calls for f in c[2]]
    # passed when confirmed, then once per tick as its confidence is revised, until it settles
    assert {(f.metric, f.index) for f in passed} == {(f.metric, f.index) for f in pipe.report.findings}
    assert all(len(c[2]) == len({(f.metric, f.index) for f in c[2]}) for c in engine.calls)
    assert [f for f in passed if f.metric == "allocation_time_ms"][-1] == findings[0]
    assert engine.calls[-1][1]["allocation_time_ms"] > 3.5


def test_warm_history_is_fed_once_and_status_counts_points(clock):
    rng = np.random.default_rng(1)
    store = LiveStore(retention_s=1e6, clock=clock)
    for _ in range(12):
        _tick(store, clock.advance(5), 2.0, rng)
    pipe = AnalyticsPipeline()
    pipe.process(store.view().series, make_snapshot(clock.now), LIVE)
    pipe.process(store.view().series, make_snapshot(clock.now), LIVE)  # same view: nothing fed twice
    status = pipe.report.statuses["allocation_time_ms"]
    assert status.points == 12 and not status.judged
    assert f"12 of {status.points_needed}" in status.message


def test_forecasts_refresh_at_most_every_interval_and_etas_follow_thresholds(clock):
    store = LiveStore(retention_s=1e6, clock=clock)
    pipe = AnalyticsPipeline(thresholds={"cpu_utilization": 80.0}, forecast_every_s=30)
    stamps = []
    for i in range(40):  # CPU climbs 1 percentage point a minute from 40%
        snap = make_snapshot(clock.advance(5))
        store.ingest(dataclasses.replace(snap, cpu=0.40 + i * 5 / 60 / 100))
        pipe.process(store.view().series, snap, LIVE)
        stamps.append(pipe.report.forecast_at)
    report = pipe.report
    assert "cpu_utilization" in report.forecasts and "task_throughput" in report.forecasts
    eta = report.etas["cpu_utilization"]
    assert eta.state == "crossing" and 35 * 60 <= eta.seconds <= 45 * 60, eta
    assert eta.message.startswith("CPU used reaches 80%")  # the catalog's label
    refits = sorted({s for s in stamps if s is not None})
    assert all(b - a >= 30 for a, b in zip(refits, refits[1:]))


def test_forecast_intervals_stay_within_what_the_quantity_can_be(clock):
    rng = np.random.default_rng(3)
    store, pipe = LiveStore(retention_s=1e6, clock=clock), AnalyticsPipeline()
    for i in range(120):  # a noisy, low throughput and an efficiency near its ceiling
        snap = make_snapshot(clock.advance(5))
        perf = PerformanceSample(max(0.0, rng.normal(0.2, 0.3)), 2.0, 10.0,
                                 min(1.0, 0.97 + rng.normal(0, 0.03)), i, 0)
        store.ingest(dataclasses.replace(snap, performance=perf))
    pipe.process(store.view().series, make_snapshot(clock.now), LIVE)
    fcs = pipe.report.forecasts
    assert fcs["task_throughput"].lower.min() >= 0.0
    assert fcs["resource_efficiency"].upper.max() <= 100.0
    assert fcs["task_throughput"].timestamps[-1] - clock.now <= 600 + 5


# forty samples near 2 ms, then seventy near 2.2 ms: the same ten noise values throughout
NOISE = [0.03, -0.02, 0.01, -0.04, 0.02, 0.0, -0.01, 0.04, -0.03, 0.01]
SLOWER = [2.0 + e for e in NOISE * 4] + [2.2 + e for e in reversed(NOISE)] * 7


def _alloc_tick(store, ts, alloc_ms):
    perf = PerformanceSample(1.0, alloc_ms, 10.0, 0.7, 0, 0)  # no counters: the value is the sample
    store.ingest(dataclasses.replace(make_snapshot(ts), performance=perf))


def test_the_regression_alert_fires_once_when_the_revised_confidence_crosses_the_threshold(clock):
    # weights that count the evidence, so the confidence grows as samples confirm the step
    config = DetectorConfig(confidence_weights=(-2.0, 0.5, 0.4))
    probe = OnlineDetector("allocation_time_ms", higher_is_better=False, config=config)
    for i, value in enumerate(SLOWER):
        probe.update(float(i), value)
    first, settled = probe.take_changes()[0], probe.findings[0]
    # a threshold the evidence reaches only after more samples than it took to confirm the step
    threshold = (first.confidence + settled.confidence) / 2
    # a 10% step: no margin beyond the hour's worst minute, so the confidence alone decides
    rules = AlertConfig(regression=RegressionRule(min_confidence=threshold, recurrent_margin=0.0))
    engine = AlertEngine(rules, interval_s=5, clock=clock)
    store = LiveStore(retention_s=1e6, clock=clock)
    pipe = AnalyticsPipeline(engine, config=config, clock=clock)
    raised, confidence, start = [], [], clock.now
    for value in SLOWER:
        _alloc_tick(store, clock.advance(5), value)
        alerts = pipe.process(store.view().series, make_snapshot(clock.now), LIVE)
        raised += [(clock.now, a) for a in alerts if a.details.get("metric") == "allocation_time_ms"]
        found = [f for f in pipe.report.findings if f.metric == "allocation_time_ms"]
        confidence.append((clock.now, found[0].confidence if found else None))
    confirmed_at = next(t for t, c in confidence if c is not None)
    crossed_at = next(t for t, c in confidence if c is not None and c >= threshold)
    assert len(raised) == 1 and crossed_at > confirmed_at
    at, alert = raised[0]
    assert at == crossed_at and alert.details["raised_at"] == crossed_at
    assert alert.level == "warning" and alert.details["confidence"] >= threshold
    assert alert.details["index"] == first.index == 40 and alert.details["timestamp"] == start + 41 * 5
    # the worst minute (median of 12 samples) of the forty before the step: 2.0 plus a little noise
    assert alert.details["worst_before"] == pytest.approx(2.01)
