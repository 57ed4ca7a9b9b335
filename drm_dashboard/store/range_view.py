"""Views of any time range: a slice of the live window, or bucket means read from the history file."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd

from .history import HistoryStore
from .history_query import bucket_step
from .schema import (PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS, alerts_from_frame,
                     decisions_from_frame)
from .view import HistoryRange, LiveView

# per-worker cells a history view reads at most (x 6 readings x 4 bytes: 6 MB): DuckDB's time
# grows with the (bucket, worker) groups, about 7 s for 800,000 on this project's small buffer
# cache, so a fleet gets fewer, wider buckets (1,000 workers: 250 points; 10,000: MIN_POINTS)
MAX_WORKER_CELLS = 250_000
MIN_POINTS = 60


def aligned(start: float, end: float, points: int) -> tuple[float, float, float]:
    """(start, end, step) with both ends on multiples of the step: buckets stay put as time moves."""
    step = bucket_step(start, end, points)
    # a round step (whole seconds) keeps the grid the same from one refresh to the next
    step = float(math.ceil(step))
    return math.floor(start / step) * step, math.ceil(end / step) * step, step


def points_for(points: int, workers: int) -> int:
    """Buckets for `workers` workers: at most `points`, MAX_WORKER_CELLS in all, never below MIN_POINTS."""
    return max(MIN_POINTS, min(points, MAX_WORKER_CELLS // max(workers, 1)))


def live_slice(view: LiveView, start: float, end: float, number: int) -> LiveView:
    """The live view's ticks in [start, end] (arrays are views, nothing is copied)."""
    lo = int(np.searchsorted(view.timestamps, start, side="left"))
    rows = slice(lo, int(np.searchsorted(view.timestamps, end, side="right")))
    return LiveView.build(
        view.seq, view.first_seq + lo, view.timestamps[rows],
        {k: v[rows] for k, v in view.system.items()}, {k: v[rows] for k, v in view.performance.items()},
        view.worker_ids, {k: v[rows] for k, v in view.workers.items()}, view.latest_workers,
        tuple(d for d in view.decisions if start <= d.timestamp <= end),
        tuple(a for a in view.alerts if start <= a.timestamp <= end),
        HistoryRange(start, end, 0.0, number))


def history_view(history: HistoryStore, start: float, end: float, step: float, number: int, *,
                 workers: bool = True, cluster: tuple[str, ...] | None = None) -> LiveView:
    """Bucket means of [start, end) at `step` seconds from the file (the named clusters' rows only)."""
    points = max(1, round((end - start) / step))
    system = history.series("system_metrics", list(SYSTEM_COLUMNS), start, end, points, cluster=cluster)
    ts = system["ts"].to_numpy(np.float64)
    perf = history.series("performance_metrics", list(PERFORMANCE_COLUMNS), start, end, points, cluster=cluster)
    ids: tuple[str, ...] = ()
    matrices = {m: np.empty((ts.size, 0), np.float32) for m in WORKER_METRICS}
    if workers:
        ids, matrices = _worker_matrices(
            history.series("worker_metrics", list(WORKER_METRICS), start, end, points, by_worker=True,
                           cluster=cluster), ts)
    decisions = decisions_from_frame(history.query("scaling_decisions", start, end, cluster))
    alerts = alerts_from_frame(history.query("alerts", start, end, cluster))
    return LiveView.build(
        0, 1, _ro(ts), {c: _ro(system[c].to_numpy(np.float64)) for c in SYSTEM_COLUMNS},
        _placed(ts, perf, PERFORMANCE_COLUMNS), ids, matrices, (), decisions,
        tuple(sorted(alerts, key=lambda a: a.timestamp)), HistoryRange(start, end, step, number))


def _ro(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _rows(ts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted bucket start in ts, or -1 where the system table has no such bucket."""
    idx = np.minimum(np.searchsorted(ts, wanted), max(ts.size - 1, 0))
    return np.where(ts.size and (ts[idx] == wanted), idx, -1) if ts.size else np.full(wanted.size, -1)


def _placed(ts: np.ndarray, frame: pd.DataFrame, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    rows = _rows(ts, frame["ts"].to_numpy(np.float64))
    ok = rows >= 0
    out = {}
    for name in names:
        col = np.full(ts.size, np.nan)
        col[rows[ok]] = frame[name].to_numpy(np.float64)[ok]
        out[name] = _ro(col)
    return out


def _worker_matrices(frame: pd.DataFrame, ts: np.ndarray) -> tuple[tuple[str, ...], dict[str, np.ndarray]]:
    """[buckets, workers] float32 per reading from (ts, worker_id) rows; NaN where none reported."""
    rows = _rows(ts, frame["ts"].to_numpy(np.float64))
    ok = rows >= 0
    codes, uniques = pd.factorize(frame["worker_id"].to_numpy(object)[ok])
    out = {}
    for name in WORKER_METRICS:
        matrix = np.full((ts.size, len(uniques)), np.nan, np.float32)
        matrix[rows[ok], codes] = frame[name].to_numpy(np.float64)[ok]
        out[name] = _ro(matrix)
    return tuple(str(u) for u in uniques), out


def view_frame(view: LiveView) -> pd.DataFrame:
    """The view's fleet-wide series as one table: server local time, epoch seconds, every column."""
    # the page shows the server's local time; the offset of the range's last tick, as its axes do
    offset = time.localtime(float(view.timestamps[-1])).tm_gmtoff if view.n_ticks else 0
    frame = pd.DataFrame({"time": pd.to_datetime(view.timestamps + offset, unit="s").round("ms"),
                          "epoch_s": view.timestamps})
    for name, values in {**view.system, **view.performance}.items():
        frame[name] = values
    return frame
