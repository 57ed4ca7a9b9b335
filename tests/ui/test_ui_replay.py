"""The replay panel's numbers: the current policy replayed beside another, and what happened."""

import math

from drm_dashboard.ui.replay import assumed_words, compare, comparison_rows, policy_from, starting_values
from drm_dashboard.manager.scaling import ScalingPolicy
from drm_dashboard.sources.normalize import OriginalPolicy
from ui_views import fill

import pytest


def test_same_policy_changes_nothing_and_a_tighter_one_saves_worker_hours():
    view = fill(100, 3)  # 3 workers, 60 % allocated, nothing pending, 5 s apart
    current = ScalingPolicy()
    same = dict((r[0], r) for r in comparison_rows(compare(view, current, current)))
    assert same["worker-hours"][1] == same["worker-hours"][2] == f"{3 * 99 * 5 / 3600:,.2f}"
    assert all(row[4] in ("same", "") for row in same.values())
    tight = ScalingPolicy(scale_up_threshold=0.95, target=0.9, scale_down_threshold=0.65)
    rows = dict((r[0], r) for r in comparison_rows(compare(view, tight, current)))
    # 3 -> ceil(3 * 0.6 / 0.9) = 2 workers once the 120 s window is half full (t = 60 s)
    assert rows["worker-hours"][3] == f"{(13 * 3 * 5 + 86 * 2 * 5) / 3600:,.2f}"
    assert rows["worker-hours"][4].startswith("-") and rows["scale events"][4] == "+1"


def test_fields_start_from_the_running_policy_and_bad_ones_are_named():
    values = starting_values(ScalingPolicy(scale_up_threshold=0.9, cooldown_up_s=60))
    assert values["replay-scale-up"] == 90.0 and values["replay-cooldown-up"] == 60.0
    with pytest.raises(ValueError, match="target"):
        policy_from({**values, "replay-target": None})
    with pytest.raises(ValueError, match="scale down at < target < scale up at"):
        policy_from({**values, "replay-target": 95.0})


def test_too_little_history_is_said_not_guessed():
    assert compare(fill(2, 3), ScalingPolicy(), ScalingPolicy()) is None


def test_a_policy_whose_window_is_not_reported_replays_on_the_default_window():
    base = OriginalPolicy(0.7, 0.8, 0.3, math.nan)  # the original's mock manager has no window
    policy = policy_from(starting_values(base), base)
    assert policy.window_s == ScalingPolicy.__dataclass_fields__["window_s"].default
    # the panel says which numbers the manager did not state and what the replay used instead
    words = assumed_words(base)
    assert "window (default 120 s)" in words and "scale-up cooldown (default 300 s)" in words
    assert "target" not in words and assumed_words(ScalingPolicy()) == ""
    with pytest.raises(ValueError, match="finite"):
        ScalingPolicy(scale_up_threshold=0.8, scale_down_threshold=0.3, target=0.7, window_s=math.nan)
