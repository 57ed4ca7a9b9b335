"""Managers shaped like the original project's real and mock ones, read as they are."""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import pytest

from compat_ui import Fed
from drm_dashboard.sources.local import LocalSource
from drm_fakes import FakeClock
from original_fakes import OriginalDecision, OriginalMockManager, OriginalRealManager

pytestmark = pytest.mark.timeout(120)
GPU_WORKER = {"cpu": {"cores": 16, "available_cores": 16},
              "memory": {"total_mb": 65536, "available_mb": 65536},
              "gpu": {"devices": 1, "memory_mb": 16384, "available_memory_mb": 16384}}
CPU_WORKER = {"cpu": {"cores": 8, "available_cores": 8},
              "memory": {"total_mb": 16384, "available_mb": 16384}}


def real_manager(clock: FakeClock) -> OriginalRealManager:
    drm = OriginalRealManager(clock=clock)
    assert drm.register_worker("gpu-1", GPU_WORKER) and drm.register_worker("cpu-1", CPU_WORKER)
    drm.register_worker("cpu-2", CPU_WORKER)
    return drm


# -- the mock ------------------------------------------------------------------------------------

def test_mock_worker_entries_read_with_iso_heartbeats_and_no_gpu_on_cpu_machines(clock):
    snap = LocalSource(OriginalMockManager(clock=clock), clock=clock).snapshot()
    by_id = {w.worker_id: w for w in snap.workers}
    assert sorted(by_id) == [f"worker-{i}" for i in range(5)]
    assert by_id["worker-1"].gpu is None and by_id["worker-1"].gpu_memory_mb == 0
    assert by_id["worker-0"].gpu is not None and by_id["worker-0"].gpu_memory_mb == 8192
    # the ISO string is naive local time: read back it is the clock's own epoch
    assert all(w.last_heartbeat == pytest.approx(clock.now, abs=1e-3) for w in snap.workers)
    # allocated follows from its capacity record (cores - available_cores) / cores
    w0 = by_id["worker-0"]
    assert w0.alloc_cpu == pytest.approx(1 - math.ceil(8 * (1 - w0.cpu)) / 8)
    assert (snap.active_workers, snap.pending_tasks) == (5, snap.pending_tasks)
    assert snap.pending_tasks is not None


def test_mock_performance_percent_read_as_fraction_and_missing_kpis_not_reported(clock):
    mgr = OriginalMockManager(clock=clock)
    src = LocalSource(mgr, clock=clock)
    for _ in range(5):
        p = src.snapshot().performance
        assert p.resource_efficiency == pytest.approx(mgr.performance_metrics["resource_efficiency"] / 100)
        assert 0.30 <= p.resource_efficiency <= 0.95
        assert p.allocation_time_ms == mgr.performance_metrics["allocation_time"]
        assert (p.queue_wait_ms, p.tasks_completed, p.tasks_failed) == (None, None, None)
        clock.advance(5)


def test_mock_decisions_every_tenth_poll_maintain_kept_each_read_once(clock):
    mgr = OriginalMockManager(seed=3, clock=clock)
    src = LocalSource(mgr, clock=clock)
    seen = []
    for poll in range(1, 31):
        got = src.snapshot().decisions
        if poll % 10:
            assert got == (), poll  # the same object again is not a new decision
        else:
            assert len(got) == 1
            made = mgr.last_scaling_decision
            assert isinstance(made.timestamp, dt.datetime) and made.timestamp.tzinfo is None
            d = got[0]
            assert (d.action, d.count, d.reason) == (made.action, made.count, made.reason)
            assert d.timestamp == pytest.approx(made.timestamp.astimezone().timestamp())
            assert d.utilization is None  # the mock's decision does not carry one
            seen.append(d)
        clock.advance(5)
    assert "maintain" in {d.action for d in seen}
    assert next(d for d in seen if d.action == "maintain").reason == "Utilization within target range"


# -- the real one --------------------------------------------------------------------------------

def test_real_statistics_alone_read_with_not_reported_fields_left_empty(clock):
    drm = real_manager(clock)
    rid = drm.reserve_resources("t1", {"cpu_cores": 4, "memory_mb": 8192})
    assert rid is not None
    snap = LocalSource(drm, clock=clock).snapshot()
    assert not hasattr(drm, "get_performance_metrics")
    assert snap.performance is None  # nothing recorded yet: not reported, not zero
    assert snap.pending_tasks is None
    assert snap.active_workers == 1  # the one worker holding a task
    by_id = {w.worker_id: w for w in snap.workers}
    busy = next(w for w in by_id.values() if w.tasks == 1)
    assert busy.status == "active"
    assert by_id["gpu-1"].gpu == 0.0  # a GPU machine with nothing on it: a real 0, kept
    assert by_id["cpu-2"].gpu is None and by_id["cpu-2"].status == "idle"
    assert all(w.last_heartbeat is None for w in snap.workers)
    assert by_id["gpu-1"].gpu_devices == 1 and by_id["gpu-1"].gpu_memory_mb == 16384
    assert snap.allocated == pytest.approx(max(4 / 32, 8192 / (65536 + 2 * 16384), 0.0))


def test_real_pool_gpu_is_the_gpu_machines_mean_not_diluted_by_cpu_machines(clock):
    drm = real_manager(clock)  # one GPU machine of three
    drm.reserve_resources("g", {"cpu_cores": 1, "memory_mb": 1024, "gpu_memory_mb": 8192})
    assert drm.get_worker_statistics()["overall_utilization"]["gpu"] == pytest.approx(0.5 / 3)
    assert LocalSource(drm, clock=clock).snapshot().gpu == pytest.approx(0.5)


def test_real_pool_gpu_not_reported_without_gpu_machines(clock):
    drm = OriginalRealManager(clock=clock)
    drm.register_worker("cpu-1", CPU_WORKER)
    assert drm.get_worker_statistics()["overall_utilization"]["gpu"] == 0.0
    assert LocalSource(drm, clock=clock).snapshot().gpu is None


def test_real_recorded_executions_become_efficiency_and_task_counts(clock):
    drm = real_manager(clock)
    for i, ok in enumerate((True, True, False)):
        drm.reserve_resources(f"t{i}", {"cpu_cores": 2, "memory_mb": 4096})
        assert drm.record_task_execution(f"t{i}", {"success": ok, "execution_time_ms": 900,
                                                   "cpu_cores_used": 1, "memory_mb_used": 4096})
    p = LocalSource(drm, clock=clock).snapshot().performance
    assert (p.tasks_completed, p.tasks_failed) == (2, 1)
    assert p.resource_efficiency == pytest.approx(0.75)
    assert (p.task_throughput, p.allocation_time_ms, p.queue_wait_ms) == (None, None, None)


@pytest.mark.parametrize("action", ["maintain", "none", "scale_up"])
def test_real_decision_objects_with_epoch_timestamps_and_none_as_maintain(clock, action):
    drm = real_manager(clock)
    drm.last_scaling_decision = OriginalDecision(action, f"why {action}", count=1, utilization=0.5,
                                                 timestamp=clock.now - 1)
    d = LocalSource(drm, clock=clock).snapshot().decisions[0]
    assert d.action == ("maintain" if action == "none" else action)
    assert (d.reason, d.utilization, d.timestamp) == (f"why {action}", 0.5, clock.now - 1)


# -- every tab, through the collector, both stores and the callbacks ------------------------------

def test_mock_fed_dashboard_shows_every_tab_and_history_keeps_not_reported_as_null(clock, tmp_path):
    db = str(tmp_path / "mock.duckdb")
    fed = Fed(OriginalMockManager(seed=1, clock=clock), clock, db, ticks=30)
    try:
        assert all(r.ok for r in fed.results), [r.error for r in fed.results if not r.ok]
        cards = json.dumps(fed.tab("System Overview"))
        assert "Workers" in cards and "Waiting for the first sample" not in cards
        lines = json.dumps(fed.tab("Worker Details"))
        assert "worker-0" in lines
        perf = fed.tab("Performance Metrics")
        assert "30 samples" in json.dumps(perf["perf-stats-task-throughput"])
        assert "72%" in json.dumps(perf["perf-stats-resource-efficiency"])  # mean of 30-95 percent
        wait = json.dumps(perf["perf-stats-queue-wait-ms"])
        assert "Not reported by this source" in wait and "0 ms" not in wait
        scaling = fed.tab("Scaling Decisions")
        decisions = fed.dash.live.view().decisions
        assert [d.action for d in decisions] == ["scale_down", "maintain", "maintain"]
        table = json.dumps(scaling["scaling-table"])
        assert table.count("Utilization within target range") == 2
        assert "Low overall utilization" in table and "no trigger values sent" in table
        summary = json.dumps(scaling["scaling-summary"])
        assert "0 scale-ups and 1 scale-down, 2 to maintain" in summary
        assert "judged over" not in summary  # the mock states no window
        fed.tab("Alerts")
    finally:
        fed.close()
    with duckdb.connect(db, read_only=True) as con:
        nulls = con.execute("select count(*) - count(queue_wait_ms), count(*) - count(tasks_failed), "
                            "count(resource_efficiency) from performance_metrics").fetchone()
        assert nulls == (30, 30, 30)


def test_real_fed_dashboard_shows_every_tab(clock, tmp_path):
    drm = real_manager(clock)

    def work(i):
        if i % 4 == 0:
            drm.reserve_resources(f"t{i}", {"cpu_cores": 2, "memory_mb": 2048})
        if i % 10 == 9:
            drm.last_scaling_decision = drm.evaluate_scaling()

    fed = Fed(drm, clock, str(tmp_path / "real.duckdb"), ticks=30, between=work)
    try:
        assert all(r.ok for r in fed.results), [r.error for r in fed.results if not r.ok]
        cards = json.dumps(fed.tab("System Overview"))
        assert "pending not reported" in cards and "0 pending" not in cards
        busy = sum(1 for tasks in drm.worker_tasks.values() if tasks)
        assert 0 < busy < 3 and f"{busy} active" in cards  # derived from the task counts
        assert "gpu-1" in json.dumps(fed.tab("Worker Details"))
        perf = json.dumps(fed.tab("Performance Metrics")["perf-stats-task-throughput"])
        assert "This source reports no performance metrics." in perf
        scaling = fed.tab("Scaling Decisions")
        decisions = fed.dash.live.view().decisions
        assert [d.action for d in decisions] == ["scale_down", "maintain", "maintain"]
        table = json.dumps(scaling["scaling-table"])
        assert all(d.reason in table for d in decisions) and "In scale-down cooldown" in table
        assert "judged over 300 s" in json.dumps(scaling["scaling-summary"])
        fed.tab("Alerts")
    finally:
        fed.close()
