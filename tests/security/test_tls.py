"""Clients verify the coordinator's certificate and accept a CA bundle (the coordinator behind TLS)."""

import ssl
import threading

import pytest
import trustme
from werkzeug.serving import make_server

from drm_dashboard.coordinator.agent import WorkerAgent
from drm_dashboard.coordinator.api import create_api
from drm_dashboard.errors import SourceUnavailable
from drm_dashboard.manager import DynamicResourceManager
from drm_dashboard.sources.coordinator import CoordinatorSource

pytestmark = pytest.mark.timeout(60)
KEY = "tls-key-8d2f"


@pytest.fixture
def https_coordinator(tmp_path):
    """The real coordinator app served over HTTPS, its certificate from a throwaway CA; (url, CA file)."""
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    # the TLS end stands in for the terminating proxy of docs/SECURITY.md; the app is the real one
    server = make_server("127.0.0.1", 0, create_api(DynamicResourceManager(), KEY, clock=lambda: 1.0),
                         threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}", str(ca_file)
    server.shutdown()
    server.server_close()


def test_the_dashboard_source_trusts_only_a_certificate_it_can_verify(https_coordinator):
    url, ca_file = https_coordinator
    untrusted = r"certificate of https://127.0.0.1:\d+ is not trusted \(certificate verify failed.*--ca-bundle"
    with pytest.raises(SourceUnavailable, match=untrusted):
        CoordinatorSource(url, KEY).snapshot()
    snap = CoordinatorSource(url, KEY, ca_bundle=ca_file).snapshot()
    assert snap.total_workers == 0


def test_the_worker_agent_verifies_and_accepts_a_ca_bundle(https_coordinator):
    url, ca_file = https_coordinator
    unverified = WorkerAgent(url, KEY, "tls-worker", gpu_reader=lambda: None)
    assert unverified.beat_once() is False and unverified.registered is False
    agent = WorkerAgent(url, KEY, "tls-worker", gpu_reader=lambda: None, ca_bundle=ca_file)
    assert agent.beat_once() is True and agent.registered is True
