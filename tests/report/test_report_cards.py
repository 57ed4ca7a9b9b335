"""The dashboard's summary: every number equal to what the manager and the cloud provider say."""

import json
import math

import pytest

from drm_dashboard.report.cards import cards, money
from report_fakes import fleet


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    f = fleet(tmp_path_factory.mktemp("summary"), minutes=12, seed=5)
    yield f
    f.viz.cleanup()


def test_summary_numbers_equal_the_managers(recorded):
    summary = recorded.viz.inputs().summary
    stats = recorded.manager.get_worker_statistics()
    perf = recorded.manager.get_performance_metrics()
    util = stats["overall_utilization"]
    assert summary.workers == stats["total_workers"] == len(stats["workers"])
    assert summary.active_workers == stats["active_workers"]
    assert (summary.active_tasks, summary.pending_tasks) == (stats["active_tasks"], stats["pending_tasks"])
    # the summary's statistics are the run report's: rounded to 1e-4 percentage points
    assert summary.cpu == pytest.approx(util["cpu"] * 100, abs=1e-4)
    assert summary.memory == pytest.approx(util["memory"] * 100, abs=1e-4)
    assert summary.allocated == pytest.approx(stats["overall_allocation"]["overall"] * 100, abs=1e-4)
    assert (summary.tasks_completed, summary.tasks_failed) == (perf["tasks_completed"], perf["tasks_failed"])
    assert summary.efficiency == pytest.approx(perf["resource_efficiency"] * 100)
    decisions = recorded.manager.decisions_since(0)
    assert summary.scale_ups == sum(d.action == "scale_up" for d in decisions)
    assert summary.scale_downs == sum(d.action == "scale_down" for d in decisions)


def test_cost_and_cost_per_task_come_from_the_cloud_provider(recorded):
    summary = recorded.viz.inputs().summary
    assert summary.cost.total == pytest.approx(recorded.cloud.cost_estimate())
    assert summary.cost.running == len(recorded.cloud.active_workers())
    assert summary.cost.hourly == pytest.approx(sum(w.hourly_rate for w in recorded.cloud.active_workers()))
    completed = recorded.manager.get_performance_metrics()["tasks_completed"]
    assert completed > 0
    assert summary.cost_per_task == pytest.approx(recorded.cloud.cost_estimate() / completed)


def test_cards_show_the_summary_not_constants(recorded):
    summary = recorded.viz.inputs().summary
    shown = {c.title: c for c in cards(summary)}
    assert shown["Workers"].value == f"{summary.workers:,.0f}"
    assert shown["Utilization"].value == f"CPU {summary.cpu:.0f}%"
    assert shown["Cost so far"].value == money(summary.cost.total, "USD")
    assert shown["Scaling events"].value == str(summary.scale_ups + summary.scale_downs)


def test_the_dashboard_writes_the_same_summary_as_json(recorded, tmp_path):
    recorded.viz.create_resource_dashboard(tmp_path)
    written = json.loads((tmp_path / "summary.json").read_text())
    summary = recorded.viz.inputs().summary
    assert written["workers"] == summary.workers
    assert written["tasks_completed"] == summary.tasks_completed
    assert written["cost"]["total"] == pytest.approx(summary.cost.total)
    assert written["cost_per_task"] == pytest.approx(summary.cost_per_task)


def test_without_a_cloud_manager_there_is_no_cost_card(tmp_path, clock):
    from drm_dashboard.manager import DynamicResourceManager
    from drm_dashboard.report.visualization import DRMVisualization
    manager = DynamicResourceManager(clock=clock)
    manager.register_worker("w1", {"cpu": {"cores": 8}, "memory": {"total_mb": 16384}})
    with DRMVisualization(manager, output_dir=tmp_path, clock=clock) as viz:
        summary = viz.inputs().summary
    assert summary.cost is None and math.isnan(summary.cost_per_task)
    assert summary.workers == 1
    assert [c.title for c in cards(summary)] == ["Workers", "Tasks", "Utilization", "Scaling events",
                                                 "Efficiency"]
