"""The small state machines behind the alert engine: one rule's episode, flips, seen events."""

from __future__ import annotations

import collections
import math
from dataclasses import dataclass
from typing import Hashable

INACTIVE, PENDING, FIRING = "inactive", "pending", "firing"


@dataclass
class Episode:
    """One rule's inactive -> pending -> firing cycle; step() names the transition it made."""

    state: str = INACTIVE
    since: float = 0.0  # when the condition started to hold: the episode's identity

    def step(self, now: float, *, holds: bool, breaks: bool, recovers: bool, for_s: float,
             started: float | None = None) -> str | None:
        """Advance one tick; return "firing" or "resolved" on a transition, else None.

        holds: the firing condition is true now; breaks: it is known to be false (a pending
        episode ends); recovers: the value is past the recovery threshold (a firing one ends).
        An unknown value (NaN) is none of these, so it neither fires nor ends anything.
        """
        if self.state == FIRING:
            if recovers:
                self.state = INACTIVE
                return "resolved"
            return None
        if holds:
            if self.state == INACTIVE:
                self.state, self.since = PENDING, now if started is None else started
            if now - self.since >= for_s:
                self.state = FIRING
                return "firing"
        elif breaks:
            self.state = INACTIVE
        return None


class FlipCounter:
    """Direction changes of the pool (scale_up <-> scale_down) within a sliding window."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._last: str | None = None
        self._flips: collections.deque[float] = collections.deque()

    def add(self, action: str, timestamp: float) -> None:
        """Record one scale_up or scale_down decision."""
        if self._last is not None and action != self._last:
            self._flips.append(timestamp)
        self._last = action

    def within(self, now: float) -> tuple[float, ...]:
        """Times of the flips in (now - window, now]; older ones are forgotten."""
        while self._flips and self._flips[0] <= now - self.window_s:
            self._flips.popleft()
        return tuple(t for t in self._flips if t <= now)


class Recent:
    """A bounded set of keys already turned into alerts, so a re-sent event is not raised twice."""

    def __init__(self, size: int = 4096) -> None:
        self._order: collections.deque[Hashable] = collections.deque(maxlen=size)
        self._keys: set[Hashable] = set()

    def add(self, key: Hashable) -> bool:
        """Remember key; False when it was already known."""
        if key in self._keys:
            return False
        if len(self._order) == self._order.maxlen:
            self._keys.discard(self._order[0])
        self._order.append(key)
        self._keys.add(key)
        return True


def fmt(value: float, unit: str = "") -> str:
    """A value for a message: four significant digits and its unit, or 'no value'."""
    return "no value" if math.isnan(value) else f"{value:.4g}{unit}"


def human_duration(seconds: float) -> str:
    """90 -> '90 s', 600 -> '10 min', 7200 -> '2 h'."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
