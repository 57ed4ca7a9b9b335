"""The "All clusters" view on literal series with known answers."""

import math

import numpy as np

from drm_dashboard.models import Alert, ScalingDecision, WorkerSample
from drm_dashboard.store.combine import HOLD_BUCKETS, bucket_rows, combine_views
from drm_dashboard.store.schema import PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS
from drm_dashboard.store.view import LiveView

NAN = math.nan


def _worker(wid, cores, gpu_mb=0.0):
    return WorkerSample(worker_id=wid, status="active", cpu=0.5, memory=0.5, gpu=None, overall=0.5,
                        alloc_cpu=0.0, alloc_memory=0.0, alloc_gpu=None, tasks=0, cpu_cores=cores,
                        memory_mb=1000.0 * cores, gpu_devices=int(gpu_mb > 0), gpu_memory_mb=gpu_mb,
                        last_heartbeat=None)


def _view(ts, *, workers, cores, cpu, seq=None, pending=None, throughput=None, alloc_ms=None,
          gpu=None, gpu_mb=0.0, decisions=(), alerts=()):
    """A view of len(ts) ticks, `workers` identical workers of `cores` cores each."""
    n = len(ts)
    col = lambda v, default=NAN: np.array(v if v is not None else [default] * n, dtype=float)  # noqa: E731
    system = {name: np.zeros(n) for name in SYSTEM_COLUMNS}
    system.update(total_workers=col([workers] * n), active_workers=col([workers] * n),
                  pending_tasks=col(pending, 0.0), cpu_utilization=col(cpu),
                  memory_utilization=col(cpu), gpu_utilization=col(gpu), overall_utilization=col(cpu),
                  allocated=col([50.0] * n))
    perf = {name: np.full(n, NAN) for name in PERFORMANCE_COLUMNS}
    if throughput is not None:
        perf.update(task_throughput=col(throughput), allocation_time_ms=col(alloc_ms),
                    queue_wait_ms=col(alloc_ms), resource_efficiency=col([80.0] * n),
                    tasks_completed=col([10.0] * n), tasks_failed=col([1.0] * n))
    ids = tuple(f"w{i}" for i in range(workers))
    matrices = {m: np.full((n, workers), 1.0, dtype=np.float32) for m in WORKER_METRICS}
    latest = tuple(_worker(w, cores, gpu_mb) for w in ids)
    seq = n if seq is None else seq
    return LiveView.build(seq, seq - n + 1, np.array(ts, dtype=float), system, perf, ids, matrices,
                          latest, tuple(decisions), tuple(alerts))


def test_counts_are_summed_and_cpu_is_weighted_by_capacity():
    east = _view([0, 5, 10], workers=2, cores=4, cpu=[50, 50, 50])
    west = _view([1, 6, 11], workers=3, cores=8, cpu=[10, 10, 10])
    both = combine_views({"east": east, "west": west}, 5.0)
    assert both.n_ticks == 3 and list(both.timestamps) == [1, 6, 11]  # each bucket's newest tick
    assert list(both.system["total_workers"]) == [5, 5, 5]
    # (8 cores x 50% + 24 cores x 10%) / 32 cores, not the plain mean of 30%
    assert np.allclose(both.system["cpu_utilization"], 20.0)
    assert both.seq == east.seq + west.seq and both.first_seq == both.seq - 2


def test_workers_keep_their_cluster_in_their_id_and_latest_records():
    both = combine_views({"a": _view([0], workers=2, cores=1, cpu=[1]),
                          "b": _view([0], workers=1, cores=1, cpu=[1])}, 5.0)
    assert both.worker_ids == ("a/w0", "a/w1", "b/w0")
    assert [w.worker_id for w in both.latest_workers] == ["a/w0", "a/w1", "b/w0"]
    assert both.workers["cpu"].shape == (1, 3)


def test_a_cluster_that_stops_reporting_is_held_then_dropped():
    up = _view([0, 5, 10, 15, 20, 25, 30], workers=1, cores=1, cpu=[10] * 7)
    down = _view([0, 5], workers=2, cores=1, cpu=[40, 40])
    both = combine_views({"up": up, "down": down}, 5.0)
    # down's tick of bucket 1 stands for it through bucket 1 + HOLD_BUCKETS - 1, then it is gone
    held = 1 + HOLD_BUCKETS
    assert list(both.system["total_workers"]) == [3] * held + [1] * (7 - held)
    assert np.allclose(both.system["cpu_utilization"][held:], 10.0)
    # the worker columns: up's one worker in every row, down's two only while they are held
    cpu = both.workers["cpu"]
    assert both.worker_ids == ("up/w0", "down/w0", "down/w1") and cpu.shape == (7, 3)
    assert not np.isnan(cpu[:, 0]).any()
    assert not np.isnan(cpu[:held, 1:]).any() and np.isnan(cpu[held:, 1:]).all()
    assert both.workers["cpu"] is cpu and set(both.workers) == set(WORKER_METRICS)
    _, rows = bucket_rows({"up": up, "down": down}, 5.0)
    assert list(rows["down"]) == [0, 1, 1, 1, -1, -1, -1]


def test_a_count_one_reporting_cluster_did_not_send_is_not_reported():
    a = _view([0], workers=1, cores=1, cpu=[10], pending=[3])
    b = _view([0], workers=1, cores=1, cpu=[10], pending=[NAN])
    assert math.isnan(combine_views({"a": a, "b": b}, 5.0).system["pending_tasks"][0])


def test_gpu_is_weighted_by_gpu_memory_so_clusters_without_gpus_do_not_dilute_it():
    gpus = _view([0], workers=1, cores=1, cpu=[10], gpu=[60], gpu_mb=16000.0)
    none = _view([0], workers=4, cores=1, cpu=[10], gpu=[NAN], gpu_mb=0.0)
    assert combine_views({"g": gpus, "n": none}, 5.0).system["gpu_utilization"][0] == 60.0


def test_rates_are_summed_and_latencies_weighted_by_throughput():
    fast = _view([0], workers=1, cores=1, cpu=[10], throughput=[3.0], alloc_ms=[10.0])
    slow = _view([0], workers=1, cores=1, cpu=[10], throughput=[1.0], alloc_ms=[50.0])
    quiet = _view([0], workers=1, cores=1, cpu=[10])  # sends no KPIs: not counted in them
    perf = combine_views({"f": fast, "s": slow, "q": quiet}, 5.0).performance
    assert perf["task_throughput"][0] == 4.0 and perf["tasks_completed"][0] == 20.0
    assert perf["allocation_time_ms"][0] == (3 * 10.0 + 1 * 50.0) / 4
    assert perf["resource_efficiency"][0] == 80.0


def test_decisions_and_alerts_of_every_cluster_in_time_order():
    d1 = ScalingDecision("scale_up", 1, "busy", 0.9, ("w0",), timestamp=7.0, seq=1, cluster="a")
    d2 = ScalingDecision("scale_down", 1, "idle", 0.1, ("w0",), timestamp=3.0, seq=1, cluster="b")
    alert = Alert("b/x", 4.0, "warning", "system", "b is down", cluster="b")
    both = combine_views({"a": _view([0], workers=1, cores=1, cpu=[1], decisions=[d1]),
                          "b": _view([0], workers=1, cores=1, cpu=[1], decisions=[d2],
                                     alerts=[alert])}, 5.0)
    assert [(d.cluster, d.worker_ids) for d in both.decisions] == [("b", ("b/w0",)), ("a", ("a/w0",))]
    assert both.alerts == (alert,)


def test_no_ticks_anywhere_is_an_empty_view_whose_seq_still_moves():
    empty = combine_views({"a": LiveView.empty(4), "b": LiveView.empty(2)}, 5.0)
    assert empty.is_empty and empty.seq == 6
