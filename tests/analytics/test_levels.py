"""The worst level a metric held for a minute before a step: literal series, hand-computed answers."""

import math

import numpy as np

from drm_dashboard.analytics.levels import SustainedLevels, worst_held

STAMPS = np.arange(0.0, 600.0, 5.0)  # ten minutes at a 5 s poll: a minute is 12 samples


def test_one_slow_sample_is_not_a_level_but_a_slow_half_minute_is():
    values = np.full(len(STAMPS), 2.0)
    values[30] = 50.0
    assert worst_held(STAMPS, values, higher_is_better=False) == 2.0
    values[60:67] = 9.0  # seven of a minute's twelve samples
    assert worst_held(STAMPS, values, higher_is_better=False) == 9.0


def test_the_worst_side_follows_the_direction_and_silent_minutes_are_skipped():
    values = np.linspace(1.0, 3.0, len(STAMPS))
    values[:24] = np.nan  # two minutes with no event
    assert worst_held(STAMPS, values, higher_is_better=True) < worst_held(STAMPS, values, False)
    assert math.isnan(worst_held(STAMPS, np.full(len(STAMPS), np.nan), higher_is_better=False))
    assert math.isnan(worst_held(STAMPS[:5], np.ones(5), higher_is_better=False))  # under a minute


def test_only_the_lookback_before_the_step_counts():
    levels = SustainedLevels(lookback_s=300.0)
    values = np.where(STAMPS < 150.0, 8.0, 3.0)  # a slow spell early, then steady
    levels.add("allocation_time_ms", STAMPS.tolist(), values.tolist())
    assert levels.worst_before("allocation_time_ms", 500.0, higher_is_better=False) == 3.0
    assert levels.worst_before("allocation_time_ms", 300.0, higher_is_better=False) == 8.0
    assert math.isnan(levels.worst_before("queue_wait_ms", 500.0, higher_is_better=False))
    off = SustainedLevels(lookback_s=0.0)
    off.add("allocation_time_ms", STAMPS.tolist(), values.tolist())
    assert math.isnan(off.worst_before("allocation_time_ms", 500.0, higher_is_better=False))
