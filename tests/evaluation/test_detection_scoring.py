"""Benchmark scorers on small literal cases with hand-computed answers."""

import math

import numpy as np
import pytest

from drm_dashboard.evaluation.calibration import (
    brier,
    brier_constant,
    fit_weights,
    log_loss,
    log_loss_constant,
    precision_by_tercile,
)
from drm_dashboard.evaluation.scoring import (
    NAB_PROFILES,
    best_threshold,
    covering,
    f_measure,
    nab_file_score,
    nab_normalized,
    nab_rows,
    scaled_sigmoid,
    segment_bounds,
    sweep_scores,
    true_positives,
)

STANDARD = NAB_PROFILES["standard"]


def test_f1_counts_index_zero_and_averages_recall_over_annotators():
    # union {0, 10, 20}, predictions {0, 12}: P = 2/2; recall 2/2 and 1/2, mean 0.75
    f1 = f_measure({"1": [10], "2": [20]}, [12])
    assert math.isclose(f1, 2 * 1.0 * 0.75 / 1.75)


def test_f1_margin_is_inclusive_at_five():
    assert true_positives([10], [15]) == {10}
    assert true_positives([10], [16]) == set()


def test_f1_matches_one_to_one():
    assert len(true_positives([10, 12], [11])) == 1


def test_predicting_nothing_scores_the_zero_method():
    # TCPD's `zero`: only index 0, which every set contains
    assert f_measure({"1": [], "2": []}, []) == 1.0
    assert math.isclose(f_measure({"1": [50]}, []), 2 * 1.0 * 0.5 / 1.5)


def test_covering_of_two_partitions():
    # truth [0,5) [5,10), prediction [0,3) [3,10): (5 * 3/5 + 5 * 5/7) / 10
    assert math.isclose(covering({"1": [5]}, [3], 10), (3 + 25 / 7) / 10)
    assert covering({"1": [5], "2": [5]}, [5], 10) == 1.0
    assert segment_bounds([0, 4, 4, 12], 10) == [(0, 4), (4, 10)]


def test_scaled_sigmoid_edges():
    assert math.isclose(scaled_sigmoid(-1.0), 2 / (1 + math.exp(-5)) - 1)
    assert scaled_sigmoid(0.0) == 0.0
    assert scaled_sigmoid(3.0) == -1.0


@pytest.fixture
def layout():
    stamps = [f"t{i:03d}" for i in range(100)]  # probation: first 15 rows
    return nab_rows(stamps, [("t050", "t059")])


def test_nab_window_scored_by_the_sigmoid(layout):
    scores = np.zeros(100)
    scores[54] = 1.0  # 6 rows before the right edge of a 10-row window: position -0.6
    expected = (2 / (1 + math.exp(-3)) - 1) / (2 / (1 + math.exp(-5)) - 1)
    assert math.isclose(nab_file_score(layout, scores, 0.5, STANDARD), expected)
    scores[50] = 1.0  # the earliest detection, at the left edge, counts alone
    assert math.isclose(nab_file_score(layout, scores, 0.5, STANDARD), 1.0)


def test_nab_false_positives_and_probation(layout):
    scores = np.zeros(100)
    scores[5] = 1.0  # probationary: ignored
    scores[20] = 1.0  # before any window: -fpWeight
    scores[95] = 1.0  # (95 - 59) / 9 = 4 window widths past: -fpWeight
    assert math.isclose(nab_file_score(layout, scores, 0.5, STANDARD), -1.0 - 2 * 0.11)
    assert nab_normalized(-1.0, 1, STANDARD) == 0.0 and nab_normalized(1.0, 1, STANDARD) == 100.0


def test_sweep_agrees_with_scoring_each_threshold(layout):
    scores = np.round(np.random.default_rng(4).random(100) ** 6, 2)
    thresholds = np.unique(np.r_[scores, 1.1])[::-1]
    swept = sweep_scores(layout, scores, thresholds, STANDARD)
    direct = [nab_file_score(layout, scores, t, STANDARD) for t in thresholds]
    assert np.allclose(swept, direct)
    best = best_threshold([(layout, scores)], STANDARD)
    assert nab_file_score(layout, scores, best, STANDARD) == pytest.approx(max(direct))


def test_calibration_numbers():
    pairs = [(0.1, False), (0.2, False), (0.5, True), (0.6, False), (0.9, True), (0.95, True)]
    assert precision_by_tercile(pairs) == [0.0, 0.5, 1.0]
    assert brier_constant(pairs) == 0.25
    assert math.isclose(brier(pairs), np.mean([0.01, 0.04, 0.25, 0.36, 0.01, 0.0025]))
    nll = -np.mean(np.log([0.9, 0.8, 0.5, 0.4, 0.9, 0.95]))
    assert math.isclose(log_loss(pairs), nll)
    assert math.isclose(log_loss_constant(pairs), math.log(2))  # base rate one half: ln 2


def test_log_loss_of_a_confident_miss_is_large_but_finite():
    assert 13 < log_loss([(1.0, False)]) < 14  # ln(1e6), not inf
    assert log_loss_constant([(0.3, True), (0.8, True)]) < 1e-5  # all true: the constant is sure


def test_fitted_weights_with_no_signal_give_the_base_rate():
    # features carry nothing: the bias is the log-odds of the base rate, 3 of 4 -> ln 3
    weights = fit_weights([(0.0, 0.0, 0.0)] * 4, [True, True, True, False])
    assert math.isclose(weights[0], math.log(3), abs_tol=1e-3) and weights[1:] == (0.0, 0.0, 0.0)


def test_fitted_weights_follow_the_evidence():
    feats = [(-1.0, 0.0, 0.0), (-0.5, 0.0, 0.0), (0.5, 0.0, 0.0), (1.0, 0.0, 0.0)] * 5
    outcomes = [False, False, True, True] * 5
    weights = fit_weights(feats, outcomes)
    assert weights[1] > 1.0 and weights[2:] == (0.0, 0.0)


def test_a_feature_that_counts_against_the_outcome_is_held_at_zero_weight():
    # the second feature is higher on the false findings: unbounded, its weight would be negative
    feats = [(1.0, 2.0), (1.2, 2.5), (0.1, 0.0), (0.0, 0.2)]
    weights = fit_weights(feats, [False, False, True, True])
    assert weights[1] == 0.0 and weights[2] == 0.0
    weights = fit_weights([(0.0, 0.0), (0.2, 0.0), (1.0, 0.0), (1.3, 0.0)], [False, False, True, True])
    assert weights[1] > 0.5  # a feature for the outcome keeps its weight
