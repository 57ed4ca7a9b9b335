"""DRMRealTimeDashboard: wires settings, source, collector, stores and the web UI."""

from __future__ import annotations

import logging
import threading
import time
from functools import partial
from typing import Any, Callable, Mapping

from .analytics.alert_config import default_alert_config, load_alert_config
from .analytics.alerts import AlertEngine
from .analytics.pipeline import AnalyticsPipeline
from .collector import Collector
from .config import Settings, parse_regression
from .errors import ConfigError, StorageError
from .manager import DynamicResourceManager
from .manager.driver import SpeedClock
from .manager.workload import InjectedRegression, Workload, WorkloadConfig, WorkloadDriver
from .metrics import DashboardState, dashboard_registry, register_metrics_route
from .clusters import local_name
from .fleet import Fleet, build_fleet, submit_tagged
from .models import SourceHealth
from .notify import AlertmanagerDestination, NotificationDispatcher, build_destinations
from .report.summary import RunFacts, run_summary
from .access import build_exposure
from .guard import Exposure, content_security_policy
from .server import BackgroundServer
from .threads import wait_until_stopped
from .uptime import UptimeRecord
from .sources import MetricsSource
from .sources.normalize import policy_of
from .sources.local import LocalSource
from .store.history import HistoryStore
from .store import original_dicts
from .store.live import LiveStore
from .store.rollup import DAY_S, policy_for

log = logging.getLogger(__name__)

DEMO_DESCRIPTION = "embedded demo workload"
# a callback request carries a few inputs and states (a figure at most): 2 MiB is ample
DASHBOARD_MAX_BODY_BYTES = 2 * 1024 * 1024


class DRMRealTimeDashboard:
    """The live dashboard; the signature is the original project's."""

    def __init__(self, dynamic_resource_manager: Any = None, db_path: str = "benchmark_db.duckdb",
                 port: int = 8085, update_interval: float = 5, retention_window: float = 60,
                 debug: bool = False, theme: str = "dark", *, host: str = "localhost",
                 drm_url: str | None = None, api_key: str | None = None,
                 settings: Settings | None = None, source: MetricsSource | None = None,
                 max_backoff_s: float = 60.0, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings or Settings(
            host=host, port=port, db_path=db_path, theme=theme, update_interval=float(update_interval),
            retention=float(retention_window), debug=debug, drm_url=drm_url, api_key=api_key)
        # several coordinators (fleet.py); one --drm-url keeps the single-source path below
        specs = (() if source is not None or dynamic_resource_manager is not None
                 else self.settings.cluster_specs())
        self.simulated = (dynamic_resource_manager is None and not specs
                          and source is None and self.settings.prometheus_url is None)
        # the collector polls on the wall clock; a sped-up demo's data runs on a faster one
        self._wall_clock = clock
        self.demo_speed = self.settings.demo_speed if self.simulated else 1.0
        self._clock = clock if self.demo_speed == 1.0 else SpeedClock(self.demo_speed, clock)
        self._max_backoff_s = max_backoff_s
        self.manager = dynamic_resource_manager
        self._driver: WorkloadDriver | None = None
        if self.simulated:
            self.manager = DynamicResourceManager(clock=self._clock)
            workload = Workload(self.manager, self._workload_config(), clock=self._clock)
            self._driver = WorkloadDriver(workload)
        self.notifier: NotificationDispatcher | None = None
        # the name on this dashboard's history rows: host:port of the one source, else "local"
        self.cluster = specs[0].name if specs else local_name(
            None if source is not None else self.settings.prometheus_url)
        self.fleet: Fleet | None = self._make_fleet(specs) if len(specs) > 1 else None
        if self.fleet is not None:  # the first cluster stands where one source's parts are read
            first = self.fleet.runtimes[0]
            self.source, self.live, self.analytics = first.source, first.live, first.analytics
            self.alert_engine = first.engine
        else:
            self.source = source or self._make_source(specs)
            self.live = LiveStore(retention_s=self.settings.retention_s, clock=self._clock)
            self.analytics = self._make_analytics()
        self.history: HistoryStore | None = None
        self.collector: Collector | None = None
        self._server: BackgroundServer | None = None
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._started_at: float | None = None
        self._ended_at: float | None = None  # when collection stopped: the run's coverage ends there
        self._run_cursor = 0
        self._running = False
        # kept past stop(), so a summary written after the run still tells how the source did
        self._last_health = SourceHealth()
        self._last_events: tuple[Any, ...] = ()
        self._last_uptime = UptimeRecord()
        self._last_fired: tuple[Any, ...] = ()

    def _workload_config(self) -> WorkloadConfig:
        """The demo's seeded workload, with the regression --inject-regression asks for."""
        spec = self.settings.inject_regression
        if spec is None:
            return WorkloadConfig(seed=self.settings.seed)
        metric, start_s, factor = parse_regression(spec)
        return WorkloadConfig(seed=self.settings.seed,
                              regression=InjectedRegression(metric=metric, start_s=start_s, factor=factor))

    def _make_source(self, specs: tuple[Any, ...] = ()) -> MetricsSource:
        if self.settings.prometheus_url is not None:
            from .sources.prometheus import from_settings  # noqa: PLC0415 (optional part)
            return from_settings(self.settings)
        if specs:  # one --drm-url, or a clusters file naming one coordinator
            from .sources.coordinator import CoordinatorSource  # noqa: PLC0415 (optional part)
            return CoordinatorSource(specs[0].url, specs[0].key, ca_bundle=specs[0].ca_bundle)
        desc = DEMO_DESCRIPTION if self.simulated else "in-process manager"
        return LocalSource(self.manager, description=desc, clock=self._clock)

    def _make_fleet(self, specs: tuple[Any, ...]) -> Fleet:
        """One source, live store and analytics per cluster; one notifier for all of them."""
        return build_fleet(specs, lambda name: (self._make_analytics(name), self.alert_engine),
                           retention_s=self.settings.retention_s, data_clock=self._clock,
                           poll_clock=self._wall_clock, interval_s=self.settings.update_interval,
                           max_backoff_s=self._max_backoff_s)

    def _make_analytics(self, cluster: str | None = None) -> AnalyticsPipeline:
        """Detectors and alert rules (from --alert-config or the defaults), notifications if any."""
        path = self.settings.alert_config
        config = load_alert_config(path) if path else default_alert_config()
        if self.notifier is None:
            destinations = build_destinations(config)
            if destinations:
                self.notifier = NotificationDispatcher(destinations)
        notify = self.notifier.submit if self.notifier else None
        if notify is not None and cluster is not None:  # a cluster's alerts leave with its name
            notify = partial(submit_tagged, self.notifier.submit, cluster)
        engine = AlertEngine(config, interval_s=self.settings.update_interval, clock=self._clock,
                             on_transition=notify)
        self.alert_engine = engine
        # ETAs toward what the user watches: the upper threshold rules, and the scale-up threshold
        thresholds = {r.metric: r.threshold for r in config.thresholds if r.op == "above"}
        policy = policy_of(self.manager)
        if policy is not None:
            thresholds["allocated"] = policy.scale_up_threshold * 100.0
        return AnalyticsPipeline(engine, clock=self._clock, thresholds=thresholds)

    # -- the original's read views (every cluster combined when there are several) ------------
    def _read_view(self) -> Any:
        return self.fleet.view() if self.fleet is not None else self.live.view()

    @property
    def resource_metrics(self) -> dict[str, list]:
        return original_dicts.resource_metrics(self._read_view())

    @property
    def worker_metrics(self) -> dict[str, dict[str, list]]:
        return original_dicts.worker_metrics(self._read_view())

    @property
    def performance_metrics(self) -> dict[str, list]:
        return original_dicts.performance_metrics(self._read_view())

    @property
    def scaling_decisions(self) -> list[dict]:
        return original_dicts.scaling_decisions(self._read_view())

    @property
    def alerts(self) -> list[dict]:
        return original_dicts.alerts(self._read_view())

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self._running

    @property
    def url(self) -> str:
        if self._server is None:
            return f"http://{self.settings.host}:{self.settings.port}/"
        return self._server.url

    def _open_history(self) -> None:
        """Open the DuckDB file and warm the live store from its last retention window."""
        if self.history is not None:
            return
        self.history = HistoryStore(self.settings.db_path, background=True,
                                    policy=policy_for(self.settings.history_retention * DAY_S,
                                                      self.settings.retention_s))
        now = self._clock()
        if self.fleet is not None:
            self.fleet.warm(self.history, now - self.settings.retention_s, now)
        elif self.live.view().is_empty:  # a restart of this object keeps what it already holds
            # this cluster's rows and those from before clusters existed, read as one source's
            frames = self.history.load_window(now - self.settings.retention_s, now, self.cluster)
            self.live.load(frames.with_cluster(""))

    def _start_data_collection(self) -> None:
        """Start the workload (demo only) and the collector thread."""
        self._open_history()
        if self.fleet is not None:
            self._start_fleet()
            return
        if self.collector is None:
            self.collector = Collector(self.source, self.live, self.history,
                                       interval_s=self.settings.update_interval, clock=self._wall_clock,
                                       processors=[self.analytics], max_backoff_s=self._max_backoff_s,
                                       cluster=self.cluster)
        if self.notifier is not None:
            self.notifier.start()
        for am in self._alertmanagers():
            am.start()
        if self._driver is not None:
            self._driver.start()
        self.collector.poll_once()  # the first page shows numbers, not an empty frame
        self.collector.start()

    def _start_fleet(self) -> None:
        """Notifications first, then every cluster's collector (each polls once before its thread)."""
        if self.notifier is not None:
            self.notifier.start()
        for am in self._alertmanagers():
            am.start()
        self.fleet.start(self.history)
        self.collector = self.fleet.runtimes[0].collector

    def _stop_data_collection(self) -> None:
        """Stop the collector and the workload, then flush history."""
        if self.fleet is not None:
            self._ended_at = self._clock()
            self.fleet.stop()
        elif self.collector is not None:
            self._ended_at = self._clock()
            self.collector.stop()
            self.collector.join(timeout=10)
            # health rules judged at the end too: a source down since the last (backed-off) poll
            # has its alert even if no poll came after the rule's wait ran out
            self.collector.judge_health()
        if self._driver is not None:
            self._driver.stop()
            self._driver.join(timeout=10)
        if self.notifier is not None:
            self.notifier.stop()
            self.notifier.join(timeout=10)
        for am in self._alertmanagers():
            am.stop()
            am.join(timeout=10)

    def _alertmanagers(self) -> list[AlertmanagerDestination]:
        dests = self.notifier.destinations if self.notifier else ()
        return [d for d in dests if isinstance(d, AlertmanagerDestination)]

    def _silenced_in_alertmanager(self) -> frozenset[str]:
        """Ids of our alerts an Alertmanager silences now (empty without one)."""
        return frozenset().union(*(am.silenced_ids() for am in self._alertmanagers()))

    def create_app(self) -> Any:
        """Build the Dash app over this dashboard's stores."""
        from .ui.app import UIContext, create_app  # noqa: PLC0415 (keep dash out of headless use)
        if self.fleet is not None:
            from .ui.clusters import fleet_context  # noqa: PLC0415
            ctx = fleet_context(self.fleet, self.settings, self._silenced_in_alertmanager,
                                history=lambda: self.history)
        else:
            ctx = UIContext(live=self.live, health=self._health, source=self.source.description,
                            simulated=self.simulated, update_interval_s=self.settings.update_interval,
                            theme=self.settings.theme, debug=self.settings.debug,
                            policy=policy_of(self.manager),
                            regressions=lambda view: self.analytics.report,
                            forecasts=self._forecasts, demo_speed=self.demo_speed,
                            evaluations=self._evaluations(),
                            reported_policy=getattr(self.source, "reported_policy", None),
                            silenced_elsewhere=self._silenced_in_alertmanager,
                            # its own rows, and those written before clusters existed ('')
                            history=lambda: self.history, history_cluster=(self.cluster, ""))
        app = create_app(ctx)
        register_metrics_route(app.server, dashboard_registry(self._metrics_state()))
        return app

    def _evaluations(self) -> Callable[[], Any] | None:
        """Where the Scaling tab reads every verdict: the embedded manager, else the coordinator."""
        for holder in (self.manager, self.source):
            if callable(getattr(holder, "recent_evaluations", None)):
                return holder.recent_evaluations
        return None

    def _metrics_state(self) -> DashboardState:
        """What the dashboard's /metrics reads at each scrape."""
        if self.fleet is not None:  # the fleet's worst health, every cluster's findings and alerts
            fleet = self.fleet
            return DashboardState(
                health=fleet.health, report=fleet.report, tick_times_ms=fleet.tick_times_ms,
                firing=fleet.firing, alerts=lambda: fleet.view().alerts,
                run_started=lambda: self._started_at,
                notifications=lambda: self.notifier.stats() if self.notifier else None,
                clusters=fleet.healths)
        return DashboardState(
            health=self._health, report=lambda: self.analytics.report,
            tick_times_ms=lambda: self.collector.tick_times_ms if self.collector else (),
            firing=self.alert_engine.firing, alerts=lambda: self.live.view().alerts,
            run_started=lambda: self._started_at,
            notifications=lambda: self.notifier.stats() if self.notifier else None)

    def _exposure(self, app: Any) -> Exposure:
        """Auth, Host names, caps and CSP of the page server, from the settings."""
        s = self.settings
        # Dash's one inline script is allowed by its hash; nothing else inline, nothing evaluated
        csp = content_security_policy(app.csp_hashes())
        return build_exposure(auth_file=s.auth_file, trusted_proxy=s.trusted_proxy,
                              proxy_user_header=s.proxy_user_header, allowed_host=s.allowed_host,
                              insecure_no_auth=s.insecure_no_auth, csp=csp,
                              max_body_bytes=DASHBOARD_MAX_BODY_BYTES)

    def _forecasts(self) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        report = self.analytics.report
        return report.forecasts, report.etas

    def _health(self) -> SourceHealth:
        if self.fleet is not None:
            return self.fleet.health()
        return self.collector.health if self.collector else self._last_health

    @property
    def description(self) -> str:
        """What the dashboard reads, in words (the header's and the report's "source")."""
        return self.fleet.description if self.fleet is not None else self.source.description

    def summary(self) -> dict[str, Any]:
        """This run's JSON summary (not the warm-started history): KPIs, alerts, regressions, ..."""
        started = self._started_at or self._clock()
        report = self.fleet.report() if self.fleet is not None else self.analytics.report
        findings = [f for f in report.findings if f.timestamp >= started]
        source, health, events, uptime, fired = self._run_record()
        ended = self._ended_at or self._clock()
        facts = RunFacts(source=source, simulated=self.simulated, started=started,
                         ended=ended, health=health, health_events=events, findings=findings,
                         fail_on=self.settings.fail_on, uptime=uptime, fired_alerts=fired,
                         # started/ended are on the run's clock: a sped-up demo's polls are
                         # demo_speed times further apart on it than on the wall clock
                         interval_s=self.settings.update_interval * self.demo_speed,
                         min_coverage=self.settings.min_coverage)
        view = self.fleet.run_view() if self.fleet is not None else self.live.since(self._run_cursor)
        return run_summary(view, facts)

    def _run_record(self) -> tuple[str, SourceHealth, Any, Any, Any]:
        """Source words, health, health events, uptime and fired alerts of this run."""
        if self.fleet is not None:
            return self.fleet.run_record()
        c, words = self.collector, self.source.description
        if c is not None:
            return words, c.health, c.health_events, c.uptime, c.fired_alerts
        return words, self._last_health, self._last_events, self._last_uptime, self._last_fired

    def start_in_background(self) -> str:
        """Start collecting and serving; return the URL once the server accepts connections."""
        with self._lock:
            if self._running:
                return self._server.url if self._server else ""
            if not self.settings.serve:
                self._begin_run()
                return ""
            app = self.create_app()
            # bind first: a taken port fails before anything else is opened
            server = BackgroundServer(app.server, self.settings.host, self.settings.port,
                                      self._exposure(app),
                                      access_log=self.settings.access_log or self.settings.debug)
            try:
                self._begin_run()
                server.start()
            except BaseException:
                server.stop()
                self._release()
                raise
            self._server = server
        log.info("serving %s from %s", server.url, self.description)
        return server.url

    def _begin_run(self) -> None:
        """Open history (warm start), note where this run begins, start collecting."""
        self._open_history()
        # ticks restored from history are not this run's: summaries start after them
        self._run_cursor, self._started_at, self._ended_at = self.live.seq, self._clock(), None
        if self.fleet is not None:
            self.fleet.mark_run_start()
        self._start_data_collection()
        self._running = True
        self._stopped.clear()

    def start(self, duration_s: float | None = None) -> None:
        """Start and block until stop(), Ctrl-C or the end of duration_s; then shut down cleanly."""
        self.start_in_background()
        try:
            wait_until_stopped(self._stopped, duration_s)
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop collector and server, flush history and free the port; safe to call twice."""
        with self._lock:
            try:
                if self._server is not None:
                    self._server.stop()
                    self._server = None
                self._release()
            finally:
                self._running = False
                self._stopped.set()

    def _release(self) -> None:
        """Stop collection and close history; a later start opens everything afresh."""
        try:
            self._stop_data_collection()
        finally:
            if self.fleet is not None:
                self.fleet.release()
            elif self.collector is not None:
                self._last_health = self.collector.health
                self._last_events = self.collector.health_events
                self._last_uptime = self.collector.uptime
                self._last_fired = self.collector.fired_alerts
            self.collector = None
            history, self.history = self.history, None
            if history is not None:
                try:
                    history.close()  # joins the writer thread, then writes the last batch
                except StorageError as exc:
                    # the run is over either way; its report must still be written
                    log.error("closing history failed, the last batch is lost: %s", exc)


def check_source_settings(settings: Settings) -> None:
    """Fail early and clearly on a source that cannot be built from these settings."""
    if settings.api_key and not settings.drm_url:
        raise ConfigError("--api-key needs --drm-url (the key is for a remote coordinator)")
    if (settings.inject_regression or settings.demo_speed != 1.0) and settings.clusters_file:
        raise ConfigError("--inject-regression and --demo-speed are for the embedded demo, not --clusters")
    if settings.inject_regression and settings.drm_url:
        raise ConfigError("--inject-regression is for the embedded demo, not a remote coordinator")
    if settings.demo_speed != 1.0 and settings.drm_url:
        raise ConfigError("--demo-speed is for the embedded demo, not a remote coordinator")
