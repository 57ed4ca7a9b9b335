"""Report figures over time: utilization heatmaps and scaling history, built from the UI's own figures."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..store.view import LiveView
from ..ui.decisions import Thresholds, thresholds
from ..ui.figures.common import COLORS, count_axis, empty_figure, offset_label, template
from ..ui.figures.scaling import threshold_figure, timeline_figure
from ..ui.figures.workers import METRICS, heatmap_figure, no_worker_message as no_workers
from ..ui.theme import Theme
from ..ui.units import plural

HEATMAP_METRICS = ("cpu", "memory", "gpu")
NO_SAMPLES = "No samples collected yet: nothing to draw."
NO_WORKERS = "No worker has reported yet: nothing to draw."

LABEL_EVERY_WORKER = 40


def frame(fig: go.Figure, theme: Theme, *, title: str, height: int, note: str = "") -> go.Figure:
    """Title, size and legend shared by every report figure (transparent: the page shows through)."""
    subtitle = f"<br><sup>{note}</sup>" if note else ""
    fig.update_layout(
        height=height, title=dict(text=title + subtitle, x=0.01),
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font=dict(color=theme.text, size=12), margin=dict(l=64, r=96, t=96 if note else 72, b=40),
        legend=dict(orientation="h", x=1, xanchor="right", y=1.0, yanchor="bottom",
                    bgcolor="rgba(0,0,0,0)"),
        hovermode="closest")
    return fig


def time_axes(fig: go.Figure, theme: Theme) -> None:
    """Every x axis is a date axis in the server's local time; grids in the theme's colour."""
    fig.update_xaxes(type="date", gridcolor=theme.grid, showspikes=False)
    fig.update_yaxes(gridcolor=theme.grid, zerolinecolor=theme.grid)


def rows(titles: list[str], theme: Theme, heights: list[float] | None = None, *,
         shared: bool = True) -> go.Figure:
    """One panel per title, stacked; shared x axes when the panels share a time or worker axis."""
    spacing = (0.08 if shared else 0.18) if len(titles) > 1 else 0.0  # unshared: room for tick labels
    # the template goes in through the constructor: update_layout(template=...) re-validates it (0.2 s)
    base = go.Figure(layout=dict(template=template(theme.template)))
    fig = make_subplots(rows=len(titles), cols=1, shared_xaxes=shared, subplot_titles=titles,
                        vertical_spacing=spacing, row_heights=heights, figure=base)
    # panel titles on the left, the legend on the right: they never cover each other
    fig.update_annotations(x=0, xanchor="left", font=dict(size=13))
    return fig


def utilization_heatmap_figure(view: LiveView, *, theme: Theme) -> go.Figure:
    """CPU, memory and GPU used: one row per worker, one column per time bucket; blank where absent."""
    if view.is_empty or not view.n_workers:
        return empty_figure(no_workers(view), theme, height=360)
    parts = [(m, heatmap_figure(view, metric=m, theme=theme)) for m in HEATMAP_METRICS]
    drawn = [(m, f.data[0]) for m, f in parts if f.data]
    if not drawn:
        return empty_figure("No worker reports any usage yet: nothing to draw.", theme, height=360)
    fig = rows([f"{METRICS[m][0]} used (% of the worker's capacity)" for m, _ in drawn], theme)
    for row, (_, heat) in enumerate(drawn, start=1):
        # one shared colour scale: every row is a percentage from 0 to 100
        heat.update(showscale=row == 1, colorbar=dict(title=dict(text="% used"), thickness=12))
        fig.add_trace(heat, row=row, col=1)
        # every worker named while the labels fit; beyond that plotly picks which to show
        fig.update_yaxes(type="category", autorange="reversed", showgrid=False, row=row, col=1,
                         dtick=1 if view.n_workers <= LABEL_EVERY_WORKER else None)
    missing = [METRICS[m][0] for m, f in parts if not f.data]
    note = f"No worker reports {' or '.join(missing)} usage." if missing else ""
    per_row = int(min(360, max(200, 12 * view.n_workers + 60)))
    frame(fig, theme, title=f"Resource utilization of {plural(view.n_workers, 'worker')} over time "
          f"({offset_label()})", height=per_row * len(drawn) + 120, note=note)
    time_axes(fig, theme)
    fig.update_xaxes(showgrid=False)
    return fig


def _threshold_lines(fig: go.Figure, limits: Thresholds, row: int) -> None:
    for name, value, color, dash in (("scale up", limits.scale_up, COLORS["threshold_up"], "dash"),
                                     ("target", limits.target, COLORS["target"], "dot"),
                                     ("scale down", limits.scale_down, COLORS["threshold_down"], "dash")):
        fig.add_hline(y=value, row=row, col=1, line=dict(color=color, width=1.4, dash=dash),
                      annotation=dict(text=f"{name} {value:.0f}%", font=dict(size=10, color=color)),
                      annotation_position="right")


def _add(fig: go.Figure, source: go.Figure, row: int, *, decisions_in_legend: bool = True) -> None:
    for trace in source.data:
        if not decisions_in_legend and trace.legendgroup in ("scale_up", "scale_down"):
            trace.showlegend = False  # the same decisions are already in the legend above
        fig.add_trace(trace, row=row, col=1)


def scaling_history_figure(view: LiveView, *, theme: Theme, policy: Any = None) -> go.Figure:
    """Worker count with each decision, and allocation (what the policy judges) against its thresholds."""
    if view.is_empty:
        return empty_figure(NO_SAMPLES, theme, height=360)
    fig = rows(["Workers and scaling decisions", "Allocation (the policy's input) and CPU used"],
               theme, [0.45, 0.55])
    _add(fig, timeline_figure(view, theme=theme), 1)
    _add(fig, threshold_figure(view, limits=None, theme=theme), 2, decisions_in_legend=False)
    limits = thresholds(view, policy)
    if limits is not None:
        _threshold_lines(fig, limits, 2)
    workers = view.system["total_workers"]
    top = max(1.0, float(np.nanmax(workers))) if np.isfinite(workers).any() else 1.0
    fig.update_yaxes(title_text="workers", row=1, col=1, **count_axis(top * 1.2))
    fig.update_yaxes(title_text="% of pool capacity", range=[0, 106], row=2, col=1)
    ups = sum(d.action == "scale_up" for d in view.decisions)
    downs = sum(d.action == "scale_down" for d in view.decisions)
    where = "" if limits is None else f" · thresholds {limits.source}"
    note = (f"{ups} scale-up and {downs} scale-down decisions in this window{where}"
            if ups + downs else f"No scaling decision in this window{where}")
    frame(fig, theme, title=f"Scaling history ({offset_label()})", height=620, note=note)
    time_axes(fig, theme)
    return fig
