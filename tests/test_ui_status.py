"""The header's wording of source health: live, stale since HH:MM:SS, error with its reason."""

from drm_dashboard.models import SourceHealth
from drm_dashboard.ui.status import clock_time, health_badge

NOW = 1_700_000_000.0


def test_live_when_recent():
    badge = health_badge(SourceHealth("live", last_success=NOW - 4), NOW, 5)
    assert (badge.label, badge.color) == ("live", "success")


def test_live_but_silent_for_three_intervals_is_stale_since_last_success():
    badge = health_badge(SourceHealth("live", last_success=NOW - 16), NOW, 5)
    assert badge.label == f"stale since {clock_time(NOW - 16)}" and badge.color == "warning"


def test_error_names_reason_and_what_is_still_shown():
    badge = health_badge(SourceHealth("error", reason="HTTP 500", last_success=NOW - 60), NOW, 5)
    assert badge.color == "danger"
    assert badge.detail == f"HTTP 500; showing data up to {clock_time(NOW - 60)}"


def test_error_before_any_data_says_so():
    assert health_badge(SourceHealth("error", reason="refused"), NOW, 5).detail == "refused; no data yet"


def test_stale_source_clock():
    badge = health_badge(SourceHealth("stale", reason="timestamp frozen", since=NOW - 30), NOW, 5)
    assert badge.label == f"stale since {clock_time(NOW - 30)}"
