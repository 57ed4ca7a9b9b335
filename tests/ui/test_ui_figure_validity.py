"""Builders skip plotly's validation for speed, so every one of them is validated in full here."""

import plotly.graph_objects as go
import pytest

from drm_dashboard.store.live import LiveView
from drm_dashboard.ui.decisions import thresholds
from drm_dashboard.ui.figures.overview import load_figure, utilization_figure
from drm_dashboard.ui.figures.performance import KPIS, kpi_figure
from drm_dashboard.ui.figures.scaling import threshold_figure, timeline_figure
from drm_dashboard.ui.figures.workers import (BAND_ABOVE, METRICS, heatmap_figure,
                                              worker_timeseries_figure)
from drm_dashboard.ui.theme import THEMES
from ui_views import T0, decision, fill

VIEW = fill(80, BAND_ABOVE + 2, gpu=True, decisions={20: [decision(T0 + 100)],
                                                      60: [decision(T0 + 300, "scale_down", seq=2)]})
EMPTY = LiveView.empty()


def builders(view):
    yield "utilization", lambda t: utilization_figure(view, theme=t)
    yield "load", lambda t: load_figure(view, theme=t)
    yield "timeline", lambda t: timeline_figure(view, theme=t)
    yield "thresholds", lambda t: threshold_figure(view, limits=thresholds(view), theme=t)
    for column in KPIS:
        yield column, lambda t, c=column: kpi_figure(view, column=c, minutes=15, theme=t)
    for metric in METRICS:
        yield f"heatmap-{metric}", lambda t, m=metric: heatmap_figure(view, metric=m, theme=t)
        yield f"lines-{metric}", lambda t, m=metric: worker_timeseries_figure(
            view, worker_ids=list(view.worker_ids[:3]), metric=m, theme=t)
    yield "bands", lambda t: worker_timeseries_figure(view, worker_ids=list(view.worker_ids),
                                                      metric="cpu", theme=t)


CASES = [(f"{name}-{when}", build) for when, v in (("data", VIEW), ("empty", EMPTY))
         for name, build in builders(v)]


@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("name,build", CASES, ids=[c[0] for c in CASES])
def test_every_figure_passes_plotly_validation(name, build, theme):
    fig = build(THEMES[theme])
    go.Figure(fig.to_dict())  # raises ValueError on any property plotly does not know
