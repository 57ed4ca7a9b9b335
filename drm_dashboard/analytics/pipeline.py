"""The per-tick analytics: regression detectors on each KPI, then the alert engine."""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

import numpy as np

from ..catalog import CATALOG, Metric
from ..models import Alert, SourceHealth, Snapshot
from ..series import TickSeries
from .alert_rules import RegressionRule
from .changepoint_records import ChangePoint, DetectorConfig, DetectorStatus
from .forecast import Forecast, ThresholdEta, forecast, time_to_threshold
from .intervals import interval_samples
from .levels import SustainedLevels
from .online import OnlineDetector

# the metrics judged for regressions, with the direction that is better (None: neither)
DETECTED: Mapping[str, bool | None] = {m.name: m.higher_is_better for m in CATALOG if m.detect}
# what the forecasts cover; each is clipped to its quantity's range (0..100 for percentages)
FORECAST: Mapping[str, Metric] = {m.name: m for m in CATALOG if m.forecast}
# short: at a 5 s poll, 10 minutes is already 120 steps ahead, and the interval widens with each
FORECAST_HORIZON_S = 600.0


@dataclass(frozen=True)
class AnalyticsReport:
    """What the analytics concluded up to tick `seq`; read by the UI and the run summary."""

    seq: int = 0
    findings: tuple[ChangePoint, ...] = ()
    statuses: Mapping[str, DetectorStatus] = field(default_factory=dict)
    forecasts: Mapping[str, Forecast] = field(default_factory=dict)
    etas: Mapping[str, ThresholdEta] = field(default_factory=dict)
    forecast_at: float | None = None
    # the regression alert rule in force: pages and reports list what it raises, as the alerts do
    rule: RegressionRule = RegressionRule()


class AlertEvaluator(Protocol):
    """What the pipeline needs of the alert engine (AlertEngine meets it)."""

    def evaluate(self, now: float, values: Mapping[str, float], decisions: Sequence[Any],
                 health: SourceHealth, findings: Sequence[Any] = ()) -> list[Alert]:
        """Alerts raised or changed by this tick."""
        ...

    def check_health(self, health: SourceHealth) -> list[Alert]:
        """Alerts from the source's health alone, for a tick that brought no values."""
        ...


def clipped(fc: Forecast, lower: float, upper: float) -> Forecast:
    """The forecast truncated to the quantity's possible range (no negative waits, no 120%)."""
    clip = lambda a: np.clip(a, lower, upper)  # noqa: E731
    return dataclasses.replace(fc, mean=clip(fc.mean), lower=clip(fc.lower), upper=clip(fc.upper))


class AnalyticsPipeline:
    """A collector TickProcessor: feed new samples to the detectors, then evaluate alert rules."""

    def __init__(self, engine: AlertEvaluator | None = None, *, config: DetectorConfig = DetectorConfig(),
                 clock: Callable[[], float] | None = None, thresholds: Mapping[str, float] | None = None,
                 forecast_every_s: float = 30.0, rule: RegressionRule = RegressionRule()) -> None:
        self._engine = engine
        self._clock = clock
        self._thresholds = dict(thresholds or {})
        # a 30-minute forecast need not be refitted every 5 s; ~2 ms a series would weigh on ticks
        self._forecast_every_s = forecast_every_s
        self._detectors = {name: OnlineDetector(name, higher_is_better=better, config=config)
                           for name, better in DETECTED.items()}
        self._fed = 0  # seq of the last tick fed to the detectors
        self._rule = rule
        # a step is confirmed at most a detector window after it: keep the lookback before that
        self._levels = SustainedLevels(rule.recurrent_lookback_s, reach=config.window)
        # every finding at its latest confidence, by (metric, index): a revision replaces its entry
        self._findings: dict[tuple[str, int], ChangePoint] = {}
        self._report = AnalyticsReport(statuses=self._statuses(), rule=rule)
        self._lock = threading.Lock()

    @property
    def thresholds(self) -> Mapping[str, float]:
        """The thresholds ETAs are computed toward, by metric."""
        return dict(self._thresholds)

    @property
    def report(self) -> AnalyticsReport:
        with self._lock:
            return self._report

    def _statuses(self) -> dict[str, DetectorStatus]:
        return {name: det.status() for name, det in self._detectors.items()}

    def process(self, series: TickSeries, snapshot: Snapshot, health: SourceHealth) -> list[Alert]:
        """One tick: detectors see every tick they have not seen (warm-start history too).

        The alert engine gets each finding confirmed or revised this tick, so a regression alert
        fires on the tick its confidence first reaches the rule's threshold.
        """
        new = self._feed(series)
        alerts: list[Alert] = []
        if self._engine is not None:
            now = self._clock() if self._clock else snapshot.timestamp
            values = {name: series.latest(name) for name in series.columns}
            alerts = self._engine.evaluate(now, values, snapshot.decisions, health, new)
        old = self._report
        due = old.forecast_at is None or (series.last_timestamp or 0.0) - old.forecast_at >= self._forecast_every_s
        forecasts, etas = self._forecast(series) if due else (old.forecasts, old.etas)
        with self._lock:
            self._report = AnalyticsReport(
                seq=series.seq, findings=tuple(self._findings.values()), statuses=self._statuses(),
                forecasts=forecasts, etas=etas, rule=self._rule,
                forecast_at=series.last_timestamp if due else old.forecast_at)
        return alerts

    def forecasts_of(self, series: TickSeries) -> tuple[dict[str, Forecast], dict[str, ThresholdEta]]:
        """Forecasts and ETAs of any series (several clusters combined), outside the tick."""
        return self._forecast(series)

    def _forecast(self, series: TickSeries) -> tuple[dict[str, Forecast], dict[str, ThresholdEta]]:
        """Forecast every covered series; an ETA where a threshold rule watches the metric."""
        forecasts, etas = {}, {}
        for name, metric in FORECAST.items():
            values = series.columns[name]
            fc = forecast(series.timestamps, values, horizon_s=FORECAST_HORIZON_S, metric=name)
            if fc is None:
                continue
            forecasts[name] = fc = clipped(fc, 0.0, metric.upper)
            if name in self._thresholds:
                eta = time_to_threshold(series.timestamps, values, threshold=self._thresholds[name],
                                        forecast=fc, label=metric.title, unit=metric.unit)
                if eta is not None:
                    etas[name] = eta
        return forecasts, etas

    def check_health(self, health: SourceHealth) -> list[Alert]:
        """A failed or stale tick: only the source's health is judged."""
        return self._engine.check_health(health) if self._engine is not None else []

    def _feed(self, series: TickSeries) -> list[ChangePoint]:
        """Findings confirmed or revised by the ticks not seen yet, each at its latest version."""
        seqs = series.seqs
        start = int(np.searchsorted(seqs, self._fed, side="right"))
        if start >= len(seqs):
            return []
        changed = []
        stamps = series.timestamps[start:]
        samples = interval_samples(series, DETECTED, start)
        for name, column in samples.items():
            detector, values = self._detectors[name], column.tolist()
            self._levels.add(name, stamps.tolist(), values)
            for ts, value in zip(stamps.tolist(), values):
                detector.update(ts, value)
            changed += detector.take_changes()
        changed = [self._with_past(f) for f in changed]
        for finding in changed:
            self._findings[(finding.metric, finding.index)] = finding
        self._fed = int(seqs[-1])
        return changed

    def _with_past(self, finding: ChangePoint) -> ChangePoint:
        """The finding with the worst level its metric held in the lookback before its step."""
        better = DETECTED[finding.metric]
        if better is None:
            return finding
        known = self._findings.get((finding.metric, finding.index))
        # the span before the step does not change: revisions keep the first reading
        worst = (known.worst_before if known is not None
                 else self._levels.worst_before(finding.metric, finding.timestamp, better))
        return dataclasses.replace(finding, worst_before=worst)
