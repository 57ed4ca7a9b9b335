"""The dashboard's /metrics: source health, tick durations, alert states and counts, parsed back."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from drm_dashboard.config import Settings
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.errors import SourceUnavailable
from drm_dashboard.models import ScalingDecision
from drm_fakes import FakeClock, ScriptedSource, make_snapshot

pytestmark = pytest.mark.timeout(90)
INTERVAL = 5.0


@pytest.fixture
def run(tmp_path):
    clock = FakeClock()
    source = ScriptedSource(clock)
    # a long interval: the collector thread sleeps, the test ticks with poll_once
    settings = Settings(db_path=str(tmp_path / "h.duckdb"), update_interval=3600, retention=600)
    dash = DRMRealTimeDashboard(settings=settings, source=source, clock=clock)
    app = dash.create_app()
    dash._begin_run()
    yield dash, source, clock, app.server.test_client()
    dash.stop()


def scrape(client):
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.content_type.startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(resp.get_data(as_text=True))}


def values(families, name):
    return {tuple(sorted(s.labels.items())): s.value for s in families[name].samples
            if s.name in (name, name + "_total")}


def tick(dash, clock, item=None):
    clock.advance(INTERVAL)
    if item is not None:
        dash.source.script.append(item)
    return dash.collector.poll_once()


def test_live_source_and_tick_durations(run):
    dash, _, clock, client = run
    tick(dash, clock)
    fams = scrape(client)
    assert values(fams, "drm_dashboard_source_up")[()] == 1
    assert values(fams, "drm_dashboard_source_state")[(("state", "live"),)] == 1
    quantiles = values(fams, "drm_dashboard_tick_duration_milliseconds")
    assert set(quantiles) == {(("quantile", q),) for q in ("0.5", "0.9", "0.99")}
    assert all(v > 0 for v in quantiles.values())


def test_a_decision_alert_is_counted_once_across_scrapes(run):
    dash, _, clock, client = run
    decision = ScalingDecision("scale_up", 2, "busy", 0.9, timestamp=clock.now + INTERVAL, seq=1)
    tick(dash, clock, make_snapshot(clock.now + INTERVAL, decisions=[decision]))
    first = values(scrape(client), "drm_alerts")
    assert first == {(("level", "info"), ("source", "scaling_decision")): 1}
    tick(dash, clock)
    assert values(scrape(client), "drm_alerts") == first


def test_source_down_shows_as_health_and_a_firing_alert(run):
    dash, _, clock, client = run
    for _ in range(4):  # the default rule: down for three intervals of 3600 s is an error
        clock.advance(3600)
        dash.source.script.append(SourceUnavailable("refused"))
        dash.collector.poll_once()
    fams = scrape(client)
    assert values(fams, "drm_dashboard_source_up")[()] == 0
    assert values(fams, "drm_dashboard_source_consecutive_failures")[()] == 4
    firing = values(fams, "drm_alert_firing")
    key = (("alertname", "source-down"), ("severity", "error"), ("silenced", "false"),
           ("source", "system"))
    assert firing == {key: 1}
    assert values(fams, "drm_alerts")[(("level", "error"), ("source", "system"))] == 1


def test_latest_finding_per_metric_and_crossing_etas_only():
    from prometheus_client import generate_latest

    from drm_dashboard.analytics.changepoint_records import ChangePoint
    from drm_dashboard.analytics.forecast import ThresholdEta
    from drm_dashboard.analytics.pipeline import AnalyticsReport
    from drm_dashboard.metrics import DashboardState, dashboard_registry
    from drm_dashboard.models import SourceHealth

    def finding(ts, confidence, direction):
        return ChangePoint("allocation_time_ms", 5, ts, 2.0, 4.0, 100.0, direction, confidence,
                           6.0, 1e-5, 3.0, 8, 0.2)
    report = AnalyticsReport(
        findings=(finding(1e9, 0.6, "improvement"), finding(1e9 + 60, 0.93, "regression")),
        etas={"cpu_utilization": ThresholdEta("cpu_utilization", 80.0, "up", "crossing", 300.0, "m"),
              "memory_utilization": ThresholdEta("memory_utilization", 90.0, "up", "no_trend", None, "m")})
    state = DashboardState(health=SourceHealth, tick_times_ms=lambda: (), report=lambda: report,
                           firing=lambda: (), alerts=lambda: (), run_started=lambda: None)
    text = generate_latest(dashboard_registry(state)).decode()
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    assert values(fams, "drm_regression_confidence") == {
        (("direction", "regression"), ("metric", "allocation_time_ms")): pytest.approx(0.93)}
    assert values(fams, "drm_forecast_time_to_threshold_seconds") == {
        (("metric", "cpu_utilization"), ("threshold", "80")): 300.0}
    # no tick yet: no tick-duration family at all rather than a made-up 0
    assert "drm_dashboard_tick_duration_milliseconds" not in fams
