"""The engine as the collector's TickProcessor: one stored alert per episode, replaced on resolve."""

from __future__ import annotations

from dataclasses import replace

import pytest

from drm_dashboard.analytics.alert_rules import AlertConfig, ThresholdRule
from drm_dashboard.analytics.alerts import AlertEngine
from drm_dashboard.collector import Collector
from drm_dashboard.store.live import LiveStore
from drm_fakes import ScriptedSource, make_snapshot

pytestmark = pytest.mark.timeout(30)
MEM_HOT = ThresholdRule("memory-hot", "memory_utilization", "above", 90.0, 10.0, 80.0, "warning")


def test_collector_stores_one_alert_per_episode_and_replaces_it_when_resolved(clock):
    notified = []
    engine = AlertEngine(AlertConfig(thresholds=(MEM_HOT,)), interval_s=5.0, clock=clock,
                         on_transition=notified.append)
    script = [replace(make_snapshot(clock.now + 5 * i), memory=m)
              for i, m in enumerate([0.95] * 30 + [0.85] * 5 + [0.5])]
    live = LiveStore(retention_s=3600, clock=clock)
    collector = Collector(ScriptedSource(clock, script), live, interval_s=5.0, clock=clock,
                          processors=[engine])
    states = []
    for _ in script:
        assert collector.poll_once().ok
        states.append([(a.id, a.details["state"]) for a in live.view().alerts])
        clock.advance(5)
    # 10 s pending: ticks at +0 and +5 s are pending, +10 s fires
    assert states[1] == [] and states[2] == [("threshold:memory-hot:1700000000", "firing")]
    assert states[-2] == states[2]
    assert states[-1] == [("threshold:memory-hot:1700000000", "resolved")]
    assert [a.details["state"] for a in notified] == ["firing", "resolved"]
    assert engine.firing() == []


def test_each_alert_transition_is_one_log_line(clock, caplog):
    engine = AlertEngine(AlertConfig(thresholds=(MEM_HOT,)), interval_s=5.0, clock=clock)
    script = [replace(make_snapshot(clock.now + 5 * i), memory=m)
              for i, m in enumerate([0.95] * 4 + [0.85] * 2 + [0.5] * 2)]
    collector = Collector(ScriptedSource(clock, script), LiveStore(retention_s=3600, clock=clock),
                          interval_s=5.0, clock=clock, processors=[engine])
    with caplog.at_level("INFO", logger="drm_dashboard.collector"):
        for _ in script:
            assert collector.poll_once().ok
            clock.advance(5)
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.getMessage().startswith("alert ")]
    alert_id = "threshold:memory-hot:1700000000"
    assert [(level, text.split(":")[0]) for level, text in lines] == [
        ("WARNING", "alert firing"), ("INFO", "alert resolved")]
    assert all(text.endswith(f"({alert_id})") and "[warning]" in text and "\n" not in text
               for _, text in lines)
