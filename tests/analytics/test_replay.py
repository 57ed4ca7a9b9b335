"""Policy replay on literal series with answers worked out by hand."""

import math

import numpy as np
import pytest

from drm_dashboard.analytics.replay import demand_of, observed, replay
from drm_dashboard.policy import ScalingPolicy

T = np.arange(360) * 5.0  # 30 minutes at 5 s


def test_low_demand_scales_down_once_to_the_target():
    out = replay(T, np.full(360, 2.0), 10, ScalingPolicy())
    # judged at t = 60 s (half a 120 s window): ceil(10 * 0.2 / 0.7) = 3 workers stay
    assert out.scale_events == 1
    assert out.workers[12] == 10 and out.workers[13] == 3 and out.workers[-1] == 3
    assert out.worker_hours == pytest.approx((13 * 10 * 5 + 346 * 3 * 5) / 3600)
    assert out.above_threshold_s == 0 and out.queue_wait_s == 0


def test_what_happened_is_measured_the_same_way():
    out = observed(T, np.full(360, 2.0), np.full(360, 10.0), threshold=0.8, scale_events=0)
    assert out.worker_hours == pytest.approx(10 * 359 * 5 / 3600)
    assert out.covered_s == 359 * 5 and out.scale_events == 0


def test_high_demand_scales_up_after_the_provisioning_delay():
    out = replay(T, np.full(360, 9.0), 10, ScalingPolicy())
    # at t = 60: ceil(10 * 0.9 / 0.7) = 13, three more ready 30 s later (t = 90)
    assert out.workers[18] == 13 and out.workers[17] == 10 and out.scale_events == 1
    assert out.above_threshold_s == 18 * 5  # t = 0 .. 85 at 90 %


def test_demand_over_a_capped_pool_queues():
    out = replay(T, np.full(360, 12.0), 10, ScalingPolicy(max_workers=10))
    assert out.scale_events == 0 and out.above_threshold_s == 359 * 5
    # backlog grows 2 worker-seconds per second: wait = backlog / 10, averaged over the run
    assert out.queue_wait_s == pytest.approx(np.mean(np.arange(1, 360) * 5 * 2 / 10), rel=1e-9)


def test_cooldown_stops_a_second_scale_down():
    demand = np.concatenate([np.full(60, 2.0), np.full(300, 0.5)])
    slow = replay(T, demand, 10, ScalingPolicy(cooldown_down_s=3600))
    quick = replay(T, demand, 10, ScalingPolicy(cooldown_down_s=60))
    assert slow.scale_events == 1 and slow.workers[-1] == 3
    # 10 -> 3, then (a window mixing 67 % and 17 %) 3 -> 2, then 2 -> 1 at 25 %
    assert quick.scale_events == 3 and quick.workers[-1] == 1
    assert quick.worker_hours < slow.worker_hours


def test_an_outage_is_not_counted():
    t = np.concatenate([np.arange(10) * 5.0, 1000 + np.arange(10) * 5.0])
    out = observed(t, np.full(20, 1.0), np.full(20, 4.0), threshold=0.8, scale_events=0)
    assert out.covered_s == 18 * 5 and out.worker_hours == pytest.approx(4 * 18 * 5 / 3600)


def test_demand_is_allocated_share_times_pool_size():
    assert demand_of(np.array([50.0, np.nan]), np.array([4, 4]))[0] == 2.0
    assert math.isnan(demand_of(np.array([50.0, np.nan]), np.array([4, 4]))[1])


def test_a_policy_out_of_order_is_refused():
    with pytest.raises(ValueError, match="scale_down_threshold < target < scale_up_threshold"):
        ScalingPolicy(scale_up_threshold=0.5, target=0.7)


def test_pending_tasks_count_as_demand_at_the_running_size():
    # 4 workers half allocated by 2 tasks (1 worker each); 3 pending: 2 + 3 = 5 workers' worth
    demand = demand_of(np.array([50.0, 50.0, 100.0]), np.array([4, 4, 4]), np.array([2, 0, 4]),
                       np.array([3, 3, 0]))
    # while nothing runs (tick 1) the last known size carries forward
    assert demand.tolist() == [5.0, 2.0 + 3.0, 4.0]

