"""The original DynamicResourceManager's constructor arguments and methods, over our manager's state.

Each method does what the original's did with our records: utilization per worker, capacity
updates, task execution records that feed per-worker performance and resource predictions, and
housekeeping. The mixin reads the manager's lock, workers and reservations; it adds no thread.
"""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from .capacity import check_number
from .scaling import ScalingPolicy
from .stats import pool_totals, worker_entry

if TYPE_CHECKING:
    from .pool import Worker

# the original's conservative guess for a task nothing is known about
DEFAULT_NEEDS = {"cpu_cores": 2, "memory_mb": 4096, "gpu_memory_mb": 0}
# fewer similar executions than this and a prediction is the request itself, marked unpredicted
MIN_SIMILAR = 3
PREDICTION_QUANTILE = 0.9
_USED = (("cpu_cores", "cpu_cores_used"), ("memory_mb", "memory_mb_used"),
         ("gpu_memory_mb", "gpu_memory_mb_used"))


def policy_from_original(target_utilization: float | None, scale_up_threshold: float | None,
                         scale_down_threshold: float | None, evaluation_window: float | None,
                         scale_up_cooldown: float | None,
                         scale_down_cooldown: float | None) -> ScalingPolicy | None:
    """A ScalingPolicy from the original's arguments (ours for those left out); None if none given."""
    given = {"target": target_utilization, "scale_up_threshold": scale_up_threshold,
             "scale_down_threshold": scale_down_threshold, "window_s": evaluation_window,
             "cooldown_up_s": scale_up_cooldown, "cooldown_down_s": scale_down_cooldown}
    given = {k: float(v) for k, v in given.items() if v is not None}
    return ScalingPolicy(**given) if given else None


@dataclass(frozen=True)
class Execution:
    """One finished task as record_task_execution got it: what it reserved and what it used."""

    timestamp: float
    worker_id: str
    key: tuple[Any, ...]
    success: bool
    execution_s: float
    reserved: tuple[float, float, float]
    used: tuple[float, float, float]

    @property
    def efficiency(self) -> float:
        """Used / reserved per kind it reserved, capped at 1, averaged (the original's measure)."""
        shares = [min(u / r, 1.0) for u, r in zip(self.used, self.reserved) if r > 0]
        return sum(shares) / len(shares) if shares else 1.0


def task_key(task: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two tasks alike for prediction: model (or type) and batch size."""
    model = task.get("model", task.get("model_name", task.get("task_type")))
    return (model, task.get("batch_size"))


def _quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile: a value some execution really used."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _policy_field(name: str, doc: str) -> property:
    return property(lambda self: getattr(self.policy, name), doc=doc)


class OriginalApi:
    """Mixed into DynamicResourceManager: the original's methods with its return types."""

    # the original's attribute names, read from the policy they set (change it with a new policy)
    target_utilization = _policy_field("target", "Target allocation, a fraction.")
    scale_up_threshold = _policy_field("scale_up_threshold", "Scale up at this allocation.")
    scale_down_threshold = _policy_field("scale_down_threshold", "Scale down at this allocation.")
    evaluation_window = _policy_field("window_s", "Seconds the policy judges over.")
    scale_up_cooldown = _policy_field("cooldown_up_s", "Seconds between scale-ups.")
    scale_down_cooldown = _policy_field("cooldown_down_s", "Seconds between scale-downs.")

    policy: ScalingPolicy
    _lock: Any
    _workers: dict[str, Worker]
    _reservations: dict[str, Any]
    _clock: Any
    _executions: collections.deque[Execution]
    worker_reassessment_interval: float
    history_retention: float

    def get_worker_utilization(self, worker_id: str | None = None) -> dict[str, Any]:
        """One worker's entry ({} if unknown), or {"workers": ..., "overall": ...} for all."""
        with self._lock:
            if worker_id is not None:
                worker = self._workers.get(worker_id)
                return {} if worker is None else self._utilization_entry(worker)
            workers = {wid: self._utilization_entry(w) for wid, w in self._workers.items()}
            return {"workers": workers, "overall": pool_totals(self._workers.values()).utilization()}

    def _utilization_entry(self, worker: Worker) -> dict[str, Any]:
        entry = worker_entry(worker, worker.status)
        return {"worker_id": worker.worker_id, **entry, "performance": self._performance(worker)}

    def _performance(self, worker: Worker) -> dict[str, Any]:
        """The original's per-worker record, from this worker's recorded executions."""
        runs = [e for e in self._executions if e.worker_id == worker.worker_id]
        if not runs:
            return {"task_count": 0, "success_rate": None, "avg_execution_time": None,
                    "resource_efficiency": None, "last_updated": None}
        n = len(runs)
        return {"task_count": n, "success_rate": sum(e.success for e in runs) / n,
                "avg_execution_time": sum(e.execution_s for e in runs) / n,
                "resource_efficiency": sum(e.efficiency for e in runs) / n,
                "last_updated": runs[-1].timestamp}

    def update_worker_resources(self, worker_id: str, resources: Mapping[str, Any]) -> bool:
        """Replace a worker's capacity; False (as the original) for an unknown worker or bad data."""
        try:
            self.update_worker(worker_id, resources)  # type: ignore[attr-defined]
        except (KeyError, ValueError):
            return False
        return True

    def workers_due_for_reassessment(self) -> list[str]:
        """Workers whose capacity is older than worker_reassessment_interval (the original logged them)."""
        with self._lock:
            cutoff = self._clock() - self.worker_reassessment_interval
            return [w.worker_id for w in self._workers.values() if w.capacity_since < cutoff]

    def record_task_execution(self, task_id: str, execution_data: Mapping[str, Any]) -> bool:
        """Keep a finished task's run for its worker's performance and for predictions.

        Call it before release_resources (as with the original): the reservation says where the
        task ran and what it reserved. False when the task holds no reservation.
        """
        with self._lock:
            res = next((r for r in self._reservations.values() if r.task_id == task_id), None)
            if res is None:
                return False
            reserved = tuple(res.amounts)
            used = tuple(check_number(execution_data.get(name, reserved[k]), name)
                         for k, (_, name) in enumerate(_USED))
            self._executions.append(Execution(
                self._clock(), res.worker_id, task_key(execution_data),
                bool(execution_data.get("success", True)),
                check_number(execution_data.get("execution_time_ms", 0.0), "execution_time_ms") / 1000.0,
                reserved, used))
            self._prune_executions()
            return True

    def predict_resource_needs(self, task_data: Mapping[str, Any]) -> dict[str, Any]:
        """The 90th percentile of what similar recorded tasks used; the request itself until then."""
        with self._lock:
            key = task_key(task_data)
            similar = [e for e in self._executions if e.key == key]
        if len(similar) < MIN_SIMILAR:
            return {name: task_data.get(name, DEFAULT_NEEDS[name]) for name in DEFAULT_NEEDS} | {
                "predicted": False, "based_on": len(similar)}
        need = [_quantile([e.used[k] for e in similar], PREDICTION_QUANTILE) for k in range(3)]
        return {"cpu_cores": max(1, math.ceil(need[0])), "memory_mb": math.ceil(need[1]),
                "gpu_memory_mb": math.ceil(need[2]), "predicted": True, "based_on": len(similar)}

    def _prune_executions(self) -> int:
        cutoff = self._clock() - self.history_retention
        dropped = 0
        while self._executions and self._executions[0].timestamp < cutoff:
            self._executions.popleft()
            dropped += 1
        return dropped

    def cleanup(self) -> None:
        """The housekeeping the original's background threads did: expire, mark lost, prune history."""
        with self._lock:
            now = self._clock()
            self._expire(now)  # type: ignore[attr-defined]
            self._mark_lost(now)  # type: ignore[attr-defined]
            self._prune_executions()
