"""Worker state and best-fit placement; every function here runs under the manager's lock."""

from __future__ import annotations

import math
from typing import Iterable

from .capacity import Capacity, Requirements, Usage
from .scaling import WorkerLoad

# float sums of reservations drift by ulps; a task must not be refused for 1e-12 of a core
_EPS = 1e-9


class Worker:
    """One registered worker: capacity, what we reserved on it, and what it last reported."""

    __slots__ = ("worker_id", "capacity", "reserved", "reservations", "used", "last_heartbeat",
                 "reported", "lost", "draining")

    def __init__(self, worker_id: str, capacity: Capacity, now: float) -> None:
        self.worker_id = worker_id
        self.capacity = capacity
        self.reserved = [0.0, 0.0, 0.0]
        self.reservations: dict[str, None] = {}  # an ordered set of reservation ids
        self.used = Usage()
        self.last_heartbeat = now
        # heartbeat monitoring starts with the first report: a framework that never reports
        # usage must not see its workers go lost after heartbeat_timeout_s
        self.reported = False
        self.lost = False
        self.draining = False

    @property
    def status(self) -> str:
        """lost, draining, active (holds reservations) or idle."""
        if self.lost:
            return "lost"
        if self.draining:
            return "draining"
        return "active" if self.reservations else "idle"

    @property
    def schedulable(self) -> bool:
        return not (self.lost or self.draining)

    def free(self, kind: int) -> float:
        return self.capacity.reservable[kind] - self.reserved[kind]

    def leftover(self, need: tuple[float, float, float]) -> float | None:
        """Dominant spare share after placing need (lower is a tighter fit); None if it does not fit."""
        if need[2] > 0 and not self.capacity.has_gpu:
            return None
        score = 0.0
        for kind, cap in enumerate(self.capacity.reservable):
            spare = cap - self.reserved[kind] - need[kind]
            if spare < -_EPS:
                return None
            if cap > 0:
                score = max(score, spare / cap)
        return score

    def load(self) -> WorkerLoad:
        """What the scaling policy needs of this worker."""
        return WorkerLoad(self.worker_id, len(self.reservations), tuple(self.reserved),
                          self.capacity.reservable)


def best_fit(workers: Iterable[Worker], req: Requirements) -> Worker | None:
    """The schedulable worker left with the least dominant spare share; first registered wins ties."""
    best, best_score = None, math.inf
    need = req.amounts
    for worker in workers:
        if not worker.schedulable:
            continue
        score = worker.leftover(need)
        if score is not None and score < best_score:
            best, best_score = worker, score
    return best


def count_unplaceable(workers: list[Worker], pending: Iterable[Requirements]) -> int:
    """Pending tasks that no schedulable worker has room for right now."""
    live = [w for w in workers if w.schedulable]
    # the largest free amount of each kind rules most tasks out without a per-worker scan
    most_free = [max((w.free(k) for w in live), default=0.0) for k in range(3)]
    count = 0
    for req in pending:
        need = req.amounts
        if any(n > f + _EPS for n, f in zip(need, most_free)):
            count += 1
        elif not any(w.leftover(need) is not None for w in live):
            count += 1
    return count


class ReferenceCapacity:
    """Mean reservable capacity of a worker that has each kind, over every registration seen."""

    def __init__(self) -> None:
        self._sums = [0.0, 0.0, 0.0]
        self._counts = [0, 0, 0]

    def add(self, capacity: Capacity) -> None:
        for kind, amount in enumerate(capacity.reservable):
            if amount > 0:
                self._sums[kind] += amount
                self._counts[kind] += 1

    def mean(self) -> tuple[float, float, float]:
        """Typical (cores, memory MB, GPU MB) of one worker; 0 for a kind never seen."""
        means = [s / c if c else 0.0 for s, c in zip(self._sums, self._counts)]
        return (means[0], means[1], means[2])
