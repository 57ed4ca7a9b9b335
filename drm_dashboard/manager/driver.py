"""WorkloadDriver: a named daemon thread that steps a workload in real time."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger(__name__)


class Steppable(Protocol):
    """Anything that can catch up with its own clock (a Workload)."""

    def advance(self) -> None:
        """Step to the current time."""
        ...


class WorkloadDriver:
    """Steps the workload every interval; a failing step is logged, never fatal to the thread."""

    thread_name = "drm-workload"

    def __init__(self, workload: Steppable, interval_s: float = 1.0) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval_s must be above 0, got {interval_s!r}")
        self.workload = workload
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.steps = 0
        self.failures = 0

    @property
    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the thread; a running driver is left as it is."""
        if self.is_alive:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to finish after its current step."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the thread to end (after stop())."""
        if self._thread is not None:
            self._thread.join(timeout)

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
