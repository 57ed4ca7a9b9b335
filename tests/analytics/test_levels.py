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


def test_a_minute_with_one_event_has_no_level():
    values = np.full(len(STAMPS), 2.0)
    values[12:24] = np.nan  # a quiet minute: no allocation ...
    values[18] = 900.0  # ... but one, and a slow one
    assert worst_held(STAMPS, values, higher_is_better=False) == 2.0


def test_the_worst_side_follows_the_direction_and_silent_minutes_are_skipped():
    values = np.linspace(1.0, 3.0, len(STAMPS))
    values[:24] = np.nan  # two minutes with no event
    assert worst_held(STAMPS, values, higher_is_better=True) < worst_held(STAMPS, values, False)
    assert math.isnan(worst_held(STAMPS, np.full(len(STAMPS), np.nan), higher_is_better=False))
    assert math.isnan(worst_held(STAMPS[:5], np.ones(5), higher_is_better=False))  # under a minute


def test_only_the_lookback_before_the_step_counts():
    levels = SustainedLevels(lookback_s=300.0, reach=300)
    values = np.where(STAMPS < 150.0, 8.0, 3.0)  # a slow spell early, then steady
    levels.add("allocation_time_ms", STAMPS.tolist(), values.tolist())
    assert levels.worst_before("allocation_time_ms", 500.0, higher_is_better=False) == 3.0
    assert levels.worst_before("allocation_time_ms", 300.0, higher_is_better=False) == 8.0
    assert math.isnan(levels.worst_before("queue_wait_ms", 500.0, higher_is_better=False))
    off = SustainedLevels(lookback_s=0.0, reach=300)
    off.add("allocation_time_ms", STAMPS.tolist(), values.tolist())
    assert math.isnan(off.worst_before("allocation_time_ms", 500.0, higher_is_better=False))


def test_samples_are_kept_for_the_lookback_before_the_oldest_step_still_ahead():
    levels = SustainedLevels(lookback_s=60.0, reach=24)  # a step may be dated 24 samples back
    values = np.where(STAMPS < 60.0, 8.0, 3.0)
    levels.add("allocation_time_ms", STAMPS[:200 // 5].tolist(), values[:40].tolist())
    # a step 24 samples before the newest (t=80) still sees the slow minute before it
    assert levels.worst_before("allocation_time_ms", 80.0, higher_is_better=False) == 8.0
    levels.add("allocation_time_ms", STAMPS[40:].tolist(), values[40:].tolist())
    kept_from = levels._samples["allocation_time_ms"][0][0]
    assert kept_from == STAMPS[-24] - 60.0  # what a step that old would need, no more
