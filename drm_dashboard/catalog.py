"""The metric catalog: every number the dashboard keeps, its words, unit, direction and uses.

The one table every layer reads: the stores take their columns from it, analytics its detectors,
forecasts and directions, alert messages and pages its labels and units, the run summary its
KPIs. Adding a KPI is one `Metric` here plus the source field that carries it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

GROUPS = ("system", "performance", "worker")
# how a value is written: percent "42%", count "1,024", rate "3.1 tasks/s", duration_ms "850 ms",
# counter: a cumulative total the detectors difference, never shown on its own
KINDS = ("percent", "count", "rate", "duration_ms", "counter")


@dataclass(frozen=True)
class Metric:
    """One catalogued number: where it lives, how it reads, which way is better, what judges it."""

    name: str
    label: str  # lower-case words pages and messages use; sentence starts use `title`
    unit: str  # written once, no leading space: "%", "ms", "tasks/s", "workers", "" (unitless)
    kind: str  # the number format, one of KINDS
    group: str  # the store's column group, one of GROUPS
    field: str = ""  # attribute of Snapshot / PerformanceSample carrying it ("" for worker columns)
    scale: float = 1.0  # stored = reported * scale: fractions are stored as percent
    higher_is_better: bool | None = None  # None: a change is neither good nor bad
    detect: bool = False  # an online regression detector judges it every tick
    # its level follows the workload (a wave of arrivals moves it by multiples): its level shifts
    # are findings, but regression alerts on it are off unless the rule turns them on
    follows_load: bool = False
    forecast: bool = False  # forecast, and an ETA toward any threshold rule on it
    summary: bool = False  # statistics of it in the run summary and the report
    axis: str = ""  # y-axis title of its Performance-tab chart; "" = no chart there

    @property
    def title(self) -> str:
        """The label at the start of a sentence ('CPU used', 'Queue wait')."""
        return self.label[:1].upper() + self.label[1:]

    @property
    def suffix(self) -> str:
        """What follows a value: '%' joined, counts bare, other units after a space."""
        if self.kind == "percent":
            return "%"
        return "" if self.kind in ("count", "counter") or not self.unit else f" {self.unit}"

    @property
    def upper(self) -> float:
        """The largest value the quantity can take (percent stops at 100)."""
        return 100.0 if self.kind == "percent" else math.inf


def _pct(name: str, label: str, group: str, field: str, **uses: Any) -> Metric:
    """A percentage of capacity or allocation; the source reports it as a fraction."""
    return Metric(name, label, "%", "percent", group, field, 100.0, **uses)


# order is the stores' column order; names are the LiveStore's and DESIGN.md's
CATALOG: tuple[Metric, ...] = (
    Metric("total_workers", "workers", "workers", "count", "system", "total_workers", summary=True),
    Metric("active_workers", "active workers", "workers", "count", "system", "active_workers"),
    Metric("active_tasks", "active tasks", "tasks", "count", "system", "active_tasks", summary=True),
    Metric("pending_tasks", "pending tasks", "tasks", "count", "system", "pending_tasks", summary=True),
    Metric("resource_reservations", "reservations", "reservations", "count", "system",
           "resource_reservations"),
    _pct("cpu_utilization", "CPU used", "system", "cpu", detect=True, forecast=True, summary=True),
    _pct("memory_utilization", "memory used", "system", "memory", detect=True, forecast=True,
         summary=True),
    _pct("gpu_utilization", "GPU used", "system", "gpu", detect=True, forecast=True, summary=True),
    _pct("overall_utilization", "overall utilization", "system", "overall"),
    _pct("allocated", "allocation", "system", "allocated", forecast=True, summary=True),
    Metric("task_throughput", "throughput", "tasks/s", "rate", "performance", "task_throughput",
           higher_is_better=True, detect=True, follows_load=True, forecast=True, summary=True,
           axis="tasks per second"),
    Metric("allocation_time_ms", "allocation time", "ms", "duration_ms", "performance",
           "allocation_time_ms", higher_is_better=False, detect=True, forecast=True, summary=True,
           axis="ms per reservation"),
    Metric("queue_wait_ms", "queue wait", "ms", "duration_ms", "performance", "queue_wait_ms",
           higher_is_better=False, detect=True, follows_load=True, forecast=True, summary=True,
           axis="ms before placement"),
    _pct("resource_efficiency", "resource efficiency", "performance", "resource_efficiency",
         higher_is_better=True, detect=True, forecast=True, summary=True,
         axis="used / allocated (%)"),
    Metric("tasks_completed", "tasks completed", "tasks", "count", "performance", "tasks_completed"),
    Metric("tasks_failed", "tasks failed", "tasks", "count", "performance", "tasks_failed"),
    # cumulative counters (NaN when the source has none): per-interval means come from their deltas
    Metric("allocations_total", "allocations", "allocations", "counter", "performance",
           "allocations_total"),
    Metric("allocation_ms_total", "allocation time in total", "ms", "counter", "performance",
           "allocation_ms_total"),
    Metric("placements_total", "placements", "placements", "counter", "performance",
           "placements_total"),
    Metric("queue_wait_ms_total", "queue wait in total", "ms", "counter", "performance",
           "queue_wait_ms_total"),
    # the live store's per-worker matrices, in percent
    _pct("cpu", "CPU", "worker", ""),
    _pct("memory", "memory", "worker", ""),
    _pct("gpu", "GPU", "worker", ""),
    _pct("alloc_cpu", "CPU allocated", "worker", ""),
    _pct("alloc_memory", "memory allocated", "worker", ""),
    Metric("tasks", "tasks", "tasks", "count", "worker"),
)
METRICS: Mapping[str, Metric] = {m.name: m for m in CATALOG}


def metric_info(name: str) -> Metric:
    """The catalog entry of a name; an unknown name reads as its words, with no unit."""
    return METRICS.get(name) or Metric(name, name.replace("_", " "), "", "", "")


def names(*, group: str | None = None, **fields: Any) -> tuple[str, ...]:
    """Names in catalog order, of one group and/or with the given field values (detect=True, ...)."""
    return tuple(m.name for m in CATALOG if (group is None or m.group == group)
                 and all(getattr(m, field) == want for field, want in fields.items()))


def higher_is_better(name: str) -> bool | None:
    """Which way is better for a metric; None for neither or an unknown name."""
    return metric_info(name).higher_is_better
