"""Each HTML output opened from disk in headless Chromium: it draws, logs no error, and holds the data."""

from pathlib import Path

import pytest

from drm_dashboard.report.charts import CHARTS
from report_fakes import fleet

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

# per plot on the page: its id and, per trace, type, name and the number of x and y values drawn
TRACES_JS = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  id: gd.id,
  traces: (gd._fullData || []).map(t => ({type: t.type, name: t.name || '', xaxis: t.xaxis,
    x: t.x ? t.x.length : 0, y: t.y ? t.y.length : 0})),
  annotations: ((gd._fullLayout || {}).annotations || []).map(a => a.text)}));
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    f = fleet(tmp_path_factory.mktemp("browser"), minutes=15)
    f.viz.create_all()
    f.viz.create_resource_dashboard()
    yield f
    f.viz.cleanup()


def _open(dash_br, path: Path, plots: int) -> list[dict]:
    dash_br.driver.get(path.resolve().as_uri())
    dash_br.wait_for_element_by_css_selector(".js-plotly-plot .main-svg", timeout=45)
    drawn = dash_br.driver.execute_script(TRACES_JS)
    assert len(drawn) == plots
    return drawn


def _expected(recorded) -> dict:
    view = recorded.viz.live.view()
    return {"workers": sorted(view.worker_ids), "latest": len(view.latest_workers), "ticks": view.n_ticks,
            "providers": {w.provider for w in recorded.cloud.worker_history()}}


def _check(name: str, plot: dict, want: dict) -> None:
    traces = plot["traces"]
    if name == "resource_utilization_heatmap":
        heats = [t for t in traces if t["type"] == "heatmap"]
        assert len(heats) == 3
        assert all(t["y"] == len(want["workers"]) and t["x"] == want["ticks"] for t in heats)
    elif name == "scaling_history":
        workers = next(t for t in traces if t["name"] == "workers")
        assert workers["x"] == want["ticks"]
    elif name == "resource_allocation":
        bars = [t for t in traces if t["type"] == "bar"]
        assert {t["x"] for t in bars} == {want["latest"]}
    elif name == "resource_efficiency":
        bars = [t for t in traces if t["type"] == "bar"]
        assert sum(t["x"] for t in bars) == len(want["workers"])
    elif name == "cloud_resources":
        counts = [t for t in traces if t["xaxis"] == "x" and t["name"] in want["providers"]]
        assert {t["name"] for t in counts} == want["providers"]
        assert all(t["x"] == want["ticks"] for t in counts)


def test_each_chart_file_draws_its_workers_and_points_without_errors(dash_br, recorded, artifacts):
    want = _expected(recorded)
    for name in CHARTS:
        (plot,) = _open(dash_br, recorded.viz.charts[name], plots=1)
        assert plot["id"] == f"chart-{name}"
        _check(name, plot, want)
        dash_br.driver.save_screenshot(str(artifacts / f"viz-{name}.png"))
        assert dash_br.get_logs() == [], name


def test_the_dashboard_file_draws_every_chart_and_the_summary(dash_br, recorded, artifacts):
    index = recorded.viz.output_dir / "index.html"
    plots = _open(dash_br, index, plots=len(CHARTS))
    want = _expected(recorded)
    for name, plot in zip(CHARTS, plots):
        assert plot["id"] == f"chart-{name}"
        _check(name, plot, want)
    cards = dash_br.find_element("#summary-cards").text
    summary = recorded.viz.inputs().summary
    assert f"Workers\n{summary.workers:,.0f}" in cards
    assert f"Scaling events\n{summary.scale_ups + summary.scale_downs}" in cards
    dash_br.driver.save_screenshot(str(artifacts / "viz-dashboard-index.png"))
    assert dash_br.get_logs() == []
