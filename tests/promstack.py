"""Real Prometheus, node-exporter and Alertmanager processes on free loopback ports, for the tests.

Each starts from a generated config in a temporary directory, is waited on through its own
readiness endpoint (never a sleep), and is stopped (terminate, then kill) afterwards.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

import requests
import yaml

from drm_fakes import free_port

BINARIES = ("prometheus", "prometheus-node-exporter", "prometheus-alertmanager")


def missing_binaries() -> list[str]:
    """The stack's binaries not on PATH (scripts/test.sh installs them with apt-get)."""
    return [b for b in BINARIES if shutil.which(b) is None]


def poll(predicate: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    """Ask predicate until it returns something truthy; fail naming what was awaited."""
    deadline = time.monotonic() + timeout_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except requests.RequestException as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.1)  # the interval between two questions, not a stand-in for the answer
    raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what} (last: {last!r:.300})")


class Process:
    """One server process with its log file; stop() ends it and waits."""

    def __init__(self, name: str, argv: list[str], workdir: Path) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=workdir, start_new_session=True)

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log_path.read_text(errors="replace")[-1500:]
            raise AssertionError(f"{self.name} exited with {self.proc.returncode}:\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


def _ready(process: Process, url: str) -> bool:
    process.check_alive()
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


class Prometheus:
    """prometheus with the given scrape jobs, scraping every second."""

    def __init__(self, workdir: Path, jobs: list[dict[str, Any]], *, interval: str = "1s") -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        config = {"global": {"scrape_interval": interval, "scrape_timeout": interval,
                             "evaluation_interval": interval}, "scrape_configs": jobs}
        (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process("prometheus", [
            "prometheus", f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn"], workdir)
        try:
            poll(lambda: _ready(self.process, self.url + "/-/ready"), "prometheus /-/ready")
        except BaseException:
            self.process.stop()
            raise

    def targets_up(self, count: int, timeout_s: float = 60.0) -> list[dict[str, Any]]:
        """Wait until `count` active targets report health up (the first scrapes have landed)."""
        def up() -> list[dict[str, Any]] | None:
            self.process.check_alive()
            active = requests.get(self.url + "/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
            ok = [t for t in active if t["health"] == "up"]
            return ok if len(ok) >= count else None
        return poll(up, f"{count} prometheus targets up", timeout_s)

    def query(self, promql: str) -> list[dict[str, Any]]:
        resp = requests.get(self.url + "/api/v1/query", params={"query": promql}, timeout=10)
        return resp.json()["data"]["result"]

    def stop(self) -> None:
        self.process.stop()


class NodeExporter:
    """prometheus-node-exporter with only the CPU and memory collectors (fast to scrape)."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process = Process("node-exporter", [
            "prometheus-node-exporter", f"--web.listen-address={self.address}",
            "--collector.disable-defaults", "--collector.cpu", "--collector.meminfo",
            "--log.level=warn"], workdir)
        try:
            poll(lambda: _ready(self.process, f"http://{self.address}/metrics"), "node-exporter /metrics")
        except BaseException:
            self.process.stop()
            raise

    def stop(self) -> None:
        self.process.stop()


class Alertmanager:
    """prometheus-alertmanager with one receiver and quick grouping, no cluster listener."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        config = {"route": {"receiver": "drm", "group_wait": "1s", "group_interval": "1s",
                            "group_by": ["alertname"]},
                  "receivers": [{"name": "drm"}]}
        (workdir / "alertmanager.yml").write_text(yaml.safe_dump(config))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process("alertmanager", [
            "prometheus-alertmanager", f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'data'}", f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=", "--log.level=warn"], workdir)
        try:
            poll(lambda: _ready(self.process, self.url + "/-/ready"), "alertmanager /-/ready")
        except BaseException:
            self.process.stop()
            raise

    def stop(self) -> None:
        self.process.stop()
