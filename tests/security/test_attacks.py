"""Each attack of the security review, replayed against the real servers: now harmless."""

import json
import logging
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from drm_dashboard.cli_common import OneLineFormatter
from drm_dashboard.coordinator.service import Coordinator
from drm_fakes import CLUSTER_INPUT, FakeClock, dash_callback

pytestmark = pytest.mark.timeout(180)
KEY = "attack-key-51c2"
INTERVAL = {"id": "drm-interval", "property": "n_intervals", "value": 1}
CAPACITY = {"cpu": {"cores": 4}, "memory": {"total_mb": 4096}}
DEEP = "[" * 30_000 + "]" * 30_000


def still_open(sock: socket.socket) -> bool:
    """True while the server has neither answered nor closed this connection."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)
    return False


def stalled_post(url: str, path: str, declared: int = 100_000) -> socket.socket:
    """A client that declares a body, sends one byte of it and then says nothing."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {declared}\r\n\r\n{{".encode())
    return sock


@pytest.fixture
def coordinator():
    clock = FakeClock()
    c = Coordinator(KEY, port=0, evaluate_every_s=3600, heartbeat_timeout_s=30, clock=clock,
                    channel_timeout_s=2)
    c.start()
    c.clock = clock
    yield c
    c.stop()


def post(c, path, body=None, data=None, **headers):
    return requests.post(c.url + path, json=body, data=data, timeout=20,
                         headers={"X-API-Key": KEY, **headers})


# -- one slow client froze every viewer ----------------------------------------------------------
def test_a_client_stalled_mid_body_delays_no_other_viewer(dashboard_factory):
    _, url = dashboard_factory()
    slow = stalled_post(url, "/_dash-update-component")
    try:
        answered = 0
        for _ in range(5):
            answer = dash_callback(url, "overview-cards", "children", [INTERVAL, CLUSTER_INPUT])
            assert "Workers" in str(answer)
            # answered while the stalled request is still open: it never held the callback gate
            assert still_open(slow)
            answered += 1
        assert answered == 5
    finally:
        slow.close()


def test_stalled_and_idle_connections_cost_no_thread_and_are_closed_by_the_server(coordinator):
    threads_before = threading.active_count()
    idle = [stalled_post(coordinator.url, "/api/v1/workers", 60_000) for _ in range(150)]
    idle += [socket.create_connection(("127.0.0.1", coordinator.port), timeout=60) for _ in range(150)]
    try:
        snap = requests.get(coordinator.url + "/api/v1/snapshot", headers={"X-API-Key": KEY}, timeout=20)
        assert snap.status_code == 200
        assert threading.active_count() <= threads_before  # no thread per connection
        # the server's own read/idle timeout (2 s here) ends every one of them: recv sees the close
        closed = sum(1 for sock in idle if sock.recv(1024) == b"")
        assert closed == 300
    finally:
        for sock in idle:
            sock.close()


# -- exposure: Host, headers, banner, body cap, nesting -------------------------------------------
def test_an_unknown_host_header_is_refused_everywhere(dashboard_factory, coordinator):
    _, url = dashboard_factory()
    for target in (url, coordinator.url + "/api/v1/health"):
        resp = requests.get(target, headers={"Host": "rebind.evil.example"}, timeout=20)
        assert resp.status_code == 400 and "--allowed-host" in resp.json()["error"]
        assert requests.get(target, headers={"Host": "localhost"}, timeout=20).status_code == 200
    _, named = dashboard_factory(allowed_host="dash.example.org")
    assert requests.get(named, headers={"Host": "dash.example.org:443"}, timeout=20).status_code == 200


def test_every_answer_carries_security_headers_and_no_banner(dashboard_factory, coordinator):
    _, url = dashboard_factory()
    for resp in (requests.get(url, timeout=20), requests.get(coordinator.url + "/api/v1/health", timeout=20),
                 requests.get(coordinator.url + "/api/v1/snapshot", timeout=20)):
        h = resp.headers
        assert "Server" not in h
        assert h["X-Frame-Options"] == "DENY" and h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"
        csp = h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "http" not in csp and "*" not in csp
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_the_callback_body_is_capped(dashboard_factory):
    _, url = dashboard_factory()
    huge = {"output": "overview-cards.children", "outputs": {"id": "overview-cards", "property": "children"},
            "inputs": [{**INTERVAL, "value": [0] * 2_000_000}], "changedPropIds": [], "state": []}
    resp = requests.post(url + "_dash-update-component", json=huge, timeout=60)
    assert resp.status_code == 413


def test_thirty_thousand_nested_brackets_get_a_400_not_a_500(dashboard_factory, coordinator):
    _, url = dashboard_factory()
    body = ('{"output": "overview-cards.children", "outputs": {"id": "overview-cards", '
            f'"property": "children"}}, "inputs": [{{"id": "drm-interval", "property": "n_intervals", '
            f'"value": {DEEP}}}], "changedPropIds": [], "state": []}}')
    resp = requests.post(url + "_dash-update-component", data=body, timeout=20,
                         headers={"Content-Type": "application/json"})
    assert resp.status_code == 400 and "nested" in resp.json()["error"]
    resp = post(coordinator, "/api/v1/workers", data=DEEP, **{"Content-Type": "application/json"})
    assert resp.status_code == 400 and "nested" in resp.json()["error"]


def test_debug_mode_makes_no_outside_call(dashboard_factory):
    _, url = dashboard_factory(debug=True)
    page = requests.get(url, timeout=20)
    config = json.loads(page.text.split('<script id="_dash-config" type="application/json">')[1]
                        .split("</script>")[0])
    assert config["ui"] is True and config["disable_version_check"] is True
    # and the browser may only talk to this origin anyway
    assert "connect-src 'self';" in page.headers["Content-Security-Policy"]


# -- hostile names -----------------------------------------------------------------------------
@pytest.mark.parametrize("worker_id, why", [("x" * 60_000, "60,000 characters"), ("rack/7", "'/'"),
                                            ("w1\n2026 ERROR forged line", "control"), ("", "non-empty")])
def test_the_coordinator_refuses_hostile_worker_ids(coordinator, worker_id, why):
    resp = post(coordinator, "/api/v1/workers", {"worker_id": worker_id, "resources": CAPACITY})
    assert resp.status_code == 400 and why in resp.json()["error"]
    assert not coordinator.manager.get_worker_statistics()["workers"]


def test_odd_paths_answer_json_not_an_html_page(coordinator):
    for path in ("/api/v1/workers/a%0Ab/heartbeat", "/api/v1/workers/" + "y" * 200 + "/heartbeat"):
        resp = post(coordinator, path, {"usage": {"cpu": 0.1, "memory": 0.1}})
        assert resp.status_code == 400 and resp.headers["Content-Type"] == "application/json"
    missing = requests.get(coordinator.url + "/api/v1/nothing", headers={"X-API-Key": KEY}, timeout=20)
    assert missing.status_code == 404 and "error" in missing.json()


def test_a_log_line_cannot_be_forged():
    record = logging.LogRecord("drm", logging.INFO, __file__, 1, "worker %s registered",
                               ("w1\n2026-01-01 ERROR drm: forged",), None)
    line = OneLineFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and line.startswith("INFO worker w1\ufffd2026")


def test_a_registration_that_never_heartbeats_is_marked_lost(coordinator):
    assert post(coordinator, "/api/v1/workers", {"worker_id": "silent", "resources": CAPACITY}).status_code == 201
    coordinator.clock.advance(31)
    coordinator.housekeeping_once()
    workers = coordinator.manager.get_worker_statistics()["workers"]
    assert workers["silent"]["status"] == "lost"


# -- the monitoring page: state changes are authenticated POSTs, limited, same-origin -------------
def test_redraws_are_rate_limited_and_cross_origin_posts_refused(monitored, auth_file, monkeypatch):
    import re
    from types import SimpleNamespace

    import limits.storage.memory
    from security_helpers import basic
    # the limiter's clock stands still: on a loaded machine 13 redraws can take longer than the
    # minute the rule counts over, and the 13th would rightly pass
    frozen = time.time()
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=lambda: frozen))
    dashboard, integration = monitored(auth_file[0])
    page_url = dashboard.start()
    base = page_url.rsplit("/drm-dashboard", 1)[0]
    page = requests.get(page_url, headers=basic(), timeout=20).text
    form = {"chart": "scaling_history", "csrf": re.search(r"name='csrf' value='([0-9a-f]{64})'", page).group(1)}
    evil = requests.post(base + "/drm-dashboard/live", data=form, timeout=20,
                         headers={**basic(), "Origin": "https://evil.example"}, allow_redirects=False)
    assert evil.status_code == 403 and integration.get_dashboard_url() is None  # no new listener
    statuses = [requests.post(base + "/drm-dashboard/refresh", data=form, headers=basic(), timeout=20,
                              allow_redirects=False).status_code for _ in range(13)]
    assert statuses == [303] * 12 + [429]
    limited = requests.post(base + "/drm-dashboard/refresh", data=form, headers=basic(), timeout=20)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_a_callback_waits_for_its_turn_at_most_the_gate_timeout():
    import flask
    from drm_dashboard.ui.app import CALLBACK_PATH, one_callback_at_a_time
    server = flask.Flask(__name__)
    one_callback_at_a_time(server, wait_s=0.2)
    inside, release = threading.Event(), threading.Event()

    @server.post(CALLBACK_PATH)
    def callback():
        inside.set()
        release.wait(30)
        return "done"

    first = threading.Thread(target=lambda: server.test_client().post(CALLBACK_PATH), daemon=True)
    first.start()
    assert inside.wait(30)
    refused = server.test_client().post(CALLBACK_PATH)  # the gate is held: refused, not queued forever
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
    release.set()
    first.join(30)
    assert server.test_client().post(CALLBACK_PATH).get_data(as_text=True) == "done"  # gate given back
