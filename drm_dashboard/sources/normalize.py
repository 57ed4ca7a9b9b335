"""Normalize what the original project's managers returned into the DESIGN.md shapes.

What a manager did not send stays "not reported" (None), never 0. What follows from what it sent
is derived: a worker's allocated share from its capacity record (total minus available, the
original's own reading of it), its status and the active-worker count from its task count.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..validation import is_mapping

_KINDS = ("cpu", "memory", "gpu")
# (section, total, available) of each kind in the capacity schema
_CAPACITY = (("cpu", "cores", "available_cores"), ("memory", "total_mb", "available_mb"),
             ("gpu", "memory_mb", "available_memory_mb"))
_DECISION_FIELDS = ("action", "count", "reason", "utilization", "worker_ids", "timestamp", "seq",
                    "trigger")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def epoch_seconds(value: Any) -> Any:
    """An epoch, a datetime or an ISO-8601 string as epoch seconds (naive means local time)."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value  # left as it came: validation names the field and the bad value
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.astimezone()).timestamp()
    return value


def normalize_resources(res: Mapping[str, Any]) -> dict[str, Any]:
    """Accept capacity nested one level deeper, flat, or with GPU `total_memory_mb`."""
    if isinstance(res.get("resources"), Mapping):
        res = res["resources"]
    if "cpu" in res and isinstance(res["cpu"], Mapping):
        out = {"cpu": dict(res["cpu"]), "memory": dict(res.get("memory") or {})}
        gpu = res.get("gpu")
        if isinstance(gpu, Mapping) and gpu:
            gpu = dict(gpu)
            if "memory_mb" not in gpu and "total_memory_mb" in gpu:
                gpu["memory_mb"] = gpu["total_memory_mb"]
            # the original's mock lists {"memory_mb": 0} for a worker without a GPU
            if _is_num(gpu.get("memory_mb")) and gpu["memory_mb"] > 0:
                out["gpu"] = gpu
        return out
    return _from_flat(res)


def _from_flat(res: Mapping[str, Any]) -> dict[str, Any]:
    """A flat capacity record: cpu_cores, memory_mb, gpu_memory_mb and their available_* twins."""
    out: dict[str, Any] = {
        "cpu": {"cores": res.get("cpu_cores", res.get("cores", 0)),
                "available_cores": res.get("available_cores", res.get("cpu_cores", 0))},
        "memory": {"total_mb": res.get("memory_mb", res.get("total_memory_mb", 0)),
                   "available_mb": res.get("available_memory_mb", res.get("memory_mb", 0))},
    }
    gpu_mb = res.get("gpu_memory_mb", res.get("gpu_total_memory_mb"))
    if gpu_mb:
        out["gpu"] = {"devices": res.get("gpu_devices", res.get("gpu_count", 1)), "memory_mb": gpu_mb,
                      "available_memory_mb": res.get("available_gpu_memory_mb", gpu_mb)}
    return out


def _held(resources: Mapping[str, Any]) -> dict[str, tuple[float, float]]:
    """Per kind the schema describes: (held, total), held being total minus available."""
    out = {}
    for kind, total_key, free_key in _CAPACITY:
        section = resources.get(kind)
        if not is_mapping(section):
            continue
        total, free = section.get(total_key), section.get(free_key, section.get(total_key))
        if _is_num(total) and _is_num(free) and total > 0:
            out[kind] = (max(total - free, 0.0), float(total))
    return out


def _utilization(util: Mapping[str, Any], has_gpu: bool) -> dict[str, Any]:
    out = dict(util)
    if not has_gpu:
        out["gpu"] = None  # the originals sent 0.0 for a machine that has no GPU
    if out.get("overall") is None:
        out["overall"] = _mean([float(out[k]) for k in _KINDS if _is_num(out.get(k))])
    return out


def _worker(worker: Any) -> Any:
    if not is_mapping(worker) or _is_canonical(worker):
        return worker
    out = dict(worker)
    res = normalize_resources(out["resources"]) if is_mapping(out.get("resources")) else None
    if res is not None:
        out["resources"] = res
        if "allocated" not in out:
            out["allocated"] = {k: held / total for k, (held, total) in _held(res).items()}
    if is_mapping(out.get("utilization")):
        out["utilization"] = _utilization(out["utilization"], res is None or "gpu" in res)
    if "status" not in out and _is_num(out.get("tasks")):
        out["status"] = "active" if out["tasks"] > 0 else "idle"  # our manager's own words
    out["last_heartbeat"] = epoch_seconds(out.get("last_heartbeat"))
    return out


def _is_canonical(worker: Mapping[str, Any]) -> bool:
    """Already in DESIGN.md's shape: pass it through without copying (the common, hot case)."""
    res, util = worker.get("resources"), worker.get("utilization")
    if not (is_mapping(res) and is_mapping(util) and "overall" in util and "allocated" in worker
            and _is_num(worker.get("last_heartbeat"))):
        return False
    gpu = res.get("gpu")
    return is_mapping(res.get("cpu")) and (gpu is None or (is_mapping(gpu) and "memory_mb" in gpu))


def _pool_allocation(workers: Mapping[str, Any]) -> dict[str, Any] | None:
    """Held share of the pool per kind; overall is the fullest kind, as our policy judges it."""
    sums: dict[str, list[float]] = {}
    for w in workers.values():
        if is_mapping(w) and is_mapping(w.get("resources")):
            for kind, (held, total) in _held(w["resources"]).items():
                acc = sums.setdefault(kind, [0.0, 0.0])
                acc[0], acc[1] = acc[0] + held, acc[1] + total
    if not sums:
        return None
    shares = {k: held / total for k, (held, total) in sums.items()}
    return {"cpu": shares.get("cpu"), "memory": shares.get("memory"), "gpu": shares.get("gpu"),
            "overall": max(shares.values())}


def _pool_utilization(util: Mapping[str, Any], workers: Any) -> dict[str, Any]:
    """The pool's GPU from machines that have one: the real original averaged in CPU machines' 0.0."""
    if not is_mapping(workers):
        return _utilization(util, True)
    gpus = [w for w in workers.values()
            if is_mapping(w) and is_mapping(w.get("resources")) and "gpu" in w["resources"]]
    out = _utilization(util, bool(gpus))
    values = [float(w["utilization"]["gpu"]) for w in gpus
              if is_mapping(w.get("utilization")) and _is_num(w["utilization"].get("gpu"))]
    if values and len(gpus) < len(workers):
        out["gpu"] = _mean(values)
    return out


def normalize_statistics(stats: Mapping[str, Any], now: float) -> dict[str, Any]:
    """Fill what older managers left out: timestamp, overall, allocation, not-reported counts."""
    out = dict(stats)
    out.setdefault("timestamp", now)
    out["timestamp"] = epoch_seconds(out["timestamp"])
    workers = out.get("workers")
    # only the originals lack overall_allocation: our own manager's statistics (the hot path, every
    # tick at thousands of workers) skip the passes over the pool below
    original = "overall_allocation" not in out
    if is_mapping(workers):
        out["workers"] = workers = {wid: _worker(w) for wid, w in workers.items()}
        out.setdefault("total_workers", len(workers))
        if original:
            out["overall_allocation"] = _pool_allocation(workers)
        if "active_workers" not in out:
            out["active_workers"] = sum(1 for w in workers.values()
                                        if is_mapping(w) and w.get("status") == "active")
    util = out.get("overall_utilization")
    if is_mapping(util):
        out["overall_utilization"] = _pool_utilization(util, workers) if original else _utilization(util, True)
    out.setdefault("active_workers", None)
    out.setdefault("pending_tasks", None)
    return out


def normalize_performance(perf: Mapping[str, Any]) -> dict[str, Any]:
    """Efficiency may come as a percent; older names for the KPIs are mapped to ours."""
    out = dict(perf)
    for old, new in (("allocation_time", "allocation_time_ms"), ("queue_wait", "queue_wait_ms"),
                     ("throughput", "task_throughput")):
        if new not in out and old in out:
            out[new] = out[old]
    eff = out.get("resource_efficiency")
    # a fraction never exceeds 1: anything above is the original's percent
    if _is_num(eff) and eff > 1.0:
        out["resource_efficiency"] = eff / 100.0
    for name in ("task_throughput", "allocation_time_ms", "queue_wait_ms", "resource_efficiency",
                 "tasks_completed", "tasks_failed"):
        out.setdefault(name, None)
    return out


def performance_from_workers(stats: Mapping[str, Any]) -> dict[str, Any] | None:
    """The real original's per-worker records (task_count, success_rate, 0..1 efficiency), pooled."""
    records = [w["performance"] for w in (stats.get("workers") or {}).values()
               if is_mapping(w) and is_mapping(w.get("performance"))]
    records = [r for r in records if _is_num(r.get("task_count")) and r["task_count"] > 0]
    if not records:
        return None  # nothing recorded yet: its registration defaults are not measurements
    tasks = sum(r["task_count"] for r in records)
    done = round(sum(r["task_count"] * float(r.get("success_rate", 1.0)) for r in records))
    eff = sum(r["task_count"] * float(r.get("resource_efficiency", 0.0)) for r in records) / tasks
    return normalize_performance({"resource_efficiency": eff, "tasks_completed": done,
                                  "tasks_failed": tasks - done})


def normalize_decision(decision: Any) -> dict[str, Any] | None:
    """A decision object or dict, with an epoch, datetime or ISO timestamp; 'none' is maintain."""
    if decision is None:
        return None
    data = dict(decision) if isinstance(decision, Mapping) else {
        k: getattr(decision, k) for k in _DECISION_FIELDS if hasattr(decision, k)}
    action = getattr(data.get("action"), "value", data.get("action"))
    data["action"] = "maintain" if action == "none" else action
    data["timestamp"] = epoch_seconds(data.get("timestamp"))
    trig = data.get("trigger")
    if trig is not None and not isinstance(trig, Mapping):
        data["trigger"] = vars(trig)
    data["worker_ids"] = list(data.get("worker_ids") or ())
    data.setdefault("count", 0)
    data.setdefault("utilization", None)
    return data


@dataclass(frozen=True)
class OriginalPolicy:
    """The thresholds an original-shaped manager keeps as attributes; window_s NaN when it has none."""

    target: float
    scale_up_threshold: float
    scale_down_threshold: float
    window_s: float


def policy_of(manager: Any) -> Any:
    """Our manager's ScalingPolicy, the original's threshold attributes, or None when unknown."""
    if manager is None:
        return None
    policy = getattr(manager, "policy", None)
    if policy is not None:
        return policy
    values = [getattr(manager, name, None) for name in
              ("target_utilization", "scale_up_threshold", "scale_down_threshold")]
    if not all(_is_num(v) for v in values):
        return None
    window = getattr(manager, "evaluation_window", None)  # the real original's; the mock has none
    return OriginalPolicy(*map(float, values), float(window) if _is_num(window) else math.nan)
