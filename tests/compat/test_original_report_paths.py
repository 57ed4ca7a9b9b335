"""The original monitoring dashboard's URLs: chart files under /static/drm_visualizations and ?action=."""

import re

import pytest

from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig
from drm_dashboard.monitoring import DRMVisualizationIntegration, MonitoringDashboard
from drm_dashboard.report.charts import CHARTS
from drm_fakes import FakeClock

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def served(tmp_path):
    clock = FakeClock()
    manager = DynamicResourceManager(clock=clock)
    workload = Workload(manager, WorkloadConfig(seed=4), clock=clock)
    integration = DRMVisualizationIntegration(tmp_path / "charts", 60, manager, clock=clock)
    for _ in range(24):
        workload.step(clock.advance(5))
        integration.visualization.collect_once()
    dashboard = MonitoringDashboard("127.0.0.1", 0, tmp_path / "dashboards")
    dashboard.drm_visualization_integration = integration
    yield dashboard, integration, dashboard.app.test_client()
    dashboard.stop()


@pytest.mark.parametrize("path", [f"{name}.html" for name in CHARTS] + ["light/scaling_history.html"])
def test_chart_files_at_the_original_static_path(served, path):
    _, integration, client = served
    answer = client.get(f"/static/drm_visualizations/{path}")
    assert answer.status_code == 200 and b"<html" in answer.data[:400].lower()
    theme = path.split("/")[0] if "/" in path else "dark"
    assert (integration.chart_dir(theme) / path.rsplit("/", 1)[-1]).read_bytes() == answer.data


def test_plotly_beside_the_charts_pngs_by_name_and_the_dashboard_page(served):
    _, _, client = served
    client.get("/static/drm_visualizations/scaling_history.html")
    js = client.get("/static/drm_visualizations/plotly.min.js")
    assert js.status_code == 200 and len(js.data) > 1_000_000
    png = client.get("/static/drm_visualizations/resource_efficiency.png")
    assert (png.status_code, png.headers["Location"]) == (
        302, "/static/drm_visualizations/dark/resource_efficiency.html")
    report = client.get("/static/drm_visualizations/dashboard.html")
    assert (report.status_code, report.headers["Location"]) == (302, "/drm-dashboard/report")


@pytest.mark.parametrize("path", ["../../etc/passwd", "dark/../../x.html", "nosuch.html",
                                  "purple/scaling_history.html", "scaling_history.txt"])
def test_nothing_else_is_served_from_there(served, path):
    assert served[2].get(f"/static/drm_visualizations/{path}").status_code == 404


@pytest.mark.parametrize("action, words", [("start-server", "use the “Open live dashboard” button"),
                                           ("stop-server", "stops when this monitoring server stops")])
def test_action_links_answer_the_page_with_a_note_and_change_nothing(served, action, words):
    _, integration, client = served
    page = client.get(f"/drm-dashboard?action={action}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "drm-action-note" in text and words in text and "It is not running now." in text
    assert "formaction='/drm-dashboard/live'" in text  # the button that does it
    assert integration.get_dashboard_url() is None  # the GET started nothing


def test_the_note_says_where_a_running_live_dashboard_is_and_a_stop_link_leaves_it(served):
    _, integration, client = served
    page = client.get("/drm-dashboard").get_data(as_text=True)
    token = re.search(r"name='csrf' value='([0-9a-f]{64})'", page).group(1)  # starting it is a form POST
    url = client.post("/drm-dashboard/live", data={"csrf": token}).headers["Location"]
    text = client.get("/drm-dashboard?action=stop-server").get_data(as_text=True)
    assert f"It is running now at {url}." in text
    assert integration.get_dashboard_url() == url


def test_a_plain_page_has_no_note(served):
    assert "drm-action-note" not in served[2].get("/drm-dashboard").get_data(as_text=True)
