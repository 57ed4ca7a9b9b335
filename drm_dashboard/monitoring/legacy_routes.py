"""The original monitoring dashboard's URLs, kept read-only: chart files and ?action= links."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

import flask

from ..ui.theme import THEMES
from ..report.charts import CHARTS
from .page import PAGE
from ..report.static import PLOTLY_JS

if TYPE_CHECKING:
    from .app import MonitoringDashboard

STATIC = "/static/drm_visualizations"
# a GET never changes state: the original's links now only say where the action lives
ACTION_NOTES = {
    "start-server": "A link does not start the live dashboard (a GET never changes state): "
                    "use the “Open live dashboard” button on this page.",
    "stop-server": "A link does not stop the live dashboard (a GET never changes state): "
                   "it stops when this monitoring server stops.",
}


def action_note(args: Mapping[str, str], live_url: str | None) -> str:
    """What `?action=start-server|stop-server` gets beside the page; "" for no or another action."""
    note = ACTION_NOTES.get(args.get("action", ""), "")
    if note and live_url:
        note += f" It is running now at {live_url}."
    elif note:
        note += " It is not running now."
    return note


def register_legacy_routes(app: flask.Flask, dash: MonitoringDashboard) -> None:
    """/static/drm_visualizations/<chart>.html (or .png), <theme>/<chart>.html, dashboard.html."""

    @app.get(f"{STATIC}/<path:filename>")
    def original_chart(filename: str) -> Any:
        integration = dash.drm_visualization_integration
        if integration is None:
            flask.abort(404)
        theme, _, name = filename.rpartition("/")
        theme = theme or dash.theme
        stem, _, ext = name.rpartition(".")
        if name == "dashboard.html":  # the original's combined page is our whole report
            return flask.redirect(f"{PAGE}/report")
        if theme not in THEMES or (stem not in CHARTS and name != PLOTLY_JS):
            flask.abort(404)
        if ext == "png":  # the page charts are interactive files; the same chart, by its name
            return flask.redirect(f"{STATIC}/{theme}/{stem}.html")
        if ext not in ("html", "js"):
            flask.abort(404)
        integration.update_visualizations(theme=theme)  # drawn when stale, as the page does
        return flask.send_from_directory(integration.chart_dir(theme).resolve(), name)
