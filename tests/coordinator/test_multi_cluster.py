"""Two real coordinators in one dashboard: one killed, the other still live (issue 15, item 4)."""

import math

import pytest
import requests

from drm_dashboard.config import Settings
from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.manager import ScalingPolicy
from drm_dashboard.store.history import HistoryStore
from drm_fakes import dash_callback, free_port, wait_for

pytestmark = pytest.mark.timeout(180)
EAST_KEY, WEST_KEY = "east-key-7d1c2b9e", "west-key-40aa91f3"
INTERVAL = {"id": "drm-interval", "property": "n_intervals", "value": 1}
HEADER = (("drm-header-health", "color"), ("drm-header-detail", "children"), ("drm-header-detail", "title"),
          ("drm-header-updated", "children"))


def _pool(coordinator, n, cores, cpu):
    """n workers of `cores` cores each, reporting `cpu` (fraction) through the real manager."""
    for i in range(n):
        coordinator.manager.register_worker(f"w-{i}", {"cpu": {"cores": cores},
                                                       "memory": {"total_mb": 8192}})
        coordinator.manager.report_usage(f"w-{i}", cpu=cpu, memory=0.25)


@pytest.fixture
def coordinators():
    # a 1 s judging window: the idle pools are scaled down within the test, so decisions arrive
    east = Coordinator(EAST_KEY, port=0, evaluate_every_s=0.5, policy=ScalingPolicy(window_s=1.0))
    west = Coordinator(WEST_KEY, port=0, evaluate_every_s=3600)
    for c in (east, west):
        c.start()
    _pool(east, 2, cores=4, cpu=0.5)
    _pool(west, 3, cores=8, cpu=0.1)
    yield east, west
    for c in (east, west):
        c.stop()


@pytest.fixture
def clusters_file(tmp_path, coordinators, monkeypatch):
    east, west = coordinators
    monkeypatch.setenv("WEST_DRM_KEY", WEST_KEY)
    path = tmp_path / "clusters.toml"
    path.write_text(f'[[cluster]]\nname = "east"\nurl = "{east.url}"\nkey = "{EAST_KEY}"\n\n'
                    f'[[cluster]]\nname = "west"\nurl = "{west.url}"\nkey_env = "WEST_DRM_KEY"\n')
    return str(path)


def _dashboard(tmp_path, clusters_file):
    settings = Settings(host="127.0.0.1", port=free_port(), db_path=str(tmp_path / "fleet.duckdb"),
                        update_interval=0.3, clusters_file=clusters_file)
    return DRMRealTimeDashboard(settings=settings, max_backoff_s=1.0)


def _header(url):
    return dash_callback(url, "drm-header-health", "children", [INTERVAL], HEADER)["response"]


def _clusters_badges(url):
    answer = dash_callback(url, "drm-header-clusters", "children", [INTERVAL])
    return str(answer["response"]["drm-header-clusters"]["children"])


def test_two_coordinators_one_killed_the_other_still_live(tmp_path, clusters_file, coordinators):
    east, west = coordinators
    dash = _dashboard(tmp_path, clusters_file)
    url = dash.start_in_background()
    fleet = dash.fleet
    try:
        assert fleet.names == ("east", "west")
        assert wait_for(lambda: all(fleet.view(n).n_ticks >= 3 for n in fleet.names))
        assert set(fleet.view("east").worker_ids) == {"w-0", "w-1"}
        assert set(fleet.view("west").worker_ids) == {"w-0", "w-1", "w-2"}
        both = fleet.view()
        # the same worker id on two coordinators stays two workers
        assert set(both.worker_ids) == {"east/w-0", "east/w-1", "west/w-0", "west/w-1", "west/w-2"}
        assert both.system["total_workers"][-1] == 5
        # CPU: capacity-weighted, (8 cores x 50% + 24 cores x 10%) / 32 cores = 20%
        assert math.isclose(both.system["cpu_utilization"][-1], 20.0, abs_tol=0.01)
        # "live" needs a poll within the last few intervals: a loaded machine may be between two
        assert wait_for(lambda: _header(url)["drm-header-health"]["children"] == "live", timeout=30)
        # the original's dicts read every cluster too
        assert dash.resource_metrics["worker_count"][-1] == 5
        assert {"east/w-0", "west/w-2"} <= set(dash.worker_metrics)
        page = requests.get(url + "_dash-layout", timeout=10).text
        assert "All clusters" in page and EAST_KEY not in page and WEST_KEY not in page

        # decisions carry their cluster (east's idle pool is scaled down)
        assert wait_for(lambda: fleet.view("east").decisions, timeout=30), "no decision from east"
        assert {d.cluster for d in fleet.view("east").decisions} == {"east"}

        west.stop()
        assert wait_for(lambda: fleet.health("west").state == "error", timeout=30)
        ticks = fleet.view("east").n_ticks
        assert wait_for(lambda: fleet.view("east").n_ticks >= ticks + 3), "east stopped with west"
        assert fleet.health("east").state == "live"
        # the combined view drops west once its last tick is too old, and keeps east's numbers
        assert wait_for(lambda: fleet.view().system["total_workers"][-1] == 2)
        assert math.isclose(fleet.view().system["cpu_utilization"][-1], 50.0, abs_tol=0.01)
        assert fleet.view("west").n_ticks >= 3  # what west sent is still shown

        header = _header(url)
        assert header["drm-header-health"]["children"] == "1 of 2 live"
        assert "west: error" in header["drm-header-detail"]["children"]
        badges = _clusters_badges(url)
        assert "east: live" in badges and "west: error" in badges
        # west's outage is west's alert, and east has none
        assert wait_for(lambda: any(a.source == "system" for a in fleet.view().alerts), timeout=30)
        down = [a for a in fleet.view().alerts if a.source == "system"]
        assert {a.cluster for a in down} == {"west"} and all(a.id.startswith("west/") for a in down)
        assert not [a for a in fleet.view("east").alerts if a.source == "system"]
        scraped = requests.get(url + "metrics", timeout=10).text
        assert 'drm_dashboard_cluster_up{cluster="east"} 1.0' in scraped
        assert 'drm_dashboard_cluster_up{cluster="west"} 0.0' in scraped
        assert 'cluster="west"' in scraped.split("drm_alert_firing{", 1)[1].split("\n")[0]
    finally:
        dash.stop()
    with HistoryStore(tmp_path / "fleet.duckdb") as history:
        rows = dict(history._cursor().execute(
            "SELECT cluster, count(*) FROM system_metrics GROUP BY cluster").fetchall())
        assert set(rows) == {"east", "west"} and rows["east"] > rows["west"]
        decided = history._cursor().execute("SELECT DISTINCT cluster FROM scaling_decisions").fetchall()
        assert decided == [("east",)]


def test_a_restart_warms_each_cluster_from_its_own_history(tmp_path, clusters_file):
    first = _dashboard(tmp_path, clusters_file)
    first.start_in_background()
    try:
        assert wait_for(lambda: all(first.fleet.view(n).n_ticks >= 2 for n in first.fleet.names))
    finally:
        first.stop()
    second = _dashboard(tmp_path, clusters_file)
    second._open_history()  # the warm start alone, no polling
    try:
        for name, workers in (("east", {"w-0", "w-1"}), ("west", {"w-0", "w-1", "w-2"})):
            view = second.fleet.view(name)
            assert view.n_ticks >= 2 and set(view.worker_ids) == workers
    finally:
        second.stop()


def test_ci_mode_is_monitored_only_while_every_cluster_is(tmp_path, clusters_file, coordinators, capsys):
    from drm_dashboard.cli import main
    argv = ["--clusters", clusters_file, "--no-server", "--duration", "3", "--update-interval", "0.5",
            "--db-path", str(tmp_path / "ci.duckdb"), "--report", str(tmp_path / "run.html")]
    assert main(argv) == 0, capsys.readouterr().err
    summary = (tmp_path / "run.json").read_text()
    assert "2 coordinators: east, west" in summary
    coordinators[1].stop()  # west is down for the whole second run
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not monitored" in err, err
    assert "of west (the least covered of 2 coordinators: east, west) succeeded" in err
