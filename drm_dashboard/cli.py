"""Command line of run_drm_real_time_dashboard.py and `drm-dashboard`; maps errors to exit 2."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import webbrowser
from pathlib import Path
from typing import Any, Sequence

import requests

from .access import add_access_flags, passwd_main, token_main
from .cli_common import OneLineParser, command, configure_logging, stop_on_sigterm
from .cli_common import parse_settings as parse_command_settings
from .config import FAIL_ON, THEMES, Settings
from .errors import ConfigError
from .threads import BackgroundLoop

log = logging.getLogger("drm_dashboard")

# `drm-dashboard NAME ...`: each subcommand parses the rest of the line itself
SUBCOMMANDS = {
    "export": "a time range of the history file to CSV, Parquet or JSON",
    "passwd": "add or replace a user of an --auth-file (FILE USER)",
    "token": "add a bearer token to an --auth-file and print it (FILE NAME)",
}


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
    p.add_argument("--debug", action="store_true", default=None,
                   help="verbose logs (every web request among them) and Dash dev tools")
    p.add_argument("--access-log", dest="access_log", action="store_true", default=None,
                   help="log one line per web request (default: off unless --debug)")
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
    sub = p.add_subparsers(dest="command", title="subcommands", metavar="{" + ",".join(SUBCOMMANDS) + "}")
    for name, words in SUBCOMMANDS.items():
        # no arguments here: everything after NAME is left over for the subcommand's own parser
        sub.add_parser(name, help=words, add_help=False)
    return p


def parse_settings(argv: Sequence[str] | None, prog: str = "drm-dashboard") -> Settings:
    """Parse flags and resolve Settings; exits 2 with one line on a bad value."""
    return parse_command_settings(build_parser(prog), Settings, argv)


class BrowserOpener(BackgroundLoop):
    """Opens the page once the server answers, so the browser never shows an error."""

    thread_name = "drm-browser"

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        super().__init__()
        self.url = url
        self.timeout_s = timeout_s

    def _run(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url, timeout=2).ok:
                    webbrowser.open(self.url)
                    return
            except requests.RequestException:
                pass
            if self._stop.wait(0.25):
                return
        log.warning("the dashboard did not answer at %s within %.0f s; not opening a browser",
                    self.url, self.timeout_s)


def _subcommand(argv: Sequence[str] | None, prog: str) -> int | None:
    """Run `export`, `passwd` or `token` when the line names one; None for the dashboard itself."""
    args, rest = build_parser(prog).parse_known_args(argv)
    if args.command is None:
        return None
    run = {"export": _export_main, "passwd": passwd_main, "token": token_main}[args.command]
    return run(rest, prog=f"{prog} {args.command}")


def _export_main(argv: Sequence[str], prog: str) -> int:
    from .export import main as export_main  # noqa: PLC0415 (duckdb export only when asked)
    return export_main(argv, prog=prog)


@command("drm-dashboard")
def main(argv: Sequence[str] | None, prog: str) -> int:
    """Run the dashboard until Ctrl-C or SIGTERM; return the exit status."""
    status = _subcommand(argv, prog)
    if status is not None:
        return status
    settings = parse_settings(argv, prog)
    configure_logging(settings.debug)
    from .assembly import check_source_settings  # noqa: PLC0415
    from .dashboard import DRMRealTimeDashboard  # noqa: PLC0415
    check_source_settings(settings)
    _check_report_path(settings.report)
    dashboard = DRMRealTimeDashboard(settings=settings)
    url = dashboard.start_in_background()
    stop_on_sigterm()
    where = f"at {url}" if url else "collecting without a web server"
    print(f"DRM dashboard {where} (source: {dashboard.description}); Ctrl-C to stop", flush=True)
    if settings.browser and url:
        BrowserOpener(url).start()
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
