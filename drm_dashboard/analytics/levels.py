"""The worst level each judged metric held for a minute within a lookback, which a regression must beat.

A fleet's normal life moves its metrics: a wave of arrivals queues tasks, a grown pool allocates
a little slower. A regression alert says something new only when the new level is worse than any
the metric held in the hour before the step, where "held" means a minute's median (one slow
sample is not a level). The alert rule asks for a margin beyond it (`RegressionRule`).
"""

from __future__ import annotations

import collections
import math

import numpy as np

SUSTAIN_S = 60.0  # how long a level must hold to count: a minute's median of the samples


def worst_held(timestamps: np.ndarray, values: np.ndarray, higher_is_better: bool) -> float:
    """The worst median of a minute's samples (half of them at least); nan when none qualifies."""
    if len(values) < 2:
        return math.nan
    step = float(np.median(np.diff(timestamps)))
    span = max(1, round(SUSTAIN_S / step)) if step > 0 else 1
    if len(values) < span:
        return math.nan
    windows = np.lib.stride_tricks.sliding_window_view(values, span)
    # a minute with few events (no placement, no allocation) has no level: one slow sample alone
    # would stand for the whole minute and hide a real regression later
    held = np.count_nonzero(np.isfinite(windows), axis=1) * 2 >= span
    if not held.any():
        return math.nan
    medians = np.nanmedian(windows[held], axis=1)
    return float(np.min(medians) if higher_is_better else np.max(medians))


class SustainedLevels:
    """Each metric's recent per-interval samples, kept long enough to judge any step still ahead."""

    def __init__(self, lookback_s: float, reach: int) -> None:
        self.lookback_s = lookback_s
        self._reach = max(reach, 1)  # how many samples back a step can still be confirmed
        self._samples: dict[str, collections.deque[tuple[float, float]]] = {}

    def add(self, metric: str, timestamps: list[float], values: list[float]) -> None:
        """Record a metric's new samples; drop those past the lookback of the oldest step ahead."""
        if self.lookback_s <= 0 or not timestamps:
            return
        kept = self._samples.setdefault(metric, collections.deque())
        kept.extend(zip(timestamps, values))
        if len(kept) > self._reach:
            horizon = kept[-self._reach][0] - self.lookback_s
            while kept[0][0] < horizon:
                kept.popleft()

    def worst_before(self, metric: str, step: float, higher_is_better: bool) -> float:
        """The worst level the metric held within the lookback before `step`; nan if none."""
        kept = self._samples.get(metric)
        if not kept:
            return math.nan
        pairs = np.array(kept)
        inside = (pairs[:, 0] >= step - self.lookback_s) & (pairs[:, 0] < step)
        return worst_held(pairs[inside, 0], pairs[inside, 1], higher_is_better)
