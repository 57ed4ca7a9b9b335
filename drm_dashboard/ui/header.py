"""The header, always visible: source, its health, last update, update interval."""

from __future__ import annotations

import time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, html

from . import ids
from .context import UIContext
from .status import clock_time, health_badge


def layout(ctx: UIContext) -> dbc.Navbar:
    """Static parts are rendered once; health and time refresh every interval."""
    simulated = [dbc.Badge("simulated load", color="info", className="ms-2",
                           title="The embedded demo workload drives a real resource manager; "
                                 "its tasks and usage are simulated.")] if ctx.simulated else []
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("DRM Performance Dashboard", className="fw-bold"),
        html.Div([html.Span("Source: ", className="text-muted"),
                  html.Span(ctx.source, id=ids.HEADER_SOURCE), *simulated], className="me-3"),
        html.Div([dbc.Badge("starting", id=ids.HEADER_HEALTH, color="secondary", className="me-2"),
                  html.Small(id=ids.HEADER_DETAIL, className="text-muted")], className="me-3"),
        html.Small([html.Span("Updated ", className="text-muted"), html.Span("—", id=ids.HEADER_UPDATED),
                    html.Span(f" · every {ctx.update_interval_s:g} s", className="text-muted")]),
    ], fluid=True), color="dark" if ctx.theme == "dark" else "light",
        dark=ctx.theme == "dark", className="mb-3 border-bottom")


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """Refresh the health badge and the time of the last update."""

    @app.callback(Output(ids.HEADER_HEALTH, "children"), Output(ids.HEADER_HEALTH, "color"),
                  Output(ids.HEADER_DETAIL, "children"), Output(ids.HEADER_UPDATED, "children"),
                  Input(ids.INTERVAL, "n_intervals"))
    def _refresh(_n: int) -> tuple[str, str, str, str]:
        health = ctx.health()
        badge = health_badge(health, time.time(), ctx.update_interval_s)
        return badge.label, badge.color, badge.detail, clock_time(health.last_success)
