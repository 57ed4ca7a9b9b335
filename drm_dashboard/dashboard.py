"""DRMRealTimeDashboard: wires settings, source, collector, stores and the web UI."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from .analytics.pipeline import AnalyticsPipeline
from .collector import Collector
from .config import Settings
from .errors import StorageError
from .manager import DynamicResourceManager
from .manager.driver import SpeedClock
from .manager.workload import Workload, WorkloadDriver
from .clusters import local_name
from .fleet import Fleet, build_fleet
from .models import SourceHealth
from .notify import AlertmanagerDestination, NotificationDispatcher
from .report.summary import RunFacts, run_summary
from . import assembly, page_wiring
from .server import BackgroundServer
from .threads import wait_until_stopped
from .uptime import UptimeRecord
from .sources import MetricsSource
from .store.history import HistoryStore
from .store import original_dicts
from .store.live import LiveStore
from .store.rollup import DAY_S, policy_for

log = logging.getLogger(__name__)


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
            workload = Workload(self.manager, assembly.workload_config(self.settings),
                                clock=self._clock)
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
            self.source = source or assembly.source(self.settings, specs, self.manager,
                                                    self.simulated, self._clock)
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

    def _make_fleet(self, specs: tuple[Any, ...]) -> Fleet:
        """One source, live store and analytics per cluster; one notifier for all of them."""
        return build_fleet(specs, lambda name: (self._make_analytics(name), self.alert_engine),
                           retention_s=self.settings.retention_s, data_clock=self._clock,
                           poll_clock=self._wall_clock, interval_s=self.settings.update_interval,
                           max_backoff_s=self._max_backoff_s)

    def _make_analytics(self, cluster: str | None = None) -> AnalyticsPipeline:
        """Detectors and alert rules; the first call also builds the notifier all clusters share."""
        self.notifier, self.alert_engine, pipeline = assembly.alerting(
            self.settings, self.manager, self._clock, self.notifier, cluster)
        return pipeline

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

    def silenced_in_alertmanager(self) -> frozenset[str]:
        """Ids of our alerts an Alertmanager silences now (empty without one)."""
        return frozenset().union(*(am.silenced_ids() for am in self._alertmanagers()))

    def create_app(self) -> Any:
        """Build the Dash app over this dashboard's stores, with its /metrics route."""
        return page_wiring.create_app(self)

    def source_health(self) -> SourceHealth:
        """The source's health now (every cluster's worst with several), or at the run's end."""
        if self.fleet is not None:
            return self.fleet.health()
        return self.collector.health if self.collector else self._last_health

    @property
    def run_started(self) -> float | None:
        """When this run began collecting (None before the first start)."""
        return self._started_at

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
                         min_coverage=self.settings.min_coverage, regression_rule=report.rule)
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
                                      page_wiring.exposure(self.settings, app),
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

