"""Tab refreshes through app.server.test_client(): the visible tab draws, once per tick, per theme."""

import pytest

from drm_dashboard.analytics.changepoint_records import ChangePoint, DetectorStatus
from drm_dashboard.analytics.pipeline import AnalyticsReport
from drm_dashboard.models import Alert, SourceHealth
from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.app import TABS, UIContext, create_app
from drm_fakes import make_snapshot
from ui_views import T0, callback_body, callback_key, decision, filled_store

pytestmark = pytest.mark.timeout(60)
FIRST_OUTPUT = {"System Overview": "overview-utilization-data.data",
                "Worker Details": "workers-lines-data.data",
                "Performance Metrics": "perf-task-throughput-data.data",
                "Scaling Decisions": "scaling-timeline-data.data", "Alerts": "alerts-list.children"}
ALL_LEVELS = ["info", "warning", "error", "critical"]
ALL_SOURCES = ["scaling_decision", "regression_detection", "system", "threshold"]


def values(tab, over=None):
    base = {"drm-interval.n_intervals": 1, "drm-tabs.active_tab": tab, "drm-theme.data": "dark",
            "workers-metric.value": "cpu", "perf-range.value": 60, "alerts-levels.value": ALL_LEVELS,
            "alerts-sources.value": ALL_SOURCES}
    return {**base, **(over or {})}


@pytest.fixture
def served():
    alerts = [Alert("a1", T0 + 10, "warning", "threshold", "cpu high"),
              Alert("a2", T0 + 20, "critical", "system", "source down")]
    store = filled_store(60, 4, decisions={30: [decision(T0 + 150)]}, alerts=alerts)
    ctx = UIContext(live=store, health=SourceHealth, source="test", simulated=False,
                    update_interval_s=5)
    app = create_app(ctx)
    return app, app.server.test_client(), ctx


def refresh(served, tab, output=None, over=None):
    app, client, _ = served
    key = callback_key(app, output or FIRST_OUTPUT[tab])
    return client.post("/_dash-update-component", json=callback_body(app, key, values(tab, over)))


@pytest.mark.parametrize("tab", list(FIRST_OUTPUT))
def test_every_tab_draws_when_visible_and_stays_silent_when_hidden(served, tab):
    answer = refresh(served, tab)
    assert answer.status_code == 200
    assert len(answer.get_json()["response"]) >= 3
    hidden = refresh(served, "Alerts" if tab != "Alerts" else "System Overview", FIRST_OUTPUT[tab])
    assert hidden.status_code == 204


@pytest.mark.parametrize("tab", list(FIRST_OUTPUT))
def test_an_empty_store_answers_every_tab_with_why_it_is_empty(tab):
    ctx = UIContext(live=LiveStore(), health=SourceHealth, source="t", simulated=False,
                    update_interval_s=5)
    app = create_app(ctx)
    body = callback_body(app, callback_key(app, FIRST_OUTPUT[tab]), values(tab))
    answer = app.server.test_client().post("/_dash-update-component", json=body)
    assert answer.status_code == 200
    text = str(answer.get_json())
    assert any(why in text for why in ("Waiting for the first sample", "No worker has reported",
                                       "No alerts yet", "samples in this range"))


def test_a_browser_that_already_shows_this_tick_gets_no_bytes(served):
    first = refresh(served, "System Overview").get_json()["response"]
    stamp = first["overview-rendered"]["data"]
    again = refresh(served, "System Overview", over={"overview-rendered.data": stamp})
    assert again.status_code == 204
    served[2].live.ingest(make_snapshot(T0 + 60 * 5, 4))
    assert refresh(served, "System Overview", over={"overview-rendered.data": stamp}).status_code == 200


def test_many_viewers_of_one_tick_cost_one_build(served):
    for _ in range(10):
        assert refresh(served, "Scaling Decisions").status_code == 200
    assert served[2].cache.builds == 1 and served[2].cache.hits == 9


def test_theme_changes_the_figure_template(served):
    dark = refresh(served, "System Overview").get_json()["response"]
    light = refresh(served, "System Overview", over={"drm-theme.data": "light"}).get_json()["response"]
    bg = [r["overview-utilization-data"]["data"]["layout"]["template"]["layout"]["font"]["color"]
          for r in (dark, light)]
    assert bg[0] != bg[1]


def test_alert_filters_change_what_is_listed(served):
    everything = str(refresh(served, "Alerts").get_json()["response"]["alerts-list"])
    assert "cpu high" in everything and "source down" in everything
    answer = refresh(served, "Alerts", over={"alerts-levels.value": ["critical"]})
    critical = str(answer.get_json()["response"])
    assert "source down" in critical and "cpu high" not in critical


def test_worker_choice_is_preselected_with_the_busiest(served):
    answer = refresh(served, "Worker Details", "workers-choice.options").get_json()["response"]
    # the server sends the busiest to a store; the browser moves them into an empty choice
    assert len(answer["workers-choice"]["options"]) == 4 and len(answer["workers-busiest"]["data"]) == 4


def test_regression_findings_reach_the_panel_through_the_seam():
    store = filled_store(40, 2)
    found = ChangePoint("allocation_time_ms", 10, T0 + 100, 10.0, 30.0, 200.0, "regression", 0.9, 5.0,
                        0.002, 2.0, 8, 0.1)
    statuses = {"allocation_time_ms": DetectorStatus("allocation_time_ms", True, 40, 26, 1, "")}
    ctx = UIContext(live=store, health=SourceHealth, source="t", simulated=False, update_interval_s=5,
                    regressions=lambda view: AnalyticsReport(40, (found,), statuses))
    app = create_app(ctx)
    key = callback_key(app, "perf-regressions.children")
    body = callback_body(app, key, values("Performance Metrics"))
    text = str(app.server.test_client().post("/_dash-update-component", json=body).get_json())
    assert "1 regression in the live window" in text
    assert "allocation time regression: 10 ms → 30 ms (+200%)" in text


def test_page_and_css_come_from_this_process(served):
    app, client, _ = served
    page = client.get("/").get_data(as_text=True)
    assert 'id="drm-theme-css"' in page and "cdn" not in page.lower() and "googleapis" not in page
    for name in ("darkly", "flatly"):
        css = client.get(f"/_drm/theme/{name}.css")
        assert css.status_code == 200 and b"@import url" not in css.data
    assert b"--Dash-Fill-Inverse-Strong:#303030" in client.get("/_drm/theme/darkly.css").data
    assert [t.LABEL for t in TABS] == list(FIRST_OUTPUT)


def _props(spec) -> set[str]:
    """id.property of each output in a callback's output string (allow_duplicate hash dropped)."""
    parts = spec.strip(".").split("...") if spec.startswith("..") else [spec]
    return {p.split("@")[0] for p in parts}


def test_no_browser_callback_waits_on_a_refresh_from_the_server():
    # Dash holds back a callback while one of its inputs is the output of a callback in flight;
    # on a slow server the next refresh is always in flight, so a browser callback chained on a
    # refresh's output never ran (a chart stayed blank, a tick in the table was lost)
    app = create_app(UIContext(live=LiveStore(), health=SourceHealth, source="t", simulated=False,
                               update_interval_s=5))
    server = set().union(*(_props(c["output"]) for c in app._callback_list
                           if not c.get("clientside_function")))
    browser = [c for c in app._callback_list if c.get("clientside_function")]
    assert len(browser) >= 10 and len(server) >= 20
    for c in browser:
        inputs = {f"{i['id']}.{i['property']}" for i in c["inputs"]}
        assert not inputs & server, (c["output"], inputs & server)
