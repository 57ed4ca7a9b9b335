"""Doubles of the original project's two managers, built field for field from their documented shapes.

OriginalRealManager: the original's real DynamicResourceManager. Only get_worker_statistics() and
evaluate_scaling(); no get_performance_metrics, pending_tasks, active_workers, last_heartbeat or
status; each worker's "resources" is the whole internal record with the capacity schema nested
again under "resources"; "utilization" is (total - available) / total and GPU reads 0.0 on a
machine without one; decisions are dataclasses with action none/scale_up/scale_down/maintain and
an epoch timestamp. OriginalMockManager: the original's mock. Flat worker entries with an ISO-8601
last_heartbeat and a GPU section of zeros on CPU machines, active_workers and pending_tasks,
get_performance_metrics() with `allocation_time` (ms) and resource_efficiency in PERCENT (30-95),
and on every tenth poll a new last_scaling_decision (maintain included) stamped with a naive
local datetime. Time and randomness are injected so tests are deterministic; nothing else differs.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass
class OriginalDecision:
    """The real original's ScalingDecision dataclass, its fields in its order."""

    action: str  # "none", "scale_up", "scale_down", "maintain"
    reason: str
    count: int = 0
    worker_ids: list = field(default_factory=list)
    utilization: float = 0.0
    worker_type: str = "default"
    resource_requirements: dict = field(default_factory=dict)
    provider: str | None = None
    timestamp: float | None = None


def _valid_capacity(res: Any) -> bool:
    """The original's check: int fields, available within total, GPU optional."""
    if not isinstance(res, dict) or "cpu" not in res or "memory" not in res:
        return False
    need = [("cpu", "cores", "available_cores"), ("memory", "total_mb", "available_mb")]
    if "gpu" in res:
        need.append(("gpu", "memory_mb", "available_memory_mb"))
    for kind, total, free in need:
        sec = res[kind]
        if not isinstance(sec, dict) or not isinstance(sec.get(total), int) \
                or not isinstance(sec.get(free), int) or not 0 <= sec[free] <= sec[total]:
            return False
    return "gpu" not in res or isinstance(res["gpu"].get("devices"), int)


def _efficiency(reserved: dict, run: dict) -> float:
    """Used / reserved per kind (capped at 1), GPU only when reserved, averaged: the original's."""
    kinds = [("cpu_cores", "cpu_cores_used"), ("memory_mb", "memory_mb_used")]
    if reserved.get("gpu_memory_mb", 0) > 0:
        kinds.append(("gpu_memory_mb", "gpu_memory_mb_used"))
    shares = [min(1.0, run.get(used, reserved[key]) / max(1, reserved[key])) for key, used in kinds]
    return sum(shares) / len(shares)


class OriginalRealManager:
    """The original's real manager as its dashboards saw it (no background threads here)."""

    def __init__(self, target_utilization: float = 0.7, scale_up_threshold: float = 0.8,
                 scale_down_threshold: float = 0.3, evaluation_window: int = 300,
                 scale_up_cooldown: int = 300, scale_down_cooldown: int = 600,
                 worker_reassessment_interval: int = 3600, history_retention: int = 86400,
                 *, clock: Callable[[], float] = time.time) -> None:
        self.target_utilization = target_utilization
        self.scale_up_threshold = scale_up_threshold
        self.scale_down_threshold = scale_down_threshold
        self.evaluation_window = evaluation_window
        self.scale_up_cooldown = scale_up_cooldown
        self.scale_down_cooldown = scale_down_cooldown
        self.worker_reassessment_interval = worker_reassessment_interval
        self.history_retention = history_retention
        self.clock = clock
        self.worker_resources: dict[str, dict] = {}
        self.resource_reservations: dict[str, dict] = {}
        self.worker_tasks: dict[str, set] = {}
        self.task_reservation: dict[str, str] = {}
        self.worker_performance: dict[str, dict] = {}
        self.last_scale_up_time = 0.0
        self.last_scale_down_time = 0.0

    def register_worker(self, worker_id: str, resources: dict) -> bool:
        if not _valid_capacity(resources):
            return False
        now = self.clock()
        self.worker_resources[worker_id] = {
            "registration_time": now, "last_updated": now, "resources": copy.deepcopy(resources),
            "utilization": {"cpu": 0.0, "memory": 0.0, "gpu": 0.0, "overall": 0.0}}
        self.worker_performance[worker_id] = {"task_count": 0, "success_rate": 1.0,
                                              "avg_execution_time": 0.0, "resource_efficiency": 1.0,
                                              "last_updated": now}
        self.worker_tasks[worker_id] = set()
        return True

    def deregister_worker(self, worker_id: str) -> bool:
        if worker_id not in self.worker_resources:
            return False
        for table in (self.worker_resources, self.worker_performance, self.worker_tasks):
            table.pop(worker_id, None)
        return True

    def reserve_resources(self, task_id: str, resource_requirements: dict) -> str | None:
        cpu = resource_requirements.get("cpu_cores", 1)
        mem = resource_requirements.get("memory_mb", 1024)
        gpu = resource_requirements.get("gpu_memory_mb", 0)
        fits = [wid for wid, w in self.worker_resources.items()
                if w["resources"]["cpu"]["available_cores"] >= cpu
                and w["resources"]["memory"]["available_mb"] >= mem
                and (gpu == 0 or ("gpu" in w["resources"]
                                  and w["resources"]["gpu"]["available_memory_mb"] >= gpu))]
        if not fits:
            return None
        wid = min(fits, key=lambda w: self.worker_resources[w]["resources"]["cpu"]["available_cores"])
        rid = str(uuid.uuid4())
        now = self.clock()
        self.resource_reservations[rid] = {
            "task_id": task_id, "worker_id": wid,
            "resources": {"cpu_cores": cpu, "memory_mb": mem, "gpu_memory_mb": gpu},
            "reservation_time": now, "expiration_time": now + 3600}
        res = self.worker_resources[wid]["resources"]
        res["cpu"]["available_cores"] -= cpu
        res["memory"]["available_mb"] -= mem
        if gpu and "gpu" in res:
            res["gpu"]["available_memory_mb"] -= gpu
        self.task_reservation[task_id] = rid
        self.worker_tasks[wid].add(task_id)
        return rid

    def release_resources(self, reservation_id: str) -> bool:
        r = self.resource_reservations.pop(reservation_id, None)
        if r is None:
            return False
        res = self.worker_resources[r["worker_id"]]["resources"]
        res["cpu"]["available_cores"] += r["resources"]["cpu_cores"]
        res["memory"]["available_mb"] += r["resources"]["memory_mb"]
        if r["resources"]["gpu_memory_mb"] and "gpu" in res:
            res["gpu"]["available_memory_mb"] += r["resources"]["gpu_memory_mb"]
        self.task_reservation.pop(r["task_id"], None)
        self.worker_tasks[r["worker_id"]].discard(r["task_id"])
        return True

    def record_task_execution(self, task_id: str, execution_data: dict) -> bool:
        rid = self.task_reservation.get(task_id)
        if rid is None:
            return False
        perf = self.worker_performance[self.resource_reservations[rid]["worker_id"]]
        n, ok = perf["task_count"], 1.0 if execution_data.get("success", True) else 0.0
        perf["success_rate"] = (perf["success_rate"] * n + ok) / (n + 1) if n else ok
        secs = execution_data.get("execution_time_ms", 0) / 1000.0
        perf["avg_execution_time"] = (perf["avg_execution_time"] * n + secs) / (n + 1) if n else secs
        eff = _efficiency(self.resource_reservations[rid]["resources"], execution_data)
        perf["resource_efficiency"] = (perf["resource_efficiency"] * n + eff) / (n + 1) if n else eff
        perf["task_count"] = n + 1
        perf["last_updated"] = self.clock()
        return True

    def _worker_utilization(self, worker_id: str) -> dict:
        record = self.worker_resources[worker_id]
        res = record["resources"]
        cpu = (res["cpu"]["cores"] - res["cpu"]["available_cores"]) / max(1, res["cpu"]["cores"])
        mem = (res["memory"]["total_mb"] - res["memory"]["available_mb"]) / max(1, res["memory"]["total_mb"])
        has_gpu = "gpu" in res and res["gpu"]["devices"] > 0
        gpu = ((res["gpu"]["memory_mb"] - res["gpu"]["available_memory_mb"])
               / max(1, res["gpu"]["memory_mb"])) if has_gpu else 0.0
        overall = (cpu + mem + gpu) / 3.0 if has_gpu else (cpu + mem) / 2.0
        record["utilization"] = {"cpu": cpu, "memory": mem, "gpu": gpu, "overall": overall}
        return {"worker_id": worker_id, "resources": res, "utilization": dict(record["utilization"]),
                "tasks": len(self.worker_tasks.get(worker_id, ())),
                "performance": self.worker_performance.get(worker_id, {})}

    def get_worker_utilization(self, worker_id: str | None = None) -> dict:
        if worker_id:
            return self._worker_utilization(worker_id) if worker_id in self.worker_resources else {}
        workers = {wid: self._worker_utilization(wid) for wid in self.worker_resources}
        overall = {k: 0.0 for k in ("cpu", "memory", "gpu", "overall")}
        for data in workers.values():  # GPU-less machines count as 0.0 GPU, as in the original
            for k in overall:
                overall[k] += data["utilization"][k] / len(workers)
        return {"workers": workers, "overall": overall}

    def evaluate_scaling(self) -> OriginalDecision:
        util = self.get_worker_utilization()["overall"]["overall"]
        now = self.clock()
        decision = OriginalDecision("maintain", "Current utilization within target range",
                                    utilization=util, timestamp=now)
        if now - self.last_scale_up_time < self.scale_up_cooldown:
            left = int(self.scale_up_cooldown - (now - self.last_scale_up_time))
            decision.reason = f"In scale-up cooldown period ({left}s remaining)"
        elif now - self.last_scale_down_time < self.scale_down_cooldown:
            left = int(self.scale_down_cooldown - (now - self.last_scale_down_time))
            decision.reason = f"In scale-down cooldown period ({left}s remaining)"
        elif util >= self.scale_up_threshold:
            self.last_scale_up_time = now
            n = max(1, int(len(self.worker_resources) * (min(util / self.target_utilization, 2.0) - 1)))
            decision = OriginalDecision("scale_up", f"Utilization ({util:.1%}) exceeds scale-up "
                                        f"threshold ({self.scale_up_threshold:.1%})", count=n,
                                        utilization=util, timestamp=now)
        elif util <= self.scale_down_threshold and len(self.worker_resources) > 1:
            self.last_scale_down_time = now
            idle = [w for w, tasks in self.worker_tasks.items() if not tasks][:1]
            decision = OriginalDecision("scale_down", f"Utilization ({util:.1%}) below scale-down "
                                        f"threshold ({self.scale_down_threshold:.1%})",
                                        count=len(idle), worker_ids=idle, utilization=util,
                                        timestamp=now)
        return decision

    def get_worker_statistics(self) -> dict:
        util = self.get_worker_utilization()
        return {
            "total_workers": len(self.worker_resources),
            "active_tasks": sum(len(t) for t in self.worker_tasks.values()),
            "resource_reservations": len(self.resource_reservations),
            "overall_utilization": util["overall"],
            "workers": {wid: {"resources": record,  # the whole internal record, schema nested again
                              "tasks": len(self.worker_tasks.get(wid, ())),
                              "performance": self.worker_performance.get(wid, {}),
                              "utilization": util["workers"].get(wid, {}).get("utilization", {})}
                        for wid, record in self.worker_resources.items()},
        }

    def cleanup(self) -> None:
        """The original stopped its tracker threads here; this double starts none."""


class MockDecision:
    """The original mock's decision object: no utilization, a naive local datetime."""

    def __init__(self, action: str, count: int, reason: str, now: float) -> None:
        self.action, self.count, self.reason = action, count, reason
        self.worker_ids = [f"worker-{i}" for i in range(count)]
        self.timestamp = dt.datetime.fromtimestamp(now)


class OriginalMockManager:
    """The original's mock manager: a sinusoidal load over five workers, re-drawn on every poll."""

    def __init__(self, *, seed: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.rng, self.clock = random.Random(seed), clock
        self.scale_up_threshold, self.scale_down_threshold, self.target_utilization = 0.80, 0.30, 0.60
        self.total_workers, self.active_tasks, self.pending_tasks = 5, 3, 1
        self.last_scaling_decision: MockDecision | None = None
        self.workers = {f"worker-{i}": self._worker(i) for i in range(self.total_workers)}
        self.performance_metrics = {"task_throughput": self.rng.uniform(5.0, 15.0),
                                    "allocation_time": self.rng.uniform(50.0, 150.0),
                                    "resource_efficiency": self.rng.uniform(0.6, 0.9) * 100}
        self.update_count, self.cycle_period = 0, 300

    def _heartbeat(self) -> str:
        return dt.datetime.fromtimestamp(self.clock()).isoformat()

    def _worker(self, i: int) -> dict:
        cpu, mem = 0.3 + (i * 0.1) % 0.6, 0.2 + (i * 0.15) % 0.6
        has_gpu = i % 2 == 0
        gpu = 0.1 + (i * 0.2) % 0.8 if has_gpu else 0.0
        return {
            "utilization": {"cpu": cpu, "memory": mem, "gpu": gpu, "overall": (cpu + mem + gpu) / 3},
            "tasks": max(0, min(3, i % 4)),
            "resources": {
                "cpu": {"cores": 8, "available_cores": math.ceil(8 * (1 - cpu))},
                "memory": {"total_mb": 16384, "available_mb": math.ceil(16384 * (1 - mem))},
                # CPU machines carry a GPU section of zeros and no "devices" at all
                "gpu": {"memory_mb": 8192 if has_gpu else 0,
                        "available_memory_mb": math.ceil(8192 * (1 - gpu)) if has_gpu else 0},
            },
            "health": "healthy", "status": "active", "last_heartbeat": self._heartbeat(),
        }

    def _update(self) -> None:
        now, rng = self.clock(), self.rng
        self.update_count += 1
        phase = (now % self.cycle_period) / self.cycle_period * 2 * math.pi
        load = max(0.1, min(0.9, 0.5 + 0.3 * math.sin(phase) + rng.uniform(-0.1, 0.1)))
        self.active_tasks = max(0, min(self.total_workers * 3,
                                       int(self.total_workers * load * 2 + rng.randint(-1, 1))))
        self.pending_tasks = max(0, min(10, int(load * 5 - self.total_workers + rng.randint(-1, 1))))
        for w in self.workers.values():
            self._load_worker(w, max(0.1, min(0.95, load * rng.uniform(0.8, 1.2))))
        if self.update_count % 10 == 0:
            self._decide()
        p = self.performance_metrics
        p["task_throughput"] = max(1.0, min(30.0, 15.0 * load + rng.uniform(-2.0, 2.0)))
        p["allocation_time"] = max(10.0, min(300.0, 100.0 + 100.0 * load + rng.uniform(-20.0, 20.0)))
        p["resource_efficiency"] = max(30.0, min(95.0, 70.0 + 20.0 * math.sin(phase + math.pi / 4)
                                                 + rng.uniform(-5.0, 5.0)))

    def _load_worker(self, w: dict, load: float) -> None:
        rng, res = self.rng, w["resources"]
        cpu = max(0.05, min(0.95, load * rng.uniform(0.9, 1.1)))
        mem = max(0.05, min(0.95, load * rng.uniform(0.8, 1.2)))
        gpu = max(0.0, min(0.95, load * rng.uniform(0.7, 1.3))) if res["gpu"]["memory_mb"] > 0 else 0.0
        overall = (cpu + mem + gpu) / 3 if gpu > 0 else (cpu + mem) / 2
        w["utilization"] = {"cpu": cpu, "memory": mem, "gpu": gpu, "overall": overall}
        res["cpu"]["available_cores"] = math.ceil(res["cpu"]["cores"] * (1 - cpu))
        res["memory"]["available_mb"] = math.ceil(res["memory"]["total_mb"] * (1 - mem))
        if res["gpu"]["memory_mb"] > 0:
            res["gpu"]["available_memory_mb"] = math.ceil(res["gpu"]["memory_mb"] * (1 - gpu))
        w["tasks"] = max(0, min(4, int(load * 3 + rng.randint(-1, 1))))
        w["last_heartbeat"] = self._heartbeat()

    def _decide(self) -> None:
        util = sum(w["utilization"]["overall"] for w in self.workers.values()) / len(self.workers)
        if util > self.scale_up_threshold and self.rng.random() < 0.7:
            n = self.rng.randint(1, 3)
            for i in range(self.total_workers, self.total_workers + n):
                self.workers[f"worker-{i}"] = self._worker(i)
            self.total_workers += n
            action, reason = "scale_up", "High overall utilization"
        elif util < self.scale_down_threshold and self.total_workers > 3 and self.rng.random() < 0.7:
            n = self.rng.randint(1, min(2, self.total_workers - 3))
            for i in range(self.total_workers - n, self.total_workers):
                self.workers.pop(f"worker-{i}", None)
            self.total_workers -= n
            action, reason = "scale_down", "Low overall utilization"
        else:
            n, action, reason = 0, "maintain", "Utilization within target range"
        self.last_scaling_decision = MockDecision(action, n, reason, self.clock())

    def get_worker_statistics(self) -> dict:
        self._update()
        ws = self.workers.values()
        gpus = [w["utilization"]["gpu"] for w in ws if w["utilization"]["gpu"] > 0]
        n = len(self.workers)
        return {
            "total_workers": self.total_workers, "active_workers": self.total_workers,
            "active_tasks": self.active_tasks, "pending_tasks": self.pending_tasks,
            "resource_reservations": self.active_tasks,
            "overall_utilization": {
                "cpu": sum(w["utilization"]["cpu"] for w in ws) / n if n else 0,
                "memory": sum(w["utilization"]["memory"] for w in ws) / n if n else 0,
                "gpu": sum(gpus) / len(gpus) if gpus else 0,
                "overall": sum(w["utilization"]["overall"] for w in ws) / n if n else 0},
            "workers": self.workers,  # the live dict itself, as the original returned it
        }

    def get_performance_metrics(self) -> dict:
        return self.performance_metrics
