"""DynamicResourceManager: thread-safe reservations, measured usage, statistics and scaling."""

from __future__ import annotations

import collections
import itertools
import threading
import time
from typing import Any, Callable, Iterable, Mapping

from ..models import ScalingDecision
from .capacity import (Requirements, Reservation, check_id, parse_capacity, parse_requirements,
                       parse_usage)
from .compat import Execution, OriginalApi, policy_from_original
from .pool import ReferenceCapacity, Worker, best_fit, count_unplaceable, mark_lost
from .scaling import PoolView, ScalingPolicy, Verdict, decide, trigger_of
from .stats import efficiency, pool_totals, statistics
from .windows import BucketWindow, CumulativeHistogram, SampleWindow

_EVALUATIONS_KEPT = 2000
_DECISIONS_KEPT = 1_000
# throughput, queue wait and allocation time are judged over this much clock time
METRICS_WINDOW_S = 60.0
# allocation time buckets (ms): a placement is sub-millisecond in process, tens of ms over a network
ALLOCATION_BUCKETS_MS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0,
                         1000.0, 2500.0)


class DynamicResourceManager(OriginalApi):
    """Hands worker capacity to tasks and decides when the pool should grow or shrink.

    The positional arguments are the original project's (None: our ScalingPolicy's default);
    give them or `policy`, not both.
    """

    def __init__(self, target_utilization: float | None = None,
                 scale_up_threshold: float | None = None, scale_down_threshold: float | None = None,
                 evaluation_window: float | None = None, scale_up_cooldown: float | None = None,
                 scale_down_cooldown: float | None = None,
                 worker_reassessment_interval: float = 3600.0, history_retention: float = 86400.0,
                 *, policy: ScalingPolicy | None = None,
                 clock: Callable[[], float] = time.time, reservation_ttl_s: float = 3600.0,
                 heartbeat_timeout_s: float = 30.0,
                 latency_model: Callable[[int], float] | None = None,
                 timer: Callable[[], float] = time.perf_counter) -> None:
        original = policy_from_original(target_utilization, scale_up_threshold, scale_down_threshold,
                                        evaluation_window, scale_up_cooldown, scale_down_cooldown)
        if original is not None and policy is not None:
            raise ValueError("DynamicResourceManager: give policy= or the threshold arguments, not both")
        self.policy = policy or original or ScalingPolicy()
        self.worker_reassessment_interval = float(worker_reassessment_interval)
        self.history_retention = float(history_retention)
        self._executions: collections.deque[Execution] = collections.deque()
        self._clock = clock
        # times a placement's own work; a simulation on a fake clock may pass a constant one, so
        # that the measured allocation time does not depend on how loaded the machine is
        self._timer = timer
        self._ttl = reservation_ttl_s
        self._heartbeat_timeout = heartbeat_timeout_s
        self._latency_model = latency_model
        self._lock = threading.RLock()
        self._workers: dict[str, Worker] = {}
        # insertion order is creation order, so expiry stops at the first young reservation
        self._reservations: dict[str, Reservation] = {}
        self._pending: dict[str, tuple[Requirements, float]] = {}
        self._reference = ReferenceCapacity()
        self._next_reservation = 0
        self._completed = self._failed = 0
        self._started = clock()
        self._throughput = BucketWindow(METRICS_WINDOW_S)
        self._waits_ms = BucketWindow(METRICS_WINDOW_S)
        self._alloc_ms = BucketWindow(METRICS_WINDOW_S)
        # cumulative counters (Prometheus-style): a reader derives per-interval values from their
        # differences, raw samples that trailing-window means are not
        self._totals = {"allocations_total": 0.0, "allocation_ms_total": 0.0,
                        "placements_total": 0.0, "queue_wait_ms_total": 0.0}
        self._alloc_hist = CumulativeHistogram(ALLOCATION_BUCKETS_MS)
        self._lost_total = 0
        self._samples = SampleWindow(self.policy.window_s)
        self._decisions: collections.deque[ScalingDecision] = collections.deque(maxlen=_DECISIONS_KEPT)
        self._seq = 0
        self._last_up: float | None = None
        self._last_down: float | None = None
        self.last_scaling_decision: ScalingDecision | None = None
        # every evaluation, maintain included: the UI's "why not scaled" reads these verdicts
        self._evaluations: collections.deque[ScalingDecision] = collections.deque(maxlen=_EVALUATIONS_KEPT)
        self._evaluated = 0  # evaluations ever made: the number of the newest, a reader's cursor

    def set_latency_model(self, model: Callable[[int], float] | None) -> None:
        """Install the simulated placement latency (seconds for n workers) added to each reserve."""
        with self._lock:
            self._latency_model = model

    # -- workers -----------------------------------------------------------------------------
    def register_worker(self, worker_id: str, resources: Mapping[str, Any], *,
                        expect_heartbeats: bool = False) -> bool:
        """Add a worker; registering a known id again replaces its capacity and revives it.

        With expect_heartbeats, silence from registration on marks it lost (a remote agent's);
        otherwise only after its first usage report (a framework that never reports stays)."""
        check_id(worker_id, "worker_id")
        capacity = parse_capacity(resources)
        with self._lock:
            now = self._clock()
            worker = self._workers.get(worker_id)
            if worker is None:
                worker = self._workers[worker_id] = Worker(worker_id, capacity, now)
            else:
                worker.capacity, worker.lost, worker.last_heartbeat = capacity, False, now
                worker.capacity_since = now
            worker.watched = worker.watched or expect_heartbeats
            self._reference.add(capacity)
        return True  # the original's success flag; bad capacity raises ValueError naming the field

    def update_worker(self, worker_id: str, resources: Mapping[str, Any]) -> None:
        """Replace a worker's capacity; its reservations stay (over-allocation reads as full)."""
        capacity = parse_capacity(resources)
        with self._lock:
            worker = self._worker(worker_id)
            worker.capacity, worker.capacity_since = capacity, self._clock()

    def deregister_worker(self, worker_id: str) -> None:
        """Remove a worker; its reservations are released and their tasks count as failed."""
        with self._lock:
            worker = self._workers.pop(worker_id, None)
            if worker is None:
                raise KeyError(f"unknown worker {worker_id!r}")
            for rid in worker.reservations:
                del self._reservations[rid]
            self._failed += len(worker.reservations)

    def mark_draining(self, worker_ids: Iterable[str]) -> None:
        """Stop placing new work on these workers (chosen for scale-down)."""
        if isinstance(worker_ids, str):
            worker_ids = [worker_ids]  # one id, not its characters
        with self._lock:
            workers = [self._worker(wid) for wid in worker_ids]
            for worker in workers:
                worker.draining = True

    def report_usage(self, worker_id: str, *, cpu: float, memory: float,
                     gpu: float | None = None) -> None:
        """Record measured use (fractions 0..1 of capacity); this is also the worker's heartbeat."""
        usage = parse_usage(cpu, memory, gpu)
        with self._lock:
            worker = self._worker(worker_id)
            worker.used, worker.last_heartbeat = usage, self._clock()
            worker.reported, worker.lost = True, False

    def mark_lost_workers(self) -> list[str]:
        """Mark workers silent for longer than heartbeat_timeout_s as lost; return the newly lost."""
        with self._lock:
            return self._mark_lost(self._clock())

    def _mark_lost(self, now: float) -> list[str]:
        lost = mark_lost(self._workers.values(), now - self._heartbeat_timeout)
        self._lost_total += len(lost)
        return lost

    def _worker(self, worker_id: str) -> Worker:
        try:
            return self._workers[worker_id]
        except KeyError:
            raise KeyError(f"unknown worker {worker_id!r}") from None

    # -- reservations ------------------------------------------------------------------------
    def reserve_resources(self, task_id: str, requirements: Mapping[str, Any]) -> str | None:
        """Best-fit placement; a reservation id, or None (the task is then recorded as pending)."""
        start = self._timer()
        check_id(task_id, "task_id")
        req = parse_requirements(requirements)
        with self._lock:
            now = self._clock()
            worker = best_fit(self._workers.values(), req, now - self._heartbeat_timeout)
            rid = self._place(task_id, req, worker, now) if worker else self._defer(task_id, req, now)
            workers = len(self._workers)
        # the latency model stands for network placement cost; it is measured time, never slept
        extra = self._latency_model(workers) if self._latency_model else 0.0
        elapsed_ms = (self._timer() - start + extra) * 1000.0
        with self._lock:
            self._alloc_ms.add(now, elapsed_ms)
            self._totals["allocations_total"] += 1
            self._totals["allocation_ms_total"] += elapsed_ms
            self._alloc_hist.observe(elapsed_ms)
        return rid

    def _place(self, task_id: str, req: Requirements, worker: Worker, now: float) -> str:
        self._next_reservation += 1
        rid = f"res-{self._next_reservation}"
        self._reservations[rid] = Reservation(rid, task_id, worker.worker_id, *req.amounts, now)
        worker.reservations[rid] = None
        for kind, amount in enumerate(req.amounts):
            worker.reserved[kind] += amount
        waited = self._pending.pop(task_id, None)
        wait_ms = 0.0 if waited is None else (now - waited[1]) * 1000.0
        self._waits_ms.add(now, wait_ms)
        self._totals["placements_total"] += 1
        self._totals["queue_wait_ms_total"] += wait_ms
        return rid

    def _defer(self, task_id: str, req: Requirements, now: float) -> None:
        first = self._pending.get(task_id, (req, now))[1]
        self._pending[task_id] = (req, first)  # a retry keeps its first-request time

    def cancel_task(self, task_id: str) -> bool:
        """Drop a pending task; False when it was not pending."""
        with self._lock:
            return self._pending.pop(task_id, None) is not None

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        """The reservation with this id, or None once released or expired."""
        with self._lock:
            return self._reservations.get(reservation_id)

    def release_resources(self, reservation_id: str, *, failed: bool = False) -> bool:
        """Release a reservation and count its task completed (or failed); False if unknown."""
        with self._lock:
            res = self._reservations.pop(reservation_id, None)
            if res is None:
                return False
            self._unreserve(res)
            if failed:
                self._failed += 1
            else:
                self._completed += 1
                self._throughput.add(self._clock())
            return True

    def _unreserve(self, res: Reservation) -> None:
        worker = self._workers.get(res.worker_id)
        if worker is None:
            return
        del worker.reservations[res.reservation_id]
        for kind, amount in enumerate(res.amounts):
            worker.reserved[kind] = max(worker.reserved[kind] - amount, 0.0)

    def expire_reservations(self) -> list[str]:
        """Release reservations older than reservation_ttl_s (their tasks count as failed)."""
        with self._lock:
            return self._expire(self._clock())

    def _expire(self, now: float) -> list[str]:
        cutoff = now - self._ttl
        expired = []
        for rid, res in self._reservations.items():
            if res.created_at >= cutoff:
                break
            expired.append(res)
        for res in expired:
            del self._reservations[res.reservation_id]
            self._unreserve(res)
        self._failed += len(expired)
        return [r.reservation_id for r in expired]

    # -- reading -----------------------------------------------------------------------------
    def get_worker_statistics(self) -> dict[str, Any]:
        """DESIGN.md's statistics shape plus `overall_allocation`; O(workers)."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            self._mark_lost(now)
            # building the entries is the copy (fresh dicts): about 3 ms at 1,000 workers
            stats = statistics(self._workers.values(), now=now, pending=len(self._pending),
                               reservations=len(self._reservations))
            self._samples.add(now, stats["overall_allocation"]["overall"])
        return stats

    def get_performance_metrics(self) -> dict[str, Any]:
        """Throughput, allocation time, queue wait and efficiency over the trailing window."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            span = min(METRICS_WINDOW_S, max(now - self._started, 1.0))
            return {
                "task_throughput": self._throughput.total(now) / span,
                "allocation_time_ms": self._alloc_ms.mean(now, hold_last=True),
                "queue_wait_ms": self._waits_ms.mean(now),
                "resource_efficiency": efficiency(self._workers.values()),
                "tasks_completed": self._completed,
                "tasks_failed": self._failed,
                **self._totals,
            }

    def event_counters(self) -> dict[str, Any]:
        """Cumulative counts for /metrics: allocation-time buckets, their sum and count, lost workers."""
        with self._lock:
            return {"allocation_buckets_ms": self._alloc_hist.cumulative(),
                    "allocations_total": self._totals["allocations_total"],
                    "allocation_ms_total": self._totals["allocation_ms_total"],
                    "workers_lost_total": self._lost_total}

    # -- scaling -----------------------------------------------------------------------------
    def evaluate_scaling(self) -> ScalingDecision:
        """Judge the pool over policy.window_s and log any decision other than maintain."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            self._mark_lost(now)
            instant = pool_totals(self._workers.values()).allocation()["overall"]
            self._samples.add(now, instant)
            view = self._view(now, instant)
            return self._record(decide(view, self.policy), view)

    def _view(self, now: float, instant: float) -> PoolView:
        workers = list(self._workers.values())
        pending = [req for req, _ in self._pending.values()]
        return PoolView(
            now=now, instant=instant, window_mean=self._samples.mean(now),
            window_span=self._samples.span(now),
            workers=tuple(w.load() for w in workers if w.schedulable),
            pending=len(pending), unplaceable=count_unplaceable(workers, pending),
            pending_demand=tuple(sum(r.amounts[k] for r in pending) for k in range(3)),
            reference=self._reference.mean(), last_up=self._last_up, last_down=self._last_down)

    def _record(self, verdict: Verdict, view: PoolView) -> ScalingDecision:
        policy, seq = self.policy, 0
        if verdict.action != "maintain":
            self._seq += 1
            seq = self._seq
            if verdict.action == "scale_up":
                self._last_up = view.now
            else:
                self._last_down = view.now
        decision = ScalingDecision(verdict.action, verdict.count, verdict.reason, view.window_mean,
                                   verdict.worker_ids, view.now, seq, trigger_of(view, policy))
        if seq:
            self._decisions.append(decision)
        self._evaluations.append(decision)
        self._evaluated += 1
        self.last_scaling_decision = decision
        return decision

    def recent_evaluations(self) -> list[ScalingDecision]:
        """The latest evaluations with their verdicts, maintain included, oldest first."""
        with self._lock:
            return list(self._evaluations)

    def evaluations_since(self, number: int, limit: int = _EVALUATIONS_KEPT) -> tuple[list[ScalingDecision], int]:
        """The kept evaluations numbered above `number` (at most the newest `limit`), and the newest number."""
        with self._lock:
            first = self._evaluated - len(self._evaluations)  # the number before the oldest kept
            kept = len(self._evaluations)
            start = min(max(number - first, 0, kept - limit), kept)  # a cursor from the future: none
            return list(itertools.islice(self._evaluations, start, None)), self._evaluated

    def decisions_since(self, seq: int) -> list[ScalingDecision]:
        """Logged decisions (not maintain) with a sequence number above seq, oldest first."""
        with self._lock:
            return [d for d in self._decisions if d.seq > seq]
