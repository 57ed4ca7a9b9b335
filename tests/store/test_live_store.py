"""LiveStore: percent columns, pruning by a fake clock, immutable cached views, cursors."""

from __future__ import annotations

import gc
import math
import os
import threading

import numpy as np
import pytest

from drm_dashboard.models import Alert
from drm_dashboard.store import LiveStore, LiveView

T0 = 1_700_000_000.0
WORKERS = ("w0", "w1", "w2")


def fill(store, make_snapshot, n, *, start=T0, step=5.0, ids=WORKERS, **kw):
    """Ingest n ticks step seconds apart; return the last seq."""
    seq = 0
    for k in range(n):
        seq = store.ingest(make_snapshot(start + k * step, ids, tick=k, **kw))
    return seq


def alert(aid, ts, message="cpu high", level="warning"):
    return Alert(id=aid, timestamp=ts, level=level, source="threshold", message=message,
                 details={"value": 91.5})


def test_ingest_numbers_ticks_and_stores_percent(make_snapshot):
    store = LiveStore()
    assert [store.ingest(make_snapshot(T0 + k, tick=k)) for k in range(3)] == [1, 2, 3]
    v = store.view()
    assert v.seq == 3 and v.n_ticks == 3 and v.worker_ids == WORKERS
    assert v.timestamps.tolist() == [T0, T0 + 1, T0 + 2]
    assert v.system["cpu_utilization"].tolist() == [25.0] * 3
    assert v.system["gpu_utilization"][0] == 75.0 and v.system["allocated"][0] == 50.0
    assert v.system["total_workers"][0] == 3 and v.system["pending_tasks"].tolist() == [0, 1, 2]
    assert v.performance["resource_efficiency"][0] == 62.5
    assert v.performance["tasks_completed"].tolist() == [0, 10, 20]
    assert v.workers["cpu"].dtype == np.float32 and v.workers["cpu"].shape == (3, 3)
    # worker w1 at tick 2: frac = (2 + 3) / 64
    assert v.worker_series("w1", "cpu")[2] == pytest.approx(5 / 64 * 100)
    assert v.worker_series("w1", "alloc_cpu")[0] == 75.0
    assert [w.worker_id for w in v.latest_workers] == list(WORKERS)


def test_missing_gpu_allocation_and_performance_are_nan(make_snapshot):
    store = LiveStore()
    store.ingest(make_snapshot(T0, gpu=False, performance=False, allocated=None))
    v = store.view()
    assert math.isnan(v.system["gpu_utilization"][0]) and math.isnan(v.system["allocated"][0])
    assert all(math.isnan(v.performance[k][0]) for k in v.performance)
    assert np.isnan(v.workers["gpu"]).all() and not np.isnan(v.workers["cpu"]).any()


def test_absent_worker_is_nan_in_its_column(make_snapshot):
    store = LiveStore()
    store.ingest(make_snapshot(T0, ("a", "b")))
    store.ingest(make_snapshot(T0 + 5, ("b", "c")))
    v = store.view()
    assert v.worker_ids == ("a", "b", "c")
    assert np.isnan(v.worker_series("a", "cpu")[1]) and np.isnan(v.worker_series("c", "cpu")[0])
    assert v.present.tolist() == [[True, True, False], [False, True, True]]


def test_prune_drops_old_ticks_decisions_and_alerts(make_snapshot, make_decision, store_clock):
    store = LiveStore(retention_s=60, clock=store_clock)
    store.ingest(make_snapshot(T0, decisions=[make_decision(T0, 1)]))
    store.add_alert(alert("old", T0))
    store_clock.advance(30)
    store.ingest(make_snapshot(T0 + 30, decisions=[make_decision(T0 + 30, 2)]))
    store.add_alert(alert("new", T0 + 30))
    store_clock.advance(40)  # now T0 + 70: the cutoff T0 + 10 drops the first tick only
    store.prune()
    v = store.view()
    assert v.timestamps.tolist() == [T0 + 30] and v.first_seq == 2 and v.seq == 2
    assert [d.seq for d in v.decisions] == [2] and [a.id for a in v.alerts] == ["new"]
    store.prune(T0 + 1000)
    assert store.view().is_empty and store.view().decisions == () and store.view().alerts == ()


def test_vanished_worker_leaves_worker_ids_after_retention(make_snapshot, store_clock):
    store = LiveStore(retention_s=60, clock=store_clock)
    for k in range(40):
        ids = WORKERS if k < 10 else WORKERS[:2]  # w2 vanishes after tick 9 (T0 + 45)
        store.ingest(make_snapshot(store_clock(), ids, tick=k))
        store.prune()
        if k == 15:
            assert "w2" in store.view().worker_ids  # still inside the window
        store_clock.advance(5)
    v = store.view()
    assert v.worker_ids == WORKERS[:2] and v.workers["cpu"].shape == (v.n_ticks, 2)
    assert not np.isnan(v.workers["cpu"]).any()


def test_view_is_published_once_per_change(make_snapshot):
    store = LiveStore()
    store.ingest(make_snapshot(T0))
    first = store.view()
    assert store.view() is first
    store.prune(T0)  # nothing to drop: readers keep the same object
    assert store.view() is first
    store.ingest(make_snapshot(T0 + 5))
    assert store.view() is not first and store.view() is store.view()


def test_view_arrays_are_read_only(make_snapshot):
    store = LiveStore()
    fill(store, make_snapshot, 3)
    v = store.view()
    arrays = [v.timestamps, *v.system.values(), *v.performance.values(), *v.workers.values()]
    assert all(not a.flags.writeable for a in arrays)
    with pytest.raises(ValueError):
        v.workers["cpu"][0, 0] = 1.0
    with pytest.raises(TypeError):
        v.system["cpu_utilization"] = np.zeros(3)  # the mappings are read-only too


def test_view_never_changes_after_ingests_prunes_and_compactions(make_snapshot, store_clock):
    store = LiveStore(retention_s=100, clock=store_clock)
    for k in range(30):
        store.ingest(make_snapshot(store_clock(), WORKERS, tick=k))
        store_clock.advance(5)
    before = store.view()
    saved = {"ts": before.timestamps.copy(), **{k: a.copy() for k, a in before.workers.items()},
             **{k: a.copy() for k, a in before.system.items()}}
    for k in range(30, 130):
        # rotating ids: new columns every tick, vanished ones compacted away
        store.ingest(make_snapshot(store_clock(), (f"n{k}", f"n{k + 1}", "w0"), tick=k))
        store.prune()
        store_clock.advance(5)
    after = store.view()
    assert "w1" not in after.worker_ids and after.first_seq > before.seq  # compacted past it
    assert np.array_equal(before.timestamps, saved["ts"])
    for name in before.workers:
        assert np.array_equal(before.workers[name], saved[name], equal_nan=True)
    for name in before.system:
        assert np.array_equal(before.system[name], saved[name], equal_nan=True)
    assert before.worker_ids == WORKERS and before.seq == 30


def test_scaling_decisions_are_deduplicated(make_snapshot, make_decision):
    store = LiveStore()
    d1, d2 = make_decision(T0, 1), make_decision(T0 + 5, 2, "maintain")
    store.ingest(make_snapshot(T0, decisions=[d1]))
    store.ingest(make_snapshot(T0 + 5, decisions=[d1, d2]))  # d1 re-sent after an outage
    assert store.view().decisions == (d1, d2)


def test_alerts_are_deduplicated_by_id_and_can_be_updated(make_snapshot):
    store = LiveStore()
    store.ingest(make_snapshot(T0))
    store.add_alert(alert("a", T0))
    store.add_alert(alert("b", T0 + 1))
    store.add_alert(alert("a", T0, "cpu very high", "critical"))
    v = store.view()
    assert [(a.id, a.level) for a in v.alerts] == [("a", "critical"), ("b", "warning")]


def test_since_returns_only_newer_ticks(make_snapshot, make_decision):
    store = LiveStore()
    store.ingest(make_snapshot(T0, decisions=[make_decision(T0, 1)]))
    fill(store, make_snapshot, 4, start=T0 + 5)
    store.ingest(make_snapshot(T0 + 25, decisions=[make_decision(T0 + 25, 2)]))
    assert store.since(0).timestamps.tolist() == store.view().timestamps.tolist()
    delta = store.since(4)
    assert delta.seq == 6 and delta.first_seq == 5 and delta.seqs.tolist() == [5, 6]
    assert delta.timestamps.tolist() == [T0 + 20, T0 + 25]
    assert delta.workers["cpu"].shape == (2, 3) and [d.seq for d in delta.decisions] == [2]
    assert store.since(6).is_empty and store.since(6).seq == 6 and store.since(99).is_empty


def test_empty_store_view():
    v = LiveStore().view()
    assert v.is_empty and v.seq == 0 and v.span_s == 0.0 and v.worker_ids == ()
    assert v.last_timestamp is None and math.isnan(v.latest("cpu_utilization"))
    blank = LiveView.empty(seq=7)
    assert blank.is_empty and blank.seq == 7 and blank.workers["cpu"].shape == (0, 0)


def test_view_helpers(make_snapshot):
    store = LiveStore()
    fill(store, make_snapshot, 4)
    v = store.view()
    assert v.span_s == 15.0 and v.last_timestamp == T0 + 15 and v.n_workers == 3
    assert v.latest("pending_tasks") == 3 and v.latest("task_throughput") == 5.5
    assert v.worker_index["w2"] == 2
    with pytest.raises(KeyError):
        v.worker_series("nope", "cpu")


def test_seed_read_views_have_the_original_keys_and_percent(make_snapshot, make_decision):
    store = LiveStore()
    store.ingest(make_snapshot(T0, ("a", "b"), decisions=[make_decision(T0, 1)]))
    store.ingest(make_snapshot(T0 + 5, ("b",), tick=1, performance=False))
    store.add_alert(alert("x", T0))
    rm = store.resource_metrics
    assert set(rm) == {"timestamps", "cpu_utilization", "memory_utilization", "gpu_utilization",
                       "worker_count", "active_tasks", "pending_tasks"}
    assert rm["cpu_utilization"] == [25.0, 25.0] and rm["worker_count"] == [2, 1]
    assert rm["timestamps"] == [T0, T0 + 5] and rm["gpu_utilization"] == [75.0, 75.0]
    wm = store.worker_metrics
    assert set(wm) == {"a", "b"} and wm["a"]["timestamps"] == [T0]
    assert set(wm["b"]) == {"timestamps", "cpu_utilization", "memory_utilization",
                            "gpu_utilization", "tasks"}
    assert wm["b"]["cpu_utilization"] == [3 / 64 * 100, 1 / 64 * 100]  # b is first at tick 1
    pm = store.performance_metrics
    assert set(pm) == {"timestamps", "task_throughput", "allocation_time", "queue_wait",
                       "resource_efficiency", "tasks_completed", "tasks_failed"}
    assert pm["timestamps"] == [T0] and pm["resource_efficiency"] == [62.5]
    assert store.scaling_decisions == [make_decision(T0, 1).to_dict()]
    assert store.alerts == [alert("x", T0).to_dict()]


def test_load_after_ingest_is_refused(make_snapshot):
    store = LiveStore()
    store.ingest(make_snapshot(T0))
    with pytest.raises(RuntimeError):
        store.load(None)


@pytest.mark.timeout(30)
def test_readers_see_consistent_views_while_the_writer_runs(make_snapshot, store_clock):
    store = LiveStore(retention_s=50, clock=store_clock)
    done, problems = threading.Event(), []

    def read():
        last = 0
        while not done.is_set():
            v = store.view()
            shapes = {a.shape[0] for a in (v.timestamps, *v.system.values(), *v.workers.values())}
            if len(shapes) != 1 or v.seq < last or v.workers["cpu"].shape[1] != v.n_workers:
                problems.append((v.seq, shapes))
            last = v.seq

    readers = [threading.Thread(target=read, name=f"reader-{i}") for i in range(3)]
    for t in readers:
        t.start()
    for k in range(600):
        store.ingest(make_snapshot(store_clock(), (f"r{k % 40}", f"r{(k + 7) % 40}"), tick=k))
        store.prune()
        store_clock.advance(1)
    done.set()
    for t in readers:
        t.join(timeout=10)
    assert problems == [] and store.view().seq == 600


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="RSS read from /proc")
def test_an_hour_of_1000_workers_fits_in_memory(make_fleet, store_clock):
    snaps = make_fleet(1000, 720)
    gc.collect()
    base = _rss_mb()
    store = LiveStore(retention_s=3600, clock=store_clock)
    for snap in snaps:
        store.ingest(snap)
        store_clock.now = snap.timestamp
        store.prune()
    v = store.view()
    growth = _rss_mb() - base
    print(f"\nLiveStore RSS growth, 720 ticks x 1000 workers: {growth:.0f} MB")
    assert v.n_ticks == 720 and v.workers["cpu"].shape == (720, 1000)
    assert growth < 100  # about 25 MB measured: 16.5 MB of float32 matrices plus spare rows
