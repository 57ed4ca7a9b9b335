"""Command line of run_dashboard_with_drm_visualization.py: the monitoring dashboard with its DRM charts."""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass, field
from typing import Sequence

from ..access import add_access_flags, build_exposure
from ..cli_common import OneLineParser, command, configure_logging, parse_settings, stop_on_sigterm
from ..config import check_key_flags, check_port, check_range, check_url, read_key
from ..environment import API_KEY_ENV, FromEnvironment, alias
from ..errors import ConfigError
from ..manager import DynamicResourceManager, Workload, WorkloadConfig, WorkloadDriver
from ..ui.theme import THEMES
from ..manager.cloud import LocalCloudProvider
from .integration import DEFAULT_SAMPLE_INTERVAL_S, DRMVisualizationIntegration
from .app import MonitoringDashboard
from ..report.png import quiet_browser_logs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MonitoringSettings(FromEnvironment):
    """Every knob of the monitoring dashboard: flag > DRM_MONITORING_* > default."""

    env_prefix = "DRM_MONITORING_"
    host: str = "localhost"
    port: int = 8080
    mock: bool = True
    drm_url: str | None = None
    # DRM_API_KEY only with a coordinator to send it to (as the live dashboard does)
    api_key: str | None = field(default=None, repr=False, metadata=alias(
        API_KEY_ENV, when=lambda v: bool(v.get("drm_url")) and not v.get("api_key_file")))
    api_key_file: str | None = None
    ca_bundle: str | None = None
    output_dir: str = "drm_visualizations"
    dashboard_dir: str = "dashboards"
    update_interval: float = 60.0
    sample_interval: float = DEFAULT_SAMPLE_INTERVAL_S
    theme: str = "dark"
    seed: int = 0
    access_log: bool = False
    auth_file: str | None = None
    trusted_proxy: str | None = None
    proxy_user_header: str = "X-Forwarded-User"
    allowed_host: str | None = None
    insecure_no_auth: bool = False

    def __post_init__(self) -> None:
        check_port(self.port)
        check_key_flags(self.api_key, self.api_key_file)
        if (self.api_key or self.api_key_file) and not self.drm_url:
            raise ConfigError("--api-key needs --drm-url (the key is for a remote coordinator)")
        if self.drm_url is not None:
            check_url(self.drm_url)
        check_range("update_interval", self.update_interval, 0.1, 86400.0)
        check_range("sample_interval", self.sample_interval, 0.1, 3600.0)
        if self.theme not in THEMES:
            raise ConfigError(f"--theme must be one of {', '.join(THEMES)}, got {self.theme!r}")


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The flags; unset ones stay None so the environment can fill them."""
    p = OneLineParser(prog=prog, description="The monitoring dashboard with DRM visualization at "
                       "/drm-dashboard. By default a real manager runs a seeded, simulated workload.")
    p.add_argument("--host", help="host to bind to (default: localhost)")
    p.add_argument("--port", type=int, help="port to listen on (default: 8080; 0: any free port)")
    p.add_argument("--no-mock", dest="mock", action="store_false", default=None,
                   help="no simulated workload: a real, empty DynamicResourceManager, or --drm-url")
    p.add_argument("--drm-url", help="poll this coordinator (API v1) instead (implies --no-mock)")
    p.add_argument("--api-key", help=f"the coordinator's API key (or {API_KEY_ENV})")
    p.add_argument("--output-dir", help="chart files (default: drm_visualizations)")
    p.add_argument("--dashboard-dir", help="report pages (default: dashboards)")
    p.add_argument("--update-interval", type=float, help="seconds between chart redraws (default: 60)")
    p.add_argument("--sample-interval", type=float, help="seconds between samples (default: 5)")
    p.add_argument("--theme", choices=tuple(THEMES), help="page theme (default: dark)")
    p.add_argument("--seed", type=int, help="seed of the simulated workload (default: 0)")
    p.add_argument("--access-log", action="store_true", default=None,
                   help="log one line per web request (default: off)")
    # -- exposure (issue 12) --------------------------------------------------------------------
    p.add_argument("--api-key-file", help="read the coordinator key from this file's first line")
    p.add_argument("--ca-bundle", help="CA certificates (PEM) an https --drm-url must chain to")
    add_access_flags(p)
    return p


def build_integration(args: MonitoringSettings) -> tuple[DRMVisualizationIntegration, WorkloadDriver | None]:
    """The integration over a simulated workload, an empty real manager, or a coordinator."""
    common = dict(output_dir=args.output_dir, update_interval=args.update_interval,
                  sample_interval=args.sample_interval, theme=args.theme)
    if args.drm_url:
        from ..sources.coordinator import CoordinatorSource  # noqa: PLC0415
        source = CoordinatorSource(args.drm_url, read_key(args.api_key, args.api_key_file),
                                   ca_bundle=args.ca_bundle)
        return DRMVisualizationIntegration(source=source, **common), None
    manager = DynamicResourceManager()
    if not args.mock:
        return DRMVisualizationIntegration(resource_manager=manager, **common), None
    cloud = LocalCloudProvider(manager)
    workload = Workload(cloud.provisioning_manager(), WorkloadConfig(seed=args.seed))
    integration = DRMVisualizationIntegration(resource_manager=manager, cloud_provider_manager=cloud,
                                              simulated=True, **common)
    return integration, WorkloadDriver(workload)


@command("run_dashboard_with_drm_visualization.py")
def main(argv: Sequence[str] | None, prog: str) -> int:
    """Serve until Ctrl-C or SIGTERM; exit 2 with one line on a bad flag or a taken port."""
    s = parse_settings(build_parser(prog), MonitoringSettings, argv)
    configure_logging()
    quiet_browser_logs()
    stop_on_sigterm()
    exposure = build_exposure(auth_file=s.auth_file, trusted_proxy=s.trusted_proxy,
                              proxy_user_header=s.proxy_user_header, allowed_host=s.allowed_host,
                              insecure_no_auth=s.insecure_no_auth)
    integration, driver = build_integration(s)
    dashboard = MonitoringDashboard(s.host, s.port, s.dashboard_dir, theme=s.theme, exposure=exposure,
                                    access_log=s.access_log)
    dashboard.drm_visualization_integration = integration
    url = dashboard.start()  # a taken port fails here, before any thread starts
    if driver is not None:
        driver.start()
    print(f"DRM dashboard at {url} (source: {integration.source_description}); Ctrl-C to stop", flush=True)
    try:
        dashboard.run()
    finally:
        if driver is not None:
            driver.stop()
            driver.join(timeout=10)
    return 0
