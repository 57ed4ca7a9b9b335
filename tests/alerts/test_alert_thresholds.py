"""Threshold rules: pending -> firing -> resolved, hysteresis, one alert per episode, NaN."""

from __future__ import annotations

from dataclasses import replace

from alert_fakes import CPU_HOT, LIVE, NAN, engine, feed

from drm_dashboard.analytics.alert_rules import AlertConfig, ThresholdRule, default_alert_config
from drm_dashboard.analytics.alerts import AlertEngine

T0 = 1_700_000_000.0
ONLY_CPU = AlertConfig(thresholds=(CPU_HOT,))


def test_fires_after_the_pending_period_then_resolves_below_recover(clock):
    eng, rec = engine(ONLY_CPU, clock)
    # 95 from T0: pending at T0, 60 s later (13th tick) firing; 70 at T0+100 resolves
    out = feed(eng, clock, "cpu_utilization", [95.0] * 20 + [70.0])
    assert [(t - T0, a.details["state"]) for t, a in out] == [(60.0, "firing"), (100.0, "resolved")]
    fired, resolved = out[0][1], out[1][1]
    assert fired.id == resolved.id == f"threshold:cpu-hot:{int(T0)}"
    assert (fired.level, fired.source) == ("warning", "threshold")
    assert fired.details["value"] == 95.0 and fired.details["threshold"] == 90.0
    assert fired.details["since"] == T0 and fired.details["rule"] == "cpu-hot"
    assert resolved.details["resolved_at"] == T0 + 100 and resolved.details["value"] == 70.0
    assert "cpu_utilization 95% above 90% for 60 s" in fired.message
    assert rec.states == [(fired.id, "firing"), (fired.id, "resolved")]


def test_a_dip_during_pending_restarts_the_wait(clock):
    eng, _ = engine(ONLY_CPU, clock)
    # 55 s above, one sample at 89 (below the threshold), then above again
    out = feed(eng, clock, "cpu_utilization", [95.0] * 12 + [89.0] + [95.0] * 12)
    assert out == []
    out = feed(eng, clock, "cpu_utilization", [95.0])
    assert [a.details["since"] - T0 for _, a in out] == [65.0]


def test_hysteresis_a_value_bouncing_between_recover_and_threshold_does_not_refire(clock):
    eng, rec = engine(ONLY_CPU, clock)
    feed(eng, clock, "cpu_utilization", [95.0] * 13)
    bounce = [85.0, 91.0, 82.0, 95.0, 81.0, 99.0] * 20
    assert feed(eng, clock, "cpu_utilization", bounce) == []
    assert [a.details["state"] for a in rec.alerts] == ["firing"]
    assert len(eng.firing()) == 1


def test_no_duplicates_over_many_ticks_and_a_new_episode_has_a_new_id(clock):
    eng, rec = engine(ONLY_CPU, clock)
    first = feed(eng, clock, "cpu_utilization", [95.0] * 500 + [50.0] * 10)
    second = feed(eng, clock, "cpu_utilization", [95.0] * 500 + [50.0])
    assert [a.details["state"] for _, a in first + second] == ["firing", "resolved"] * 2
    assert first[0][1].id != second[0][1].id
    assert len(rec.alerts) == 4


def test_nan_never_fires_and_never_resolves_by_itself(clock):
    eng, _ = engine(ONLY_CPU, clock)
    assert feed(eng, clock, "cpu_utilization", [NAN] * 50) == []
    # pending survives a gap of NaN, and NaN alone does not complete the pending period
    assert feed(eng, clock, "cpu_utilization", [95.0] + [NAN] * 20) == []
    fired = feed(eng, clock, "cpu_utilization", [95.0])
    assert [a.details["state"] for _, a in fired] == ["firing"]
    assert feed(eng, clock, "cpu_utilization", [NAN] * 50) == []
    assert len(eng.firing()) == 1
    assert [a.details["state"] for _, a in feed(eng, clock, "cpu_utilization", [10.0])] == ["resolved"]


def test_a_metric_missing_from_values_counts_as_nan(clock):
    eng, _ = engine(ONLY_CPU, clock)
    for _ in range(40):
        assert eng.evaluate(clock.now, {}, (), LIVE) == []
        clock.advance(5)


def test_below_rule_fires_low_and_recovers_above_recover(clock):
    rule = ThresholdRule("low-eff", "resource_efficiency", "below", 30.0, 600.0, 40.0, "info",
                         "reservations far above use")
    eng, _ = engine(AlertConfig(thresholds=(rule,)), clock)
    out = feed(eng, clock, "resource_efficiency", [20.0] * 121 + [35.0] * 5 + [45.0], step_s=5.0)
    assert [(t - T0, a.details["state"]) for t, a in out] == [(600.0, "firing"), (630.0, "resolved")]
    assert out[0][1].level == "info"
    assert out[0][1].message.startswith("reservations far above use (resource_efficiency 20% below 30%")


def test_without_recover_a_rule_resolves_back_under_its_threshold(clock):
    rule = ThresholdRule("backlog", "pending_tasks", "above", 10.0)
    eng, _ = engine(AlertConfig(thresholds=(rule,)), clock)
    out = feed(eng, clock, "pending_tasks", [11.0, 10.0, 9.0])
    assert [(t - T0, a.details["state"]) for t, a in out] == [(0.0, "firing"), (10.0, "resolved")]


def test_firing_lists_the_current_set(clock):
    mem = ThresholdRule("mem", "memory_utilization", "above", 90.0)
    eng, _ = engine(AlertConfig(thresholds=(CPU_HOT, mem)), clock)
    eng.evaluate(clock.now, {"cpu_utilization": 95.0, "memory_utilization": 95.0}, (), LIVE)
    assert [a.details["rule"] for a in eng.firing()] == ["mem"]
    clock.advance(60)
    eng.evaluate(clock.now, {"cpu_utilization": 95.0, "memory_utilization": 50.0}, (), LIVE)
    assert [a.details["rule"] for a in eng.firing()] == ["cpu-hot"]


def test_process_reads_the_latest_values_of_a_live_view(clock):
    from drm_dashboard.store.live import LiveStore

    from drm_fakes import make_snapshot
    live = LiveStore(retention_s=3600, clock=clock)
    eng = AlertEngine(default_alert_config(), interval_s=5.0, clock=clock)
    fired = []
    for _ in range(30):
        snap = make_snapshot(clock.now)
        hot = replace(snap, memory=0.97)
        live.ingest(hot)
        fired += eng.process(live.view().series, hot, LIVE)
        clock.advance(5)
    assert [(a.details["rule"], a.details["value"]) for a in fired] == [("memory-hot", 97.0)]
