"""A real fleet behind a real Prometheus: the reference coordinator and node-exporter, scraped."""

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.manager import ScalingPolicy
from promstack import Alertmanager, NodeExporter, Prometheus, missing_binaries
from stack_config import CPU, KEY, REPORTED, scrape_jobs

# the UI tests' callback helpers (ui_views) are reused to render tabs from this fleet
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))


@pytest.fixture(scope="module", autouse=True)
def _binaries():
    missing = missing_binaries()
    if missing:  # scripts/test.sh installs them; a run without them is a broken setup, not a skip
        pytest.fail(f"missing {', '.join(missing)}: run scripts/test.sh or apt-get install them")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Coordinator (three workers registered over its API) + node-exporter + Prometheus."""
    work = tmp_path_factory.mktemp("stack")
    # min_workers 5 with 3 workers: the policy scales up the first time it is asked
    coordinator = Coordinator(KEY, port=0, evaluate_every_s=3600, policy=ScalingPolicy(min_workers=5))
    coordinator.start()
    started = [coordinator]
    try:
        headers = {"X-API-Key": KEY}
        for wid, (cpu, memory) in REPORTED.items():
            requests.post(f"{coordinator.url}/api/v1/workers", json={"worker_id": wid, "resources": CPU},
                          headers=headers, timeout=10).raise_for_status()
            requests.post(f"{coordinator.url}/api/v1/workers/{wid}/heartbeat",
                          json={"usage": {"cpu": cpu, "memory": memory}}, headers=headers,
                          timeout=10).raise_for_status()
        coordinator.manager.reserve_resources("task-1", {"cpu_cores": 2, "memory_mb": 1024})
        node = NodeExporter(work / "node")
        started.append(node)
        prometheus = Prometheus(work / "prometheus", scrape_jobs(coordinator.port, node.address))
        started.append(prometheus)
        prometheus.targets_up(2)
        yield SimpleNamespace(coordinator=coordinator, node=node, prometheus=prometheus, work=work)
    finally:
        for server in reversed(started):
            server.stop()


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory):
    am = Alertmanager(tmp_path_factory.mktemp("alertmanager"))
    yield am
    am.stop()
