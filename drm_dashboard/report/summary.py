"""The JSON summary of a run: KPIs, alerts, regressions, scaling decisions, source health."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..models import ALERT_LEVELS, Alert, SourceHealth
from ..store.view import LiveView

SUMMARY_VERSION = 1
# what each KPI is called in the summary and the unit it is reported in
KPIS = {
    "total_workers": ("system", "workers"), "active_tasks": ("system", "tasks"),
    "pending_tasks": ("system", "tasks"), "cpu_utilization": ("system", "percent"),
    "memory_utilization": ("system", "percent"), "gpu_utilization": ("system", "percent"),
    "allocated": ("system", "percent"), "task_throughput": ("performance", "tasks/s"),
    "allocation_time_ms": ("performance", "ms"), "queue_wait_ms": ("performance", "ms"),
    "resource_efficiency": ("performance", "percent"),
}


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
    out = {name: kpi_stats(getattr(view, group)[name], unit) for name, (group, unit) in KPIS.items()}
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


def exit_status(alerts: Iterable[Alert], fail_on: str) -> tuple[int, str]:
    """1 when an alert at or above fail_on was raised (silenced ones do not count), else 0."""
    if fail_on == "never":
        return 0, "--fail-on never"
    floor = ALERT_LEVELS.index(fail_on)
    hits = [a for a in alerts if ALERT_LEVELS.index(a.level) >= floor and not a.details.get("silenced")]
    if not hits:
        return 0, f"no alert at {fail_on} or above"
    worst = max(hits, key=lambda a: ALERT_LEVELS.index(a.level))
    return 1, f"{len(hits)} alert(s) at {fail_on} or above, e.g. [{worst.level}] {worst.message}"


def summarize(view: LiveView, facts: RunFacts) -> dict[str, Any]:
    """The whole summary as plain JSON-ready data."""
    # alerts restored from earlier runs' history are not this run's
    alerts = [a for a in view.alerts if a.timestamp >= facts.started]
    status, because = exit_status(alerts, facts.fail_on)
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
        "exit": {"fail_on": facts.fail_on, "status": status, "because": because},
    }


def _event(event: Any) -> Mapping[str, Any]:
    return {"timestamp": event.timestamp, "state": event.state, "reason": event.reason}
