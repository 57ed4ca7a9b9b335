"""DRMRealTimeDashboard end to end: serve in the background, answer a callback, stop cleanly."""

import duckdb
import pytest
import requests

from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.errors import ServerError
from drm_fakes import CLUSTER_INPUT, dash_callback, free_port, port_is_free

pytestmark = pytest.mark.timeout(90)
INTERVAL = {"id": "drm-interval", "property": "n_intervals", "value": 1}


def test_background_run_serves_page_and_callback_then_frees_port(tmp_path):
    db = tmp_path / "history.duckdb"
    dash = DRMRealTimeDashboard(db_path=str(db), port=0, update_interval=0.2, host="127.0.0.1")
    url = dash.start_in_background()
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    try:
        assert dash.is_running
        page = requests.get(url, timeout=10)
        assert page.status_code == 200 and "DRM Performance Dashboard" in page.text
        css = requests.get(url + "_drm/theme/darkly.css", timeout=10)
        assert css.status_code == 200 and b"googleapis" not in css.content
        answer = dash_callback(url, "overview-cards", "children", [INTERVAL, CLUSTER_INPUT])
        text = str(answer["response"]["overview-cards"]["children"])
        assert "Workers" in text and "Waiting for the first sample" not in text
        health = dash_callback(url, "drm-header-health", "children", [INTERVAL], (
            ("drm-header-health", "color"), ("drm-header-detail", "children"), ("drm-header-detail", "title"),
            ("drm-header-updated", "children")))
        assert health["response"]["drm-header-health"]["children"] == "live"
    finally:
        dash.stop()
    assert not dash.is_running and port_is_free(port)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from system_metrics").fetchone()[0] >= 1
        assert con.execute("select count(*) from worker_metrics").fetchone()[0] >= 1


def test_taken_port_is_a_clear_error_and_releases_the_database(tmp_path):
    first = DRMRealTimeDashboard(db_path=str(tmp_path / "a.duckdb"), port=0, host="127.0.0.1")
    port = int(first.start_in_background().rstrip("/").rsplit(":", 1)[1])
    try:
        second = DRMRealTimeDashboard(db_path=str(tmp_path / "b.duckdb"), port=port, host="127.0.0.1")
        with pytest.raises(ServerError, match=f"port {port} .* already in use"):
            second.start_in_background()
        # the failed start must not keep the second file locked
        duckdb.connect(str(tmp_path / "b.duckdb")).close()
    finally:
        first.stop()


def test_restart_shows_what_was_there(tmp_path):
    db = str(tmp_path / "warm.duckdb")
    dash = DRMRealTimeDashboard(db_path=db, port=0, update_interval=0.2, host="127.0.0.1")
    dash.start_in_background()
    dash.stop()
    before = len(dash.resource_metrics["timestamps"])
    assert before >= 1
    again = DRMRealTimeDashboard(db_path=db, port=0, update_interval=60, host="127.0.0.1")
    again.start_in_background()
    try:
        # the warm start restores the earlier ticks, and the first poll adds one
        assert len(again.resource_metrics["timestamps"]) >= before + 1
    finally:
        again.stop()


def test_etas_aim_at_the_alert_rules_and_the_scale_up_threshold(tmp_path):
    dash = DRMRealTimeDashboard(db_path=str(tmp_path / "t.duckdb"))
    assert dash.analytics.thresholds["cpu_utilization"] == 90.0  # the default cpu-hot rule
    assert dash.analytics.thresholds["allocated"] == 80.0  # the policy's scale-up threshold


def test_a_headless_run_can_be_started_again_and_each_run_counts_its_own_ticks(tmp_path):
    dash = DRMRealTimeDashboard(db_path=str(tmp_path / "again.duckdb"), update_interval=0.2,
                                settings=None)
    dash.settings = dash.settings.with_overrides(serve=False, duration=1.0)
    counted = []
    for _ in range(2):
        before = dash.live.seq
        dash.start(1.0)
        # the run's own ticks, however many a loaded machine fit in its second: never the total
        counted.append(dash.summary()["ticks"])
        assert counted[-1] == dash.live.seq - before >= 1  # the second run really runs
    assert dash.live.seq == sum(counted) and not dash.is_running
