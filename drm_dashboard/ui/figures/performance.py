"""Performance Metrics figures: one KPI over a chosen range, with its mean drawn for reference."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import plotly.graph_objects as go

from ...catalog import CATALOG
from ...store.live import LiveView
from ..units import plain
from ...analytics.efficiency import pool_efficiency
from ..theme import Theme
from .common import axis_time, base_layout, empty_figure, figure, fitted_axis, merged, series_xy

# one chart per catalogued metric with an axis title, coloured in catalog order
_COLORS = ("#00bc8c", "#3498db", "#f39c12", "#b07cd8", "#e74c3c", "#1abc9c")
# column -> (title, unit shown after values, y-axis title, colour); all but the colour from the catalog
KPIS = {m.name: (m.title, m.suffix, m.axis, _COLORS[i % len(_COLORS)])
        for i, m in enumerate(m for m in CATALOG if m.axis)}
RANGES = (15, 30, 60, 0)  # minutes; 0 is the whole live window


def range_rows(view: LiveView, minutes: int) -> slice:
    """Rows of the last `minutes` minutes of the view (all rows for 0)."""
    if not minutes or view.is_empty:
        return slice(0, view.n_ticks)
    start = view.timestamps[-1] - minutes * 60.0
    return slice(int(np.searchsorted(view.timestamps, start, side="right")), view.n_ticks)


def kpi_values(view: LiveView, column: str) -> np.ndarray:
    """The KPI column with 0 / 0 as NaN: efficiency means nothing while nothing is allocated."""
    values = view.performance[column]
    if column == "resource_efficiency":
        return pool_efficiency(values, view.system["allocated"])
    return values


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
    values, ts = kpi_values(view, column)[rows], view.timestamps[rows]
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


def forecast_ready(view: LiveView, column: str, fc: Any) -> bool:
    """A forecast is drawn only over at least as much history as it looks ahead."""
    if fc is None:
        return False
    values = view.performance[column] if column in view.performance else view.system[column]
    seen = view.timestamps[np.isfinite(values)]
    horizon = float(fc.timestamps[-1] - fc.timestamps[0] + fc.step_s)
    return seen.size > 1 and float(seen[-1] - seen[0]) >= horizon


def change_traces(findings: Sequence[Any], color: str, scale: float, unit: str,
                  x_range: tuple[float, float]) -> list[dict]:
    """Each change point as a vertical line, with the levels before and after it as segments."""
    traces: list[dict] = []
    for f in findings:
        at = float(axis_time(np.array([f.timestamp]))[0])
        if not x_range[0] <= at <= x_range[1]:
            continue
        before, after = f.before / scale, f.after / scale
        name = f"change at {time.strftime('%H:%M:%S', time.localtime(f.timestamp))}"
        traces.append(dict(type="scatter", x=[at, at], y=[min(before, after) * 0.8, max(before, after) * 1.1],
                           mode="lines", name=name, legendgroup=name,
                           line=dict(color="#e74c3c", width=1.5, dash="dash"),
                           hovertemplate=f"{name}<extra></extra>"))
        traces.append(dict(type="scatter", x=[x_range[0], at, at, x_range[1]],
                           y=[before, before, after, after], mode="lines", legendgroup=name,
                           name=f"level before / after ({before:,.2f}{unit} → {after:,.2f}{unit})",
                           line=dict(color="#e74c3c", width=1, dash="dot"),
                           hovertemplate=f"level %{{y:,.2f}}{unit}<extra></extra>"))
    return traces


def not_reported(view: LiveView, column: str) -> str:
    """Why a KPI has no line when the source sends KPIs but never this one; "" otherwise."""
    perf = view.performance
    if not view.n_ticks or np.isfinite(perf[column]).any():
        return ""
    if not any(np.isfinite(perf[c]).any() for c in KPIS):
        return "This source reports no performance metrics."
    return f"Not reported by this source: its metrics carry no {KPIS[column][0].lower()}."


def kpi_figure(view: LiveView, *, column: str, minutes: int, theme: Theme,
               forecast: Any = None, findings: Sequence[Any] = ()) -> go.Figure:
    """The KPI over the range (broken at gaps), its mean, change points and any forecast."""
    title, unit, ytitle, color = KPIS[column]
    rows = range_rows(view, minutes)
    y = kpi_values(view, column)[rows]
    if not np.isfinite(y).any():
        return empty_figure(not_reported(view, column) or f"No {title.lower()} samples in this range yet.",
                            theme, height=260)
    scale = 1.0
    if unit == " ms" and np.nanmax(y) >= 10_000:  # minutes of queueing read better in seconds
        scale, unit, ytitle = 1000.0, " s", ytitle.replace("ms", "s", 1)
        y = y / scale
    mean = float(np.nanmean(y))
    dx, dy = series_xy(view.timestamps[rows], y)
    series = dict(type="scatter", x=dx, y=dy.astype(np.float32), mode="lines", name=title,
                  line=dict(color=color, width=1.8), connectgaps=False,
                  hovertemplate=f"%{{y:,.2f}}{unit}<extra>{title}</extra>")
    ends = (float(np.nanmin(dx)), float(np.nanmax(dx)))
    mean_line = dict(type="scatter", x=np.array(ends), y=np.array([mean, mean], dtype=np.float32),
                     mode="lines", name=f"mean {plain(mean, unit)}", hoverinfo="skip",
                     line=dict(color=color, width=1, dash="dot"))
    layout = base_layout(theme, uirevision=f"perf-{column}-{minutes}", height=260, ytitle=ytitle)
    drawn = forecast if forecast_ready(view, column, forecast) else None
    extra = forecast_traces(drawn, color, scale, unit) if drawn is not None else []
    marks = change_traces([f for f in findings if f.metric == column], color, scale, unit, ends)
    # the axis follows the data: a wide forecast band is clipped at the edge, not the data squashed
    return figure([series, mean_line, *marks, *extra], merged(
        layout, hovermode="x unified", margin=dict(t=12), yaxis=fitted_axis(y),
        legend=dict(font=dict(size=10))))
