"""Concurrent reservations keep the books consistent; the workload driver starts and stops."""

import sys
import threading

import pytest

from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig, WorkloadDriver
from drm_fakes import wait_for
from manager_fakes import machine

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def busy_switching():
    """Switch threads every 10 us so that reservations really interleave."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def test_concurrent_reserve_and_release_keep_totals_consistent(busy_switching):
    manager = DynamicResourceManager()
    for i in range(2):  # 8 threads x 2 x 3 cores > 16 cores: some requests must be refused
        manager.register_worker(f"w{i}", machine(cores=8, memory_mb=8000))
    counts = {"completed": 0, "failed": 0, "refused": 0}
    counts_lock = threading.Lock()
    seen_over_full: list[float] = []

    def count(key: str) -> None:
        with counts_lock:
            counts[key] += 1

    start = threading.Barrier(8)

    def worker(n: int) -> None:
        held: list[tuple[str, bool]] = []  # up to two reservations held across iterations
        start.wait()
        for i in range(300):
            rid = manager.reserve_resources(f"t{n}-{i}", {"cpu_cores": 3, "memory_mb": 1000})
            if rid is None:
                manager.cancel_task(f"t{n}-{i}")
                count("refused")
            else:
                held.append((rid, i % 7 == 0))
            while len(held) > (2 if i < 299 else 0):
                rid, failed = held.pop(0)
                assert manager.release_resources(rid, failed=failed)
                count("failed" if failed else "completed")

    def reader(stop: threading.Event) -> None:
        while not stop.is_set():
            stats = manager.get_worker_statistics()
            seen_over_full.extend(w["allocated"]["cpu"] for w in stats["workers"].values()
                                  if w["allocated"]["cpu"] > 1.0)
            manager.evaluate_scaling()

    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    watcher = threading.Thread(target=reader, args=(stop,))
    for t in threads + [watcher]:
        t.start()
    for t in threads:
        t.join(timeout=20)
    stop.set()
    watcher.join(timeout=5)
    assert not any(t.is_alive() for t in threads + [watcher])
    stats, perf = manager.get_worker_statistics(), manager.get_performance_metrics()
    assert sum(counts.values()) == 8 * 300
    assert (perf["tasks_completed"], perf["tasks_failed"]) == (counts["completed"], counts["failed"])
    assert stats["resource_reservations"] == 0 and stats["pending_tasks"] == 0
    assert all(w["resources"]["cpu"]["available_cores"] == 8 for w in stats["workers"].values())
    assert seen_over_full == []
    assert counts["refused"] > 0 and counts["completed"] > 0


class FlakyWorkload:
    """Raises on its first step, then counts steps: the driver must survive the first."""

    def __init__(self) -> None:
        self.steps = 0
        self.stepped = threading.Event()

    def advance(self) -> None:
        self.steps += 1
        if self.steps == 1:
            raise RuntimeError("boom")
        self.stepped.set()


def test_driver_survives_a_failing_step_and_stops_promptly(caplog):
    workload = FlakyWorkload()
    driver = WorkloadDriver(workload, interval_s=0.01)
    driver.start()
    assert workload.stepped.wait(5), "the driver stopped stepping after a failure"
    names = {t.name: t.daemon for t in threading.enumerate()}
    assert names.get("drm-workload") is True
    driver.stop()
    driver.join(timeout=5)  # promptly: its 0.01 s wait ends on stop(), far inside this bound
    assert not driver.is_alive
    assert driver.failures == 1 and "workload step failed" in caplog.text


class TickingClock:
    """Each reading is one second later: a driver tick always has a whole sub-step to run."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.now += 1.0
            return self.now


def test_driver_steps_a_real_workload():
    clock = TickingClock()
    manager = DynamicResourceManager(clock=clock)
    workload = Workload(manager, WorkloadConfig(seed=3), clock=clock)
    driver = WorkloadDriver(workload, interval_s=0.005)
    driver.start()
    wait_for(lambda: workload.elapsed_s >= 20, timeout=20)
    driver.stop()
    driver.join(timeout=5)
    assert not driver.is_alive and driver.failures == 0
    assert workload.elapsed_s >= 20
    assert manager.get_performance_metrics()["tasks_completed"] + workload.running > 0
