"""The local cloud provider: workers it starts join the manager, and cost accrues at the configured rates."""

import json

import numpy as np
import pytest

from drm_dashboard.errors import ConfigError
from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig
from drm_dashboard.manager.cloud import CloudProviderManager, CloudWorker, LocalCloudProvider, provider_series
from drm_dashboard.manager.cloud_config import DEMO_RATES, CloudConfig

RATES = {
    "instance_types": {"small": {"cpu_cores": 4, "memory_mb": 8192},
                       "gpu": {"cpu_cores": 8, "memory_mb": 32768, "gpu_devices": 1, "gpu_memory_mb": 16384}},
    "providers": {"cheap": {"max_workers": 1, "hourly_rates": {"small": 1.0}},
                  "dear": {"hourly_rates": {"small": 3.0, "gpu": 10.0}}},
}


@pytest.fixture
def cloud(clock):
    return LocalCloudProvider(DynamicResourceManager(clock=clock), CloudConfig.from_dict(RATES), clock=clock)


def test_a_created_worker_joins_the_manager_and_costs_its_rate_per_hour(cloud, clock):
    wid = cloud.create_worker("dear", "gpu")
    assert isinstance(cloud, CloudProviderManager)
    stats = cloud.manager.get_worker_statistics()
    assert stats["workers"][wid]["resources"]["gpu"]["memory_mb"] == 16384
    clock.advance(1800)
    assert cloud.cost_estimate() == pytest.approx(5.0)
    assert cloud.cost_estimate("cheap") == 0.0
    assert [w.worker_id for w in cloud.active_workers("dear")] == [wid]


def test_terminating_stops_the_meter_and_removes_the_worker(cloud, clock):
    wid = cloud.create_worker("cheap", "small")
    clock.advance(7200)
    assert cloud.terminate_worker(wid) is True
    clock.advance(7200)
    assert cloud.cost_estimate() == pytest.approx(2.0)
    assert cloud.active_workers() == []
    assert wid not in cloud.manager.get_worker_statistics()["workers"]
    assert cloud.terminate_worker(wid) is False


def test_a_provider_quota_is_enforced_and_adoption_overflows_to_the_next_cheapest(cloud):
    cloud.create_worker("cheap", "small")
    with pytest.raises(ConfigError, match="maximum of 1"):
        cloud.create_worker("cheap", "small")
    adopted = cloud.adopt("outside-1", {"cpu": {"cores": 4}, "memory": {"total_mb": 8192}})
    assert (adopted.provider, adopted.hourly_rate) == ("dear", 3.0)


def test_a_worker_of_no_known_size_is_refused_with_its_capacity_named(cloud):
    with pytest.raises(ConfigError, match="no instance type .* 6 cores"):
        cloud.adopt("odd", {"cpu": {"cores": 6}, "memory": {"total_mb": 8192}})
    with pytest.raises(ConfigError, match="no rate for instance type 'gpu'"):
        cloud.create_worker("cheap", "gpu")


def test_the_workload_provisions_through_the_cloud_so_every_worker_is_priced(clock):
    manager = DynamicResourceManager(clock=clock)
    cloud = LocalCloudProvider(manager, clock=clock)
    workload = Workload(cloud.provisioning_manager(), WorkloadConfig(seed=3), clock=clock)
    for _ in range(180):
        workload.step(clock.advance(5))
    running = {w.worker_id for w in cloud.active_workers()}
    assert running == set(manager.get_worker_statistics()["workers"])
    assert len(cloud.worker_history()) > len(running)  # the pool scaled down: ended meters are kept
    assert cloud.cost_estimate() > 0


def test_provider_series_counts_running_workers_and_accrues_cost_exactly():
    history = [CloudWorker("a", "p", "small", 2.0, 0.0, 3600.0), CloudWorker("b", "p", "small", 1.0, 1800.0),
               CloudWorker("c", "q", "gpu", 4.0, 0.0)]
    p, q = provider_series(history, np.array([0.0, 1800.0, 3600.0, 7200.0]))
    assert (p.provider, q.provider) == ("p", "q")
    assert p.workers.tolist() == [1, 2, 1, 1]
    assert p.cost.tolist() == pytest.approx([0.0, 1.0, 2.5, 3.5])
    assert q.cost.tolist() == pytest.approx([0.0, 2.0, 4.0, 8.0])


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["providers"]["dear"]["hourly_rates"].update(huge=1.0), "unknown instance type 'huge'"),
    (lambda d: d["providers"]["dear"]["hourly_rates"].update(small=-1), "must be above 0"),
    (lambda d: d["instance_types"]["small"].pop("cpu_cores"), "small.cpu_cores: expected a number"),
    (lambda d: d.pop("providers"), "providers: expected a table"),
])
def test_a_bad_rates_config_names_the_field(edit, message):
    data = json.loads(json.dumps(RATES))
    edit(data)
    with pytest.raises(ConfigError, match=message):
        CloudConfig.from_dict(data)


def test_rates_load_from_toml_and_json(tmp_path):
    toml = tmp_path / "rates.toml"
    toml.write_text('currency = "EUR"\n[instance_types.small]\ncpu_cores = 4\nmemory_mb = 8192\n'
                    '[providers.local.hourly_rates]\nsmall = 0.5\n')
    assert CloudConfig.load(toml).currency == "EUR"
    js = tmp_path / "rates.json"
    js.write_text(json.dumps(DEMO_RATES))
    assert CloudConfig.load(js).provider("on-prem").max_workers == 4
    with pytest.raises(ConfigError, match="rates.json"):
        CloudConfig.load(tmp_path / "missing" / "rates.json")
