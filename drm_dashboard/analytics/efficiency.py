"""Resource efficiency per worker (used / allocated) and which workers are over- or under-provisioned."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

# a worker whose tasks use less than half of what they reserved wastes the rest
OVER_PROVISIONED_BELOW = 50.0
# ... and one whose tasks use nearly all of it has no headroom left for a spike
UNDER_PROVISIONED_ABOVE = 90.0
# fewer allocated samples than this say nothing about a worker
MIN_SAMPLES = 3


@dataclass(frozen=True)
class WorkerEfficiency:
    """One worker over the window: mean used / allocated in percent, over `samples` allocated ticks."""

    worker_id: str
    efficiency: float
    samples: int
    verdict: str  # "over-provisioned", "under-provisioned", "balanced" or "too few samples"


@dataclass(frozen=True)
class EfficiencyReport:
    """Every worker's efficiency, the named outliers, and the thresholds they were judged by."""

    workers: tuple[WorkerEfficiency, ...]
    over: tuple[str, ...]
    under: tuple[str, ...]
    mean: float  # mean of the judged workers' efficiencies, NaN when none
    low: float
    high: float


def tick_efficiency(w: Mapping[str, np.ndarray]) -> np.ndarray:
    """[T, W] used / allocated in percent (CPU and memory shares summed); NaN where nothing was allocated.

    `w` holds [T, W] percent matrices "cpu", "memory", "alloc_cpu" and "alloc_memory" (a live view's
    `workers`). The same measure as the manager's resource_efficiency, per worker: each kind enters
    as a share of the worker's capacity, so the kinds weigh by capacity.
    """
    used = np.nan_to_num(w["cpu"]) + np.nan_to_num(w["memory"])
    allocated = np.nan_to_num(w["alloc_cpu"]) + np.nan_to_num(w["alloc_memory"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(allocated > 0, used / allocated * 100.0, np.nan)
    return out.astype(np.float32)


def _verdict(value: float, samples: int, low: float, high: float) -> str:
    if samples < MIN_SAMPLES:
        return "too few samples"
    if value < low:
        return "over-provisioned"
    return "under-provisioned" if value > high else "balanced"


def efficiency_report(worker_ids: Sequence[str], w: Mapping[str, np.ndarray], *,
                      low: float = OVER_PROVISIONED_BELOW,
                      high: float = UNDER_PROVISIONED_ABOVE) -> EfficiencyReport:
    """Mean efficiency of each worker over the ticks it held reservations, judged against low/high."""
    per_tick = tick_efficiency(w)
    samples = np.count_nonzero(~np.isnan(per_tick), axis=0)
    sums = np.nansum(per_tick, axis=0, dtype=np.float64)
    workers = []
    for j in np.argsort(np.asarray(worker_ids, dtype=object), kind="stable"):
        n = int(samples[j])
        value = float(sums[j] / n) if n else math.nan
        workers.append(WorkerEfficiency(worker_ids[j], value, n, _verdict(value, n, low, high)))
    judged = [w.efficiency for w in workers if w.verdict != "too few samples"]
    return EfficiencyReport(
        tuple(workers), _named(workers, "over-provisioned"), _named(workers, "under-provisioned"),
        float(np.mean(judged)) if judged else math.nan, low, high)


def _named(workers: Sequence[WorkerEfficiency], verdict: str) -> tuple[str, ...]:
    return tuple(w.worker_id for w in workers if w.verdict == verdict)


def pool_efficiency(efficiency: np.ndarray, allocated: np.ndarray) -> np.ndarray:
    """[T] the pool's used / allocated (percent), NaN where nothing was allocated: 0 / 0 is n/a, not 0 %."""
    # the manager reports 0 for used / allocated when allocated is 0
    return np.where(allocated > 0, efficiency, np.nan)


def advice(report: EfficiencyReport) -> list[str]:
    """Right-sizing advice that follows from the report, one sentence per finding."""
    out = []
    if report.over:
        out.append(f"{len(report.over)} worker(s) use less than {report.low:.0f}% of what their tasks "
                   f"reserve ({name_list(report.over)}): tasks ask for more than they use; lower their "
                   "requests or pack more tasks per worker.")
    if report.under:
        out.append(f"{len(report.under)} worker(s) use more than {report.high:.0f}% of what their tasks "
                   f"reserve ({name_list(report.under)}): no headroom for spikes; raise those tasks' requests.")
    if not out and not math.isnan(report.mean):
        out.append(f"Allocations match use: every judged worker uses {report.low:.0f}-{report.high:.0f}% "
                   "of what its tasks reserve.")
    return out


def name_list(ids: Sequence[str], limit: int = 6) -> str:
    """'a, b, c and 4 more': outliers named without flooding a sentence."""
    more = len(ids) - limit
    return ", ".join(ids[:limit]) + (f" and {more} more" if more > 0 else "")
