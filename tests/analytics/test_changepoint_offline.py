"""Offline detection on literal series with known answers (as otava tests hunter)."""

import math

import numpy as np

from drm_dashboard.analytics.changepoint import ChangePoint, DetectorConfig, detect_changes
from drm_dashboard.analytics.cp_stats import best_split, gls_step_scores
from drm_dashboard.analytics.cp_types import change_pct, direction

STEP = [10.1, 9.9, 10.0, 10.2, 9.8, 10.0, 10.1, 9.9, 10.0, 10.0,
        12.0, 12.1, 11.9, 12.0, 12.2, 11.8, 12.0, 12.1, 11.9, 12.0]


def test_step_at_index_10_is_found_at_10():
    cps = detect_changes(np.array(STEP), metric="task_throughput", higher_is_better=True)
    assert [cp.index for cp in cps] == [10]
    cp = cps[0]
    assert math.isclose(cp.before, 10.0, abs_tol=1e-9)
    assert math.isclose(cp.after, 12.0, abs_tol=1e-9)
    assert math.isclose(cp.change_pct, 20.0, abs_tol=1e-6)
    assert cp.direction == "improvement"
    assert 0.0 < cp.confidence < 1.0 and cp.p_value < 1e-3 and cp.persistence == 10


def test_lower_is_better_metric_calls_a_rise_a_regression():
    cps = detect_changes(np.array(STEP), metric="queue_wait_ms", higher_is_better=False)
    assert [cp.direction for cp in cps] == ["regression"]


def test_white_noise_raises_nothing():
    noise = np.random.default_rng(7).normal(50.0, 2.0, 500)
    assert detect_changes(noise) == []


def test_slow_sine_raises_nothing():
    t = np.arange(400)
    sine = 50.0 + 5.0 * np.sin(2 * np.pi * t / 200) + np.random.default_rng(3).normal(0, 0.2, 400)
    assert detect_changes(sine) == []


def test_a_staircase_gives_both_steps():
    x = np.r_[np.zeros(30), np.full(30, 5.0), np.full(30, 10.0)]
    x = x + np.random.default_rng(1).normal(0, 0.3, 90)
    assert [cp.index for cp in detect_changes(x)] == [30, 60]


def test_missing_samples_keep_their_index():
    x = np.array(STEP)
    x[3] = np.nan
    assert [cp.index for cp in detect_changes(x)] == [10]


def test_gls_without_autocorrelation_is_the_two_sample_z():
    y = np.array([0.0, 1.0, 0.0, 1.0, 5.0, 6.0, 5.0, 6.0])
    ks, scores = gls_step_scores(y, 0.0, 4, 4)
    # phi = 0: sum(u - u_bar) * (w - w_bar) / sqrt(sum (u - u_bar)^2) over w = y[1:]
    u = (np.arange(1, 8) >= 4).astype(float)
    w = y[1:]
    expected = np.dot(u - u.mean(), w - w.mean()) / np.sqrt(np.dot(u - u.mean(), u - u.mean()))
    assert list(ks) == [4] and math.isclose(scores[0], expected)


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
