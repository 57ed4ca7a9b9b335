"""Report figure of cloud use: workers and accrued cost per provider over time."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from ..ui.figures.common import MAX_POINTS, axis_time, empty_figure, offset_label
from ..ui.theme import Theme
from ..manager.cloud import CloudWorker, provider_series
from .figures import frame, rows, time_axes
from .cards import money
from ..ui.units import plural

NO_CLOUD = "No cloud provider manager is connected: there is nothing to price."
NO_CLOUD_WORKERS = "No worker has been started through the cloud provider manager yet."
PROVIDER_COLORS = ("#3498db", "#f39c12", "#00bc8c", "#b07cd8", "#e74c3c", "#95a5a6")


def cost_grid(history: Sequence[CloudWorker], tick_times: np.ndarray, now: float) -> np.ndarray:
    """The instants to draw at: the collector's ticks (at most MAX_POINTS of them), else the ledger's span."""
    ts = np.asarray(tick_times, dtype=np.float64)
    if ts.size == 0:
        start = min(w.started for w in history)
        return np.linspace(start, max(now, start + 1.0), 200)
    if ts.size <= MAX_POINTS:
        return ts
    # cost is exact at any instant, so an even sample of the window loses nothing
    return np.linspace(ts[0], ts[-1], MAX_POINTS)


def cloud_figure(history: Sequence[CloudWorker] | None, tick_times: np.ndarray, *, now: float,
                 currency: str, cost_per_task: float, theme: Theme) -> go.Figure:
    """Workers running per provider (step lines) and money spent per provider, plus the total."""
    if history is None:
        return empty_figure(NO_CLOUD, theme, height=360)
    if not history:
        return empty_figure(NO_CLOUD_WORKERS, theme, height=360)
    grid = cost_grid(history, tick_times, now)
    series = provider_series(history, grid)
    fig = rows(["Workers running per provider", f"Money spent per provider ({currency})"], theme)
    x = axis_time(grid)
    for i, s in enumerate(series):
        color = PROVIDER_COLORS[i % len(PROVIDER_COLORS)]
        fig.add_trace(go.Scatter(x=x, y=s.workers.astype(np.float32), mode="lines", name=s.provider,
                                 legendgroup=s.provider, line=dict(color=color, width=2, shape="hv"),
                                 hovertemplate=f"%{{y:.0f}} workers<extra>{s.provider}</extra>"),
                      row=1, col=1)
        fig.add_trace(go.Scatter(x=x, y=s.cost, mode="lines", name=s.provider, showlegend=False,
                                 legendgroup=s.provider, line=dict(color=color, width=2),
                                 hovertemplate=f"%{{y:.2f}} {currency}<extra>{s.provider}</extra>"),
                      row=2, col=1)
    total = np.sum([s.cost for s in series], axis=0)
    fig.add_trace(go.Scatter(x=x, y=total, mode="lines", name="all providers",
                             line=dict(color="#95a5a6", width=1.4, dash="dot"),
                             hovertemplate=f"%{{y:.2f}} {currency}<extra>total</extra>"), row=2, col=1)
    per_task = money(cost_per_task, currency)
    note = (f"{money(float(total[-1]), currency)} spent by the last sample · {per_task} per completed task"
            f" · {plural(len(history), 'worker')} started")
    frame(fig, theme, title=f"Cloud resources by provider ({offset_label()})", height=560, note=note)
    time_axes(fig, theme)
    fig.update_yaxes(title_text="workers", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text=currency, rangemode="tozero", row=2, col=1)
    return fig
