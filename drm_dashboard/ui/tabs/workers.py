"""Worker Details tab: chosen workers compared over time, and a heatmap of every worker."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from .. import ids
from ..components import keep_zoom, live_graph, panel, segmented
from ..context import UIContext
from ..figures.common import jsonable
from ..figures.workers import (METRICS, busiest, chosen_workers, heatmap_figure, selection_note,
                               worker_timeseries_figure)
from ..theme import theme_of

LABEL = "Worker Details"
LABELS = {"cpu": "CPU", "memory": "Memory", "gpu": "GPU", "tasks": "Tasks"}
METRIC = "workers-metric"
CHOICE = "workers-choice"
NOTE = "workers-note"
LINES = "workers-lines"
HEATMAP = "workers-heatmap"
LINES_DATA = "workers-lines-data"
HEATMAP_DATA = "workers-heatmap-data"
RENDERED = "workers-rendered"
OPTIONS_KEY = "workers-options-key"


def _controls() -> dbc.Row:
    metric = segmented(METRIC, [{"label": v, "value": k} for k, v in LABELS.items()],
                       "cpu")
    choice = dcc.Dropdown(id=CHOICE, multi=True, options=[], placeholder="Workers to compare",
                          className="drm-dropdown")
    return dbc.Row([
        dbc.Col([html.Div("Metric", className="small text-muted mb-1"), metric], md="auto"),
        dbc.Col([html.Div("Workers to compare", className="small text-muted mb-1"), choice]),
    ], className="g-3 mb-2 align-items-end")


def layout() -> html.Div:
    """Controls, then the comparison chart, then the heatmap of all workers."""
    return html.Div([
        _controls(),
        html.Div(id=NOTE, className="small text-muted mb-2"),
        panel("Chosen workers over time", live_graph(LINES, LINES_DATA, 360), class_name="mb-3"),
        panel("Every worker over time", live_graph(HEATMAP, HEATMAP_DATA, 320),
              subtitle="bucket means; blank cells: the worker was not reporting"),
        dcc.Store(id=RENDERED), dcc.Store(id=OPTIONS_KEY),
    ])


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """Options follow the set of workers; charts follow ticks, metric and choice."""

    @app.callback(Output(CHOICE, "options"), Output(CHOICE, "value"), Output(OPTIONS_KEY, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  State(CHOICE, "value"), State(OPTIONS_KEY, "data"))
    def _options(_n: int, active: str, value: list[str] | None, shown: str | None) -> tuple:
        view = ctx.live.view()
        key = f"{view.n_workers}:{view.worker_ids[:1]}:{view.worker_ids[-1:]}"
        if active != LABEL or (key == shown and value is not None):
            return no_update, no_update, no_update
        options = ctx.cache.get(view, (OPTIONS_KEY,), lambda: sorted(view.worker_ids))
        # pre-select the busiest once; after that the choice is the user's, even when emptied
        return options, busiest(view) if value is None else no_update, key

    keep_zoom(app, LINES_DATA, LINES)
    keep_zoom(app, HEATMAP_DATA, HEATMAP)

    @app.callback(Output(LINES_DATA, "data"), Output(HEATMAP_DATA, "data"), Output(NOTE, "children"),
                  Output(RENDERED, "data"), Input(ids.INTERVAL, "n_intervals"),
                  Input(ids.TABS, "active_tab"), Input(ids.THEME, "data"), Input(METRIC, "value"),
                  Input(CHOICE, "value"), State(RENDERED, "data"))
    def _charts(_n: int, active: str, theme: str, metric: str, value: list[str] | None,
                rendered: str | None) -> tuple:
        metric = metric if metric in METRICS else "cpu"
        chosen_key = tuple(str(v) for v in value or ())
        view, stamp = ctx.changed_view(LABEL, active, rendered, theme, metric, chosen_key)
        look = theme_of(theme)
        chosen, defaulted = ctx.cache.get(view, (CHOICE, metric, chosen_key),
                                          lambda: chosen_workers(view, chosen_key, metric))
        lines = ctx.cache.get(view, (LINES, look.name, metric, tuple(chosen)), lambda: jsonable(
            worker_timeseries_figure(view, worker_ids=chosen, metric=metric, theme=look)))
        heat = ctx.cache.get(view, (HEATMAP, look.name, metric),
                             lambda: jsonable(heatmap_figure(view, metric=metric, theme=look)))
        return lines, heat, selection_note(view, chosen, defaulted, metric), stamp
