"""Helpers for the alert engine tests: an engine on a fake clock, decisions and findings."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from drm_dashboard.analytics.alert_rules import AlertConfig, ThresholdRule
from drm_dashboard.analytics.alerts import AlertEngine
from drm_dashboard.models import Alert, ScalingDecision, SourceHealth

from drm_fakes import FakeClock

LIVE = SourceHealth(state="live")
NAN = math.nan
CPU_HOT = ThresholdRule("cpu-hot", "cpu_utilization", "above", 90.0, 60.0, 80.0, "warning")


class Recorder:
    """Collects the alerts the engine hands to on_transition (what would be notified)."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def __call__(self, alert: Alert) -> None:
        self.alerts.append(alert)

    @property
    def states(self) -> list[tuple[str, str]]:
        return [(a.id, a.details.get("state")) for a in self.alerts]


def engine(config: AlertConfig, clock: FakeClock, interval_s: float = 5.0) -> tuple[AlertEngine, Recorder]:
    """An engine on the fake clock with a recording notifier."""
    rec = Recorder()
    return AlertEngine(config, interval_s=interval_s, clock=clock, on_transition=rec), rec


def feed(eng: AlertEngine, clock: FakeClock, metric: str, values: list[float],
         step_s: float = 5.0) -> list[tuple[float, Alert]]:
    """One tick per value, step_s apart; returns (time, alert) for every alert raised or changed."""
    out = []
    for value in values:
        out += [(clock.now, a) for a in eng.evaluate(clock.now, {metric: value}, (), LIVE)]
        clock.advance(step_s)
    return out


def decision(seq: int, action: str, ts: float, reason: str = "window utilization 0.85 > 0.8") -> ScalingDecision:
    return ScalingDecision(action=action, count=1, reason=reason, utilization=0.85,
                           worker_ids=("w1",), timestamp=ts, seq=seq)


@dataclass(frozen=True)
class FakeFinding:
    """Shaped like analytics' change-point finding (the engine duck-types it)."""

    metric: str
    timestamp: float
    direction: str
    change_pct: float
    confidence: float
    before: float
    after: float
    worst_before: float = float("nan")  # the pipeline's reading of the hour before the step

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
