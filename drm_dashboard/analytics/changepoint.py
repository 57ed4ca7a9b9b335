"""Regression detection: offline PELT over a whole series, and the online detector.

Offline: exact PELT (Killick, Fearnhead & Eckley 2012) on the series standardised over its
whole length, penalty `offline_penalty * ln(n)` (BIC-type), run by `ruptures` (Truong, Oudre &
Vayatis 2020). The segment cost was compared out of fold (evaluation/crossval): "level",
the L2 cost of a flat segment (ruptures' KernelCPD with the linear kernel, in C), or "linear",
the residual cost of a straight line per segment, so a trend is one segment, not a staircase of
level shifts. Each change is then judged against its neighbouring segments by `step_test` for
the record's levels, z and confidence (with the offline statistic's own weights). Online:
`OnlineDetector` in `online.py`, the L2 cost for one split over a sliding window. Levels are
in the metric's units.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import ruptures
from ruptures.base import BaseCost

from drm_dashboard.analytics.confidence import make_change_point
from drm_dashboard.analytics.step_test import split_test
from drm_dashboard.analytics.changepoint_records import (
    ChangePoint,
    DetectorConfig,
    DetectorStatus,
    Finding,
)
from drm_dashboard.analytics.online import OnlineDetector

__all__ = [
    "ChangePoint", "DetectorConfig", "DetectorStatus", "Finding",
    "OnlineDetector", "detect_changes", "pelt_changes",
]


def _fill_gaps(values: np.ndarray) -> np.ndarray:
    """Linear interpolation over nan (missing samples keep their index)."""
    x = np.asarray(values, dtype=float)
    bad = ~np.isfinite(x)
    if bad.any() and (~bad).any():
        idx = np.arange(len(x))
        x = x.copy()
        x[bad] = np.interp(idx[bad], idx[~bad], x[~bad])
    return x


def _running_sums(v: np.ndarray) -> np.ndarray:
    """Prefix sums of v as two rows: the float sums, and the rounding error each addition dropped."""
    # on a million samples the sums of t*x reach 1e12, where a double keeps 1e-4 of a unit: a
    # short segment's sum, a difference of two of them, lost four digits. Each step's error
    # (Knuth's TwoSum) is exact and small, so its own running sum puts the digits back. TwoSum
    # needs each `after` to be before + v rounded once, which holds: np.cumsum adds in order
    hi = np.concatenate([[0.0], np.cumsum(v)])
    before, after = hi[:-1], hi[1:]
    added = after - before
    dropped = (before - (after - added)) + (v - added)
    return np.vstack([hi, np.concatenate([[0.0], np.cumsum(dropped)])])


class LineCost(BaseCost):
    """Residual sum of squares of the least-squares line a + b*t through a segment."""

    # ruptures' CostLinear solves a least-squares problem for every candidate segment, which
    # PELT asks for O(n) times per sample; running sums give the same residual in O(1)
    model = "line"
    min_size = 2

    def fit(self, signal: np.ndarray) -> "LineCost":
        """Keep the signal (ruptures reads its length) and the running sums of x, x^2 and t*x."""
        self.signal = np.asarray(signal, dtype=float).reshape(len(signal), -1)
        x = self.signal[:, 0]  # pelt_changes passes one column, the z-scored series
        t = np.arange(len(x), dtype=float)
        # one row per prefix (sums, then dropped errors): a segment's three sums are two row lookups
        self.sums = np.ascontiguousarray(np.vstack([_running_sums(v) for v in (x, x * x, t * x)]).T)
        return self

    def error(self, start: int, end: int) -> float:
        """The residual of segment [start, end) about its own line."""
        sx, dx, sxx, dxx, stx, dtx = (self.sums[end] - self.sums[start]).tolist()
        sx, sxx, stx = sx + dx, sxx + dxx, stx + dtx
        n = end - start
        # t runs over consecutive integers: its sum and spread are exact, not differences of
        # running sums of t^2, which lose every digit on a series of a million samples
        st = n * (start + end - 1) / 2.0
        spread = n * (n * n - 1) / 12.0
        rss = sxx - sx * sx / n
        if spread > 0:
            rss -= (stx - st * sx / n) ** 2 / spread
        return max(rss, 0.0)


def pelt_changes(x: np.ndarray, penalty: float, min_segment: int, cost: str) -> list[int]:
    """Indices where a new segment starts: exact PELT, penalty * ln(n) on z-scored x."""
    n = len(x)
    sd = float(np.std(x))
    if n < 2 * min_segment or sd <= 0:
        return []
    z = ((x - x.mean()) / sd).reshape(-1, 1)
    algo = (ruptures.Pelt(custom_cost=LineCost(), min_size=min_segment, jump=1) if cost == "linear"
            else ruptures.KernelCPD(kernel="linear", min_size=min_segment))
    ends = algo.fit(z).predict(pen=penalty * np.log(n))
    return [int(e) for e in ends if e < n]


def detect_changes(values: np.ndarray, config: DetectorConfig = DetectorConfig(), *,
                   metric: str = "series", timestamps: np.ndarray | None = None,
                   higher_is_better: bool | None = None) -> list[ChangePoint]:
    """Offline change points of a series, sorted by index (PELT, BIC-type penalty)."""
    x = _fill_gaps(values)
    if not np.isfinite(x).all():
        return []
    cuts = pelt_changes(x, config.offline_penalty, config.min_segment, config.offline_cost)
    edges = [0, *cuts, len(x)]
    stamps = np.arange(len(x), dtype=float) if timestamps is None else np.asarray(timestamps)
    # the record judges each change on its two neighbouring segments, on the series' scale,
    # and its confidence against the offline threshold with the offline statistic's weights
    judged = dataclasses.replace(config, penalty=config.offline_penalty,
                                 confidence_weights=config.offline_confidence_weights)
    scale = float(np.std(x))
    points = []
    for lo, cut, hi in zip(edges, edges[1:], edges[2:]):
        test = split_test(x[lo:hi], cut - lo, scale, config.rho_max)
        points.append(make_change_point(test, judged, metric=metric, offset=lo,
                                        timestamp=float(stamps[cut]),
                                        higher_is_better=higher_is_better))
    return points
