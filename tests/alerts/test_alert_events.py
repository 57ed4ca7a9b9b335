"""Scaling decisions, scale thrash, source health and regression findings as alerts."""

from __future__ import annotations

from alert_fakes import LIVE, FakeFinding, decision, engine

from drm_dashboard.analytics.alert_rules import AlertConfig, DecisionRule, RegressionRule, ThrashRule
from drm_dashboard.models import SourceHealth

T0 = 1_700_000_000.0
MIN = 60.0


def test_each_new_decision_is_one_info_alert_with_its_reason(clock):
    eng, rec = engine(AlertConfig(), clock)
    up = decision(7, "scale_up", T0, "window utilization 0.86 above 0.8")
    hold = decision(8, "maintain", T0 + 5)
    out = eng.evaluate(T0, {}, (up, hold), LIVE)
    assert [(a.id, a.level, a.source) for a in out] == [(f"scaling_decision:7:{T0:.3f}", "info",
                                                          "scaling_decision")]
    assert out[0].message == "Scale up by 1: window utilization 0.86 above 0.8"
    assert out[0].details["state"] == "event" and out[0].details["action"] == "scale_up"
    # the same decision sent again (a coordinator after an outage) is not raised twice
    assert eng.evaluate(T0 + 5, {}, (up,), LIVE) == []
    assert len(rec.alerts) == 1


def test_decision_alerts_can_be_switched_off(clock):
    eng, _ = engine(AlertConfig(decisions=DecisionRule(enabled=False)), clock)
    assert eng.evaluate(T0, {}, (decision(1, "scale_down", T0),), LIVE) == []


def _thrash_run(eng, times: list[float]) -> list:
    out = []
    for i, t in enumerate(times):
        action = "scale_up" if i % 2 == 0 else "scale_down"
        out += eng.evaluate(t, {}, (decision(i + 1, action, t),), LIVE)
    return [a for a in out if a.details["rule"] == "scale-thrash"]


def test_three_flips_within_the_window_fire_once(clock):
    eng, rec = engine(AlertConfig(decisions=DecisionRule(enabled=False)), clock)
    # up, down, up, down, up, down: five flips in 25 minutes -> fires at the third flip, once
    fired = _thrash_run(eng, [T0 + i * 5 * MIN for i in range(6)])
    assert [(a.timestamp - T0, a.details["state"], a.details["flips"]) for a in fired] == [
        (15 * MIN, "firing", 3)]
    assert fired[0].level == "warning" and fired[0].source == "scaling_decision"
    # quiet for a whole window after the last flip: resolved, once
    quiet = [eng.evaluate(T0 + 25 * MIN + m * MIN, {}, (), LIVE) for m in range(1, 40)]
    resolved = [a for out in quiet for a in out]
    assert [(a.id, a.details["state"]) for a in resolved] == [(fired[0].id, "resolved")]
    assert resolved[0].timestamp == T0 + 55 * MIN
    assert len(rec.alerts) == 2


def test_flips_spread_over_a_longer_time_do_not_fire(clock):
    eng, _ = engine(AlertConfig(decisions=DecisionRule(enabled=False)), clock)
    assert _thrash_run(eng, [T0 + i * 16 * MIN for i in range(8)]) == []


def test_thrash_rule_is_configurable(clock):
    eng, _ = engine(AlertConfig(thrash=ThrashRule(min_flips=2, window_s=10 * MIN, severity="error"),
                                decisions=DecisionRule(enabled=False)), clock)
    fired = _thrash_run(eng, [T0, T0 + MIN, T0 + 2 * MIN])
    assert [(a.level, a.details["flips"]) for a in fired] == [("error", 2)]


def _health(state: str, since: float, reason: str = "") -> SourceHealth:
    return SourceHealth(state=state, reason=reason, since=since)


def test_source_down_for_three_intervals_fires_error_then_resolves(clock):
    eng, rec = engine(AlertConfig(), clock, interval_s=5.0)
    down = _health("error", T0, "connection refused")
    assert eng.evaluate(T0, {}, (), down) == []
    assert eng.evaluate(T0 + 10, {}, (), down) == []
    fired = eng.evaluate(T0 + 15, {}, (), down)
    assert [(a.id, a.level, a.source) for a in fired] == [(f"system:source-down:{int(T0)}", "error", "system")]
    assert "connection refused" in fired[0].message
    assert eng.evaluate(T0 + 35, {}, (), down) == []
    resolved = eng.evaluate(T0 + 40, {}, (), _health("live", T0 + 40))
    assert [(a.id, a.details["state"]) for a in resolved] == [(fired[0].id, "resolved")]
    assert [a.details["state"] for a in rec.alerts] == ["firing", "resolved"]


def test_a_short_outage_raises_nothing(clock):
    eng, _ = engine(AlertConfig(), clock, interval_s=5.0)
    assert eng.evaluate(T0, {}, (), _health("error", T0)) == []
    assert eng.evaluate(T0 + 5, {}, (), _health("live", T0 + 5)) == []
    assert eng.evaluate(T0 + 60, {}, (), _health("live", T0 + 5)) == []


def test_stale_source_warns_and_down_then_stale_hands_over(clock):
    eng, _ = engine(AlertConfig(), clock, interval_s=5.0)
    out = [a for t in range(0, 30, 5) for a in eng.evaluate(T0 + t, {}, (), _health("error", T0))]
    out += [a for t in range(30, 60, 5) for a in eng.evaluate(T0 + t, {}, (), _health("stale", T0 + 30))]
    out += eng.evaluate(T0 + 60, {}, (), _health("live", T0 + 60))
    assert [(a.details["rule"], a.level, a.details["state"], a.timestamp - T0) for a in out] == [
        ("source-down", "error", "firing", 15.0), ("source-down", "error", "resolved", 30.0),
        ("source-stale", "warning", "firing", 45.0), ("source-stale", "warning", "resolved", 60.0)]


def test_check_health_uses_the_clock_for_failed_ticks(clock):
    eng, _ = engine(AlertConfig(), clock, interval_s=5.0)
    down = _health("error", clock.now)
    assert eng.check_health(down) == []
    clock.advance(15)
    assert [a.details["rule"] for a in eng.check_health(down)] == ["source-down"]


def test_findings_become_one_alert_each(clock):
    eng, rec = engine(AlertConfig(), clock)
    slow = FakeFinding("allocation_time_ms", T0 - 50, "regression", 150.0, 0.9, 2.0, 5.0)
    fast = FakeFinding("task_throughput", T0 - 40, "improvement", 30.0, 0.8, 10.0, 13.0)
    weak = FakeFinding("allocation_time_ms", T0 - 30, "regression", 40.0, 0.2, 5.0, 7.0)
    flat = FakeFinding("cpu_utilization", T0 - 20, "neutral", 20.0, 0.99, 50.0, 60.0)
    out = eng.evaluate(T0, {}, (), LIVE, findings=[slow, fast, weak, flat])
    assert [(a.id, a.level, a.source) for a in out] == [
        (f"regression_detection:allocation_time_ms:{int(T0 - 50)}", "warning", "regression_detection"),
        (f"regression_detection:task_throughput:{int(T0 - 40)}", "info", "regression_detection")]
    assert out[0].message == "allocation_time_ms regressed by 150.0% (2 ms -> 5 ms), confidence 90%"
    assert out[0].details["confidence"] == 0.9 and out[0].details["state"] == "event"
    # the analytics report the same finding every tick: still one alert
    assert eng.evaluate(T0 + 5, {}, (), LIVE, findings=[slow, fast]) == []
    assert len(rec.alerts) == 2


def test_a_regression_must_beat_the_worst_minute_of_the_hour_by_the_margin(clock):
    eng, _ = engine(AlertConfig(), clock)  # an hour, 20% beyond
    def step(t: float, after: float, worst: float) -> FakeFinding:
        return FakeFinding("allocation_time_ms", t, "regression", 100.0, 0.9, 2.0, after, worst)
    seen_before = step(T0, 4.5, 4.0)  # 12% above a minute of the hour: the fleet's normal life
    beyond = step(T0 + 60, 5.0, 4.0)  # 25% above it: news
    nothing_before = step(T0 + 120, 3.0, float("nan"))  # no minute to compare with
    raised = [a.details["timestamp"] for f in (seen_before, beyond, nothing_before)
              for a in eng.evaluate(f.timestamp + 30, {}, (), LIVE, findings=[f])]
    assert raised == [T0 + 60, T0 + 120]
    (alert,) = [a for a in eng.evaluate(T0 + 400, {}, (), LIVE, findings=[step(T0 + 300, 5.0, 4.0)])]
    assert alert.message.endswith("; worse than any minute of the 60 min before (worst 4 ms)")


def test_a_throughput_drop_worse_than_the_hour_must_be_below_its_worst_minute(clock):
    rule = RegressionRule(load_metrics=True)
    eng, _ = engine(AlertConfig(regression=rule), clock)
    usual = FakeFinding("task_throughput", T0, "regression", -50.0, 0.9, 4.0, 2.0, 1.8)
    lower = FakeFinding("task_throughput", T0 + 60, "regression", -60.0, 0.9, 4.0, 1.4, 1.8)
    raised = [a.details["timestamp"] for f in (usual, lower)
              for a in eng.evaluate(f.timestamp + 30, {}, (), LIVE, findings=[f])]
    assert raised == [T0 + 60]  # higher is better: 1.4 * 1.2 < 1.8, while 2.0 is above it


def test_load_following_metrics_alert_only_when_the_rule_says_so(clock):
    wave = FakeFinding("queue_wait_ms", T0, "regression", 400.0, 0.9, 100.0, 500.0)
    quiet, _ = engine(AlertConfig(), clock)
    assert quiet.evaluate(T0 + 30, {}, (), LIVE, findings=[wave]) == []
    loud, _ = engine(AlertConfig(regression=RegressionRule(load_metrics=True)), clock)
    assert [a.details["metric"] for a in loud.evaluate(T0 + 30, {}, (), LIVE, findings=[wave])] == [
        "queue_wait_ms"]


def test_the_lookback_can_be_turned_off(clock):
    eng, _ = engine(AlertConfig(regression=RegressionRule(recurrent_lookback_s=0.0)), clock)
    findings = [FakeFinding("allocation_time_ms", T0 + 60 * i, "regression", 50.0, 0.9, 2.0, 3.0, 9.0)
                for i in range(3)]
    out = eng.evaluate(T0 + 200, {}, (), LIVE, findings=findings)
    assert len(out) == 3 and all("worse than any" not in a.message for a in out)


def test_regression_confidence_and_levels_are_configurable(clock):
    rule = RegressionRule(min_confidence=0.4, severity="critical", improvement_severity="warning")
    eng, _ = engine(AlertConfig(regression=rule), clock)
    weak = FakeFinding("allocation_time_ms", T0, "regression", 40.0, 0.5, 5.0, 7.0)
    assert [a.level for a in eng.evaluate(T0, {}, (), LIVE, findings=[weak])] == ["critical"]


def test_a_finding_from_a_zero_level_says_the_levels_only(clock):
    eng, _ = engine(AlertConfig(), clock)
    finding = FakeFinding("allocation_time_ms", T0, "regression", float("nan"), 0.95, 0.0, 4.0)
    (alert,) = eng.evaluate(T0, {}, (), LIVE, findings=[finding])
    assert alert.message == "allocation_time_ms regressed (0 ms -> 4 ms), confidence 95%"
