"""A WSGI server (waitress) in a named thread that can be stopped (Dash's app.run cannot)."""

from __future__ import annotations

import errno
import logging
import socket
import struct
import time
from typing import Any, Callable, Iterable

from waitress import wasyncore
from waitress.server import create_server

from .errors import ServerError
from .guard import WILDCARDS, Exposure, Guard, is_loopback
from .threads import BackgroundLoop

log = logging.getLogger(__name__)
# its own logger, so an operator can route or silence request lines apart from the rest
access_log = logging.getLogger("drm_dashboard.access")


def _bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or a ServerError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServerError(f"cannot resolve --host {host!r}: {exc.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(f"port {port} on {host} is already in use; "
                              f"stop what holds it or pass another --port") from None
        raise ServerError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def check_exposure(host: str, exposure: Exposure) -> None:
    """Refuse a non-loopback bind without authentication, unless the operator insists."""
    if is_loopback(host) or exposure.authenticated:
        return
    if not exposure.insecure_no_auth:
        raise ServerError(f"refusing to serve {host} without authentication: pass --auth-file or "
                          "--trusted-proxy (see docs/SECURITY.md), or --insecure-no-auth")
    log.warning("serving %s with NO authentication (--insecure-no-auth): anyone who reaches this "
                "port sees every page", host)


class AccessLog:
    """WSGI middleware: one INFO line per request (who, method, path, status, bytes, ms to headers)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()

        def logged(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            size = next((v for k, v in headers if k.lower() == "content-length"), "-")
            # the path only: a query string may carry a token, and a log outlives it
            who = environ.get("REMOTE_USER") or environ.get("REMOTE_ADDR", "-")
            access_log.info("%s %s %s %s %s %.0f ms", who, environ.get("REQUEST_METHOD", "-"),
                            environ.get("PATH_INFO", "/"), status.split(" ", 1)[0], size,
                            (time.perf_counter() - started) * 1000)
            return start_response(status, headers, *exc_info)
        return self.app(environ, logged)


class BackgroundServer:
    """Serves a WSGI app on host:port in a thread behind a Guard; port 0 picks a free port.

    Requests are not logged unless access_log (the commands' --access-log or --debug).
    """

    def __init__(self, app: Any, host: str, port: int, exposure: Exposure | None = None, *,
                 access_log: bool = False) -> None:
        exposure = exposure or Exposure()
        check_exposure(host, exposure)
        self.guard = Guard(app, exposure, host)
        # outside the Guard, so a refused request (403, 413, 429) is logged too
        served = AccessLog(self.guard) if access_log else self.guard
        sock = _bind(host, port)
        try:
            # waitress reads a request's whole body before the app runs, times out idle and
            # stalled connections, and with ident=None sends no Server banner
            self._server = create_server(
                served, sockets=[sock], ident=None, threads=exposure.threads,
                channel_timeout=exposure.channel_timeout_s,
                cleanup_interval=max(1, int(exposure.channel_timeout_s // 4)),
                connection_limit=exposure.connection_limit, asyncore_use_poll=True,
                max_request_body_size=exposure.max_body_bytes, expose_tracebacks=False,
                clear_untrusted_proxy_headers=False)
        except BaseException:
            sock.close()
            raise
        self.host = host
        self.port = int(sock.getsockname()[1])
        self._serving = _Serving(self._server, self._close_all)

    def _close_all(self) -> None:
        listener = self._server.socket
        for channel in list(self._server._map.values()):
            sock = getattr(channel, "socket", None)
            if sock is not listener and getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
                # reset open viewer connections rather than close them: a close from our side
                # would leave the port in TIME_WAIT, unusable for a minute after stop()
                try:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
        wasyncore.close_all(self._server._map)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in WILDCARDS else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        """Start serving and return once the socket accepts connections."""
        self._serving.start()
        # the socket is listening since _bind; one connect proves it to the caller
        connect_to = "127.0.0.1" if self.host in ("", "0.0.0.0") else ("::1" if self.host == "::" else self.host)
        with socket.create_connection((connect_to, self.port), timeout=5):
            pass

    def stop(self) -> None:
        """Stop serving and free the port."""
        # closing every channel, not just the listener, is what ends the loop: a viewer's
        # keep-alive connection would otherwise keep it (and the port) alive
        if self._serving.is_alive:
            self._serving.stop()
            self._serving.join(timeout=5)
        self._close_all()
        self._server.task_dispatcher.shutdown(timeout=5)


class _Serving(BackgroundLoop):
    """waitress's own loop on the named thread "drm-http"; stop() closes its sockets from inside it."""

    thread_name = "drm-http"

    def __init__(self, server: Any, close_all: Callable[[], None]) -> None:
        super().__init__()
        self._server = server
        self._close_all = close_all

    def _run(self) -> None:
        try:
            self._server.run()
        except (OSError, ValueError):
            pass  # closing the sockets under the loop is what ends it

    def _wake(self) -> None:
        # run the close in the loop's own thread: the trigger wakes its poll at once
        self._server.trigger.pull_trigger(self._close_all)
