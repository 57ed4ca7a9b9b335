"""A simulated provisioner: carries out scaling decisions after a delay, as a cloud API would."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Sequence

from ..models import ScalingDecision
from .capacity import MachineSize
from .manager import DynamicResourceManager


@dataclass(frozen=True)
class WorkerShape(MachineSize):
    """A machine type the provisioner can start; `weight` is its share of new machines."""

    weight: float = 1.0


class Provisioner:
    """Registers new workers `delay_s` after a scale-up; removes drained ones once they are empty."""

    def __init__(self, manager: DynamicResourceManager, shapes: Sequence[WorkerShape], *,
                 delay_s: float, rng: random.Random) -> None:
        if not shapes:
            raise ValueError("worker_shapes: need at least one worker shape")
        self._manager = manager
        self._shapes = tuple(shapes)
        self._delay = delay_s
        self._rng = rng
        self._arrivals: list[tuple[float, WorkerShape]] = []  # appended in time order
        self._drains: dict[str, float] = {}  # worker id -> earliest removal time
        self._next_id = 0
        self.workers: dict[str, WorkerShape] = {}
        self.decisions: list[ScalingDecision] = []
        # how many times the normal delay a new machine takes to boot (an injected regression)
        self.boot_slowdown = 1.0

    def start_now(self, shape: WorkerShape) -> str:
        """Register a worker of this shape at once (the initial pool)."""
        self._next_id += 1
        worker_id = f"worker-{self._next_id:03d}"
        self._manager.register_worker(worker_id, shape.resources())
        self.workers[worker_id] = shape
        return worker_id

    def handle(self, decision: ScalingDecision, now: float, *, gpu_wanted: bool) -> None:
        """Act on one decision: order machines, or drain the workers the manager chose."""
        if decision.action == "maintain":
            return
        self.decisions.append(decision)
        if decision.action == "scale_up":
            for i in range(decision.count):
                # a queued GPU task is why we grow: the first new machine must have a GPU
                shape = self._gpu_shape() if gpu_wanted and i == 0 else self._pick_shape()
                self._arrivals.append((now + self._delay * self.boot_slowdown, shape))
            return
        ids = [wid for wid in decision.worker_ids if wid in self.workers]
        self._manager.mark_draining(ids)
        for wid in ids:
            self._drains[wid] = now + self._delay

    def _pick_shape(self) -> WorkerShape:
        return self._rng.choices(self._shapes, weights=[s.weight for s in self._shapes])[0]

    def _gpu_shape(self) -> WorkerShape:
        gpu = [s for s in self._shapes if s.has_gpu]
        return gpu[0] if gpu else self._pick_shape()

    def tick(self, now: float, busy: Callable[[str], bool]) -> None:
        """Start machines whose delay has passed; remove drained workers with no running task."""
        while self._arrivals and self._arrivals[0][0] <= now:
            self.start_now(self._arrivals.pop(0)[1])
        for wid, due in list(self._drains.items()):
            if due <= now and not busy(wid):
                self._manager.deregister_worker(wid)
                del self.workers[wid]
                del self._drains[wid]

    @property
    def provisioning(self) -> int:
        """Machines ordered but not yet registered."""
        return len(self._arrivals)
