"""The original project's read views (`resource_metrics`, `worker_metrics`, ...) of a LiveView."""

from __future__ import annotations

from typing import Any

import numpy as np

from .view import LiveView


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
