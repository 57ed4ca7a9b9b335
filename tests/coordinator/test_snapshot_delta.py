"""Snapshot deltas: only changed workers travel, a full fleet on request or after a restart, gzip."""

import gzip
import json
from importlib import resources

import jsonschema
import pytest
import requests
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from coordinator_fakes import FakeCoordinator, payload
from drm_dashboard.coordinator.service import Coordinator
from drm_dashboard.errors import PayloadError
from drm_dashboard.sources.coordinator import WORKER_ALLOWANCE, CoordinatorSource
from drm_fakes import FakeClock

pytestmark = pytest.mark.timeout(60)
KEY = "delta-key-51e0"
CAPACITY = {"cpu": {"cores": 8}, "memory": {"total_mb": 16384}}
SPEC = json.loads(resources.files("drm_dashboard.coordinator").joinpath("openapi.json").read_text())


def check(instance):
    """Validate an answer against the document's Snapshot schema."""
    registry = Registry().with_resource("spec", Resource.from_contents(SPEC, default_specification=DRAFT202012))
    jsonschema.Draft202012Validator({"$ref": "spec#/components/schemas/Snapshot"},
                                    registry=registry).validate(instance)


def _start(port=0):
    c = Coordinator(KEY, port=port, evaluate_every_s=3600, clock=FakeClock())
    c.start()
    for i in range(5):
        c.manager.register_worker(f"w{i}", CAPACITY)
        c.manager.report_usage(f"w{i}", cpu=0.1 * i, memory=0.2)
    return c


@pytest.fixture
def fake_coordinator():
    fake = FakeCoordinator()
    yield fake
    fake.stop()


@pytest.fixture
def coord():
    c = _start()
    yield c
    c.stop()


def _get(c, encoding="gzip", **params):
    resp = requests.get(c.url + "/api/v1/snapshot", params=params, timeout=10,
                        headers={"X-API-Key": KEY, "Accept-Encoding": encoding}, stream=True)
    raw = resp.raw.read(decode_content=False)
    resp.close()
    return resp, raw


def _answer(c, **params):
    resp, raw = _get(c, **params)
    assert resp.status_code == 200
    answer = json.loads(gzip.decompress(raw) if resp.headers.get("Content-Encoding") == "gzip" else raw)
    check(answer)  # deltas and full answers alike match the OpenAPI document
    return answer


def test_only_workers_changed_since_the_cursor_are_sent(coord):
    first = _answer(coord)
    assert first["delta"] is False and sorted(first["statistics"]["workers"]) == [f"w{i}" for i in range(5)]
    quiet = _answer(coord, changes_since=first["workers_seq"])
    assert quiet["delta"] is True and quiet["statistics"]["workers"] == {} and quiet["removed"] == []
    assert quiet["statistics"]["total_workers"] == 5  # the fleet's numbers are always whole
    coord.manager.report_usage("w3", cpu=0.9, memory=0.2)
    coord.manager.deregister_worker("w1")
    changed = _answer(coord, changes_since=quiet["workers_seq"])
    assert list(changed["statistics"]["workers"]) == ["w3"] and changed["removed"] == ["w1"]
    assert changed["statistics"]["workers"]["w3"]["utilization"]["cpu"] == pytest.approx(0.9)
    # an older cursor still gets every change after it
    older = _answer(coord, changes_since=first["workers_seq"])
    assert list(older["statistics"]["workers"]) == ["w3"] and older["removed"] == ["w1"]


def test_full_fleet_on_request_and_for_a_cursor_this_instance_never_gave(coord):
    seq = _answer(coord)["workers_seq"]
    for params in ({"changes_since": seq, "full": "1"}, {"changes_since": 0}, {"changes_since": seq + 7}, {}):
        answer = _answer(coord, **params)
        assert answer["delta"] is False and len(answer["statistics"]["workers"]) == 5, params
    for bad in ({"changes_since": "-1"}, {"full": "yes"}):
        resp, _ = _get(coord, **bad)
        assert resp.status_code == 400, bad


def test_gzip_only_when_the_client_accepts_it(coord):
    resp, raw = _get(coord, encoding="gzip, deflate")
    assert resp.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in resp.headers["Vary"]
    body = json.loads(gzip.decompress(raw))
    resp, plain = _get(coord, encoding="identity")
    assert "Content-Encoding" not in resp.headers and json.loads(plain)["statistics"] == body["statistics"]
    resp, _ = _get(coord, encoding="gzip;q=0")
    assert "Content-Encoding" not in resp.headers
    assert len(raw) < len(plain) / 3  # repetitive JSON: the point of asking for it


class CountingSession(requests.Session):
    """A real session that keeps each answer's worker ids (as the server sent them)."""

    def __init__(self):
        super().__init__()
        self.sent = []

    def get(self, *args, **kwargs):
        resp = super().get(*args, **kwargs)
        body = resp.content  # read (and gunzipped) here; the source then reads the same bytes
        self.sent.append(list(json.loads(body)["statistics"]["workers"]) if resp.status_code == 200 else None)
        resp.iter_content = lambda size: iter([body])
        return resp


def test_the_client_merges_deltas_into_the_whole_fleet(coord):
    session = CountingSession()
    src = CoordinatorSource(coord.url, KEY, session=session)
    assert len(src.snapshot().workers) == 5 and len(session.sent[-1]) == 5
    coord.manager.report_usage("w2", cpu=0.75, memory=0.5)
    coord.manager.deregister_worker("w4")
    coord.manager.register_worker("w9", CAPACITY)
    snap = src.snapshot()
    assert sorted(session.sent[-1]) == ["w2", "w9"]
    fleet = {w.worker_id: w for w in snap.workers}
    assert sorted(fleet) == ["w0", "w1", "w2", "w3", "w9"]
    assert fleet["w2"].cpu == pytest.approx(0.75) and fleet["w3"].cpu == pytest.approx(0.3)
    full = {w.worker_id: w for w in Coordinator_full(coord)}
    assert {k: (w.cpu, w.memory, w.tasks, w.status) for k, w in fleet.items()} == \
           {k: (w.cpu, w.memory, w.tasks, w.status) for k, w in full.items()}


def Coordinator_full(coord):  # noqa: N802 (reads as what it returns)
    return CoordinatorSource(coord.url, KEY).snapshot().workers


def test_a_restarted_coordinator_sends_the_whole_fleet_again():
    first = _start()
    session = CountingSession()
    src = CoordinatorSource(first.url, KEY, session=session)
    src.snapshot()
    src.snapshot()
    assert session.sent[-1] == [] and src.changes_cursor > 0
    port = first.port
    first.stop()
    second = _start(port)  # same address, new instance: its change numbers start again
    try:
        second.manager.deregister_worker("w0")
        snap = src.snapshot()
        assert sorted(session.sent[-1]) == ["w1", "w2", "w3", "w4"]
        assert sorted(w.worker_id for w in snap.workers) == ["w1", "w2", "w3", "w4"]
    finally:
        second.stop()


def test_a_delta_with_nothing_to_apply_it_to_is_refused_and_a_full_fleet_asked_for(fake_coordinator):
    body = payload(workers=1)
    body.update(workers_seq=4, delta=True, removed=[])
    fake_coordinator.body = json.dumps(body).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    with pytest.raises(PayloadError, match="delta"):
        src.snapshot()
    assert "changes_since=0" in fake_coordinator.requests[-1]["path"] and src.changes_cursor == 0


def test_the_size_cap_grows_with_the_fleet_seen(fake_coordinator):
    one = json.dumps(payload(workers=1)).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY, max_bytes=len(one))
    fake_coordinator.body = one
    src.snapshot()
    assert src.max_bytes == WORKER_ALLOWANCE  # one worker seen: its allowance is above the floor
    fake_coordinator.body = json.dumps(payload(workers=15)).encode()
    assert len(fake_coordinator.body) < WORKER_ALLOWANCE
    assert len(src.snapshot().workers) == 15
    assert src.max_bytes == 15 * WORKER_ALLOWANCE
    fake_coordinator.body = json.dumps(payload(workers=15 * WORKER_ALLOWANCE // 300)).encode()
    with pytest.raises(PayloadError, match="limit"):
        src.snapshot()
