"""Preallocated numpy columns for the live store; written rows never change, so views need no copy."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .schema import PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS

MIN_ROWS = 64
MIN_COLS = 16
# room for workers that join, as a share of the fleet: every row carries it, so it costs memory;
# running out costs a compaction (a copy of the window), at most once per SPARE_SHARE new workers
SPARE_SHARE = 1 / 16


def spare_columns(workers: int) -> int:
    """Columns for a block holding `workers`, with room for more to join."""
    return workers + max(MIN_COLS, int(workers * SPARE_SHARE))


def _frozen(arr: np.ndarray) -> np.ndarray:
    # flags on a slice affect that view only; the block keeps writing rows past its end
    arr.flags.writeable = False
    return arr


class ColumnBlock:
    """Ticks in rows [start, end) and workers in columns [0, n_cols) of arrays with spare room."""

    # Only the writer thread mutates a block, and only at row `end` or in columns past `n_cols`:
    # every cell a reader can see was written before it was published. Pruning moves `start`;
    # compaction builds a new block and never touches this one again.

    def __init__(self, rows: int, cols: int, first_seq: int) -> None:
        # np.empty, not np.full: pages are touched only when rows are written (RSS follows data)
        self.timestamps = np.empty(rows)
        self.system = {name: np.empty(rows) for name in SYSTEM_COLUMNS}
        self.performance = {name: np.empty(rows) for name in PERFORMANCE_COLUMNS}
        self.workers = {m: np.empty((rows, cols), np.float32) for m in WORKER_METRICS}
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.last_row = np.full(cols, -1, np.int64)
        self.first_seq = first_seq  # seq of row 0
        self.start = 0
        self.end = 0
        self.n_cols = 0  # columns published to readers; ids may run ahead during an append

    @property
    def rows_cap(self) -> int:
        return self.timestamps.shape[0]

    @property
    def cols_cap(self) -> int:
        return self.last_row.shape[0]

    def columns(self, ids: Sequence[str]) -> tuple[list[int | None], list[str]]:
        """Column per worker id (None for new ones) and the ids that have no column yet."""
        cols = list(map(self.index.get, ids))
        if None not in cols:
            return cols, []
        # dict.fromkeys: an id listed twice in one tick still gets one column
        return cols, list(dict.fromkeys(wid for wid, col in zip(ids, cols) if col is None))

    def fits(self, new_workers: int) -> bool:
        """True when one more row and new_workers more columns fit."""
        return self.end < self.rows_cap and len(self.ids) + new_workers <= self.cols_cap

    def add_workers(self, ids: Sequence[str]) -> None:
        """Give each new id the next free column; its earlier rows are already NaN."""
        for wid in ids:
            self.index[wid] = len(self.ids)
            self.ids.append(wid)

    def write_row(self, ts: float, system: Sequence[float], performance: Sequence[float],
                  cols: np.ndarray, metrics: np.ndarray) -> None:
        """Write row `end` (not yet visible); metrics is [W, WORKER_METRICS] for columns cols."""
        r = self.end
        self.timestamps[r] = ts
        for name, value in zip(SYSTEM_COLUMNS, system):
            self.system[name][r] = value
        for name, value in zip(PERFORMANCE_COLUMNS, performance):
            self.performance[name][r] = value
        for j, name in enumerate(WORKER_METRICS):
            row = self.workers[name][r]
            row.fill(np.nan)
            row[cols] = metrics[:, j]
        self.last_row[cols] = r

    def commit(self) -> None:
        """Publish the row written last and any columns added for it (call under the lock)."""
        self.end += 1
        self.n_cols = len(self.ids)

    def drop_before(self, cutoff: float) -> None:
        """Move start past ticks older than cutoff (call under the lock)."""
        ts = self.timestamps[self.start:self.end]
        self.start += int(np.searchsorted(ts, cutoff, side="left"))

    def dead_columns(self) -> int:
        """Workers with no sample left in [start, end): candidates for compaction."""
        return int(np.count_nonzero(self.last_row[: self.n_cols] < self.start))

    def compacted(self, extra_cols: int = 0) -> "ColumnBlock":
        """A NEW block with the live rows and the workers still in them; this one is spent."""
        # each worker matrix is let go as soon as it is copied, so the copy costs one
        # matrix more, not a second window (unless a reader still holds an old view)
        live = self.end - self.start
        keep = np.flatnonzero(self.last_row[: self.n_cols] >= self.start)
        kept = keep.size
        cols = spare_columns(kept + extra_cols)
        new = ColumnBlock(max(MIN_ROWS, 2 * live + 1), cols, self.first_seq + self.start)
        rows = slice(self.start, self.end)
        new.timestamps[:live] = self.timestamps[rows]
        for src, dst in ((self.system, new.system), (self.performance, new.performance)):
            for name, arr in src.items():
                dst[name][:live] = arr[rows]
        whole = kept == self.n_cols  # nothing vanished: a plain slice copy, no gather
        for name in list(self.workers):
            arr = self.workers.pop(name)
            new.workers[name][:live, :kept] = arr[rows, :kept] if whole else arr[rows][:, keep]
            new.workers[name][:live, kept:] = np.nan
            del arr
        new.ids = [self.ids[i] for i in keep]
        new.index = {wid: i for i, wid in enumerate(new.ids)}
        new.last_row[:kept] = self.last_row[keep] - self.start
        new.end = live
        new.n_cols = kept
        return new

    def worker_bytes(self) -> int:
        """Bytes of the per-worker matrices in rows [0, end): the pages written so far."""
        # rows past `end` were never touched (np.empty), so the OS has not given them memory
        return sum(self.end * a.shape[1] * a.itemsize for a in self.workers.values())

    def window(self, lo: int) -> tuple[np.ndarray, Mapping[str, np.ndarray],
                                       Mapping[str, np.ndarray], Mapping[str, np.ndarray]]:
        """Read-only slices of rows [lo, end) and published columns (call under the lock)."""
        rows, n = slice(lo, self.end), self.n_cols
        return (
            _frozen(self.timestamps[rows]),
            {k: _frozen(v[rows]) for k, v in self.system.items()},
            {k: _frozen(v[rows]) for k, v in self.performance.items()},
            {k: _frozen(v[rows, :n]) for k, v in self.workers.items()},
        )
