"""The DESIGN.md statistics shape, built in one pass over the workers (the manager holds its lock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from .pool import Worker

SCHEDULABLE = ("active", "idle")


def _ratio(part: float, whole: float) -> float:
    return min(part / whole, 1.0) if whole > 0 else 0.0


def worker_entry(w: Worker, status: str) -> dict[str, Any]:
    """One entry of `workers`: measured utilization, reserved share, capacity and free capacity."""
    # the hot path at 1,000 workers: locals and literals only (a call per field doubles the cost)
    cap, used = w.capacity, w.used
    r_cpu, r_mem, r_gpu = w.reserved
    cores, mem = cap.reservable_cores, cap.reservable_memory_mb
    resources: dict[str, Any] = {
        "cpu": {"cores": cap.cpu_cores, "available_cores": cores - r_cpu if cores > r_cpu else 0.0},
        "memory": {"total_mb": cap.memory_mb, "available_mb": mem - r_mem if mem > r_mem else 0.0},
    }
    # a kind with nothing reservable reads as full: the worker can take no task needing it
    alloc = {"cpu": min(r_cpu / cores, 1.0) if cores > 0 else 1.0,
             "memory": min(r_mem / mem, 1.0) if mem > 0 else 1.0, "gpu": None}
    if cap.gpu_memory_mb > 0:
        gpu, free = used.gpu or 0.0, cap.reservable_gpu_memory_mb
        resources["gpu"] = {"devices": cap.gpu_devices, "memory_mb": cap.gpu_memory_mb,
                            "available_memory_mb": free - r_gpu if free > r_gpu else 0.0}
        alloc["gpu"] = min(r_gpu / free, 1.0) if free > 0 else 1.0
        util = {"cpu": used.cpu, "memory": used.memory, "gpu": gpu,
                "overall": (used.cpu + used.memory + gpu) / 3}
    else:
        util = {"cpu": used.cpu, "memory": used.memory, "gpu": None,
                "overall": (used.cpu + used.memory) / 2}
    return {"status": status, "utilization": util, "allocated": alloc, "tasks": len(w.reservations),
            "resources": resources, "last_heartbeat": w.last_heartbeat}


class PoolTotals:
    """Capacity-weighted sums over the pool: measured use (not lost) and reservations (schedulable)."""

    __slots__ = ("used", "total", "reserved", "reservable", "gpu_used", "gpu_seen")

    def __init__(self) -> None:
        self.used = [0.0, 0.0, 0.0]  # absolute cores, MB, GPU MB in use
        self.total = [0.0, 0.0, 0.0]
        self.reserved = [0.0, 0.0, 0.0]
        self.reservable = [0.0, 0.0, 0.0]
        self.gpu_used = False  # a worker with a GPU is counted in utilization
        self.gpu_seen = False  # ... in allocation

    def add(self, w: Worker, status: str) -> None:
        """Count one worker: lost ones report stale numbers; lost and draining take no new work."""
        if status == "lost":
            return
        cap, used, total, in_use = w.capacity, w.used, self.total, self.used
        in_use[0] += used.cpu * cap.cpu_cores
        in_use[1] += used.memory * cap.memory_mb
        total[0] += cap.cpu_cores
        total[1] += cap.memory_mb
        if cap.gpu_memory_mb > 0:
            in_use[2] += (used.gpu or 0.0) * cap.gpu_memory_mb
            total[2] += cap.gpu_memory_mb
            self.gpu_used = True
        if status == "draining":
            return
        reserved, reservable, held = self.reserved, self.reservable, w.reserved
        reserved[0] += held[0]
        reserved[1] += held[1]
        reserved[2] += held[2]
        reservable[0] += cap.reservable_cores
        reservable[1] += cap.reservable_memory_mb
        if cap.gpu_memory_mb > 0:
            reservable[2] += cap.reservable_gpu_memory_mb
            self.gpu_seen = True

    def utilization(self) -> dict[str, float | None]:
        """Measured use of the pool; `overall` is the mean of the kinds present.

        The mean says how busy the machines are, where allocation's `overall` is the fullest kind.
        """
        kinds = [_ratio(self.used[k], self.total[k]) for k in range(3 if self.gpu_used else 2)]
        return {"cpu": kinds[0], "memory": kinds[1], "gpu": kinds[2] if self.gpu_used else None,
                "overall": sum(kinds) / len(kinds)}

    def allocation(self) -> dict[str, float | None]:
        """Reserved share of the schedulable pool's reservable capacity; `overall` is the fullest kind."""
        kinds = [_ratio(self.reserved[k], self.reservable[k]) for k in range(3 if self.gpu_seen else 2)]
        return {"cpu": kinds[0], "memory": kinds[1], "gpu": kinds[2] if self.gpu_seen else None,
                "overall": max(kinds)}


def pool_totals(workers: Iterable[Worker]) -> PoolTotals:
    """Sums over the pool without building per-worker entries."""
    totals = PoolTotals()
    for w in workers:
        totals.add(w, w.status)
    return totals


def statistics(workers: Iterable[Worker], *, now: float, pending: int,
               reservations: int) -> dict[str, Any]:
    """The full `get_worker_statistics()` shape plus `overall_allocation`, in one pass."""
    totals, entries = PoolTotals(), {}
    active = lost_tasks = 0
    for w in workers:
        status = w.status
        entries[w.worker_id] = worker_entry(w, status)
        totals.add(w, status)
        active += status == "active"
        lost_tasks += len(w.reservations) if status == "lost" else 0
    return {
        "timestamp": now,
        "total_workers": len(entries),
        "active_workers": active,  # workers running at least one task
        "active_tasks": reservations - lost_tasks,  # a lost worker's tasks are of unknown fate
        "pending_tasks": pending,
        "resource_reservations": reservations,
        "overall_utilization": totals.utilization(),
        "overall_allocation": totals.allocation(),
        "workers": entries,
    }


def efficiency(workers: Iterable[Worker]) -> float:
    """Used / allocated over workers holding reservations, cpu and memory pool shares summed.

    Each kind enters as a share of those workers' capacity, so kinds weigh by capacity. 0 when
    nothing is allocated; capped at 1 (tasks using more than they reserved read as 100%).
    """
    used, allocated, capacity = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for w in workers:
        if w.lost or not w.reservations:
            continue  # idle machines' background use is not the allocations' doing
        cap = w.capacity
        for k, (u, total) in enumerate(((w.used.cpu, cap.cpu_cores), (w.used.memory, cap.memory_mb))):
            used[k] += u * total
            allocated[k] += w.reserved[k]
            capacity[k] += total
    used_share = sum(_ratio(u, c) for u, c in zip(used, capacity))
    allocated_share = sum(_ratio(a, c) for a, c in zip(allocated, capacity))
    return min(used_share / allocated_share, 1.0) if allocated_share > 0 else 0.0
