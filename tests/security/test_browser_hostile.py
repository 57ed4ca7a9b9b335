"""In real Chromium, behind basic auth and the strict CSP: hostile worker ids render as short plain text."""

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from drm_dashboard.config import Settings
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.manager import DynamicResourceManager
from drm_fakes import free_port
from security_helpers import basic

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
LINK = '<a href="https://evil.example/login">sign in</a>'
TICKS_JS = ("return Array.from(document.querySelectorAll('#workers-heatmap .ytick text'))"
            ".map(t => t.textContent)")


@pytest.fixture
def hostile_dashboard(tmp_path, auth_file):
    manager = DynamicResourceManager()
    for wid in ("w" * 60_000, LINK, "<b>bold</b>", "plain-1"):
        manager.register_worker(wid, {"cpu": {"cores": 4}, "memory": {"total_mb": 1024}})
        manager.report_usage(wid, cpu=0.5, memory=0.3)
    dash = DRMRealTimeDashboard(manager, settings=Settings(
        host="127.0.0.1", port=free_port(), db_path=str(tmp_path / "h.duckdb"), update_interval=1,
        auth_file=str(auth_file[0])))
    yield dash.start_in_background()
    dash.stop()


@pytest.fixture
def chromium():
    opts = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--window-size=1280,900"):
        opts.add_argument(flag)
    opts.binary_location = "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts)
    # every request of the page (documents, scripts, callbacks) carries the user's credentials
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": basic()})
    yield driver
    driver.quit()


def test_hostile_ids_render_truncated_and_as_text_under_the_csp(hostile_dashboard, chromium):
    chromium.get(hostile_dashboard)
    WebDriverWait(chromium, 60).until(lambda d: d.find_elements(By.LINK_TEXT, "Worker Details"))
    chromium.find_element(By.LINK_TEXT, "Worker Details").click()
    WebDriverWait(chromium, 60).until(lambda d: len(d.execute_script(TICKS_JS)) == 4)
    ticks = chromium.execute_script(TICKS_JS)
    assert LINK in ticks and "<b>bold</b>" in ticks  # shown as the characters they are
    assert max(len(t) for t in ticks) <= 128  # the 60 KB id, cut with a digest
    anchors = chromium.execute_script("return document.querySelectorAll('.js-plotly-plot a').length")
    assert anchors == 0
    # nothing refused by the CSP, nothing failed: the page works with no inline or outside script
    assert [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"] == []
