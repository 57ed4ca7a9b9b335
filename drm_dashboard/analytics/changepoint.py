"""Regression detection: offline PELT and the online detector share one cost and one penalty form.

Offline: PELT (Killick, Fearnhead & Eckley 2012) with the L2 cost on the series standardised
over its whole length, penalty `offline_penalty * ln(n)` (BIC-type), run by `ruptures`
(Truong, Oudre & Vayatis 2020): its KernelCPD with the linear kernel is exact PELT for the
L2 cost, in C. Each change is then judged against its neighbouring segments by `step_test` for
the record's levels, z and confidence (with the offline statistic's own weights). Online: `OnlineDetector` in `online.py`, the same cost
for one split over a sliding window. Levels are in the metric's units.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import ruptures

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


def pelt_changes(x: np.ndarray, penalty: float, min_segment: int) -> list[int]:
    """Indices where a new segment starts: exact PELT, L2 cost, penalty * ln(n) on z-scored x."""
    n = len(x)
    sd = float(np.std(x))
    if n < 2 * min_segment or sd <= 0:
        return []
    z = ((x - x.mean()) / sd).reshape(-1, 1)
    ends = ruptures.KernelCPD(kernel="linear", min_size=min_segment).fit(z).predict(
        pen=penalty * np.log(n))
    return [int(e) for e in ends if e < n]


def detect_changes(values: np.ndarray, config: DetectorConfig = DetectorConfig(), *,
                   metric: str = "series", timestamps: np.ndarray | None = None,
                   higher_is_better: bool | None = None) -> list[ChangePoint]:
    """Offline change points of a series, sorted by index (PELT, L2 cost, BIC-type penalty)."""
    x = _fill_gaps(values)
    if not np.isfinite(x).all():
        return []
    cuts = pelt_changes(x, config.offline_penalty, config.min_segment)
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
