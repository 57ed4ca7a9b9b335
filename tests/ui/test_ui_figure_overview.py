"""System Overview figures as pure functions of a view."""

import numpy as np
import plotly.io as pio

from drm_dashboard.store.live import LiveView
from drm_dashboard.ui.figures.common import MAX_POINTS
from drm_dashboard.ui.figures.overview import load_figure, utilization_figure
from drm_dashboard.ui.theme import THEMES
from ui_views import fill

DARK, LIGHT = THEMES["dark"], THEMES["light"]


def names(fig):
    return [t.name for t in fig.data if t.name]


def test_utilization_has_cpu_memory_allocated_and_scaling_markers(view):
    fig = utilization_figure(view, theme=DARK)
    assert names(fig) == ["CPU used", "memory used", "allocated", "scale up"]
    cpu = fig.data[0]
    assert np.allclose(cpu.y, view.system["cpu_utilization"].astype(np.float32))
    assert fig.layout.uirevision == "overview-utilization"
    assert fig.layout.template.layout.font == pio.templates["plotly_dark"].layout.font


def test_gpu_line_appears_only_when_a_worker_has_a_gpu():
    assert "GPU used" in names(utilization_figure(fill(5, 2, gpu=True), theme=DARK))
    assert "GPU used" not in names(utilization_figure(fill(5, 2), theme=DARK))


def test_scaling_marker_sits_at_the_decision_time(view):
    fig = utilization_figure(view, theme=DARK)
    marker = next(t for t in fig.data if t.name == "scale up")
    line = fig.data[0]
    assert marker.x[0] == line.x[30]  # the decision came in tick 30
    assert "test said so" in marker.hovertext[0]


def test_load_has_tasks_on_the_left_and_workers_on_the_right(view):
    fig = load_figure(view, theme=LIGHT)
    by_name = {t.name: t for t in fig.data if t.name}
    assert set(by_name) == {"active tasks", "pending tasks", "workers", "scale up"}
    assert by_name["workers"].yaxis == "y2" and by_name["active tasks"].yaxis == "y"
    assert by_name["workers"].y[-1] == 3
    assert fig.layout.template.layout.font == pio.templates["plotly_white"].layout.font


def test_points_per_trace_are_capped_at_chart_width():
    long = fill(3600, 2, step=1.0)
    for fig in (utilization_figure(long, theme=DARK), load_figure(long, theme=DARK)):
        assert all(len(t.x) <= MAX_POINTS for t in fig.data)


def test_empty_view_says_it_is_waiting():
    fig = utilization_figure(LiveView.empty(), theme=DARK)
    assert not fig.data and "Waiting for the first sample" in fig.layout.annotations[0].text
