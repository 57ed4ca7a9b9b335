"""MonitoringDashboard's /drm-dashboard over a DRMVisualizationIntegration: routes, cards, refresh, theme."""

import re

import pytest
import requests

from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig
from drm_dashboard.manager.cloud import LocalCloudProvider
from drm_dashboard.monitoring import DRMVisualizationIntegration, MonitoringDashboard
from drm_dashboard.report.charts import CHARTS
from drm_fakes import FakeClock

UPDATE_S = 60.0


@pytest.fixture
def monitored(tmp_path):
    clock = FakeClock()
    manager = DynamicResourceManager(clock=clock)
    cloud = LocalCloudProvider(manager, clock=clock)
    workload = Workload(cloud.provisioning_manager(), WorkloadConfig(seed=2), clock=clock)
    integration = DRMVisualizationIntegration(tmp_path / "charts", UPDATE_S, manager,
                                              cloud_provider_manager=cloud, clock=clock, simulated=True)
    for _ in range(72):  # six simulated minutes
        workload.step(clock.advance(5))
        integration.visualization.collect_once()
    dashboard = MonitoringDashboard("127.0.0.1", 0, tmp_path / "dashboards")
    dashboard.drm_visualization_integration = integration
    yield dashboard, integration, manager, clock
    dashboard.stop()


def _cards(page: str) -> dict[str, str]:
    pairs = re.findall(r"drm-kpi-title'>([^<]+)</div><div class='my-1 drm-kpi-value'>([^<]+)<", page)
    return dict(pairs)


def test_without_an_integration_the_page_says_it_is_not_configured(tmp_path):
    client = MonitoringDashboard(dashboard_dir=tmp_path).app.test_client()
    page = client.get("/drm-dashboard").get_data(as_text=True)
    assert "DRM visualization is not configured" in page
    assert client.get("/drm-dashboard/summary.json").status_code == 404


def test_the_page_has_a_tab_per_chart_and_cards_from_the_managers_numbers(monitored):
    dashboard, integration, manager, _ = monitored
    page = dashboard.app.test_client().get("/drm-dashboard?chart=scaling_history").get_data(as_text=True)
    assert re.findall(r"data-chart='(\w+)'", page) == list(CHARTS)
    assert "class='nav-link active' href='/drm-dashboard?chart=scaling_history" in page
    stats, perf = manager.get_worker_statistics(), manager.get_performance_metrics()
    cards = _cards(page)
    assert cards["Workers"] == str(stats["total_workers"])
    assert cards["Tasks"] == str(stats["active_tasks"])
    assert cards["Cost so far"] == f"${integration.visualization.cloud.cost_estimate():,.2f}"
    assert f"{perf['tasks_completed']} completed" in page
    assert "simulated load" in page


def test_the_iframe_shows_the_chosen_charts_file(monitored):
    dashboard, integration, *_ = monitored
    client = dashboard.app.test_client()
    page = client.get("/drm-dashboard?chart=cloud_resources&theme=light").get_data(as_text=True)
    src = re.search(r"<iframe id='drm-chart'[^>]* src='([^']+)'", page).group(1)
    assert src == "/drm-dashboard/charts/light/cloud_resources.html"
    chart = client.get(src)
    assert chart.status_code == 200 and b'id="chart-cloud_resources"' in chart.data
    assert client.get("/drm-dashboard/charts/light/plotly.min.js").status_code == 200
    assert integration.get_visualization_paths("light")["cloud_resources"].endswith(
        "light/cloud_resources.html")
    for bad in ("/drm-dashboard/charts/light/secrets.html", "/drm-dashboard/charts/blue/scaling_history.html"):
        assert client.get(bad).status_code == 404


def _csrf(page: str) -> str:
    return re.search(r"name='csrf' value='([0-9a-f]{64})'", page).group(1)


def test_redraw_now_is_a_post_and_the_interval_redraws_otherwise(monitored):
    dashboard, integration, _, clock = monitored
    client = dashboard.app.test_client()
    page = client.get("/drm-dashboard").get_data(as_text=True)
    drawn = integration.visualization_registry[("dark", "scaling_history")].generated_at
    clock.advance(10)
    client.get("/drm-dashboard?refresh=true")  # a GET never forces a redraw
    assert integration.visualization_registry[("dark", "scaling_history")].generated_at == drawn
    assert client.post("/drm-dashboard/refresh", data={"chart": "scaling_history"}).status_code == 403
    redraw = client.post("/drm-dashboard/refresh", data={"chart": "scaling_history", "csrf": _csrf(page)})
    assert redraw.status_code == 303 and "chart=scaling_history" in redraw.headers["Location"]
    assert integration.visualization_registry[("dark", "scaling_history")].generated_at == drawn + 10
    clock.advance(UPDATE_S)
    client.get("/drm-dashboard")
    assert integration.visualization_registry[("dark", "scaling_history")].generated_at == drawn + 10 + UPDATE_S


def test_auto_refresh_and_theme_are_choices_on_the_page(monitored):
    client = monitored[0].app.test_client()
    page = client.get("/drm-dashboard?auto_refresh=30&theme=light&refresh=true").get_data(as_text=True)
    meta = re.search(r"http-equiv='refresh' content='30; url=([^']+)'", page).group(1)
    assert "refresh=true" not in meta and "auto_refresh=30" in meta
    assert "<option value='30' selected>" in page
    assert "/_drm/theme/flatly.css" in page
    assert client.get("/_drm/theme/flatly.css").status_code == 200
    odd = client.get("/drm-dashboard?auto_refresh=7&theme=neon&chart=nope").get_data(as_text=True)
    assert "http-equiv='refresh'" not in odd and "/_drm/theme/darkly.css" in odd


def test_summary_report_and_live_routes(monitored):
    dashboard, integration, manager, _ = monitored
    client = dashboard.app.test_client()
    summary = client.get("/drm-dashboard/summary.json").get_json()
    assert summary["workers"] == manager.get_worker_statistics()["total_workers"]
    report = client.get("/drm-dashboard/report")
    assert report.status_code == 200 and report.data.count(b"Plotly.newPlot") == len(CHARTS)
    assert (dashboard.dashboard_dir / "drm-report" / "index.html").exists()
    assert client.post("/drm-dashboard/live").status_code == 403  # no form token: no new listener
    live = client.post("/drm-dashboard/live", data={"csrf": _csrf(client.get("/drm-dashboard").get_data(as_text=True))})
    assert live.status_code == 303
    assert requests.get(live.headers["Location"], timeout=10).ok
    assert integration.get_dashboard_url() == live.headers["Location"]


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_the_page_in_a_browser_switches_charts_without_errors(dash_br, monitored, artifacts):
    dashboard, *_ = monitored
    url = dashboard.start()
    assert url.endswith("/drm-dashboard")
    dash_br.driver.get(url)
    dash_br.wait_for_contains_text("#drm-summary", "Workers", timeout=45)
    dash_br.driver.switch_to.frame("drm-chart")
    dash_br.wait_for_element_by_css_selector("#chart-resource_utilization_heatmap .main-svg", timeout=45)
    dash_br.driver.switch_to.default_content()
    dash_br.driver.save_screenshot(str(artifacts / "viz-monitoring-dark.png"))
    dash_br.find_element("a[data-chart='cloud_resources']").click()
    dash_br.wait_for_element_by_css_selector("iframe[src$='cloud_resources.html']", timeout=45)
    dash_br.driver.switch_to.frame("drm-chart")
    dash_br.wait_for_element_by_css_selector("#chart-cloud_resources .main-svg", timeout=45)
    dash_br.driver.switch_to.default_content()
    dash_br.driver.save_screenshot(str(artifacts / "viz-monitoring-cloud.png"))
    assert dash_br.get_logs() == []
