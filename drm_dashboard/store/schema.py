"""Column names and units shared by the live and history stores, and record <-> row conversions."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from operator import attrgetter
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..models import Alert, ScalingDecision, Snapshot, WorkerSample
from ..worker_columns import NUMBER_FIELDS, WorkerColumns

# every utilization the stores keep is in PERCENT (0..100): the unit the UI shows
SYSTEM_COLUMNS = (
    "total_workers", "active_workers", "active_tasks", "pending_tasks", "resource_reservations",
    "cpu_utilization", "memory_utilization", "gpu_utilization", "overall_utilization", "allocated",
)
PERFORMANCE_COLUMNS = (
    "task_throughput", "allocation_time_ms", "queue_wait_ms", "resource_efficiency",
    "tasks_completed", "tasks_failed",
    # cumulative counters (NaN when the source has none): per-interval values come from their deltas
    "allocations_total", "allocation_ms_total", "placements_total", "queue_wait_ms_total",
)
# the per-worker matrices of the live store
WORKER_METRICS = ("cpu", "memory", "gpu", "alloc_cpu", "alloc_memory", "tasks")
# history keeps every number of a WorkerSample so the latest tick can be rebuilt on a warm start
WORKER_COLUMNS = NUMBER_FIELDS  # the model's order: a validated tick's matrix needs no shuffle
# whole numbers: stored as BIGINT, cast back from the float rows before a bulk insert
INTEGER_COLUMNS = frozenset({
    "total_workers", "active_workers", "active_tasks", "pending_tasks", "resource_reservations",
    "tasks_completed", "tasks_failed", "tasks", "gpu_devices",
})
_WORKER_PERCENT = 7  # the first seven WORKER_COLUMNS are fractions in the model
_WORKER_LIVE = [WORKER_COLUMNS.index(m) for m in WORKER_METRICS]
_worker_numbers = attrgetter(*WORKER_COLUMNS)
_NAN = math.nan


def _pct(value: float | None) -> float:
    return _NAN if value is None else value * 100.0


def _nan(value: float | None) -> float:
    return _NAN if value is None else value


def system_row(snap: Snapshot) -> list[float]:
    """One tick's system values in SYSTEM_COLUMNS order; percent, NaN for a missing GPU."""
    return [
        snap.total_workers, _nan(snap.active_workers), snap.active_tasks, _nan(snap.pending_tasks),
        snap.resource_reservations, snap.cpu * 100.0, snap.memory * 100.0, _pct(snap.gpu),
        snap.overall * 100.0, _pct(snap.allocated),
    ]


def performance_row(snap: Snapshot) -> list[float]:
    """One tick's KPIs in PERFORMANCE_COLUMNS order; efficiency in percent, NaN when absent."""
    p = snap.performance
    if p is None:
        return [_NAN] * len(PERFORMANCE_COLUMNS)
    return [_nan(p.task_throughput), _nan(p.allocation_time_ms), _nan(p.queue_wait_ms),
            _pct(p.resource_efficiency), _nan(p.tasks_completed), _nan(p.tasks_failed),
            *map(_nan, (p.allocations_total, p.allocation_ms_total, p.placements_total,
                        p.queue_wait_ms_total))]


def worker_table(workers: Sequence[WorkerSample]) -> np.ndarray:
    """[W, WORKER_COLUMNS] float64 in one pass over the samples; None becomes NaN."""
    if isinstance(workers, WorkerColumns):
        table = workers.values.copy()  # validated in bulk: no records to read
    elif not workers:
        return np.empty((0, len(WORKER_COLUMNS)))
    else:
        table = np.array(list(map(_worker_numbers, workers)), dtype=np.float64)
    table[:, :_WORKER_PERCENT] *= 100.0
    return table


def live_metrics(table: np.ndarray) -> np.ndarray:
    """The WORKER_METRICS columns of a worker_table, in that order."""
    return table[:, _WORKER_LIVE]


def workers_from_frame(frame: pd.DataFrame) -> tuple[WorkerSample, ...]:
    """Rebuild WorkerSamples from history rows (percent back to fractions)."""
    out = []
    for row in frame.to_dict("records"):
        values = {c: float(row[c]) for c in WORKER_COLUMNS}
        for name in WORKER_COLUMNS[:_WORKER_PERCENT]:
            values[name] = None if math.isnan(values[name]) else values[name] / 100.0
        for name in ("tasks", "gpu_devices"):
            values[name] = int(values[name])
        if math.isnan(values["last_heartbeat"]):
            values["last_heartbeat"] = None
        out.append(WorkerSample(worker_id=str(row["worker_id"]), status=str(row["status"]), **values))
    return tuple(out)


def decision_key(d: ScalingDecision) -> tuple[int, float, str]:
    """The identity a re-sent decision shares with the original."""
    return (d.seq, d.timestamp, d.action)


def decisions_frame(decisions: Iterable[ScalingDecision]) -> pd.DataFrame:
    """History rows for decisions; worker ids and trigger as JSON text."""
    rows = [{
        "ts": d.timestamp, "seq": d.seq, "action": d.action, "count": d.count, "reason": d.reason,
        "utilization": d.utilization, "worker_ids": json.dumps(list(d.worker_ids)),
        "trigger": None if d.trigger is None else json.dumps(asdict(d.trigger)),
    } for d in decisions]
    return pd.DataFrame(rows, columns=["ts", "seq", "action", "count", "reason", "utilization",
                                       "worker_ids", "trigger"])


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays reach alert details from analytics; anything else as text
    return value.tolist() if hasattr(value, "tolist") else str(value)


def alerts_frame(alerts: Iterable[Alert]) -> pd.DataFrame:
    """History rows for alerts; details as JSON text."""
    rows = [{
        "id": a.id, "ts": a.timestamp, "level": a.level, "source": a.source, "message": a.message,
        "details": json.dumps(dict(a.details), default=_json_default),
    } for a in alerts]
    return pd.DataFrame(rows, columns=["id", "ts", "level", "source", "message", "details"])


def decisions_from_frame(frame: pd.DataFrame) -> tuple[ScalingDecision, ...]:
    """ScalingDecisions from history rows, validated by the model itself."""
    return tuple(ScalingDecision.from_json({
        "action": r["action"], "count": int(r["count"]), "reason": r["reason"],
        "utilization": None if pd.isna(r["utilization"]) else float(r["utilization"]),
        "worker_ids": json.loads(r["worker_ids"]),
        "timestamp": float(r["ts"]), "seq": int(r["seq"]),
        "trigger": json.loads(r["trigger"]) if isinstance(r["trigger"], str) else None,
        "cluster": r.get("cluster") or "",
    }) for r in frame.to_dict("records"))


def alerts_from_frame(frame: pd.DataFrame) -> tuple[Alert, ...]:
    """Alerts from history rows."""
    return tuple(Alert(id=r["id"], timestamp=float(r["ts"]), level=r["level"], source=r["source"],
                       message=r["message"], details=json.loads(r["details"]),
                       cluster=r.get("cluster") or "")
                 for r in frame.to_dict("records"))


@dataclass(frozen=True, eq=False)
class HistoryFrames:
    """One time window of history as pandas frames (ts in epoch s, utilizations in percent)."""

    system: pd.DataFrame
    workers: pd.DataFrame
    performance: pd.DataFrame
    scaling: pd.DataFrame
    alerts: pd.DataFrame

    def decision_records(self) -> tuple[ScalingDecision, ...]:
        """The window's scaling decisions as model records."""
        return decisions_from_frame(self.scaling)

    def alert_records(self) -> tuple[Alert, ...]:
        """The window's alerts as model records."""
        return alerts_from_frame(self.alerts)

    def with_cluster(self, name: str) -> "HistoryFrames":
        """These frames with every row's cluster set to name ('' : one coordinator's records)."""
        def tagged(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.assign(cluster=name) if len(frame) else frame
        return HistoryFrames(*(tagged(f) for f in (self.system, self.workers, self.performance,
                                                    self.scaling, self.alerts)))


@dataclass(frozen=True)
class MetricInfo:
    """What a column is called on a page, its unit after a value, and what kind of number it is."""

    label: str
    unit: str  # written after the value: "%", " ms", " tasks/s", "" for counts
    kind: str  # "percent", "count", "rate" or "duration_ms": decides formatting and axes


# the one table of human names and units; pages, reports and alerts all read it
METRIC_INFO: dict[str, MetricInfo] = {
    "total_workers": MetricInfo("workers", "", "count"),
    "active_workers": MetricInfo("active workers", "", "count"),
    "active_tasks": MetricInfo("active tasks", "", "count"),
    "pending_tasks": MetricInfo("pending tasks", "", "count"),
    "resource_reservations": MetricInfo("reservations", "", "count"),
    "cpu_utilization": MetricInfo("CPU used", "%", "percent"),
    "memory_utilization": MetricInfo("memory used", "%", "percent"),
    "gpu_utilization": MetricInfo("GPU used", "%", "percent"),
    "overall_utilization": MetricInfo("overall utilization", "%", "percent"),
    "allocated": MetricInfo("allocation", "%", "percent"),
    "task_throughput": MetricInfo("throughput", " tasks/s", "rate"),
    "allocation_time_ms": MetricInfo("allocation time", " ms", "duration_ms"),
    "queue_wait_ms": MetricInfo("queue wait", " ms", "duration_ms"),
    "resource_efficiency": MetricInfo("resource efficiency", "%", "percent"),
    "tasks_completed": MetricInfo("tasks completed", "", "count"),
    "tasks_failed": MetricInfo("tasks failed", "", "count"),
    "cpu": MetricInfo("CPU", "%", "percent"),
    "memory": MetricInfo("memory", "%", "percent"),
    "gpu": MetricInfo("GPU", "%", "percent"),
    "tasks": MetricInfo("tasks", "", "count"),
}


def metric_info(name: str) -> MetricInfo:
    """The catalog entry of a column; an unknown name reads as its words, with no unit."""
    return METRIC_INFO.get(name) or MetricInfo(name.replace("_", " "), "", "")
