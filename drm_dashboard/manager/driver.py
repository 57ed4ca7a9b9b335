"""WorkloadDriver: a named daemon thread that steps a workload; SpeedClock runs a demo faster."""

from __future__ import annotations

import logging
import math
import time
from typing import Callable, Protocol

from ..threads import BackgroundLoop

log = logging.getLogger(__name__)


class Steppable(Protocol):
    """Anything that can catch up with its own clock (a Workload)."""

    def advance(self) -> None:
        """Step to the current time."""
        ...


MAX_DEMO_SPEED = 1000.0


class SpeedClock:
    """A clock that starts at the wall clock's now and runs `speed` times faster than it."""

    def __init__(self, speed: float, wall: Callable[[], float] = time.time) -> None:
        if not (math.isfinite(speed) and 1.0 <= speed <= MAX_DEMO_SPEED):
            raise ValueError(f"speed must be between 1 and {MAX_DEMO_SPEED:g}, got {speed!r}")
        self.speed = speed
        self._wall = wall
        self._origin = wall()

    def __call__(self) -> float:
        return self._origin + (self._wall() - self._origin) * self.speed


class WorkloadDriver(BackgroundLoop):
    """Steps the workload every interval; a failing step is logged, never fatal to the thread."""

    thread_name = "drm-workload"

    def __init__(self, workload: Steppable, interval_s: float = 1.0) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval_s must be above 0, got {interval_s!r}")
        super().__init__()
        self.workload = workload
        self.interval_s = interval_s
        self.steps = 0
        self.failures = 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.step_once()

    def step_once(self) -> bool:
        """One step; False (and a logged traceback) when the workload raised."""
        try:
            self.workload.advance()
        except Exception:  # the demo must keep running; the traceback goes to the log
            self.failures += 1
            log.exception("workload step failed")
            return False
        self.steps += 1
        return True
