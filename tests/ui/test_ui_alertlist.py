"""The Alerts tab's list: filters by severity and source, newest first, honest when empty."""

from drm_dashboard.models import Alert
from drm_dashboard.ui.alertlist import details_text, list_alerts
from ui_views import T0

WINDOW = "in the last 60 minutes"

ALERTS = [Alert("a", T0 + 1, "warning", "threshold", "cpu high", {"value": 91.23456}),
          Alert("b", T0 + 3, "critical", "system", "source down"),
          Alert("c", T0 + 2, "info", "scaling_decision", "scaled up", {"workers": ["w1", "w2"]})]


def test_everything_newest_first_by_default():
    assert [a.id for a in list_alerts(ALERTS, None, None, WINDOW).alerts] == ["b", "c", "a"]


def test_filters_by_severity_and_by_source():
    assert [a.id for a in list_alerts(ALERTS, ["warning", "critical"], None, WINDOW).alerts] == ["b", "a"]
    assert [a.id for a in list_alerts(ALERTS, None, ["system"], WINDOW).alerts] == ["b"]


def test_empty_lists_say_why():
    assert list_alerts([], None, None, WINDOW).empty_reason == f"No alerts {WINDOW}."
    hidden = list_alerts(ALERTS, ["error"], None, WINDOW)
    assert hidden.empty_reason == "No alert matches these filters; 3 alerts are hidden by them."


def test_details_in_words():
    assert details_text({"value": 91.23456, "worker_ids": ["w1", "w2"], "empty": []}) == [
        "value: 91.23", "worker ids: w1, w2"]


def test_details_show_clock_times_and_skip_what_the_message_says():
    from drm_dashboard.ui.status import clock_time
    details = {"since": T0, "flip_times": [T0, T0 + 60], "reason": "pool too small",
               "trigger": {"window_utilization": 0.8512, "pending_tasks": 3}}
    assert details_text(details, "Scale up: pool too small") == [
        f"since: {clock_time(T0)}", f"flip times: {clock_time(T0)}, {clock_time(T0 + 60)}",
        "trigger: window utilization 0.8512, pending tasks 3"]
