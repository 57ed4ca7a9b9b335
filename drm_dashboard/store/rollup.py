"""History upkeep: drop rows past the retention, and roll old per-worker rows up to coarser steps."""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

from .database import TABLES
from .schema import WORKER_COLUMNS

DAY_S = 86_400.0
# (age after which rows are rolled up, step they are rolled up to): a month of 1,000 workers at
# a 5 s tick is 518 million rows raw, about 6 million after this (README, "History")
DEFAULT_STEPS: tuple[tuple[float, float], ...] = ((3_600.0, 60.0), (DAY_S, 600.0))
CHUNK_BUCKETS = 1  # buckets rolled up per transaction: 120,000 rows at 10,000 workers
# the last reported capacity of a bucket; every other number is the bucket's mean
_LAST = ("cpu_cores", "memory_mb", "gpu_devices", "gpu_memory_mb")


@dataclass(frozen=True)
class RetentionPolicy:
    """How long history is kept, and when per-worker rows are rolled up to which step."""

    retention_s: float = 30 * DAY_S
    steps: tuple[tuple[float, float], ...] = DEFAULT_STEPS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.retention_s) and self.retention_s > 0):
            raise ValueError(f"history retention must be a positive number of seconds, got {self.retention_s}")
        ages = [a for a, _ in self.steps]
        sizes = [s for _, s in self.steps]
        if ages != sorted(ages) or sizes != sorted(sizes) or any(s <= 0 for s in sizes):
            raise ValueError("roll-up steps must grow with age")


def policy_for(retention_s: float, live_window_s: float) -> RetentionPolicy:
    """The default steps, never rolling up rows the live window reloads after a restart."""
    steps = tuple((max(age, live_window_s), step) for age, step in DEFAULT_STEPS)
    return RetentionPolicy(retention_s=retention_s, steps=steps)


def ensure_state(cur: duckdb.DuckDBPyConnection) -> None:
    """The table remembering up to where each step's roll-up has run."""
    cur.execute("CREATE TABLE IF NOT EXISTS rollup_state (step DOUBLE PRIMARY KEY, done_before DOUBLE)")


def prune(cur: duckdb.DuckDBPyConnection, cutoff: float) -> int:
    """Delete rows older than cutoff from every history table; return rows deleted."""
    deleted = 0
    for table in TABLES:
        deleted += cur.execute(f"DELETE FROM {table} WHERE ts < ?", [cutoff]).fetchone()[0]  # noqa: S608
    return deleted


def _aggregate(step: float) -> str:
    cols = []
    for name in WORKER_COLUMNS:
        if name in _LAST:
            cols.append(f"arg_max({name}, ts) AS {name}")
        elif name in ("tasks", "gpu_devices"):
            cols.append(f"CAST(round(avg({name})) AS BIGINT) AS {name}")
        elif name == "last_heartbeat":
            cols.append(f"max({name}) AS {name}")
        else:
            cols.append(f"avg({name}) AS {name}")
    bucket = f"floor(ts / {step!r}) * {step!r}"
    # a worker id is unique within its cluster only: two coordinators may both have "w-1"
    return (f"SELECT {bucket} AS ts, cluster, worker_id, arg_max(status, ts) AS status, "
            f"{', '.join(cols)} FROM worker_metrics WHERE ts >= ? AND ts < ? "
            f"GROUP BY {bucket}, cluster, worker_id")


def roll_up(cur: duckdb.DuckDBPyConnection, now: float, steps: tuple[tuple[float, float], ...]) -> int:
    """Replace per-worker rows older than each step's age by one mean row per worker and step."""
    # a slice of CHUNK_BUCKETS buckets per transaction: a first upkeep over a month-old file, or a
    # 10,000-worker fleet, must stay inside DuckDB's memory limit (it holds a transaction's deletes)
    rolled = 0
    for age, step in steps:
        done = dict(cur.execute("SELECT step, done_before FROM rollup_state").fetchall())
        # whole buckets only: a bucket still receiving rows is left for the next run
        until = math.floor((now - age) / step) * step
        since = done.get(step, -math.inf)
        if until <= since:
            continue
        lo = since if math.isfinite(since) else _oldest(cur, until)
        lo = until if lo is None else math.floor(lo / step) * step
        while lo < until:
            hi = min(until, lo + CHUNK_BUCKETS * step)
            rolled += _roll_slice(cur, step, lo, hi)
            lo = hi
        cur.execute("INSERT OR REPLACE INTO rollup_state VALUES (?, ?)", [step, until])
    return rolled


def _roll_slice(cur: duckdb.DuckDBPyConnection, step: float, lo: float, hi: float) -> int:
    """One transaction: rows in [lo, hi) become their buckets' means; the state moves to hi."""
    cur.begin()
    try:
        rows = cur.execute("SELECT count(*) FROM worker_metrics WHERE ts >= ? AND ts < ?",
                           [lo, hi]).fetchone()[0]
        if rows:
            cur.execute(f"CREATE TEMP TABLE rolled AS {_aggregate(step)}", [lo, hi])
            cur.execute("DELETE FROM worker_metrics WHERE ts >= ? AND ts < ?", [lo, hi])
            cur.execute("INSERT INTO worker_metrics BY NAME SELECT * FROM rolled")
            cur.execute("DROP TABLE rolled")
        cur.execute("INSERT OR REPLACE INTO rollup_state VALUES (?, ?)", [step, hi])
        cur.commit()
    except BaseException:
        cur.rollback()
        raise
    return rows


def _oldest(cur: duckdb.DuckDBPyConnection, before: float) -> float | None:
    return cur.execute("SELECT min(ts) FROM worker_metrics WHERE ts < ?", [before]).fetchone()[0]
