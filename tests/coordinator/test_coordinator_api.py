"""API v1 of the reference coordinator, checked against its OpenAPI document on a real server."""

import json
from importlib import resources

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from drm_dashboard.coordinator.api import create_api
from drm_dashboard.coordinator.service import Coordinator
from drm_fakes import FakeClock

pytestmark = pytest.mark.timeout(60)
KEY = "test-key-7c1d"
SPEC = json.loads(resources.files("drm_dashboard.coordinator").joinpath("openapi.json").read_text())
CAPACITY = {"cpu": {"cores": 8}, "memory": {"total_mb": 16384},
            "gpu": {"devices": 1, "memory_mb": 24000}}


def check(instance, schema_name):
    """Validate against a component schema of the OpenAPI document, resolving its $refs."""
    registry = Registry().with_resource("spec", Resource.from_contents(
        SPEC, default_specification=DRAFT202012))
    schema = {"$ref": f"spec#/components/schemas/{schema_name}"}
    jsonschema.Draft202012Validator(schema, registry=registry).validate(instance)


@pytest.fixture
def coord():
    clock = FakeClock()
    c = Coordinator(KEY, port=0, evaluate_every_s=3600, clock=clock)
    c.start()
    c.clock = clock
    yield c
    c.stop()


def get(c, path, **headers):
    return requests.get(c.url + path, headers=headers, timeout=10)


def post(c, path, body, key=KEY):
    return requests.post(c.url + path, json=body, headers={"X-API-Key": key}, timeout=10)


def test_health_needs_no_key_and_matches_spec(coord):
    resp = get(coord, "/api/v1/health")
    assert resp.status_code == 200
    check(resp.json(), "Health")


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": f"Basic {KEY}"}])
def test_snapshot_refuses_missing_or_wrong_key(coord, headers):
    resp = get(coord, "/api/v1/snapshot", **headers)
    assert resp.status_code == 401
    check(resp.json(), "Error")


@pytest.mark.parametrize("headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}])
def test_snapshot_accepts_header_or_bearer(coord, headers):
    assert get(coord, "/api/v1/snapshot", **headers).status_code == 200


def test_register_heartbeat_snapshot_round_trip(coord):
    resp = post(coord, "/api/v1/workers", {"worker_id": "gpu-box", "resources": CAPACITY})
    assert resp.status_code == 201
    check(resp.json(), "WorkerAck")
    assert post(coord, "/api/v1/workers/gpu-box/heartbeat",
                {"usage": {"cpu": 0.42, "memory": 0.3, "gpu": 0.9}}).status_code == 200
    snap = get(coord, "/api/v1/snapshot?since=0", **{"X-API-Key": KEY}).json()
    check(snap, "Snapshot")
    worker = snap["statistics"]["workers"]["gpu-box"]
    assert worker["utilization"]["cpu"] == pytest.approx(0.42)
    assert worker["resources"]["gpu"]["memory_mb"] == 24000
    delete = requests.delete(coord.url + "/api/v1/workers/gpu-box", headers={"X-API-Key": KEY}, timeout=10)
    assert delete.status_code == 200
    assert "gpu-box" not in get(coord, "/api/v1/snapshot", **{"X-API-Key": KEY}).json()["statistics"]["workers"]


def test_bad_input_is_400_naming_the_field_and_unknown_worker_404(coord):
    bad = post(coord, "/api/v1/workers", {"worker_id": "x", "resources": {"cpu": {"cores": -2},
                                                                           "memory": {"total_mb": 1}}})
    assert bad.status_code == 400 and "cpu.cores" in bad.json()["error"]
    assert post(coord, "/api/v1/workers/ghost/heartbeat", {"usage": {"cpu": 0.1, "memory": 0.1}}).status_code == 404
    assert post(coord, "/api/v1/workers", "not an object").status_code == 400
    assert get(coord, "/api/v1/snapshot?since=-1", **{"X-API-Key": KEY}).status_code == 400


def test_decisions_after_cursor_only(coord):
    mgr = coord.manager
    for i in range(2):
        mgr.register_worker(f"w{i}", {"cpu": {"cores": 4}, "memory": {"total_mb": 4096}})
    while mgr.reserve_resources(f"t{coord.clock.now}", {"cpu_cores": 1, "memory_mb": 512}):
        coord.clock.advance(0.01)
    for _ in range(12):  # a window of full allocation: the policy scales up once
        coord.clock.advance(15)
        mgr.evaluate_scaling()
    first = get(coord, "/api/v1/snapshot?since=0", **{"X-API-Key": KEY}).json()
    assert [d["action"] for d in first["decisions"]] == ["scale_up"] and first["seq"] == 1
    again = get(coord, f"/api/v1/snapshot?since={first['seq']}", **{"X-API-Key": KEY}).json()
    assert again["decisions"] == [] and again["seq"] == 1


def test_every_route_is_in_the_spec_and_every_spec_path_is_served():
    app = create_api(_manager(), KEY, clock=lambda: 0.0)
    served = {(str(rule).replace("<worker_id>", "{worker_id}"), method.lower())
              for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, ops in SPEC["paths"].items() for method in ops}
    assert served == documented


def _manager():
    from drm_dashboard.manager import DynamicResourceManager
    return DynamicResourceManager()
