"""The run's verdict on a fake clock: coverage, health at the end, and the firing alert it names."""

import time

import pytest

from drm_dashboard.analytics.alert_config import default_alert_config
from drm_dashboard.analytics.alerts import AlertEngine
from drm_dashboard.collector import Collector
from drm_dashboard.errors import AuthRejected, SourceUnavailable
from drm_dashboard.report.summary import RunFacts, run_summary
from drm_dashboard.report.verdict import EXIT_ALERTS, EXIT_NOT_MONITORED, EXIT_PASSED
from drm_dashboard.store.live import LiveStore
from drm_dashboard.uptime import Uptime
from drm_fakes import ScriptedSource, make_snapshot

pytestmark = pytest.mark.timeout(30)
REJECTED = "the coordinator rejected the API key (HTTP 401)"


class Windowed(ScriptedSource):
    """A source that fails with `error` while the clock is inside one of `windows` (run seconds)."""

    def __init__(self, clock, windows, error):
        super().__init__(clock)
        self.start, self.windows, self.error = clock.now, windows, error

    def snapshot(self):
        t = self.clock.now - self.start
        if any(a <= t < b for a, b in self.windows):
            self.calls += 1
            raise self.error
        return super().snapshot()


class FrozenFrom(ScriptedSource):
    """A source whose clock stops at `at` run seconds: it answers, with the same snapshot."""

    def __init__(self, clock, at):
        super().__init__(clock)
        self.frozen = make_snapshot(clock.now + at)
        self.at = clock.now + at

    def snapshot(self):
        self.calls += 1
        return self.frozen if self.clock.now >= self.at else make_snapshot(self.clock.now)


def run(clock, windows=(), error=SourceUnavailable("refused"), seconds=60.0, interval=1.0,
        min_coverage=0.9, fail_on="error", ledger=True, source=None):
    """A whole run on the collector's own schedule, health judged at the end, then summarized."""
    started = clock.now
    engine = AlertEngine(default_alert_config(), interval_s=interval, clock=clock)
    col = Collector(source or Windowed(clock, windows, error), LiveStore(retention_s=3600, clock=clock),
                    interval_s=interval, clock=clock, processors=[engine])
    while True:
        col.poll_once()
        if clock.now + col.next_delay() >= started + seconds:
            break
        clock.advance(col.next_delay())
    clock.now = started + seconds
    col.judge_health()
    facts = RunFacts(source="coordinator http://127.0.0.1:9", simulated=False, started=started,
                     ended=clock.now, health=col.health, uptime=col.uptime, interval_s=interval,
                     min_coverage=min_coverage, fail_on=fail_on,
                     fired_alerts=col.fired_alerts if ledger else None)
    return run_summary(col.live.view(), facts), col


def hhmmss(epoch):
    return time.strftime("%H:%M:%S", time.localtime(epoch))


def test_clean_run_passes_with_full_coverage(clock):
    summary, _ = run(clock)
    assert summary["exit"]["status"] == EXIT_PASSED and summary["exit"]["monitored"] is True
    assert summary["exit"]["because"] == "no alert at error or above"
    m = summary["monitoring"]
    assert (m["ticks_ok"], m["expected_ticks"], m["coverage"], m["outages"]) == (60, 60, 1.0, [])


def test_every_tick_on_time_meets_a_min_coverage_of_1(clock):
    # 60.5 s holds 60 whole intervals and ticks at 0, 1, ..., 60 s
    summary, _ = run(clock, seconds=60.5, min_coverage=1.0)
    assert summary["exit"]["status"] == EXIT_PASSED
    assert (summary["monitoring"]["ticks_ok"], summary["monitoring"]["expected_ticks"]) == (61, 60)
    # failures at 30 and 31 s, the next try at 33 s: three ticks fewer is not monitored at 1.0
    summary, _ = run(clock, windows=[(30, 31.5)], seconds=60.5, min_coverage=1.0)
    assert summary["exit"]["status"] == EXIT_NOT_MONITORED
    assert summary["exit"]["because"].startswith("not monitored: 58 of 60 expected polls succeeded (97%")


def test_an_outage_names_the_firing_alert_with_its_real_length_never_the_resolution(clock):
    start = clock.now
    # down from 10 s to 40 s: polls back off to 10, 11, 13, 17, 25 and 41 s, where it is live again
    summary, col = run(clock, windows=[(10, 40)], min_coverage=0.4)
    # the store keeps the latest record of the alert (its resolution); the collector's ledger both
    assert [a["message"] for a in summary["alerts"]["items"]] == ["Resolved: metrics source is live again"]
    assert [a.message for a in col.fired_alerts] == ["Metrics source down for 3 s: refused",
                                                     "Resolved: metrics source is live again"]
    assert summary["exit"]["status"] == EXIT_ALERTS
    assert summary["exit"]["because"] == (
        f"1 alert(s) at error or above fired, e.g. [error] metrics source down for 31 s "
        f"(from {hhmmss(start + 10)} to {hhmmss(start + 41)}): refused")
    assert summary["monitoring"]["outages"] == [
        {"start": start + 10, "end": start + 41, "duration_s": 31.0, "reason": "refused"}]
    assert summary["monitoring"]["ticks_ok"] == 29 and summary["monitoring"]["ticks_failed"] == 5


def test_without_the_ledger_the_verdict_still_names_what_fired_not_its_resolution(clock):
    start = clock.now
    summary, _ = run(clock, windows=[(10, 40)], min_coverage=0.4, ledger=False)
    assert summary["exit"]["because"] == (
        f"1 alert(s) at error or above fired, e.g. [error] metrics source down for 31 s "
        f"(from {hhmmss(start + 10)} to {hhmmss(start + 41)}): refused")


def test_the_same_outage_at_the_default_coverage_is_not_monitored_with_its_figures(clock):
    start = clock.now
    summary, _ = run(clock, windows=[(10, 40)])
    assert summary["exit"]["status"] == EXIT_NOT_MONITORED and summary["exit"]["monitored"] is False
    assert summary["exit"]["because"] == (
        "not monitored: 29 of 60 expected polls succeeded (48%, below --min-coverage 0.9); the source "
        f"was down 31 s in 1 outage(s), the longest 31 s from {hhmmss(start + 10)}: refused")
    # what the alerts alone would have said is kept beside it
    assert summary["exit"]["alerts"]["status"] == EXIT_ALERTS


def test_down_at_the_end_is_not_monitored_and_the_outage_lasts_to_the_end(clock):
    start = clock.now
    summary, _ = run(clock, windows=[(55, 1e9)], min_coverage=0.5)
    assert summary["exit"]["because"] == (
        f"not monitored: coordinator http://127.0.0.1:9 was failing at the end of the run, for its last "
        f"5 s (from {hhmmss(start + 55)}): refused")
    assert summary["exit"]["alerts"]["because"].endswith(
        f"[error] metrics source down for 5 s (from {hhmmss(start + 55)} to the end of the run): refused")


def test_a_source_stale_at_the_end_is_not_monitored(clock):
    start = clock.now
    summary, _ = run(clock, source=FrozenFrom(clock, 57), min_coverage=0.5)
    assert summary["monitoring"]["ticks_stale"] == 2 and summary["source_health"]["state"] == "stale"
    assert summary["exit"]["because"] == (
        "not monitored: coordinator http://127.0.0.1:9 sent no new data at the end of the run: "
        f"source timestamp has not advanced since {hhmmss(start + 57)}")


def test_a_wrong_key_from_the_start_fires_its_alert_at_the_end_even_without_another_poll(clock):
    # one poll at 0 s, the next not due until 5 s: only the end-of-run judgement sees 4 s of outage
    summary, col = run(clock, windows=[(0, 1e9)], error=AuthRejected(REJECTED), seconds=4.0)
    assert col.uptime.attempts == 1
    assert [a["message"] for a in summary["alerts"]["items"]] == [f"Metrics source down for 4 s: {REJECTED}"]
    assert summary["exit"]["status"] == EXIT_NOT_MONITORED
    assert summary["exit"]["because"] == (
        f"not monitored: none of 1 poll(s) of coordinator http://127.0.0.1:9 succeeded in 4 s: {REJECTED}")
    assert summary["source_health"]["next_try"] == pytest.approx(col.health.since + 5.0)


def test_uptime_keeps_one_outage_per_run_of_failures(clock):
    up = Uptime()
    up.failed(1.0, "a")
    up.failed(2.0, "b")
    up.succeeded(3.0)
    up.stale()
    up.failed(4.0, "c")
    rec = up.record()
    assert [(o.start, o.end, o.reason) for o in rec.outages] == [(1.0, 3.0, "a"), (4.0, None, "c")]
    assert (rec.ok, rec.failed, rec.stale, rec.attempts, rec.down_now.start) == (1, 3, 1, 5, 4.0)
