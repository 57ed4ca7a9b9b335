"""Scaling Decisions figures: worker count with its scale events, allocation against thresholds."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ...store.live import LiveView
from ..decisions import Thresholds
from ..theme import Theme
from .common import (COLORS, base_layout, count_axis, decision_traces, empty_figure, figure, merged,
                     series_xy)
from .overview import WAITING


def timeline_figure(view: LiveView, *, theme: Theme) -> go.Figure:
    """Workers over time as a step line; each scale-up / scale-down marked at its worker count."""
    if view.is_empty:
        return empty_figure(WAITING, theme)
    workers = view.system["total_workers"]
    dx, dy = series_xy(view.timestamps, workers)
    top = max(1.0, float(np.nanmax(workers)) if np.isfinite(workers).any() else 1.0)
    traces = [dict(type="scatter", x=dx, y=dy.astype(np.float32), mode="lines", name="workers",
                   line=dict(color=COLORS["workers"], width=2, shape="hv"),
                   hovertemplate="%{y:.0f} workers<extra></extra>")]
    for action in ("scale_up", "scale_down"):
        chosen = [d for d in view.decisions if d.action == action]
        if chosen:
            # each marker sits on the worker count of the last tick at or before its decision
            rows = np.searchsorted(view.timestamps, [d.timestamp for d in chosen], side="right") - 1
            traces += decision_traces(chosen, lo=0.0, hi=top * 1.2,
                                      marker_y=workers[np.clip(rows, 0, view.n_ticks - 1)])
    layout = base_layout(theme, uirevision="scaling-timeline", height=320, ytitle="workers")
    return figure(traces, merged(layout, hovermode="closest", yaxis=count_axis(top * 1.2)))


def _threshold_shapes(t: Thresholds) -> tuple[list[dict], list[dict]]:
    lines = (("up", t.scale_up, COLORS["threshold_up"], "dash"),
             ("target", t.target, COLORS["target"], "dot"),
             ("down", t.scale_down, COLORS["threshold_down"], "dash"))
    shapes = [dict(type="line", xref="paper", x0=0, x1=1, y0=v, y1=v, layer="below",
                   line=dict(color=c, width=1.4, dash=d)) for _, v, c, d in lines]
    # labels sit in the right margin, clear of the traces they would otherwise cover
    notes = [dict(xref="paper", x=1.005, y=v, xanchor="left", yanchor="middle", showarrow=False,
                  text=f"{name} {v:.0f}%", align="left", font=dict(size=10, color=c))
             for name, v, c, _ in lines]
    return shapes, notes


def threshold_figure(view: LiveView, *, limits: Thresholds | None, theme: Theme) -> go.Figure:
    """Allocation (the policy's measure) and CPU used, with the policy's thresholds as lines."""
    if view.is_empty:
        return empty_figure(WAITING, theme)
    s = view.system
    traces = []
    for col, name, color, dash in (("allocated", "allocated (policy input)", COLORS["allocated"], None),
                                   ("cpu_utilization", "CPU used", COLORS["cpu"], "dot")):
        dx, dy = series_xy(view.timestamps, s[col])
        traces.append(dict(type="scatter", x=dx, y=dy.astype(np.float32), mode="lines", name=name,
                           line=dict(color=color, width=1.8, dash=dash),
                           hovertemplate=f"%{{y:.1f}}%<extra>{name}</extra>"))
    traces += decision_traces(view.decisions, lo=0.0, hi=100.0, marker_y=103.0)
    layout = merged(base_layout(theme, uirevision="scaling-thresholds", height=320,
                                ytitle="% of pool capacity"), yaxis=dict(range=[0, 106]))
    if limits is not None:
        shapes, notes = _threshold_shapes(limits)
        layout = merged(layout, shapes=shapes, annotations=notes, margin=dict(r=72))
    return figure(traces, layout)
