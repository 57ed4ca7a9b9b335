"""How a dashboard's parts are built from its settings: the source, the demo, the alerting."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from .analytics.alert_config import default_alert_config, load_alert_config
from .analytics.alerts import AlertEngine
from .analytics.pipeline import AnalyticsPipeline
from .config import Settings, parse_regression
from .errors import ConfigError
from .fleet import submit_tagged
from .manager.workload import InjectedRegression, WorkloadConfig
from .notify import NotificationDispatcher, build_destinations
from .sources import MetricsSource
from .sources.local import LocalSource
from .sources.normalize import policy_of

DEMO_DESCRIPTION = "embedded demo workload"


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


def workload_config(settings: Settings) -> WorkloadConfig:
    """The demo's seeded workload, with the regression --inject-regression asks for."""
    spec = settings.inject_regression
    if spec is None:
        return WorkloadConfig(seed=settings.seed)
    metric, start_s, factor = parse_regression(spec)
    return WorkloadConfig(seed=settings.seed,
                          regression=InjectedRegression(metric=metric, start_s=start_s, factor=factor))


def source(settings: Settings, specs: tuple[Any, ...], manager: Any, simulated: bool,
           clock: Callable[[], float]) -> MetricsSource:
    """Prometheus, one coordinator, or the manager in this process."""
    if settings.prometheus_url is not None:
        from .sources.prometheus import from_settings  # noqa: PLC0415 (optional part)
        return from_settings(settings)
    if specs:  # one --drm-url, or a clusters file naming one coordinator
        from .sources.coordinator import CoordinatorSource  # noqa: PLC0415 (optional part)
        return CoordinatorSource(specs[0].url, specs[0].key, ca_bundle=specs[0].ca_bundle)
    desc = DEMO_DESCRIPTION if simulated else "in-process manager"
    return LocalSource(manager, description=desc, clock=clock)


def alerting(settings: Settings, manager: Any, clock: Callable[[], float],
             notifier: NotificationDispatcher | None, cluster: str | None
             ) -> tuple[NotificationDispatcher | None, AlertEngine, AnalyticsPipeline]:
    """The notifier (the one given, else one for the file's destinations), engine and pipeline."""
    config = load_alert_config(settings.alert_config) if settings.alert_config else default_alert_config()
    if notifier is None:
        destinations = build_destinations(config)
        notifier = NotificationDispatcher(destinations) if destinations else None
    notify = notifier.submit if notifier else None
    if notify is not None and cluster is not None:  # a cluster's alerts leave with its name
        notify = partial(submit_tagged, notifier.submit, cluster)
    engine = AlertEngine(config, interval_s=settings.update_interval, clock=clock, on_transition=notify)
    # ETAs toward what the user watches: the upper threshold rules, and the scale-up threshold
    thresholds = {r.metric: r.threshold for r in config.thresholds if r.op == "above"}
    policy = policy_of(manager)
    if policy is not None:
        thresholds["allocated"] = policy.scale_up_threshold * 100.0
    pipeline = AnalyticsPipeline(engine, clock=clock, thresholds=thresholds, rule=config.regression)
    return notifier, engine, pipeline
