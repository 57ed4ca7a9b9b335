"""Scaling Decisions: worker count with events, thresholds from the decision or the policy, impact."""

import math

import numpy as np

from drm_dashboard.manager import ScalingPolicy
from drm_dashboard.ui.decisions import IMPACT_WINDOW_S, impact, impact_text, thresholds, trigger_text
from drm_dashboard.ui.figures.scaling import threshold_figure, timeline_figure
from drm_dashboard.ui.theme import THEMES
from ui_views import T0, decision, fill

DARK = THEMES["dark"]


def test_timeline_marks_each_event_on_the_worker_count():
    view = fill(40, 3, decisions={10: [decision(T0 + 50, "scale_up")],
                                  30: [decision(T0 + 150, "scale_down", seq=2)]})
    fig = timeline_figure(view, theme=DARK)
    markers = {t.name: t for t in fig.data if t.mode == "markers"}
    assert set(markers) == {"scale up", "scale down"}
    assert markers["scale up"].y[0] == 3 and fig.layout.uirevision == "scaling-timeline"


def test_thresholds_come_from_the_newest_decision_first(view):
    limits = thresholds(view, ScalingPolicy(scale_up_threshold=0.9, target=0.6))
    assert (limits.scale_up, limits.target, limits.scale_down) == (80.0, 70.0, 30.0)
    assert limits.source == "from the latest decision"


def test_thresholds_fall_back_to_the_configured_policy_then_to_none():
    quiet = fill(5, 2)
    limits = thresholds(quiet, ScalingPolicy(scale_up_threshold=0.9, target=0.6))
    assert limits.scale_up == 90.0 and limits.source == "as configured"
    assert thresholds(quiet, None) is None


def test_threshold_figure_draws_three_lines(view):
    fig = threshold_figure(view, limits=thresholds(view), theme=DARK)
    assert sorted(s.y0 for s in fig.layout.shapes) == [30.0, 70.0, 80.0]
    assert [t.name for t in fig.data][:2] == ["allocated (policy input)", "CPU used"]
    assert not threshold_figure(view, limits=None, theme=DARK).layout.shapes


def test_impact_compares_the_minutes_before_with_the_minutes_after():
    # allocation steps from 60% to 40% at the decision (tick 100 of 200, at 5 s)
    from dataclasses import replace
    view = fill(200, 2, shape=lambda i, s: replace(s, allocated=0.6 if i < 100 else 0.4),
                decisions={100: [decision(T0 + 100 * 5 - 0.5)]})
    found = impact(view, view.decisions[0])
    assert math.isclose(found.alloc_before, 60.0) and math.isclose(found.alloc_after, 40.0)
    assert found.complete and found.after_s == IMPACT_WINDOW_S
    assert impact_text(found)[0] == "allocation 60% → 40%"


def test_impact_says_when_the_minutes_after_are_not_over_yet():
    view = fill(20, 2, decisions={10: [decision(T0 + 50)]})
    found = impact(view, view.decisions[0])
    assert not found.complete and "(first 0.8 of 5 min)" in impact_text(found)[0]
    assert np.isfinite(found.wait_before)


def test_trigger_text_lists_the_values_judged_on(view):
    text = trigger_text(view.decisions[0])
    assert "window 85% over 120 s" in text and "pending 4" in text and "workers 3" in text
