"""LiveView: one published, immutable state of the live store, and the original project's dicts."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from ..models import Alert, ScalingDecision, WorkerSample
from .schema import PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS


Arrays = Mapping[str, np.ndarray]


def _empty_view_arrays() -> tuple[np.ndarray, Arrays, Arrays, Arrays]:
    def ro(arr: np.ndarray) -> np.ndarray:
        arr.flags.writeable = False
        return arr
    return (ro(np.empty(0)), {k: ro(np.empty(0)) for k in SYSTEM_COLUMNS},
            {k: ro(np.empty(0)) for k in PERFORMANCE_COLUMNS},
            {k: ro(np.empty((0, 0), np.float32)) for k in WORKER_METRICS})


@dataclass(frozen=True)
class HistoryRange:
    """Where a view read from the history file comes from: its range and bucket step (epoch s)."""

    start: float
    end: float
    step_s: float
    number: int  # distinct for every view built: names what a page shows


@dataclass(frozen=True, eq=False)
class LiveView:
    """Ticks first_seq..seq: read-only arrays (utilizations in percent) that never change."""

    seq: int
    first_seq: int
    timestamps: np.ndarray  # float64 epoch seconds, [T]
    system: Arrays  # SYSTEM_COLUMNS -> float64 [T]
    performance: Arrays  # PERFORMANCE_COLUMNS -> float64 [T], NaN when absent
    worker_ids: tuple[str, ...]
    workers: Arrays  # WORKER_METRICS -> float32 [T, W], NaN when absent
    latest_workers: tuple[WorkerSample, ...]
    decisions: tuple[ScalingDecision, ...]
    alerts: tuple[Alert, ...]
    # None for the live window; set on a view of bucket means read from the history file
    history: HistoryRange | None = None

    @classmethod
    def empty(cls, seq: int = 0) -> "LiveView":
        """A view with no ticks."""
        ts, system, perf, workers = _empty_view_arrays()
        return cls.build(seq, seq + 1, ts, system, perf, (), workers, (), (), ())

    @classmethod
    def build(cls, seq: int, first_seq: int, timestamps: np.ndarray, system: Arrays,
              performance: Arrays, worker_ids: tuple[str, ...], workers: Arrays,
              latest_workers: tuple[WorkerSample, ...], decisions: tuple[ScalingDecision, ...],
              alerts: tuple[Alert, ...], history: HistoryRange | None = None) -> "LiveView":
        """A view whose mappings are read-only proxies."""
        return cls(seq, first_seq, timestamps, MappingProxyType(dict(system)),
                   MappingProxyType(dict(performance)), worker_ids,
                   MappingProxyType(dict(workers)), latest_workers, decisions, alerts, history)

    @property
    def n_ticks(self) -> int:
        return int(self.timestamps.shape[0])

    @property
    def n_workers(self) -> int:
        return len(self.worker_ids)

    @property
    def is_empty(self) -> bool:
        return self.n_ticks == 0

    @property
    def span_s(self) -> float:
        """Seconds between the first and the last tick in the view."""
        return float(self.timestamps[-1] - self.timestamps[0]) if self.n_ticks else 0.0

    @property
    def last_timestamp(self) -> float | None:
        return float(self.timestamps[-1]) if self.n_ticks else None

    @property
    def seqs(self) -> np.ndarray:
        """Tick sequence numbers, one per row."""
        return np.arange(self.first_seq, self.first_seq + self.n_ticks)

    @cached_property
    def worker_index(self) -> Mapping[str, int]:
        """Column of each worker id in the worker matrices."""
        return MappingProxyType({wid: i for i, wid in enumerate(self.worker_ids)})

    @cached_property
    def present(self) -> np.ndarray:
        """[T, W] bool: the worker reported in that tick (its cpu is never NaN when it did)."""
        mask = ~np.isnan(self.workers["cpu"])
        mask.flags.writeable = False
        return mask

    def worker_series(self, worker_id: str, metric: str) -> np.ndarray:
        """One worker's metric over the view's ticks (NaN where absent); KeyError if unknown."""
        return self.workers[metric][:, self.worker_index[worker_id]]

    def latest(self, name: str) -> float:
        """Last value of a system or performance column; NaN for an empty view."""
        column = self.system[name] if name in self.system else self.performance[name]
        return float(column[-1]) if self.n_ticks else float("nan")


def _ints(values: np.ndarray) -> list[int | None]:
    """Whole numbers as ints; None where the source did not report one."""
    return [None if v != v else int(v) for v in values.tolist()]


def resource_metrics(view: LiveView) -> dict[str, list]:
    """The original `resource_metrics` dict: epoch-second timestamps and percent values."""
    s = view.system
    return {
        "timestamps": view.timestamps.tolist(),
        "cpu_utilization": s["cpu_utilization"].tolist(),
        "memory_utilization": s["memory_utilization"].tolist(),
        "gpu_utilization": s["gpu_utilization"].tolist(),
        "worker_count": _ints(s["total_workers"]),
        "active_tasks": _ints(s["active_tasks"]),
        "pending_tasks": _ints(s["pending_tasks"]),
    }


def worker_metrics(view: LiveView) -> dict[str, dict[str, list]]:
    """The original `worker_metrics` dict: per worker, only the ticks it reported in."""
    # one transposed float64 copy per metric: a worker's ticks become a contiguous row
    by_worker = {m: view.workers[m].T.astype(np.float64) for m in ("cpu", "memory", "gpu", "tasks")}
    present = view.present.T
    out: dict[str, dict[str, list]] = {}
    for j, wid in enumerate(view.worker_ids):
        rows = present[j]
        out[wid] = {
            "timestamps": view.timestamps[rows].tolist(),
            "cpu_utilization": by_worker["cpu"][j][rows].tolist(),
            "memory_utilization": by_worker["memory"][j][rows].tolist(),
            "gpu_utilization": by_worker["gpu"][j][rows].tolist(),
            "tasks": _ints(by_worker["tasks"][j][rows]),
        }
    return out


def performance_metrics(view: LiveView) -> dict[str, list]:
    """The original `performance_metrics` dict: ticks that carried KPIs; efficiency in percent."""
    p = view.performance
    rows = ~np.isnan(p["task_throughput"])
    return {
        "timestamps": view.timestamps[rows].tolist(),
        "task_throughput": p["task_throughput"][rows].tolist(),
        "allocation_time": p["allocation_time_ms"][rows].tolist(),
        "queue_wait": p["queue_wait_ms"][rows].tolist(),
        "resource_efficiency": p["resource_efficiency"][rows].tolist(),
        "tasks_completed": _ints(p["tasks_completed"][rows]),
        "tasks_failed": _ints(p["tasks_failed"][rows]),
    }


def scaling_decisions(view: LiveView) -> list[dict[str, Any]]:
    """The original `scaling_decisions` list of dicts."""
    return [d.to_dict() for d in view.decisions]


def alerts(view: LiveView) -> list[dict[str, Any]]:
    """The original `alerts` list of dicts."""
    return [a.to_dict() for a in view.alerts]
