"""Normalize what the original project's managers returned into the DESIGN.md shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from ..validation import is_mapping

_CPU_KEYS = ("cpu", "memory", "gpu")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


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


def _overall(util: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(util)
    if out.get("overall") is None:
        out["overall"] = _mean([float(out[k]) for k in _CPU_KEYS if _is_num(out.get(k))])
    return out


def _is_num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def normalize_statistics(stats: Mapping[str, Any], now: float) -> dict[str, Any]:
    """Fill what older managers left out (timestamp, overall) and normalize worker capacity."""
    out = dict(stats)
    out.setdefault("timestamp", now)
    if is_mapping(out.get("overall_utilization")):
        out["overall_utilization"] = _overall(out["overall_utilization"])
    workers = out.get("workers")
    if is_mapping(workers):
        out["workers"] = {wid: _worker(w) for wid, w in workers.items()}
        out.setdefault("total_workers", len(workers))
    return out


def _is_canonical(worker: Mapping[str, Any]) -> bool:
    """Already in DESIGN.md's shape: pass it through without copying (the common, hot case)."""
    res, util = worker.get("resources"), worker.get("utilization")
    if not (is_mapping(res) and is_mapping(util) and "overall" in util):
        return False
    gpu = res.get("gpu")
    return is_mapping(res.get("cpu")) and (gpu is None or (is_mapping(gpu) and "memory_mb" in gpu))


def _worker(worker: Any) -> Any:
    if not is_mapping(worker) or _is_canonical(worker):
        return worker
    out = dict(worker)
    if is_mapping(out.get("resources")):
        out["resources"] = normalize_resources(out["resources"])
    if is_mapping(out.get("utilization")):
        out["utilization"] = _overall(out["utilization"])
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
    # no queue wait from the original's managers: left out, it reads "not reported", never 0 ms
    out.setdefault("tasks_completed", 0)
    out.setdefault("tasks_failed", 0)
    return out


def normalize_decision(decision: Any) -> dict[str, Any] | None:
    """A `last_scaling_decision` that is an object or a dict, with an epoch or datetime timestamp."""
    if decision is None:
        return None
    data = dict(decision) if isinstance(decision, Mapping) else {
        k: getattr(decision, k) for k in ("action", "count", "reason", "utilization",
                                          "worker_ids", "timestamp", "seq", "trigger")
        if hasattr(decision, k)}
    action = data.get("action")
    data["action"] = getattr(action, "value", action)
    stamp = data.get("timestamp")
    if isinstance(stamp, dt.datetime):
        aware = stamp if stamp.tzinfo else stamp.astimezone()
        data["timestamp"] = aware.timestamp()
    trig = data.get("trigger")
    if trig is not None and not isinstance(trig, Mapping):
        data["trigger"] = vars(trig)
    data["worker_ids"] = list(data.get("worker_ids") or ())
    data.setdefault("count", 0)
    data.setdefault("utilization", 0.0)
    return data
