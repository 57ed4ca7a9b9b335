"""The regression panel never says "no regressions" unless a detector judged enough points."""

from dataclasses import replace

from drm_dashboard.models import Alert
from drm_dashboard.ui.regressions import (MIN_POINTS, RegressionFinding, RegressionReport,
                                          finding_text, panel_for, performance_points)
from ui_views import T0, fill


def test_too_few_points_says_how_many_are_needed():
    view = fill(12, 1)
    panel = panel_for(view, None, interval_s=5)
    assert panel.headline == f"Not judged yet: 12 of {MIN_POINTS} points needed"
    assert "about 90 s more" in panel.lines[0]


def test_ticks_without_kpis_do_not_count():
    view = fill(40, 1, shape=lambda i, s: replace(s, performance=None) if i < 20 else s)
    assert performance_points(view) == 20
    assert "20 of 30" in panel_for(view, None, interval_s=5).headline


def test_enough_points_but_no_detector_says_nothing_is_tested():
    panel = panel_for(fill(40, 1), None, interval_s=5)
    assert panel.headline == "Not judged: 40 points collected, no regression detector connected"
    assert "no regression" not in panel.headline.lower().replace("no regression detector", "")


def test_regression_alerts_in_the_store_are_findings_too():
    alert = Alert("r1", T0 + 10, "warning", "regression_detection", "allocation time doubled")
    panel = panel_for(fill(40, 1, alerts=[alert]), None, interval_s=5)
    assert panel.color == "danger" and "allocation time doubled" in panel.lines[0]


def test_a_detector_report_with_findings_is_shown():
    finding = RegressionFinding("allocation_time_ms", T0 + 100, 2.0, 4.0, p_value=0.001)
    report = RegressionReport((finding,), points=40, method="E-divisive means")
    panel = panel_for(fill(40, 1), lambda view: report, interval_s=5)
    assert panel.headline == "1 regression found in 40 points" and panel.findings == (finding,)
    assert finding_text(finding) == "allocation time: 2 -> 4 (+100%), p = 0.001"


def test_a_detector_that_judged_and_found_nothing_says_so_with_its_method():
    report = RegressionReport((), points=40, method="E-divisive means")
    panel = panel_for(fill(40, 1), lambda view: report, interval_s=5)
    assert panel.headline == "No regression found in 40 points" and "E-divisive" in panel.lines[0]


def test_a_connected_detector_short_of_points_uses_its_own_minimum():
    report = RegressionReport((), points=12, min_points=50)
    assert panel_for(fill(40, 1), lambda v: report, interval_s=5).headline == \
        "Not judged yet: 12 of 50 points needed"


def test_a_detector_that_has_not_run_or_failed_is_said_plainly():
    assert "has not reported" in panel_for(fill(40, 1), lambda v: None, interval_s=5).headline

    def broken(view):
        raise RuntimeError("boom")
    panel = panel_for(fill(40, 1), broken, interval_s=5)
    assert panel.color == "warning" and panel.lines == ("RuntimeError: boom",)
