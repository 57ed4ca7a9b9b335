"""The worker agent: real readings, back-off through an outage, re-registration, lost when silent."""

import pytest

from drm_dashboard.coordinator.agent import GpuReading, WorkerAgent, capacity, read_gpus, usage
from drm_dashboard.coordinator.service import Coordinator
from drm_fakes import wait_for

pytestmark = pytest.mark.timeout(60)
KEY = "agent-key-93d1"


def test_capacity_and_usage_are_this_machines_real_numbers():
    cap = capacity(None)
    assert cap["cpu"]["cores"] >= 1 and cap["memory"]["total_mb"] > 100 and "gpu" not in cap
    now = usage(None)
    assert 0.0 <= now["cpu"] <= 1.0 and 0.0 < now["memory"] <= 1.0 and now["gpu"] is None


def test_nvidia_smi_output_is_summed_over_devices():
    reading = read_gpus(lambda args: "24576, 1024, 50\n24576, 3072, 100\n")
    assert reading == GpuReading(devices=2, memory_mb=49152.0, used_mb=4096.0, utilization=0.75)
    assert read_gpus(lambda args: "garbage") is None


def test_agent_backs_off_through_an_outage_and_registers_again():
    first = Coordinator(KEY, port=0, evaluate_every_s=3600)
    first.start()
    port = first.port  # the second coordinator comes back on the same port
    agent = WorkerAgent(first.url, KEY, "box-1", interval_s=0.5, max_backoff_s=4.0,
                        gpu_reader=lambda: None)
    assert agent.beat_once() and "box-1" in first.manager.get_worker_statistics()["workers"]
    first.stop()
    assert not agent.beat_once() and not agent.beat_once()
    assert agent.next_delay() == 2.0  # 0.5 s doubled per failure in a row
    second = Coordinator(KEY, port=port, evaluate_every_s=3600)  # a new process forgets its workers
    second.start()
    try:
        assert not agent.beat_once()  # 404: the agent learns it must register again
        assert agent.beat_once() and agent.failures == 0
        assert "box-1" in second.manager.get_worker_statistics()["workers"]
    finally:
        second.stop()


def test_a_worker_whose_heartbeats_stop_is_marked_lost():
    coord = Coordinator(KEY, port=0, evaluate_every_s=0.2, heartbeat_timeout_s=0.6)
    coord.start()
    try:
        agent = WorkerAgent(coord.url, KEY, "quiet", interval_s=0.2, gpu_reader=lambda: None)
        assert agent.beat_once()
        status = lambda: coord.manager.get_worker_statistics()["workers"]["quiet"]["status"]  # noqa: E731
        assert status() != "lost"
        assert wait_for(lambda: status() == "lost", timeout=10)
        assert agent.beat_once() and status() != "lost"  # reporting again revives it
    finally:
        coord.stop()


@pytest.mark.timeout(60)
def test_the_agent_loop_registers_and_deregisters_when_stopped():
    coord = Coordinator(KEY, port=0, evaluate_every_s=3600)
    coord.start()
    try:
        workers = lambda: coord.manager.get_worker_statistics()["workers"]  # noqa: E731
        agent = WorkerAgent(coord.url, KEY, "looped", interval_s=0.2, gpu_reader=lambda: None)
        agent.start()
        assert wait_for(lambda: "looped" in workers(), timeout=20)
        agent.stop()
        assert agent.join(timeout=20)
        assert "looped" not in workers()  # it said goodbye on the way out
    finally:
        coord.stop()
