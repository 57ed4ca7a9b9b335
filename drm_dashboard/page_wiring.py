"""What a dashboard's page, its /metrics and its server read of it: wiring, no logic of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from .access import build_exposure
from .config import Settings
from .guard import Exposure, content_security_policy
from .metrics import DashboardState, dashboard_registry, register_metrics_route
from .sources.normalize import policy_of

if TYPE_CHECKING:
    from .dashboard import DRMRealTimeDashboard

# a callback request carries a few inputs and states (a figure at most): 2 MiB is ample
DASHBOARD_MAX_BODY_BYTES = 2 * 1024 * 1024


def create_app(dash: DRMRealTimeDashboard) -> Any:
    """The Dash app over the dashboard's stores, with its /metrics route."""
    from .ui.app import UIContext, create_app as build  # noqa: PLC0415 (keep dash out of headless use)
    if dash.fleet is not None:
        from .ui.clusters import fleet_context  # noqa: PLC0415
        ctx = fleet_context(dash.fleet, dash.settings, dash.silenced_in_alertmanager,
                            history=lambda: dash.history)
    else:
        report = lambda: dash.analytics.report  # noqa: E731
        ctx = UIContext(live=dash.live, health=dash.source_health, source=dash.source.description,
                        simulated=dash.simulated, update_interval_s=dash.settings.update_interval,
                        theme=dash.settings.theme, debug=dash.settings.debug,
                        policy=policy_of(dash.manager), regressions=lambda view: report(),
                        forecasts=lambda: (report().forecasts, report().etas),
                        demo_speed=dash.demo_speed, evaluations=evaluations(dash.manager, dash.source),
                        reported_policy=getattr(dash.source, "reported_policy", None),
                        silenced_elsewhere=dash.silenced_in_alertmanager,
                        # its own rows, and those written before clusters existed ('')
                        history=lambda: dash.history, history_cluster=(dash.cluster, ""))
    app = build(ctx)
    register_metrics_route(app.server, dashboard_registry(metrics_state(dash)))
    return app


def evaluations(*holders: Any) -> Callable[[], Any] | None:
    """Where the Scaling tab reads every verdict: the first holder that keeps them."""
    for holder in holders:
        if callable(getattr(holder, "recent_evaluations", None)):
            return holder.recent_evaluations
    return None


def metrics_state(dash: DRMRealTimeDashboard) -> DashboardState:
    """What the dashboard's /metrics reads at each scrape."""
    notifications = lambda: dash.notifier.stats() if dash.notifier else None  # noqa: E731
    run_started = lambda: dash.run_started  # noqa: E731
    if dash.fleet is not None:  # the fleet's worst health, every cluster's findings and alerts
        fleet = dash.fleet
        return DashboardState(
            health=fleet.health, report=fleet.report, tick_times_ms=fleet.tick_times_ms,
            firing=fleet.firing, alerts=lambda: fleet.view().alerts, run_started=run_started,
            notifications=notifications, clusters=fleet.healths)
    return DashboardState(
        health=dash.source_health, report=lambda: dash.analytics.report,
        tick_times_ms=lambda: dash.collector.tick_times_ms if dash.collector else (),
        firing=dash.alert_engine.firing, alerts=lambda: dash.live.view().alerts,
        run_started=run_started, notifications=notifications)


def exposure(settings: Settings, app: Any) -> Exposure:
    """Auth, Host names, caps and CSP of the page server, from the settings."""
    s = settings
    # Dash's one inline script is allowed by its hash; nothing else inline, nothing evaluated
    csp = content_security_policy(app.csp_hashes())
    return build_exposure(auth_file=s.auth_file, trusted_proxy=s.trusted_proxy,
                          proxy_user_header=s.proxy_user_header, allowed_host=s.allowed_host,
                          insecure_no_auth=s.insecure_no_auth, csp=csp,
                          max_body_bytes=DASHBOARD_MAX_BODY_BYTES)
