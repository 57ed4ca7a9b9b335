"""Per-interval samples from cumulative counters: the raw series the detectors judge.

A source's KPIs are trailing-window means (60 s at a 5 s poll: consecutive samples share 11/12 of
their data), so they are smoothed and strongly autocorrelated. Where the source also reports
counters (Prometheus style), the mean over each poll interval comes from their differences instead:
one independent sample per interval. Without counters the reported value is used as it is.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np

from ..series import TickSeries

# per-interval mean = d(numerator counter) / d(denominator counter)
RATIOS: Mapping[str, tuple[str, str]] = {
    "allocation_time_ms": ("allocation_ms_total", "allocations_total"),
    "queue_wait_ms": ("queue_wait_ms_total", "placements_total"),
}


def _deltas(column: np.ndarray, start: int) -> np.ndarray:
    """Differences for ticks start.. against the tick before each (NaN for the very first)."""
    if start > 0:  # only the new ticks and the one before them: cost follows the tick, not history
        return column[start:] - column[start - 1:-1]
    return np.concatenate(([np.nan], np.diff(column)))


def ratio_per_interval(num: np.ndarray, den: np.ndarray, reported: np.ndarray, start: int) -> np.ndarray:
    """Mean per interval from two counters; reported values where the counters are missing."""
    d_num, d_den = _deltas(num, start), _deltas(den, start)
    with np.errstate(invalid="ignore", divide="ignore"):
        # no events in the interval, a counter reset (negative delta) or no previous tick: no sample
        derived = np.where(d_den > 0, d_num / d_den, np.nan)
    has_counters = np.isfinite(num[start:]) & np.isfinite(den[start:])
    return np.where(has_counters, derived, reported[start:])


def rate_per_interval(counter: np.ndarray, timestamps: np.ndarray, start: int) -> np.ndarray:
    """Events per second over each interval from a counter; NaN across a reset or a gap."""
    d_count, d_t = _deltas(counter, start), _deltas(timestamps, start)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((d_count >= 0) & (d_t > 0), d_count / d_t, np.nan)


def interval_samples(series: TickSeries, names: Iterable[str], start: int) -> dict[str, np.ndarray]:
    """For ticks start.. of the series: each named metric as the detectors see it."""
    cols = series.columns
    out = {name: np.asarray(cols[name][start:]) for name in names}
    for name, (num, den) in RATIOS.items():
        if name in out:
            out[name] = ratio_per_interval(cols[num], cols[den], cols[name], start)
    if "resource_efficiency" in out:
        # used / allocated has no value with nothing allocated, though a manager reports 0 then
        idle = np.asarray(cols["allocated"][start:]) == 0
        out["resource_efficiency"] = np.where(idle, np.nan, out["resource_efficiency"])
    if "task_throughput" in out:
        rate = rate_per_interval(cols["tasks_completed"], series.timestamps, start)
        out["task_throughput"] = np.where(np.isfinite(rate), rate, out["task_throughput"])
    return out
