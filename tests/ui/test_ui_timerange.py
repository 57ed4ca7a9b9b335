"""The time-range picker: every tab reads the chosen range, from the live window or the history file."""

from __future__ import annotations

import base64
import csv
import io

import numpy as np

import pytest

from drm_dashboard.models import SourceHealth
from drm_dashboard.store import HistoryStore, LiveStore
from drm_dashboard.ui.app import create_app
from drm_dashboard.ui.context import UIContext
from drm_dashboard.ui.timerange import Span, chosen_value, field_text, parse_field, span_of
from drm_fakes import make_snapshot
from ui_views import callback_body, callback_key

pytestmark = pytest.mark.timeout(120)
T0 = 1_700_000_000.0
DAY = 86_400.0
NOW = T0 + 2 * DAY
TABS = {"System Overview": "overview-utilization-data.data", "Worker Details": "workers-lines-data.data",
        "Performance Metrics": "perf-task-throughput-data.data",
        "Scaling Decisions": "scaling-timeline-data.data", "Alerts": "alerts-list.children"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Two days in the file (10-minute ticks, then the last 6 hours at 5 s), the last hour live too."""
    history = HistoryStore(tmp_path_factory.mktemp("h") / "two-days.duckdb")
    live = LiveStore(retention_s=3600, clock=lambda: NOW)
    for k in range(int((2 * DAY - 6 * 3600) / 600)):
        history.append(make_snapshot(T0 + 600.0 * k, 4))
    for k in range(6 * 720):
        snap = make_snapshot(NOW - 6 * 3600 + 5.0 * (k + 1), 4)
        history.append(snap)
        if k >= 5 * 720:
            live.ingest(snap)
    history.flush()
    ctx = UIContext(live=live, health=SourceHealth, source="test", simulated=False, update_interval_s=5,
                    history=lambda: history)
    app = create_app(ctx)
    yield app, app.server.test_client(), ctx
    history.close()


def post(served, output, values):
    app, client, _ = served
    body = callback_body(app, callback_key(app, output), values)
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.data[:300]
    return answer.get_json()["response"]


def tab_values(tab, chosen):
    return {"drm-interval.n_intervals": 1, "drm-tabs.active_tab": tab, "drm-theme.data": "dark",
            "workers-metric.value": "cpu", "perf-range.value": 60, "drm-range.data": chosen,
            "alerts-levels.value": ["info", "warning", "error", "critical"],
            "alerts-sources.value": ["scaling_decision", "regression_detection", "system", "threshold"]}


def test_presets_and_custom_ranges_resolve_against_now():
    assert span_of({"kind": "7d"}, NOW) == Span(NOW - 7 * DAY, NOW)
    assert span_of({"kind": "live"}, NOW) is None and span_of(None, NOW) is None
    assert span_of({"kind": "custom", "start": T0, "end": T0 + 60}, NOW) == Span(T0, T0 + 60)
    assert span_of({"kind": "custom", "start": T0, "end": T0}, NOW) is None
    # the store is the browser's: a range no clock can print is refused, never computed on
    assert span_of({"kind": "custom", "start": -1e308, "end": 1e308}, NOW) is None
    assert span_of({"kind": "custom", "start": T0, "end": 1e15}, NOW) is None


def test_a_bad_custom_range_says_why_and_keeps_the_live_window():
    start, end = field_text(T0), field_text(T0 + 3600)
    assert parse_field(start) == T0 - T0 % 60 and parse_field("yesterday") is None
    assert chosen_value("custom", start, end)[0] == {"kind": "custom", "start": parse_field(start),
                                                     "end": parse_field(end)}
    value, why = chosen_value("custom", end, start)
    assert value == {"kind": "live"} and "end must come after the start" in why
    assert "enter both" in chosen_value("custom", start, "")[1]


@pytest.mark.parametrize("tab", list(TABS))
def test_every_tab_draws_a_day_from_the_file(served, tab):
    _, _, ctx = served
    reads = ctx.ranges.reads
    response = post(served, TABS[tab], tab_values(tab, {"kind": "24h"}))
    stamp = [v for out in response.values() for k, v in out.items() if k == "data" and isinstance(v, str)]
    assert any("24h" in s for s in stamp)
    assert ctx.ranges.reads <= reads + 1  # one read of the file serves every tab
    view, _ = ctx.range_view({"kind": "24h"})
    assert view.history.step_s > 0 and view.n_ticks <= 801 and view.timestamps[0] < NOW - 23 * 3600


def test_the_overview_chart_covers_the_day_at_about_one_point_per_pixel(served):
    response = post(served, TABS["System Overview"], tab_values("System Overview", {"kind": "24h"}))
    figure = response["overview-utilization-data"]["data"]
    x = max((decoded(t["x"]) for t in figure["data"] if t.get("x") is not None), key=len)
    assert 100 <= x.size <= 900  # a day of 5 s and 10 min ticks, as bucket means (gaps add a few)
    span_h = (np.nanmax(x) - np.nanmin(x)) / 3.6e6
    assert 22 <= span_h <= 24.5


def decoded(arr):
    """Plotly's typed array ({dtype, bdata}) or a plain list, as numpy."""
    if isinstance(arr, dict):
        return np.frombuffer(base64.b64decode(arr["bdata"]), dtype=np.dtype(arr["dtype"]))
    return np.asarray(arr, dtype=float)


def test_a_range_inside_the_live_window_reads_no_file(served):
    _, _, ctx = served
    reads = ctx.ranges.reads
    view, note = ctx.range_view({"kind": "15m"})
    assert ctx.ranges.reads == reads and note == ""
    assert view.history.step_s == 0 and 179 <= view.n_ticks <= 181


def test_the_same_range_is_read_once_until_its_last_bucket_moves(served):
    _, _, ctx = served
    first, _ = ctx.range_view({"kind": "6h"})
    again, _ = ctx.range_view({"kind": "6h"})
    assert again is first


def test_without_a_history_file_the_page_says_so():
    live = LiveStore(retention_s=600, clock=lambda: NOW)
    live.ingest(make_snapshot(NOW, 2))
    ctx = UIContext(live=live, health=SourceHealth, source="test", simulated=False, update_interval_s=5)
    view, note = ctx.range_view({"kind": "7d"})
    assert view is live.view() and "no history file" in note


def test_the_download_is_the_shown_range_as_csv(served):
    response = post(served, "range-download.data", {"range-download-button.n_clicks": 1,
                                                    "drm-range.data": {"kind": "24h"}})
    sent = response["range-download"]["data"]
    assert sent["filename"].startswith("drm-24h-") and sent["filename"].endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(sent["content"])))
    _, _, ctx = served
    view, _ = ctx.range_view({"kind": "24h"})
    assert len(rows) == view.n_ticks
    assert float(rows[0]["epoch_s"]) == view.timestamps[0]
    assert {"time", "cpu_utilization", "task_throughput", "pending_tasks"} <= set(rows[0])


def test_the_policy_replay_replays_the_chosen_range(served):
    values = {"replay-run.n_clicks": 1, "drm-tabs.active_tab": "Scaling Decisions",
              "drm-range.data": {"kind": "6h"}, "replay-scale-up.value": 80, "replay-scale-down.value": 30,
              "replay-target.value": 70, "replay-cooldown-up.value": 300, "replay-cooldown-down.value": 600}
    text = str(post(served, "replay-result.children", values))
    assert "from the history file" in text
    covered = float(text.split("Over ")[1].split(" min")[0].replace(",", ""))
    assert covered > 5 * 60  # the 6 hours of 5 s rows, where the live window holds one hour
    live_only = str(post(served, "replay-result.children", {**values, "drm-range.data": {"kind": "live"}}))
    assert float(live_only.split("Over ")[1].split(" min")[0].replace(",", "")) <= 60
