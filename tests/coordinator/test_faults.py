"""Fault tests: the dashboard keeps serving through each coordinator failure, then recovers."""

import json
import time

import pytest
import requests

from coordinator_fakes import FakeCoordinator, payload
from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.manager import ScalingPolicy
from drm_dashboard.sources.coordinator import CoordinatorSource
from drm_fakes import dash_callback, wait_for

pytestmark = pytest.mark.timeout(120)
KEY = "fault-key-0b77e1"
FAST = ScalingPolicy(window_s=0.5, cooldown_up_s=0)
INTERVAL = {"id": "drm-interval", "property": "n_intervals", "value": 1}


class Ticking:
    """A coordinator whose clock moves: every request gets a fresh valid payload until a fault."""

    def __init__(self, fake: FakeCoordinator):
        self.fake = fake
        self.ts = 1000.0

    def heal(self):
        self.fake.status, self.fake.delay_s = 200, 0.0
        self.fake.body_factory = self._next

    def _next(self):
        self.ts += 1
        return json.dumps(payload(ts=self.ts)).encode()


@pytest.fixture(scope="module")
def fake():
    f = FakeCoordinator()
    yield f
    f.stop()


@pytest.fixture
def watched(fake, tmp_path):
    ticking = Ticking(fake)
    ticking.heal()
    # short timeouts and back-off cap so each fault and its recovery fit in seconds
    source = CoordinatorSource(fake.url, KEY, connect_timeout_s=1.0, read_timeout_s=1.0)
    dash = DRMRealTimeDashboard(db_path=str(tmp_path / "f.duckdb"), port=0, host="127.0.0.1",
                                update_interval=0.2, source=source, max_backoff_s=0.5)
    url = dash.start_in_background()
    yield dash, url, ticking
    dash.stop()


def health(dash):
    return dash.collector.health


def recover(dash, ticking):
    """Heal the coordinator and wait for the dashboard to be live on new data."""
    seq = dash.live.view().seq
    ticking.heal()
    return wait_for(lambda: health(dash).state == "live" and dash.live.view().seq > seq)


@pytest.mark.parametrize("fault, words", [
    ({"status": 500}, "HTTP 500"),
    ({"delay_s": 2.0}, "timed out after"),
    ({"body": b"{not json"}, "not JSON"),
    ({"body": json.dumps({**payload(), "statistics": {
        **payload()["statistics"], "active_tasks": -1}}).encode()}, "active_tasks"),
    ({"body": json.dumps({**payload(), "statistics": {
        **payload()["statistics"], "total_workers": "12"}}).encode()}, "total_workers"),
    ({"body": b'{"statistics": NaN, "performance": {}}'}, "NaN"),
])
def test_fault_is_shown_page_keeps_serving_then_recovers(watched, fault, words):
    dash, url, ticking = watched
    assert wait_for(lambda: health(dash).state == "live"), health(dash)
    ticking.fake.body_factory = None
    for name, value in fault.items():
        setattr(ticking.fake, name, value)
    assert wait_for(lambda: health(dash).state == "error" and words in health(dash).reason), health(dash)
    assert requests.get(url, timeout=5).status_code == 200
    assert dash.live.view().seq >= 1  # what was collected is still there
    assert recover(dash, ticking), f"no recovery from {words}: {health(dash)}"


def test_wrong_key_is_named_and_not_retried_in_a_tight_loop(tmp_path):
    coord = Coordinator("the-right-key", port=0, evaluate_every_s=3600)
    coord.start()
    dash = DRMRealTimeDashboard(db_path=str(tmp_path / "k.duckdb"), port=0, host="127.0.0.1",
                                update_interval=0.1, drm_url=coord.url, api_key="a-wrong-key")
    try:
        url = dash.start_in_background()
        assert wait_for(lambda: "rejected the API key" in health(dash).reason)
        # not the 0.1 s interval: a rejected key backs off from 5 s (then 10, 20, 40, 60; the schedule
        # itself is counted on a fake clock in test_backoff), and the header says when it retries
        before = health(dash).next_try
        assert dash.collector.next_delay() in (5.0, 10.0) and before is not None
        header = dash_callback(url, "drm-header-health", "children", [INTERVAL], (
            ("drm-header-health", "color"), ("drm-header-detail", "children"), ("drm-header-detail", "title"),
            ("drm-header-updated", "children")))["response"]
        # a poll may land between reading the health and the callback: either next try is right
        tries = {time.strftime("%H:%M:%S", time.localtime(t)) for t in (before, health(dash).next_try)}
        detail = header["drm-header-detail"]["children"]
        assert any(detail.startswith(f"the coordinator rejected the API key (HTTP 401); next try at {t}")
                   for t in tries), detail
        assert "a-wrong-key" not in str(header)
    finally:
        dash.stop()
        coord.stop()


def test_coordinator_restart_loses_no_decision(tmp_path):
    """A restarted coordinator numbers decisions from 1 again; the dashboard still gets them all."""
    first = Coordinator(KEY, port=0, evaluate_every_s=3600, policy=FAST)
    first.start()
    port = first.port  # the restarted coordinator comes back on the same port
    dash = DRMRealTimeDashboard(db_path=str(tmp_path / "r.duckdb"), port=0, host="127.0.0.1",
                                update_interval=0.2, drm_url=first.url, api_key=KEY, max_backoff_s=0.5)
    dash.start_in_background()
    try:
        _scale_once(first)
        assert wait_for(lambda: len(dash.live.view().decisions) == 1)
        first.stop()
        assert wait_for(lambda: health(dash).state == "error")
        second = Coordinator(KEY, port=port, evaluate_every_s=3600, policy=FAST)
        second.start()
        try:
            _scale_once(second)
            assert wait_for(lambda: len(dash.live.view().decisions) == 2), dash.live.view().decisions
            assert health(dash).state == "live"
        finally:
            second.stop()
    finally:
        dash.stop()


def _scale_once(coord):
    """Fill a one-worker pool for a whole window so the policy decides to scale up (seq 1)."""
    mgr = coord.manager
    mgr.register_worker("solo", {"cpu": {"cores": 2}, "memory": {"total_mb": 1024}})
    assert mgr.reserve_resources(f"t-{time.time()}", {"cpu_cores": 2, "memory_mb": 1024})
    # the policy judges a window of wall-clock time: ask until it has seen a whole one full
    assert wait_for(lambda: mgr.evaluate_scaling().action == "scale_up", timeout=20, step=0.1), \
        "the policy never scaled up a full pool"


def test_an_outage_raises_one_source_down_alert_that_resolves(watched):
    dash, _, ticking = watched
    assert wait_for(lambda: health(dash).state == "live")
    ticking.fake.body_factory, ticking.fake.status = None, 503

    def down_alerts():
        return [a for a in dash.live.view().alerts if a.source == "system"]
    assert wait_for(lambda: any(a.details["state"] == "firing" for a in down_alerts())), down_alerts()
    assert recover(dash, ticking)
    assert wait_for(lambda: [a.details["state"] for a in down_alerts()] == ["resolved"]), down_alerts()
    assert down_alerts()[0].level == "error"
