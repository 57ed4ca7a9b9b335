"""Performance Metrics figures: one KPI over a chosen range, with its mean drawn for reference."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ...store.live import LiveView
from ..theme import Theme
from .common import axis_time, base_layout, empty_figure, figure, merged, minmax_decimate

# column -> (title, unit shown after values, y-axis title, colour)
KPIS = {
    "task_throughput": ("Task throughput", "/s", "tasks per second", "#00bc8c"),
    "allocation_time_ms": ("Allocation time", " ms", "ms per reservation", "#3498db"),
    "queue_wait_ms": ("Queue wait", " ms", "ms before placement", "#f39c12"),
    "resource_efficiency": ("Resource efficiency", "%", "used / allocated (%)", "#b07cd8"),
}
RANGES = (15, 30, 60, 0)  # minutes; 0 is the whole live window


def range_rows(view: LiveView, minutes: int) -> slice:
    """Rows of the last `minutes` minutes of the view (all rows for 0)."""
    if not minutes or view.is_empty:
        return slice(0, view.n_ticks)
    start = view.timestamps[-1] - minutes * 60.0
    return slice(int(np.searchsorted(view.timestamps, start, side="right")), view.n_ticks)


@dataclass(frozen=True)
class KpiStats:
    """A KPI over a range: samples, mean, 95th percentile and latest, NaN when there are none."""

    samples: int
    mean: float
    p95: float
    latest: float


def kpi_stats(view: LiveView, column: str, minutes: int) -> KpiStats:
    """Summary of one KPI over the range (ticks without KPIs are skipped)."""
    values = view.performance[column][range_rows(view, minutes)]
    values = values[~np.isnan(values)]
    if not values.size:
        return KpiStats(0, math.nan, math.nan, math.nan)
    return KpiStats(int(values.size), float(values.mean()), float(np.percentile(values, 95)),
                    float(values[-1]))


def kpi_figure(view: LiveView, *, column: str, minutes: int, theme: Theme) -> go.Figure:
    """The KPI over the range, min/max-preserving decimated, with its mean as a dotted line."""
    title, unit, ytitle, color = KPIS[column]
    rows = range_rows(view, minutes)
    y = view.performance[column][rows]
    if not np.isfinite(y).any():
        return empty_figure(f"No {title.lower()} samples in this range yet.", theme, height=260)
    if unit == " ms" and np.nanmax(y) >= 10_000:  # minutes of queueing read better in seconds
        y, unit, ytitle = y / 1000.0, " s", ytitle.replace("ms", "s", 1)
    x, mean = axis_time(view.timestamps[rows]), float(np.nanmean(y))
    dx, dy = minmax_decimate(x, y)
    series = dict(type="scatter", x=dx, y=dy.astype(np.float32), mode="lines", name=title,
                  line=dict(color=color, width=1.8), connectgaps=False,
                  hovertemplate=f"%{{y:.3g}}{unit}<extra></extra>")
    mean_line = dict(type="scatter", x=dx[[0, -1]], y=np.array([mean, mean], dtype=np.float32),
                     mode="lines", name="mean", hoverinfo="skip",
                     line=dict(color=color, width=1, dash="dot"))
    layout = base_layout(theme, uirevision=f"perf-{column}-{minutes}", height=260, ytitle=ytitle,
                         legend=False)
    return figure([series, mean_line], merged(layout, hovermode="x unified", margin=dict(t=12)))
