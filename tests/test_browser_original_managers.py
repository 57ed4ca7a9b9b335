"""Real headless Chromium over dashboards fed by managers of the original project's two shapes.

Each manager's first 30 minutes are collected quickly on a clock that then joins real time; the
dashboard then polls it live. Every tab is opened, checked for that manager's data (and for "not
reported" where it sends nothing), and saved to test-artifacts/original-<shape>-<tab>.png.
"""

from __future__ import annotations

import time

import pytest

from drm_dashboard.collector import Collector
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.sources.local import LocalSource
from drm_fakes import CatchUpClock, free_port
from original_fakes import OriginalMockManager, OriginalRealManager
from test_browser_dashboard import INTERVAL_S, TABS, open_tab, shoot, wait_for_traces

# setup collects half an hour of samples: at a load of 11 on 2 cores a test took about 170 s
pytestmark = [pytest.mark.browser, pytest.mark.timeout(360)]
HISTORY_MIN = 30
MACHINES = [{"cpu": {"cores": 32, "available_cores": 32},
             "memory": {"total_mb": 131072, "available_mb": 131072},
             "gpu": {"devices": 2, "memory_mb": 49152, "available_memory_mb": 49152}}] + [
            {"cpu": {"cores": 16, "available_cores": 16},
             "memory": {"total_mb": 65536, "available_mb": 65536}}] * 4


def _real(clock):
    drm = OriginalRealManager(clock=clock)
    for i, machine in enumerate(MACHINES):
        assert drm.register_worker(f"node-{i}", {k: dict(v) for k, v in machine.items()})
    held: list[str] = []

    def step(i: int) -> None:
        # a wave of tasks: reserve on the way up, record and release on the way down
        if (i // 40) % 2 == 0:
            rid = drm.reserve_resources(f"task-{i}", {"cpu_cores": 4, "memory_mb": 8192,
                                                      "gpu_memory_mb": 4096 if i % 5 == 0 else 0})
            if rid:
                held.append(f"task-{i}")
        elif held:
            task = held.pop(0)
            drm.record_task_execution(task, {"success": i % 7 != 0, "execution_time_ms": 30_000,
                                             "cpu_cores_used": 3, "memory_mb_used": 6144})
            drm.release_resources(drm.task_reservation[task])
        if i % 12 == 0:
            drm.last_scaling_decision = drm.evaluate_scaling()

    return drm, step


def _mock(clock):
    return OriginalMockManager(seed=5, clock=clock), lambda i: None


def _recorded(tmp_path, build):
    clock = CatchUpClock(time.time() - HISTORY_MIN * 60)
    manager, step = build(clock)
    dash = DRMRealTimeDashboard(dynamic_resource_manager=manager, db_path=str(tmp_path / "h.duckdb"),
                                port=free_port(), update_interval=INTERVAL_S, host="127.0.0.1", clock=clock)
    history = Collector(LocalSource(manager, clock=clock), dash.live, interval_s=5, clock=clock)
    i = 0
    while clock.now < time.time() - 5:
        clock.now += 5
        step(i)
        history.poll_once()
        i += 1
    clock.live = True
    return dash, dash.start_in_background()


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    dash, url = _recorded(tmp_path_factory.mktemp("real"), _real)
    yield url
    dash.stop()


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    dash, url = _recorded(tmp_path_factory.mktemp("mock"), _mock)
    yield url
    dash.stop()


def _every_tab(br, url, artifacts, shape: str, *, perf_text: str, scaling_text: str) -> None:
    br.server_url = url
    br.wait_for_text_to_equal("#drm-header-health", "live", timeout=45)
    br.wait_for_contains_text("#overview-cards", "Workers", timeout=45)
    wait_for_traces(br, "overview-utilization")
    shoot(br, artifacts / f"original-{shape}-overview.png")
    open_tab(br, TABS["workers"])
    wait_for_traces(br, "workers-lines")
    wait_for_traces(br, "workers-heatmap")
    shoot(br, artifacts / f"original-{shape}-workers.png")
    open_tab(br, TABS["performance"])
    br.wait_for_contains_text("#perf-stats-queue-wait-ms", perf_text, timeout=45)
    shoot(br, artifacts / f"original-{shape}-performance.png")
    open_tab(br, TABS["scaling"])
    br.wait_for_contains_text("#scaling-table", scaling_text, timeout=45)
    wait_for_traces(br, "scaling-timeline")
    shoot(br, artifacts / f"original-{shape}-scaling.png")
    open_tab(br, TABS["alerts"])
    br.wait_for_element("#alerts-list", timeout=45)
    shoot(br, artifacts / f"original-{shape}-alerts.png")
    assert br.get_logs() == []


def test_the_original_real_manager_on_every_tab(dash_br, real, artifacts):
    _every_tab(dash_br, real, artifacts, "real", perf_text="Not reported by this source",
               scaling_text="maintain")
    open_tab(dash_br, TABS["overview"])
    dash_br.wait_for_contains_text("#overview-cards", "pending not reported", timeout=45)
    open_tab(dash_br, TABS["performance"])
    # its efficiency comes from the executions it recorded (task_count > 0)
    dash_br.wait_for_contains_text("#perf-stats-resource-efficiency", "samples", timeout=45)


def test_the_original_mock_manager_on_every_tab(dash_br, mock, artifacts):
    _every_tab(dash_br, mock, artifacts, "mock", perf_text="Not reported by this source",
               scaling_text="Utilization within target range")
    open_tab(dash_br, TABS["performance"])
    dash_br.wait_for_contains_text("#perf-stats-task-throughput", "samples", timeout=45)
    wait_for_traces(dash_br, "perf-resource-efficiency")
