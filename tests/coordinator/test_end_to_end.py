"""Coordinator + two worker-agent processes + the dashboard polling with the key, all on loopback."""

import json
import logging
import subprocess
import sys

import pytest
import requests

from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.manager import ScalingPolicy
from drm_dashboard.report.writer import write_report
from drm_fakes import dash_callback, wait_for

pytestmark = pytest.mark.timeout(120)
KEY = "e2e-key-51f0c9aa"
INTERVAL = {"id": "drm-interval", "property": "n_intervals", "value": 1}


@pytest.fixture
def coordinator():
    # a 2 s judging window so the idle pool's scale-down arrives within the test
    c = Coordinator(KEY, port=0, evaluate_every_s=0.5, policy=ScalingPolicy(window_s=2.0))
    c.start()
    yield c
    c.stop()


@pytest.fixture
def agents(coordinator):
    procs = [subprocess.Popen([sys.executable, "-m", "drm_dashboard.coordinator.agent", "--coordinator",
                               coordinator.url, "--worker-id", f"agent-{i}", "--interval", "0.5"],
                              env={"DRM_API_KEY": KEY, "PATH": "/usr/bin:/bin"},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for i in range(2)]
    yield procs
    for p in procs:
        p.terminate()
    outputs = [p.communicate(timeout=20)[0] for p in procs]
    assert all(KEY not in out for out in outputs)


def test_workers_appear_with_real_usage_and_decisions_arrive(coordinator, agents, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    dash = DRMRealTimeDashboard(db_path=str(tmp_path / "e2e.duckdb"), port=0, host="127.0.0.1",
                                update_interval=0.5, drm_url=coordinator.url, api_key=KEY)
    url = dash.start_in_background()
    try:
        assert wait_for(lambda: set(dash.live.view().worker_ids) >= {"agent-0", "agent-1"}), \
            "agents never appeared in the dashboard"
        def agent0():
            return {w.worker_id: w for w in dash.live.view().latest_workers}.get("agent-0")
        # registration comes a moment before the first heartbeat brings usage
        assert wait_for(lambda: agent0() is not None and agent0().memory > 0.0), agent0()
        assert agent0().cpu_cores >= 1 and agent0().memory_mb > 100 and agent0().memory <= 1.0
        # no tasks are placed, so allocation stays at 0 and the policy scales the idle pool down
        assert wait_for(lambda: len(dash.live.view().decisions) >= 1, timeout=30), "no decision arrived"
        assert dash.live.view().decisions[0].action == "scale_down"
        layout = json.dumps(requests.get(url + "_dash-layout", timeout=10).json())  # undo \u002f escapes
        page = requests.get(url, timeout=10).text + layout
        header = dash_callback(url, "drm-header-health", "children", [INTERVAL], (
            ("drm-header-health", "color"), ("drm-header-detail", "children"), ("drm-header-detail", "title"),
            ("drm-header-updated", "children")))
        assert header["response"]["drm-header-health"]["children"] == "live"
        assert coordinator.url in page and KEY not in page and KEY not in str(header)
    finally:
        dash.stop()
    html_path, json_path = write_report(dash, dash.summary(), str(tmp_path / "report" / "run.html"))
    report = html_path.read_text() + json_path.read_text()
    assert coordinator.url in report and "workers_seen" in report
    assert KEY not in report and KEY not in caplog.text
