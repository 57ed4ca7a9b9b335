"""System Overview figures: resource utilization and worker/task load over the live window."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ...store.live import LiveView
from ..theme import Theme
from .common import (COLORS, base_layout, count_axis, decision_traces, empty_figure, figure, merged,
                     series_xy)

WAITING = "Waiting for the first sample from the source."


def has_gpu(view: LiveView) -> bool:
    """True when any tick of the window carried a GPU utilization (some worker has a GPU)."""
    return bool(np.isfinite(view.system["gpu_utilization"]).any())


def line(ts: np.ndarray, y: np.ndarray, name: str, color: str, *, dash: str | None = None,
         shape: str = "linear", yaxis: str = "y", unit: str = "%") -> dict:
    """One decimated float32 line trace (broken at gaps) with a hover that names it."""
    dx, dy = series_xy(ts, y)
    fmt = ":.1f" if unit == "%" else ":.0f"
    return dict(type="scatter", x=dx, y=dy.astype(np.float32), name=name, mode="lines", yaxis=yaxis,
                line=dict(color=color, width=1.8, dash=dash, shape=shape),
                hovertemplate=f"%{{y{fmt}}}{unit}<extra>{name}</extra>")


def utilization_figure(view: LiveView, *, theme: Theme) -> go.Figure:
    """CPU, memory (and GPU when present) used, and the allocated share, with scaling events."""
    if view.is_empty:
        return empty_figure(WAITING, theme)
    x, s = view.timestamps, view.system
    traces = [line(x, s["cpu_utilization"], "CPU used", COLORS["cpu"]),
              line(x, s["memory_utilization"], "memory used", COLORS["memory"])]
    if has_gpu(view):
        traces.append(line(x, s["gpu_utilization"], "GPU used", COLORS["gpu"]))
    traces.append(line(x, s["allocated"], "allocated", COLORS["allocated"], dash="dot"))
    traces += decision_traces(view.decisions, lo=0.0, hi=100.0, marker_y=103.0)
    layout = base_layout(theme, uirevision="overview-utilization", height=340,
                         ytitle="% of pool capacity")
    return figure(traces, merged(layout, yaxis=dict(range=[0, 106])))


def load_figure(view: LiveView, *, theme: Theme) -> go.Figure:
    """Active and pending tasks (left axis) and workers (right axis), with scaling events."""
    if view.is_empty:
        return empty_figure(WAITING, theme)
    x, s = view.timestamps, view.system
    workers = s["total_workers"]
    top = float(np.nanmax(workers)) if np.isfinite(workers).any() else 1.0
    tasks = np.concatenate([s["active_tasks"], s["pending_tasks"]])
    traces = [
        line(x, s["active_tasks"], "active tasks", COLORS["active"], unit=""),
        line(x, s["pending_tasks"], "pending tasks", COLORS["pending"], unit=""),
        line(x, workers, "workers", COLORS["workers"], shape="hv", yaxis="y2", unit=""),
    ]
    traces += decision_traces(view.decisions, lo=0.0, hi=top * 1.15, marker_y=top * 1.15,
                              yaxis="y2")
    layout = base_layout(theme, uirevision="overview-load", height=340, ytitle="tasks")
    tasks_top = float(np.nanmax(tasks)) if np.isfinite(tasks).any() else 1.0
    right = count_axis(top * 1.15)
    return figure(traces, merged(
        layout, margin=dict(r=56), yaxis=count_axis(tasks_top),
        yaxis2=dict(title=dict(text="workers"), overlaying="y", side="right", showgrid=False,
                    **right)))
