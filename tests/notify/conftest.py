"""Real loopback servers for the notification tests: a recording HTTP sink and an SMTP server."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from drm_fakes import free_port


class Sink(ThreadingHTTPServer):
    """Records every POST (path, JSON body, arrival time); answers `status`, or hangs on /hang."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict, float]] = []
        self.status = 200
        self.release = threading.Event()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"

    def bodies(self, path: str) -> list[dict]:
        return [body for p, body, _ in self.requests if p == path]

    def times(self, path: str) -> list[float]:
        return [t for p, _, t in self.requests if p == path]


class _Handler(BaseHTTPRequestHandler):
    server: Sink

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"null")
        self.server.requests.append((self.path, body, time.monotonic()))
        if self.path == "/hang":
            self.server.release.wait(30)
        self.send_response(self.server.status if self.path != "/hang" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sink():
    server = Sink()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="test-http-sink",
                              daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


class Mailbox:
    """aiosmtpd handler keeping every envelope; logins are checked against one account."""

    def __init__(self, username: str = "drm", password: str = "s3cret-pw") -> None:
        self.envelopes: list = []
        self.logins: list[str] = []
        self._account = (username.encode(), password.encode())

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd hook)
        self.envelopes.append(envelope)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == self._account
        if ok:
            self.logins.append(auth_data.login.decode())
        # handled=False: aiosmtpd then answers 535 itself; handled=True would leave the client waiting
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; LOGIN/PLAIN allowed without TLS (loopback only)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=mailbox.authenticate, auth_require_tls=False)
    controller.start()
    yield controller, mailbox
    controller.stop()
