"""The "All clusters" view: several clusters' live views on one time grid, summed or weighted."""

from __future__ import annotations

import threading
from dataclasses import replace
from types import MappingProxyType
from typing import Iterator, Mapping, Sequence

import numpy as np

from ..models import ScalingDecision
from ..worker_columns import NUMBER_FIELDS, WorkerColumns
from .schema import PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS
from .view import LiveView

# joins a cluster and a worker id; worker ids never hold one (API v1), cluster names neither
SEPARATOR = "/"
# a cluster's last tick stands for it this many buckets, then it counts as not reporting: one
# late poll does not dip the sums, a cluster that is down drops out of them
HOLD_BUCKETS = 3
# counts and rates add up across clusters
_SUMMED = frozenset({"total_workers", "active_workers", "active_tasks", "pending_tasks",
                     "resource_reservations", "task_throughput", "tasks_completed", "tasks_failed",
                     "allocations_total", "allocation_ms_total", "placements_total",
                     "queue_wait_ms_total"})
# utilizations are means weighted by each cluster's capacity of that resource
_CAPACITY_OF = {"cpu_utilization": "cpu_cores", "memory_utilization": "memory_mb",
                "gpu_utilization": "gpu_memory_mb", "overall_utilization": "cpu_cores",
                "allocated": "cpu_cores"}
# latencies are means weighted by the tasks that went through (throughput); efficiency, which is
# used / allocated, by the allocated capacity
_THROUGHPUT_WEIGHTED = ("allocation_time_ms", "queue_wait_ms")


def cluster_worker_id(cluster: str, worker_id: str) -> str:
    """The id a worker has on the "All clusters" view."""
    return f"{cluster}{SEPARATOR}{worker_id}"


def bucket_rows(views: Mapping[str, LiveView], step_s: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Grid timestamps (the newest tick of each bucket of step_s), and each cluster's row per bucket.

    A cluster's row is its newest tick at or before the bucket, held at most HOLD_BUCKETS
    buckets; -1 where it has none (not reporting there).
    """
    t0 = min(float(v.timestamps[0]) for v in views.values())
    buckets = {c: np.floor((v.timestamps - t0) / step_s).astype(np.int64) for c, v in views.items()}
    every = np.concatenate(list(buckets.values()))
    grid = np.unique(every)
    newest = np.full(grid.size, -np.inf)
    for c, v in views.items():
        np.maximum.at(newest, np.searchsorted(grid, buckets[c]), v.timestamps)
    rows = {}
    for c, b in buckets.items():
        idx = np.searchsorted(b, grid, side="right") - 1
        held = (idx >= 0) & (grid - b[np.maximum(idx, 0)] < HOLD_BUCKETS)
        rows[c] = np.where(held, idx, -1)
    return newest, rows


def _columns(samples: Sequence) -> WorkerColumns:
    return samples if isinstance(samples, WorkerColumns) else WorkerColumns.from_samples(samples)


def _capacity(view: LiveView) -> dict[str, float]:
    """Mean capacity per worker of each resource in the cluster's latest tick (NaN: unknown)."""
    values = _columns(view.latest_workers).values
    return {name: float(np.mean(values[:, NUMBER_FIELDS.index(name)])) if len(values) else np.nan
            for name in ("cpu_cores", "memory_mb", "gpu_memory_mb")}


def _gather(views: Mapping[str, LiveView], rows: Mapping[str, np.ndarray], group: str,
            name: str) -> np.ndarray:
    """[clusters, T] values of one column on the grid; NaN where a cluster is not reporting."""
    out = []
    for c, v in views.items():
        column = getattr(v, group)[name]
        r = rows[c]
        out.append(np.where(r >= 0, column[np.maximum(r, 0)], np.nan))
    return np.vstack(out)


def _reporting(rows: Mapping[str, np.ndarray]) -> np.ndarray:
    return np.vstack([r >= 0 for r in rows.values()])


def _sum(values: np.ndarray, reporting: np.ndarray) -> np.ndarray:
    """Sum over the reporting clusters; NaN where one of them did not report the value."""
    missing = (np.isnan(values) & reporting).any(axis=0)
    total = np.nansum(np.where(reporting, values, 0.0), axis=0)
    return np.where(missing | ~reporting.any(axis=0), np.nan, total)


def _weighted(values: np.ndarray, weights: np.ndarray, reporting: np.ndarray) -> np.ndarray:
    """Mean weighted over the reporting clusters with weight > 0; NaN if one lacks the value."""
    counted = reporting & (weights > 0)
    missing = (np.isnan(values) & counted).any(axis=0)
    w = np.where(counted, weights, 0.0)
    total_w = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nansum(np.where(counted, values, 0.0) * w, axis=0) / total_w
    return np.where(missing | (total_w <= 0), np.nan, mean)


def _weights(workers: np.ndarray, capacity: Sequence[float]) -> np.ndarray:
    """Capacity on the grid: workers x their mean capacity (1 per worker when it is unknown)."""
    per_worker = np.array([1.0 if np.isnan(x) else x for x in capacity])[:, None]
    return np.nan_to_num(workers) * per_worker


def combine_views(views: Mapping[str, LiveView], step_s: float) -> LiveView:
    """One view of every cluster: counts summed, utilizations capacity-weighted, workers side by side."""
    seq = sum(v.seq for v in views.values())
    live = {c: v for c, v in views.items() if not v.is_empty}
    if not live:
        return LiveView.empty(seq)
    ts, rows = bucket_rows(live, step_s)
    reporting = _reporting(rows)
    caps = [_capacity(v) for v in live.values()]
    workers = _gather(live, rows, "system", "total_workers")
    system = {}
    for name in SYSTEM_COLUMNS:
        values = _gather(live, rows, "system", name)
        if name in _SUMMED:
            system[name] = _sum(values, reporting)
        else:
            weights = _weights(workers, [cap[_CAPACITY_OF[name]] for cap in caps])
            system[name] = _weighted(values, weights, reporting)
    performance = _performance(live, rows, reporting, workers, caps)
    ids = tuple(cluster_worker_id(c, w) for c, v in live.items() for w in v.worker_ids)
    decisions = tuple(sorted((_prefixed(c, d) for c, v in live.items() for d in v.decisions),
                             key=lambda d: d.timestamp))
    alerts = tuple(sorted((a for v in views.values() for a in v.alerts), key=lambda a: a.timestamp))
    # the per-worker matrices are copied only when a page asks for them, one metric at a time
    return LiveView(seq, seq - ts.size + 1, _ro(ts), MappingProxyType({k: _ro(a) for k, a in system.items()}),
                    MappingProxyType({k: _ro(a) for k, a in performance.items()}), ids,
                    WorkerMatrices(live, rows, len(ids)), _latest(live), decisions, alerts)


def _performance(views: Mapping[str, LiveView], rows: Mapping[str, np.ndarray], reporting: np.ndarray,
                 workers: np.ndarray, caps: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
    throughput = _gather(views, rows, "performance", "task_throughput")
    allocated = _gather(views, rows, "system", "allocated")
    out = {}
    for name in PERFORMANCE_COLUMNS:
        values = _gather(views, rows, "performance", name)
        # a tick without KPIs (NaN throughput) is a cluster not reporting them there
        has = reporting & ~np.isnan(throughput)
        if name in _SUMMED:
            out[name] = _sum(values, has)
        elif name in _THROUGHPUT_WEIGHTED:
            out[name] = _weighted(values, np.nan_to_num(throughput), has)
        else:  # resource_efficiency: used / allocated, so weighted by the allocated capacity
            capacity = _weights(workers, [cap["cpu_cores"] for cap in caps])
            out[name] = _weighted(values, capacity * np.nan_to_num(allocated), has)
    return out


class WorkerMatrices(Mapping):
    """WORKER_METRICS -> [T, workers] float32 of every cluster side by side, each built on first read."""

    def __init__(self, views: Mapping[str, LiveView], rows: Mapping[str, np.ndarray], width: int) -> None:
        self._views, self._rows, self._width = dict(views), dict(rows), width
        self._built: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in WORKER_METRICS:
            raise KeyError(name)
        with self._lock:  # two viewers asking at once build it once
            if name not in self._built:
                self._built[name] = _ro(self._build(name))
            return self._built[name]

    def _build(self, name: str) -> np.ndarray:
        n_rows = next(iter(self._rows.values())).size
        matrix = np.full((n_rows, self._width), np.nan, dtype=np.float32)
        col = 0
        for c, v in self._views.items():
            width, r = v.n_workers, self._rows[c]
            if width:
                matrix[r >= 0, col:col + width] = v.workers[name][r[r >= 0]]
            col += width
        return matrix

    def __iter__(self) -> Iterator[str]:
        return iter(WORKER_METRICS)

    def __len__(self) -> int:
        return len(WORKER_METRICS)


def _latest(views: Mapping[str, LiveView]) -> WorkerColumns:
    """Each cluster's latest workers, with cluster/worker ids, as one column block."""
    ids, status, values = [], [], [np.empty((0, len(NUMBER_FIELDS)))]
    for c, v in views.items():
        block = _columns(v.latest_workers)
        ids += [cluster_worker_id(c, w) for w in block.ids]
        status += list(block.status)
        values.append(block.values)
    return WorkerColumns(ids, status, np.vstack(values))


def _prefixed(cluster: str, d: ScalingDecision) -> ScalingDecision:
    """A decision naming its workers as the combined view does ("cluster/worker")."""
    return replace(d, worker_ids=tuple(cluster_worker_id(cluster, w) for w in d.worker_ids))


def _ro(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


__all__ = ["HOLD_BUCKETS", "SEPARATOR", "bucket_rows", "cluster_worker_id",
           "combine_views"]
