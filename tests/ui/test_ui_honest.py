"""Honest charts and words: gaps break lines, no value is 'not reported', counts get integer axes."""

import math
from dataclasses import replace

import numpy as np

from drm_dashboard.models import ScalingDecision
from drm_dashboard.ui.decisions import time_to_effect, verdict_words
from drm_dashboard.ui.figures.common import count_axis, gap_positions, series_xy
from drm_dashboard.ui.figures.overview import load_figure, utilization_figure
from drm_dashboard.ui.figures.performance import forecast_ready, kpi_figure
from drm_dashboard.ui.figures.scaling import timeline_figure
from drm_dashboard.ui.theme import THEMES
from drm_dashboard.ui.units import NOT_REPORTED, change_text, plural, ratio_text, value_text
from drm_fakes import make_snapshot
from drm_dashboard.store.live import LiveStore
from ui_views import T0, decision, fill, trigger

DARK = THEMES["dark"]


def _with_outage(before: int = 20, after: int = 20, outage_s: float = 540.0):
    """A store fed every 5 s, silent for outage_s (a restart), then fed again."""
    stamps = [T0 + i * 5 for i in range(before)]
    stamps += [stamps[-1] + outage_s + i * 5 for i in range(after)]
    store = LiveStore(retention_s=10_000, clock=lambda: stamps[-1])
    for ts in stamps:
        store.ingest(make_snapshot(ts, 3))
    return store.view()


def test_a_gap_of_more_than_two_intervals_breaks_the_line():
    view = _with_outage()
    assert gap_positions(view.timestamps).tolist() == [19]
    x, y = series_xy(view.timestamps, view.system["cpu_utilization"])
    assert y.size == 41 and np.isnan(y[20]) and np.isfinite(y[19]) and np.isfinite(y[21])
    assert x[19] < x[20] < x[21]


def test_every_line_chart_breaks_at_the_outage():
    view = _with_outage()
    figures = [utilization_figure(view, theme=DARK), load_figure(view, theme=DARK),
               timeline_figure(view, theme=DARK),
               kpi_figure(view, column="task_throughput", minutes=0, theme=DARK)]
    for fig in figures:
        line = fig.data[0]
        assert np.isnan(np.asarray(line.y, dtype=float)).sum() == 1, fig.layout.uirevision


def test_a_gap_survives_decimation():
    ts = np.concatenate([T0 + np.arange(3000) * 5.0, T0 + 20_000 + np.arange(3000) * 5.0])
    x, y = series_xy(ts, np.ones(6000))
    assert y.size <= 802 and np.isnan(y).sum() == 1
    gap = int(np.flatnonzero(np.isnan(y))[0])
    assert x[gap - 1] < x[gap] < x[gap + 1]


def test_a_steady_series_has_no_gap():
    assert gap_positions(T0 + np.arange(100) * 5.0).size == 0


def test_count_axes_have_integer_ticks_only():
    axis = count_axis(2.0)
    assert axis["dtick"] >= 1 and axis["tickformat"] == ",d" and axis["range"][1] >= 3
    assert count_axis(37)["dtick"] == 10 and count_axis(0)["range"] == [0, 2.0]
    fig = load_figure(fill(10, 2), theme=DARK)
    assert fig.layout.yaxis2.dtick >= 1 and fig.layout.yaxis2.tickformat == ",d"


def test_no_value_is_not_reported_and_zero_over_zero_is_na():
    assert value_text("queue_wait_ms", math.nan) == NOT_REPORTED
    assert value_text("queue_wait_ms", None) == NOT_REPORTED
    assert value_text("queue_wait_ms", 0.0) == "0.00 ms"
    assert value_text("allocation_time_ms", 2400.0) == "2.4 s"
    assert value_text("task_throughput", 0.674) == "0.674 tasks/s"
    assert value_text("resource_efficiency", 61.26) == "61%"
    assert value_text("total_workers", 1234.0) == "1,234"
    assert ratio_text(0, 0) == "n/a" and ratio_text(1, 4) == "25%"
    assert change_text("allocation_time_ms", 261, 17_000) == "261 ms → 17.0 s"
    assert plural(1, "worker") == "1 worker" and plural(2, "worker") == "2 workers"


def test_a_kpi_never_reported_says_so_instead_of_drawing_zero():
    view = fill(10, 1, shape=lambda i, s: replace(s, performance=None))
    fig = kpi_figure(view, column="queue_wait_ms", minutes=0, theme=DARK)
    assert not fig.data


def test_forecast_needs_history_as_long_as_its_horizon():
    from drm_dashboard.analytics.forecast import forecast
    short, long = fill(50, 1), fill(130, 1)
    fc_short = forecast(short.timestamps, short.performance["task_throughput"], horizon_s=600,
                        metric="task_throughput")
    fc_long = forecast(long.timestamps, long.performance["task_throughput"], horizon_s=600,
                       metric="task_throughput")
    assert not forecast_ready(short, "task_throughput", fc_short)
    assert forecast_ready(long, "task_throughput", fc_long)
    fig = kpi_figure(short, column="task_throughput", minutes=0, theme=DARK, forecast=fc_short)
    assert "forecast" not in [t.name for t in fig.data]
    # the axis follows the data, whatever the band does
    fig = kpi_figure(long, column="task_throughput", minutes=0, theme=DARK, forecast=fc_long)
    top = float(np.nanmax(long.performance["task_throughput"]))
    assert fig.layout.yaxis.range[1] == top * 1.15


def test_the_change_point_is_marked_with_a_legend_for_each_line():
    from drm_dashboard.analytics.changepoint_records import ChangePoint
    view = fill(60, 1)
    at = float(view.timestamps[30])
    cp = ChangePoint("allocation_time_ms", 30, at, 2.0, 4.0, 100.0, "regression", 0.9, 8.0, 1e-5, 3.0, 10, 0.1)
    fig = kpi_figure(view, column="allocation_time_ms", minutes=0, theme=DARK, findings=[cp])
    names = [t.name for t in fig.data]
    assert any(n.startswith("change at") for n in names) and any("before / after" in n for n in names)
    assert fig.layout.showlegend and all(n for n in names)
    assert names[1].startswith("mean ")


def test_verdicts_in_words():
    blocked = ScalingDecision("maintain", 0, "allocation 85% over 120 s >= 80% scale-up threshold, but "
                              "the scale-up cooldown has 140 s of 300 s left", 0.85, (), T0, 0,
                              trigger(cooldown_up_remaining_s=140.0))
    assert verdict_words(blocked) == "blocked by the scale-up cooldown, 140 s left"
    assert verdict_words(decision(T0)) == "scale up by 2"
    calm = replace(blocked, reason="allocation 50% over 120 s is between the 30% scale-down and 80% "
                                   "scale-up thresholds")
    assert verdict_words(calm) == "maintain"


def test_time_to_effect_is_decision_to_the_new_workers_first_report():
    store = LiveStore(retention_s=10_000, clock=lambda: T0 + 200)
    up = decision(T0 + 12)
    for i in range(20):  # 3 workers; a fourth first reports at T0 + 45
        store.ingest(make_snapshot(T0 + i * 5, 4 if i >= 9 else 3, decisions=(up,) if i == 3 else ()))
    view = store.view()
    assert time_to_effect(view, up) == 33.0
    assert math.isnan(time_to_effect(view, decision(T0 + 90)))


def test_efficiency_with_nothing_allocated_is_na_not_zero():
    from drm_dashboard.ui.figures.performance import kpi_stats, kpi_values
    view = fill(10, 1, shape=lambda i, s: replace(s, allocated=0.0) if i >= 5 else s)
    values = kpi_values(view, "resource_efficiency")
    assert np.isfinite(values[:5]).all() and np.isnan(values[5:]).all()
    assert kpi_stats(view, "resource_efficiency", 0).samples == 5
