"""The scaling policy on literal scenarios: window not instant, cooldowns, bounds, empty pool."""

import pytest

from drm_dashboard.manager import ScalingPolicy
from drm_dashboard.manager.scaling import PoolView, WorkerLoad, decide
from manager_fakes import fill, hold, pool

NOW = 10_000.0
POLICY = ScalingPolicy()


def loads(tasks: list[int], used: float = 0.0) -> tuple[WorkerLoad, ...]:
    """10-core, 10,000 MB workers with `used` of each reserved."""
    return tuple(WorkerLoad(f"w{i}", n, (10 * used, 10_000 * used, 0.0), (10.0, 10_000.0, 0.0))
                 for i, n in enumerate(tasks))


def view(mean: float, workers=None, **kw) -> PoolView:
    base = dict(now=NOW, instant=mean, window_mean=mean, window_span=120.0,
                workers=loads([1, 1, 1, 1], mean) if workers is None else workers)
    base.update(kw)
    return PoolView(**base)


def test_high_window_mean_scales_up_towards_target():
    verdict = decide(view(0.85), POLICY)
    assert (verdict.action, verdict.count) == ("scale_up", 1)  # ceil(4 * 0.85 / 0.7) - 4
    assert "allocation 85% over 120 s >= 80% scale-up threshold" in verdict.reason


def test_scale_up_count_covers_pending_demand_in_typical_workers():
    v = view(0.9, pending=5, unplaceable=5, pending_demand=(40.0, 0.0, 0.0),
             reference=(10.0, 10_000.0, 0.0))
    verdict = decide(v, POLICY)
    # (4 * 0.9 + 40 / 10) / 0.7 = 10.86 -> 11 workers in all -> 7 more
    assert (verdict.action, verdict.count) == ("scale_up", 7)
    assert "5 tasks pending" in verdict.reason


def test_unplaceable_tasks_scale_up_even_at_moderate_allocation():
    verdict = decide(view(0.5, pending=2, unplaceable=2), POLICY)
    assert verdict.action == "scale_up" and verdict.count >= 1
    assert "2 pending tasks fit no worker" in verdict.reason


def test_up_cooldown_blocks_and_is_named():
    verdict = decide(view(0.95, last_up=NOW - 100), POLICY)
    assert verdict.action == "maintain"
    assert "scale-up cooldown has 200 s of 300 s left" in verdict.reason


def test_low_window_mean_scales_down_idle_workers_first():
    workers = loads([2, 0, 1, 0], used=0.05)
    verdict = decide(view(0.1, workers), POLICY)
    assert verdict.action == "scale_down"
    # reserved 2 cores of 40; demand max(2, 0.1 * 40) = 4 cores fits 0.7 * 10 on one worker
    assert verdict.worker_ids == ("w1", "w3", "w2")
    assert verdict.count == 3
    assert "allocation 10% over 120 s <= 30% scale-down threshold" in verdict.reason


def test_scale_down_stops_where_the_rest_would_exceed_target():
    verdict = decide(view(0.25, loads([0, 0, 0, 0], used=0.25)), POLICY)
    # demand 10 cores: two workers carry it at 50%, one would be at 100%
    assert verdict.worker_ids == ("w0", "w1")


def test_down_cooldown_blocks_and_is_named():
    verdict = decide(view(0.1, last_down=NOW - 100), POLICY)
    assert verdict.action == "maintain"
    assert "scale-down cooldown has 500 s of 600 s left" in verdict.reason


def test_no_scale_down_soon_after_a_scale_up():
    verdict = decide(view(0.1, last_up=NOW - 120), POLICY)
    assert verdict.action == "maintain"
    assert "scale-up cooldown (300 s after the last scale-up) has 180 s left" in verdict.reason


def test_cooldowns_that_have_passed_do_not_block():
    verdict = decide(view(0.1, last_up=NOW - 301, last_down=NOW - 601), POLICY)
    assert verdict.action == "scale_down"


def test_pending_tasks_block_scale_down():
    verdict = decide(view(0.1, pending=1), POLICY)
    assert verdict.action == "maintain" and "1 task is pending" in verdict.reason


def test_empty_pool_without_pending_tasks_maintains():
    verdict = decide(view(0.0, workers=()), POLICY)
    assert (verdict.action, verdict.reason) == ("maintain", "empty pool, no pending tasks")


def test_empty_pool_with_pending_tasks_scales_up_enough_for_them():
    v = view(0.0, workers=(), pending=3, unplaceable=3, pending_demand=(30.0, 3_000.0, 0.0),
             reference=(16.0, 65_536.0, 0.0))
    verdict = decide(v, POLICY)
    assert (verdict.action, verdict.count) == ("scale_up", 3)  # ceil(30 / 16 / 0.7)
    assert "empty pool, 3 tasks pending" in verdict.reason


def test_max_workers_caps_the_count_and_then_blocks():
    policy = ScalingPolicy(max_workers=5)
    assert decide(view(1.0, loads([1] * 4, 1.0)), policy).count == 1
    verdict = decide(view(1.0, loads([1] * 5, 1.0)), policy)
    assert verdict.action == "maintain" and "max_workers (5)" in verdict.reason


def test_min_workers_bounds_scale_down_and_raises_a_small_pool():
    policy = ScalingPolicy(min_workers=3)
    assert decide(view(0.0, loads([0] * 4)), policy).count == 1
    assert "min_workers (3)" in decide(view(0.0, loads([0] * 3)), policy).reason
    verdict = decide(view(0.5, loads([0] * 2)), policy)
    assert (verdict.action, verdict.count) == ("scale_up", 1)


def test_thresholds_wait_for_half_a_window_of_samples():
    verdict = decide(view(0.95, window_span=30.0), POLICY)
    assert verdict.action == "maintain" and "collecting allocation samples" in verdict.reason


def test_policy_rejects_inconsistent_thresholds():
    with pytest.raises(ValueError, match="scale_down_threshold < target"):
        ScalingPolicy(target=0.9, scale_up_threshold=0.8)


# -- through the manager: the window is real samples over clock time ---------------------------

def test_manager_ignores_one_instants_spike(clock):
    manager = pool(clock, workers=2)
    fill(manager, 10)  # 50%
    hold(manager, clock, 120)
    fill(manager, 9, prefix="spike")  # 95% for one sample
    decision = manager.evaluate_scaling()
    assert decision.action == "maintain"
    assert decision.trigger.instant_utilization == pytest.approx(0.95)
    assert decision.utilization < 0.8


def test_manager_scales_up_on_a_sustained_high_window(clock):
    manager = pool(clock, workers=2)
    fill(manager, 18)  # 90%
    hold(manager, clock, 120)
    decision = manager.evaluate_scaling()
    assert (decision.action, decision.count, decision.seq) == ("scale_up", 1, 1)
    assert decision.trigger.window_utilization == pytest.approx(0.9)
    assert decision.trigger.cooldown_up_remaining_s == 0.0
    clock.advance(10)
    blocked = manager.evaluate_scaling()
    assert blocked.action == "maintain" and "scale-up cooldown" in blocked.reason
    assert blocked.trigger.cooldown_up_remaining_s == pytest.approx(290.0)


def test_manager_scales_down_and_logs_decisions_with_a_cursor(clock):
    manager = pool(clock, workers=4)
    hold(manager, clock, 120)
    down = manager.evaluate_scaling()
    assert down.action == "scale_down" and down.count == 3 and down.seq == 1
    assert manager.decisions_since(0) == [down]
    assert manager.decisions_since(1) == []
    manager.mark_draining(down.worker_ids)
    statuses = {w["status"] for wid, w in manager.get_worker_statistics()["workers"].items()
                if wid in down.worker_ids}
    assert statuses == {"draining"}
    clock.advance(10)
    quiet = manager.evaluate_scaling()
    assert quiet.action == "maintain" and quiet.seq == 0
    assert manager.last_scaling_decision is quiet
    assert manager.decisions_since(0) == [down]  # maintain is not logged
