"""PrometheusSource: the fleet as a Prometheus server holds it, aggregated there through PromQL.

The coordinator's /metrics (drm_*) give allocation, tasks and decisions; node-exporter series that
carry a `worker_id` label (set by the scrape config) give what each machine really used. Pool
numbers are sums and means computed by Prometheus, and per-worker series are fetched only for the
`max_workers` busiest workers (topk), so the dashboard's side of a tick does not grow with the
fleet (Prometheus' side does: it aggregates every series).
"""

from __future__ import annotations

import math
import re
import time
from typing import Any, Callable

from ..config import Settings
from ..errors import ConfigError, PayloadError, SourceUnavailable
from ..models import Snapshot
from .promql import PromQLClient, Sample, by_label

COUNTS = ("worker_count", "active_workers", "active_tasks", "pending_tasks",
          "resource_reservations", "task_throughput_per_second", "tasks_completed_total",
          "tasks_failed_total", "allocation_duration_milliseconds_sum",
          "allocation_duration_milliseconds_count")
MEANS = ("cpu_utilization_percent", "memory_utilization_percent", "gpu_utilization_percent",
         "overall_utilization_percent", "allocated_percent", "allocation_time_milliseconds",
         "queue_wait_milliseconds", "resource_efficiency_percent")
# counts add up over several coordinators; percentages and mean times are averaged
POOL_SUM = 'sum by (__name__) ({__name__=~"drm_(%s)"})' % "|".join(COUNTS)
POOL_MEAN = 'avg by (__name__, resource) ({__name__=~"drm_(%s)"})' % "|".join(MEANS)
NEWEST = "max(timestamp(drm_worker_count))"
DECISIONS = "sum by (direction, reason) (drm_scaling_operations_total)"
DECISION_WORKERS = "sum by (direction) (drm_scaling_workers_total)"
BUSIEST = "topk(%d, drm_worker_cpu_utilization_percent)"
WORKER_SERIES = '{__name__=~"drm_worker_.+", worker_id=~"%s"}'
NODE_CPU = ('1 - avg by (worker_id) (rate(node_cpu_seconds_total{mode="idle", worker_id=~"%s"}[%s]))')
NODE_MEMORY = ('1 - node_memory_MemAvailable_bytes{worker_id=~"%s"} '
               '/ node_memory_MemTotal_bytes{worker_id=~"%s"}')
ACTIONS = {"up": "scale_up", "down": "scale_down"}
_RE2_SPECIAL = re.compile(r"[\\.+*?()|\[\]{}^$]")


class PrometheusSource:
    """Meets MetricsSource: one snapshot per tick from a handful of PromQL instant queries."""

    def __init__(self, url: str, *, bearer_token: str | None = None,
                 basic_auth: tuple[str, str] | None = None, max_workers: int = 100,
                 rate_window: str = "5m", stale_after_s: float = 120.0, timeout_s: float = 10.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = PromQLClient(url, bearer_token=bearer_token, basic_auth=basic_auth,
                                   timeout_s=timeout_s)
        self.max_workers = max_workers
        # rate() needs two scrapes inside its window; 5m holds two at Prometheus' default 1m interval
        self._rate_window = rate_window
        self._stale_after_s = stale_after_s
        self._clock = clock
        self._seen_ops: dict[tuple[str, str], float] | None = None
        self._seen_workers: dict[str, float] = {}
        self._seq = 0

    @property
    def description(self) -> str:
        return f"Prometheus {self.client.base}"

    def snapshot(self) -> Snapshot:
        """Pool sums, the busiest workers' series and new decisions; a SourceError when unusable."""
        # one instant for the whole tick: the decision counters and the workers they moved agree
        at = self._clock()
        pool_sum, pool_mean, newest, busiest, ops, moved = self.client.query_all(
            [POOL_SUM, POOL_MEAN, NEWEST, BUSIEST % self.max_workers, DECISIONS, DECISION_WORKERS], at)
        sums = {s.labels.get("__name__", "")[4:]: s.value for s in pool_sum}
        if "worker_count" not in sums:
            raise SourceUnavailable("Prometheus holds no drm_worker_count series: is the "
                                    "coordinator's /metrics scraped (and the job up)?")
        means = _means(pool_mean)
        stamp = self._timestamp(newest)
        stats = _statistics(sums, means, self._workers(busiest, at), stamp)
        counters = ({(s.labels.get("direction", ""), s.labels.get("reason", "")): s.value for s in ops},
                    by_label(moved, "direction"))
        decisions = self._decisions(counters, stamp, means.get("allocated:overall"))
        snap = Snapshot.from_json(stats, _performance(sums, means), decisions)
        # only a snapshot that validated moves the baseline: a rejected one loses no decision
        self._seen_ops, self._seen_workers = counters
        self._seq += len(decisions)
        return snap

    def _timestamp(self, newest: list[Sample]) -> float:
        """Now, unless the newest scrape is older than stale_after_s: then that scrape's time."""
        now = self._clock()
        if not newest:
            raise SourceUnavailable("Prometheus has no timestamp for drm_worker_count")
        scraped = newest[0].value
        # a frozen timestamp is how the collector learns that the data is not moving
        return scraped if now - scraped > self._stale_after_s else now

    # -- workers ------------------------------------------------------------------------------
    def _workers(self, busiest: list[Sample], at: float) -> dict[str, dict[str, Any]]:
        """The busiest max_workers workers, each in the statistics' worker shape."""
        ids = sorted({s.labels["worker_id"] for s in busiest if "worker_id" in s.labels})
        if not ids:
            return {}
        pattern = worker_pattern(ids)
        series, cpu, mem = self.client.query_all([
            WORKER_SERIES % pattern, NODE_CPU % (pattern, self._rate_window),
            NODE_MEMORY % (pattern, pattern)], at)
        node_cpu, node_mem = by_label(cpu, "worker_id"), by_label(mem, "worker_id")
        fields: dict[str, dict[str, float]] = {i: {} for i in ids}
        status: dict[str, str] = {}
        for s in series:
            wid, name = s.labels.get("worker_id"), s.labels.get("__name__", "")[len("drm_worker_"):]
            if wid not in fields:
                continue
            if name == "status":
                if s.value == 1:
                    status[wid] = s.labels.get("status", "active")
            elif math.isfinite(s.value):
                fields[wid][name] = s.value
        return {wid: _worker(f, status.get(wid, "active"), node_cpu.get(wid), node_mem.get(wid))
                for wid, f in fields.items() if "cpu_cores" in f}

    # -- decisions ----------------------------------------------------------------------------
    def _decisions(self, counters: tuple[dict[tuple[str, str], float], dict[str, float]],
                   stamp: float, allocated_pct: float | None) -> list[dict[str, Any]]:
        """Decisions since the last tick, from the counters' increases (the first tick is a baseline)."""
        if self._seen_ops is None:
            return []
        ops, moved = counters
        out: list[dict[str, Any]] = []
        for (direction, reason), value in sorted(ops.items()):
            new = _increase(self._seen_ops.get((direction, reason), 0.0), value)
            if direction not in ACTIONS or new < 1:
                continue
            workers = _increase(self._seen_workers.get(direction, 0.0), moved.get(direction, 0.0))
            for _ in range(int(new)):
                out.append({"action": ACTIONS[direction], "count": max(int(workers // new), 1),
                            "reason": f"{reason.replace('_', ' ')} (from Prometheus counters)",
                            "utilization": _fraction(allocated_pct) or 0.0,
                            "timestamp": stamp, "seq": self._seq + len(out) + 1})
        return out


def worker_pattern(ids: list[str]) -> str:
    """A regex matching exactly these ids, escaped for RE2 and then for a PromQL double-quoted string."""
    # not re.escape: it escapes spaces, which RE2 refuses as an unknown escape
    regex = "|".join(_RE2_SPECIAL.sub(r"\\\g<0>", i) for i in ids)
    return regex.replace("\\", "\\\\").replace('"', '\\"')


def _means(samples: list[Sample]) -> dict[str, float]:
    out = {}
    for s in samples:
        name = s.labels.get("__name__", "")[4:]
        key = f"allocated:{s.labels.get('resource', '')}" if name == "allocated_percent" else name
        if math.isfinite(s.value):
            out[key] = s.value
    return out


def _increase(before: float, after: float) -> float:
    """A counter's increase; a drop means the exporter restarted and counts from 0 again."""
    return after - before if after >= before else after


def _fraction(pct: float | None) -> float | None:
    return None if pct is None else min(max(pct / 100.0, 0.0), 1.0)


def _worker(f: dict[str, float], status: str, node_cpu: float | None,
            node_mem: float | None) -> dict[str, Any]:
    """One worker entry; node-exporter's measurement wins over the agent's report when present."""
    cpu = _fraction(f.get("cpu_utilization_percent")) if node_cpu is None else _clamp(node_cpu)
    mem = _fraction(f.get("memory_utilization_percent")) if node_mem is None else _clamp(node_mem)
    gpu = _fraction(f.get("gpu_utilization_percent"))
    kinds = [k for k in (cpu, mem, gpu) if k is not None]
    resources: dict[str, Any] = {"cpu": {"cores": f["cpu_cores"]},
                                 "memory": {"total_mb": f.get("memory_mb", 0.0)}}
    if f.get("gpu_memory_mb"):
        resources["gpu"] = {"devices": int(f.get("gpu_devices", 0)), "memory_mb": f["gpu_memory_mb"]}
    return {"status": status, "tasks": int(f.get("tasks", 0)),
            "utilization": {"cpu": cpu or 0.0, "memory": mem or 0.0, "gpu": gpu,
                            "overall": sum(kinds) / len(kinds) if kinds else 0.0},
            "allocated": {"cpu": _fraction(f.get("cpu_allocated_percent")) or 0.0,
                          "memory": _fraction(f.get("memory_allocated_percent")) or 0.0,
                          "gpu": _fraction(f.get("gpu_allocated_percent"))},
            "resources": resources, "last_heartbeat": f.get("last_heartbeat_timestamp_seconds", 0.0)}


def _clamp(value: float) -> float:
    # rate() over a window can overshoot [0, 1] by a hair at scrape boundaries
    return min(max(value, 0.0), 1.0)


def _statistics(sums: dict[str, float], means: dict[str, float],
                workers: dict[str, dict[str, Any]], stamp: float) -> dict[str, Any]:
    if "cpu_utilization_percent" not in means or "memory_utilization_percent" not in means:
        raise PayloadError("Prometheus holds drm_worker_count but no drm_cpu/memory_utilization_percent")
    util = {k: _fraction(means.get(f"{k}_utilization_percent")) for k in ("cpu", "memory", "gpu")}
    util["overall"] = _fraction(means.get("overall_utilization_percent"))
    if util["overall"] is None:
        kinds = [v for v in util.values() if v is not None]
        util["overall"] = sum(kinds) / len(kinds)
    stats: dict[str, Any] = {"timestamp": stamp, "overall_utilization": util, "workers": workers}
    for key, name in (("total_workers", "worker_count"), ("active_workers", "active_workers"),
                      ("active_tasks", "active_tasks"), ("pending_tasks", "pending_tasks"),
                      ("resource_reservations", "resource_reservations")):
        stats[key] = int(round(sums.get(name, 0.0)))
    if "allocated:overall" in means:
        stats["overall_allocation"] = {"overall": _fraction(means["allocated:overall"])}
    return stats


def _performance(sums: dict[str, float], means: dict[str, float]) -> dict[str, Any] | None:
    needed = ("allocation_time_milliseconds", "queue_wait_milliseconds", "resource_efficiency_percent")
    if "task_throughput_per_second" not in sums or any(n not in means for n in needed):
        return None  # not reported: the Performance tab says so instead of drawing zeros
    return {"task_throughput": sums["task_throughput_per_second"],
            "allocation_time_ms": means["allocation_time_milliseconds"],
            "queue_wait_ms": means["queue_wait_milliseconds"],
            "resource_efficiency": _fraction(means["resource_efficiency_percent"]),
            "tasks_completed": int(sums.get("tasks_completed_total", 0)),
            "tasks_failed": int(sums.get("tasks_failed_total", 0)),
            "allocations_total": sums.get("allocation_duration_milliseconds_count"),
            "allocation_ms_total": sums.get("allocation_duration_milliseconds_sum")}



def from_settings(settings: Settings) -> PrometheusSource:
    """The source --prometheus-* describe; the token file is read once, here."""
    token = None
    if settings.prometheus_bearer_token_file:
        try:
            with open(settings.prometheus_bearer_token_file, encoding="utf-8") as fh:
                token = fh.read().strip()
        except OSError as exc:
            raise ConfigError(f"--prometheus-bearer-token-file: cannot read "
                              f"{settings.prometheus_bearer_token_file}: {exc.strerror}") from None
        if not token:
            raise ConfigError("--prometheus-bearer-token-file: the file is empty")
    auth = None
    if settings.prometheus_user:
        auth = (settings.prometheus_user, settings.prometheus_password or "")
    return PrometheusSource(settings.prometheus_url or "", bearer_token=token, basic_auth=auth,
                            max_workers=settings.prometheus_max_workers)
