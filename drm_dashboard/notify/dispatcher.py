"""The notification thread: alerts are queued without blocking, delivered with retries off-thread."""

from __future__ import annotations

import collections
import heapq
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ..analytics.alert_rules import level_at_least
from ..models import Alert
from ..threads import BackgroundLoop
from .destinations import DeliveryError, Destination

log = logging.getLogger(__name__)


@dataclass(order=True)
class _Delivery:
    """One alert for one destination; ordered by when it is due, then by arrival."""

    due: float
    order: int
    attempt: int = field(compare=False)
    destination: Destination = field(compare=False)
    alert: Alert = field(compare=False)


class NotificationDispatcher(BackgroundLoop):
    """Delivers alerts to destinations on the named thread "drm-notify"; submit() never blocks.

    A failed delivery is retried `retries` times with back-off backoff_s, 2*backoff_s, ...; a
    retry waits in a schedule, not in a sleep, so a failing destination delays the others by at
    most its own timeout per attempt.
    """

    thread_name = "drm-notify"

    def __init__(self, destinations: Sequence[Destination], *, max_queue: int = 1000,
                 retries: int = 3, backoff_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.destinations = tuple(destinations)
        self.max_queue = max_queue
        self.retries = retries
        self.backoff_s = backoff_s
        self._clock = clock
        self._inbox: collections.deque[Alert] = collections.deque()
        self._schedule: list[_Delivery] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._counts = {"sent": 0, "failed": 0, "dropped": 0, "retried": 0}

    # -- counters for the UI -------------------------------------------------------------------
    @property
    def sent(self) -> int:
        return self._counts["sent"]

    @property
    def failed(self) -> int:
        return self._counts["failed"]

    @property
    def dropped(self) -> int:
        return self._counts["dropped"]

    def stats(self) -> dict[str, int]:
        """sent, failed (retries exhausted), dropped (queue full), retried, queued."""
        with self._cond:
            return {**self._counts, "queued": len(self._inbox) + len(self._schedule)}

    def _count(self, name: str) -> None:
        with self._cond:
            self._counts[name] += 1

    # -- the producer side ---------------------------------------------------------------------
    def submit(self, alert: Alert) -> None:
        """Queue an alert for every destination; when the queue is full the oldest is dropped."""
        with self._cond:
            if len(self._inbox) >= self.max_queue:
                # the newest news matters most: a resolved alert must not wait behind stale ones
                self._inbox.popleft()
                self._counts["dropped"] += 1
            self._inbox.append(alert)
            self._cond.notify()

    # -- lifecycle -----------------------------------------------------------------------------
    def _wake(self) -> None:
        # the delivery thread waits on the condition, not on _stop
        with self._cond:
            self._cond.notify_all()

    # -- the delivery thread -------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            delivery = self._next()
            if delivery is not None:
                self._attempt(delivery)
        with self._cond:
            left = len(self._inbox) + len(self._schedule)
        if left:
            # a stop does not wait out retries; say so rather than drop them silently
            log.warning("stopping with %d notification(s) undelivered", left)

    def _next(self) -> _Delivery | None:
        """The next due delivery, waiting for one; None once stopping."""
        with self._cond:
            while not self._stop.is_set():
                now = self._clock()
                if self._schedule and self._schedule[0].due <= now:
                    return heapq.heappop(self._schedule)
                if self._inbox:
                    self._fan_out(self._inbox.popleft(), now)
                    continue
                wait = self._schedule[0].due - now if self._schedule else None
                self._cond.wait(wait)
        return None

    def _fan_out(self, alert: Alert, now: float) -> None:
        for dest in self.destinations:
            if level_at_least(alert.level, dest.min_level):
                heapq.heappush(self._schedule, _Delivery(now, next(self._order), 0, dest, alert))

    def _attempt(self, d: _Delivery) -> None:
        try:
            d.destination.send(d.alert)
        except Exception as exc:
            self._failed(d, exc)
        else:
            self._count("sent")

    def _failed(self, d: _Delivery, exc: Exception) -> None:
        # DeliveryError messages are written to be safe; anything else may quote a URL or secret
        safe = isinstance(exc, DeliveryError)
        reason = str(exc) if safe else f"{d.destination.name}: {type(exc).__name__}"
        if d.attempt >= self.retries:
            self._count("failed")
            log.error("notification %s gave up after %d attempts: %s", d.alert.id, d.attempt + 1, reason)
            return
        delay = self.backoff_s * (2 ** d.attempt)
        log.warning("notification %s failed (%s); retry %d/%d in %.3g s", d.alert.id, reason,
                    d.attempt + 1, self.retries, delay)
        retry = _Delivery(self._clock() + delay, next(self._order), d.attempt + 1, d.destination,
                          d.alert)
        with self._cond:
            self._counts["retried"] += 1
            heapq.heappush(self._schedule, retry)
