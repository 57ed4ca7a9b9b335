"""The regression panel shows the detector's real findings, or says truthfully why there are none."""

from dataclasses import replace

from drm_dashboard.analytics.changepoint_records import ChangePoint, DetectorStatus
from drm_dashboard.analytics.pipeline import AnalyticsReport
from drm_dashboard.models import Alert
from drm_dashboard.ui.regressions import (MIN_POINTS, WATCHED, finding_text, panel_for,
                                          performance_points, statistic_text)
from ui_views import T0, fill


def status(points, needed=26):
    return {m: DetectorStatus(m, points >= needed, points, needed, 0, "") for m in WATCHED}


def change(metric="allocation_time_ms", at=T0 + 100, before=2.0, after=4.0, direction="regression",
           confidence=0.9):
    return ChangePoint(metric, 20, at, before, after, 100 * (after - before) / before, direction,
                       confidence, 6.0, 0.001, 3.0, 10, 0.1)


def test_no_detector_and_too_few_points_says_how_many_are_needed():
    panel = panel_for(fill(12, 1), None, interval_s=5)
    assert panel.headline == f"Not judged yet: 12 of {MIN_POINTS} points needed"
    assert "about 90 s more" in panel.lines[0]


def test_ticks_without_kpis_do_not_count():
    view = fill(40, 1, shape=lambda i, s: replace(s, performance=None) if i < 20 else s)
    assert performance_points(view) == 20
    assert "20 of 30" in panel_for(view, None, interval_s=5).headline


def test_enough_points_but_no_detector_says_nothing_is_tested():
    panel = panel_for(fill(40, 1), None, interval_s=5)
    assert panel.headline == "Not judged: 40 points collected, no regression detector connected"


def test_without_a_report_alerts_from_regression_detection_are_listed():
    alert = Alert("r1", T0 + 10, "warning", "regression_detection", "allocation time doubled")
    panel = panel_for(fill(40, 1, alerts=[alert]), None, interval_s=5)
    assert panel.color == "warning" and "allocation time doubled" in panel.lines[0]


def test_the_detectors_own_count_while_they_warm_up():
    report = AnalyticsReport(seq=12, statuses=status(12))
    panel = panel_for(fill(12, 1), lambda view: report, interval_s=5)
    assert panel.headline == "Not judged yet: 12 of 26 points needed"


def test_a_regression_in_the_window_is_shown_with_its_numbers():
    found = change()
    report = AnalyticsReport(seq=40, findings=(found,), statuses=status(40))
    panel = panel_for(fill(40, 1), lambda view: report, interval_s=5)
    assert panel.headline == "1 regression in the live window" and panel.color == "danger"
    assert panel.findings == (found,) and "judging over 40 points" in panel.lines[0]
    assert finding_text(found) == ("allocation time regression: 2.00 ms → 4.00 ms (+100%), "
                                   "almost certainly real (confidence 90%)")
    # the raw statistic is kept for the tooltip, with what confidence means
    assert "p = 0.001" in statistic_text(found) and statistic_text(found).startswith("Confidence is")


def test_improvements_are_changes_not_regressions_and_old_findings_have_left_the_window():
    old = change(at=T0 - 3600)
    better = change("task_throughput", before=1.0, after=1.5, direction="improvement")
    report = AnalyticsReport(seq=40, findings=(old, better), statuses=status(40))
    panel = panel_for(fill(40, 1), lambda view: report, interval_s=5)
    assert panel.headline == "No regression found in the live window; 1 other change"
    assert panel.findings == (better,)


def test_a_regression_the_alert_rule_leaves_alone_is_listed_but_not_counted_as_one():
    wave = change("queue_wait_ms", before=10.0, after=30.0)  # follows the workload
    seen = change(before=2.0, after=4.0, at=T0 + 110)
    seen = replace(seen, worst_before=3.9)  # the hour before held 3.9 ms: 4.0 is no news
    report = AnalyticsReport(seq=40, findings=(wave, seen), statuses=status(40))
    panel = panel_for(fill(40, 1), lambda view: report, interval_s=5)
    assert (panel.headline, panel.color) == ("No new regression in the live window; 2 other changes", "info")
    assert panel.findings == (wave, seen) and panel.lines[1].startswith("2 regressions not alerted")
    # a rule that alerts on the workload's metrics counts the wave
    loud = replace(report, rule=replace(report.rule, load_metrics=True))
    assert panel_for(fill(40, 1), lambda view: loud, interval_s=5).headline == "1 regression in the live window"


def test_unsure_changes_and_other_series_are_counted_not_listed():
    unsure = change(confidence=0.2)
    cpu = change("cpu_utilization", direction="neutral")
    report = AnalyticsReport(seq=40, findings=(unsure, cpu), statuses=status(40))
    panel = panel_for(fill(40, 1), lambda view: report, interval_s=5)
    assert panel.headline == "No regression found in the live window" and panel.findings == ()
    assert panel.lines[1] == "1 change below 30% confidence not listed."  # the alert rule's bar


def test_judged_and_nothing_found_is_the_detectors_verdict():
    report = AnalyticsReport(seq=40, statuses=status(40))
    panel = panel_for(fill(40, 1), lambda view: report, interval_s=5)
    assert (panel.headline, panel.color) == ("No regression found in the live window", "success")


def test_a_detector_that_has_not_run_or_failed_is_said_plainly():
    assert "has not reported" in panel_for(fill(40, 1), lambda v: None, interval_s=5).headline

    def broken(view):
        raise RuntimeError("boom")
    panel = panel_for(fill(40, 1), broken, interval_s=5)
    assert panel.color == "warning" and panel.lines == ("RuntimeError: boom",)
