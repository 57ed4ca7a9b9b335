"""Snapshot validation: the schema breaks a coordinator can send become a named PayloadError."""

import math

import pytest

from drm_dashboard.errors import PayloadError
from drm_dashboard.models import Alert, ScalingDecision, Snapshot


def _stats(**overrides):
    worker = {"status": "active", "utilization": {"cpu": 0.5, "memory": 0.25, "gpu": None, "overall": 0.375},
              "allocated": {"cpu": 0.75, "memory": 0.5}, "tasks": 3,
              "resources": {"cpu": {"cores": 8, "available_cores": 2},
                            "memory": {"total_mb": 16384, "available_mb": 8192}},
              "last_heartbeat": 100.0}
    stats = {"timestamp": 100.0, "total_workers": 1, "active_workers": 1, "active_tasks": 3,
             "pending_tasks": 0, "resource_reservations": 3,
             "overall_utilization": {"cpu": 0.5, "memory": 0.25, "gpu": None, "overall": 0.375},
             "workers": {"w1": worker}}
    stats.update(overrides)
    return stats


PERF = {"task_throughput": 1.5, "allocation_time_ms": 2.0, "queue_wait_ms": 0.0,
        "resource_efficiency": 0.6, "tasks_completed": 10, "tasks_failed": 1}


def test_valid_snapshot_keeps_fractions_and_gpu_none():
    snap = Snapshot.from_json(_stats(), PERF)
    assert snap.cpu == 0.5 and snap.gpu is None
    assert snap.workers[0].worker_id == "w1" and snap.workers[0].alloc_cpu == 0.75
    assert snap.performance.tasks_completed == 10


@pytest.mark.parametrize("bad, where", [
    ({"total_workers": -1}, "statistics.total_workers"),
    ({"active_tasks": "3"}, "statistics.active_tasks"),
    ({"timestamp": math.nan}, "statistics.timestamp"),
    ({"active_workers": 1.5}, "statistics.active_workers"),
    ({"overall_utilization": {"cpu": 1.7, "memory": 0, "overall": 0}}, "overall_utilization.cpu"),
    ({"workers": []}, "statistics.workers"),
    ({"active_workers": True}, "statistics.active_workers"),
])
def test_schema_violations_name_the_field(bad, where):
    with pytest.raises(PayloadError, match=where.replace(".", r"\.").replace("[", r"\[")):
        Snapshot.from_json(_stats(**bad), PERF)


def test_worker_field_errors_name_the_worker():
    stats = _stats()
    stats["workers"]["w1"]["utilization"]["cpu"] = "high"
    with pytest.raises(PayloadError, match=r"workers\['w1'\]\.utilization\.cpu"):
        Snapshot.from_json(stats)


def test_decision_round_trip_and_bad_action():
    d = ScalingDecision(action="scale_up", count=2, reason="r", utilization=0.9,
                        worker_ids=("a",), timestamp=5.0, seq=3)
    assert ScalingDecision.from_json(d.to_dict()) == d
    with pytest.raises(PayloadError, match="action"):
        ScalingDecision.from_json({**d.to_dict(), "action": "explode"})


def test_alert_rejects_unknown_level():
    with pytest.raises(ValueError, match="level"):
        Alert(id="a", timestamp=0.0, level="fatal", source="system", message="m")
