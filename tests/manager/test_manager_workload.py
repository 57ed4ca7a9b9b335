"""The built-in workload: scales up and down in ten minutes, repeats itself for a seed."""

import pytest

from drm_dashboard.manager import (DynamicResourceManager, InjectedRegression, Workload,
                                   WorkloadConfig)
from drm_fakes import FakeClock


def run(seconds: int, config: WorkloadConfig = WorkloadConfig(), poll_every: int = 5):
    """Step a fresh manager and workload through `seconds` of fake time, polling like a collector."""
    clock = FakeClock()
    manager = DynamicResourceManager(clock=clock)
    workload = Workload(manager, config, clock=clock)
    sizes, metrics = [], []
    for second in range(1, seconds + 1):
        clock.advance(1)
        workload.step(clock.now)
        if second % poll_every == 0:
            sizes.append(manager.get_worker_statistics()["total_workers"])
            metrics.append(manager.get_performance_metrics())
    return manager, workload, sizes, metrics


def test_defaults_scale_up_and_down_within_ten_minutes():
    manager, workload, sizes, _ = run(600)
    actions = [d.action for d in manager.decisions_since(0)]
    assert "scale_up" in actions and "scale_down" in actions
    first_up = actions.index("scale_up")
    assert "scale_down" in actions[first_up:], "the pool should shrink after it grew"
    initial = WorkloadConfig().initial_workers
    grown = sizes.index(max(sizes))
    assert max(sizes) > initial, "the provisioner never added the workers it was asked for"
    assert min(sizes[grown:]) < max(sizes), "the drained workers were never removed"
    assert workload.decisions == manager.decisions_since(0)


def test_same_seed_same_decisions_and_another_seed_differs():
    def decisions(seed: int):
        manager, *_ = run(900, WorkloadConfig(seed=seed), poll_every=15)
        return [(d.seq, d.action, d.count, d.worker_ids, d.timestamp, d.reason)
                for d in manager.decisions_since(0)]

    first = decisions(7)
    assert first and first == decisions(7)
    assert decisions(8) != first


def test_tasks_flow_and_some_fail():
    manager, workload, _, metrics = run(600)
    last = metrics[-1]
    assert last["tasks_completed"] > 100 and last["tasks_failed"] >= 1
    assert 0.3 < max(m["resource_efficiency"] for m in metrics) <= 1.0
    assert max(m["queue_wait_ms"] for m in metrics) > 0  # the first wave queues before scale-up
    assert workload.queued == manager.get_worker_statistics()["pending_tasks"]


def test_injected_allocation_time_regression_shows_in_the_metric():
    config = WorkloadConfig(regression=InjectedRegression("allocation_time", start_s=300, factor=3.0))
    _, _, _, metrics = run(600, config)
    before = [m["allocation_time_ms"] for m in metrics[20:55]]  # 100-275 s
    after = [m["allocation_time_ms"] for m in metrics[80:]]  # 400-600 s
    assert sum(after) / len(after) > 2.0 * sum(before) / len(before)


def test_injected_throughput_regression_lets_fewer_tasks_through():
    slow = WorkloadConfig(regression=InjectedRegression("throughput", start_s=0, factor=3.0))
    _, _, _, base = run(300)
    _, _, _, regressed = run(300, slow)
    assert regressed[-1]["tasks_completed"] < 0.6 * base[-1]["tasks_completed"]


def mean_wait_ms(metrics):
    return metrics[-1]["queue_wait_ms_total"] / metrics[-1]["placements_total"]


def test_injected_queue_wait_regression_makes_tasks_wait_longer_for_capacity():
    # machines boot three times slower, so the first wave's tasks queue longer before scale-up lands
    slow = WorkloadConfig(seed=1, regression=InjectedRegression("queue_wait", start_s=0, factor=3.0))
    _, _, _, base = run(900, WorkloadConfig(seed=1))
    _, _, _, regressed = run(900, slow)
    assert mean_wait_ms(regressed) > 2 * mean_wait_ms(base) > 0


@pytest.mark.parametrize("metric, factor", [("latency", 2.0), ("allocation_time", 1.0),
                                            ("throughput", 0.5)])
def test_unknown_metric_or_a_factor_that_is_no_regression_is_refused(metric, factor):
    with pytest.raises(ValueError, match="regression"):
        InjectedRegression(metric, factor=factor)


class CountingManager(DynamicResourceManager):
    """A real manager that also counts how often the provisioner asked it to evaluate."""

    evaluations = 0

    def evaluate_scaling(self):
        self.evaluations += 1
        return super().evaluate_scaling()


def test_a_long_gap_is_not_replayed_in_full():
    clock = FakeClock()
    manager = CountingManager(clock=clock)
    workload = Workload(manager, WorkloadConfig(max_catchup_s=60, evaluate_every_s=15), clock=clock)
    clock.advance(10_000)
    workload.step(clock.now)
    assert workload.elapsed_s == 10_000  # it lands on now...
    assert manager.evaluations == 4  # ...having simulated only the last minute
