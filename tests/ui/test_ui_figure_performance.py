"""Performance Metrics: range slicing, summary numbers and the KPI figures."""

import math
from dataclasses import replace

import numpy as np

from drm_dashboard.models import PerformanceSample
from drm_dashboard.ui.figures.performance import kpi_figure, kpi_stats, range_rows
from drm_dashboard.ui.theme import THEMES
from ui_views import fill

DARK = THEMES["dark"]


def test_ranges_take_the_last_minutes_of_the_window():
    view = fill(720, 1)  # 60 minutes at 5 s
    assert range_rows(view, 15) == slice(720 - 180, 720)
    assert range_rows(view, 0) == slice(0, 720)


def test_stats_are_over_the_range_and_skip_ticks_without_kpis():
    view = fill(20, 1, shape=lambda i, s: replace(s, performance=None) if i % 2 else s)
    values = view.performance["task_throughput"][::2]
    stats = kpi_stats(view, "task_throughput", 0)
    assert stats.samples == 10 and math.isclose(stats.mean, values.mean())
    assert stats.latest == values[-1]


def test_kpi_figure_draws_the_series_and_its_mean():
    view = fill(50, 1)
    series, mean = kpi_figure(view, column="task_throughput", minutes=60, theme=DARK).data
    y = view.performance["task_throughput"]
    assert np.allclose(series.y, y.astype(np.float32))
    assert np.allclose(mean.y, np.float32(y.mean()))


def test_long_queue_waits_read_in_seconds():
    slow = PerformanceSample(1.0, 2.0, 45_000.0, 0.7, 1, 0)
    view = fill(10, 1, shape=lambda i, s: replace(s, performance=slow))
    fig = kpi_figure(view, column="queue_wait_ms", minutes=15, theme=DARK)
    assert fig.data[0].y[0] == 45.0 and fig.layout.yaxis.title.text.startswith("s ")


def test_a_range_without_samples_says_so():
    view = fill(10, 1, shape=lambda i, s: replace(s, performance=None))
    fig = kpi_figure(view, column="allocation_time_ms", minutes=15, theme=DARK)
    # no tick of the view carries KPIs: the source sends none (the original's real manager)
    assert not fig.data and fig.layout.annotations[0].text == "This source reports no performance metrics."


def _forecast_of(view, column):
    from drm_dashboard.analytics.forecast import forecast
    return forecast(view.timestamps, view.performance[column], horizon_s=600, metric=column)


def test_forecast_is_drawn_past_now_as_a_band_and_a_dashed_mean():
    view = fill(130, 1)  # 645 s of history: enough for a 600 s horizon
    fc = _forecast_of(view, "allocation_time_ms")
    fig = kpi_figure(view, column="allocation_time_ms", minutes=60, theme=DARK, forecast=fc)
    names = [t.name for t in fig.data]
    assert names[-1] == "forecast" and fig.data[-1].line.dash == "dash"
    band = fig.data[-2]
    assert band.fill == "tonexty" and band.name == "90% interval"
    assert min(fig.data[-1].x) > max(fig.data[0].x)  # the forecast starts after the last sample
    assert np.all(np.asarray(fig.data[-3].y) >= np.asarray(fig.data[-2].y))  # upper over lower


def test_trend_line_prefers_the_eta_and_otherwise_gives_the_forecast_end():
    from drm_dashboard.analytics.forecast import ThresholdEta
    from drm_dashboard.ui.tabs.performance import trend_line
    view = fill(60, 1)
    fc = _forecast_of(view, "allocation_time_ms")
    eta = ThresholdEta(metric="allocation_time_ms", threshold=5.0, direction="up", state="crossing",
                       seconds=720.0, message="Allocation time reaches 5 ms in about 12 min")
    assert trend_line(fc, eta, " ms") == "Trend: Allocation time reaches 5 ms in about 12 min"
    text = trend_line(fc, None, " ms")
    assert text.startswith("Trend: ") and "in 10 min" in text and "90% interval" in text
    assert trend_line(None, None, " ms") == "Trend: forecast after a few more samples"
