"""Overview cards: the numbers now, their trend against a few minutes ago, alerts or All clear."""

from dataclasses import replace

from drm_dashboard.models import Alert
from drm_dashboard.ui.cards import alerts_kpi, overview_kpis, trend
from ui_views import T0, fill


def test_four_cards_in_order(view):
    titles = [k.title for k in overview_kpis(view, "since 12:00:00")]
    assert titles == ["Workers", "Active tasks", "Average utilization", "Alerts"]


def test_trend_compares_with_five_minutes_ago():
    view = fill(100, 1, shape=lambda i, s: replace(s, total_workers=4 if i < 80 else 7))
    text, color = trend(view, "total_workers")
    assert text == "▲ 3 vs 5 min ago" and color == "info"


def test_trend_waits_for_a_minute_of_history():
    assert trend(fill(5, 1), "active_tasks") == ("trend after the first minute", "muted")


def test_alerts_card_counts_by_severity_worst_first():
    alerts = [Alert(str(i), T0, level, "system", "m") for i, level in
              enumerate(["info", "critical", "warning", "warning"])]
    kpi = alerts_kpi(alerts, "in the last 60 minutes")
    assert (kpi.value, kpi.note, kpi.color) == ("4 open", "1 critical · 2 warning · 1 info", "danger")


def test_resolved_alerts_do_not_count():
    from drm_dashboard.ui.alertlist import human_names
    alerts = [Alert("a", T0, "warning", "threshold", "m", {"state": "resolved"}),
              Alert("b", T0, "warning", "threshold", "m"), Alert("c", T0, "info", "system", "m")]
    kpi = alerts_kpi(alerts, "in the last 60 minutes")
    assert (kpi.value, kpi.note) == ("2 open", "1 warning · 1 info · 1 resolved")
    done = alerts_kpi(alerts[:1], "in the last 60 minutes")
    assert done.value == "All clear" and done.note == "1 resolved in the last 60 minutes"
    assert human_names("allocation_time_ms regressed; cpu_utilization 91") == \
        "allocation time regressed; CPU used 91"


def test_no_alerts_is_all_clear():
    kpi = alerts_kpi([], "in the last 60 minutes")
    assert (kpi.value, kpi.note, kpi.color) == ("All clear", "no alerts in the last 60 minutes", "success")


def test_the_window_is_named_by_what_it_really_covers():
    from drm_dashboard.ui.status import clock_time, window_words
    assert window_words(None, 0, 60) == "yet"
    assert window_words(T0, 3590, 60) == "in the last 60 minutes"
    assert window_words(T0, 300, 60) == f"since {clock_time(T0)}"
