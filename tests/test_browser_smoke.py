"""A real headless Chromium opens the running dashboard and sees live numbers, with no console errors."""

import pytest

from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_fakes import free_port
from test_browser_dashboard import INTERVAL_S

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture
def running(tmp_path):
    dash = DRMRealTimeDashboard(db_path=str(tmp_path / "b.duckdb"), port=free_port(),
                                update_interval=INTERVAL_S, host="127.0.0.1")
    url = dash.start_in_background()
    yield url
    dash.stop()


def test_page_shows_live_numbers(dash_br, running, artifacts):
    dash_br.server_url = running
    dash_br.wait_for_text_to_equal("#drm-header-health", "live", timeout=45)
    dash_br.wait_for_contains_text("#overview-cards", "Workers", timeout=45)
    assert "simulated load" in dash_br.find_element(".navbar").text
    dash_br.driver.save_screenshot(str(artifacts / "smoke-overview-dark.png"))
    assert dash_br.get_logs() == []
