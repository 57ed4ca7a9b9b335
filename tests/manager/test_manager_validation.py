"""Capacity, requirements and usage are validated with messages that name the field."""

import math

import pytest

from drm_dashboard.manager import DynamicResourceManager
from manager_fakes import machine


@pytest.fixture
def manager(clock):
    return DynamicResourceManager(clock=clock)


@pytest.mark.parametrize("resources, message", [
    ({"cpu": {"cores": 8}, "memory": {"total_mb": 65536, "available_mb": 70000}},
     "memory.available_mb (70000) exceeds memory.total_mb (65536)"),
    ({"cpu": {"cores": 8, "available_cores": 9}, "memory": {"total_mb": 1}},
     "cpu.available_cores (9) exceeds cpu.cores (8)"),
    ({"cpu": {"cores": -1}, "memory": {"total_mb": 1}}, "cpu.cores: must not be negative, got -1"),
    ({"cpu": {"cores": True}, "memory": {"total_mb": 1}}, "cpu.cores: expected a number, got bool"),
    ({"cpu": {"cores": "8"}, "memory": {"total_mb": 1}}, "cpu.cores: expected a number, got str"),
    ({"cpu": {"cores": 8}, "memory": {"total_mb": math.nan}},
     "memory.total_mb: expected a finite number, got nan"),
    ({"cpu": {"cores": 8}}, "memory: missing"),
    ({"cpu": {"available_cores": 8}, "memory": {"total_mb": 1}}, "cpu.cores: missing"),
    (machine(gpu={"devices": 1, "memory_mb": 100, "available_memory_mb": 200}),
     "gpu.available_memory_mb (200) exceeds gpu.memory_mb (100)"),
    (machine(gpu={"devices": 1.5, "memory_mb": 100}), "gpu.devices: expected a whole number"),
    (machine(gpu={"devices": 1, "total_memory_mb": -5}), "gpu.total_memory_mb: must not be negative"),
])
def test_bad_capacity_names_the_field(manager, resources, message):
    with pytest.raises(ValueError) as info:
        manager.register_worker("w", resources)
    assert message in str(info.value)
    assert manager.get_worker_statistics()["total_workers"] == 0


def test_update_worker_validates_too(manager):
    manager.register_worker("w", machine())
    with pytest.raises(ValueError, match=r"cpu\.cores"):
        manager.update_worker("w", {"cpu": {"cores": math.inf}, "memory": {"total_mb": 1}})


def test_original_shapes_are_accepted(manager):
    manager.register_worker("w", {"resources": {
        "cpu": {"cores": 8, "available_cores": 8}, "memory": {"total_mb": 32768},
        "gpu": {"devices": 2, "total_memory_mb": 16384, "available_memory_mb": 16384}}})
    res = manager.get_worker_statistics()["workers"]["w"]["resources"]
    assert res["gpu"] == {"devices": 2, "memory_mb": 16384, "available_memory_mb": 16384}
    assert res["memory"] == {"total_mb": 32768, "available_mb": 32768}  # missing available = total


def test_capacity_taken_at_registration_is_not_reservable(manager):
    manager.register_worker("w", {"cpu": {"cores": 16, "available_cores": 4},
                                  "memory": {"total_mb": 1000}})
    assert manager.reserve_resources("big", {"cpu_cores": 5}) is None
    assert manager.reserve_resources("fits", {"cpu_cores": 4}) is not None
    worker = manager.get_worker_statistics()["workers"]["w"]
    assert worker["resources"]["cpu"] == {"cores": 16, "available_cores": 0.0}
    assert worker["allocated"]["cpu"] == 1.0  # all of what we may reserve is reserved


@pytest.mark.parametrize("requirements, field", [
    ({"cpu_cores": -1}, "cpu_cores"), ({"memory_mb": "lots"}, "memory_mb"),
    ({"gpu_memory_mb": True}, "gpu_memory_mb"), ({"memory_mb": math.nan}, "memory_mb"),
])
def test_bad_requirements_name_the_field(manager, requirements, field):
    manager.register_worker("w", machine())
    with pytest.raises(ValueError, match=field):
        manager.reserve_resources("t", requirements)
    assert manager.get_worker_statistics()["pending_tasks"] == 0


@pytest.mark.parametrize("usage, field", [
    ({"cpu": 1.5, "memory": 0.1}, "cpu: 1.5 is above 1"), ({"cpu": 0.1, "memory": -0.1}, "memory"),
    ({"cpu": 0.1, "memory": math.nan}, "memory"), ({"cpu": 0.1, "memory": 0.1, "gpu": 2}, "gpu"),
    ({"cpu": False, "memory": 0.1}, "cpu: expected a number"),
])
def test_bad_usage_names_the_field(manager, usage, field):
    manager.register_worker("w", machine(gpu_mb=100))
    with pytest.raises(ValueError, match=field):
        manager.report_usage("w", **usage)


def test_unknown_workers_and_bad_ids_are_refused(manager):
    with pytest.raises(KeyError, match="nope"):
        manager.report_usage("nope", cpu=0.1, memory=0.1)
    with pytest.raises(KeyError, match="nope"):
        manager.deregister_worker("nope")
    with pytest.raises(KeyError, match="nope"):
        manager.mark_draining(["nope"])
    with pytest.raises(ValueError, match="worker_id"):
        manager.register_worker("", machine())
    with pytest.raises(ValueError, match="task_id"):
        manager.reserve_resources(None, {"cpu_cores": 1})  # type: ignore[arg-type]
