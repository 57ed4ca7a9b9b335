"""Performance Metrics figures: one KPI over a chosen range, with its mean drawn for reference."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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
    span_s: float = 0.0  # seconds the range's ticks really cover


def kpi_stats(view: LiveView, column: str, minutes: int) -> KpiStats:
    """Summary of one KPI over the range (ticks without KPIs are skipped)."""
    rows = range_rows(view, minutes)
    values, ts = view.performance[column][rows], view.timestamps[rows]
    values = values[~np.isnan(values)]
    if not values.size:
        return KpiStats(0, math.nan, math.nan, math.nan)
    return KpiStats(int(values.size), float(values.mean()), float(np.percentile(values, 95)),
                    float(values[-1]), float(ts[-1] - ts[0]))


def forecast_traces(fc: Any, color: str, scale: float, unit: str) -> list[dict]:
    """The forecast's prediction interval as a band and its mean as a dashed line."""
    x = axis_time(np.asarray(fc.timestamps))
    lower, upper = np.asarray(fc.lower) / scale, np.asarray(fc.upper) / scale
    band = f"{int(round(fc.level * 100))}% interval"
    return [
        dict(type="scatter", x=x, y=upper.astype(np.float32), mode="lines", line=dict(width=0),
             hoverinfo="skip", showlegend=False, name=band),
        dict(type="scatter", x=x, y=lower.astype(np.float32), mode="lines", line=dict(width=0),
             fill="tonexty", fillcolor=_translucent(color), name=band,
             hovertemplate=f"{band}: %{{y:.3g}}{unit}<extra></extra>"),
        dict(type="scatter", x=x, y=(np.asarray(fc.mean) / scale).astype(np.float32), mode="lines",
             name="forecast", line=dict(color=color, width=1.5, dash="dash"),
             hovertemplate=f"forecast %{{y:.3g}}{unit}<extra></extra>"),
    ]


def _translucent(hex_color: str, alpha: float = 0.18) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def not_reported(view: LiveView, column: str) -> str:
    """Why a KPI has no line when the source sends KPIs but never this one; "" otherwise."""
    perf = view.performance
    if not view.n_ticks or np.isfinite(perf[column]).any():
        return ""
    if not any(np.isfinite(perf[c]).any() for c in KPIS):
        return "This source reports no performance metrics."
    return f"Not reported by this source: its metrics carry no {KPIS[column][0].lower()}."


def kpi_figure(view: LiveView, *, column: str, minutes: int, theme: Theme,
               forecast: Any = None) -> go.Figure:
    """The KPI over the range, min/max-preserving decimated, with its mean and any forecast."""
    title, unit, ytitle, color = KPIS[column]
    rows = range_rows(view, minutes)
    y = view.performance[column][rows]
    if not np.isfinite(y).any():
        return empty_figure(not_reported(view, column) or f"No {title.lower()} samples in this range yet.",
                            theme, height=260)
    scale = 1.0
    if unit == " ms" and np.nanmax(y) >= 10_000:  # minutes of queueing read better in seconds
        scale, unit, ytitle = 1000.0, " s", ytitle.replace("ms", "s", 1)
        y = y / scale
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
    extra = forecast_traces(forecast, color, scale, unit) if forecast is not None else []
    return figure([series, mean_line, *extra], merged(layout, hovermode="x unified", margin=dict(t=12)))
