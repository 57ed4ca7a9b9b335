"""create_app: the Dash app over a UIContext; the only place tabs are assembled."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from . import header, ids
from .context import UIContext
from .tabs import overview
from .theme import THEMES, register_css_route

TABS = (overview,)

__all__ = ["UIContext", "create_app"]


def create_app(ctx: UIContext) -> dash.Dash:
    """Build the app; CSS and scripts are served by this process, never from a CDN."""
    theme = THEMES[ctx.theme]
    app = dash.Dash(__name__, title="DRM Performance Dashboard", update_title=None,
                    external_stylesheets=[theme.css_url], serve_locally=True,
                    suppress_callback_exceptions=False)
    register_css_route(app.server)
    if ctx.debug:
        app.enable_dev_tools(debug=True, dev_tools_hot_reload=False)
    app.layout = html.Div([
        dcc.Interval(id=ids.INTERVAL, interval=int(ctx.update_interval_s * 1000), n_intervals=0),
        header.layout(ctx),
        dbc.Container(dbc.Tabs(id=ids.TABS, active_tab=TABS[0].LABEL, className="mb-3", children=[
            dbc.Tab(tab.layout(), label=tab.LABEL, tab_id=tab.LABEL) for tab in TABS]), fluid=True),
    ])
    header.register_callbacks(app, ctx)
    for tab in TABS:
        tab.register_callbacks(app, ctx)
    return app
