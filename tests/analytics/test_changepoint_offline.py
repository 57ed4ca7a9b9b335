"""Offline detection on literal series with known answers (as otava tests hunter).

Most tests pin the level cost (a flat segment, the online detector's cost too), whose answers
are worked by hand below; the default line cost has tests of its own at the end."""

import math

import numpy as np
import pytest

from drm_dashboard.analytics.changepoint import (
    ChangePoint,
    DetectorConfig,
    LineCost,
    detect_changes,
)
from drm_dashboard.analytics.step_test import best_split, passes
from drm_dashboard.analytics.changepoint_records import change_pct, direction

STEP = [10.1, 9.9, 10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0, 10.0,
        12.0, 12.1, 11.9, 12.0, 12.2, 11.8, 12.0, 12.1, 11.9, 12.0]
# forty floats: the same step at index 20
STEP40 = [10.1, 9.9, 10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0, 10.0,
          9.9, 10.1, 10.0, 9.8, 10.2, 10.0, 9.9, 10.1, 10.0, 10.0,
          12.0, 12.1, 11.9, 12.0, 12.2, 11.8, 12.0, 12.1, 11.9, 12.0,
          12.1, 11.9, 12.0, 12.2, 11.8, 12.0, 12.0, 11.9, 12.1, 12.0]
LEVEL = DetectorConfig(offline_cost="level", offline_penalty=7.0)


def test_step_at_index_20_is_found_at_20():
    cps = detect_changes(np.array(STEP40), LEVEL, metric="task_throughput", higher_is_better=True)
    assert [cp.index for cp in cps] == [20]
    cp = cps[0]
    assert math.isclose(cp.before, 10.0, abs_tol=1e-9)
    assert math.isclose(cp.after, 12.0, abs_tol=1e-9)
    assert math.isclose(cp.change_pct, 20.0, abs_tol=1e-6)
    assert cp.direction == "improvement"
    assert 0.0 < cp.confidence < 1.0 and cp.p_value < 1e-3 and cp.persistence == 20
    assert math.isclose(cp.threshold, LEVEL.offline_penalty * math.log(40))


def test_twenty_samples_are_too_few_for_a_penalty_of_7():
    # z-scored, a split can explain at most n = 20 units of cost, below 7 ln 20 = 21.0
    assert detect_changes(np.array(STEP), LEVEL) == []
    three = DetectorConfig(offline_cost="level", offline_penalty=3.0)
    assert [cp.index for cp in detect_changes(np.array(STEP), three)] == [10]


def test_lower_is_better_metric_calls_a_rise_a_regression():
    cps = detect_changes(np.array(STEP40), LEVEL, metric="queue_wait_ms", higher_is_better=False)
    assert [cp.direction for cp in cps] == ["regression"]


def test_white_noise_raises_nothing():
    noise = np.random.default_rng(7).normal(50.0, 2.0, 500)
    assert detect_changes(noise, LEVEL) == [] and detect_changes(noise) == []


def test_one_outlier_is_not_a_segment():
    x = np.random.default_rng(3).normal(50.0, 1.0, 200)
    x[100] = 80.0
    assert detect_changes(x, LEVEL) == []


def test_a_staircase_gives_both_steps_when_each_explains_enough_variance():
    rng = np.random.default_rng(1)
    # 30 a level: once 0 | 5, 10 is cut, the second cut explains 60 * 2.5^2 / 16.8 = 22 units
    # of z-scored cost, below 7 ln 90 = 31; with 60 a level it is 45 against 36
    short = np.r_[np.zeros(30), np.full(30, 5.0), np.full(30, 10.0)] + rng.normal(0, 0.3, 90)
    assert [cp.index for cp in detect_changes(short, LEVEL)] == [30]
    long = np.r_[np.zeros(60), np.full(60, 5.0), np.full(60, 10.0)] + rng.normal(0, 0.3, 180)
    assert [cp.index for cp in detect_changes(long, LEVEL)] == [60, 120]


def test_missing_samples_keep_their_index():
    x = np.array(STEP40)
    x[3] = np.nan
    assert [cp.index for cp in detect_changes(x, LEVEL)] == [20]


def test_online_z_squared_is_the_two_sample_statistic_on_the_within_level_noise():
    y = np.array([0.0, 1.0, 0.0, 1.0, 5.0, 6.0, 5.0, 6.0])
    test = best_split(y, 2, 6, 0.99)
    # k (n - k) / n * delta^2 / sigma_within^2 = 2 * 25 / (8 * 0.25 / 6) = 150; the step
    # does not inflate the scale (the window's total sd would give 7.62 < n)
    assert test.index == 4 and math.isclose(test.z ** 2, 150.0)
    # 150 against penalty * ln 8 = 2.079 * penalty: passes 72, not 73
    assert passes(test, 72.0) and not passes(test, 73.0)
    # the residuals alternate: phi < 0 is clipped to 0, so the AR(1) variant agrees
    assert math.isclose(best_split(y, 2, 6, 0.99, ar1=True).z ** 2, 150.0)


def test_ar1_variant_deflates_z_squared_by_the_effective_sample_size():
    y = np.array([0.0, 0.0, 1.0, 1.0, 5.0, 5.0, 6.0, 6.0])
    # residuals -.5 -.5 .5 .5 twice: lag-1 autocorrelation 0.25 / 2 = 0.125
    test = best_split(y, 2, 6, 0.99, ar1=True)
    assert test.index == 4 and math.isclose(test.phi, 0.125)
    assert math.isclose(best_split(y, 2, 6, 0.99).z ** 2, 150.0)
    assert math.isclose(test.z ** 2, 150.0 * (1 - 0.125) / (1 + 0.125))


def test_split_test_reports_levels_and_persistence():
    test = best_split(np.array(STEP), 5, 15, 0.99)
    assert test.index == 10 and test.agree == 10 and test.persistence == 1.0
    assert test.effect_size > 5


def test_record_helpers():
    assert change_pct(10.0, 12.0) == 20.0
    assert math.isnan(change_pct(0.0, 1.0))
    assert direction(1.0, 2.0, None) == "neutral"
    assert direction(2.0, 1.0, True) == "regression"
    cp = ChangePoint("m", 1, 1.0, 0.0, 1.0, math.nan, "neutral", 0.5, 3.0, 0.01, 1.0, 4, 0.1)
    assert cp.to_dict()["change_pct"] is None and cp.to_dict()["index"] == 1


def test_config_is_frozen_and_counts_points():
    cfg = DetectorConfig()
    assert cfg.min_points == cfg.min_before + cfg.min_after


def _residual_about_line(x: np.ndarray, lo: int, hi: int) -> float:
    """The residual of x[lo:hi] about its least-squares line, fitted by numpy."""
    # t centred on the segment: the reference keeps its own digits far into a long series
    t = np.arange(lo, hi, dtype=float) - (lo + hi - 1) / 2.0
    line = np.polyval(np.polyfit(t, x[lo:hi], 1), t)
    return float(((x[lo:hi] - line) ** 2).sum())


def test_the_line_cost_is_the_residual_about_each_segments_least_squares_line():
    x = np.random.default_rng(4).normal(0.0, 1.0, 60).cumsum()
    cost = LineCost().fit(x.reshape(-1, 1))
    for lo, hi in ((0, 60), (5, 11), (17, 49)):
        assert math.isclose(cost.error(lo, hi), _residual_about_line(x, lo, hi), rel_tol=1e-6)


def test_the_line_cost_keeps_its_digits_on_a_short_segment_of_a_million_sample_series():
    # the running sums of t*x reach 1e12 there: plain float differences were off by 1e-4
    rng = np.random.default_rng(6)
    x = np.r_[rng.normal(3.0, 1.0, 500_000), rng.normal(-3.0, 1.0, 500_000)]
    x = (x - x.mean()) / x.std()
    cost = LineCost().fit(x.reshape(-1, 1))
    for lo, hi in ((999_990, 1_000_000), (499_990, 500_010), (10, 30)):
        assert math.isclose(cost.error(lo, hi), _residual_about_line(x, lo, hi), rel_tol=1e-8)


def test_a_trend_is_one_segment_for_the_line_cost_and_a_cut_for_the_level_cost():
    trend = np.arange(300.0) * 0.05 + np.random.default_rng(1).normal(0.0, 1.0, 300)
    assert DetectorConfig().offline_cost == "linear" and detect_changes(trend) == []
    assert detect_changes(trend, LEVEL) != []


def test_the_line_cost_finds_a_step_with_enough_samples_around_it():
    x = np.r_[np.full(50, 10.0), np.full(50, 12.0)] + np.random.default_rng(5).normal(0.0, 0.2, 100)
    assert [cp.index for cp in detect_changes(x)] == [50]
    # in forty samples a line through the step explains most of it: 3 ln 40 is not beaten
    assert detect_changes(np.array(STEP40)) == []


def test_the_line_cost_cuts_a_lone_spike_into_a_short_segment():
    # the price of fitting a line per segment: min_segment samples with a steep line absorb it
    x = np.random.default_rng(3).normal(50.0, 1.0, 200)
    x[100] = 80.0
    cuts = [cp.index for cp in detect_changes(x)]
    assert cuts and all(95 <= i <= 101 for i in cuts)


def test_an_unknown_offline_cost_is_refused():
    with pytest.raises(ValueError, match="offline_cost"):
        DetectorConfig(offline_cost="quadratic")
