"""Pure builders of the numbers shown on cards (tested without a server)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..store.live import LiveView


@dataclass(frozen=True)
class Kpi:
    """One card: title, value as text, and a small line under it."""

    title: str
    value: str
    note: str = ""


def _last(arr: np.ndarray) -> float:
    """The newest finite value, NaN when there is none."""
    finite = arr[np.isfinite(arr)]
    return float(finite[-1]) if finite.size else math.nan


def _pct(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}%"


def _num(value: float, fmt: str = "{:.0f}") -> str:
    return "—" if math.isnan(value) else fmt.format(value)


def live_kpis(view: LiveView) -> list[Kpi]:
    """The current numbers of the pool, from the newest tick."""
    s, p = view.system, view.performance
    gpu = _last(s["gpu_utilization"])
    return [
        Kpi("Workers", _num(_last(s["total_workers"])), f"{_num(_last(s['active_workers']))} active"),
        Kpi("Active tasks", _num(_last(s["active_tasks"])), f"{_num(_last(s['pending_tasks']))} pending"),
        Kpi("CPU used", _pct(_last(s["cpu_utilization"])), f"allocated {_pct(_last(s['allocated']))}"),
        Kpi("Memory used", _pct(_last(s["memory_utilization"]))),
        Kpi("GPU used", _pct(gpu), "" if not math.isnan(gpu) else "no worker has a GPU"),
        Kpi("Throughput", _num(_last(p["task_throughput"]), "{:.2f}/s"),
            f"{_num(_last(p['tasks_completed']))} completed"),
        Kpi("Allocation time", _num(_last(p["allocation_time_ms"]), "{:.1f} ms"),
            f"queue wait {_num(_last(p['queue_wait_ms']), '{:.0f} ms')}"),
        Kpi("Efficiency", _pct(_last(p["resource_efficiency"])), "used / allocated"),
    ]
