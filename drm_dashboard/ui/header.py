"""The header, always visible: source, its health, last update, update interval, theme switch."""

from __future__ import annotations

import json
import time
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, html

from . import ids
from .context import UIContext
from .clusters import badges
from .status import clock_time, fleet_badge, health_badge
from .theme import LINK_ID, THEMES

# swaps the stylesheet in place (no reload, the user's zoom and choices stay) and recolours the bar
_SWITCH_THEME_JS = """
function(dark) {
    const themes = %s;
    const theme = themes[dark ? "dark" : "light"];
    const link = document.getElementById("%s");
    if (link && link.getAttribute("href") !== theme.css) { link.setAttribute("href", theme.css); }
    document.documentElement.setAttribute("data-drm-theme", theme.name);
    return [theme.name, theme.navbar];
}
"""


def _source(ctx: UIContext) -> html.Div:
    simulated = [dbc.Badge("simulated load", color="info", className="ms-2",
                           title="The embedded demo workload drives a real resource manager; "
                                 "its tasks and usage are simulated.")] if ctx.simulated else []
    if ctx.simulated and ctx.demo_speed != 1:
        simulated.append(dbc.Badge(f"{ctx.demo_speed:g}x real time", color="warning", id=ids.HEADER_SPEED,
                                   className="ms-1 text-dark",
                                   title=f"The simulated clock runs {ctx.demo_speed:g} times faster than "
                                         "the wall clock; polls still happen at the update interval."))
    return html.Div([html.Span("source", className="text-white-50 small me-2"),
                     html.Span(ctx.source, id=ids.HEADER_SOURCE, className="text-white"), *simulated],
                    className="me-4 d-flex align-items-center")


def layout(ctx: UIContext) -> dbc.Navbar:
    """Static parts are rendered once; health and time refresh every interval."""
    theme = THEMES[ctx.theme]
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand("DRM Performance Dashboard", className="fw-bold me-4"),
        _source(ctx),
        # the reason is cut to one line (full text on hover): the header never grows a second row
        html.Div([dbc.Badge("starting", id=ids.HEADER_HEALTH, color="secondary", className="me-2"),
                  html.Small(id=ids.HEADER_DETAIL, className="text-white-50 text-truncate drm-health-detail")],
                 className="me-4 d-flex align-items-center text-nowrap drm-health"),
        # several coordinators: each one's health beside the summary badge
        *([html.Div(id=ids.HEADER_CLUSTERS, className="me-4 d-flex align-items-center")]
          if ctx.clusters else []),
        html.Small([html.Span("updated ", className="text-white-50"),
                    html.Span("—", id=ids.HEADER_UPDATED, className="text-white"),
                    html.Span(f" · every {ctx.update_interval_s:g} s", className="text-white-50")]),
        # persistence in localStorage: the choice survives a reload
        html.Div(dbc.Switch(id=ids.THEME_SWITCH, label="dark theme", value=theme.dark,
                            persistence=True, persistence_type="local",
                            className="mb-0 small drm-theme-switch"),
                 className="ms-auto d-flex align-items-center"),
    ], fluid=True, className="flex-nowrap gap-1"), id=ids.NAVBAR, color=theme.navbar, dark=True,
        className="mb-3 shadow-sm")


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """Refresh the health badge and the time of the last update; switch themes in the browser."""

    @app.callback(Output(ids.HEADER_HEALTH, "children"), Output(ids.HEADER_HEALTH, "color"),
                  Output(ids.HEADER_DETAIL, "children"), Output(ids.HEADER_DETAIL, "title"),
                  Output(ids.HEADER_UPDATED, "children"), Input(ids.INTERVAL, "n_intervals"))
    def _refresh(_n: int) -> tuple[str, str, str, str, str]:
        # the detail is cut to one line in the header; its full text is the tooltip
        if ctx.cluster_health:  # several clusters: how many are live, and the newest update
            badge = fleet_badge(badges(ctx, time.time()))
            last = max((h.last_success or 0.0 for h in ctx.cluster_health().values()), default=0.0)
            return badge.label, badge.color, badge.detail, badge.detail, clock_time(last or None)
        health = ctx.health()
        badge = health_badge(health, time.time(), ctx.update_interval_s)
        return badge.label, badge.color, badge.detail, badge.detail, clock_time(health.last_success)

    themes = {t.name: {"name": t.name, "css": t.css_url, "navbar": t.navbar} for t in THEMES.values()}
    app.clientside_callback(_SWITCH_THEME_JS % (json.dumps(themes), LINK_ID),
                            Output(ids.THEME, "data"), Output(ids.NAVBAR, "color"),
                            Input(ids.THEME_SWITCH, "value"))
