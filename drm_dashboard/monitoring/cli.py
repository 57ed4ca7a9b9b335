"""Command line of run_dashboard_with_drm_visualization.py: the monitoring dashboard with its DRM charts."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Sequence

from ..access import add_access_flags, exposure_from_args
from ..auth import read_secret
from ..cli_common import OneLineParser, bounded, configure_logging, stop_on_sigterm
from ..errors import DashboardError
from ..manager import DynamicResourceManager, Workload, WorkloadConfig, WorkloadDriver
from ..ui.theme import THEMES
from ..manager.cloud import LocalCloudProvider
from .integration import DEFAULT_SAMPLE_INTERVAL_S, DRMVisualizationIntegration
from .app import MonitoringDashboard
from ..report.png import quiet_browser_logs

log = logging.getLogger(__name__)



def build_parser(prog: str) -> argparse.ArgumentParser:
    p = OneLineParser(prog=prog, description="The monitoring dashboard with DRM visualization at "
                       "/drm-dashboard. By default a real manager runs a seeded, simulated workload.")
    p.add_argument("--host", default="localhost", help="host to bind to (default: localhost)")
    p.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    p.add_argument("--no-mock", dest="mock", action="store_false",
                   help="no simulated workload: a real, empty DynamicResourceManager, or --drm-url")
    p.add_argument("--drm-url", help="poll this coordinator (API v1) instead (implies --no-mock)")
    p.add_argument("--api-key", help="the coordinator's API key (or DRM_API_KEY)")
    p.add_argument("--output-dir", default="drm_visualizations", help="chart files (default: %(default)s)")
    p.add_argument("--dashboard-dir", default="dashboards", help="report pages (default: %(default)s)")
    p.add_argument("--update-interval", type=bounded(0.1, 86400.0), default=60.0,
                   help="seconds between chart redraws (default: 60)")
    p.add_argument("--sample-interval", type=bounded(0.1, 3600.0), default=DEFAULT_SAMPLE_INTERVAL_S,
                   help="seconds between samples (default: 5)")
    p.add_argument("--theme", choices=tuple(THEMES), default="dark", help="page theme (default: dark)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated workload (default: 0)")
    # -- exposure (issue 12) --------------------------------------------------------------------
    p.add_argument("--api-key-file", help="read the coordinator key from this file's first line")
    p.add_argument("--ca-bundle", help="CA certificates (PEM) an https --drm-url must chain to")
    add_access_flags(p, defaults=True)
    return p


def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    if (args.api_key or args.api_key_file) and not args.drm_url:
        parser.error("--api-key needs --drm-url (the key is for a remote coordinator)")
    if args.api_key and args.api_key_file:
        parser.error("pass the key once: --api-key or --api-key-file, not both")


def build_integration(args: argparse.Namespace) -> tuple[DRMVisualizationIntegration, WorkloadDriver | None]:
    """The integration over a simulated workload, an empty real manager, or a coordinator."""
    common = dict(output_dir=args.output_dir, update_interval=args.update_interval,
                  sample_interval=args.sample_interval, theme=args.theme)
    if args.drm_url:
        from ..sources.coordinator import CoordinatorSource  # noqa: PLC0415
        key = (read_secret(args.api_key_file, "--api-key-file") if args.api_key_file
               else args.api_key or os.environ.get("DRM_API_KEY"))
        source = CoordinatorSource(args.drm_url, key, ca_bundle=args.ca_bundle)
        return DRMVisualizationIntegration(source=source, **common), None
    manager = DynamicResourceManager()
    if not args.mock:
        return DRMVisualizationIntegration(resource_manager=manager, **common), None
    cloud = LocalCloudProvider(manager)
    workload = Workload(cloud.provisioning_manager(), WorkloadConfig(seed=args.seed))
    integration = DRMVisualizationIntegration(resource_manager=manager, cloud_provider_manager=cloud,
                                              simulated=True, **common)
    return integration, WorkloadDriver(workload)


def main(argv: Sequence[str] | None = None, prog: str = "run_dashboard_with_drm_visualization.py") -> int:
    """Serve until Ctrl-C or SIGTERM; exit 2 with one line on a bad flag or a taken port."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    _check(args, parser)
    configure_logging()
    quiet_browser_logs()
    stop_on_sigterm()
    try:
        exposure = exposure_from_args(args)
        integration, driver = build_integration(args)
        dashboard = MonitoringDashboard(args.host, args.port, args.dashboard_dir, theme=args.theme,
                                        exposure=exposure)
        dashboard.drm_visualization_integration = integration
        url = dashboard.start()  # a taken port fails here, before any thread starts
    except DashboardError as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
        return 2
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
