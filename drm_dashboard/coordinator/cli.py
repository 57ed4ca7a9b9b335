"""drm-coordinator: run the reference coordinator; bad input exits 2 with one line."""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass, field
from typing import Sequence

from ..cli_common import OneLineParser, command, configure_logging, parse_settings, stop_on_sigterm
from ..config import check_key_flags, check_port, check_range, read_key
from ..environment import API_KEY_ENV, FromEnvironment, alias
from ..errors import ConfigError


@dataclass(frozen=True)
class CoordinatorSettings(FromEnvironment):
    """Every knob of drm-coordinator: flag > DRM_COORDINATOR_* > default (the key also DRM_API_KEY)."""

    env_prefix = "DRM_COORDINATOR_"
    host: str = "127.0.0.1"
    port: int = 8086
    api_key: str | None = field(default=None, repr=False,
                                metadata=alias(API_KEY_ENV, when=lambda v: not v.get("api_key_file")))
    api_key_file: str | None = None
    workload: bool = False
    seed: int = 0
    heartbeat_timeout: float = 30.0
    evaluate_every: float = 15.0
    allowed_host: str | None = None
    metrics_no_auth: bool = False
    access_log: bool = False

    def __post_init__(self) -> None:
        check_port(self.port)
        check_key_flags(self.api_key, self.api_key_file)
        if not (self.api_key or self.api_key_file):
            raise ConfigError(f"an API key is required: pass --api-key, --api-key-file or set {API_KEY_ENV}")
        check_range("heartbeat_timeout", self.heartbeat_timeout, 0.5, 86400.0)
        check_range("evaluate_every", self.evaluate_every, 0.1, 3600.0)

    def allowed_hosts(self) -> tuple[str, ...]:
        return tuple(h.strip() for h in (self.allowed_host or "").split(",") if h.strip())


def build_parser() -> argparse.ArgumentParser:
    """Flags of the reference coordinator; unset flags stay None so the environment can fill them."""
    p = OneLineParser(prog="drm-coordinator",
                       description="Reference DRM coordinator serving API v1 over HTTP.")
    p.add_argument("--host", help="host to bind to (default: 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to bind to (default: 8086; 0: any free port)")
    p.add_argument("--api-key", dest="api_key", help=f"key clients must present (or {API_KEY_ENV})")
    p.add_argument("--workload", action="store_true", default=None,
                   help="drive the manager with the built-in simulated workload (a demo on its own)")
    p.add_argument("--seed", type=int, help="seed of the simulated workload (default: 0)")
    p.add_argument("--heartbeat-timeout", dest="heartbeat_timeout", type=float,
                   help="seconds without a heartbeat before a worker is marked lost (default: 30)")
    p.add_argument("--evaluate-every", dest="evaluate_every", type=float,
                   help="seconds between housekeeping rounds (lost workers, scaling; default: 15)")
    p.add_argument("--access-log", dest="access_log", action="store_true", default=None,
                   help="log one line per API request (default: off)")
    # -- exposure (issue 12) --------------------------------------------------------------------
    p.add_argument("--api-key-file", dest="api_key_file",
                   help="read the key from this file's first line (keeps it out of ps)")
    p.add_argument("--allowed-host", dest="allowed_host", metavar="NAMES",
                   help="comma-separated Host names served besides loopback and --host ('*': any)")
    # Prometheus sends the key as `authorization: {type: Bearer, credentials: KEY}` in its scrape job
    p.add_argument("--metrics-no-auth", dest="metrics_no_auth", action="store_true", default=None,
                   help="serve /metrics without the key (for a scraper that cannot send one)")
    return p


@command("drm-coordinator")
def main(argv: Sequence[str] | None, prog: str) -> int:
    """Run until Ctrl-C or SIGTERM."""
    s = parse_settings(build_parser(), CoordinatorSettings, argv)
    key = read_key(s.api_key, s.api_key_file)
    configure_logging()
    from .service import Coordinator  # noqa: PLC0415 (argument errors first, imports after)
    coordinator = Coordinator(key, host=s.host, port=s.port,
                              workload_seed=s.seed if s.workload else None,
                              heartbeat_timeout_s=s.heartbeat_timeout, evaluate_every_s=s.evaluate_every,
                              metrics_auth=not s.metrics_no_auth, allowed_hosts=s.allowed_hosts(),
                              access_log=s.access_log)
    coordinator.start()
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
