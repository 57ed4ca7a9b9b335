"""Shared figure helpers: point caps that keep spikes and gaps, NaN-aware buckets, the time axis."""

import time

import numpy as np

from drm_dashboard.ui.figures.common import (MAX_POINTS, axis_time, bucket_mean, event_lines,
                                             minmax_decimate)


def test_short_series_pass_through_untouched():
    x, y = np.arange(10.0), np.arange(10.0)
    dx, dy = minmax_decimate(x, y)
    assert dx is x and dy is y


def test_decimation_caps_points_and_keeps_every_spike():
    y = np.zeros(3600, dtype=np.float32)
    y[1234], y[2500] = 99.0, -5.0
    dx, dy = minmax_decimate(np.arange(3600.0), y)
    assert len(dx) <= MAX_POINTS and dy.dtype == np.float32
    assert dy.max() == 99.0 and dy.min() == -5.0
    assert 1234.0 in dx and 2500.0 in dx
    assert np.all(np.diff(dx) >= 0)  # still in time order


def test_decimation_keeps_gaps_as_gaps():
    y = np.ones(4000)
    y[1000:2000] = np.nan
    _, dy = minmax_decimate(np.arange(4000.0), y)
    assert np.isnan(dy).sum() > 0 and np.nanmin(dy) == 1.0  # no gap became a zero


def test_bucket_mean_ignores_missing_values_and_leaves_empty_buckets_blank():
    m = np.array([[1, np.nan], [3, np.nan], [5, 2], [np.nan, 4]], dtype=np.float32)
    means, starts = bucket_mean(m, 2)
    assert starts.tolist() == [0, 2]
    assert means[:, 0].tolist() == [2.0, 5.0]
    assert np.isnan(means[0, 1]) and means[1, 1] == 3.0


def test_axis_time_is_server_wall_clock_in_ms():
    t = np.array([1_700_000_000.0])
    off = time.localtime(t[0]).tm_gmtoff
    assert axis_time(t)[0] == (t[0] + off) * 1000


def test_event_lines_are_one_trace_broken_by_nan():
    x, y = event_lines(np.array([1.0, 2.0]), 0, 100)
    assert y.tolist()[:2] == [0, 100] and np.isnan(y[2]) and np.isnan(x[2]) and x[3] == 2.0
