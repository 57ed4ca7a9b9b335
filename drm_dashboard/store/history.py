"""HistoryStore: every tick in a DuckDB file, buffered and written in one bulk insert per table."""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, Sequence

import duckdb
import numpy as np
import pandas as pd

from ..errors import StorageError
from ..models import Alert, Snapshot
from ..threads import BackgroundLoop
from ..worker_columns import worker_ids, worker_statuses
from . import rollup
from .database import SCHEMA_VERSION, TABLES, connect, ensure_schema
from .history_buffer import Buffer as _Buffer
from .history_query import DEFAULT_POINTS, bucketed
from .rollup import RetentionPolicy
from .schema import HistoryFrames, decision_key, performance_row, system_row, worker_table

FLUSH_ROWS = 40_000

__all__ = ["HistoryStore", "HistoryFrames", "RetentionPolicy", "TABLES", "SCHEMA_VERSION"]


class HistoryStore:
    """The history file: append() on the collector thread, reads from any thread."""

    # Rows are buffered and written once flush_ticks ticks wait or the oldest has waited
    # flush_age_s seconds (checked on each append; defaults 12 ticks, 15 s: every 4th tick at a
    # 5 s interval), and on flush()/close(). A flush costs a fixed ~10 ms (inserts and commit)
    # plus ~1-2 ms per 1,000 worker rows, so batching keeps most ticks free of it; a crash
    # loses at most the unflushed batch. Reads see written rows only. Utilizations are in
    # percent, `ts` is DOUBLE epoch seconds. memory_limit (and one DuckDB thread) caps DuckDB's
    # buffer cache, which otherwise grows with the file (up to 80% of RAM); a commit must fit in
    # it, hence also FLUSH_ROWS.

    # With a RetentionPolicy, each flush that finds the newest written tick maintain_every_s
    # past the last upkeep also deletes rows older than the retention and rolls old per-worker
    # rows up (store/rollup.py); the upkeep runs where the flush runs (the writer thread), and
    # with maintain_every_s=None only when maintain() is called.

    def __init__(self, path: str | os.PathLike, *, flush_ticks: int = 12, flush_age_s: float = 15.0,
                 memory_limit: str = "32MB", clock: Callable[[], float] = time.monotonic,
                 background: bool = False, policy: RetentionPolicy | None = None,
                 maintain_every_s: float | None = 300.0) -> None:
        self.path = Path(path)
        self.flush_ticks = flush_ticks
        self.flush_age_s = flush_age_s
        self._clock = clock
        self._con = connect(self.path, memory_limit)
        try:
            ensure_schema(self._con, str(self.path))
        except BaseException:
            self._con.close()
            raise
        self._local = threading.local()  # one cursor per thread: a shared connection loses rows
        self.policy = policy
        self._maintain_every_s = maintain_every_s
        self._newest_written: float | None = None
        self._maintained_at = -math.inf
        self._buffer = _Buffer()
        self._buffer_lock = threading.Lock()
        self._closed = False
        # reads from page threads in flight: close() waits for them, as closing the connection
        # under a running query fails (a 30-day read takes seconds)
        self._reads = 0
        self._reads_done = threading.Condition()
        self._errors: list[StorageError] = []
        self._writer: _Writer | None = None
        if background:
            # inserts and DuckDB's checkpoints (100+ ms) then never land inside a collector tick
            self._writer = _Writer(self)
            self._writer.start()

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError(f"history {self.path} is closed")

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        self._check_open()
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self._con.cursor()
        return cur

    # -- writing ---------------------------------------------------------------------------
    def append(self, snapshot: Snapshot, table: np.ndarray | None = None, cluster: str = "") -> None:
        """Buffer one tick of one cluster; flushes when the buffer is full or old enough."""
        self._check_open()
        table = worker_table(snapshot.workers) if table is None else table
        with self._buffer_lock:
            buf = self._buffer
            buf.since = self._clock() if buf.since is None else buf.since
            buf.ts.append(snapshot.timestamp)
            buf.system.append(system_row(snapshot))
            buf.clusters.append(cluster)
            if snapshot.performance is not None:
                buf.perf_ts.append(snapshot.timestamp)
                buf.perf.append(performance_row(snapshot))
                buf.perf_clusters.append(cluster)
            if snapshot.workers:
                buf.worker_ts.append(np.full(len(snapshot.workers), snapshot.timestamp))
                buf.worker_ids.extend(worker_ids(snapshot.workers))
                buf.worker_status.extend(worker_statuses(snapshot.workers))
                buf.worker_clusters.extend([cluster] * len(snapshot.workers))
                buf.workers.append(table)
            for d in snapshot.decisions:
                buf.decisions[(cluster, *decision_key(d))] = (cluster, d)
        self._maybe_flush()

    def append_alert(self, alert: Alert, cluster: str | None = None) -> None:
        """Buffer an alert (of `cluster`, else its own); a later one with the same id replaces it."""
        self._check_open()
        with self._buffer_lock:
            buf = self._buffer
            buf.since = self._clock() if buf.since is None else buf.since
            buf.alerts[alert.id] = (alert.cluster if cluster is None else cluster, alert)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        buf = self._buffer
        # a large fleet flushes sooner: one commit of FLUSH_ROWS worker rows fits DuckDB's memory limit
        full = len(buf.ts) >= self.flush_ticks or len(buf.worker_ids) >= FLUSH_ROWS
        if full or (buf.since is not None and self._clock() - buf.since >= self.flush_age_s):
            if self._writer is None:
                self.flush()
            else:
                self._writer.due.set()

    def _flush_in_background(self) -> None:
        """The writer's flush: an error is kept for take_errors(), never raised on that thread."""
        try:
            self.flush()
        except StorageError as exc:
            with self._buffer_lock:
                self._errors.append(exc)

    def take_errors(self) -> list[StorageError]:
        """Errors the background writer met since the last call (for the source's health)."""
        with self._buffer_lock:
            errors, self._errors = self._errors, []
        return errors

    def flush(self) -> int:
        """Write buffered rows, one bulk insert per table in one transaction; return rows written."""
        with self._buffer_lock:
            buf, self._buffer = self._buffer, _Buffer()
        frames = buf.frames()
        if not frames:
            return 0
        cur = self._cursor()
        try:
            cur.begin()
            for table, frame in frames.items():
                _insert(cur, table, frame)
            cur.commit()
        except duckdb.Error as exc:
            _rollback(cur)
            # the rows are dropped: a broken disk must not grow the buffer without bound
            raise StorageError(f"writing history to {self.path} failed: {_first_line(exc)}") from None
        if buf.ts:
            self._newest_written = max(buf.ts[-1], self._newest_written or -math.inf)
        self._maybe_maintain()
        return sum(len(f) for f in frames.values())

    def _maybe_maintain(self) -> None:
        every, newest = self._maintain_every_s, self._newest_written
        if self.policy is None or every is None or newest is None or newest - self._maintained_at < every:
            return
        try:
            self.maintain(newest)
        except StorageError as exc:
            # the rows are written; a failed upkeep is retried next time and shown as health
            self._maintained_at = newest
            with self._buffer_lock:
                self._errors.append(exc)

    def maintain(self, now: float) -> tuple[int, int]:
        """Apply the retention policy as of `now` (epoch s); return (rows pruned, rows rolled up)."""
        if self.policy is None:
            return 0, 0
        cur = self._cursor()
        try:
            # one transaction per slice inside roll_up: a long first upkeep stays within DuckDB's
            # memory limit; a crash leaves every slice either rolled or not, and rollup_state says which
            rollup.ensure_state(cur)
            pruned = rollup.prune(cur, now - self.policy.retention_s)
            rolled = rollup.roll_up(cur, now, self.policy.steps)
        except duckdb.Error as exc:
            _rollback(cur)
            raise StorageError(f"history upkeep of {self.path} failed: {_first_line(exc)}") from None
        self._maintained_at = now
        return pruned, rolled

    def close(self) -> None:
        """Stop the writer thread, flush, wait for reads in flight, then close the file; safe to call twice."""
        if self._closed:
            return
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.stop()
            writer.join(timeout=30)
        try:
            self.flush()
        finally:
            with self._reads_done:
                self._closed = True  # no new read starts
                self._reads_done.wait_for(lambda: self._reads == 0, timeout=30)
            self._con.close()

    # -- reading ---------------------------------------------------------------------------
    def query(self, table: str, start: float, end: float,
              cluster: tuple[str, ...] | None = None) -> pd.DataFrame:
        """Rows of one table with start <= ts <= end (of the named clusters only), oldest first."""
        if table not in TABLES:
            raise ValueError(f"unknown history table {table!r}; one of {TABLES}")
        order = "ts, worker_id" if table == "worker_metrics" else "ts"
        named = [c for c in cluster or () if c]
        if cluster is not None and len(named) != 1:
            raise ValueError(f"query reads one cluster (and optionally the unnamed rows), got {cluster!r}")
        return self._select(table, start, end, order, named[0] if named else None, legacy="" in (cluster or ()))

    def _select(self, table: str, start: float, end: float, order: str | None,
                cluster: str | None = None, legacy: bool = True) -> pd.DataFrame:
        sql = f"SELECT * FROM {table} WHERE ts >= ? AND ts <= ?"  # noqa: S608 (fixed names)
        params: list[object] = [float(start), float(end)]
        if cluster is not None:
            # rows from before clusters existed ('') belong to a dashboard's one coordinator
            sql += " AND cluster IN (?, '')" if legacy else " AND cluster = ?"
            params.append(cluster)
        sql += f" ORDER BY {order}" if order else ""
        with self._reading():
            return self._cursor().execute(sql, params).df()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Count a read in flight (close() waits for it); StorageError once the file is closing."""
        with self._reads_done:
            self._check_open()
            self._reads += 1
        try:
            yield
        except duckdb.Error as exc:
            raise StorageError(f"reading history from {self.path} failed: {_first_line(exc)}") from None
        finally:
            with self._reads_done:
                self._reads -= 1
                self._reads_done.notify_all()

    def load_window(self, start: float, end: float, cluster: str | None = None, *,
                    legacy: bool = True) -> HistoryFrames:
        """Every table between start and end (epoch s), in one transaction.

        With a cluster, only its rows, and (legacy) those written before clusters existed.
        """
        cur = self._cursor()
        cur.begin()
        try:
            # worker rows come in insertion (tick) order; sorting 10^6 rows costs a second
            frames = {t: self._select(t, start, end, None if t == "worker_metrics" else "ts",
                                       cluster, legacy)
                      for t in TABLES}
        finally:
            _rollback(cur)
        return HistoryFrames(system=frames["system_metrics"], workers=frames["worker_metrics"],
                             performance=frames["performance_metrics"],
                             scaling=frames["scaling_decisions"], alerts=frames["alerts"])

    def series(self, table: str, columns: Sequence[str], start: float, end: float,
               points: int = DEFAULT_POINTS, **kw: object) -> pd.DataFrame:
        """Bucket means of columns over [start, end], at most `points` rows (history_query)."""
        with self._reading():
            return bucketed(self._cursor(), table, columns, start, end, points, **kw)

    def counts(self) -> dict[str, int]:
        """Rows written per table."""
        cur = self._cursor()
        return {t: int(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # noqa: S608
                for t in TABLES}

    def __enter__(self) -> "HistoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Writer(BackgroundLoop):
    """The background writer: flushes when a batch is due, and at least every flush_age_s."""

    thread_name = "drm-history"

    def __init__(self, store: HistoryStore) -> None:
        super().__init__()
        self._store = store
        self.due = threading.Event()

    def _wake(self) -> None:
        self.due.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.due.wait(self._store.flush_age_s)
            self.due.clear()
            if self._stop.is_set():
                return  # close() writes the last batch itself
            self._store._flush_in_background()  # noqa: SLF001 (the store's own thread)


def _insert(cur: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    # alerts are upserted (an alert is updated in place); a re-sent decision is kept once
    verb = {"alerts": "INSERT OR REPLACE", "scaling_decisions": "INSERT OR IGNORE"}.get(
        table, "INSERT")
    # DuckDB finds `frame` among this function's locals (a replacement scan): one statement,
    # where register() + insert + unregister() would be three (each ~1-2 ms)
    cur.execute(f"{verb} INTO {table} BY NAME SELECT * FROM frame")


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    try:
        cur.rollback()
    except duckdb.Error:
        pass  # no transaction was open


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
