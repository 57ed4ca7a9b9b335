"""Performance Metrics tab: throughput, allocation time, queue wait, efficiency, and regressions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from .. import ids
from ..clusters import cluster_tag
from ..components import keep_zoom, live_graph, panel, segmented
from ..context import UIContext
from ..figures.common import jsonable
from ..figures.performance import (KPIS, RANGES, KpiStats, forecast_ready, kpi_figure, kpi_stats,
                                   not_reported)
from ..regressions import RegressionPanel, finding_text, panel_for, statistic_text
from ..units import NOT_REPORTED, duration_ms, plural
from ..status import clock_time
from ..theme import theme_of

LABEL = "Performance Metrics"
RANGE = "perf-range"
REGRESSIONS = "perf-regressions"
RENDERED = "perf-rendered"
GRAPHS = {column: f"perf-{column.replace('_', '-')}" for column in KPIS}
DATA = {column: f"perf-{column.replace('_', '-')}-data" for column in KPIS}
STATS = {column: f"perf-stats-{column.replace('_', '-')}" for column in KPIS}


def layout() -> html.Div:
    """Range picker, a 2 x 2 grid of KPI charts, and the regression panel."""
    cells = [dbc.Col(panel(KPIS[c][0], [html.Div(id=STATS[c], className="small px-2 pt-1"),
                                        live_graph(GRAPHS[c], DATA[c], 260)]), lg=6) for c in KPIS]
    return html.Div([
        html.Div([html.Span("Range", className="small text-muted me-2"), segmented(RANGE, [
            {"label": f"{m} min" if m else "all", "value": m} for m in RANGES], 60)],
                 className="mb-2 d-flex align-items-center"),
        dbc.Row(cells, className="g-3 mb-3"),
        panel("Regressions", html.Div(id=REGRESSIONS, className="p-1"),
              subtitle="change points in the performance series; hover a finding for its test "
                       "statistics"),
        dcc.Store(id=RENDERED),
    ])


def _fmt(value: float, unit: str) -> str:
    if math.isnan(value):
        return NOT_REPORTED
    if unit == " ms":
        return duration_ms(value)
    return f"{value:,.2f}{unit}" if abs(value) < 10 else f"{value:,.0f}{unit}"


def stats_line(stats: KpiStats, unit: str, minutes: int) -> str:
    """'latest 1.2/s · mean 1.0/s · p95 1.9/s over 60 min (720 samples)'."""
    if not stats.samples:
        return "not reported in this range"
    # a range longer than the data so far says how much data there really is
    full = minutes and stats.span_s >= minutes * 60 - 60
    span = f"{minutes} min" if full else f"the {_span(stats.span_s)} so far"
    return (f"latest {_fmt(stats.latest, unit)} · mean {_fmt(stats.mean, unit)} · "
            f"p95 {_fmt(stats.p95, unit)} over {span} ({plural(stats.samples, 'sample')})")


def trend_line(forecast: Any, eta: Any, unit: str, *, ready: bool = True, observed_max: float = math.nan,
               span_s: float = 0.0) -> str:
    """'Trend: 3.1 ms in 10 min (2.5 ms to 3.8 ms, 90% interval)', the ETA, or why there is none."""
    if forecast is None:
        return "Trend: forecast after a few more samples"
    minutes = (forecast.timestamps[-1] - forecast.timestamps[0] + forecast.step_s) / 60.0
    if not ready:  # a forecast further ahead than the history behind it is a guess
        return (f"Trend: a {minutes:.0f} min forecast needs {minutes:.0f} min of data "
                f"({_span(span_s)} so far)")
    if eta is not None and eta.state in ("crossing", "at"):
        return f"Trend: {eta.message}"
    upper = float(forecast.upper[-1])
    width = "" if not observed_max > 0 or upper <= 3 * observed_max else (
        f"; the interval reaches {_fmt(upper, unit)}, over 3x the highest value seen "
        f"({_fmt(observed_max, unit)}): too wide to call")
    return (f"Trend: {_fmt(float(forecast.mean[-1]), unit)} in {minutes:.0f} min "
            f"({_fmt(float(forecast.lower[-1]), unit)} to {_fmt(upper, unit)}, "
            f"{forecast.level:.0%} interval){width}" + (f"; {eta.message}" if eta is not None else ""))


def _stats_and_trend(view: Any, column: str, minutes: int, forecast: Any, eta: Any) -> list:
    unit = KPIS[column][1]
    values = view.performance[column]
    seen = view.timestamps[np.isfinite(values)]
    top = float(np.nanmax(values)) if seen.size else math.nan
    trend = trend_line(forecast, eta, unit, ready=forecast_ready(view, column, forecast),
                       observed_max=top, span_s=float(seen[-1] - seen[0]) if seen.size else 0.0)
    missing = not_reported(view, column)
    return [html.Div(missing or stats_line(kpi_stats(view, column, minutes), unit, minutes)),
            html.Div(trend, className="text-muted")]


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7_200:
        return f"{seconds / 60:.0f} min"
    # a range read from the history file spans hours or days
    return f"{seconds / 3600:.0f} h" if seconds < 172_800 else f"{seconds / 86_400:.1f} days"


_DIRECTION = {"regression": "danger", "improvement": "success", "neutral": "secondary"}


def regression_children(result: RegressionPanel) -> list:
    """Headline badge, the detectors' state, and one row per finding."""
    out: list = [html.Div(dbc.Badge(result.headline, color=result.color, className="fs-6 text-wrap"),
                          className="mb-2")]
    out += [html.Div(line, className="small text-muted") for line in result.lines]
    rows = [html.Tr([html.Td(clock_time(f.timestamp), className="text-nowrap"),
                     html.Td(dbc.Badge(f.direction, color=_DIRECTION.get(f.direction, "secondary"))),
                     html.Td([*cluster_tag(getattr(f, "cluster", "")),
                              html.Span(finding_text(f), title=statistic_text(f),
                                        className="drm-finding")])])
            for f in sorted(result.findings, key=lambda f: f.timestamp, reverse=True)]
    if rows:
        out.append(dbc.Table(html.Tbody(rows), size="sm", className="mt-2 mb-0 small align-middle"))
    return out


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """One refresh for the whole tab, cached per (view, range, theme)."""

    for c in KPIS:
        keep_zoom(app, DATA[c], GRAPHS[c])
    outputs = [Output(DATA[c], "data") for c in KPIS] + [Output(STATS[c], "children") for c in KPIS]

    @app.callback(*outputs, Output(REGRESSIONS, "children"), Output(RENDERED, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  Input(ids.THEME, "data"), Input(RANGE, "value"), Input(ids.CLUSTER, "value"),
                  Input(ids.RANGE, "data"), State(RENDERED, "data"))
    def _refresh(_n: int, active: str, theme: str, minutes: int, cluster: str | None,
                 chosen: dict | None, rendered: str | None) -> tuple:
        c = ctx.pick(cluster)
        minutes = minutes if minutes in RANGES else 60
        view, stamp = c.changed_view(LABEL, active, rendered, theme, minutes, chosen=chosen)
        look = theme_of(theme)
        if view.history is not None:
            minutes = 0  # a chosen time range is shown whole; the minutes pick within the live window

        def build() -> tuple:
            # forecasts start at the newest tick: drawn on the live window only
            forecasts, etas = c.forecasts() if c.forecasts and view.history is None else ({}, {})
            found = panel_for(view, c.regressions, interval_s=c.update_interval_s)
            # the charts mark the findings the panel lists, so both tell the same story
            figures = [jsonable(kpi_figure(view, column=c, minutes=minutes, theme=look,
                                           forecast=forecasts.get(c), findings=found.findings))
                       for c in KPIS]
            lines = [_stats_and_trend(view, c, minutes, forecasts.get(c), etas.get(c)) for c in KPIS]
            return (*figures, *lines, regression_children(found))

        return (*c.cache.get(view, (LABEL, look.name, minutes), build), stamp)
