"""History upkeep on a temporary DuckDB file: retention, roll-ups to coarser steps, bucketed reads."""

import numpy as np
import pytest

from drm_dashboard.store.history import HistoryStore, RetentionPolicy
from drm_dashboard.store.history_query import bucket_step

from drm_fakes import make_snapshot

T0 = 1_700_000_000.0 - 1_700_000_000.0 % 600  # on a 10-minute boundary, so buckets are whole
STEP = 5.0
IDS = ("w0000", "w0001", "w0002")


def _fill(store, seconds, start=T0):
    for k in range(int(seconds / STEP)):
        store.append(make_snapshot(start + k * STEP, workers=3))
    store.flush()


@pytest.fixture
def store(tmp_path):
    policy = RetentionPolicy(retention_s=4 * 3600.0, steps=((3600.0, 60.0), (7200.0, 600.0)))
    s = HistoryStore(tmp_path / "h.duckdb", policy=policy, maintain_every_s=None, flush_ticks=10_000)
    yield s
    s.close()


def _rows(store, sql, *params):
    return store._cursor().execute(sql, list(params)).fetchall()


def test_old_worker_rows_become_one_mean_row_per_step(store):
    _fill(store, 3 * 3600)  # three hours at 5 s
    now = T0 + 3 * 3600
    raw = store.query("worker_metrics", T0, now)
    pruned, rolled = store.maintain(now)
    assert pruned == 0 and rolled > 0
    # the last hour is untouched: 720 ticks a worker
    recent = _rows(store, "SELECT count(*) FROM worker_metrics WHERE ts >= ?", now - 3600)[0][0]
    assert recent == 720 * 3
    # one to two hours ago: one row a minute a worker, the mean of its twelve ticks
    minute = _rows(store, "SELECT ts, cpu, tasks FROM worker_metrics WHERE worker_id = 'w0001' "
                          "AND ts >= ? AND ts < ? ORDER BY ts", now - 7200, now - 3600)
    assert len(minute) == 60 and minute[0][0] == now - 7200
    first = raw[(raw.worker_id == "w0001") & (raw.ts >= now - 7200) & (raw.ts < now - 7140)]
    assert len(first) == 12 and minute[0][1] == pytest.approx(first.cpu.mean())
    assert minute[0][2] == round(first.tasks.mean())
    # older than two hours: one row each ten minutes
    ten = _rows(store, "SELECT count(*) FROM worker_metrics WHERE ts < ? GROUP BY worker_id", now - 7200)
    assert [c for (c,) in ten] == [6, 6, 6]
    # fleet-wide rows keep full resolution
    assert _rows(store, "SELECT count(*) FROM system_metrics")[0][0] == 3 * 720


def test_upkeep_is_idempotent_and_retention_drops_every_table(store):
    _fill(store, 3 * 3600)
    now = T0 + 3 * 3600
    store.maintain(now)
    before = store.counts()
    assert store.maintain(now) == (0, 0) and store.counts() == before
    later = now + 2 * 3600  # the first hour is now past the four-hour retention
    pruned, _ = store.maintain(later)
    counts = store.counts()
    assert pruned > 0 and counts["system_metrics"] == 2 * 720
    assert _rows(store, "SELECT min(ts) FROM system_metrics")[0][0] >= later - 4 * 3600
    assert _rows(store, "SELECT min(ts) FROM performance_metrics")[0][0] >= later - 4 * 3600
    assert _rows(store, "SELECT min(ts) FROM worker_metrics")[0][0] >= later - 4 * 3600


def test_a_flush_runs_the_upkeep_when_data_time_has_moved_on(tmp_path):
    policy = RetentionPolicy(retention_s=1800.0, steps=((600.0, 60.0),))
    with HistoryStore(tmp_path / "h.duckdb", policy=policy, maintain_every_s=900.0, flush_ticks=60) as s:
        _fill(s, 3600)
        assert _rows(s, "SELECT min(ts) FROM system_metrics")[0][0] >= T0 + 3600 - STEP - 1800 - 900
        per_worker = _rows(s, "SELECT count(*) FROM worker_metrics GROUP BY worker_id")
        assert all(c < 720 / 2 for (c,) in per_worker)  # most of the hour is rolled or gone


def test_bucketed_reads_hold_at_most_one_point_per_pixel(store):
    _fill(store, 3600)
    frame = store.series("system_metrics", ["cpu_utilization"], T0, T0 + 3600, points=100)
    assert 0 < len(frame) <= 100 and frame["samples"].sum() == 720
    step = bucket_step(T0, T0 + 3600, 100)
    assert np.all(np.diff(frame["ts"]) >= step)
    raw = store.query("system_metrics", T0, T0 + step - 1e-9)
    assert frame["cpu_utilization"].iloc[0] == pytest.approx(raw.cpu_utilization.mean())
    one = store.series("worker_metrics", ["cpu"], T0, T0 + 3600, points=10, worker_id="w0002")
    assert len(one) == 10 and one["samples"].sum() == 720
    heat = store.series("worker_metrics", ["cpu"], T0, T0 + 3600, points=10, by_worker=True)
    assert len(heat) == 30 and sorted(set(heat.worker_id)) == list(IDS)
    with pytest.raises(ValueError):
        store.series("worker_metrics", ["cpu; DROP TABLE alerts"], T0, T0 + 60)


def test_policy_refuses_nonsense():
    with pytest.raises(ValueError):
        RetentionPolicy(retention_s=0)
    with pytest.raises(ValueError):
        RetentionPolicy(steps=((3600.0, 600.0), (60.0, 60.0)))
