"""Coordinator -> Prometheus scrape -> PrometheusSource -> snapshot, collector health and the tabs."""

import socket

import psutil
import pytest

from drm_dashboard.collector import Collector
from drm_dashboard.config import Settings
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.errors import PayloadError, SourceUnavailable
from drm_dashboard.sources import MetricsSource
from drm_dashboard.sources import prometheus as prom_source
from drm_dashboard.sources.prometheus import PrometheusSource
from drm_dashboard.sources.promql import PromQLClient
from drm_dashboard.store.live import LiveStore
from drm_fakes import free_port
from promstack import Prometheus, poll
from ui_views import callback_body, callback_key
from stack_config import REPORTED

pytestmark = pytest.mark.timeout(180)


def test_snapshot_holds_the_fleet_with_node_exporter_measurements(fleet):
    source = PrometheusSource(fleet.prometheus.url)
    assert isinstance(source, MetricsSource)
    # node-exporter's CPU is a rate: it needs two scrapes of w1's machine before it exists
    snap = poll(lambda: (s := source.snapshot()) and len(s.workers) == 3 and s, "three workers")
    stats = fleet.coordinator.manager.get_worker_statistics()
    assert (snap.total_workers, snap.active_tasks) == (3, 1)
    assert (stats["total_workers"], stats["active_tasks"]) == (3, 1)
    assert snap.cpu == pytest.approx(stats["overall_utilization"]["cpu"])
    workers = {w.worker_id: w for w in snap.workers}
    assert workers["w0"].memory == pytest.approx(REPORTED["w0"][1])  # no node-exporter: the agent's
    # w1's agent said 0 memory used; its node-exporter reads the machine, which is never empty
    assert workers["w1"].memory == pytest.approx(psutil.virtual_memory().percent / 100, abs=0.15)
    assert workers["w1"].memory > 0.01
    assert sum(w.tasks for w in snap.workers) == 1 and workers["w0"].cpu_cores == 4
    assert snap.performance is not None and snap.performance.allocations_total == 1


def test_each_scaling_decision_arrives_once(fleet):
    source = PrometheusSource(fleet.prometheus.url)
    assert source.snapshot().decisions == ()  # the first tick is the counters' baseline
    decision = fleet.coordinator.manager.evaluate_scaling()
    assert decision.action == "scale_up"
    snap = poll(lambda: (s := source.snapshot()).decisions and s, "the decision through Prometheus")
    (d,) = snap.decisions
    assert (d.action, d.count) == ("scale_up", decision.count)
    assert "below min workers" in d.reason
    assert [source.snapshot().decisions for _ in range(3)] == [(), (), ()]


def test_a_tick_costs_the_same_few_queries_whatever_the_fleet(fleet):
    source = PrometheusSource(fleet.prometheus.url, max_workers=2)
    source.snapshot()
    per_tick = source.client.requests
    snap = source.snapshot()
    assert source.client.requests == 2 * per_tick <= 20
    assert len(snap.workers) == 2 and snap.total_workers == 3  # only the drawn workers are fetched


def test_failures_show_as_the_collectors_source_health(fleet, tmp_path):
    with socket.socket() as silent:  # accepts connections, never answers: a hung Prometheus
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        slow = PrometheusSource(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_s=0.5)
        with pytest.raises(SourceUnavailable, match="did not answer within 0.5 s"):
            slow.snapshot()
    down = PrometheusSource(f"http://127.0.0.1:{free_port()}")
    collector = Collector(down, LiveStore())
    assert not collector.poll_once().ok
    assert collector.health.state == "error" and "cannot connect to Prometheus" in collector.health.reason
    # node-exporter is an HTTP server without a query API: its landing page is no JSON answer
    with pytest.raises(PayloadError, match="HTTP 200 without a JSON body"):
        PrometheusSource(f"http://{fleet.node.address}").snapshot()
    # Prometheus' own error answer names its type and reason
    with pytest.raises(PayloadError, match=r"query failed \(bad_data\)"):
        PromQLClient(fleet.prometheus.url).query("sum(")


def test_a_prometheus_without_our_job_is_an_empty_answer_not_zeros(fleet, tmp_path):
    jobs = [{"job_name": "node", "static_configs": [{"targets": [fleet.node.address]}]}]
    empty = Prometheus(tmp_path / "empty", jobs)
    try:
        empty.targets_up(1)
        with pytest.raises(SourceUnavailable, match="no drm_worker_count series"):
            PrometheusSource(empty.url).snapshot()
    finally:
        empty.stop()


# each tab's first output, and the inputs its callback reads
TAB_OUTPUTS = {"System Overview": "overview-utilization-data.data",
               "Worker Details": "workers-heatmap-data.data",
               "Performance Metrics": "perf-task-throughput-data.data",
               "Scaling Decisions": "scaling-timeline-data.data", "Alerts": "alerts-list.children"}
INPUTS = {"drm-interval.n_intervals": 1, "drm-theme.data": "dark", "workers-metric.value": "cpu",
          "perf-range.value": 60, "alerts-levels.value": ["info", "warning", "error", "critical"],
          "alerts-sources.value": ["scaling_decision", "regression_detection", "system", "threshold"]}


def test_every_tab_renders_the_fleet_read_from_prometheus(fleet, tmp_path):
    source = PrometheusSource(fleet.prometheus.url)
    settings = Settings(db_path=str(tmp_path / "h.duckdb"), update_interval=3600, retention=60)
    dash = DRMRealTimeDashboard(settings=settings, source=source)
    app = dash.create_app()
    dash._begin_run()
    try:
        poll(lambda: dash.collector.poll_once().ok and len(dash.live.view().worker_ids) == 3,
             "a tick with three workers")
        client = app.server.test_client()
        for tab, output in TAB_OUTPUTS.items():
            body = callback_body(app, callback_key(app, output), {**INPUTS, "drm-tabs.active_tab": tab})
            answer = client.post("/_dash-update-component", json=body)
            assert answer.status_code == 200, tab  # 204 would mean nothing was drawn
            if tab == "Worker Details":
                assert all(w in answer.get_data(as_text=True) for w in REPORTED)
        cards = client.post("/_dash-update-component", json=callback_body(
            app, callback_key(app, "overview-cards.children"), {"drm-interval.n_intervals": 1}))
        assert cards.status_code == 200 and "Workers" in cards.get_data(as_text=True)
        assert dash.collector.health.state == "live"
    finally:
        dash.stop()


def test_worker_ids_with_regex_and_quote_characters_select_exactly_themselves(fleet):
    odd = ['a.b-c"d\\e f', "w(1)|w2", "w0"]
    got = PromQLClient(fleet.prometheus.url).query(
        'drm_worker_cpu_cores{worker_id=~"%s"}' % prom_source.worker_pattern(odd))
    assert [s.labels["worker_id"] for s in got] == ["w0"]
