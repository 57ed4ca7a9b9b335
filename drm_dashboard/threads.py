"""A named daemon thread with a visible lifecycle, shared by every background loop we run."""

from __future__ import annotations

import abc
import asyncio
import logging
import threading
import time
from typing import Any, Callable, Coroutine, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


def wait_until_stopped(stopped: threading.Event, duration_s: float | None = None) -> None:
    """Block until `stopped` is set, duration_s passes, or Ctrl-C; a Ctrl-C is logged, not raised."""
    deadline = None if duration_s is None else time.monotonic() + duration_s
    try:
        # short waits: a signal handler's KeyboardInterrupt lands between them
        while not stopped.wait(0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))):
            if deadline is not None and time.monotonic() >= deadline:
                return
    except KeyboardInterrupt:
        log.info("interrupted; shutting down")


class BackgroundLoop(abc.ABC):
    """start() / stop() / join() / is_alive around a subclass's `_run`, which watches `_stop`."""

    thread_name = "drm-loop"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the named daemon thread; a running loop is left as it is."""
        if self.is_alive:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end after its current step."""
        self._stop.set()
        self._wake()

    def _wake(self) -> None:
        """Interrupt a wait other than on `_stop` (a condition variable, say)."""

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread; True when it has ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @abc.abstractmethod
    def _run(self) -> None:
        """The loop itself; it returns once `_stop` is set."""


class PeriodicLoop(BackgroundLoop):
    """Calls `step` every interval_s on a named thread; a failing step is logged, never fatal."""

    def __init__(self, step: Callable[[], object], interval_s: float, name: str, *,
                 first_now: bool = False) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval_s must be above 0, got {interval_s!r}")
        super().__init__()
        self.thread_name = name
        self.interval_s = interval_s
        self._step = step
        self._first_now = first_now

    def _run(self) -> None:
        if self._first_now:
            self._step_logged()
        while not self._stop.wait(self.interval_s):
            self._step_logged()

    def _step_logged(self) -> None:
        try:
            self._step()
        except Exception:  # the next round may succeed; the traceback goes to the log
            log.exception("%s: a round failed", self.thread_name)


class AsyncioLoop(BackgroundLoop):
    """An asyncio event loop on a named thread (for a library that is async only); call() runs on it."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.thread_name = name
        self.loop = asyncio.new_event_loop()

    def _run(self) -> None:
        self.loop.run_forever()

    def _wake(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run coro on the loop and wait for its result (TimeoutError after timeout seconds)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Stop the loop, join its thread, then close the loop."""
        self.stop()
        self.join(timeout)
        self.loop.close()
