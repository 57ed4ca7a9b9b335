"""Regression detection: offline binary segmentation and the online detector share one test.

Offline: binary segmentation (Scott & Knott 1974; Vostrikova 1981) where each cut is the GLS
step test under AR(1) noise of `cp_stats` (Chakar et al. 2017), accepted when
z^2 > penalty * ln(n), a BIC-like penalty (Schwarz 1978). Online: `OnlineDetector` in
`online.py`, the same test over a sliding baseline. Levels are in the metric's units.
"""

from __future__ import annotations

import numpy as np

from drm_dashboard.analytics.confidence import make_change_point
from drm_dashboard.analytics.cp_stats import SplitTest, best_split, passes
from drm_dashboard.analytics.cp_types import (
    HIGHER_IS_BETTER,
    ChangePoint,
    DetectorConfig,
    DetectorStatus,
    Finding,
)
from drm_dashboard.analytics.online import OnlineDetector

__all__ = [
    "HIGHER_IS_BETTER", "ChangePoint", "DetectorConfig", "DetectorStatus", "Finding",
    "OnlineDetector", "detect_changes",
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


def _segment(x: np.ndarray, start: int, stop: int, config: DetectorConfig,
             found: list[tuple[int, SplitTest]]) -> None:
    """Recursive binary segmentation of x[start:stop]; appends (offset, accepted test)."""
    seg = x[start:stop]
    if len(seg) < 2 * config.min_segment:
        return
    test = best_split(seg, config.min_segment, len(seg) - config.min_segment, config.rho_max)
    if not passes(test, config.penalty, config.min_persistence):
        return
    found.append((start, test))
    _segment(x, start, start + test.index, config, found)
    _segment(x, start + test.index, stop, config, found)


def detect_changes(values: np.ndarray, config: DetectorConfig = DetectorConfig(), *,
                   metric: str = "series", timestamps: np.ndarray | None = None,
                   higher_is_better: bool | None = None) -> list[ChangePoint]:
    """Offline change points of a series, sorted by index (binary segmentation, GLS AR(1))."""
    x = _fill_gaps(values)
    if not np.isfinite(x).all():
        return []
    found: list[tuple[int, SplitTest]] = []
    _segment(x, 0, len(x), config, found)
    stamps = np.arange(len(x), dtype=float) if timestamps is None else np.asarray(timestamps)
    points = [make_change_point(t, config, metric=metric, offset=o,
                                timestamp=float(stamps[o + t.index]),
                                higher_is_better=higher_is_better) for o, t in found]
    return sorted(points, key=lambda cp: cp.index)
