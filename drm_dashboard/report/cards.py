"""The report's summary: every number computed from the collected data, never typed in."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..store.view import LiveView
from ..manager.cloud import CloudProviderManager
from ..analytics.efficiency import EfficiencyReport
from ..ui.figures.performance import kpi_values


def _last(values: np.ndarray) -> float:
    """The newest finite value, NaN when there is none."""
    finite = values[np.isfinite(values)]
    return float(finite[-1]) if finite.size else math.nan


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


@dataclass(frozen=True)
class CostFacts:
    """What the cloud provider manager says the run cost, at the time of the summary."""

    currency: str
    total: float
    hourly: float
    providers: tuple[str, ...]
    running: int


@dataclass(frozen=True)
class ReportSummary:
    """The summary cards' numbers: latest values, window means, decision counts, cost (NaN = unknown)."""

    source: str
    window_start: float | None
    window_end: float | None
    samples: int
    workers_seen: int
    workers: float
    active_workers: float
    active_tasks: float
    pending_tasks: float
    cpu: float
    memory: float
    gpu: float
    allocated: float
    mean_cpu: float
    mean_memory: float
    scale_ups: int
    scale_downs: int
    tasks_completed: float
    tasks_failed: float
    throughput: float
    efficiency: float
    over_provisioned: tuple[str, ...]
    under_provisioned: tuple[str, ...]
    cost: CostFacts | None

    @property
    def cost_per_task(self) -> float:
        """Money per completed task so far; NaN without a cost or before the first completion."""
        if self.cost is None or not self.tasks_completed or math.isnan(self.tasks_completed):
            return math.nan
        return self.cost.total / self.tasks_completed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN becomes None."""
        data = asdict(self)
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


def summarize(view: LiveView, efficiency: EfficiencyReport, cloud: CloudProviderManager | None,
              source: str) -> ReportSummary:
    """The summary of a view: the newest tick's values, means over the window, decisions and cost."""
    s, p = view.system, view.performance
    actions = [d.action for d in view.decisions]
    return ReportSummary(
        source=source, window_start=float(view.timestamps[0]) if view.n_ticks else None,
        window_end=view.last_timestamp, samples=view.n_ticks, workers_seen=view.n_workers,
        workers=_last(s["total_workers"]), active_workers=_last(s["active_workers"]),
        active_tasks=_last(s["active_tasks"]), pending_tasks=_last(s["pending_tasks"]),
        cpu=_last(s["cpu_utilization"]), memory=_last(s["memory_utilization"]),
        gpu=_last(s["gpu_utilization"]), allocated=_last(s["allocated"]),
        mean_cpu=_mean(s["cpu_utilization"]), mean_memory=_mean(s["memory_utilization"]),
        scale_ups=actions.count("scale_up"), scale_downs=actions.count("scale_down"),
        tasks_completed=_last(p["tasks_completed"]), tasks_failed=_last(p["tasks_failed"]),
        throughput=_last(p["task_throughput"]), efficiency=_last(kpi_values(view, "resource_efficiency")),
        over_provisioned=efficiency.over, under_provisioned=efficiency.under, cost=cost_facts(cloud))


@dataclass(frozen=True)
class Card:
    """One summary card: a title, its value as text and a line under it."""

    title: str
    value: str
    note: str = ""


def _pct(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:.0f}%"


def _num(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:,.0f}"


def money(value: float, currency: str) -> str:
    """$1,234.56 (or 'EUR 1,234.56'); amounts below a dime keep four decimals."""
    if math.isnan(value):
        return "—"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{value:,.2f}" if value >= 0.1 else f"{symbol}{value:.4f}"


def cards(summary: ReportSummary) -> list[Card]:
    """The summary cards, in reading order."""
    gpu = "" if math.isnan(summary.gpu) else f" · GPU {_pct(summary.gpu)}"
    out = [
        Card("Workers", _num(summary.workers),
             f"{_num(summary.active_workers)} busy · {summary.workers_seen} seen in the window"),
        Card("Tasks", _num(summary.active_tasks), f"{_num(summary.pending_tasks)} pending · "
             f"{_num(summary.tasks_completed)} completed · {_num(summary.tasks_failed)} failed"),
        Card("Utilization", f"CPU {_pct(summary.cpu)}",
             f"memory {_pct(summary.memory)}{gpu} · allocated {_pct(summary.allocated)}"),
        Card("Scaling events", _num(summary.scale_ups + summary.scale_downs),
             f"{summary.scale_ups} up · {summary.scale_downs} down"),
        Card("Efficiency", _pct(summary.efficiency), _outliers(summary)),
    ]
    if summary.cost is not None:
        c = summary.cost
        out.append(Card("Cost so far", money(c.total, c.currency),
                        f"{money(c.hourly, c.currency)}/h now · {c.running} running"))
        out.append(Card("Cost per completed task", money(summary.cost_per_task, c.currency),
                        f"over {_num(summary.tasks_completed)} tasks"))
    return out


def _outliers(summary: ReportSummary) -> str:
    parts = [f"{len(ids)} {label}" for ids, label in ((summary.over_provisioned, "over-provisioned"),
                                                     (summary.under_provisioned, "under-provisioned"))
             if ids]
    return " · ".join(parts) or "no over- or under-provisioned worker"

