"""The reference coordinator process: manager + API v1 server + housekeeping thread."""

from __future__ import annotations

import logging
import time
from typing import Callable

from ..manager import DynamicResourceManager, ScalingPolicy, Workload, WorkloadConfig, WorkloadDriver
from ..guard import Exposure, content_security_policy, is_loopback
from ..server import BackgroundServer
from ..threads import PeriodicLoop
from .api import MAX_BODY_BYTES, PREFIX, create_api

log = logging.getLogger(__name__)


class Coordinator:
    """Serves a DynamicResourceManager over API v1; optionally drives it with the demo workload."""

    def __init__(self, api_key: str, *, host: str = "127.0.0.1", port: int = 8086,
                 workload_seed: int | None = None, heartbeat_timeout_s: float = 30.0,
                 evaluate_every_s: float = 15.0, policy: ScalingPolicy | None = None,
                 clock: Callable[[], float] = time.time, metrics_auth: bool = True,
                 allowed_hosts: tuple[str, ...] = (), channel_timeout_s: float = 30.0,
                 access_log: bool = False) -> None:
        self.manager = DynamicResourceManager(policy=policy, clock=clock,
                                              heartbeat_timeout_s=heartbeat_timeout_s)
        self._driver = None
        if workload_seed is not None:
            # the workload's provisioner evaluates scaling and carries decisions out itself
            workload = Workload(self.manager, WorkloadConfig(seed=workload_seed), clock=clock)
            self._driver = WorkloadDriver(workload)
        # the API checks its key on every route but /health; the Guard adds Host, caps, headers
        exposure = Exposure(app_authenticates=True, allowed_hosts=allowed_hosts,
                            public_paths=frozenset({PREFIX + "/health"}), max_body_bytes=MAX_BODY_BYTES,
                            csp=content_security_policy(), channel_timeout_s=channel_timeout_s)
        api = create_api(self.manager, api_key, clock=clock, metrics_auth=metrics_auth)
        self._server = BackgroundServer(api, host, port, exposure, access_log=access_log)
        if not is_loopback(host):
            log.warning("the API key crosses the network in clear text unless a TLS proxy fronts "
                        "this port (docs/SECURITY.md)")
        self._housekeeping = PeriodicLoop(self.housekeeping_once, evaluate_every_s,
                                          "drm-coordinator-housekeeping")

    @property
    def url(self) -> str:
        return self._server.url.rstrip("/")

    @property
    def port(self) -> int:
        return self._server.port

    def housekeeping_once(self) -> None:
        """Mark silent workers lost, expire forgotten reservations, judge scaling."""
        lost = self.manager.mark_lost_workers()
        if lost:
            log.warning("workers lost (no heartbeat): %s", ", ".join(lost))
        self.manager.expire_reservations()
        if self._driver is None:
            # with real agents nobody else asks; the decision is logged for the dashboard to show
            self.manager.evaluate_scaling()

    def start(self) -> None:
        """Start serving, the workload (if any) and housekeeping."""
        self._server.start()
        if self._driver is not None:
            self._driver.start()
        self._housekeeping.start()

    def stop(self) -> None:
        """Stop everything and free the port."""
        self._housekeeping.stop()
        if self._driver is not None:
            self._driver.stop()
            self._driver.join(timeout=5)
        self._housekeeping.join(timeout=5)
        self._server.stop()
