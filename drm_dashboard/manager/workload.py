"""A seeded, simulated workload that drives a DynamicResourceManager: the dashboard's demo load."""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
from dataclasses import dataclass
from typing import Callable

from ..models import ScalingDecision
from .driver import WorkloadDriver
from .manager import DynamicResourceManager
from .provisioner import Provisioner, WorkerShape

__all__ = ["InjectedRegression", "WorkerShape", "Workload", "WorkloadConfig", "WorkloadDriver"]

REGRESSION_METRICS = ("allocation_time", "queue_wait", "throughput")

DEFAULT_SHAPES = (
    WorkerShape("cpu-16", cpu_cores=16, memory_mb=65536, weight=2.0),
    WorkerShape("cpu-32", cpu_cores=32, memory_mb=131072, weight=1.0),
    WorkerShape("gpu-2x24", cpu_cores=16, memory_mb=98304, gpu_devices=2, gpu_memory_mb=49152,
                weight=1.0),
)


@dataclass(frozen=True)
class InjectedRegression:
    """Make a metric `factor` times worse from `start_s` into the run, for the detector to find.

    allocation_time: placement latency is multiplied; queue_wait: new machines take `factor` times
    as long to boot, so tasks that wait for capacity wait longer; throughput: only one arriving
    task in `factor` reaches the fleet (an upstream dispatcher stalls), so fewer complete.
    """

    metric: str = "allocation_time"
    start_s: float = 600.0
    factor: float = 2.0

    def __post_init__(self) -> None:
        if self.metric not in REGRESSION_METRICS:
            raise ValueError(f"regression.metric: {self.metric!r} is not one of {REGRESSION_METRICS}")
        if not self.factor > 1 or self.start_s < 0:
            raise ValueError("regression: need factor > 1 (worse) and start_s >= 0")


@dataclass(frozen=True)
class WorkloadConfig:
    """Arrivals come in waves (peak at the start, trough half a period later) plus bursts."""

    seed: int = 0
    initial_workers: int = 4
    worker_shapes: tuple[WorkerShape, ...] = DEFAULT_SHAPES
    peak_arrivals_per_s: float = 0.7
    trough_fraction: float = 0.1
    wave_period_s: float = 720.0
    burst_probability_per_s: float = 1 / 300
    burst_tasks: tuple[int, int] = (8, 20)
    gpu_task_fraction: float = 0.1
    task_duration_s: tuple[float, float] = (20.0, 90.0)
    usage_factor: tuple[float, float] = (0.4, 0.95)  # share of its reservation a task really uses
    failure_rate: float = 0.02
    max_queue_s: float = 600.0  # a task waiting longer is abandoned (cancel_task)
    provisioning_delay_s: float = 30.0
    evaluate_every_s: float = 15.0
    base_latency_ms: float = 2.0
    latency_per_worker_ms: float = 0.05
    regression: InjectedRegression | None = None
    # after a suspend, replay at most this much; a laptop lid must not cost an hour of stepping
    max_catchup_s: float = 3600.0


@dataclass(frozen=True)
class Task:
    """One task of the simulation: what it asks for, how long it runs, what it really uses."""

    task_id: str
    requirements: dict
    duration_s: float
    use: tuple[float, float, float]  # absolute cores, memory MB, GPU MB while running
    fails: bool
    arrived_at: float


class Workload:
    """Steps a simulated fleet in 1 s sub-steps; the same seed gives the same run."""

    def __init__(self, manager: DynamicResourceManager, config: WorkloadConfig | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.manager = manager
        self.config = config or WorkloadConfig()
        self.clock = clock
        seed = self.config.seed
        # separate streams: the tasks that arrive do not depend on how the pool scaled
        self._tasks_rng = random.Random(f"{seed}:tasks")
        self._noise_rng = random.Random(f"{seed}:noise")
        self._provisioner = Provisioner(manager, self.config.worker_shapes,
                                        delay_s=self.config.provisioning_delay_s,
                                        rng=random.Random(f"{seed}:provision"))
        self._start = self._t = clock()
        self._next_eval = self._start + self.config.evaluate_every_s
        self._queue: list[Task] = []
        self._running: list[tuple[float, int, Task, str, str]] = []  # (end, n, task, rid, worker)
        self._on_worker: dict[str, dict[str, Task]] = {}
        self._task_count = 0
        self._tiebreak = itertools.count()  # equal end times must never compare Task objects
        manager.set_latency_model(self._latency_s)
        shapes = self.config.worker_shapes
        for i in range(self.config.initial_workers):
            self._provisioner.start_now(shapes[i % len(shapes)])

    @property
    def elapsed_s(self) -> float:
        """Simulated seconds since the workload started."""
        return self._t - self._start

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def running(self) -> int:
        return len(self._running)

    @property
    def decisions(self) -> list[ScalingDecision]:
        """Scaling decisions (not maintain) the provisioner acted on, oldest first."""
        return list(self._provisioner.decisions)

    def advance(self) -> None:
        """Step to the clock's current time."""
        self.step(self.clock())

    def step(self, now: float) -> None:
        """Advance the simulation to now in whole 1 s sub-steps (from one thread at a time)."""
        if now - self._t > self.config.max_catchup_s:
            self._t = now - self.config.max_catchup_s
            # evaluations are due every evaluate_every_s from here, not once per skipped slot
            self._next_eval = max(self._next_eval, self._t + self.config.evaluate_every_s)
        while self._t + 1.0 <= now:
            self._t += 1.0
            self._substep(self._t)

    def _substep(self, t: float) -> None:
        self._finish(t)
        self._arrive(t)
        self._place(t)
        if self._regressed("queue_wait", t):
            self._provisioner.boot_slowdown = self.config.regression.factor  # type: ignore[union-attr]
        if t >= self._next_eval:
            self._next_eval += self.config.evaluate_every_s
            gpu_wanted = any(task.requirements["gpu_memory_mb"] > 0 for task in self._queue)
            self._provisioner.handle(self.manager.evaluate_scaling(), t, gpu_wanted=gpu_wanted)
        self._provisioner.tick(t, lambda wid: wid in self._on_worker)
        self._report(t)

    def _finish(self, t: float) -> None:
        while self._running and self._running[0][0] <= t:
            _, _, task, rid, worker = heapq.heappop(self._running)
            on_worker = self._on_worker[worker]
            del on_worker[task.task_id]
            if not on_worker:
                del self._on_worker[worker]  # an idle worker is not "busy" to the provisioner
            self.manager.release_resources(rid, failed=task.fails)

    def _arrive(self, t: float) -> None:
        cfg, rng = self.config, self._tasks_rng
        phase = 0.5 + 0.5 * math.cos(2 * math.pi * (t - self._start) / cfg.wave_period_s)
        rate = cfg.peak_arrivals_per_s * (cfg.trough_fraction + (1 - cfg.trough_fraction) * phase)
        n = _poisson(rng, rate)
        # bursts ride on busy periods (a CI rush), so a quiet hour stays quiet
        if rng.random() < cfg.burst_probability_per_s * phase:
            n += rng.randint(*cfg.burst_tasks)
        if self._regressed("throughput", t):
            keep = 1.0 / cfg.regression.factor  # type: ignore[union-attr]
            n = sum(rng.random() < keep for _ in range(n))
        self._queue.extend(self._new_task(t) for _ in range(n))

    def _new_task(self, t: float) -> Task:
        cfg, rng = self.config, self._tasks_rng
        self._task_count += 1
        if rng.random() < cfg.gpu_task_fraction:
            cores, mem, gpu = rng.choice((2, 4)), rng.uniform(8192, 16384), rng.uniform(4096, 12288)
        else:
            cores = rng.choice((1, 1, 2, 2, 4))
            mem, gpu = cores * rng.uniform(1024, 3072), 0.0
        duration = rng.uniform(*cfg.task_duration_s)
        use = tuple(amount * rng.uniform(*cfg.usage_factor) for amount in (cores, mem, gpu))
        req = {"cpu_cores": cores, "memory_mb": round(mem), "gpu_memory_mb": round(gpu)}
        return Task(f"task-{self._task_count:06d}", req, duration, use,  # type: ignore[arg-type]
                    rng.random() < cfg.failure_rate, t)

    def _place(self, t: float) -> None:
        """Try every queued task in arrival order; abandon those that waited too long."""
        waiting = []
        for task in self._queue:
            rid = self.manager.reserve_resources(task.task_id, task.requirements)
            if rid is not None:
                self._start_task(task, rid, t)
            elif t - task.arrived_at > self.config.max_queue_s:
                self.manager.cancel_task(task.task_id)
            else:
                waiting.append(task)
        self._queue = waiting

    def _start_task(self, task: Task, rid: str, t: float) -> None:
        res = self.manager.get_reservation(rid)
        worker = res.worker_id if res else ""
        self._on_worker.setdefault(worker, {})[task.task_id] = task
        heapq.heappush(self._running, (t + task.duration_s, next(self._tiebreak), task, rid, worker))

    def _report(self, t: float) -> None:
        """Each worker reports its running tasks' real use plus a little background noise."""
        for wid, shape in self._provisioner.workers.items():
            tasks = self._on_worker.get(wid, {}).values()
            used = [sum(task.use[k] for task in tasks) for k in range(3)]
            noise = self._noise_rng.uniform(0.01, 0.03)
            self.manager.report_usage(
                wid, cpu=min(used[0] / shape.cpu_cores + noise, 1.0),
                memory=min(used[1] / shape.memory_mb + noise, 1.0),
                gpu=min(used[2] / shape.gpu_memory_mb, 1.0) if shape.has_gpu else None)

    def _regressed(self, metric: str, t: float) -> bool:
        reg = self.config.regression
        return reg is not None and reg.metric == metric and t - self._start >= reg.start_s

    def _latency_s(self, workers: int) -> float:
        """Simulated network placement latency, in seconds; the regression multiplies it."""
        cfg = self.config
        ms = (cfg.base_latency_ms + cfg.latency_per_worker_ms * workers)
        ms *= self._noise_rng.uniform(0.8, 1.2)
        if self._regressed("allocation_time", self._t):
            ms *= cfg.regression.factor  # type: ignore[union-attr]
        return ms / 1000.0


def _poisson(rng: random.Random, rate: float) -> int:
    """Knuth's method; rates here are a few per second, so the loop is short."""
    limit, k, p = math.exp(-rate), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
