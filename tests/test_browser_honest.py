"""Real headless Chromium: gaps stay gaps, missing values say so, the worker table, policy replay.

The recorded dashboard watches a real manager driven by the seeded workload. Its history has a
coordinator outage (3 minutes without a poll) and a dashboard restart (9 minutes without one); a
coordinator that numbers its workers without zero padding (worker-2, worker-10) feeds it.
"""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from drm_dashboard.collector import Collector
from drm_dashboard.dashboard import DRMRealTimeDashboard
from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig, WorkloadDriver
from drm_dashboard.sources.local import LocalSource
from drm_dashboard.ui.workertable import natural_key
from drm_fakes import CatchUpClock, free_port
from test_browser_dashboard import INTERVAL_S, TABS, open_tab, shoot, wait_for_traces

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]
# generous waits: these tests must pass on a loaded 2-core machine
WAIT_S = 90
HISTORY_MIN = 40
OUTAGE = (12 * 60, 15 * 60)  # seconds into the history: no poll (the coordinator was down)
RESTART = (25 * 60, 34 * 60)  # no poll (the dashboard was restarted)


class UnpaddedIds:
    """The manager as a coordinator that names workers worker-2, worker-10 (no zero padding)."""

    def __init__(self, inner: LocalSource, *, kpis: bool = True) -> None:
        self.inner, self.kpis = inner, kpis
        self.description = "coordinator with unpadded worker ids"

    def snapshot(self):
        snap = self.inner.snapshot()
        workers = tuple(replace(w, worker_id=re.sub(r"-0+(\d)", r"-\1", w.worker_id)) for w in snap.workers)
        return replace(snap, workers=workers, performance=snap.performance if self.kpis else None)


def _dashboard(tmp_path, *, kpis: bool = True, minutes: int = HISTORY_MIN):
    start = time.time() - minutes * 60
    clock = CatchUpClock(start)
    manager = DynamicResourceManager(clock=clock)
    workload = Workload(manager, WorkloadConfig(seed=5, initial_workers=12), clock=clock)
    source = UnpaddedIds(LocalSource(manager, clock=clock), kpis=kpis)
    dash = DRMRealTimeDashboard(source=source, db_path=str(tmp_path / "h.duckdb"), port=free_port(),
                                update_interval=INTERVAL_S, host="127.0.0.1", clock=clock)
    dash.manager = manager  # the policy's cooldowns and the verdicts come from it
    history = Collector(source, dash.live, interval_s=5, clock=clock)
    while clock.now < time.time() - 5:
        clock.now += 5
        workload.step(clock.now)
        into = clock.now - start
        if not any(lo <= into < hi for lo, hi in (OUTAGE, RESTART)):
            history.poll_once()
    clock.live = True
    driver = WorkloadDriver(workload)
    driver.start()
    return dash, driver, dash.start_in_background()


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    dash, driver, url = _dashboard(tmp_path_factory.mktemp("gaps"))
    yield dash, url
    driver.stop()
    dash.stop()
    driver.join(5)


def _click(br, selector: str) -> None:
    """Scroll the element to the middle of the window, then click it once nothing covers it.

    The live refresh re-renders the charts above the button, so the page can reflow between the
    scroll and the click; a covered button is scrolled to and tried again until WAIT_S passes.
    """
    deadline = time.monotonic() + WAIT_S
    while True:
        el = br.find_element(selector)
        br.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        try:
            el.click()
            return
        except (ElementClickInterceptedException, StaleElementReferenceException):
            assert time.monotonic() < deadline, f"{selector} stayed covered for {WAIT_S} s"
            time.sleep(0.2)


def _nan_count(br, graph_id: str, trace: int = 0) -> int:
    return br.driver.execute_script(
        f"const g = document.querySelector('#{graph_id} .js-plotly-plot');"
        f"return Array.from(g._fullData[{trace}].y).filter(v => v === null || Number.isNaN(v)).length;")


def _wait(predicate, timeout: float = WAIT_S, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_the_outage_and_the_restart_are_gaps_not_slopes(dash_br, recorded, artifacts):
    _, url = recorded
    dash_br.server_url = url
    dash_br.wait_for_text_to_equal("#drm-header-health", "live", timeout=WAIT_S)
    wait_for_traces(dash_br, "overview-utilization", WAIT_S)
    wait_for_traces(dash_br, "overview-load", WAIT_S)
    # every line of the two overview charts breaks twice, once per silent stretch
    assert _nan_count(dash_br, "overview-utilization", 0) == 2
    assert _nan_count(dash_br, "overview-load", 2) == 2  # the workers step line
    open_tab(dash_br, TABS["scaling"])
    wait_for_traces(dash_br, "scaling-timeline", WAIT_S)
    assert _nan_count(dash_br, "scaling-timeline", 0) == 2
    # the worker count axis has whole-number ticks only, none repeated
    ticks = dash_br.driver.execute_script(
        "return Array.from(document.querySelectorAll('#scaling-timeline .ytick text')).map(t => t.textContent)")
    assert ticks and len(ticks) == len(set(ticks)) and all(re.fullmatch(r"[\d,]+", t) for t in ticks)
    assert dash_br.get_logs() == []


def test_the_worker_table_sorts_naturally_filters_and_drives_the_chart(dash_br, recorded, artifacts):
    _, url = recorded
    dash_br.server_url = url
    open_tab(dash_br, TABS["workers"])
    dash_br.wait_for_contains_text("#workers-table-note", "workers in the window", timeout=WAIT_S)
    ids = lambda: [c.text for c in dash_br.driver.find_elements(  # noqa: E731
        By.CSS_SELECTOR, "#workers-table td[data-dash-column='id']")]
    _wait(lambda: len(ids()) >= 10, what="ten rows")
    first = ids()
    assert first == sorted(first, key=natural_key) and "worker-10" in first
    assert first.index("worker-2") < first.index("worker-10")
    # sort by CPU used, descending (the header's sort arrow, clicked twice: ascending, descending)
    arrow = "#workers-table th[data-dash-column='cpu'] .column-header--sort"
    for icon in ("sort-up", "sort-down"):
        dash_br.driver.find_element(By.CSS_SELECTOR, arrow).click()
        _wait(lambda: dash_br.driver.find_element(By.CSS_SELECTOR, arrow + " svg").get_attribute(
            "data-icon") == icon, what=icon)
    cells = lambda: [c.text for c in dash_br.driver.find_elements(  # noqa: E731
        By.CSS_SELECTOR, "#workers-table td[data-dash-column='cpu']")]
    cpu = lambda: [float(t) for t in cells() if t and t != "not reported"]  # noqa: E731
    def sorted_down() -> bool:
        values = cpu()  # read once: a live refresh may land between two reads
        return len(set(values)) > 1 and values == sorted(values, reverse=True)

    _wait(sorted_down, timeout=2 * WAIT_S, what="rows sorted by CPU, descending")
    # a worker that sent no usage reads "not reported" and sorts last, never as 0
    shown = cells()
    if "not reported" in shown:
        assert all(t == "not reported" for t in shown[shown.index("not reported"):])
    # filter: tasks above 0, typed as a DataTable user types it
    box = dash_br.driver.find_element(By.CSS_SELECTOR, "#workers-table th.dash-filter[data-dash-column='tasks'] input")
    box.send_keys("> 0" + Keys.ENTER)
    dash_br.wait_for_contains_text("#workers-table-note", "workers match", timeout=WAIT_S)
    tasks = [int(c.text) for c in dash_br.driver.find_elements(
        By.CSS_SELECTOR, "#workers-table td[data-dash-column='tasks']")]
    assert tasks and all(t > 0 for t in tasks)
    shoot(dash_br, artifacts / "workers-table-filtered.png")
    # ticking a row puts that worker on the comparison chart, unticking takes it off; the busiest
    # are ticked already (and stay ticked through the filter), so a ticked row is unticked first
    toggle = """const r = Array.from(document.querySelectorAll('#workers-table tr')).find(r =>
        r.querySelector("td[data-dash-column='id']") && r.querySelector("td[data-dash-column='id']").textContent === arguments[0]);
        r.querySelector('td.dash-select-cell input').click(); return true;"""
    wid, ticked = dash_br.driver.execute_script(_ROWS_JS)[0][:2]
    names = "return document.querySelector('#workers-lines .js-plotly-plot').data.map(t => t.name)"
    if ticked:
        dash_br.driver.execute_script(toggle, wid)
        _wait(lambda: wid not in dash_br.driver.execute_script(names), what=f"{wid} off the chart")
    dash_br.driver.execute_script(toggle, wid)
    _wait(lambda: wid in dash_br.driver.execute_script(names), what=f"{wid} on the chart")
    assert dash_br.get_logs() == []


def _choice(br) -> set[str]:
    """The workers the comparison dropdown holds, as it shows them."""
    text = br.driver.execute_script("return document.querySelector('#workers-choice').parentElement.innerText")
    return set(re.findall(r"worker-\d+", text))


_ROWS_JS = """return Array.from(document.querySelectorAll('#workers-table tr'))
    .filter(r => r.querySelector("td[data-dash-column='id']"))
    .map(r => [r.querySelector("td[data-dash-column='id']").textContent,
               r.querySelector('td.dash-select-cell input').checked,
               r.querySelector("td[data-dash-column='heartbeat']").textContent])"""


def test_ticked_rows_survive_refreshes_sorts_and_filters(dash_br, recorded):
    _, url = recorded
    dash_br.server_url = url
    open_tab(dash_br, TABS["workers"])
    rows = lambda: dash_br.driver.execute_script(_ROWS_JS)  # noqa: E731 (one read: rows re-sort live)
    _wait(lambda: len(rows()) >= 10 and _choice(dash_br), what="rows and the busiest pre-chosen")
    arrow = "#workers-table th[data-dash-column='cpu'] .column-header--sort"
    for icon in ("sort-up", "sort-down"):  # rows now move on every refresh, as CPU use changes
        dash_br.driver.find_element(By.CSS_SELECTOR, arrow).click()
        _wait(lambda: dash_br.driver.find_element(By.CSS_SELECTOR, arrow + " svg").get_attribute(
            "data-icon") == icon, what=icon)
    picked = []
    for _ in range(3):  # tick three unticked rows, each read and clicked in one go
        wid = dash_br.driver.execute_script("""
            const r = Array.from(document.querySelectorAll('#workers-table tr')).filter(r =>
                r.querySelector('td.dash-select-cell input') && !r.querySelector('td.dash-select-cell input').checked)[1];
            r.querySelector('td.dash-select-cell input').click();
            return r.querySelector("td[data-dash-column='id']").textContent;""")
        picked.append(wid)
        _wait(lambda: wid in _choice(dash_br), what=f"{wid} chosen")
    chosen = _choice(dash_br)
    # untick one again: it leaves the choice, the others stay
    dash_br.driver.execute_script("""
        const r = Array.from(document.querySelectorAll('#workers-table tr')).find(r =>
            r.querySelector("td[data-dash-column='id']") && r.querySelector("td[data-dash-column='id']").textContent === arguments[0]);
        r.querySelector('td.dash-select-cell input').click();""", picked[0])
    chosen.discard(picked[0])
    _wait(lambda: _choice(dash_br) == chosen, what=f"{picked[0]} unticked")
    # three live refreshes later (each polls new heartbeats), ticks follow their workers
    for _ in range(3):
        before = {r[0]: r[2] for r in rows()}
        _wait(lambda: any(before.get(w) not in (None, h) for w, _, h in rows()), what="a refresh")
    assert _choice(dash_br) == chosen
    shown = rows()
    assert {w for w, on, _ in shown if on} == chosen & {w for w, _, _ in shown}
    # a filter (which makes the table drop its ticks by itself) keeps the choice too
    box = dash_br.driver.find_element(By.CSS_SELECTOR, "#workers-table th.dash-filter[data-dash-column='tasks'] input")
    box.send_keys(">= 0" + Keys.ENTER)
    dash_br.wait_for_contains_text("#workers-table-note", "workers match", timeout=WAIT_S)
    _wait(lambda: {w for w, on, _ in rows() if on} == chosen & {w for w, _, _ in rows()}, what="ticks after filtering")
    assert _choice(dash_br) == chosen
    names = "return document.querySelector('#workers-lines .js-plotly-plot').data.map(t => t.name)"
    _wait(lambda: set(picked[1:]) <= set(dash_br.driver.execute_script(names)), what="the chosen on the chart")
    assert dash_br.get_logs() == []


def test_the_replay_panel_compares_another_policy_with_what_happened(dash_br, recorded, artifacts):
    dash, url = recorded
    dash_br.server_url = url
    open_tab(dash_br, TABS["scaling"])
    dash_br.wait_for_contains_text("#replay-result", "worker-hours", timeout=WAIT_S)
    dash_br.wait_for_contains_text("#scaling-summary", "cooldowns 300 s after a scale-up", timeout=WAIT_S)
    dash_br.wait_for_contains_text("#scaling-verdicts", "maintain", timeout=WAIT_S)
    box = dash_br.find_element("#replay-scale-down")
    box.clear()
    box.send_keys("50" + Keys.TAB)
    _click(dash_br, "#replay-run")
    dash_br.wait_for_contains_text("#replay-result", "Other policy, replayed", timeout=WAIT_S)
    hours = dash_br.driver.find_elements(By.CSS_SELECTOR, "#replay-table tbody tr")[0]
    cells = [c.text for c in hours.find_elements(By.TAG_NAME, "td")]
    assert cells[0] == "worker-hours" and all(float(v) > 0 for v in cells[1:4])
    assert cells[4] == "same" or re.fullmatch(r"[+-][\d.,]+ h", cells[4])
    shoot(dash_br, artifacts / "scaling-replay.png")
    # a target above the scale-up threshold is refused in words
    box = dash_br.find_element("#replay-target")
    box.clear()
    box.send_keys("95" + Keys.TAB)
    _click(dash_br, "#replay-run")
    dash_br.wait_for_contains_text("#replay-result", "Cannot replay", timeout=WAIT_S)
    assert dash_br.get_logs() == []


# a drawn chart's font colour (its theme), or None while it has no traces
_FONT = """const g = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    return g && g.data && g.data.length && g.layout.template ? g.layout.template.layout.font.color : null;"""
_TAB_GRAPHS = {"workers": ("workers-lines", "workers-heatmap"),
               "performance": ("perf-task-throughput", "perf-allocation-time-ms"),
               "scaling": ("scaling-timeline", "scaling-thresholds"), "alerts": ()}


# ten tabs drawn and saved: at a load of 8 on two cores each tab took half a minute to answer
@pytest.mark.timeout(720)
def test_every_tab_after_an_outage_and_a_restart_in_both_themes(dash_br, recorded, artifacts):
    _, url = recorded
    dash_br.server_url = url
    font = lambda graph: dash_br.driver.execute_script(_FONT, graph)  # noqa: E731
    dark = None
    for theme in ("dark", "light"):
        wait_for_traces(dash_br, "overview-utilization", WAIT_S)
        # the overview's charts in this theme's colours: the figure's font, not the page's
        _wait(lambda: font("overview-utilization") not in (None, dark), what=f"the {theme} overview")
        color = dark = font("overview-utilization")
        shoot(dash_br, artifacts / f"outage-{theme}-overview.png")
        for key in ("workers", "performance", "scaling", "alerts"):
            open_tab(dash_br, TABS[key])
            ready = {"workers": "#workers-table-note", "performance": "#perf-stats-task-throughput",
                     "scaling": "#replay-result", "alerts": "#alerts-counts"}[key]
            _wait(lambda: dash_br.find_element(ready).text.strip(), what=f"the {key} tab")
            _wait(lambda: all(font(g) == color for g in _TAB_GRAPHS[key]), what=f"the {key} charts")
            shoot(dash_br, artifacts / f"outage-{theme}-{key}.png")
        open_tab(dash_br, TABS["overview"])
        if theme == "dark":
            dash_br.driver.find_element(By.CSS_SELECTOR, "#drm-theme-switch").click()
            _wait(lambda: dash_br.find_element("#drm-theme-css").get_attribute("href").endswith("flatly.css"),
                  what="the light stylesheet")
    # the choice survives a reload
    dash_br.driver.refresh()
    _wait(lambda: dash_br.find_element("#drm-theme-css").get_attribute("href").endswith("flatly.css"),
          what="the light theme after a reload")
    assert dash_br.get_logs() == []


def test_values_never_sent_read_not_reported(dash_br, tmp_path, artifacts):
    dash, driver, url = _dashboard(tmp_path, kpis=False, minutes=3)
    try:
        dash_br.server_url = url
        open_tab(dash_br, TABS["performance"])
        for column in ("task-throughput", "allocation-time-ms", "queue-wait-ms", "resource-efficiency"):
            dash_br.wait_for_contains_text(f"#perf-stats-{column}", "reports no performance metrics",
                                           timeout=WAIT_S)
        text = dash_br.find_element("#perf-queue-wait-ms").text
        assert "0.00" not in text
        shoot(dash_br, artifacts / "performance-not-reported.png")
        assert dash_br.get_logs() == []
    finally:
        driver.stop()
        dash.stop()
        driver.join(5)


_SET_VISIBILITY = """Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => arguments[0]});
Object.defineProperty(document, 'hidden', {configurable: true, get: () => arguments[0] === 'hidden'});
document.dispatchEvent(new Event('visibilitychange'));"""


def test_a_hidden_tab_stops_refreshing_and_catches_up_when_shown(dash_br, recorded):
    dash, url = recorded
    dash_br.server_url = url
    updated = lambda: dash_br.find_element("#drm-header-updated").text  # noqa: E731
    _wait(lambda: updated().strip(), what="the first refresh")
    dash_br.driver.execute_script(_SET_VISIBILITY, "hidden")  # as the browser does for a background tab
    step = dash.settings.update_interval
    polled = dash.source_health().last_success
    _wait(lambda: dash.source_health().last_success >= polled + step, what="a poll (a refresh in flight lands)")
    hidden_at, polled = updated(), dash.source_health().last_success
    # the collector polls on: two more successes would each have shown in a running page
    _wait(lambda: dash.source_health().last_success >= polled + 2 * step,
          what="two more polls")
    assert updated() == hidden_at
    dash_br.driver.execute_script(_SET_VISIBILITY, "visible")
    _wait(lambda: updated() != hidden_at, what="a refresh once shown")
    assert dash_br.get_logs() == []
