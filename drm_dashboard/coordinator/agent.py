"""drm-worker: register this machine with a coordinator and report its real usage."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import psutil
import requests

from ..cli_common import OneLineParser, command, configure_logging, parse_settings, stop_on_sigterm
from ..config import check_key_flags, check_range, check_url, read_key
from ..environment import API_KEY_ENV, FromEnvironment, alias
from ..errors import ConfigError
from ..threads import BackgroundLoop
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


class WorkerAgent(BackgroundLoop):
    """Register, then heartbeat every interval; back off while the coordinator is away.

    drm-worker calls run() in its main thread; start() runs the same loop on a named thread.
    """

    thread_name = "drm-worker"

    def __init__(self, coordinator: str, api_key: str, worker_id: str, *, interval_s: float = 5.0,
                 max_backoff_s: float = 60.0, gpu_reader: Callable[[], GpuReading | None] = read_gpus,
                 ca_bundle: str | None = None) -> None:
        super().__init__()
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
        """The loop in the calling thread, until stop() or Ctrl-C."""
        self._run()

    def _run(self) -> None:
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



@dataclass(frozen=True)
class WorkerSettings(FromEnvironment):
    """Every knob of drm-worker: flag > DRM_WORKER_* > default (the key also DRM_API_KEY)."""

    env_prefix = "DRM_WORKER_"
    coordinator: str | None = None
    api_key: str | None = field(default=None, repr=False,
                                metadata=alias(API_KEY_ENV, when=lambda v: not v.get("api_key_file")))
    api_key_file: str | None = None
    worker_id: str = field(default_factory=socket.gethostname)
    interval: float = 5.0
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        if not self.coordinator:
            raise ConfigError("--coordinator is required (or DRM_WORKER_COORDINATOR), "
                              "e.g. http://127.0.0.1:8086")
        check_url(self.coordinator, "--coordinator")
        check_key_flags(self.api_key, self.api_key_file)
        if not (self.api_key or self.api_key_file):
            raise ConfigError(f"an API key is required: pass --api-key, --api-key-file or set {API_KEY_ENV}")
        check_range("interval", self.interval, 0.1, 3600.0)
        if id_problem(self.worker_id) is not None:
            raise ConfigError(f"--worker-id: {id_problem(self.worker_id)}")


def build_parser() -> OneLineParser:
    """The flags; unset ones stay None so the environment can fill them."""
    p = OneLineParser(prog="drm-worker", description="Report this machine to a DRM coordinator.")
    p.add_argument("--coordinator", help="coordinator URL, e.g. http://127.0.0.1:8086")
    p.add_argument("--api-key", dest="api_key", help=f"coordinator key (or {API_KEY_ENV})")
    p.add_argument("--worker-id", dest="worker_id", help="this machine's id (default: its host name)")
    p.add_argument("--interval", type=float, help="seconds between heartbeats (default: 5)")
    p.add_argument("--api-key-file", dest="api_key_file", help="read the key from this file's first line")
    p.add_argument("--ca-bundle", dest="ca_bundle", help="CA certificates (PEM) an https coordinator must chain to")
    return p


@command("drm-worker")
def main(argv: Sequence[str] | None, prog: str) -> int:
    """Run the agent until Ctrl-C or SIGTERM."""
    s = parse_settings(build_parser(), WorkerSettings, argv)
    key = read_key(s.api_key, s.api_key_file)
    configure_logging()
    agent = WorkerAgent(s.coordinator, key, s.worker_id, interval_s=s.interval, ca_bundle=s.ca_bundle)
    stop_on_sigterm()
    try:
        agent.run()
    except KeyboardInterrupt:
        pass  # run() has deregistered on its way out
    return 0


if __name__ == "__main__":
    sys.exit(main())
