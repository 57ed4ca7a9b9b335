"""Bounded trailing windows over clock time; callers hold the manager's lock."""

from __future__ import annotations

import collections
import math


class SampleWindow:
    """Timestamped samples; the mean over the last `window_s` seconds."""

    def __init__(self, window_s: float, max_samples: int = 10_000) -> None:
        self.window_s = window_s
        # bounded even if someone polls thousands of times a second
        self._samples: collections.deque[tuple[float, float]] = collections.deque(maxlen=max_samples)

    def add(self, now: float, value: float) -> None:
        """Record value at now and drop samples older than the window."""
        self._samples.append((now, value))
        self._prune(now)

    def _prune(self, now: float) -> None:
        cutoff = now - self.window_s
        while self._samples and self._samples[0][0] < cutoff:
            self._samples.popleft()

    def mean(self, now: float) -> float:
        """Mean of the samples inside the window; 0 when there are none."""
        self._prune(now)
        if not self._samples:
            return 0.0
        return sum(v for _, v in self._samples) / len(self._samples)

    def span(self, now: float) -> float:
        """Seconds from the oldest sample in the window to now."""
        self._prune(now)
        return now - self._samples[0][0] if self._samples else 0.0


class BucketWindow:
    """Per-second sums and counts over the last `window_s` seconds: O(window) memory at any rate."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._buckets: collections.deque[list[float]] = collections.deque()
        self._last: tuple[float, int] | None = None  # (sum, count) of the newest bucket ever seen

    def add(self, now: float, value: float = 1.0) -> None:
        """Add value to the bucket of the second that holds now."""
        second = math.floor(now)
        if self._buckets and self._buckets[-1][0] == second:
            bucket = self._buckets[-1]
            bucket[1] += value
            bucket[2] += 1
        else:
            self._buckets.append([second, value, 1])
        self._last = (self._buckets[-1][1], int(self._buckets[-1][2]))
        self._prune(now)

    def _prune(self, now: float) -> None:
        cutoff = math.floor(now) - self.window_s
        while self._buckets and self._buckets[0][0] <= cutoff:
            self._buckets.popleft()

    def total(self, now: float) -> float:
        """Sum of values in the window."""
        self._prune(now)
        return sum(b[1] for b in self._buckets)

    def count(self, now: float) -> int:
        """Number of values in the window."""
        self._prune(now)
        return int(sum(b[2] for b in self._buckets))

    def mean(self, now: float, *, hold_last: bool = False) -> float:
        """Mean of values in the window; 0 when empty, or the newest bucket's mean if hold_last."""
        n = self.count(now)
        if n:
            return self.total(now) / n
        # a quiet minute has no new measurement; holding the last one keeps a chart from dipping to 0
        if hold_last and self._last is not None:
            return self._last[0] / self._last[1]
        return 0.0


class CumulativeHistogram:
    """Counts of observations at or under each upper bound since start (Prometheus' buckets)."""

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = tuple(sorted(bounds))
        self._counts = [0] * len(self.bounds)

    def observe(self, value: float) -> None:
        """Count value in the first bucket whose bound holds it (the +Inf bucket is the total)."""
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self._counts[i] += 1
                return

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, observations at or under it), ascending; +Inf is left to the reader."""
        out, running = [], 0
        for bound, n in zip(self.bounds, self._counts):
            running += n
            out.append((bound, running))
        return out
