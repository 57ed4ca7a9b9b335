"""Views of a chosen range: bucket means from the history file, or a slice of the live window."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from drm_dashboard.models import Alert, ScalingDecision
from drm_dashboard.store import HistoryStore, LiveStore
from drm_dashboard.store.range_view import (MAX_WORKER_CELLS, MIN_POINTS, aligned, history_view, live_slice,
                                            points_for, view_frame)

from drm_fakes import make_snapshot

T0 = 1_700_000_000.0
STEP = 600.0  # one tick each 10 minutes: a week is 1,008 ticks
DAY = 86_400.0
pytestmark = pytest.mark.timeout(120)


def decision(ts: float) -> ScalingDecision:
    return ScalingDecision("scale_up", 2, "window utilization 85% > 80%", 0.85, ("w3",), ts, 1)


@pytest.fixture(scope="module")
def week(tmp_path_factory):
    """A week of ticks in a history file; tick k's pending tasks are k % 7, one decision and alert."""
    store = HistoryStore(tmp_path_factory.mktemp("week") / "week.duckdb")
    for k in range(int(7 * DAY / STEP)):
        snap = make_snapshot(T0 + k * STEP, 3, decisions=[decision(T0 + k * STEP)] if k == 500 else ())
        store.append(replace(snap, pending_tasks=k % 7))
    store.append_alert(Alert(id="a1", timestamp=T0 + 3 * DAY, level="warning", source="threshold",
                             message="cpu above 90%", details={}))
    store.flush()
    yield store
    store.close()


def test_a_week_becomes_at_most_the_points_asked_for_with_exact_means(week):
    start, end, step = aligned(T0, T0 + 7 * DAY, 200)
    view = history_view(week, start, end, step, number=1)
    assert view.n_ticks <= 201 and step >= 7 * DAY / 200
    assert view.history.step_s == step and view.history.number == 1
    # pending tasks are k % 7 at tick k: each bucket's mean is the mean of its ticks' values
    raw = week.query("system_metrics", start, end)
    bucket = np.floor((raw["ts"] - start) / step)
    expected = raw.groupby(bucket)["pending_tasks"].mean().to_numpy()
    np.testing.assert_allclose(view.system["pending_tasks"], expected)
    np.testing.assert_allclose(view.system["cpu_utilization"],
                               raw.groupby(bucket)["cpu_utilization"].mean().to_numpy())
    assert view.worker_ids == ("w0000", "w0001", "w0002") and view.workers["cpu"].shape == (view.n_ticks, 3)
    assert [d.timestamp for d in view.decisions] == [T0 + 500 * STEP]
    assert [a.id for a in view.alerts] == ["a1"]


def test_worker_means_per_bucket_match_the_rows(week):
    start, end, step = aligned(T0, T0 + 7 * DAY, 100)
    view = history_view(week, start, end, step, number=2)
    raw = week.query("worker_metrics", start, end)
    w1 = raw[raw["worker_id"] == "w0001"]
    expected = w1.groupby(np.floor((w1["ts"] - start) / step))["cpu"].mean().to_numpy()
    np.testing.assert_allclose(view.workers["cpu"][:, view.worker_index["w0001"]], expected, rtol=1e-6)


def test_without_workers_only_fleet_rows_are_read(week):
    start, end, step = aligned(T0, T0 + DAY, 50)
    view = history_view(week, start, end, step, number=3, workers=False)
    assert view.n_workers == 0 and view.n_ticks == round((end - start) / step) <= 51


def test_the_grid_stays_put_while_the_end_moves_within_a_step():
    a = aligned(T0 + 1.0, T0 + 7 * DAY + 1.0, 800)
    b = aligned(T0 + 30.0, T0 + 7 * DAY + 30.0, 800)
    assert a == b and a[0] % a[2] == 0 and a[1] % a[2] == 0


def test_a_large_fleet_gets_fewer_wider_buckets():
    assert points_for(800, 100) == 800
    assert points_for(800, 1_000) == MAX_WORKER_CELLS // 1_000 == 250
    assert points_for(800, 100_000) == MIN_POINTS  # never fewer points than that


def test_a_slice_of_the_live_window_copies_nothing():
    live = LiveStore(retention_s=3600, clock=lambda: T0 + 3600)
    for k in range(720):
        live.ingest(make_snapshot(T0 + 5.0 * k, 3))
    view = live.view()
    part = live_slice(view, T0 + 2700.0, T0 + 3595.0, number=7)
    assert part.n_ticks == 180 and part.timestamps[0] == T0 + 2700.0
    assert np.shares_memory(part.workers["cpu"], view.workers["cpu"])
    assert part.first_seq == view.first_seq + 540 and part.history.step_s == 0


def test_the_csv_table_has_every_fleet_column_per_point(week):
    start, end, step = aligned(T0, T0 + DAY, 24)
    frame = view_frame(history_view(week, start, end, step, number=4, workers=False))
    assert len(frame) == round((end - start) / step) <= 25 and frame["epoch_s"].iloc[0] == start
    assert {"time", "cpu_utilization", "pending_tasks", "task_throughput"} <= set(frame.columns)
