"""The live report page: summary cards and one tab per chart, refreshed by polling as samples arrive."""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from ..guard import Exposure, content_security_policy
from ..server import BackgroundServer
from ..ui.components import kpi_card
from ..ui.figures.common import offset_label
from ..ui.theme import register_css_route, stylesheet
from .charts import CHARTS, build
from .static import UI_ASSETS
from .cards import cards

if TYPE_CHECKING:
    from .visualization import DRMVisualization

INTERVAL = "report-interval"
STAMP = "report-stamp"
CARDS = "report-cards"
UPDATED = "report-updated"
SAMPLES = "report-samples"
TABS = "report-tabs"
GRAPH = "report-graph"
# the page asks at least this often; a poll that finds no new sample costs one comparison
MAX_POLL_S = 5.0
_GRAPH_CONFIG = {"displaylogo": False, "responsive": True}


def poll_ms(update_interval_s: float) -> int:
    """How often the page asks for news: the collector's interval, at most MAX_POLL_S."""
    return int(max(0.2, min(update_interval_s, MAX_POLL_S)) * 1000)


def _navbar(viz: DRMVisualization) -> dbc.Navbar:
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("DRM resource dashboard", className="fw-bold me-4"),
        html.Small([html.Span("source ", className="text-white-50"),
                    html.Span(viz.source_description, className="text-white me-4")]),
        html.Small([html.Span("updated ", className="text-white-50"),
                    html.Span("—", id=UPDATED, className="text-white"),
                    html.Span(" · ", className="text-white-50"),
                    html.Span("0", id=SAMPLES, className="text-white"),
                    html.Span(" samples", className="text-white-50")]),
    ], fluid=True), color=viz.theme.navbar, dark=True, className="mb-3 shadow-sm")


def layout(viz: DRMVisualization) -> html.Div:
    """Navbar, cards, a tab per chart over one graph; data arrives by the first poll, not in the layout."""
    first = next(iter(CHARTS))
    return html.Div([
        dcc.Interval(id=INTERVAL, interval=poll_ms(viz.update_interval), n_intervals=0),
        dcc.Store(id=STAMP),
        _navbar(viz),
        dbc.Container([
            dbc.Row(id=CARDS, className="g-3 mb-3"),
            dbc.Tabs(id=TABS, active_tab=first, className="mb-2",
                     children=[dbc.Tab(label=title, tab_id=name) for name, title in CHARTS.items()]),
            dcc.Loading(dcc.Graph(id=GRAPH, config=_GRAPH_CONFIG, style={"minHeight": "420px"}),
                        delay_show=400),
            html.Footer(html.Small(f"Times are the server's local time ({offset_label()}). The page asks "
                                   f"for new samples every {poll_ms(viz.update_interval) / 1000:g} s.",
                                   className="text-muted"), className="mt-3 mb-2"),
        ], fluid=True),
    ])


def _card_row(inputs: Any) -> list[dbc.Col]:
    return [dbc.Col(kpi_card(c), xs=12, sm=6, lg=3, xl=True)
            for c in cards(inputs.summary)]


def register_callbacks(app: dash.Dash, viz: DRMVisualization) -> None:
    """One thin refresh: when a sample arrived (or the tab changed), redraw cards and the shown chart."""

    @app.callback(Output(CARDS, "children"), Output(GRAPH, "figure"), Output(UPDATED, "children"),
                  Output(SAMPLES, "children"), Output(STAMP, "data"),
                  Input(INTERVAL, "n_intervals"), Input(TABS, "active_tab"), State(STAMP, "data"),
                  # pause the poll while an answer is on its way: on a busy server an answer slower
                  # than the interval would otherwise be superseded every time and never shown
                  running=[(Output(INTERVAL, "disabled"), True, False)])
    def _refresh(_n: int, tab: str | None, stamp: str | None) -> tuple[Any, ...]:
        view = viz.live.view()
        tab = tab if tab in CHARTS else next(iter(CHARTS))
        fresh = f"{view.seq}|{tab}"
        if fresh == stamp:
            raise PreventUpdate
        inputs = viz.inputs_for(view)
        figure = build(tab, inputs, viz.theme).figure
        figure.update_layout(uirevision=tab)  # a refresh keeps the user's zoom
        last = view.last_timestamp
        updated = "—" if last is None else time.strftime("%H:%M:%S", time.localtime(last))
        return _card_row(inputs), figure, updated, str(view.n_ticks), fresh


def create_report_app(viz: DRMVisualization) -> dash.Dash:
    """The Dash app of the live page; CSS and scripts come from this process, never a CDN."""
    # the live dashboard's own stylesheet, so cards and tabs look the same in both
    app = dash.Dash(__name__, title="DRM resource dashboard", update_title=None, serve_locally=True,
                    assets_folder=str(UI_ASSETS), external_stylesheets=[stylesheet(viz.theme)])
    register_css_route(app.server)
    app.layout = layout(viz)
    register_callbacks(app, viz)
    return app


class ReportServer:
    """The live page on a stoppable background server."""

    def __init__(self, viz: DRMVisualization, host: str, port: int, exposure: Exposure | None = None) -> None:
        self.app = create_report_app(viz)
        # Dash's one inline script is allowed by its hash; nothing else inline, nothing evaluated
        csp = content_security_policy(self.app.csp_hashes())
        self._server = BackgroundServer(self.app.server, host, port,
                                        dataclasses.replace(exposure or Exposure(), csp=csp))

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> None:
        """Serve; returns once the socket accepts connections."""
        self._server.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._server.stop()
