"""Real headless Chromium over a dashboard of two real coordinators: pick one or all, kill one."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from drm_dashboard.config import Settings
from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_fakes import free_port

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]
KEYS = {"east": "east-browser-key-1f", "west": "west-browser-key-2e"}
POOLS = {"east": 2, "west": 3}


@pytest.fixture
def fleet(tmp_path):
    coordinators = {}
    for name, n in POOLS.items():
        c = Coordinator(KEYS[name], port=0, evaluate_every_s=3600)
        c.start()
        for i in range(n):
            c.manager.register_worker(f"{name}-w{i}", {"cpu": {"cores": 4}, "memory": {"total_mb": 4096}})
            c.manager.report_usage(f"{name}-w{i}", cpu=0.3, memory=0.2)
        coordinators[name] = c
    path = tmp_path / "clusters.json"
    path.write_text('{"cluster": [' + ", ".join(
        f'{{"name": "{n}", "url": "{c.url}", "key": "{KEYS[n]}"}}' for n, c in coordinators.items()) + "]}")
    settings = Settings(host="127.0.0.1", port=free_port(), db_path=str(tmp_path / "h.duckdb"),
                        update_interval=2, clusters_file=str(path))
    dash = DRMRealTimeDashboard(settings=settings, max_backoff_s=1.0)
    url = dash.start_in_background()
    yield url, coordinators
    dash.stop()
    for c in coordinators.values():
        c.stop()


def _pick(br, value: str) -> None:
    """Choose a cluster as a user does, and wait until the page holds the choice."""
    Select(br.driver.find_element(By.ID, "drm-cluster")).select_by_value(value)
    br.wait_for_element_by_css_selector(f"#drm-cluster option[value='{value}']:checked", timeout=10)


def _workers_note(br, words: str) -> None:
    br.wait_for_contains_text("#workers-table-note", words, timeout=20)


def test_one_cluster_or_all_and_one_killed_the_other_still_live(dash_br, fleet, artifacts):
    url, coordinators = fleet
    dash_br.server_url = url
    dash_br.wait_for_text_to_equal("#drm-header-health", "live", timeout=30)
    dash_br.wait_for_contains_text("#drm-header-clusters", "east: live", timeout=20)
    dash_br.wait_for_contains_text("#drm-header-clusters", "west: live", timeout=20)
    dash_br.wait_for_contains_text("#overview-cards", "Workers", timeout=20)

    dash_br.driver.find_element(By.LINK_TEXT, "Worker Details").click()
    _workers_note(dash_br, "5 workers in the window")  # all clusters: 2 + 3
    dash_br.wait_for_contains_text("#workers-table", "east/east-w0", timeout=20)
    _pick(dash_br, "west")
    _workers_note(dash_br, "3 workers in the window")
    dash_br.wait_for_contains_text("#workers-table", "west-w2", timeout=20)
    assert "east" not in dash_br.find_element("#workers-table").text

    coordinators["west"].stop()
    dash_br.wait_for_text_to_equal("#drm-header-health", "1 of 2 live", timeout=30)
    dash_br.wait_for_contains_text("#drm-header-clusters", "west: error", timeout=20)
    assert "east: live" in dash_br.find_element("#drm-header-clusters").text
    # west's last numbers stay on its page; east, and all clusters, go on
    _workers_note(dash_br, "3 workers in the window")
    _pick(dash_br, "east")
    _workers_note(dash_br, "2 workers in the window")
    _pick(dash_br, "*")
    dash_br.driver.find_element(By.LINK_TEXT, "System Overview").click()
    dash_br.wait_for_contains_text("#overview-cards", "Workers", timeout=20)
    dash_br.driver.find_element(By.LINK_TEXT, "Alerts").click()
    dash_br.wait_for_contains_text("#alerts-list", "west", timeout=30)
    dash_br.driver.save_screenshot(str(artifacts / "clusters-one-down.png"))
    assert KEYS["east"] not in dash_br.driver.page_source and KEYS["west"] not in dash_br.driver.page_source
    assert dash_br.get_logs() == []
