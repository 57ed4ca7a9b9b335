"""Silences: alerts are kept but not notified until the silence ends; then a firing one notifies."""

from __future__ import annotations

from alert_fakes import CPU_HOT, LIVE, decision, engine, feed

from drm_dashboard.analytics.alert_rules import AlertConfig, Silence

T0 = 1_700_000_000.0


def _config(*silences: Silence) -> AlertConfig:
    return AlertConfig(thresholds=(CPU_HOT,), silences=silences)


def test_a_silenced_alert_is_returned_marked_but_not_notified(clock):
    eng, rec = engine(_config(Silence("cpu-hot", T0 + 3600, "planned load test")), clock)
    out = feed(eng, clock, "cpu_utilization", [95.0] * 13)
    assert len(out) == 1
    fired = out[0][1]
    assert fired.details["silenced"] is True
    assert fired.details["silence_reason"] == "planned load test"
    assert fired.details["silenced_until"] == T0 + 3600
    assert rec.alerts == []


def test_when_the_silence_ends_a_still_firing_alert_notifies_once(clock):
    eng, rec = engine(_config(Silence("cpu-hot", T0 + 300, "deploy")), clock)
    feed(eng, clock, "cpu_utilization", [95.0] * 60)  # until T0 + 295: silenced
    assert rec.alerts == []
    out = feed(eng, clock, "cpu_utilization", [95.0] * 10)  # T0 + 300 onwards
    assert [(t - T0, a.details["state"]) for t, a in out] == [(300.0, "firing")]
    assert "silenced" not in out[0][1].details
    assert out[0][1].id == f"threshold:cpu-hot:{int(T0)}"
    assert rec.states == [(out[0][1].id, "firing")]


def test_resolving_inside_the_silence_notifies_nothing_afterwards(clock):
    eng, rec = engine(_config(Silence("cpu-hot", T0 + 300)), clock)
    out = feed(eng, clock, "cpu_utilization", [95.0] * 20 + [50.0] * 60)
    assert [(a.details["state"], a.details.get("silenced")) for _, a in out] == [
        ("firing", True), ("resolved", True)]
    assert rec.alerts == []
    assert eng.firing() == []


def test_a_silence_matches_a_source_and_an_expired_one_does_nothing(clock):
    config = AlertConfig(silences=(Silence("scaling_decision", T0 + 60, "tuning the policy"),))
    eng, rec = engine(config, clock)
    early = eng.evaluate(T0, {}, (decision(1, "scale_up", T0),), LIVE)
    assert early[0].details["silenced"] is True and rec.alerts == []
    late = eng.evaluate(T0 + 60, {}, (decision(2, "scale_down", T0 + 60),), LIVE)
    assert "silenced" not in late[0].details
    assert [a.id for a in rec.alerts] == [late[0].id]


def test_other_rules_are_not_silenced(clock):
    config = AlertConfig(thresholds=(CPU_HOT,), silences=(Silence("memory-hot", T0 + 3600),))
    eng, rec = engine(config, clock)
    feed(eng, clock, "cpu_utilization", [95.0] * 13)
    assert [a.details["state"] for a in rec.alerts] == ["firing"]


def test_a_failing_notifier_does_not_break_the_engine(clock):
    from drm_dashboard.analytics.alerts import AlertEngine

    def broken(alert):
        raise RuntimeError("smtp exploded")
    eng = AlertEngine(_config(), interval_s=5.0, clock=clock, on_transition=broken)
    out = feed(eng, clock, "cpu_utilization", [95.0] * 13 + [10.0])
    assert [a.details["state"] for _, a in out] == ["firing", "resolved"]
