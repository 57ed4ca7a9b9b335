"""Schema-driven fuzzing (schemathesis) of the real coordinator on port 0: the code and openapi.json agree."""

import json
from importlib import resources

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from drm_dashboard.coordinator.service import Coordinator

pytestmark = pytest.mark.timeout(600)
KEY = "fuzz-key-0b7e"
SPEC = json.loads(resources.files("drm_dashboard.coordinator").joinpath("openapi.json").read_text())
schema = schemathesis.openapi.from_dict(SPEC)
# the one rule JSON Schema cannot state (the document says it in Capacity's description)
PAIRS = (("cpu", "cores", "available_cores"), ("memory", "total_mb", "available_mb"),
         ("gpu", "memory_mb", "available_memory_mb"))


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def more_available_than_total(body) -> bool:
    """A registration breaking the rule: a documented 400, although its body matches the schema."""
    resources = body.get("resources") if isinstance(body, dict) else None
    if not isinstance(resources, dict):
        return False
    return any(isinstance(part, dict) and _number(part.get(total)) and _number(part.get(available))
               and part[available] > part[total]
               for part, total, available in ((resources.get(s), t, a) for s, t, a in PAIRS))


@pytest.fixture(scope="module")
def coordinator():
    c = Coordinator(KEY, port=0, evaluate_every_s=3600)
    c.start()
    # one known worker, so heartbeats and deletes also reach the code behind the 404
    requests.post(c.url + "/api/v1/workers", headers={"X-API-Key": KEY}, timeout=10,
                  json={"worker_id": "w1", "resources": {"cpu": {"cores": 4}, "memory": {"total_mb": 1024}}})
    yield c
    c.stop()


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, coordinator):
    # positive and negative cases: no 5xx, documented status codes, bodies that match the schemas
    headers = {"X-API-Key": KEY}
    if case.operation.path == "/api/v1/workers" and more_available_than_total(case.body):
        resp = case.call(base_url=coordinator.url, headers=headers)
        assert resp.status_code == 400 and resp.json()["error"]
        return
    case.call_and_validate(base_url=coordinator.url, headers=headers)


def test_more_available_than_total_is_the_documented_400(coordinator):
    body = {"worker_id": "w2", "resources": {"cpu": {"cores": 2, "available_cores": 3},
                                             "memory": {"total_mb": 1024}}}
    resp = requests.post(coordinator.url + "/api/v1/workers", json=body, headers={"X-API-Key": KEY},
                         timeout=10)
    assert resp.status_code == 400
    assert resp.json() == {"error": "cpu.available_cores (3) exceeds cpu.cores (2)"}
    assert "must not exceed" in SPEC["components"]["schemas"]["Capacity"]["description"]
