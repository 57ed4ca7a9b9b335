"""LocalSource accepts the original project's manager shapes and keeps a decision cursor."""

import datetime as dt
from types import SimpleNamespace

import pytest

from drm_dashboard.errors import PayloadError, SourceError
from drm_dashboard.sources.local import LocalSource


class LegacyManager:
    """What the original project's managers returned: nested or flat resources, percent efficiency."""

    def __init__(self, resources, efficiency=75.0, decision=None):
        self.resources = resources
        self.efficiency = efficiency
        self.last_scaling_decision = decision

    def get_worker_statistics(self):
        return {"total_workers": 1, "active_workers": 1, "active_tasks": 2, "pending_tasks": 0,
                "resource_reservations": 2,
                "overall_utilization": {"cpu": 0.4, "memory": 0.2},
                "workers": {"w1": {"status": "active", "tasks": 2,
                                   "utilization": {"cpu": 0.4, "memory": 0.2},
                                   "resources": self.resources}}}

    def get_performance_metrics(self):
        return {"task_throughput": 2.0, "allocation_time_ms": 3.0, "resource_efficiency": self.efficiency,
                "tasks_completed": 4, "tasks_failed": 0}


NESTED = {"resources": {"cpu": {"cores": 8, "available_cores": 4},
                        "memory": {"total_mb": 4096, "available_mb": 1024},
                        "gpu": {"devices": 1, "total_memory_mb": 8000, "available_memory_mb": 8000}}}
FLAT = {"cpu_cores": 8, "available_cores": 4, "memory_mb": 4096, "available_memory_mb": 1024}


@pytest.mark.parametrize("resources, gpu_mb", [(NESTED, 8000.0), (FLAT, 0.0)])
def test_nested_and_flat_resources(resources, gpu_mb):
    snap = LocalSource(LegacyManager(resources), clock=lambda: 50.0).snapshot()
    w = snap.workers[0]
    assert (w.cpu_cores, w.memory_mb, w.gpu_memory_mb) == (8.0, 4096.0, gpu_mb)
    assert snap.timestamp == 50.0  # the original's statistics had no timestamp
    assert snap.overall == pytest.approx(0.3)  # mean of the kinds it reported


@pytest.mark.parametrize("eff", [75.0, 0.75])
def test_efficiency_percent_or_fraction(eff):
    snap = LocalSource(LegacyManager(FLAT, efficiency=eff)).snapshot()
    assert snap.performance.resource_efficiency == pytest.approx(0.75)


@pytest.mark.parametrize("decision", [
    SimpleNamespace(action=SimpleNamespace(value="scale_up"), count=2, reason="busy",
                    utilization=0.9, timestamp=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)),
    {"action": "scale_up", "count": 2, "reason": "busy", "utilization": 0.9,
     "timestamp": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()},
])
def test_last_scaling_decision_object_or_dict_read_once(decision):
    src = LocalSource(LegacyManager(FLAT, decision=decision))
    first = src.snapshot().decisions
    assert [d.action for d in first] == ["scale_up"]
    assert first[0].timestamp == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    assert src.snapshot().decisions == ()  # the same decision is not reported twice


def test_manager_exception_becomes_source_error():
    class Broken(LegacyManager):
        def get_worker_statistics(self):
            raise RuntimeError("db gone")
    with pytest.raises(SourceError, match="RuntimeError: db gone"):
        LocalSource(Broken(FLAT)).snapshot()


def test_bad_values_are_payload_errors():
    class Negative(LegacyManager):
        def get_worker_statistics(self):
            return {**super().get_worker_statistics(), "active_tasks": -3}
    with pytest.raises(PayloadError, match="active_tasks"):
        LocalSource(Negative(FLAT)).snapshot()


def test_a_queue_wait_the_manager_never_sent_is_not_reported_not_zero():
    from drm_dashboard.store.live import LiveStore
    snap = LocalSource(LegacyManager(FLAT), clock=lambda: 50.0).snapshot()
    assert snap.performance.queue_wait_ms is None
    live = LiveStore(retention_s=600, clock=lambda: 50.0)
    live.ingest(snap)
    view = live.view()
    assert view.performance["queue_wait_ms"][0] != view.performance["queue_wait_ms"][0]  # NaN
    assert view.performance["allocation_time_ms"][0] == 3.0
