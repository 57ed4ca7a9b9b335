"""Per-interval samples from counters: literal series with hand-computed answers."""

import numpy as np

from drm_dashboard.analytics.intervals import rate_per_interval, ratio_per_interval

NAN = np.nan


def test_ratio_is_the_mean_of_each_interval_not_of_a_trailing_window():
    num = np.array([0.0, 10.0, 30.0, 30.0, 70.0])   # ms spent, cumulative
    den = np.array([0.0, 5.0, 10.0, 10.0, 20.0])    # allocations, cumulative
    reported = np.full(5, 99.0)
    got = ratio_per_interval(num, den, reported, 0)
    np.testing.assert_allclose(got, [NAN, 2.0, 4.0, NAN, 4.0])  # an interval with none: no sample


def test_ratio_skips_a_counter_reset_and_falls_back_without_counters():
    num = np.array([100.0, 5.0, 15.0, NAN])
    den = np.array([50.0, 1.0, 6.0, NAN])
    reported = np.array([1.0, 2.0, 3.0, 7.5])
    np.testing.assert_allclose(ratio_per_interval(num, den, reported, 1), [NAN, 2.0, 7.5])


def test_rate_per_second_over_uneven_intervals():
    completed = np.array([0.0, 10.0, 10.0, 40.0, 2.0])
    ts = np.array([0.0, 5.0, 10.0, 20.0, 25.0])
    np.testing.assert_allclose(rate_per_interval(completed, ts, 0), [NAN, 2.0, 0.0, 3.0, NAN])
