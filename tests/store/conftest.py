"""Fixtures for the store tests: a fake clock and a factory of deterministic Snapshots."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import pytest

from drm_dashboard.models import (PerformanceSample, ScalingDecision, ScalingTrigger, Snapshot,
                                  WorkerSample)

from drm_fakes import FakeClock as StoreClock

T0 = 1_700_000_000.0


def worker(wid: str, tick: int, i: int, *, gpu: bool = True) -> WorkerSample:
    """A worker whose numbers are exact in binary (multiples of 1/64), so percent is exact."""
    frac = ((tick + 3 * i) % 64) / 64
    return WorkerSample(
        worker_id=wid, status="active" if i % 2 == 0 else "busy", cpu=frac, memory=1 - frac,
        gpu=frac / 2 if gpu else None, overall=0.5, alloc_cpu=0.75, alloc_memory=0.25,
        alloc_gpu=0.125 if gpu else None, tasks=(tick + i) % 5, cpu_cores=16.0,
        memory_mb=65536.0, gpu_devices=1 if gpu else 0, gpu_memory_mb=16000.0 if gpu else 0.0,
        last_heartbeat=T0 + tick)


def snapshot(ts: float, worker_ids: Sequence[str] = ("w0", "w1", "w2"), *, tick: int = 0,
             gpu: bool = True, performance: bool = True,
             decisions: Iterable[ScalingDecision] = (), allocated: float | None = 0.5) -> Snapshot:
    """A valid snapshot at ts with the given workers; numbers derive from tick."""
    ws = tuple(worker(wid, tick, i, gpu=gpu) for i, wid in enumerate(worker_ids))
    perf = PerformanceSample(task_throughput=2.5 + tick, allocation_time_ms=1.25,
                             queue_wait_ms=30.0, resource_efficiency=0.625,
                             tasks_completed=10 * tick, tasks_failed=tick % 3) if performance else None
    return Snapshot(timestamp=ts, total_workers=len(ws), active_workers=len(ws),
                    active_tasks=sum(w.tasks for w in ws), pending_tasks=tick % 7,
                    resource_reservations=len(ws), cpu=0.25, memory=0.5, gpu=0.75 if gpu else None,
                    overall=0.5, workers=ws, performance=perf, decisions=tuple(decisions),
                    allocated=allocated)


def decision(ts: float, seq: int, action: str = "scale_up", *, trigger: bool = True) -> ScalingDecision:
    """A decision with its provenance."""
    trig = ScalingTrigger(window_utilization=0.85, instant_utilization=0.9, window_s=60.0,
                          target=0.7, scale_up_threshold=0.8, scale_down_threshold=0.3,
                          cooldown_up_remaining_s=0.0, cooldown_down_remaining_s=12.5,
                          pending_tasks=4, worker_count=3) if trigger else None
    return ScalingDecision(action=action, count=2, reason="window utilization 85% > 80%",
                           utilization=0.85, worker_ids=("w3", "w4"), timestamp=ts, seq=seq,
                           trigger=trig)


@pytest.fixture
def store_clock() -> StoreClock:
    return StoreClock()


@pytest.fixture
def make_snapshot() -> Callable[..., Snapshot]:
    return snapshot


@pytest.fixture
def make_decision() -> Callable[..., ScalingDecision]:
    return decision


def fleet(n_workers: int, n_ticks: int, interval_s: float = 5.0) -> list[Snapshot]:
    """n_ticks snapshots of a fleet of n_workers; eight worker tuples are reused to build fast."""
    ids = [f"worker-{i:05d}" for i in range(n_workers)]
    tuples = [tuple(worker(wid, t, i) for i, wid in enumerate(ids)) for t in range(8)]
    perf = PerformanceSample(12.0, 1.5, 40.0, 0.7, 100, 1)
    return [Snapshot(timestamp=T0 + interval_s * k, total_workers=n_workers,
                     active_workers=n_workers, active_tasks=n_workers, pending_tasks=k % 9,
                     resource_reservations=n_workers, cpu=0.5, memory=0.4, gpu=None, overall=0.5,
                     workers=tuples[k % 8], performance=perf, allocated=0.6)
            for k in range(n_ticks)]


@pytest.fixture
def make_fleet() -> Callable[..., list[Snapshot]]:
    return fleet
