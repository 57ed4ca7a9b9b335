"""create_app: the Dash app over a UIContext; the only place tabs are assembled."""

from __future__ import annotations

import threading

import dash
import flask
import dash_bootstrap_components as dbc
from dash import dcc, html

from . import clusters, header, ids
from .context import UIContext
from .figures.common import offset_label
from . import timerange
from .tabs import alerts, overview, performance, scaling, workers
from .theme import THEMES, register_css_route, stylesheet

TABS = (overview, workers, performance, scaling, alerts)
CALLBACK_PATH = "/_dash-update-component"
# longer than any callback takes; a queue that deep means the server is overloaded
CALLBACK_WAIT_S = 10.0

__all__ = ["TABS", "UIContext", "create_app"]


def _footer(ctx: UIContext) -> html.Footer:
    simulated = " The embedded demo's load is simulated." if ctx.simulated else ""
    return html.Footer(html.Small(
        f"Times are the server's local time ({offset_label()}). The live window keeps the last "
        f"{ctx.retention_min:.0f} minutes and refreshes every {ctx.update_interval_s:g} s.{simulated}",
        className="text-muted"), className="drm-footer mt-3 mb-2")


def build_layout(ctx: UIContext) -> html.Div:
    """Header, the five tabs, and the stores every callback shares."""
    return html.Div([
        dcc.Interval(id=ids.INTERVAL, interval=int(ctx.update_interval_s * 1000), n_intervals=0),
        dcc.Store(id=ids.THEME, data=ctx.theme),
        header.layout(ctx),
        dbc.Container([
            clusters.picker(ctx),
            timerange.layout(),
            dbc.Tabs(id=ids.TABS, active_tab=TABS[0].LABEL, className="mb-3", children=[
                # the Scaling tab's replay starts from the running policy's numbers when known
                dbc.Tab(tab.layout(ctx.policy) if tab is scaling else tab.layout(), label=tab.LABEL,
                        tab_id=tab.LABEL) for tab in TABS]),
            _footer(ctx),
        ], fluid=True),
    ])


def one_callback_at_a_time(server: flask.Flask, wait_s: float = CALLBACK_WAIT_S) -> None:
    """Callback requests take turns, so viewers never crowd the collector out of the GIL."""
    # 20 browsers answered in parallel are 20 threads asking for the GIL each time the collector
    # lets go of it; in turns they are one, and a tick waits for at most one request's slice.
    # The server (waitress) has read the whole body before this runs, so a client that stalls
    # mid-request never holds the gate; a turn waited for longer than wait_s is refused (503).
    gate = threading.Lock()

    @server.before_request
    def _enter() -> flask.Response | None:
        if flask.request.path.endswith(CALLBACK_PATH):
            if not gate.acquire(timeout=wait_s):
                return flask.Response("busy; the page retries on its next refresh", status=503,
                                      headers={"Retry-After": "1"}, mimetype="text/plain")
            flask.g.drm_gate = True
        return None

    @server.teardown_request
    def _leave(_exc: BaseException | None) -> None:
        if flask.g.pop("drm_gate", False):
            gate.release()


def create_app(ctx: UIContext) -> dash.Dash:
    """Build the app; CSS and scripts are served by this process, never from a CDN."""
    app = dash.Dash(__name__, title="DRM Performance Dashboard", update_title=None,
                    external_stylesheets=[stylesheet(THEMES[ctx.theme])], serve_locally=True,
                    suppress_callback_exceptions=False)
    register_css_route(app.server)
    one_callback_at_a_time(app.server)
    if ctx.debug:
        # no version check: the page makes no request outside this server, in debug mode or not
        app.enable_dev_tools(debug=True, dev_tools_hot_reload=False, dev_tools_disable_version_check=True)
    app.layout = build_layout(ctx)
    header.register_callbacks(app, ctx)
    clusters.register_callbacks(app, ctx)
    timerange.register_callbacks(app, ctx)
    for tab in TABS:
        tab.register_callbacks(app, ctx)
    return app
