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

    __slots__ = ("worker_id", "capacity", "capacity_since", "reserved", "reservations", "used",
                 "last_heartbeat", "reported", "watched", "lost", "draining")

    def __init__(self, worker_id: str, capacity: Capacity, now: float) -> None:
        self.worker_id = worker_id
        self.capacity = capacity
        self.capacity_since = now  # when the capacity was last registered or updated
        self.reserved = [0.0, 0.0, 0.0]
        self.reservations: dict[str, None] = {}  # an ordered set of reservation ids
        self.used = Usage()
        self.last_heartbeat = now
        # heartbeat monitoring starts with the first report: a framework that never reports
        # usage must not see its workers go lost after heartbeat_timeout_s
        self.reported = False
        self.watched = False  # heartbeats expected from registration on (a remote agent)
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

    def leftover(self, need: tuple[float, float, float]) -> tuple[float, float] | None:
        """Spare shares after placing need: (dominant, sum), lower is tighter; None if it won't fit.

        The sum breaks ties, and counts a GPU kind that a CPU task would leave idle, so
        CPU tasks land on CPU workers while one has room.
        """
        cap, held = self.capacity, self.reserved
        if need[2] > 0 and not cap.gpu_memory_mb > 0:
            return None
        dominant = total = 0.0
        # the kinds spelled out, not via the `reservable` property: this runs for every worker
        # on every reserve call
        cores, mem, gpu = cap.reservable_cores, cap.reservable_memory_mb, cap.reservable_gpu_memory_mb
        for capacity, spare in ((cores, cores - held[0] - need[0]), (mem, mem - held[1] - need[1]),
                                (gpu, gpu - held[2] - need[2])):
            if spare < -_EPS:
                return None
            if capacity > 0:
                share = spare / capacity
                total += share
                dominant = share if share > dominant else dominant
        return (dominant, total)

    def load(self) -> WorkerLoad:
        """What the scaling policy needs of this worker."""
        return WorkerLoad(self.worker_id, len(self.reservations), tuple(self.reserved),
                          self.capacity.reservable)


def best_fit(workers: Iterable[Worker], req: Requirements, stale_before: float) -> Worker | None:
    """The schedulable worker left with the least spare share (see leftover); first wins ties.

    A worker silent since `stale_before` is skipped even before mark_lost_workers has run.
    """
    best, best_score = None, (math.inf, math.inf)
    need = req.amounts
    for worker in workers:
        if worker.lost or worker.draining:
            continue
        if worker.reported and worker.last_heartbeat < stale_before:
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


def mark_lost(workers: Iterable[Worker], cutoff: float) -> list[str]:
    """Mark reporting workers silent since before cutoff as lost; return the newly lost ids."""
    lost = [w for w in workers if (w.reported or w.watched) and not w.lost and w.last_heartbeat < cutoff]
    for worker in lost:
        worker.lost = True
    return [w.worker_id for w in lost]
