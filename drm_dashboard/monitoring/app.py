"""MonitoringDashboard: the monitoring web app whose /drm-dashboard shows the DRM charts (Flask, as Dash uses)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import flask

from ..guard import Exposure, RateRule, content_security_policy
from ..server import BackgroundServer
from ..threads import wait_until_stopped
from ..ui.theme import THEMES, register_css_route
from ..report.charts import CHARTS
from .legacy_routes import action_note, register_legacy_routes
from .page import PAGE, PageState, render_notice, render_page
from ..report.static import PLOTLY_JS, UI_ASSETS
from ..report.cards import cards

if TYPE_CHECKING:
    from .integration import DRMVisualizationIntegration

log = logging.getLogger(__name__)
# what costs a redraw (~0.3 s of CPU) or a new listener is limited per user (or address)
RATE_RULES = (RateRule("POST", f"{PAGE}/live", "6/minute"), RateRule("POST", f"{PAGE}/refresh", "12/minute"),
              RateRule("GET", f"{PAGE}/report", "6/minute"))
PAGE_CSP = content_security_policy()
# chart files and the one-file report are plotly's own HTML: inline scripts, framed by our page
CHART_CSP = content_security_policy(("'unsafe-inline'",), eval_scripts=True, framed_by_self=True)
PAGE_JS = ("document.getElementById('drm-auto-refresh')"
           ".addEventListener('change', function (e) { e.target.form.submit(); });")
NOT_CONFIGURED = ("DRM visualization is not configured",
                  "Set dashboard.drm_visualization_integration to a DRMVisualizationIntegration "
                  "(run_dashboard_with_drm_visualization.py does) to see the DRM charts here.")


class MonitoringDashboard:
    """Serves /drm-dashboard from its drm_visualization_integration; run() blocks, start()/stop() do not."""

    def __init__(self, host: str = "localhost", port: int = 8080,
                 dashboard_dir: str | Path = "dashboards", *, theme: str = "dark",
                 auto_refresh: int = 0, exposure: Exposure | None = None,
                 access_log: bool = False) -> None:
        self.host = host
        self.port = port
        self.dashboard_dir = Path(dashboard_dir)
        self.theme = theme
        self.auto_refresh = auto_refresh
        self.drm_visualization_integration: DRMVisualizationIntegration | None = None
        # auth, Host names and caps; the live page started from here is served with the same
        self.exposure = exposure or Exposure()
        self.access_log = access_log
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
        exposure = dataclasses.replace(self.exposure, rate_rules=RATE_RULES, csp=PAGE_CSP)
        # a taken port fails here
        server = BackgroundServer(self.app, self.host, self.port, exposure, access_log=self.access_log)
        integration = self.drm_visualization_integration
        if integration is not None:
            integration.visualization.exposure = self.exposure
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


def _framed(resp: flask.Response) -> flask.Response:
    """Plotly's HTML runs inline scripts and is shown in our page's iframe."""
    resp.headers["Content-Security-Policy"] = CHART_CSP
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    return resp


def _csrf(secret: bytes) -> str:
    """The form token of this user: state-changing POSTs must carry it back."""
    user = flask.request.environ.get("REMOTE_USER") or "-"
    return hmac.new(secret, user.encode(), hashlib.sha256).hexdigest()


def _check_csrf(secret: bytes) -> None:
    if not hmac.compare_digest(flask.request.form.get("csrf", ""), _csrf(secret)):
        flask.abort(403, "missing or wrong form token; reload the page")


def create_monitoring_app(dash: MonitoringDashboard) -> flask.Flask:
    """The Flask app: /, /drm-dashboard and the chart files, summary, report and live-page routes."""
    app = flask.Flask(__name__)
    register_css_route(app)
    register_legacy_routes(app, dash)
    secret = secrets.token_bytes(32)

    @app.get("/")
    def index() -> flask.Response:
        return flask.redirect(PAGE)

    @app.get(PAGE)
    def drm_dashboard() -> str:
        state = PageState.from_args(flask.request.args, dash.theme, dash.auto_refresh)
        integration = _integration(dash)
        if integration is None:
            return render_notice(state.theme, *NOT_CONFIGURED)
        # a GET never forces work: "Redraw now" POSTs to /refresh with the form token
        files = integration.update_visualizations(force=False, theme=state.theme)
        drawn = next(f for f in files if f.name == state.chart)
        summary = integration.get_resource_summary()
        note = action_note(flask.request.args, integration.get_dashboard_url())
        return render_page(state, items=cards(summary), source=integration.source_description, note=note,
                           simulated=integration.simulated, drawn_at=drawn.generated_at,
                           chart_src=f"{PAGE}/charts/{state.theme}/{state.chart}.html",
                           update_interval=integration.update_interval, csrf=_csrf(secret))

    @app.post(f"{PAGE}/refresh")
    def refresh() -> flask.Response:
        """Redraw now (a state change, so a POST with the form token), then show the page."""
        _check_csrf(secret)
        state = PageState.from_args(flask.request.form, dash.theme, dash.auto_refresh)
        integration = _integration(dash)
        if integration is not None:
            integration.update_visualizations(force=True, theme=state.theme)
        return flask.redirect(state.url(), code=303)

    @app.get(f"{PAGE}/assets/page.js")
    def page_js() -> flask.Response:
        return flask.Response(PAGE_JS, mimetype="text/javascript")

    @app.get(f"{PAGE}/charts/<theme>/<filename>")
    def chart_file(theme: str, filename: str) -> flask.Response:
        integration = _integration(dash)
        allowed = {f"{name}.html" for name in CHARTS} | {PLOTLY_JS}
        if integration is None or theme not in THEMES or filename not in allowed:
            flask.abort(404)
        return _framed(flask.send_from_directory(integration.chart_dir(theme).resolve(), filename))

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
        return _framed(flask.send_from_directory(index.parent.resolve(), index.name))

    @app.post(f"{PAGE}/live")
    def live() -> flask.Response:
        _check_csrf(secret)
        integration = _integration(dash)
        if integration is None:
            flask.abort(404)
        return flask.redirect(integration.start_dashboard_server(port=0, host=dash.host), code=303)

    return app
