"""Best-fit placement, pending tasks, release, expiry, lost and draining workers."""

import pytest

from drm_dashboard.manager import DynamicResourceManager
from manager_fakes import machine


@pytest.fixture
def manager(clock):
    return DynamicResourceManager(clock=clock, reservation_ttl_s=100, heartbeat_timeout_s=30)


def placed_on(manager, rid):
    return manager.get_reservation(rid).worker_id


def place(manager, task_id, **requirements):
    """Reserve and return the worker the task landed on."""
    return placed_on(manager, manager.reserve_resources(task_id, requirements))


def test_best_fit_picks_the_worker_left_with_least_spare(manager):
    for wid, cores in (("big", 32), ("small", 8), ("mid", 16)):
        manager.register_worker(wid, machine(cores=cores, memory_mb=cores * 1000))
    assert place(manager, "a", cpu_cores=6, memory_mb=6000) == "small"
    # small has 2 cores left; of the others, mid is left with 12/16 spare and big with 28/32
    assert place(manager, "b", cpu_cores=4, memory_mb=4000) == "mid"
    assert place(manager, "c", cpu_cores=2, memory_mb=100) == "small"


def test_cpu_tasks_keep_off_gpu_workers_and_gpu_tasks_need_one(manager):
    manager.register_worker("gpu", machine(gpu_mb=16_000))
    manager.register_worker("cpu", machine())
    assert placed_on(manager, manager.reserve_resources("c", {"cpu_cores": 1})) == "cpu"
    assert place(manager, "g", cpu_cores=1, gpu_memory_mb=8000) == "gpu"
    assert manager.reserve_resources("g2", {"gpu_memory_mb": 9000}) is None


def test_pending_task_then_placed_records_queue_wait(manager, clock):
    manager.register_worker("w", machine(cores=4))
    first = manager.reserve_resources("now", {"cpu_cores": 4})
    assert manager.reserve_resources("later", {"cpu_cores": 2}) is None
    assert manager.get_worker_statistics()["pending_tasks"] == 1
    clock.advance(5)
    assert manager.reserve_resources("later", {"cpu_cores": 2}) is None  # a retry keeps its first time
    clock.advance(7)
    assert manager.release_resources(first)
    assert manager.reserve_resources("later", {"cpu_cores": 2}) is not None
    assert manager.get_worker_statistics()["pending_tasks"] == 0
    # two tasks placed in the window: one waited 0 s, one 12 s
    assert manager.get_performance_metrics()["queue_wait_ms"] == pytest.approx(6000.0)


def test_cancel_task_drops_a_pending_task(manager):
    assert manager.reserve_resources("t", {"cpu_cores": 1}) is None
    assert manager.cancel_task("t") is True
    assert manager.cancel_task("t") is False
    assert manager.get_worker_statistics()["pending_tasks"] == 0


def test_release_counts_and_refuses_unknown_ids(manager):
    manager.register_worker("w", machine())
    ok, bad = (manager.reserve_resources(t, {"cpu_cores": 1}) for t in ("ok", "bad"))
    assert manager.release_resources(ok) and manager.release_resources(bad, failed=True)
    assert manager.release_resources(ok) is False
    assert manager.release_resources("res-999") is False
    perf = manager.get_performance_metrics()
    assert (perf["tasks_completed"], perf["tasks_failed"]) == (1, 1)
    assert manager.get_worker_statistics()["workers"]["w"]["resources"]["cpu"]["available_cores"] == 10


def test_a_forgotten_reservation_expires(manager, clock):
    manager.register_worker("w", machine(cores=4))
    old = manager.reserve_resources("forgotten", {"cpu_cores": 3})
    clock.advance(60)
    young = manager.reserve_resources("young", {"cpu_cores": 1})
    clock.advance(41)
    stats = manager.get_worker_statistics()  # expiry runs here too
    assert stats["resource_reservations"] == 1
    assert stats["workers"]["w"]["resources"]["cpu"]["available_cores"] == 3
    assert manager.get_reservation(old) is None and manager.get_reservation(young) is not None
    assert manager.release_resources(old) is False
    assert manager.get_performance_metrics()["tasks_failed"] == 1
    clock.advance(60)
    assert manager.expire_reservations() == [young]


def test_deregister_releases_and_fails_its_tasks(manager):
    manager.register_worker("a", machine())
    manager.register_worker("b", machine(cores=100))
    rid = manager.reserve_resources("t", {"cpu_cores": 8})
    assert placed_on(manager, rid) == "a"
    manager.deregister_worker("a")
    stats = manager.get_worker_statistics()
    assert list(stats["workers"]) == ["b"] and stats["resource_reservations"] == 0
    assert manager.get_performance_metrics()["tasks_failed"] == 1
    assert manager.release_resources(rid) is False


def test_silent_workers_are_lost_until_they_report(manager, clock):
    for wid in ("quiet", "chatty", "never"):
        manager.register_worker(wid, machine())
    manager.report_usage("quiet", cpu=0.1, memory=0.1)
    clock.advance(20)
    manager.report_usage("chatty", cpu=0.1, memory=0.1)
    clock.advance(11)
    # heartbeat monitoring starts with a worker's first report: "never" is not judged
    assert manager.mark_lost_workers() == ["quiet"]
    assert manager.mark_lost_workers() == []
    stats = manager.get_worker_statistics()
    assert [w["status"] for w in stats["workers"].values()] == ["lost", "idle", "idle"]
    assert placed_on(manager, manager.reserve_resources("t", {"cpu_cores": 1})) == "chatty"
    manager.report_usage("quiet", cpu=0.2, memory=0.2)
    assert manager.get_worker_statistics()["workers"]["quiet"]["status"] == "idle"


def test_draining_workers_take_no_new_work(manager):
    manager.register_worker("a", machine())
    manager.register_worker("b", machine())
    manager.mark_draining(["a"])
    assert placed_on(manager, manager.reserve_resources("t", {"cpu_cores": 1})) == "b"
    workers = manager.get_worker_statistics()["workers"]
    assert (workers["a"]["status"], workers["b"]["status"]) == ("draining", "active")


def test_allocated_and_used_are_kept_apart(manager):
    manager.register_worker("w", machine(cores=10, memory_mb=1000))
    manager.reserve_resources("t", {"cpu_cores": 5, "memory_mb": 250})
    manager.report_usage("w", cpu=0.2, memory=0.1)
    w = manager.get_worker_statistics()["workers"]["w"]
    assert w["allocated"] == {"cpu": 0.5, "memory": 0.25, "gpu": None}
    assert w["utilization"] == {"cpu": 0.2, "memory": 0.1, "gpu": None,
                                "overall": pytest.approx(0.15)}
