"""start_dashboard_server: a live page that changes in a real browser as the collector brings samples."""

import pytest

from drm_fakes import port_is_free, wait_for
from report_fakes import STEP_S, fleet

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

GRAPH_JS = """
const gd = document.querySelector('#report-graph .js-plotly-plot');
return gd && gd._fullData ? gd._fullData.map(t => [t.type, t.x ? t.x.length : 0]) : [];
"""


@pytest.fixture
def serving(tmp_path):
    f = fleet(tmp_path, minutes=10, update_interval=0.2)
    url = f.viz.start_dashboard_server(port=0)
    yield f, url
    f.viz.cleanup()


def _sample(f, steps: int) -> None:
    """Move the fleet on, one step at a time, and wait until the collector thread sampled each."""
    for _ in range(steps):
        seq = f.viz.live.seq
        f.clock.advance(STEP_S)
        f.workload.step(f.clock.now)
        assert wait_for(lambda: f.viz.live.seq != seq), "the collector thread took no sample"


def _heatmap_columns(dash_br) -> int:
    return max((n for kind, n in dash_br.driver.execute_script(GRAPH_JS) if kind == "heatmap"), default=0)


def test_the_live_page_changes_as_samples_arrive(dash_br, serving, artifacts):
    f, url = serving
    before = f.viz.live.view().n_ticks
    dash_br.driver.get(url)
    dash_br.wait_for_text_to_equal("#report-samples", str(before), timeout=45)
    dash_br.wait_for_element_by_css_selector("#report-graph .main-svg", timeout=45)
    assert _heatmap_columns(dash_br) == before
    workers_card = dash_br.find_element("#report-cards").text
    assert f"Workers\n{f.viz.inputs_for(f.viz.live.view()).summary.workers:,.0f}" in workers_card
    dash_br.driver.save_screenshot(str(artifacts / "viz-live-before.png"))

    _sample(f, 12)
    after = f.viz.live.view().n_ticks
    assert after == before + 12
    dash_br.wait_for_text_to_equal("#report-samples", str(after), timeout=45)
    assert wait_for(lambda: _heatmap_columns(dash_br) == after, step=0.1), \
        "the heatmap did not grow with the new samples"
    dash_br.driver.save_screenshot(str(artifacts / "viz-live-after.png"))
    assert dash_br.get_logs() == []


def test_stopping_the_server_frees_its_port(serving):
    f, url = serving
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    assert not port_is_free(port)
    assert f.viz.start_dashboard_server() == url  # a second start returns the running page
    f.viz.stop_dashboard_server()
    assert port_is_free(port)
    f.viz.cleanup()
    assert not f.viz.collector.is_alive
