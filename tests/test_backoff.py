"""Back-off after failures, a rejected key's schedule, and the header saying when the next try is."""

import time

import pytest

from drm_dashboard.backoff import Backoff
from drm_dashboard.collector import Collector
from drm_dashboard.errors import AuthRejected, SourceUnavailable
from drm_dashboard.models import SourceHealth
from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.status import health_badge
from drm_fakes import ScriptedSource

pytestmark = pytest.mark.timeout(30)
REJECTED = "the coordinator rejected the API key (HTTP 401)"


def test_rejected_key_schedule_is_5_10_20_40_then_a_minute_whatever_the_interval():
    for interval in (0.2, 1.0, 5.0):
        b = Backoff(interval)
        assert [b.delay(n, auth_failures=n) for n in range(1, 8)] == [5, 10, 20, 40, 60, 60, 60]
        assert b.delay(0) == interval  # healthy: the interval again at once


def test_other_failures_double_the_interval_and_the_cap_never_undercuts_the_interval():
    assert [Backoff(1.0).delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert Backoff(0.2, max_s=0.5).delay(3, auth_failures=3) == 0.5  # a test's short cap wins
    assert Backoff(120.0).delay(4, auth_failures=4) == 120.0  # an interval above the cap stays


def _run_on_fake_clock(clock, script, seconds, interval=0.2):
    """Drive the collector's own schedule on a fake clock: poll, then advance by next_delay()."""
    source = ScriptedSource(clock, script)
    col = Collector(source, LiveStore(retention_s=600, clock=clock), interval_s=interval, clock=clock)
    end, seen = clock.now + seconds, []
    while clock.now < end:
        col.poll_once()
        seen.append((clock.now, col.health))
        clock.advance(col.next_delay())
    return col, source, seen


def test_a_wrong_key_is_tried_six_times_in_two_minutes_and_the_health_says_when(clock):
    start = clock.now
    col, source, seen = _run_on_fake_clock(clock, [AuthRejected(REJECTED)] * 100, seconds=136)
    # tries at 0, 5, 15, 35, 75 and 135 s, not 680 times at the 0.2 s interval
    assert source.calls == 6
    assert [round(t - start) for t, _ in seen] == [0, 5, 15, 35, 75, 135]
    assert [round(h.next_try - t) for t, h in seen] == [5, 10, 20, 40, 60, 60]
    assert col.uptime.failed == 6 and col.uptime.ok == 0 and col.uptime.down_now.start == start
    # the header reads the collector's own health record
    next_try = time.strftime("%H:%M:%S", time.localtime(col.health.next_try))
    detail = health_badge(col.health, clock.now, 0.2).detail
    assert detail == f"{REJECTED}; next try at {next_try}; no data yet"


def test_a_401_blip_is_retried_after_5_s_and_the_interval_returns_at_once(clock):
    start = clock.now
    script = [None] * 5 + [AuthRejected(REJECTED)] * 2 + [None] * 100
    col, source, seen = _run_on_fake_clock(clock, script, seconds=20)
    times = [round(t - start, 1) for t, _ in seen]
    # five polls at 0.2 s, a 401 at 1.0 s, the next try 5 s later, another 10 s later, then live
    assert times[:8] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 6.0, 16.0]
    assert seen[7][1].state == "live" and seen[7][1].next_try is None
    assert col.next_delay() == 0.2 and times[8:10] == [16.2, 16.4]
    (outage,) = col.uptime.outages
    assert (round(outage.start - start, 1), round(outage.end - start, 1)) == (1.0, 16.0)


def test_a_refused_connection_then_a_401_starts_the_key_schedule_afresh(clock):
    _, _, seen = _run_on_fake_clock(clock, [SourceUnavailable("refused")] * 2 + [AuthRejected(REJECTED)],
                                    seconds=1.0, interval=0.2)
    assert [round(h.next_try - t, 1) for t, h in seen] == [0.2, 0.4, 5.0]


def test_header_names_the_next_try_while_backing_off():
    now = 1_700_000_000.0
    health = SourceHealth("error", reason=REJECTED, since=now, last_success=now - 30,
                          consecutive_failures=1, next_try=now + 5)
    detail = health_badge(health, now, 0.2).detail
    next_try = time.strftime("%H:%M:%S", time.localtime(now + 5))
    assert detail.startswith(f"{REJECTED}; next try at {next_try}; showing data up to ")
    assert "next try" not in health_badge(SourceHealth("live", last_success=now), now, 0.2).detail
