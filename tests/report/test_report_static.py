"""Files the report API writes: HTML that opens offline, one self-contained index, and real PNGs."""

import re
import threading
from pathlib import Path

import pytest

from drm_dashboard.store.view import LiveView
from drm_dashboard.report.charts import CHARTS, build, build_all, gather
from drm_dashboard.report.png import PngExportError, PngRenderer
from drm_dashboard.report.static import PLOTLY_JS, PNG_WIDTH, Chart
from report_fakes import fleet, png_pixels

CREATE = {
    "resource_utilization_heatmap": "create_resource_utilization_heatmap",
    "scaling_history": "create_scaling_history_visualization",
    "resource_allocation": "create_resource_allocation_visualization",
    "resource_efficiency": "create_resource_efficiency_visualization",
    "cloud_resources": "create_cloud_resource_visualization",
}
SCRIPT_SRC = re.compile(r"<script[^>]*\ssrc=['\"]([^'\"]+)['\"]")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    f = fleet(tmp_path_factory.mktemp("static"), minutes=10)
    yield f
    f.viz.cleanup()


@pytest.mark.parametrize("name", list(CHARTS))
def test_each_create_method_writes_html_that_loads_plotly_from_beside_it(recorded, name):
    path = Path(getattr(recorded.viz, CREATE[name])())
    assert path == recorded.viz.output_dir / f"{name}.html"
    page = path.read_text()
    assert SCRIPT_SRC.findall(page) == [PLOTLY_JS]  # nothing from a CDN
    assert (path.parent / PLOTLY_JS).stat().st_size > 1_000_000
    assert f"id=\"chart-{name}\"" in page
    assert recorded.viz.charts[name] == path


def test_an_output_path_elsewhere_gets_its_own_plotly_js(recorded, tmp_path):
    target = tmp_path / "deep" / "heat.html"
    assert recorded.viz.create_resource_utilization_heatmap(output_path=target) == str(target)
    assert (target.parent / PLOTLY_JS).exists()


def test_the_dashboard_is_one_self_contained_file_with_every_chart(recorded, tmp_path):
    index = Path(recorded.viz.create_resource_dashboard(tmp_path / "dash"))
    page = index.read_text()
    assert SCRIPT_SRC.findall(page) == []  # plotly.js inline: the file alone opens offline
    assert page.count("Plotly.newPlot") == len(CHARTS)
    for name in CHARTS:
        assert f"id=\"chart-{name}\"" in page
    summary = recorded.viz.inputs().summary
    assert f"<div class='v'>{summary.workers:,.0f}</div>" in page
    assert sorted(p.name for p in index.parent.iterdir()) == ["index.html", "summary.json"]


@pytest.mark.timeout(120)
def test_png_charts_are_the_expected_size_and_not_blank(tmp_path):
    f = fleet(tmp_path / "png", minutes=10, interactive=False)
    try:
        assert f.viz.create_cloud_resource_visualization().endswith("cloud_resources.png")
        charts = build_all(f.viz.inputs(), f.viz.theme)
        nothing = gather(LiveView.empty(), cloud=None, policy=None, source="none", now=0.0)
        empty = Chart("empty_heatmap", "Nothing yet", build("resource_utilization_heatmap", nothing,
                                                            f.viz.theme).figure)
        for chart in charts:
            width, height, colours = png_pixels(f.viz.write_chart(chart))
            assert (width, height) == (PNG_WIDTH, chart.figure.layout.height)
            assert colours > 50, f"{chart.name}.png looks blank ({colours} colours)"
        # an empty chart is a picture of its message, not an empty canvas
        width, height, colours = png_pixels(f.viz.write_chart(empty))
        assert (width, height) == (PNG_WIDTH, 360)
        assert colours > 2
    finally:
        f.viz.cleanup()
    assert "drm-png" not in {t.name for t in threading.enumerate()}  # cleanup() stopped the browser


def test_png_export_without_chromium_says_what_to_install(monkeypatch, tmp_path):
    for name in ("DRM_CHROMIUM", "BROWSER_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    import plotly.graph_objects as go
    with pytest.raises(PngExportError, match="needs Chromium or Chrome .* DRM_CHROMIUM"):
        PngRenderer().render(go.Figure(), width=100, height=100)
