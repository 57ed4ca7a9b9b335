"""The JSON summary of a run: KPIs, alerts, regressions, scaling decisions, source health."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..catalog import CATALOG
from ..models import ALERT_LEVELS, Alert, SourceHealth
from ..store.view import LiveView
from ..uptime import UptimeRecord
from .verdict import coverage, verdict

SUMMARY_VERSION = 1
# the KPIs the summary gives statistics of, with their catalogued units
KPIS = {m.name: m for m in CATALOG if m.summary}


@dataclass(frozen=True)
class RunFacts:
    """What the summary needs besides the view: how the run was set up and how the source did."""

    source: str
    simulated: bool
    started: float
    ended: float
    health: SourceHealth
    health_events: Sequence[Any] = ()
    findings: Sequence[Any] = ()
    fail_on: str = "never"
    # ticks and outages of the run, judged against duration / interval for the verdict
    uptime: UptimeRecord = UptimeRecord()
    interval_s: float = 5.0
    min_coverage: float = 0.9
    # alerts as they fired (the collector's ledger); None: judge the view's latest records
    fired_alerts: Sequence[Alert] | None = None


def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


def kpi_stats(values: np.ndarray, unit: str) -> dict[str, Any]:
    """Last, mean, min, p95 and max of the finite samples; None for a KPI never reported."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"unit": unit, "samples": 0, "last": None, "mean": None, "min": None, "p95": None, "max": None}
    return {"unit": unit, "samples": int(finite.size), "last": _finite(finite[-1]),
            "mean": _finite(finite.mean()), "min": _finite(finite.min()),
            "p95": _finite(np.percentile(finite, 95)), "max": _finite(finite.max())}


def kpis(view: LiveView) -> dict[str, Any]:
    """Statistics of every KPI over the run's window, plus tasks completed and failed in it."""
    out = {name: kpi_stats(getattr(view, m.group)[name], m.unit) for name, m in KPIS.items()}
    for name in ("tasks_completed", "tasks_failed"):
        col = view.performance[name]
        steps = np.diff(col[np.isfinite(col)])
        # counters: a restarted source starts again from 0, so only increments count
        out[name] = int(steps[steps > 0].sum())
    return out


def alert_counts(alerts: Iterable[Alert]) -> dict[str, int]:
    """Alerts raised in the run, by level."""
    counts = {level: 0 for level in ALERT_LEVELS}
    for alert in alerts:
        counts[alert.level] += 1
    return counts


def summarize(view: LiveView, facts: RunFacts) -> dict[str, Any]:
    """The whole summary as plain JSON-ready data."""
    # alerts restored from earlier runs' history are not this run's
    alerts = [a for a in view.alerts if a.timestamp >= facts.started]
    cov = coverage(facts.uptime, facts.ended - facts.started, facts.interval_s, facts.min_coverage)
    return {
        "summary_version": SUMMARY_VERSION,
        "generated_at": time.time(),
        "source": facts.source, "simulated": facts.simulated,
        "started": facts.started, "ended": facts.ended, "duration_s": round(facts.ended - facts.started, 3),
        "ticks": view.n_ticks, "workers_seen": view.n_workers,
        "kpis": kpis(view),
        "alerts": {"counts": alert_counts(alerts),
                   "items": [a.to_dict() for a in sorted(alerts, key=lambda a: a.timestamp)]},
        "regressions": [f.to_dict() for f in facts.findings],
        "scaling_decisions": [d.to_dict() for d in view.decisions],
        "source_health": {**facts.health.to_dict(),
                          "events": [_event(e) for e in facts.health_events]},
        "monitoring": {**cov.to_dict(), "outages_total": facts.uptime.outages_total,
                       "outages": [o.to_dict(facts.ended) for o in facts.uptime.outages]},
        "exit": verdict(alerts if facts.fired_alerts is None else facts.fired_alerts, facts.fail_on,
                        facts.source, facts.health, facts.uptime, cov, facts.ended),
    }


def _event(event: Any) -> Mapping[str, Any]:
    return {"timestamp": event.timestamp, "state": event.state, "reason": event.reason}
