"""Every scaling verdict (maintain and blocked ones too) from a remote coordinator, by cursor."""

import json
from importlib import resources

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from coordinator_fakes import payload
from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.errors import PayloadError
from drm_dashboard.manager.scaling import ScalingPolicy
from drm_dashboard.sources.coordinator import CoordinatorSource
from drm_dashboard.ui.decisions import verdict_words
from drm_fakes import FakeClock

pytestmark = pytest.mark.timeout(60)
KEY = "test-key-9e2b"
CAPACITY = {"cpu": {"cores": 4, "available_cores": 4}, "memory": {"total_mb": 4096, "available_mb": 4096}}
# a verdict as the reference coordinator words one the scale-up cooldown held back
BLOCKED = {"action": "maintain", "count": 0, "seq": 0, "timestamp": 1000.0, "utilization": 0.9,
           "worker_ids": [], "reason": "allocation 90% over 120 s >= 80% scale-up threshold, but the "
                                       "scale-up cooldown has 140 s of 300 s left",
           "trigger": {"window_utilization": 0.9, "instant_utilization": 0.92, "window_s": 120.0,
                       "target": 0.7, "scale_up_threshold": 0.8, "scale_down_threshold": 0.3,
                       "cooldown_up_remaining_s": 140.0, "cooldown_down_remaining_s": 0.0,
                       "pending_tasks": 3, "worker_count": 4}}


def check(instance, schema_name):
    """Validate against a component schema of the OpenAPI document, resolving its $refs."""
    spec = json.loads(resources.files("drm_dashboard.coordinator").joinpath("openapi.json").read_text())
    registry = Registry().with_resource("spec", Resource.from_contents(spec, default_specification=DRAFT202012))
    jsonschema.Draft202012Validator({"$ref": f"spec#/components/schemas/{schema_name}"},
                                    registry=registry).validate(instance)


@pytest.fixture
def coord():
    clock = FakeClock()
    c = Coordinator(KEY, port=0, evaluate_every_s=3600, clock=clock, policy=ScalingPolicy(window_s=10))
    c.start()
    c.manager.register_worker("w1", CAPACITY)
    yield c, clock
    c.stop()


def _evaluate(c, clock, times):
    for _ in range(times):
        c.manager.evaluate_scaling()
        clock.advance(6)


def test_the_reference_coordinator_sends_each_verdict_once_maintain_included(coord):
    c, clock = coord
    _evaluate(c, clock, 3)
    src = CoordinatorSource(c.url, KEY)
    src.snapshot()
    first = src.recent_evaluations()
    assert [d.action for d in first] == ["maintain"] * 3 and src.evaluations_cursor == 3
    assert first[0].reason.startswith("collecting allocation samples")
    assert verdict_words(first[0]) == "warming up: window not full yet"
    _evaluate(c, clock, 2)
    src.snapshot()  # asks from its cursor: the two new ones arrive, none twice
    assert len(src.recent_evaluations()) == 5 and src.evaluations_cursor == 5


def test_the_answer_with_verdicts_matches_the_openapi_document(coord):
    c, clock = coord
    _evaluate(c, clock, 2)
    answer = requests.get(c.url + "/api/v1/snapshot?evaluations_since=1",
                          headers={"X-API-Key": KEY}, timeout=10).json()
    check(answer, "Snapshot")
    assert answer["evaluations_seq"] == 2 and len(answer["evaluations"]) == 1
    plain = requests.get(c.url + "/api/v1/snapshot", headers={"X-API-Key": KEY}, timeout=10).json()
    assert "evaluations" not in plain  # a client that does not ask gets the answer it always had
    bad = requests.get(c.url + "/api/v1/snapshot?evaluations_since=-1", headers={"X-API-Key": KEY}, timeout=10)
    assert bad.status_code == 400 and "evaluations_since" in bad.json()["error"]


def test_an_older_coordinator_without_the_field_reads_not_reported(fake_coordinator):
    fake_coordinator.body = json.dumps(payload(n_decisions=1)).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    src.snapshot()
    assert "evaluations_since=0" in fake_coordinator.requests[-1]["path"]
    assert src.recent_evaluations() is None and src.cursor == 1


def test_a_blocked_verdict_reads_with_its_cooldown_left(fake_coordinator):
    fake_coordinator.body = json.dumps({**payload(), "evaluations": [BLOCKED], "evaluations_seq": 41}).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    src.snapshot()
    [verdict] = src.recent_evaluations()
    assert verdict_words(verdict) == "blocked by the scale-up cooldown, 140 s left"
    src.snapshot()
    assert "evaluations_since=41" in fake_coordinator.requests[-1]["path"]


@pytest.mark.parametrize("mutate, words", [
    (lambda d: d.update(evaluations={"a": 1}), "evaluations: expected a list"),
    (lambda d: d["evaluations"][0].update(action="teleport"), r"evaluations\[0\].action"),
    (lambda d: d.update(evaluations_seq="41"), "evaluations_seq"),
])
def test_a_bad_verdict_is_the_sources_health_and_nothing_is_taken(fake_coordinator, mutate, words):
    data = {**payload(n_decisions=1), "evaluations": [dict(BLOCKED)], "evaluations_seq": 41}
    mutate(data)
    fake_coordinator.body = json.dumps(data).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    with pytest.raises(PayloadError, match=words):
        src.snapshot()
    assert src.cursor == 0 and src.evaluations_cursor == 0 and src.recent_evaluations() is None


def test_the_coordinator_says_its_policy_with_its_verdicts_and_the_tab_words_its_cooldowns(coord):
    from drm_dashboard.ui.decisions import policy_text, thresholds
    from drm_dashboard.ui.context import UIContext
    c, clock = coord
    src = CoordinatorSource(c.url, KEY)
    assert src.reported_policy() is None  # nothing said yet
    src.snapshot()
    assert src.reported_policy() == ScalingPolicy(window_s=10)
    ctx = UIContext(live=None, health=None, source="remote", simulated=False, update_interval_s=5.0,
                    reported_policy=src.reported_policy)
    limits = thresholds(_NoDecisions(), ctx.current_policy())
    assert policy_text(limits).endswith("cooldowns 300 s after a scale-up, 600 s after a scale-down")


class _NoDecisions:
    decisions = ()


def test_an_older_coordinator_leaves_the_policy_unknown(fake_coordinator):
    fake_coordinator.body = json.dumps(payload()).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    src.snapshot()
    assert src.reported_policy() is None


@pytest.mark.parametrize("policy, words", [
    ({"target": 0.7}, "expected an object with"),
    ({**{f: 1 for f in ("target", "scale_up_threshold", "scale_down_threshold", "cooldown_up_s",
                        "cooldown_down_s", "window_s", "min_workers", "max_workers")}}, "scale_down_threshold < target"),
    ({**{f: "1" for f in ("target", "scale_up_threshold", "scale_down_threshold", "cooldown_up_s",
                          "cooldown_down_s", "window_s", "min_workers", "max_workers")}}, "must be a number"),
])
def test_a_bad_policy_is_the_sources_health(fake_coordinator, policy, words):
    fake_coordinator.body = json.dumps({**payload(), "evaluations": [], "evaluations_seq": 0,
                                        "policy": policy}).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    with pytest.raises(PayloadError, match=words):
        src.snapshot()
    assert src.reported_policy() is None


def test_a_policy_with_keys_we_do_not_know_is_still_read(fake_coordinator):
    policy = {"target": 0.6, "scale_up_threshold": 0.8, "scale_down_threshold": 0.2, "cooldown_up_s": 60,
              "cooldown_down_s": 120, "window_s": 30, "min_workers": 1, "max_workers": 8, "burst": 3}
    fake_coordinator.body = json.dumps({**payload(), "evaluations": [], "evaluations_seq": 0,
                                        "policy": policy}).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    src.snapshot()
    assert src.reported_policy() == ScalingPolicy(0.6, 0.8, 0.2, 60.0, 120.0, 30.0, 1, 8)
