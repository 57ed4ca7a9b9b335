"""Online change detection: the L2 step test of `step_test` over a sliding, re-anchoring baseline.

Each sample is appended to a baseline of at most `window` samples; once `min_before` +
`min_after` samples are held, the best step with at least `min_after` samples behind it is
tested as in `step_test` (two-sample z on the within-level noise) with the BIC-type acceptance
of `passes`. A confirmed step is reported once and the baseline re-anchors at it (the post-step samples
become the new baseline), so a level shift does not alert again every tick. The newest finding
stays open: on each later sample the step is re-tested at the same index over the samples before
it and all those since, so its confidence grows (or falls) with the evidence, until `settle_after`
samples have followed it or the next change is confirmed. Per tick the cost is O(window) in numpy. Each update also yields a per-sample anomaly score in 0..1, e / (e +
surprise_half), where e is the larger of the one-step AR(1) surprise of the sample (silenced
for `min_after` ticks after a large one) and the z of a step confirmed on this tick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from drm_dashboard.analytics.confidence import make_change_point
from drm_dashboard.analytics.step_test import SplitTest, best_split, passes, surprise
from drm_dashboard.analytics.changepoint_records import DetectorConfig, DetectorStatus, Finding

# samples after a step (5 min at the default 5 s poll) past which its confidence is final: by then
# the test has four times the samples it was first confirmed on, and the next change may begin
SETTLE_AFTER = 60


@dataclass(frozen=True)
class _Open:
    """The newest finding while its confidence is still revised, and what it is re-tested on."""

    position: int  # its place in the detector's list of findings
    before: np.ndarray  # the baseline samples before the step, as they were when it was confirmed
    candidates: int  # splits scanned when it was confirmed: the p-value keeps that correction


def status_message(points: int, needed: int) -> str:
    """Human text for how far a detector is from judging."""
    if points >= needed:
        return f"judging over {points} points"
    return f"{points} of {needed} points needed ({needed - points} more)"


class OnlineDetector:
    """Streaming regression detector for one metric; `update` once per new sample."""

    def __init__(self, metric: str, *, higher_is_better: bool | None,
                 config: DetectorConfig = DetectorConfig(), settle_after: int = SETTLE_AFTER) -> None:
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
        self._settle_after = min(max(settle_after, config.min_after), config.window)
        self._open: _Open | None = None
        self._changed: set[int] = set()  # positions confirmed or revised since take_changes()

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every change confirmed so far, oldest first, each at its latest confidence."""
        return tuple(self._findings)

    @property
    def open_finding(self) -> Finding | None:
        """The finding whose confidence is still being revised, if any."""
        return None if self._open is None else self._findings[self._open.position]

    def take_changes(self) -> list[Finding]:
        """Findings confirmed or revised since the last call, at their latest version, oldest first."""
        changed = [self._findings[i] for i in sorted(self._changed)]
        self._changed.clear()
        return changed

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
        """Add one sample; return a Finding the one time a change is confirmed, else None.

        Revisions of the open finding's confidence are read with `take_changes` or `findings`.
        """
        if not math.isfinite(value):
            self._score = 0.0
            return None
        surprise_score = self._surprise_score(value)
        self._append(float(timestamp), float(value))
        test = self._scan()
        found = self._confirm(test) if test is not None else None
        if found is None and self._open is not None:
            self._revise(self._post_step(test))
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

    def _scan(self) -> SplitTest | None:
        """The best step in the baseline, or None while it holds too few samples to judge."""
        cfg, n = self.config, self.points
        if n < cfg.min_points:
            return None
        return best_split(self._values[self._start:self._end], cfg.min_before, n - cfg.min_after,
                          cfg.rho_max, cfg.ar1_adjust)

    def _post_step(self, test: SplitTest | None) -> np.ndarray:
        """The open finding's samples at its new level: the baseline, up to a next step in sight."""
        after = self._values[self._start:self._end]
        if test is not None and test.z ** 2 > self.config.penalty * math.log(test.n):
            # a further change, significant but not yet confirmed, belongs to the next finding;
            # left in, it would read as noise around this one's level and drag it down
            return after[:test.index]
        return after

    def _confirm(self, test: SplitTest) -> Finding | None:
        """Accept the scan's step; on success record it and re-anchor after it."""
        cfg = self.config
        n = self.points
        y = self._values[self._start:self._end]
        # a split on the scan's last allowed index whose tail disagrees is a later step seen
        # too early (its first samples still belong to the old level): wait a tick
        early = test.index >= n - cfg.min_after and test.agree < n - test.index
        if early or not passes(test, cfg.penalty):
            return None
        if self._open is not None:
            # the samples before this step are the open finding's whole post-step segment
            self._revise(y[:test.index], final=True)
        found = make_change_point(test, cfg, metric=self.metric, offset=self._offset,
                                  timestamp=float(self._stamps[self._start + test.index]),
                                  higher_is_better=self.higher_is_better)
        self._findings.append(found)
        self._changed.add(len(self._findings) - 1)
        self._open = _Open(len(self._findings) - 1, y[:test.index].copy(), test.candidates)
        self._drop(test.index)
        self._quiet = 0
        return found

    def _revise(self, after: np.ndarray, *, final: bool = False) -> None:
        """Re-test the open finding's step at its index over its baseline and `after`."""
        cfg, opened = self.config, self._open
        assert opened is not None
        k = len(opened.before)
        y = np.concatenate([opened.before, after])
        # the split stays where it was confirmed: one finding per change, with the same identity
        test = replace(best_split(y, k, k, cfg.rho_max, cfg.ar1_adjust),
                       candidates=opened.candidates)
        old = self._findings[opened.position]
        self._findings[opened.position] = make_change_point(
            test, cfg, metric=self.metric, offset=old.index - k, timestamp=old.timestamp,
            higher_is_better=self.higher_is_better)
        self._changed.add(opened.position)
        if final or self.points >= self._settle_after:
            self._open = None
