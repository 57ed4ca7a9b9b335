"""CoordinatorSource: every remote failure becomes a SourceError with a readable reason."""

import json

import pytest

from coordinator_fakes import payload
from drm_dashboard.errors import AuthRejected, PayloadError, SourceUnavailable
from drm_dashboard.sources.coordinator import CoordinatorSource

pytestmark = pytest.mark.timeout(30)
KEY = "k-3f9a-secret"


def test_snapshot_sends_key_in_header_and_moves_cursor(fake_coordinator):
    fake_coordinator.body = json.dumps(payload(n_decisions=3)).encode()
    src = CoordinatorSource(fake_coordinator.url, KEY)
    snap = src.snapshot()
    assert len(snap.workers) == 2 and [d.seq for d in snap.decisions] == [1, 2, 3]
    req = fake_coordinator.requests[-1]
    assert req["headers"]["X-API-Key"] == KEY
    assert KEY not in req["path"] and "since=0" in req["path"]
    fake_coordinator.body = json.dumps(payload(seq_from=3)).encode()
    src.snapshot()
    assert "since=3" in fake_coordinator.requests[-1]["path"]


def test_refused_connection_is_unavailable():
    src = CoordinatorSource("http://127.0.0.1:9", KEY, connect_timeout_s=1)
    with pytest.raises(SourceUnavailable) as err:
        src.snapshot()
    assert str(err.value) == "connection refused"  # words, not urllib3's repr


def test_slow_answer_times_out(fake_coordinator):
    fake_coordinator.delay_s = 2.0
    with pytest.raises(SourceUnavailable, match="^timed out after 0.5 s$"):
        CoordinatorSource(fake_coordinator.url, KEY, read_timeout_s=0.5).snapshot()


@pytest.mark.parametrize("status, error, words", [
    (401, AuthRejected, "rejected the API key"), (500, SourceUnavailable, "HTTP 500"),
    (503, SourceUnavailable, "HTTP 503"), (404, PayloadError, "HTTP 404"),
])
def test_http_errors(fake_coordinator, status, error, words):
    fake_coordinator.status = status
    with pytest.raises(error, match=words):
        CoordinatorSource(fake_coordinator.url, KEY).snapshot()


def _broken(mutate):
    data = payload(n_decisions=1)
    mutate(data)
    return json.dumps(data).encode()


@pytest.mark.parametrize("body, words", [
    (b"<html>proxy error</html>", "not JSON"),
    (b'{"statistics": {"timestamp": NaN}}', "NaN"),
    (b"[1, 2]", "expected an object"),
    (_broken(lambda d: d["statistics"].update(active_tasks=-4)), "active_tasks"),
    (_broken(lambda d: d["statistics"].update(total_workers="7")), "total_workers"),
    (_broken(lambda d: d["statistics"]["workers"]["w0"]["utilization"].update(cpu=3.5)), "cpu"),
    (_broken(lambda d: d.pop("performance")), "performance"),
    (_broken(lambda d: d["decisions"][0].update(action="teleport")), "action"),
])
def test_schema_violations_keep_the_cursor(fake_coordinator, body, words):
    fake_coordinator.body = body
    src = CoordinatorSource(fake_coordinator.url, KEY)
    with pytest.raises(PayloadError, match=words):
        src.snapshot()
    assert src.cursor == 0  # nothing was accepted, so the same decisions are asked for again


def test_oversized_response_is_refused(fake_coordinator):
    fake_coordinator.body = json.dumps(payload(workers=300)).encode()
    with pytest.raises(PayloadError, match="limit"):
        CoordinatorSource(fake_coordinator.url, KEY, max_bytes=10_000).snapshot()


def test_description_never_holds_credentials():
    src = CoordinatorSource("http://admin:hunter2@127.0.0.1:8/base/", KEY)
    assert src.description == "coordinator http://127.0.0.1:8/base"
    assert KEY not in repr(vars(src).get("_base"))


def test_a_redirect_is_refused_so_the_key_never_travels_on(fake_coordinator):
    other = type(fake_coordinator)()  # a second server the redirect points at
    try:
        fake_coordinator.status = 302
        fake_coordinator.extra_headers = {"Location": other.url + "/api/v1/snapshot"}
        with pytest.raises(PayloadError, match="redirected"):
            CoordinatorSource(fake_coordinator.url, KEY).snapshot()
        assert other.requests == []
    finally:
        other.stop()


@pytest.mark.timeout(20)
def test_a_peer_that_hangs_up_is_the_coordinator_closing_the_connection():
    import socket
    import threading
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def hang_up() -> None:
        for _ in range(4):  # requests retries nothing, but be generous to a slow machine
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(1024)
            conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        src = CoordinatorSource(f"http://127.0.0.1:{listener.getsockname()[1]}", KEY)
        with pytest.raises(SourceUnavailable) as err:
            src.snapshot()
        assert str(err.value) == "the coordinator closed the connection"
    finally:
        listener.close()
