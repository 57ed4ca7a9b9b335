"""LiveStore: the retention window in numpy columns, published as one immutable view per tick."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from ..models import Alert, ScalingDecision, Snapshot, WorkerSample
from . import original_dicts
from ..worker_columns import worker_ids
from .columns import MIN_COLS, MIN_ROWS, ColumnBlock, spare_columns
from .schema import (PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS, HistoryFrames,
                     decision_key, live_metrics, performance_row, system_row, worker_table,
                     workers_from_frame)
from .view import LiveView

__all__ = ["LiveStore", "LiveView"]

DEAD_SHARE = 1 / 16  # pruned rows, as a share of the window, that a compaction gives back


class LiveStore:
    """Ticks of the last retention_s seconds (percent); one writer thread, many readers."""

    # Readers call view() (the same object until the next change) or since(cursor). A vanished
    # worker leaves worker_ids at the latest a quarter of the window after its last sample
    # expires: dropping its column copies the window, so that is rate-limited (amortized O(W)).
    # Memory: the per-worker matrices hold at most (1 + DEAD_SHARE) x the window's ticks rows of
    # spare_columns(workers) x len(WORKER_METRICS) float32 (README, "Memory at fleet scale");
    # pruned rows are given back by a compaction once they are DEAD_SHARE of the window, which
    # copies one matrix at a time.

    def __init__(self, retention_s: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        if not retention_s > 0:
            raise ValueError(f"retention_s must be positive, got {retention_s!r}")
        self.retention_s = float(retention_s)
        self._clock = clock
        self._lock = threading.Lock()  # guards what readers see; held for microseconds
        self._write_lock = threading.Lock()  # serializes writers, so readers never wait on them
        self._block = ColumnBlock(MIN_ROWS, MIN_COLS, first_seq=1)
        self._seq = 0
        self._compacted_at = 0
        self._latest: tuple[WorkerSample, ...] = ()
        self._decisions: list[tuple[int, ScalingDecision]] = []  # (tick seq it arrived in, record)
        self._decision_keys: set[tuple[int, float, str]] = set()
        self._alerts: dict[str, Alert] = {}
        self._view: LiveView | None = None

    @property
    def seq(self) -> int:
        """Sequence number of the last tick ingested (0 before the first)."""
        return self._seq

    # -- writing (collector thread) --------------------------------------------------------
    def ingest(self, snapshot: Snapshot, table: np.ndarray | None = None) -> int:
        """Append one tick and return its sequence number; cost is linear in its workers."""
        # the collector passes the table it also gives the history store: built once a tick
        metrics = live_metrics(worker_table(snapshot.workers) if table is None else table)
        ids = worker_ids(snapshot.workers)
        with self._write_lock:
            block = self._block
            cols, new = block.columns(ids)
            if not block.fits(len(new)):
                block = self._compact(extra_cols=len(new))
                cols, new = block.columns(ids)
            if new:
                block.add_workers(new)
                cols = list(map(block.index.__getitem__, ids))
            block.write_row(snapshot.timestamp, system_row(snapshot), performance_row(snapshot),
                            np.asarray(cols, dtype=np.intp), metrics)
            fresh = self._new_decisions(snapshot.decisions)
            with self._lock:
                block.commit()
                self._seq += 1
                self._latest = snapshot.workers
                self._decisions.extend((self._seq, d) for d in fresh)
                self._view = None
                return self._seq

    def _new_decisions(self, decisions: Iterable[ScalingDecision]) -> list[ScalingDecision]:
        fresh = []
        for d in decisions:
            key = decision_key(d)
            # a coordinator re-sends decisions after an outage; keep each one once
            if key not in self._decision_keys:
                self._decision_keys.add(key)
                fresh.append(d)
        return fresh

    def add_alert(self, alert: Alert) -> None:
        """Add an alert, or replace the one with the same id (an alert that was updated)."""
        with self._lock:
            self._alerts[alert.id] = alert
            self._view = None

    def prune(self, now: float | None = None) -> None:
        """Drop ticks, decisions and alerts older than now - retention_s."""
        cutoff = (self._clock() if now is None else now) - self.retention_s
        with self._write_lock:
            with self._lock:
                if self._drop_before(cutoff):
                    self._view = None
            self._maybe_compact()

    def _drop_before(self, cutoff: float) -> bool:
        block = self._block
        before = (block.start, len(self._decisions), len(self._alerts))
        block.drop_before(cutoff)
        if self._decisions and self._decisions[0][1].timestamp < cutoff:
            kept = [(s, d) for s, d in self._decisions if d.timestamp >= cutoff]
            self._decisions = kept
            self._decision_keys = {decision_key(d) for _, d in kept}
        if any(a.timestamp < cutoff for a in self._alerts.values()):
            self._alerts = {k: a for k, a in self._alerts.items() if a.timestamp >= cutoff}
        return before != (block.start, len(self._decisions), len(self._alerts))

    def _maybe_compact(self) -> None:
        block = self._block
        live = block.end - block.start
        # a compaction copies the whole window: only when DEAD_SHARE of it is dead rows
        # (amortized 1 / DEAD_SHARE row copies a tick), or when vanished workers exist and a
        # quarter window has passed since the last one
        dead_prefix = block.start >= max(live * DEAD_SHARE, MIN_ROWS)
        stale = self._seq - self._compacted_at >= max(1, live // 4) and block.dead_columns() > 0
        if dead_prefix or stale:
            self._compact()

    def _compact(self, extra_cols: int = 0) -> ColumnBlock:
        # under the reader lock: compacted() spends the old block, so no view may be built from
        # it meanwhile (readers wait for one copy of the window, every DEAD_SHARE of it)
        with self._lock:
            self._view = None  # the cached view would keep the old matrices alive
            new = self._block.compacted(extra_cols)
            self._block = new
            self._compacted_at = self._seq
            self._view = None
        return new

    def load(self, frames: HistoryFrames) -> None:
        """Warm an empty store from history (HistoryStore.load_window) before the first ingest."""
        with self._write_lock:
            if self._seq:
                raise RuntimeError("LiveStore.load() must come before the first ingest()")
            system = frames.system.sort_values("ts").drop_duplicates("ts", keep="last")
            block = _block_from_frames(system, frames)
            ts = block.timestamps[: block.end]
            last = frames.workers[frames.workers["ts"] == ts[-1]] if ts.size else frames.workers[:0]
            decisions = self._new_decisions(frames.decision_records())
            with self._lock:
                self._block = block
                self._seq = block.end
                self._latest = workers_from_frame(last)
                self._decisions = [(self._seq, d) for d in decisions]
                self._alerts = {a.id: a for a in frames.alert_records()}
                self._view = None

    def memory_bytes(self) -> int:
        """Bytes held by the per-worker matrices now (rows written, dead prefix included)."""
        return self._block.worker_bytes()

    # -- reading (any thread) --------------------------------------------------------------
    def view(self) -> LiveView:
        """The current view; the same object for every reader until the store changes."""
        current = self._view  # one attribute read: no lock on the hot path
        if current is not None:
            return current
        with self._lock:
            if self._view is None:
                self._view = self._build(self._block.start, 0)
            return self._view

    def since(self, cursor: int) -> LiveView:
        """Only the ticks and decisions with seq > cursor (alerts: all current, they update)."""
        # a cursor older than the window gets the whole window; first_seq > cursor + 1 tells
        # the reader that ticks in between were pruned
        with self._lock:
            block = self._block
            lo = min(block.end, max(block.start, cursor + 1 - block.first_seq))
            return self._build(lo, cursor)

    def _build(self, lo: int, cursor: int) -> LiveView:
        # under self._lock: slicing only, no copies of bulk data
        block = self._block
        ts, system, perf, workers = block.window(lo)
        return LiveView.build(
            self._seq, block.first_seq + lo, ts, system, perf, tuple(block.ids[: block.n_cols]),
            workers, self._latest, tuple(d for s, d in self._decisions if s > cursor),
            tuple(sorted(self._alerts.values(), key=lambda a: a.timestamp)))

    # -- the original project's read views ---------------------------------------------------
    @property
    def resource_metrics(self) -> dict[str, list]:
        return original_dicts.resource_metrics(self.view())

    @property
    def worker_metrics(self) -> dict[str, dict[str, list]]:
        return original_dicts.worker_metrics(self.view())

    @property
    def performance_metrics(self) -> dict[str, list]:
        return original_dicts.performance_metrics(self.view())

    @property
    def scaling_decisions(self) -> list[dict[str, Any]]:
        return original_dicts.scaling_decisions(self.view())

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return original_dicts.alerts(self.view())


def _block_from_frames(system: pd.DataFrame, frames: HistoryFrames) -> ColumnBlock:
    """A block holding the history ticks; worker rows are placed by (ts, worker_id)."""
    ts = system["ts"].to_numpy(np.float64)
    n_rows = ts.size
    workers = frames.workers
    rows = _rows_for(ts, workers["ts"].to_numpy(np.float64))
    codes, uniques = pd.factorize(workers["worker_id"].to_numpy(object)[rows >= 0])
    n_cols = len(uniques)
    block = ColumnBlock(max(MIN_ROWS, 2 * n_rows + 1), spare_columns(n_cols), 1)
    block.timestamps[:n_rows] = ts
    for name in SYSTEM_COLUMNS:
        block.system[name][:n_rows] = system[name].to_numpy(np.float64)
    _place(block.performance, PERFORMANCE_COLUMNS, n_rows, ts, frames.performance)
    present = rows >= 0
    for name in WORKER_METRICS:
        matrix = block.workers[name]
        matrix[:n_rows] = np.nan
        matrix[rows[present], codes] = workers[name].to_numpy(np.float64)[present]
    block.ids = [str(u) for u in uniques]
    block.index = {wid: i for i, wid in enumerate(block.ids)}
    np.maximum.at(block.last_row, codes, rows[present])
    block.end, block.n_cols = n_rows, n_cols
    return block


def _rows_for(ts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Row of each wanted timestamp in sorted ts, or -1 where it is not a tick."""
    idx = np.searchsorted(ts, wanted)
    clipped = np.minimum(idx, max(ts.size - 1, 0))
    hit = (idx < ts.size) & (ts[clipped] == wanted) if ts.size else np.zeros(wanted.size, bool)
    return np.where(hit, idx, -1)


def _place(dst: dict[str, np.ndarray], names: tuple[str, ...], n_rows: int, ts: np.ndarray,
           frame: pd.DataFrame) -> None:
    rows = _rows_for(ts, frame["ts"].to_numpy(np.float64))
    ok = rows >= 0
    for name in names:
        dst[name][:n_rows] = np.nan
        dst[name][rows[ok]] = frame[name].to_numpy(np.float64)[ok]
