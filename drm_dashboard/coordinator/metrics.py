"""The coordinator's /metrics: the manager's state in Prometheus' text format, read at scrape time."""

from __future__ import annotations

import collections
import threading
from typing import Any, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric,
)

from ..manager import DynamicResourceManager

# the policy's reasons are sentences with numbers in them; a label needs a small, fixed set
REASON_CATEGORIES = (
    ("empty pool", "empty_pool"),
    ("min_workers", "below_min_workers"),
    ("scale-up threshold", "high_allocation"),
    ("fit no worker", "unplaceable_tasks"),
    ("fits no worker", "unplaceable_tasks"),  # one task
    ("scale-down threshold", "low_allocation"),
)
DIRECTIONS = {"scale_up": "up", "scale_down": "down"}
_KINDS = ("cpu", "memory", "gpu")


def reason_category(reason: str) -> str:
    """The bounded label value for a scaling reason; "other" for a reason we do not know."""
    return next((label for words, label in REASON_CATEGORIES if words in reason), "other")


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100.0


class DecisionCounter:
    """Counts each logged decision once, by direction and reason, following the manager's cursor."""

    def __init__(self, manager: DynamicResourceManager) -> None:
        self._manager = manager
        self._cursor = 0
        self._ops: collections.Counter[tuple[str, str]] = collections.Counter()
        self._workers: collections.Counter[str] = collections.Counter()
        # two scrapes at once must not both count the same new decisions
        self._lock = threading.Lock()

    def read(self) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
        """Operations by (direction, reason) and workers added/removed by direction, so far."""
        with self._lock:
            for d in self._manager.decisions_since(self._cursor):
                direction = DIRECTIONS.get(d.action)
                if direction is not None:
                    self._ops[(direction, reason_category(d.reason))] += 1
                    self._workers[direction] += d.count
                self._cursor = max(self._cursor, d.seq)
            return dict(self._ops), dict(self._workers)


class CoordinatorCollector:
    """A prometheus_client collector over a DynamicResourceManager; nothing is cached between scrapes."""

    def __init__(self, manager: DynamicResourceManager) -> None:
        self._manager = manager
        self._decisions = DecisionCounter(manager)

    def collect(self) -> Iterator[Metric]:
        stats = self._manager.get_worker_statistics()
        perf = self._manager.get_performance_metrics()
        yield from _pool(stats)
        yield from _performance(perf)
        yield from _workers(stats["workers"])
        yield from self._events()

    def _events(self) -> Iterator[Metric]:
        ops, workers = self._decisions.read()
        c = CounterMetricFamily("drm_scaling_operations", "Scaling decisions carried out, by "
                                "direction and reason category", labels=["direction", "reason"])
        for (direction, reason), n in sorted(ops.items()):
            c.add_metric([direction, reason], n)
        yield c
        w = CounterMetricFamily("drm_scaling_workers", "Workers added (up) or removed (down) by "
                                "scaling decisions", labels=["direction"])
        for direction, n in sorted(workers.items()):
            w.add_metric([direction], n)
        yield w
        events = self._manager.event_counters()
        yield CounterMetricFamily("drm_workers_lost", "Workers marked lost for missing heartbeats",
                                  value=events["workers_lost_total"])
        buckets = [(_le(b), n) for b, n in events["allocation_buckets_ms"]]
        buckets.append(("+Inf", int(events["allocations_total"])))
        yield HistogramMetricFamily("drm_allocation_duration_milliseconds",
                                    "Time to place one reservation request", buckets=buckets,
                                    sum_value=events["allocation_ms_total"])


def _le(bound: float) -> str:
    return f"{bound:g}" if bound < 1e6 else repr(bound)


def _gauge(name: str, doc: str, value: float | None) -> Iterator[Metric]:
    # a value nobody reported is absent, never 0
    if value is not None:
        yield GaugeMetricFamily(name, doc, value=value)


def _pool(stats: dict[str, Any]) -> Iterator[Metric]:
    util, alloc = stats["overall_utilization"], stats["overall_allocation"]
    for kind in _KINDS:
        yield from _gauge(f"drm_{kind}_utilization_percent", f"Measured {kind} use of the pool, "
                          "percent of capacity", _pct(util.get(kind)))
    yield from _gauge("drm_overall_utilization_percent", "Mean measured use over the kinds present",
                      _pct(util.get("overall")))
    a = GaugeMetricFamily("drm_allocated_percent", "Reserved share of the schedulable pool, "
                          "percent; overall is the fullest kind", labels=["resource"])
    for kind in (*_KINDS, "overall"):
        if alloc.get(kind) is not None:
            a.add_metric([kind], alloc[kind] * 100.0)
    yield a
    for name, key, doc in (("drm_worker_count", "total_workers", "Registered workers"),
                           ("drm_active_workers", "active_workers", "Workers running a task"),
                           ("drm_active_tasks", "active_tasks", "Tasks holding a reservation"),
                           ("drm_pending_tasks", "pending_tasks", "Tasks waiting for resources"),
                           ("drm_resource_reservations", "resource_reservations",
                            "Reservations held")):
        yield GaugeMetricFamily(name, doc, value=stats[key])


def _performance(perf: dict[str, Any]) -> Iterator[Metric]:
    yield GaugeMetricFamily("drm_task_throughput_per_second", "Tasks completed per second over "
                            "the last minute", value=perf["task_throughput"])
    yield GaugeMetricFamily("drm_allocation_time_milliseconds", "Mean time to place a reservation "
                            "over the last minute", value=perf["allocation_time_ms"])
    yield GaugeMetricFamily("drm_queue_wait_milliseconds", "Mean wait of placed tasks over the "
                            "last minute", value=perf["queue_wait_ms"])
    yield GaugeMetricFamily("drm_resource_efficiency_percent", "Used over allocated on workers "
                            "holding reservations", value=perf["resource_efficiency"] * 100.0)
    yield CounterMetricFamily("drm_tasks_completed", "Tasks released as done",
                              value=perf["tasks_completed"])
    yield CounterMetricFamily("drm_tasks_failed", "Tasks failed, expired or lost with a worker",
                              value=perf["tasks_failed"])


# (metric suffix, help, reads one worker entry); None values leave the worker out of that family
_PER_WORKER = (
    ("cpu_utilization_percent", "Measured CPU use, percent", lambda w: _pct(w["utilization"]["cpu"])),
    ("memory_utilization_percent", "Measured memory use, percent",
     lambda w: _pct(w["utilization"]["memory"])),
    ("gpu_utilization_percent", "Measured GPU use, percent", lambda w: _pct(w["utilization"]["gpu"])),
    ("cpu_allocated_percent", "Reserved share of CPU, percent", lambda w: _pct(w["allocated"]["cpu"])),
    ("memory_allocated_percent", "Reserved share of memory, percent",
     lambda w: _pct(w["allocated"]["memory"])),
    ("gpu_allocated_percent", "Reserved share of GPU memory, percent",
     lambda w: _pct(w["allocated"]["gpu"])),
    ("tasks", "Tasks holding a reservation", lambda w: w["tasks"]),
    ("cpu_cores", "CPU capacity, cores", lambda w: w["resources"]["cpu"]["cores"]),
    ("memory_mb", "Memory capacity, MB", lambda w: w["resources"]["memory"]["total_mb"]),
    ("gpu_devices", "GPU devices", lambda w: (w["resources"].get("gpu") or {}).get("devices")),
    ("gpu_memory_mb", "GPU memory capacity, MB",
     lambda w: (w["resources"].get("gpu") or {}).get("memory_mb")),
    ("last_heartbeat_timestamp_seconds", "When the worker last reported, epoch seconds",
     lambda w: w["last_heartbeat"]),
)


def _workers(workers: dict[str, Any]) -> Iterator[Metric]:
    for suffix, doc, read in _PER_WORKER:
        family = GaugeMetricFamily(f"drm_worker_{suffix}", doc, labels=["worker_id"])
        for wid, entry in workers.items():
            value = read(entry)
            if value is not None:
                family.add_metric([wid], value)
        yield family
    status = GaugeMetricFamily("drm_worker_status", "1 for the worker's current status",
                               labels=["worker_id", "status"])
    for wid, entry in workers.items():
        status.add_metric([wid, entry["status"]], 1)
    yield status


def coordinator_registry(manager: DynamicResourceManager) -> CollectorRegistry:
    """A registry holding only this coordinator's metrics (no process or platform collectors)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CoordinatorCollector(manager))
    return registry
