"""drm-coordinator: run the reference coordinator; bad input exits 2 with one line."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from typing import Sequence

from ..cli_common import OneLineParser, bounded, configure_logging, stop_on_sigterm
from ..auth import read_secret
from ..errors import DashboardError



def build_parser() -> argparse.ArgumentParser:
    """Flags of the reference coordinator."""
    p = OneLineParser(prog="drm-coordinator",
                       description="Reference DRM coordinator serving API v1 over HTTP.")
    p.add_argument("--host", default="127.0.0.1", help="host to bind to (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8086, help="port to bind to (default: 8086)")
    p.add_argument("--api-key", dest="api_key", help="key clients must present (or DRM_API_KEY)")
    p.add_argument("--workload", action="store_true",
                   help="drive the manager with the built-in simulated workload (a demo on its own)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated workload")
    p.add_argument("--heartbeat-timeout", dest="heartbeat_timeout", type=bounded(0.5, 86400.0),
                   default=30.0, help="seconds without a heartbeat before a worker is marked lost")
    p.add_argument("--evaluate-every", dest="evaluate_every", type=bounded(0.1, 3600.0), default=15.0,
                   help="seconds between housekeeping rounds (lost workers, scaling)")
    # -- exposure (issue 12) --------------------------------------------------------------------
    p.add_argument("--api-key-file", dest="api_key_file",
                   help="read the key from this file's first line (keeps it out of ps)")
    p.add_argument("--allowed-host", dest="allowed_host", metavar="NAMES",
                   help="comma-separated Host names served besides loopback and --host ('*': any)")
    # Prometheus sends the key as `authorization: {type: Bearer, credentials: KEY}` in its scrape job
    p.add_argument("--metrics-no-auth", dest="metrics_no_auth", action="store_true",
                   help="serve /metrics without the key (for a scraper that cannot send one)")
    return p


def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if args.api_key and args.api_key_file:
        parser.error("pass the key once: --api-key or --api-key-file, not both")
    if args.api_key_file:
        try:
            return read_secret(args.api_key_file, "--api-key-file")
        except DashboardError as exc:
            parser.error(str(exc))
    key = args.api_key or os.environ.get("DRM_API_KEY")
    if not key:
        parser.error("an API key is required: pass --api-key or set DRM_API_KEY")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {args.port}")
    return key


def main(argv: Sequence[str] | None = None) -> int:
    """Run until Ctrl-C or SIGTERM."""
    parser = build_parser()
    args = parser.parse_args(argv)
    key = _check(args, parser)
    configure_logging()
    from .service import Coordinator  # noqa: PLC0415 (argument errors first, imports after)
    try:
        coordinator = Coordinator(key, host=args.host, port=args.port,
                                  workload_seed=args.seed if args.workload else None,
                                  heartbeat_timeout_s=args.heartbeat_timeout,
                                  evaluate_every_s=args.evaluate_every,
                                  metrics_auth=not args.metrics_no_auth,
                                  allowed_hosts=tuple(h.strip() for h in (args.allowed_host or "").split(",")
                                                      if h.strip()))
        coordinator.start()
    except DashboardError as exc:
        sys.stderr.write(f"drm-coordinator: error: {exc}\n")
        return 2
    stop_on_sigterm()
    # the port line is what scripts and tests read to find a port chosen with --port 0
    print(f"drm-coordinator listening on {coordinator.url} (API v1)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        coordinator.stop()
    return 0
