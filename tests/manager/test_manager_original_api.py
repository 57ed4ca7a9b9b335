"""The original DynamicResourceManager's constructor arguments and methods, doing real work."""

import inspect

import pytest

from drm_dashboard.manager import DynamicResourceManager, ScalingPolicy
from manager_fakes import machine

ORIGINAL_ARGS = dict(target_utilization=0.7, scale_up_threshold=0.8, scale_down_threshold=0.3,
                     evaluation_window=300, scale_up_cooldown=300, scale_down_cooldown=600,
                     worker_reassessment_interval=3600, history_retention=86400)


def test_the_original_arguments_by_name_and_position_set_the_policy(clock):
    by_name = DynamicResourceManager(**{**ORIGINAL_ARGS, "scale_up_threshold": 0.9}, clock=clock)
    assert by_name.policy == ScalingPolicy(target=0.7, scale_up_threshold=0.9, scale_down_threshold=0.3,
                                           window_s=300, cooldown_up_s=300, cooldown_down_s=600)
    positional = DynamicResourceManager(0.6, 0.85, 0.2, 60, clock=clock)
    assert (positional.policy.target, positional.policy.window_s) == (0.6, 60.0)
    assert positional.policy.cooldown_down_s == ScalingPolicy().cooldown_down_s  # left out: ours
    names = list(inspect.signature(DynamicResourceManager).parameters)[:8]
    assert names == list(ORIGINAL_ARGS)
    # read back under the original's attribute names
    assert (by_name.target_utilization, by_name.scale_up_threshold, by_name.scale_down_threshold,
            by_name.evaluation_window, by_name.scale_up_cooldown, by_name.scale_down_cooldown,
            by_name.worker_reassessment_interval, by_name.history_retention) == (
        0.7, 0.9, 0.3, 300.0, 300.0, 600.0, 3600.0, 86400.0)


def test_policy_and_threshold_arguments_together_are_refused(clock):
    with pytest.raises(ValueError, match="not both"):
        DynamicResourceManager(target_utilization=0.6, policy=ScalingPolicy(), clock=clock)
    with pytest.raises(ValueError, match="scale_down_threshold < target"):
        DynamicResourceManager(target_utilization=0.2, clock=clock)


def test_register_worker_returns_true_as_the_original_did(clock):
    drm = DynamicResourceManager(clock=clock)
    assert drm.register_worker("w", machine()) is True
    assert drm.register_worker("w", machine(cores=4)) is True  # re-registering succeeds too
    assert drm.get_worker_statistics()["workers"]["w"]["resources"]["cpu"]["cores"] == 4


def test_get_worker_utilization_one_worker_or_all(clock):
    drm = DynamicResourceManager(clock=clock)
    drm.register_worker("a", machine(cores=10, memory_mb=1000))
    drm.register_worker("b", machine(cores=10, memory_mb=1000))
    drm.reserve_resources("t", {"cpu_cores": 5, "memory_mb": 100})
    drm.report_usage("a", cpu=0.4, memory=0.2)
    one = drm.get_worker_utilization("a")
    assert one["worker_id"] == "a" and one["utilization"]["cpu"] == 0.4
    assert one["performance"]["task_count"] == 0
    assert drm.get_worker_utilization("nobody") == {}
    every = drm.get_worker_utilization()
    assert sorted(every["workers"]) == ["a", "b"]
    assert every["overall"]["cpu"] == pytest.approx(0.2)  # 4 of 20 cores in use
    held = [w["allocated"]["cpu"] for w in every["workers"].values()]
    assert sorted(held) == [0.0, 0.5]


def test_update_worker_resources_is_false_for_unknown_or_bad_and_resets_reassessment(clock):
    drm = DynamicResourceManager(worker_reassessment_interval=100, clock=clock)
    drm.register_worker("w", machine(cores=8))
    drm.register_worker("v", machine(cores=8))
    assert drm.update_worker_resources("nobody", machine()) is False
    assert drm.update_worker_resources("w", {"cpu": {"cores": -1}, "memory": {"total_mb": 1}}) is False
    clock.advance(150)
    assert drm.workers_due_for_reassessment() == ["w", "v"]
    assert drm.update_worker_resources("w", machine(cores=16)) is True
    assert drm.workers_due_for_reassessment() == ["v"]
    assert drm.get_worker_utilization("w")["resources"]["cpu"]["cores"] == 16


def _run(drm, task, used_cores, used_mb, ok=True, **extra):
    rid = drm.reserve_resources(task, {"cpu_cores": 4, "memory_mb": 8000})
    assert drm.record_task_execution(task, {"success": ok, "execution_time_ms": 2000,
                                            "cpu_cores_used": used_cores, "memory_mb_used": used_mb,
                                            **extra})
    drm.release_resources(rid)


def test_record_task_execution_feeds_the_workers_performance(clock):
    drm = DynamicResourceManager(clock=clock)
    drm.register_worker("w", machine(cores=16, memory_mb=16000))
    assert drm.record_task_execution("never-reserved", {"success": True}) is False
    _run(drm, "t1", 2, 8000)
    _run(drm, "t2", 4, 4000, ok=False)
    perf = drm.get_worker_utilization("w")["performance"]
    assert perf["task_count"] == 2 and perf["success_rate"] == 0.5
    assert perf["avg_execution_time"] == 2.0
    assert perf["resource_efficiency"] == pytest.approx(((0.5 + 1.0) / 2 + (1.0 + 0.5) / 2) / 2)


def test_predict_resource_needs_from_similar_runs_else_the_request(clock):
    drm = DynamicResourceManager(clock=clock)
    drm.register_worker("w", machine(cores=16, memory_mb=16000))
    guess = drm.predict_resource_needs({"model": "bert", "batch_size": 8, "memory_mb": 6000})
    assert guess == {"cpu_cores": 2, "memory_mb": 6000, "gpu_memory_mb": 0, "predicted": False,
                     "based_on": 0}
    for i, (cores, mb) in enumerate([(1.0, 2000), (2.5, 3000), (2.0, 2500), (1.5, 5000)]):
        _run(drm, f"bert-{i}", cores, mb, model="bert", batch_size=8)
    _run(drm, "other", 4, 8000, model="t5", batch_size=8)
    need = drm.predict_resource_needs({"model": "bert", "batch_size": 8})
    # nearest-rank 90th percentile of four runs is the largest: 2.5 cores -> 3, 5000 MB
    assert need == {"cpu_cores": 3, "memory_mb": 5000, "gpu_memory_mb": 0, "predicted": True,
                    "based_on": 4}


def test_cleanup_expires_marks_lost_and_prunes_history_older_than_retention(clock):
    drm = DynamicResourceManager(history_retention=1000, clock=clock, reservation_ttl_s=500,
                                 heartbeat_timeout_s=30)
    drm.register_worker("w", machine(cores=16, memory_mb=16000))
    for i in range(3):
        _run(drm, f"m-{i}", 1, 1000, model="m")
    kept = drm.reserve_resources("long", {"cpu_cores": 1})
    drm.report_usage("w", cpu=0.1, memory=0.1)
    clock.advance(1001)
    assert drm.cleanup() is None
    assert drm.get_reservation(kept) is None  # expired
    assert drm.get_worker_statistics()["workers"]["w"]["status"] == "lost"
    assert drm.predict_resource_needs({"model": "m"})["based_on"] == 0
