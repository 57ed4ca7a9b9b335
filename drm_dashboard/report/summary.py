"""The one summary every report reads: a window's KPI statistics, decisions, tasks, efficiency, cost.

The run report adds alerts, regressions, source health and the verdict (`run_summary`).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np

from ..catalog import CATALOG
from ..models import ALERT_LEVELS, Alert, SourceHealth
from ..store.view import LiveView
from ..uptime import UptimeRecord
from ..analytics.alert_rules import RegressionRule
from ..analytics.efficiency import EfficiencyReport, pool_efficiency
from .verdict import coverage, verdict

if TYPE_CHECKING:
    from ..manager.cloud import CloudProviderManager

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
    # the regression alert rule in force: each finding says whether it raised an alert
    regression_rule: RegressionRule = RegressionRule()


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


def _last(values: np.ndarray) -> float:
    """The newest finite value, NaN when there is none."""
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if finite.size else math.nan


@dataclass(frozen=True)
class CostFacts:
    """What the cloud provider manager says the run cost, at the time of the summary."""

    currency: str
    total: float
    hourly: float
    providers: tuple[str, ...]
    running: int


class _Stat:
    """A KPI statistic read as an attribute: summary.cpu is the newest CPU used, NaN when never reported."""

    def __init__(self, kpi: str, key: str = "last") -> None:
        self.kpi, self.key = kpi, key

    def __get__(self, summary: ReportSummary | None, owner: type) -> Any:
        return self if summary is None else summary.stat(self.kpi, self.key)


@dataclass(frozen=True)
class ReportSummary:
    """A window of samples in numbers: KPI statistics (`kpis`), decisions, tasks, efficiency, cost (NaN = unknown)."""

    source: str
    window_start: float | None
    window_end: float | None
    samples: int
    workers_seen: int
    kpis: dict[str, Any]  # kpis(view): statistics per KPI (None: never reported), tasks done in the window
    active_workers: float
    scale_ups: int
    scale_downs: int
    tasks_completed: float  # the source's running totals at the newest sample
    tasks_failed: float
    efficiency: float  # the pool's used / allocated at the newest sample it had any allocation
    over_provisioned: tuple[str, ...] = ()
    under_provisioned: tuple[str, ...] = ()
    cost: CostFacts | None = None

    def stat(self, name: str, key: str = "last") -> float:
        """One statistic of a KPI, NaN when the source never reported it."""
        value = self.kpis[name][key]
        return math.nan if value is None else float(value)

    # the statistics the cards and summary.json name, read from `kpis` (never computed twice)
    workers = _Stat("total_workers")
    active_tasks = _Stat("active_tasks")
    pending_tasks = _Stat("pending_tasks")
    cpu = _Stat("cpu_utilization")
    memory = _Stat("memory_utilization")
    gpu = _Stat("gpu_utilization")
    allocated = _Stat("allocated")
    mean_cpu = _Stat("cpu_utilization", "mean")
    mean_memory = _Stat("memory_utilization", "mean")
    throughput = _Stat("task_throughput")

    @property
    def cost_per_task(self) -> float:
        """Money per completed task so far; NaN without a cost or before the first completion."""
        if self.cost is None or not self.tasks_completed or math.isnan(self.tasks_completed):
            return math.nan
        return self.cost.total / self.tasks_completed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, the newest values beside the statistics; NaN becomes None."""
        data = asdict(self)
        data.update({name: getattr(self, name) for name, attr in vars(ReportSummary).items()
                     if isinstance(attr, _Stat)})
        data["cost_per_task"] = self.cost_per_task
        return _json_ready(data)


def _json_ready(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def cost_facts(cloud: CloudProviderManager | None) -> CostFacts | None:
    """The cloud manager's cost so far; None when no cloud manager is connected."""
    if cloud is None:
        return None
    running = cloud.active_workers()
    return CostFacts(getattr(cloud, "currency", "USD"), float(cloud.cost_estimate()),
                     float(sum(w.hourly_rate for w in running)), tuple(cloud.providers()), len(running))


def summarize(view: LiveView, *, source: str, efficiency: EfficiencyReport | None = None,
              cloud: CloudProviderManager | None = None) -> ReportSummary:
    """The summary of a view: KPI statistics over the window, decisions, task totals, outliers and cost."""
    s, p = view.system, view.performance
    actions = [d.action for d in view.decisions]
    return ReportSummary(
        source=source, window_start=float(view.timestamps[0]) if view.n_ticks else None,
        window_end=view.last_timestamp, samples=view.n_ticks, workers_seen=view.n_workers,
        kpis=kpis(view), active_workers=_last(s["active_workers"]),
        scale_ups=actions.count("scale_up"), scale_downs=actions.count("scale_down"),
        tasks_completed=_last(p["tasks_completed"]), tasks_failed=_last(p["tasks_failed"]),
        efficiency=_last(pool_efficiency(p["resource_efficiency"], s["allocated"])),
        over_provisioned=efficiency.over if efficiency else (),
        under_provisioned=efficiency.under if efficiency else (), cost=cost_facts(cloud))


def run_summary(view: LiveView, facts: RunFacts) -> dict[str, Any]:
    """The run report's JSON: the window's summary, its alerts, regressions, source health and verdict."""
    window = summarize(view, source=facts.source)
    # alerts restored from earlier runs' history are not this run's
    alerts = [a for a in view.alerts if a.timestamp >= facts.started]
    cov = coverage(facts.uptime, facts.ended - facts.started, facts.interval_s, facts.min_coverage)
    return {
        "summary_version": SUMMARY_VERSION,
        "generated_at": time.time(),
        "source": facts.source, "simulated": facts.simulated,
        "started": facts.started, "ended": facts.ended, "duration_s": round(facts.ended - facts.started, 3),
        "ticks": window.samples, "workers_seen": window.workers_seen,
        "kpis": window.kpis,
        "alerts": {"counts": alert_counts(alerts),
                   "items": [a.to_dict() for a in sorted(alerts, key=lambda a: a.timestamp)]},
        "regressions": [{**f.to_dict(), "alerted": facts.regression_rule.raises(f)}
                        for f in facts.findings],
        "regression_min_confidence": facts.regression_rule.min_confidence,
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
