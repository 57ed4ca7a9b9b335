"""One summary for every report, and one page shell: the run report and the dashboard page agree."""

import json
import math
import re
from dataclasses import replace

import numpy as np
import pytest

from drm_dashboard.analytics.efficiency import pool_efficiency
from drm_dashboard.models import SourceHealth
from drm_dashboard.report.page import page, when
from drm_dashboard.report.summary import RunFacts, run_summary, summarize
from drm_dashboard.report.writer import render_html
from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.theme import THEMES
from drm_fakes import make_snapshot

T0 = 1_700_000_000.0


def _view(ticks=5, last_allocated=0.6):
    store = LiveStore(retention_s=3600, clock=lambda: T0 + ticks * 5)
    for i in range(ticks):
        snap = make_snapshot(T0 + i * 5, workers=3, seed=i)
        if i == ticks - 1:
            # the newest tick holds no reservation: the manager then reports efficiency 0 for 0 / 0
            perf = replace(snap.performance, resource_efficiency=0.0)
            snap = replace(snap, allocated=last_allocated, performance=perf)
        store.ingest(snap)
    return store.view()


def _facts(view):
    return RunFacts(source="test source", simulated=True, started=T0, ended=T0 + 25,
                    health=SourceHealth("live", "", T0))


def test_the_run_report_and_the_dashboard_read_one_summary_of_the_view():
    view = _view()
    window = summarize(view, source="test source")
    run = run_summary(view, _facts(view))
    assert run["kpis"] == window.kpis
    assert (run["ticks"], run["workers_seen"]) == (window.samples, window.workers_seen) == (5, 3)
    newest = view.system["cpu_utilization"][-1]
    assert window.cpu == run["kpis"]["cpu_utilization"]["last"] == pytest.approx(newest, abs=1e-4)
    assert window.mean_memory == run["kpis"]["memory_utilization"]["mean"] == pytest.approx(40.0)
    # the run counts tasks completed in its window; the summary also keeps the source's running total
    assert window.tasks_completed == view.performance["tasks_completed"][-1]
    assert run["kpis"]["tasks_completed"] == 20


def test_efficiency_at_zero_allocation_is_not_reported_not_zero():
    view = _view(last_allocated=0.0)
    assert math.isnan(pool_efficiency(np.array([0.0]), np.array([0.0]))[0])
    # the newest tick had nothing allocated: the card shows the last tick that had
    assert summarize(view, source="s").efficiency == pytest.approx(70.0)


def test_the_summary_json_holds_the_statistics_and_the_newest_values():
    view = _view()
    data = json.loads(json.dumps(summarize(view, source="s").to_dict(), allow_nan=False))
    assert data["workers"] == data["kpis"]["total_workers"]["last"] == 3
    assert data["cpu"] == data["kpis"]["cpu_utilization"]["last"]
    assert data["cost"] is None and data["cost_per_task"] is None  # no cloud manager: not reported


def test_every_report_page_is_one_shell_on_the_dashboards_background():
    view = _view()
    report = render_html(view, run_summary(view, _facts(view)), "dark")
    shell = page("x", "", THEMES["dark"])
    style = re.search(r"<style>.*</style>", shell, re.S).group(0)
    assert style in report and "background:#222222" in style
    # every chart is drawn on the page's colour, over plotly_dark's own rgb(17,17,17)
    charts = len(re.findall(r'class="plotly-graph-div"', report))
    assert charts == 7 and report.count('"paper_bgcolor":"#222222"') == charts
    assert when(None) == "—" and when(T0).startswith("2023-11-1")
