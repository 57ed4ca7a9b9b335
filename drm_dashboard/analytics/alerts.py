"""The alert engine: rules over each tick's values, decisions, source health and findings.

One alert per episode: a threshold rule goes inactive -> pending -> firing (one Alert) ->
resolved (the same id re-emitted with details["state"] = "resolved"); nothing is raised again
while it keeps firing. Scaling decisions and regression findings are one-shot events
(details["state"] = "event"). A finding comes back each time its confidence is revised; it is
raised once, on the first tick the regression rule takes it (`RegressionRule.raises`: its
confidence; for a regression also a level past the margin beyond any the metric held for a minute
within the lookback, and a metric that does not follow the workload unless `load_metrics`).
Time comes only from `now` and the injected clock.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from typing import Any, Callable, Mapping, Sequence

from ..models import Alert, ScalingDecision, Snapshot, SourceHealth
from ..series import TickSeries
from .alert_config import AlertConfig
from .alert_rules import (
    DECISION_RULE, DOWN_RULE, METRICS, REGRESSION_RULE, STALE_RULE, THRASH_RULE, Silence,
    RegressionRule, ThrashRule, ThresholdRule, metric_unit,
)
from .alert_state import Episode, FlipCounter, Recent, fmt, human_duration

log = logging.getLogger(__name__)
_SILENCE_KEYS = ("silenced", "silence_reason", "silenced_until")
_DIRECTIONS = ("scale_up", "scale_down")


class AlertEngine:
    """Turns ticks into alert transitions; satisfies collector.TickProcessor on its own."""

    def __init__(self, config: AlertConfig, *, interval_s: float, clock: Callable[[], float],
                 on_transition: Callable[[Alert], None] | None = None) -> None:
        self.config = config
        self.interval_s = interval_s
        self._clock = clock
        self._on_transition = on_transition
        self._rules = {r.name: (r, Episode()) for r in config.thresholds}
        self._system = {DOWN_RULE: Episode(), STALE_RULE: Episode()}
        self._thrash = Episode()
        self._flips = FlipCounter(config.thrash.window_s)
        self._seen = Recent()
        # the latest version of every firing alert, by id; published as a tuple after each tick
        # because the UI reads firing() from other threads while the collector evaluates
        self._firing: dict[str, Alert] = {}
        self._published: tuple[Alert, ...] = ()

    # -- the TickProcessor seam ----------------------------------------------------------------
    def process(self, series: TickSeries, snapshot: Snapshot, health: SourceHealth,
                findings: Sequence[Any] = ()) -> list[Alert]:
        """Evaluate the newest tick of the series (every known metric, the snapshot's decisions)."""
        values = {name: series.latest(name) for name in METRICS}
        return self.evaluate(self._clock(), values, snapshot.decisions, health, findings)

    def check_health(self, health: SourceHealth) -> list[Alert]:
        """Evaluate only the source's health: for ticks that failed and so carry no values."""
        return self.evaluate(self._clock(), {}, (), health)

    def firing(self) -> list[Alert]:
        """The alerts firing after the last tick, oldest first."""
        return list(self._published)

    # -- one tick ------------------------------------------------------------------------------
    def evaluate(self, now: float, values: Mapping[str, float], decisions: Sequence[ScalingDecision],
                 health: SourceHealth, findings: Sequence[Any] = ()) -> list[Alert]:
        """Return the alerts raised or changed this tick, each transition once."""
        out: list[Alert] = []
        for rule, episode in self._rules.values():
            self._threshold(now, rule, episode, values.get(rule.metric, math.nan), out)
        if self.config.system.enabled:
            self._health(now, health, out)
        self._decisions(now, decisions, out)
        self._findings(now, findings, out)
        self._unsilence(now, out)
        self._published = tuple(sorted(self._firing.values(), key=lambda a: a.timestamp))
        for alert in out:
            if not alert.details.get("silenced"):
                self._notify(alert)
        return out

    def _threshold(self, now: float, rule: ThresholdRule, episode: Episode, value: float,
                   out: list[Alert]) -> None:
        unknown = math.isnan(value)
        change = episode.step(now, holds=not unknown and rule.breached(value), breaks=not unknown,
                              recovers=not unknown and rule.recovered(value), for_s=rule.for_s)
        if change == "firing":
            self._emit(now, _threshold_alert(now, rule, episode.since, value), out)
        elif change == "resolved":
            self._resolve(now, f"threshold:{rule.name}:{int(episode.since)}",
                          _recovered_message(rule, value), {"value": float(value)}, out)

    def _health(self, now: float, health: SourceHealth, out: list[Alert]) -> None:
        r = self.config.system
        self._health_rule(now, health, DOWN_RULE, "error", r.down_intervals, r.down_severity, out)
        self._health_rule(now, health, STALE_RULE, "stale", r.stale_intervals, r.stale_severity, out)

    def _health_rule(self, now: float, health: SourceHealth, name: str, state: str, intervals: float,
                     level: str, out: list[Alert]) -> None:
        episode, holds = self._system[name], health.state == state
        # the collector's own `since` starts the wait, so a tick missed by us changes nothing
        change = episode.step(now, holds=holds, breaks=not holds, recovers=not holds,
                              for_s=intervals * self.interval_s, started=health.since)
        alert_id = f"system:{name}:{int(episode.since)}"
        if change == "firing":
            word = "down" if state == "error" else "stale"
            message = f"Metrics source {word} for {human_duration(now - episode.since)}: {health.reason}"
            self._emit(now, Alert(alert_id, now, level, "system", message, {
                "state": "firing", "rule": name, "health_state": health.state, "reason": health.reason,
                "since": episode.since, "consecutive_failures": health.consecutive_failures}), out)
        elif change == "resolved":
            self._resolve(now, alert_id, f"Resolved: metrics source is {health.state} again",
                          {"health_state": health.state}, out)

    def _decisions(self, now: float, decisions: Sequence[ScalingDecision], out: list[Alert]) -> None:
        for d in decisions:
            if d.action in _DIRECTIONS and self._seen.add(("decision", d.seq, d.timestamp, d.action)):
                self._flips.add(d.action, d.timestamp)
                if self.config.decisions.enabled:
                    self._emit(now, _decision_alert(d, self.config.decisions.severity), out)
        if self.config.thrash.enabled:
            self._thrash_check(now, out)

    def _thrash_check(self, now: float, out: list[Alert]) -> None:
        rule, flips = self.config.thrash, self._flips.within(now)
        # fires at min_flips in the window; resolves only after a whole window without a flip
        change = self._thrash.step(now, holds=len(flips) >= rule.min_flips, breaks=True,
                                   recovers=not flips, for_s=0.0)
        alert_id = f"scaling_decision:{THRASH_RULE}:{int(self._thrash.since)}"
        if change == "firing":
            self._emit(now, _thrash_alert(alert_id, now, rule, flips), out)
        elif change == "resolved":
            self._resolve(now, alert_id, "Resolved: no scaling direction change in "
                          f"{human_duration(rule.window_s)}", {}, out)

    def _findings(self, now: float, findings: Sequence[Any], out: list[Alert]) -> None:
        rule = self.config.regression
        if not rule.enabled:
            return
        for finding in findings:
            # one alert per change, on the first revision the rule takes: revisions keep the
            # finding's metric and step time
            if rule.raises(finding) and self._seen.add(("finding", finding.metric, finding.timestamp)):
                self._emit(now, _finding_alert(now, finding, rule), out)

    # -- emitting, silences, notification -----------------------------------------------------
    def _emit(self, now: float, alert: Alert, out: list[Alert]) -> None:
        silence = self._silence_for(alert, now)
        if silence is not None:
            alert = replace(alert, details={**alert.details, "silenced": True,
                                            "silence_reason": silence.reason,
                                            "silenced_until": silence.until})
        state = alert.details.get("state")
        if state == "firing":
            self._firing[alert.id] = alert
        elif state == "resolved":
            self._firing.pop(alert.id, None)
        out.append(alert)

    def _resolve(self, now: float, alert_id: str, message: str, extra: Mapping[str, Any],
                 out: list[Alert]) -> None:
        fired = self._firing.get(alert_id)
        if fired is None:  # cannot happen while episodes and _firing agree; never invent one
            return
        details = {k: v for k, v in fired.details.items() if k not in _SILENCE_KEYS}
        details.update(extra, state="resolved", resolved_at=now, fired_at=fired.timestamp)
        self._emit(now, replace(fired, timestamp=now, message=message, details=details), out)

    def _silence_for(self, alert: Alert, now: float) -> Silence | None:
        rule = str(alert.details.get("rule", ""))
        return next((s for s in self.config.silences if s.applies(rule, alert.source, now)), None)

    def _unsilence(self, now: float, out: list[Alert]) -> None:
        # a silence that has ended lets a still-firing alert notify, once, under its own id
        emitted = {a.id for a in out}
        for alert in list(self._firing.values()):
            if alert.details.get("silenced") and alert.id not in emitted:
                if self._silence_for(alert, now) is None:
                    details = {k: v for k, v in alert.details.items() if k not in _SILENCE_KEYS}
                    self._emit(now, replace(alert, details=details), out)

    def _notify(self, alert: Alert) -> None:
        if self._on_transition is None:
            return
        try:
            self._on_transition(alert)
        except Exception:
            # a broken notifier must not leave the engine's episodes half-updated
            log.exception("alert notification hook failed for %s", alert.id)


def _threshold_alert(now: float, rule: ThresholdRule, since: float, value: float) -> Alert:
    unit = metric_unit(rule.metric)
    held = f" for {human_duration(now - since)}" if rule.for_s > 0 else ""
    what = f"{rule.metric} {fmt(value, unit)} {rule.op} {fmt(rule.threshold, unit)}{held}"
    message = f"{rule.message} ({what})" if rule.message else f"{rule.name}: {what}"
    return Alert(f"threshold:{rule.name}:{int(since)}", now, rule.severity, "threshold", message, {
        "state": "firing", "rule": rule.name, "metric": rule.metric, "value": float(value),
        "op": rule.op, "threshold": rule.threshold, "recover": rule.recover_at,
        "for_s": rule.for_s, "since": since})


def _recovered_message(rule: ThresholdRule, value: float) -> str:
    unit = metric_unit(rule.metric)
    back = "below" if rule.op == "above" else "above"
    return (f"Resolved: {rule.message or rule.name} ({rule.metric} {fmt(value, unit)} back {back} "
            f"{fmt(rule.recover_at, unit)})")


def _decision_alert(d: ScalingDecision, severity: str) -> Alert:
    verb = "Scale up" if d.action == "scale_up" else "Scale down"
    return Alert(f"scaling_decision:{d.seq}:{d.timestamp:.3f}", d.timestamp, severity,
                 "scaling_decision", f"{verb} by {d.count}: {d.reason}",
                 {"state": "event", "rule": DECISION_RULE, **d.to_dict()})


def _thrash_alert(alert_id: str, now: float, rule: ThrashRule, flips: tuple[float, ...]) -> Alert:
    message = (f"Scale thrash: the pool changed direction {len(flips)} times in "
               f"{human_duration(rule.window_s)}")
    return Alert(alert_id, now, rule.severity, "scaling_decision", message, {
        "state": "firing", "rule": THRASH_RULE, "flips": len(flips), "flip_times": list(flips),
        "window_s": rule.window_s, "since": now})


def _finding_alert(now: float, finding: Any, rule: RegressionRule) -> Alert:
    regressed = finding.direction == "regression"
    unit = metric_unit(finding.metric)
    # change_pct is NaN (or None) when the level before was 0: say the levels, not "by nan%"
    pct = finding.change_pct
    by = "" if pct is None or math.isnan(pct) else f" by {abs(pct):.1f}%"
    message = (f"{finding.metric} {'regressed' if regressed else 'improved'}{by} "
               f"({fmt(finding.before, unit)} -> {fmt(finding.after, unit)}), "
               f"confidence {finding.confidence:.0%}")
    if regressed and not math.isnan(finding.worst_before) and rule.recurrent_lookback_s > 0:
        message += (f"; worse than any minute of the {human_duration(rule.recurrent_lookback_s)} "
                    f"before (worst {fmt(finding.worst_before, unit)})")
    # raised_at: the step is dated at its first sample, the alert when the evidence sufficed
    details = {**finding.to_dict(), "state": "event", "rule": REGRESSION_RULE, "raised_at": now}
    return Alert(f"regression_detection:{finding.metric}:{int(finding.timestamp)}",
                 float(finding.timestamp), rule.severity if regressed else rule.improvement_severity,
                 "regression_detection", message, details)
