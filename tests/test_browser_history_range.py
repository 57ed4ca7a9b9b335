"""A real headless Chromium picks a 7-day range on a history file, downloads it, and views 10,000 workers."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest
from selenium.webdriver.support.ui import Select, WebDriverWait

from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.models import PerformanceSample, SourceHealth, Snapshot
from drm_dashboard.store import HistoryStore, LiveStore
from drm_dashboard.store import rollup
from drm_dashboard.ui.app import create_app
from drm_dashboard.ui.context import UIContext
from drm_dashboard.worker_columns import NUMBER_FIELDS, WorkerColumns
from drm_fakes import free_port, make_snapshot
from test_browser_dashboard import INTERVAL_S

pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]
DAY = 86_400.0
STEP = 600.0  # a week of ticks each 10 minutes (what the upkeep leaves past a day is coarser still)


@pytest.fixture
def week_file(tmp_path) -> Path:
    """A history file holding the last 7 days, written through HistoryStore as a run writes it."""
    path = tmp_path / "week.duckdb"
    end = time.time() - 60
    with HistoryStore(path) as store:
        for k in range(int(7 * DAY / STEP)):
            # the seed repeats daily, so the chart shows days
            store.append(make_snapshot(end - 7 * DAY + k * STEP, 6, seed=k % 144))
        # 10-minute rows are what the upkeep leaves past a day: record it as done, as the run that
        # wrote the file would have (else the next run's first upkeep re-reads the whole week)
        cur = store._cursor()
        rollup.ensure_state(cur)
        cur.execute("INSERT INTO rollup_state VALUES (60.0, ?), (600.0, ?)", [end - 3600, end - DAY])
    return path


@pytest.fixture
def running(week_file):
    dash = DRMRealTimeDashboard(db_path=str(week_file), port=free_port(), update_interval=INTERVAL_S,
                                host="127.0.0.1")
    url = dash.start_in_background()
    yield url
    dash.stop()


PLOT_SPAN_JS = """
const g = document.querySelector(arguments[0] + ' .js-plotly-plot');
if (!g || !g._fullData) { return null; }
let lo = Infinity, hi = -Infinity, most = 0;
for (const t of g._fullData) {
    if (!t.x) { continue; }
    most = Math.max(most, t.x.length);
    for (const v of t.x) { const x = Number(v); if (isFinite(x)) { lo = Math.min(lo, x); hi = Math.max(hi, x); } }
}
return [lo, hi, most];
"""


def _pick(br, value: str) -> None:
    Select(br.find_element("#range-choice")).select_by_value(value)


def _plot_span(br, selector: str, days: float) -> list:
    """[first x, last x, most points in a trace] once the graph spans at least `days` days."""
    def spans(driver):
        got = driver.execute_script(PLOT_SPAN_JS, selector)  # [null, null, 0] while still blank
        return got if got and got[0] is not None and got[1] - got[0] >= days * DAY * 1000 else False
    # a 7-day read of every worker takes seconds on a quiet machine and minutes on a loaded one
    return WebDriverWait(br.driver, 150).until(spans)


def test_a_seven_day_range_is_read_from_the_history_file(dash_br, running, artifacts):
    dash_br.server_url = running
    dash_br.wait_for_text_to_equal("#drm-header-health", "live", timeout=60)
    _pick(dash_br, "7d")
    dash_br.wait_for_contains_text("#range-note", "From the history file", timeout=60)
    first, last, points = _plot_span(dash_br, "#overview-utilization", 6.9)
    assert points <= 900  # about one point per pixel, never the 1,008 ticks (or 120,960 at 5 s)
    dash_br.driver.save_screenshot(str(artifacts / "history-7d-overview.png"))
    dash_br.driver.execute_script(
        "Array.from(document.querySelectorAll('.nav-link')).find(e => e.textContent === 'Worker Details').click()")
    _plot_span(dash_br, "#workers-heatmap", 6.9)
    dash_br.driver.set_window_size(1280, 2000)
    dash_br.driver.save_screenshot(str(artifacts / "history-7d-workers.png"))
    assert dash_br.get_logs() == []


def test_the_shown_range_downloads_as_csv(dash_br, running, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    dash_br.server_url = running
    dash_br.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                   {"behavior": "allow", "downloadPath": str(downloads)})
    dash_br.wait_for_text_to_equal("#drm-header-health", "live", timeout=60)
    _pick(dash_br, "7d")
    dash_br.wait_for_contains_text("#range-note", "From the history file", timeout=60)
    dash_br.find_element("#range-download-button").click()
    done = WebDriverWait(dash_br.driver, 60).until(
        lambda _: [p for p in downloads.glob("drm-7d-*.csv")] or False)
    with done[0].open() as f:
        rows = list(csv.DictReader(f))
    assert 500 <= len(rows) <= 801  # the 7 days at the chart's step, one row a point
    stamps = np.array([float(r["epoch_s"]) for r in rows])
    assert stamps[-1] - stamps[0] >= 6.9 * DAY and np.all(np.diff(stamps) > 0)
    assert {"time", "cpu_utilization", "total_workers", "task_throughput"} <= set(rows[0])


def _fleet_tick(ts: float, ids: list[str], rng: np.random.Generator, level: np.ndarray) -> Snapshot:
    """A validated tick of a large fleet, as CoordinatorSource hands it on (columns, not records)."""
    n = len(ids)
    v = np.full((n, len(NUMBER_FIELDS)), np.nan)
    v[:, 0], v[:, 1], v[:, 3], v[:, 4], v[:, 5] = level, level * 0.8, level, level, level * 0.7
    v[:, 7], v[:, 8], v[:, 9], v[:, 10], v[:, 11], v[:, 12] = np.floor(level * 8), 16, 65536, 0, 0, ts
    m = float(level.mean())
    return Snapshot(timestamp=ts, total_workers=n, active_workers=n, active_tasks=int(v[:, 7].sum()),
                    pending_tasks=0, resource_reservations=n, cpu=m, memory=m * 0.8, gpu=None, overall=m,
                    workers=WorkerColumns(ids, ["active"] * n, v),
                    performance=PerformanceSample(1.0, 2.0, 10.0, 0.7, 0, 0), allocated=m)


def test_worker_details_at_ten_thousand_workers(dash_duo, artifacts):
    ids = [f"w{i:05d}" for i in range(10_000)]
    rng = np.random.default_rng(0)
    level, now = rng.random(len(ids)), time.time() - 180 * 5.0
    live = LiveStore(retention_s=3600)
    for _ in range(180):
        level = np.clip(level + rng.uniform(-0.05, 0.05, len(ids)), 0, 1)
        now += 5.0
        live.ingest(_fleet_tick(now, ids, rng, level))
    ctx = UIContext(live=live, health=lambda: SourceHealth("live", last_success=time.time()),
                    source="10,000 synthetic workers", simulated=False, update_interval_s=5.0)
    dash_duo.start_server(create_app(ctx))
    dash_duo.driver.execute_script(
        "Array.from(document.querySelectorAll('.nav-link')).find(e => e.textContent === 'Worker Details').click()")
    dash_duo.wait_for_contains_text("#workers-table-note", "10,000 workers", timeout=60)
    rows = WebDriverWait(dash_duo.driver, 60).until(lambda d: d.execute_script(
        "const g = document.querySelector('#workers-heatmap .js-plotly-plot');"
        "return g && g._fullData && g._fullData[0] && g._fullData[0].z ? g._fullData[0].z.length : 0;"))
    assert rows == 200  # 10,000 workers binned to a screen's rows, 50 a row
    _plot_span(dash_duo, "#workers-lines", 0.01)
    dash_duo.driver.set_window_size(1280, 2000)  # the table, both charts and the heatmap in one picture
    dash_duo.driver.save_screenshot(str(artifacts / "workers-10000.png"))
    assert dash_duo.get_logs() == []
