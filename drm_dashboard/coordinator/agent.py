"""drm-worker: register this machine with a coordinator and report its real usage."""

from __future__ import annotations


import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import psutil
import requests

from ..auth import read_secret
from ..cli_common import OneLineParser, bounded, configure_logging, stop_on_sigterm
from ..errors import DashboardError
from ..validation import id_problem

log = logging.getLogger("drm_worker")
_NVIDIA_QUERY = ["--query-gpu=memory.total,memory.used,utilization.gpu", "--format=csv,noheader,nounits"]


@dataclass(frozen=True)
class GpuReading:
    """Total and used memory (MB) and utilization (0..1) over every GPU of the machine."""

    devices: int
    memory_mb: float
    used_mb: float
    utilization: float


def read_gpus(run: Callable[[list[str]], str] | None = None) -> GpuReading | None:
    """Query nvidia-smi when it is installed; None on a machine without NVIDIA GPUs."""
    exe = shutil.which("nvidia-smi")
    if run is None and exe is None:
        return None
    run = run or (lambda args: subprocess.run([exe, *args], capture_output=True, text=True,
                                              timeout=10, check=True).stdout)
    try:
        rows = [line.split(",") for line in run(_NVIDIA_QUERY).strip().splitlines() if line.strip()]
        values = [(float(t), float(u), float(p)) for t, u, p in rows]
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        log.warning("nvidia-smi gave no usable reading (%s); reporting no GPU", exc)
        return None
    if not values:
        return None
    return GpuReading(devices=len(values), memory_mb=sum(v[0] for v in values),
                      used_mb=sum(v[1] for v in values),
                      utilization=sum(v[2] for v in values) / (100.0 * len(values)))


def capacity(gpu: GpuReading | None) -> dict[str, Any]:
    """This machine's capacity in the coordinator's schema."""
    vm = psutil.virtual_memory()
    cores = psutil.cpu_count(logical=True) or 1
    res: dict[str, Any] = {"cpu": {"cores": cores, "available_cores": cores},
                           "memory": {"total_mb": vm.total / 2**20, "available_mb": vm.total / 2**20}}
    if gpu is not None:
        res["gpu"] = {"devices": gpu.devices, "memory_mb": gpu.memory_mb,
                      "available_memory_mb": gpu.memory_mb}
    return res


def usage(gpu: GpuReading | None) -> dict[str, float | None]:
    """Measured use as fractions: CPU since the last call, memory now, GPU utilization."""
    return {"cpu": min(psutil.cpu_percent(interval=None) / 100.0, 1.0),
            "memory": min(psutil.virtual_memory().percent / 100.0, 1.0),
            "gpu": None if gpu is None else min(gpu.utilization, 1.0)}


def _refuse_redirect(resp: requests.Response) -> None:
    """raise_for_status, and a redirect counts as a failure (its target never gets the key)."""
    if 300 <= resp.status_code < 400:
        raise requests.HTTPError(f"coordinator redirected (HTTP {resp.status_code}); not following "
                                 "with the key: point --coordinator at the final address")
    resp.raise_for_status()


class WorkerAgent:
    """Register, then heartbeat every interval; back off while the coordinator is away."""

    def __init__(self, coordinator: str, api_key: str, worker_id: str, *, interval_s: float = 5.0,
                 max_backoff_s: float = 60.0, gpu_reader: Callable[[], GpuReading | None] = read_gpus,
                 ca_bundle: str | None = None) -> None:
        self._base = coordinator.rstrip("/") + "/api/v1"
        self._session = requests.Session()
        # certificates are always verified; a bundle names whom to trust (passed per request:
        # REQUESTS_CA_BUNDLE in the environment would override the session's setting)
        self._verify: str | bool = ca_bundle or True
        self._session.headers["X-API-Key"] = api_key
        self.worker_id = worker_id
        self.interval_s = interval_s
        self._max_backoff_s = max_backoff_s
        self._read_gpus = gpu_reader
        self.registered = False
        self.failures = 0
        self._stop = threading.Event()

    def beat_once(self) -> bool:
        """Register if needed, then send one heartbeat; True when the coordinator took it."""
        gpu = self._read_gpus()
        try:
            if not self.registered:
                self._post("/workers", {"worker_id": self.worker_id, "resources": capacity(gpu)})
                self.registered = True
                log.info("registered %s", self.worker_id)
            resp = self._session.post(f"{self._base}/workers/{self.worker_id}/heartbeat",
                                      json={"usage": usage(gpu)}, timeout=(3, 10),
                                      allow_redirects=False, verify=self._verify)
            if resp.status_code == 404:
                self.registered = False  # the coordinator restarted and forgot us: register again
                return self._failed("coordinator does not know this worker; registering again")
            _refuse_redirect(resp)
        except requests.RequestException as exc:
            return self._failed(str(exc).splitlines()[-1] if str(exc) else type(exc).__name__)
        self.failures = 0
        return True

    def _post(self, path: str, body: dict[str, Any]) -> None:
        # no redirects: the key header would follow them to whatever host they name
        _refuse_redirect(self._session.post(self._base + path, json=body, timeout=(3, 10),
                                            allow_redirects=False, verify=self._verify))

    def _failed(self, reason: str) -> bool:
        self.failures += 1
        log.warning("heartbeat failed (%d in a row): %s", self.failures, reason)
        return False

    def next_delay(self) -> float:
        """The interval, doubled per failure in a row, capped."""
        return min(self.interval_s * 2 ** min(self.failures, 16), self._max_backoff_s)

    def run(self) -> None:
        """Heartbeat until stop(); deregister on the way out when the coordinator is there."""
        psutil.cpu_percent(interval=None)  # the first reading only starts the measurement
        try:
            while not self._stop.is_set():
                self.beat_once()
                self._stop.wait(self.next_delay())
        finally:
            self._deregister()

    def _deregister(self) -> None:
        if not self.registered:
            return
        try:
            self._session.delete(f"{self._base}/workers/{self.worker_id}", timeout=(3, 5),
                                 verify=self._verify)
        except requests.RequestException:
            pass  # leaving while the coordinator is down: it will mark us lost

    def stop(self) -> None:
        self._stop.set()



def _key(args: Any, p: OneLineParser) -> str:
    """--api-key, --api-key-file or DRM_API_KEY; exits 2 with one line when none (or two) are given."""
    if args.api_key and args.api_key_file:
        p.error("pass the key once: --api-key or --api-key-file, not both")
    try:
        key = read_secret(args.api_key_file, "--api-key-file") if args.api_key_file else None
    except DashboardError as exc:
        p.error(str(exc))
    key = key or args.api_key or os.environ.get("DRM_API_KEY")
    if not key:
        p.error("an API key is required: pass --api-key, --api-key-file or set DRM_API_KEY")
    return key


def main(argv: Sequence[str] | None = None) -> int:
    """Run the agent until Ctrl-C or SIGTERM."""
    p = OneLineParser(prog="drm-worker", description="Report this machine to a DRM coordinator.")
    p.add_argument("--coordinator", required=True, help="coordinator URL, e.g. http://127.0.0.1:8086")
    p.add_argument("--api-key", dest="api_key", help="coordinator key (or DRM_API_KEY)")
    p.add_argument("--worker-id", dest="worker_id", default=socket.gethostname())
    p.add_argument("--interval", type=bounded(0.1, 3600.0), default=5.0, help="seconds between heartbeats")
    p.add_argument("--api-key-file", dest="api_key_file", help="read the key from this file's first line")
    p.add_argument("--ca-bundle", dest="ca_bundle", help="CA certificates (PEM) an https coordinator must chain to")
    args = p.parse_args(argv)
    key = _key(args, p)
    if not args.coordinator.startswith(("http://", "https://")):
        p.error("--coordinator must be an http(s) URL")
    if id_problem(args.worker_id) is not None:
        p.error(f"--worker-id: {id_problem(args.worker_id)}")
    configure_logging()
    agent = WorkerAgent(args.coordinator, key, args.worker_id, interval_s=args.interval,
                        ca_bundle=args.ca_bundle)
    stop_on_sigterm()
    try:
        agent.run()
    except KeyboardInterrupt:
        pass  # run() has deregistered on its way out
    return 0


if __name__ == "__main__":
    sys.exit(main())
