"""The demo's faster clock, and every scaling evaluation kept with its verdict."""

import pytest

from drm_dashboard.manager import DynamicResourceManager
from drm_dashboard.manager.driver import SpeedClock
from drm_dashboard.manager.scaling import ScalingPolicy


class Wall:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_speed_clock_runs_n_times_faster_from_now():
    wall = Wall()
    clock = SpeedClock(20, wall)
    assert clock() == 1000.0
    wall.t += 3.0
    assert clock() == 1060.0


@pytest.mark.parametrize("speed", [0.5, 1001, float("nan"), float("inf")])
def test_speed_clock_refuses_speeds_out_of_range(speed):
    with pytest.raises(ValueError, match="between 1 and 1000"):
        SpeedClock(speed)


def test_maintain_verdicts_are_kept_with_their_reasons():
    clock = Wall()
    manager = DynamicResourceManager(policy=ScalingPolicy(window_s=10), clock=clock)
    manager.register_worker("w1", {"cpu": {"cores": 4, "available_cores": 4},
                                   "memory": {"total_mb": 4096, "available_mb": 4096}})
    for _ in range(3):
        manager.evaluate_scaling()
        clock.t += 6
    kept = manager.recent_evaluations()
    assert len(kept) == 3 and all(d.action == "maintain" for d in kept)
    assert kept[0].reason.startswith("collecting allocation samples")
    assert manager.decisions_since(0) == []  # maintain verdicts are not logged as decisions


def test_a_sped_up_demo_runs_manager_workload_and_store_on_the_fast_clock(tmp_path):
    from drm_dashboard.config import Settings
    from drm_dashboard.dashboard import DRMRealTimeDashboard
    wall = Wall()
    dash = DRMRealTimeDashboard(settings=Settings(demo_speed=20, db_path=str(tmp_path / "h.duckdb")),
                                clock=wall)
    workload = dash._driver.workload
    wall.t += 30.0  # 30 real seconds are 10 simulated minutes
    workload.advance()
    assert workload.elapsed_s == 600.0 and dash.live._clock() == 1600.0
    assert dash.manager.get_worker_statistics()["timestamp"] == 1600.0
