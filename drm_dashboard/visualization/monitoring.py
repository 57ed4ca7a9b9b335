"""MonitoringDashboard: the monitoring web app whose /drm-dashboard shows the DRM charts (Flask, as Dash uses)."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import flask

from ..server import BackgroundServer
from ..threads import wait_until_stopped
from ..ui.theme import THEMES, register_css_route
from .charts import CHARTS
from .monitoring_legacy import action_note, register_legacy_routes
from .monitoring_page import PAGE, PageState, render_notice, render_page
from .static import PLOTLY_JS, UI_ASSETS
from .summary import cards

if TYPE_CHECKING:
    from .integration import DRMVisualizationIntegration

log = logging.getLogger(__name__)
NOT_CONFIGURED = ("DRM visualization is not configured",
                  "Set dashboard.drm_visualization_integration to a DRMVisualizationIntegration "
                  "(run_dashboard_with_drm_visualization.py does) to see the DRM charts here.")


class MonitoringDashboard:
    """Serves /drm-dashboard from its drm_visualization_integration; run() blocks, start()/stop() do not."""

    def __init__(self, host: str = "localhost", port: int = 8080,
                 dashboard_dir: str | Path = "dashboards", *, theme: str = "dark",
                 auto_refresh: int = 0) -> None:
        self.host = host
        self.port = port
        self.dashboard_dir = Path(dashboard_dir)
        self.theme = theme
        self.auto_refresh = auto_refresh
        self.drm_visualization_integration: DRMVisualizationIntegration | None = None
        self.app = create_monitoring_app(self)
        self._server: BackgroundServer | None = None
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        return self._server.url if self._server else f"http://{self.host}:{self.port}/"

    def start(self) -> str:
        """Start the integration's threads and serve; the page's URL once the socket accepts."""
        if self._server is not None:
            return self.url + PAGE.lstrip("/")
        server = BackgroundServer(self.app, self.host, self.port)  # a taken port fails here, first
        integration = self.drm_visualization_integration
        if integration is not None:
            integration.start()
        server.start()
        self._server = server
        self._stopped.clear()
        return self.url + PAGE.lstrip("/")

    def run(self) -> None:
        """Serve until stop(), Ctrl-C or SIGTERM (raised as KeyboardInterrupt by the script)."""
        try:
            # start inside the try: a Ctrl-C while the server comes up also stops it cleanly
            log.info("monitoring dashboard at %s", self.start())
            wait_until_stopped(self._stopped)
        except KeyboardInterrupt:
            log.info("interrupted while starting; shutting down")
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving and the integration's threads and servers; frees the port; safe twice."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        if self.drm_visualization_integration is not None:
            self.drm_visualization_integration.cleanup()
        self._stopped.set()


def _integration(dash: MonitoringDashboard) -> DRMVisualizationIntegration | None:
    return dash.drm_visualization_integration


def create_monitoring_app(dash: MonitoringDashboard) -> flask.Flask:
    """The Flask app: /, /drm-dashboard and the chart files, summary, report and live-page routes."""
    app = flask.Flask(__name__)
    register_css_route(app)
    register_legacy_routes(app, dash)

    @app.get("/")
    def index() -> flask.Response:
        return flask.redirect(PAGE)

    @app.get(PAGE)
    def drm_dashboard() -> str:
        state = PageState.from_args(flask.request.args, dash.theme, dash.auto_refresh)
        integration = _integration(dash)
        if integration is None:
            return render_notice(state.theme, *NOT_CONFIGURED)
        files = integration.update_visualizations(force=state.refresh, theme=state.theme)
        drawn = next(f for f in files if f.name == state.chart)
        summary = integration.get_resource_summary()
        note = action_note(flask.request.args, integration.get_dashboard_url())
        return render_page(state, items=cards(summary), source=integration.source_description, note=note,
                           simulated=integration.simulated, drawn_at=drawn.generated_at,
                           chart_src=f"{PAGE}/charts/{state.theme}/{state.chart}.html",
                           update_interval=integration.update_interval)

    @app.get(f"{PAGE}/charts/<theme>/<filename>")
    def chart_file(theme: str, filename: str) -> flask.Response:
        integration = _integration(dash)
        allowed = {f"{name}.html" for name in CHARTS} | {PLOTLY_JS}
        if integration is None or theme not in THEMES or filename not in allowed:
            flask.abort(404)
        return flask.send_from_directory(integration.chart_dir(theme).resolve(), filename)

    @app.get(f"{PAGE}/assets/drm.css")
    def drm_css() -> flask.Response:
        return flask.send_from_directory(UI_ASSETS, "drm.css")

    @app.get(f"{PAGE}/summary.json")
    def summary_json() -> flask.Response:
        integration = _integration(dash)
        if integration is None:
            flask.abort(404)
        body = json.dumps(integration.get_resource_summary().to_dict(), allow_nan=False)
        return flask.Response(body, mimetype="application/json")

    @app.get(f"{PAGE}/report")
    def report() -> flask.Response:
        integration = _integration(dash)
        if integration is None:
            flask.abort(404)
        index = integration.create_dashboard(dash.dashboard_dir / "drm-report")
        return flask.send_from_directory(index.parent.resolve(), index.name)

    @app.post(f"{PAGE}/live")
    def live() -> flask.Response:
        integration = _integration(dash)
        if integration is None:
            flask.abort(404)
        return flask.redirect(integration.start_dashboard_server(port=0, host=dash.host), code=303)

    return app
