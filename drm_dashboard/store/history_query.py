"""Reads of history at about one point per pixel: time buckets averaged in DuckDB, not in Python."""

from __future__ import annotations

import math
from typing import Sequence

import duckdb
import pandas as pd

from .database import COLUMNS

# Grafana's rule: a chart never needs more points than it has pixels across
DEFAULT_POINTS = 1_500


def bucket_step(start: float, end: float, points: int, finest: float = 1.0) -> float:
    """Seconds per bucket so that [start, end] has at most `points` buckets (never below finest)."""
    if not end > start or points < 1:
        raise ValueError(f"need end > start and points >= 1, got {start}, {end}, {points}")
    return max(finest, (end - start) / points)


def bucketed(cur: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], start: float,
             end: float, points: int = DEFAULT_POINTS, worker_id: str | None = None,
             by_worker: bool = False, cluster: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Mean of each column per time bucket in [start, end]; `ts` is the bucket's start (epoch s)."""
    known = {name for name, _ in COLUMNS.get(table, [])}
    bad = [c for c in columns if c not in known or c in ("ts", "worker_id", "cluster")]
    if table not in COLUMNS or bad or not columns:
        raise ValueError(f"cannot read {bad or columns} of history table {table!r}")
    step = bucket_step(start, end, points)
    means = ", ".join(f'avg("{c}") AS "{c}"' for c in columns)
    keys = "1, worker_id" if by_worker else "1"
    who = ", worker_id" if by_worker else ""
    where, params = "ts >= ? AND ts <= ?", [float(start), float(end)]
    if worker_id is not None:
        where, params = where + " AND worker_id = ?", params + [worker_id]
    if cluster is not None:  # these coordinators' rows only ('' : written before clusters existed)
        where, params = where + f" AND cluster IN ({', '.join('?' * len(cluster))})", params + list(cluster)
    # bucket k covers [start + k step, start + (k+1) step); the end itself joins the last one
    last = max(1, math.ceil((end - start) / step)) - 1
    bucket = f"{float(start)!r} + least(floor((ts - {float(start)!r}) / {step!r}), {last}) * {step!r}"
    sql = (f"SELECT {bucket} AS ts{who}, {means}, count(*) AS samples "  # noqa: S608
           f"FROM {table} WHERE {where} GROUP BY {keys} ORDER BY {keys}")
    return cur.execute(sql, params).df()
