"""The five report figures hold what the manager, the cloud and the stores say, and empty ones say why."""

import numpy as np
import pytest

from drm_dashboard.store.live import LiveView
from drm_dashboard.ui.figures.common import axis_time
from drm_dashboard.ui.theme import THEMES
from drm_dashboard.report.charts import CHARTS, build, build_all, gather
from drm_dashboard.report.figures_cloud import NO_CLOUD
from report_fakes import fleet

LIGHT = THEMES["light"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    f = fleet(tmp_path_factory.mktemp("fig"))
    yield f
    f.viz.cleanup()


@pytest.fixture(scope="module")
def charts(recorded):
    inputs = recorded.viz.inputs()
    return inputs, {c.name: c.figure for c in build_all(inputs, LIGHT)}


def test_the_heatmap_has_a_row_per_worker_and_a_column_per_sample(charts):
    inputs, figs = charts
    view = inputs.view
    heats = [t for t in figs["resource_utilization_heatmap"].data if t.type == "heatmap"]
    assert len(heats) == 3  # the demo shapes include a GPU machine: CPU, memory and GPU rows
    for heat in heats:
        assert list(heat.y) == sorted(view.worker_ids)
        assert len(heat.x) == view.n_ticks
        assert np.asarray(heat.z).shape == (view.n_workers, view.n_ticks)
    # a worker that had not started yet (or was gone) is blank, not zero
    assert np.isnan(np.asarray(heats[0].z, dtype=float)).any()


def test_scaling_history_marks_every_decision_and_draws_the_policys_thresholds(recorded, charts):
    _, figs = charts
    fig = figs["scaling_history"]
    decisions = recorded.manager.decisions_since(0)
    assert decisions, "the seeded run scales"
    for action, name in (("scale_up", "scale up"), ("scale_down", "scale down")):
        markers = [t for t in fig.data if t.name == name and t.mode == "markers"]
        assert len(markers[0].x) == sum(d.action == action for d in decisions)
    lines = sorted(s.y0 for s in fig.layout.shapes)
    policy = recorded.manager.policy
    assert lines == pytest.approx([policy.scale_down_threshold * 100, policy.target * 100,
                                   policy.scale_up_threshold * 100])


def test_allocation_shows_each_workers_capacity_allocated_and_used(recorded, charts):
    inputs, figs = charts
    latest = {w.worker_id: w for w in inputs.view.latest_workers}
    bars = [t for t in figs["resource_allocation"].data if t.xaxis == "x"]
    assert [t.name for t in bars] == ["capacity", "allocated", "used"]
    capacity, allocated, used = (dict(zip(t.x, t.y)) for t in bars)
    assert set(capacity) == set(latest) == set(recorded.manager.get_worker_statistics()["workers"])
    for wid, w in latest.items():
        assert capacity[wid] == w.cpu_cores
        assert allocated[wid] == pytest.approx(w.cpu_cores * w.alloc_cpu)
        assert used[wid] == pytest.approx(w.cpu_cores * w.cpu)


def test_cloud_workers_add_up_to_the_pool_and_cost_to_the_providers_estimate(recorded, charts):
    inputs, figs = charts
    fig = figs["cloud_resources"]
    counts = [t for t in fig.data if t.yaxis == "y" and t.type == "scatter"]
    assert {t.name for t in counts} == {"on-prem", "cloud-burst"}
    assert all(len(t.x) == inputs.view.n_ticks for t in counts)
    total_workers = np.sum([np.asarray(t.y) for t in counts], axis=0)
    assert total_workers.tolist() == inputs.view.system["total_workers"].tolist()
    total = next(t for t in fig.data if t.name == "all providers")
    assert total.y[-1] == pytest.approx(recorded.cloud.cost_estimate())
    assert np.all(np.diff(np.asarray(total.y)) >= 0)  # money spent never goes down


def test_every_chart_shares_the_time_axis_of_the_samples(charts):
    inputs, figs = charts
    first, last = axis_time(inputs.view.timestamps[[0, -1]])
    line = next(t for t in figs["scaling_history"].data if t.name == "workers")
    assert (line.x[0], line.x[-1]) == (first, last)


@pytest.mark.parametrize("name", list(CHARTS))
def test_a_chart_with_nothing_to_show_says_so(name):
    inputs = gather(LiveView.empty(), cloud=None, policy=None, source="nothing", now=0.0)
    fig = build(name, inputs, LIGHT).figure
    assert not fig.data
    text = fig.layout.annotations[0].text
    assert text == NO_CLOUD if name == "cloud_resources" else "nothing to draw" in text
