"""System Overview tab: the pool's numbers now, and its utilization and load over the window."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from .. import ids
from ..cards import overview_kpis
from ..components import keep_zoom, kpi_card, live_graph, notice, panel
from ..context import UIContext
from ..figures.common import jsonable
from ..figures.overview import WAITING, load_figure, utilization_figure
from ..theme import theme_of

LABEL = "System Overview"
CARDS = "overview-cards"
UTILIZATION = "overview-utilization"
LOAD = "overview-load"
UTILIZATION_DATA = "overview-utilization-data"
LOAD_DATA = "overview-load-data"
RENDERED = "overview-rendered"


def layout() -> html.Div:
    """Cards on top, the two charts side by side under them."""
    return html.Div([
        dbc.Row(id=CARDS, className="g-3 mb-3"),
        dbc.Row([
            dbc.Col(panel("Resource utilization", live_graph(UTILIZATION, UTILIZATION_DATA, 340),
                          subtitle="used and allocated, % of pool capacity; ▲ ▼ scaling events"),
                    lg=7),
            dbc.Col(panel("Worker and task load", live_graph(LOAD, LOAD_DATA, 340),
                          subtitle="active and pending tasks, workers (right axis)"), lg=5),
        ], className="g-3"),
        dcc.Store(id=RENDERED),
    ])


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """Cards follow every tick (they are tiny); charts only while the tab is visible."""

    @app.callback(Output(CARDS, "children"), Input(ids.INTERVAL, "n_intervals"),
                  Input(ids.CLUSTER, "value"))
    def _cards(_n: int, cluster: str | None) -> Any:
        c = ctx.pick(cluster)
        view = c.live.view()
        if view.is_empty:
            return dbc.Col(notice(WAITING))
        return c.cache.get(view, (CARDS,), lambda: [
            dbc.Col(kpi_card(k), xs=12, sm=6, xl=3) for k in overview_kpis(view, c.window_words(view))])

    keep_zoom(app, UTILIZATION_DATA, UTILIZATION)
    keep_zoom(app, LOAD_DATA, LOAD)

    @app.callback(Output(UTILIZATION_DATA, "data"), Output(LOAD_DATA, "data"), Output(RENDERED, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  Input(ids.THEME, "data"), Input(ids.CLUSTER, "value"), Input(ids.RANGE, "data"),
                  State(RENDERED, "data"))
    def _charts(_n: int, active: str, theme: str, cluster: str | None, chosen: dict | None,
                rendered: str | None) -> tuple:
        c = ctx.pick(cluster)
        # the cards are the pool now; the charts show the chosen time range
        view, stamp = c.changed_view(LABEL, active, rendered, theme, chosen=chosen)
        look = theme_of(theme)
        figures = c.cache.get(view, (LABEL, look.name), lambda: (
            jsonable(utilization_figure(view, theme=look)), jsonable(load_figure(view, theme=look))))
        return (*figures, stamp)
