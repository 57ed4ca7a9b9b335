"""The worst level each judged metric held for a minute within a lookback: what a regression must beat.

A fleet's normal life moves its metrics: a wave of arrivals queues tasks, a grown pool allocates
a little slower. A regression alert says something new only when the new level is worse than any
the metric held in the hour before the step, where "held" means a minute's median (one slow
sample is not a level). The alert rule asks for a margin beyond it (`RegressionRule`).
"""

from __future__ import annotations

import collections
import math
import warnings

import numpy as np

SUSTAIN_S = 60.0  # how long a level must hold to count: a minute's median of the samples


def worst_held(timestamps: np.ndarray, values: np.ndarray, higher_is_better: bool) -> float:
    """The worst median over SUSTAIN_S of consecutive samples; nan when no minute is covered."""
    if len(values) < 2:
        return math.nan
    step = float(np.median(np.diff(timestamps)))
    span = max(1, round(SUSTAIN_S / step)) if step > 0 else 1
    if len(values) < span:
        return math.nan
    windows = np.lib.stride_tricks.sliding_window_view(values, span)
    with warnings.catch_warnings():
        # a minute with no event (no placement, no allocation) has no median: it is skipped
        warnings.simplefilter("ignore", RuntimeWarning)
        medians = np.nanmedian(windows, axis=1)
        worst = np.nanmin(medians) if higher_is_better else np.nanmax(medians)
    return float(worst)


class SustainedLevels:
    """Each metric's recent per-interval samples, kept long enough to judge any open step."""

    def __init__(self, lookback_s: float) -> None:
        self.lookback_s = lookback_s
        # a step is dated up to a detector's window before now; twice the lookback covers it
        self._keep_s = 2 * lookback_s
        self._samples: dict[str, collections.deque[tuple[float, float]]] = {}

    def add(self, metric: str, timestamps: list[float], values: list[float]) -> None:
        """Record a metric's new samples; those older than the kept span are dropped."""
        if self.lookback_s <= 0 or not timestamps:
            return
        kept = self._samples.setdefault(metric, collections.deque())
        kept.extend(zip(timestamps, values))
        horizon = timestamps[-1] - self._keep_s
        while kept and kept[0][0] < horizon:
            kept.popleft()

    def worst_before(self, metric: str, step: float, higher_is_better: bool) -> float:
        """The worst level the metric held within the lookback before `step`; nan if none."""
        kept = self._samples.get(metric)
        if not kept:
            return math.nan
        pairs = np.array(kept)
        inside = (pairs[:, 0] >= step - self.lookback_s) & (pairs[:, 0] < step)
        return worst_held(pairs[inside, 0], pairs[inside, 1], higher_is_better)
