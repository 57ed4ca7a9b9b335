"""The coordinator's /metrics: Prometheus text that parses, original names, each decision counted once."""

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from drm_dashboard.coordinator.metrics import reason_category
from drm_dashboard.coordinator.service import Coordinator
from drm_fakes import FakeClock

pytestmark = pytest.mark.timeout(60)
KEY = "metrics-key-5a2e"
ORIGINAL_NAMES = {
    "drm_cpu_utilization_percent", "drm_memory_utilization_percent", "drm_gpu_utilization_percent",
    "drm_worker_count", "drm_active_workers", "drm_active_tasks", "drm_pending_tasks",
    "drm_task_throughput_per_second", "drm_allocation_time_milliseconds",
    "drm_resource_efficiency_percent", "drm_worker_cpu_utilization_percent",
    "drm_worker_memory_utilization_percent", "drm_worker_gpu_utilization_percent", "drm_worker_tasks",
    "drm_scaling_operations",
}
GPU = {"cpu": {"cores": 8}, "memory": {"total_mb": 16384}, "gpu": {"devices": 1, "memory_mb": 24000}}
CPU = {"cpu": {"cores": 4}, "memory": {"total_mb": 4096}}


@pytest.fixture
def coord():
    clock = FakeClock()
    c = Coordinator(KEY, port=0, evaluate_every_s=3600, clock=clock)
    c.start()
    c.clock = clock
    yield c
    c.stop()


def scrape(c, **headers):
    resp = requests.get(c.url + "/metrics", headers=headers, timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/plain")
    return {f.name: f for f in text_string_to_metric_families(resp.text)}


def samples(families, name):
    return {tuple(sorted(s.labels.items())): s.value for s in families[name].samples
            if s.name == name or s.name == name + "_total"}


def scale_up_once(c, prefix):
    """Fill the pool and judge it over a whole window: the policy logs one scale_up."""
    mgr = c.manager
    while mgr.reserve_resources(f"{prefix}{c.clock.now}", {"cpu_cores": 1, "memory_mb": 512}):
        c.clock.advance(0.01)
    for _ in range(12):
        c.clock.advance(15)
        mgr.evaluate_scaling()


def test_metrics_need_the_key_as_bearer_or_header(coord):
    assert requests.get(coord.url + "/metrics", timeout=10).status_code == 401
    assert requests.get(coord.url + "/metrics", headers={"Authorization": "Bearer nope"},
                        timeout=10).status_code == 401
    scrape(coord, Authorization=f"Bearer {KEY}")
    scrape(coord, **{"X-API-Key": KEY})


def test_metrics_no_auth_is_an_explicit_opt_out():
    c = Coordinator(KEY, port=0, evaluate_every_s=3600, metrics_auth=False)
    c.start()
    try:
        scrape(c)
        assert requests.get(c.url + "/api/v1/snapshot", timeout=10).status_code == 401
    finally:
        c.stop()


def test_text_parses_with_the_original_names_and_per_worker_labels(coord):
    mgr = coord.manager
    mgr.register_worker("gpu-box", GPU)
    mgr.register_worker("cpu-box", CPU)
    mgr.report_usage("gpu-box", cpu=0.42, memory=0.3, gpu=0.9)
    assert mgr.reserve_resources("t1", {"cpu_cores": 2, "memory_mb": 1024})
    fams = scrape(coord, **{"X-API-Key": KEY})
    assert ORIGINAL_NAMES <= set(fams)
    cpu = samples(fams, "drm_worker_cpu_utilization_percent")
    assert cpu[(("worker_id", "gpu-box"),)] == pytest.approx(42.0)
    gpu = samples(fams, "drm_worker_gpu_utilization_percent")
    # a CPU-only worker has no GPU: it is absent from the family, never 0
    assert set(gpu) == {(("worker_id", "gpu-box"),)} and gpu[(("worker_id", "gpu-box"),)] == pytest.approx(90.0)
    assert samples(fams, "drm_worker_count")[()] == 2
    assert samples(fams, "drm_active_tasks")[()] == 1
    assert sum(samples(fams, "drm_worker_tasks").values()) == 1
    assert samples(fams, "drm_worker_cpu_cores")[(("worker_id", "cpu-box"),)] == 4
    hist = {s.labels.get("le"): s.value for s in fams["drm_allocation_duration_milliseconds"].samples
            if s.name.endswith("_bucket")}
    assert hist["+Inf"] == 1 and fams["drm_allocation_duration_milliseconds"].type == "histogram"


def test_each_decision_is_counted_once_across_scrapes(coord):
    for i in range(2):
        coord.manager.register_worker(f"w{i}", CPU)
    scale_up_once(coord, "a")
    key = {"X-API-Key": KEY}
    first = samples(scrape(coord, **key), "drm_scaling_operations")
    (logged,) = coord.manager.decisions_since(0)
    label = (("direction", "up"), ("reason", reason_category(logged.reason)))
    assert first == {label: 1} and label[1][1] != "other"
    for _ in range(3):  # scrapes with no new decision change nothing
        assert samples(scrape(coord, **key), "drm_scaling_operations") == first
    coord.manager.register_worker("w2", CPU)
    coord.clock.advance(400)  # past the scale-up cooldown
    scale_up_once(coord, "b")
    later = samples(scrape(coord, **key), "drm_scaling_operations")
    assert len(coord.manager.decisions_since(0)) == 2 and sum(later.values()) == 2


def test_lost_workers_count_once(coord):
    mgr = coord.manager
    mgr.register_worker("w0", CPU)
    mgr.report_usage("w0", cpu=0.1, memory=0.1)
    key = {"X-API-Key": KEY}
    assert samples(scrape(coord, **key), "drm_workers_lost")[()] == 0
    coord.clock.advance(31)
    coord.housekeeping_once()
    for _ in range(2):
        fams = scrape(coord, **key)
        assert samples(fams, "drm_workers_lost")[()] == 1
    assert samples(fams, "drm_worker_status")[(("status", "lost"), ("worker_id", "w0"))] == 1


@pytest.mark.parametrize("reason, label", [
    ("allocation 85% over 300 s >= 80% scale-up threshold; adding 2 workers", "high_allocation"),
    ("3 pending tasks fit no worker (allocation 20% over 300 s)", "unplaceable_tasks"),
    ("1 pending task fits no worker (allocation 20% over 300 s)", "unplaceable_tasks"),
    ("empty pool, 4 tasks pending; adding 1 worker", "empty_pool"),
    ("1 workers < min_workers 2; adding 1 worker", "below_min_workers"),
    ("allocation 10% over 300 s <= 30% scale-down threshold; removing 1 worker", "low_allocation"),
    ("an operator's manual decision", "other"),
])
def test_reasons_map_to_a_bounded_label(reason, label):
    assert reason_category(reason) == label
