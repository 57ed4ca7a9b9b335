"""Command line of run_drm_real_time_dashboard.py and `drm-dashboard`; maps errors to exit 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any, Sequence

import requests

from .access import add_access_flags, passwd_main, token_main
from .cli_common import OneLineParser, configure_logging, stop_on_sigterm
from .config import FAIL_ON, THEMES, Settings, resolve
from .errors import ConfigError, DashboardError

log = logging.getLogger("drm_dashboard")



def build_parser(prog: str = "drm-dashboard") -> argparse.ArgumentParser:
    """Every flag of the original project; unset flags stay None so the environment can fill them."""
    p = OneLineParser(prog=prog, description="Real-time performance dashboard for Dynamic "
                       "Resource Management. With no --drm-url it runs an embedded, simulated workload.")
    p.add_argument("--host", help="host to bind to (default: localhost)")
    p.add_argument("--port", type=int, help="port to bind to (default: 8085)")
    p.add_argument("--db-path", dest="db_path", help="DuckDB file for history (default: benchmark_db.duckdb)")
    p.add_argument("--theme", choices=THEMES, help="dashboard theme (default: dark)")
    p.add_argument("--update-interval", dest="update_interval", type=float,
                   help="seconds between polls (default: 5)")
    p.add_argument("--retention", type=float, help="minutes of data kept live (default: 60)")
    p.add_argument("--history-retention", dest="history_retention", type=float, metavar="DAYS",
                   help="days of history kept in --db-path; older per-worker rows are rolled up "
                        "to 1 min, then 10 min (default: 30)")
    p.add_argument("--debug", action="store_true", default=None, help="verbose logs and Dash dev tools")
    p.add_argument("--browser", action="store_true", default=None,
                   help="open the dashboard in a browser once it answers")
    p.add_argument("--drm-url", dest="drm_url", action="append",
                   help="URL of a DRM coordinator (API v1); repeat it to watch several, each "
                        "named by its host:port")
    p.add_argument("--clusters", dest="clusters_file", metavar="FILE",
                   help="coordinators to watch, with names and keys (TOML or JSON; see README, "
                        "\"Several coordinators\")")
    p.add_argument("--api-key", dest="api_key", help="coordinator API key (or DRM_API_KEY)")
    p.add_argument("--seed", type=int, help="seed of the embedded demo workload (default: 0)")
    p.add_argument("--demo-speed", dest="demo_speed", type=float, metavar="N",
                   help="demo only: run the simulated workload N times faster than real time "
                        "(1 to 1000; polls every second unless --update-interval is given)")
    p.add_argument("--inject-regression", dest="inject_regression", metavar="METRIC[*FACTOR]@MINUTE",
                   help="demo only: make allocation_time, queue_wait or throughput worse from that "
                        "minute (twice as bad, or multiplied by FACTOR), to watch the regression "
                        "detector find it (e.g. allocation_time@10, throughput*0.5@2)")
    p.add_argument("--alert-config", dest="alert_config",
                   help="alert rules, silences and notifications (TOML, YAML or JSON; see docs/ALERTS.md)")
    # -- exposure (issue 12): secrets from files, certificates, who may see the pages ----------
    p.add_argument("--api-key-file", dest="api_key_file",
                   help="read the coordinator key from this file's first line (keeps it out of ps)")
    p.add_argument("--ca-bundle", dest="ca_bundle",
                   help="CA certificates (PEM) that an https --drm-url's certificate must chain to")
    add_access_flags(p)
    prom = p.add_argument_group("Prometheus (read the fleet through PromQL instead of --drm-url)")
    prom.add_argument("--prometheus-url", dest="prometheus_url",
                      help="Prometheus server that scrapes the coordinators' /metrics")
    prom.add_argument("--prometheus-bearer-token-file", dest="prometheus_bearer_token_file",
                      metavar="PATH", help="file holding a bearer token for Prometheus")
    prom.add_argument("--prometheus-user", dest="prometheus_user",
                      help="basic-auth user; the password is read from "
                           "DRM_DASHBOARD_PROMETHEUS_PASSWORD")
    prom.add_argument("--prometheus-max-workers", dest="prometheus_max_workers", type=int,
                      help="per-worker series fetched for the N busiest workers (default: 100)")
    ci = p.add_argument_group("CI mode")
    ci.add_argument("--duration", type=float, help="run for this many seconds, then exit")
    ci.add_argument("--no-server", dest="serve", action="store_false", default=None,
                    help="collect without serving pages (needs --duration)")
    ci.add_argument("--report", help="write a self-contained HTML report here, and its JSON summary "
                    "beside it (same name, .json)")
    ci.add_argument("--fail-on", dest="fail_on", choices=FAIL_ON,
                    help="exit 1 when an alert at this level or above was raised (default: never)")
    ci.add_argument("--min-coverage", dest="min_coverage", type=float, metavar="FRACTION",
                    help="exit 3 (not monitored) when fewer than this share of the expected polls "
                         "succeeded, or the source failed at the end (default: 0.9)")
    return p


def parse_settings(argv: Sequence[str] | None, prog: str = "drm-dashboard") -> Settings:
    """Parse flags and resolve Settings; exits 2 with one line on a bad value."""
    parser = build_parser(prog)
    flags = vars(parser.parse_args(argv))
    urls = flags.pop("drm_url") or []
    # one --drm-url is the single-coordinator path, exactly as before; more name several clusters
    flags["drm_url"], flags["drm_urls"] = (urls[0] if urls else None), (tuple(urls) if len(urls) > 1 else None)
    try:
        return resolve(flags)
    except DashboardError as exc:
        parser.error(str(exc))


def _open_browser_when_ready(url: str, timeout_s: float = 30.0) -> None:
    """Open the page only once the server answers, so the browser never shows an error."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).ok:
                webbrowser.open(url)
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    log.warning("the dashboard did not answer at %s within %.0f s; not opening a browser", url, timeout_s)


def main(argv: Sequence[str] | None = None, prog: str = "drm-dashboard") -> int:
    """Run the dashboard until Ctrl-C or SIGTERM; return the exit status."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["export"]:  # `drm-dashboard export ...`: history to CSV, Parquet or JSON
        from .export import main as export_main  # noqa: PLC0415
        return export_main(args[1:], prog=f"{prog} export")
    if args[:1] == ["passwd"]:  # `drm-dashboard passwd FILE USER`: a user for --auth-file
        return passwd_main(args[1:], prog=f"{prog} passwd")
    if args[:1] == ["token"]:  # `drm-dashboard token FILE NAME`: a bearer token for --auth-file
        return token_main(args[1:], prog=f"{prog} token")
    settings = parse_settings(argv, prog)
    configure_logging(settings.debug)
    from .dashboard import DRMRealTimeDashboard, check_source_settings  # noqa: PLC0415
    try:
        check_source_settings(settings)
        _check_report_path(settings.report)
        dashboard = DRMRealTimeDashboard(settings=settings)
        url = dashboard.start_in_background()
    except DashboardError as exc:
        sys.stderr.write(f"{prog}: error: {exc}\n")
        return 2
    stop_on_sigterm()
    where = f"at {url}" if url else "collecting without a web server"
    print(f"DRM dashboard {where} (source: {dashboard.description}); Ctrl-C to stop", flush=True)
    if settings.browser and url:
        threading.Thread(target=_open_browser_when_ready, args=(url,), name="drm-browser",
                         daemon=True).start()
    dashboard.start(settings.duration)
    return _finish(dashboard, settings, prog)


def _check_report_path(report: str | None) -> None:
    """Fail before the run, not after it, when the report cannot be written."""
    if report is None:
        return
    folder = Path(report).resolve().parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--report: cannot create {folder}: {exc.strerror}") from None
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"--report: {folder} is not writable")


def _finish(dashboard: Any, settings: Settings, prog: str) -> int:
    """Write the report if asked, and turn --fail-on into the exit status."""
    summary = dashboard.summary()
    if settings.report:
        from .report.writer import write_report  # noqa: PLC0415 (plotly only when reporting)
        html_path, json_path = write_report(dashboard, summary, settings.report)
        print(f"report: {html_path} (summary {json_path})", flush=True)
    status, because = summary["exit"]["status"], summary["exit"]["because"]
    if status:
        sys.stderr.write(f"{prog}: failing the run: {because}\n")
    return status
