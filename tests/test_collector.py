"""The collector: one tick's work, health on failure, back-off, and a thread that survives."""

import threading

import pytest

from drm_dashboard.collector import Collector
from drm_dashboard.errors import AuthRejected, PayloadError, SourceUnavailable
from drm_dashboard.models import Alert
from drm_dashboard.store.history import HistoryStore
from drm_dashboard.store.live import LiveStore
from drm_fakes import ScriptedSource, make_snapshot

pytestmark = pytest.mark.timeout(30)


def _collector(clock, script=(), history=None, processors=(), interval=5.0):
    live = LiveStore(retention_s=600, clock=clock)
    return Collector(ScriptedSource(clock, script), live, history, interval_s=interval, clock=clock,
                     processors=processors, max_backoff_s=60)


def test_tick_ingests_and_reports_live(clock):
    col = _collector(clock)
    result = col.poll_once()
    assert result.ok and result.seq == 1
    assert col.live.view().seq == 1 and col.health.state == "live"
    assert col.health.last_success == clock.now


def test_failure_is_health_with_reason_then_recovers(clock):
    col = _collector(clock, [SourceUnavailable("cannot connect to x"), PayloadError("stats.cpu: bad")])
    assert not col.poll_once().ok
    assert (col.health.state, col.health.reason) == ("error", "cannot connect to x")
    clock.advance(5)
    col.poll_once()
    assert col.health.reason == "stats.cpu: bad" and col.health.consecutive_failures == 2
    clock.advance(5)
    assert col.poll_once().ok and col.health.state == "live" and col.health.consecutive_failures == 0
    assert [e.state for e in col.health_events] == ["error", "error", "live"]


def test_backoff_doubles_and_caps_and_a_rejected_key_starts_at_five_seconds(clock):
    col = _collector(clock, [SourceUnavailable("down")] * 6)
    delays = []
    for _ in range(6):
        col.poll_once()
        delays.append(col.next_delay())
    assert delays == [5, 10, 20, 40, 60, 60]
    rejected = _collector(clock, [AuthRejected("key rejected")], interval=0.2)
    rejected.poll_once()
    # not the 0.2 s interval: a wrong key is not hammered, but a fixed one is seen within seconds
    assert rejected.next_delay() == 5


def test_frozen_source_clock_is_stale_not_new_data(clock):
    snap = make_snapshot(clock.now)
    col = _collector(clock, [snap, snap])
    col.poll_once()
    clock.advance(5)
    col.poll_once()
    assert col.health.state == "stale" and col.live.view().seq == 1


def test_history_gets_every_tick(clock, tmp_path):
    history = HistoryStore(tmp_path / "h.duckdb")
    col = _collector(clock, history=history)
    for _ in range(3):
        col.poll_once()
        clock.advance(5)
    history.flush()
    assert history.counts()["system_metrics"] == 3
    assert history.counts()["worker_metrics"] == 9
    history.close()


class RaisingOnce:
    def __init__(self, clock):
        self.clock, self.calls = clock, 0

    def process(self, view, snapshot, health):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("analytics bug")
        return [Alert(id="a1", timestamp=self.clock(), level="warning", source="threshold", message="hot")]

    def check_health(self, health):
        return [Alert(id="down", timestamp=self.clock(), level="error", source="system",
                      message=health.reason)]


def test_processor_failure_does_not_stop_the_tick_and_alerts_are_stored(clock):
    proc = RaisingOnce(clock)
    col = _collector(clock, processors=[proc])
    assert col.poll_once().ok
    clock.advance(5)
    col.poll_once()
    assert [a.id for a in col.live.view().alerts] == ["a1"]


def test_thread_survives_failures_and_stops_promptly(clock):
    ticks = threading.Event()

    class Flaky(ScriptedSource):
        def snapshot(self):
            if self.calls >= 3:
                ticks.set()
            if self.calls % 2 == 0:
                self.calls += 1
                raise RuntimeError("boom")  # not even a SourceError: still a health event
            clock.advance(1)
            return super().snapshot()

    live = LiveStore(retention_s=600, clock=clock)
    col = Collector(Flaky(clock), live, interval_s=0.01, clock=clock, max_backoff_s=0.02)
    col.start()
    assert ticks.wait(10), "collector did not keep ticking after failures"
    col.stop()
    assert col.join(timeout=5) and not col.is_alive
    assert live.view().seq >= 1


def test_a_failed_tick_still_lets_processors_judge_health(clock):
    col = _collector(clock, [SourceUnavailable("refused")], processors=[RaisingOnce(clock)])
    col.poll_once()
    assert [(a.id, a.message) for a in col.live.view().alerts] == [("down", "refused")]
