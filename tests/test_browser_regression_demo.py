"""The demo with an injected regression: Chromium shows the finding, its alert and the trend."""

from __future__ import annotations

import time

import pytest

from drm_dashboard.collector import Collector
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.manager import (DynamicResourceManager, InjectedRegression, Workload,
                                   WorkloadConfig)
from drm_dashboard.sources.local import LocalSource
from drm_fakes import CatchUpClock, free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
MINUTES = 20


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    clock = CatchUpClock(time.time() - MINUTES * 60)
    manager = DynamicResourceManager(clock=clock)
    regression = InjectedRegression("allocation_time", start_s=600, factor=2.0)
    workload = Workload(manager, WorkloadConfig(seed=0, regression=regression), clock=clock)
    dash = DRMRealTimeDashboard(dynamic_resource_manager=manager, port=free_port(), host="127.0.0.1",
                                db_path=str(tmp_path_factory.mktemp("demo") / "d.duckdb"),
                                update_interval=2, clock=clock)
    # the dashboard's own analytics judge the simulated history as it is collected
    catch_up = Collector(LocalSource(manager, clock=clock), dash.live, interval_s=5, clock=clock,
                         processors=[dash.analytics])
    while clock.now < time.time() - 5:
        clock.now += 5
        workload.step(clock.now)
        catch_up.poll_once()
    clock.live = True
    yield dash, dash.start_in_background()
    dash.stop()


def test_performance_and_alerts_tabs_show_the_injected_regression(dash_br, demo, artifacts):
    dash, url = demo
    found = [f for f in dash.analytics.report.findings if f.metric == "allocation_time_ms"]
    assert found and found[0].direction == "regression"
    dash_br.server_url = url
    dash_br.wait_for_text_to_equal("#drm-header-health", "live", timeout=45)
    _open_tab(dash_br, "Performance Metrics")
    # only a finding's row reads "<metric> regression: before -> after" (status lines do not)
    dash_br.wait_for_contains_text("#perf-regressions", "allocation time regression:", timeout=45)
    dash_br.wait_for_contains_text("#perf-stats-allocation-time-ms", "Trend:", timeout=45)
    dash_br.driver.save_screenshot(str(artifacts / "demo-regression-performance.png"))
    _open_tab(dash_br, "Alerts")
    dash_br.wait_for_contains_text("#alerts-list", "allocation time regressed", timeout=45)
    dash_br.driver.save_screenshot(str(artifacts / "demo-regression-alerts.png"))
    assert dash_br.get_logs() == []


def _open_tab(dash_br, label: str) -> None:
    for link in dash_br.driver.find_elements("css selector", ".nav-link"):
        if link.text.strip() == label:
            link.click()
            return
    raise AssertionError(f"no tab {label!r}")
