"""Online change detection: the L2 step test of `cp_stats` over a sliding, re-anchoring baseline.

Each sample is appended to a baseline of at most `window` samples; once `min_before` +
`min_after` samples are held, the best step with at least `min_after` samples behind it is
tested as in `cp_stats` (L2 cost on the window's scale) with the BIC-type acceptance of `passes`. A
confirmed step is reported once and the baseline re-anchors at it (the post-step samples
become the new baseline), so a level shift does not alert again every tick. Per tick the cost
is O(window) in numpy. Each update also yields a per-sample anomaly score in 0..1, e / (e +
surprise_half), where e is the larger of the one-step AR(1) surprise of the sample (silenced
for `min_after` ticks after a large one) and the z of a step confirmed on this tick.
"""

from __future__ import annotations

import math

import numpy as np

from drm_dashboard.analytics.confidence import make_change_point
from drm_dashboard.analytics.cp_stats import best_split, passes, surprise
from drm_dashboard.analytics.cp_types import DetectorConfig, DetectorStatus, Finding


def status_message(points: int, needed: int) -> str:
    """Human text for how far a detector is from judging."""
    if points >= needed:
        return f"judging over {points} points"
    return f"{points} of {needed} points needed ({needed - points} more)"


class OnlineDetector:
    """Streaming regression detector for one metric; `update` once per new sample."""

    def __init__(self, metric: str, *, higher_is_better: bool | None,
                 config: DetectorConfig = DetectorConfig()) -> None:
        self.metric = metric
        self.higher_is_better = higher_is_better
        self.config = config
        # a buffer twice the window, compacted when full: appends stay O(1) amortised
        self._values = np.empty(2 * config.window)
        self._stamps = np.empty(2 * config.window)
        self._start = 0
        self._end = 0
        self._offset = 0  # global sample index of self._values[self._start]
        self._quiet = 0
        self._score = 0.0
        self._findings: list[Finding] = []

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every change confirmed so far, oldest first."""
        return tuple(self._findings)

    @property
    def anomaly_score(self) -> float:
        """Anomaly score in 0..1 of the latest sample (NAB-style per-row score)."""
        return self._score

    @property
    def points(self) -> int:
        """Samples in the current baseline."""
        return self._end - self._start

    def status(self) -> DetectorStatus:
        """Whether the detector can judge yet, and how many samples it still needs."""
        needed = self.config.min_points
        return DetectorStatus(metric=self.metric, judged=self.points >= needed,
                              points=self.points, points_needed=needed,
                              findings=len(self._findings),
                              message=status_message(self.points, needed))

    def update(self, timestamp: float, value: float) -> Finding | None:
        """Add one sample; return a Finding the one time a change is confirmed, else None."""
        if not math.isfinite(value):
            self._score = 0.0
            return None
        surprise_score = self._surprise_score(value)
        self._append(float(timestamp), float(value))
        found = self._confirm()
        self._score = surprise_score
        if found is not None:
            # the step's z (in window sds) on the same scale as the surprise
            self._score = max(surprise_score, found.z / (found.z + self.config.surprise_half))
        return found

    def _surprise_score(self, value: float) -> float:
        """Score of the sample's one-step surprise against the baseline, with a refractory gap."""
        if self._quiet > 0:
            self._quiet -= 1
            return 0.0
        if self.points < self.config.min_before:
            return 0.0
        s = surprise(self._values[self._start:self._end], value)
        if s >= self.config.surprise_half:
            # one alarm per burst: the step test will confirm or dismiss what follows
            self._quiet = self.config.min_after
        return s / (s + self.config.surprise_half)

    def _append(self, timestamp: float, value: float) -> None:
        """Append to the baseline, dropping the oldest sample past the window."""
        if self._end == len(self._values):
            n = self.points
            self._values[:n] = self._values[self._start:self._end]
            self._stamps[:n] = self._stamps[self._start:self._end]
            self._start, self._end = 0, n
        self._values[self._end] = value
        self._stamps[self._end] = timestamp
        self._end += 1
        if self.points > self.config.window:
            self._drop(1)

    def _drop(self, count: int) -> None:
        """Forget the oldest `count` samples of the baseline."""
        self._start += count
        self._offset += count

    def _confirm(self) -> Finding | None:
        """Test the baseline for a step; on success record it and re-anchor after it."""
        cfg = self.config
        n = self.points
        if n < cfg.min_points:
            return None
        y = self._values[self._start:self._end]
        test = best_split(y, cfg.min_before, n - cfg.min_after, cfg.rho_max)
        # a split on the scan's last allowed index whose tail disagrees is a later step seen
        # too early (its first samples still belong to the old level): wait a tick
        early = test.index >= n - cfg.min_after and test.agree < n - test.index
        if early or not passes(test, cfg.penalty):
            return None
        found = make_change_point(test, cfg, metric=self.metric, offset=self._offset,
                                  timestamp=float(self._stamps[self._start + test.index]),
                                  higher_is_better=self.higher_is_better)
        self._findings.append(found)
        self._drop(test.index)
        self._quiet = 0
        return found
