"""A WSGI server in a named thread that can be stopped (Dash's app.run cannot)."""

from __future__ import annotations

import errno
import logging
import socket
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from .errors import ServerError

log = logging.getLogger(__name__)


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
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerError(f"port {port} on {host} is already in use; "
                              f"stop what holds it or pass another --port") from None
        raise ServerError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    return sock


class BackgroundServer:
    """Serves a WSGI app on host:port in a thread; port 0 picks a free port."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        sock = _bind(host, port)
        try:
            # werkzeug reports a taken port with print and sys.exit; binding ourselves and handing
            # it the descriptor turns that into a ServerError the CLI can print in one line
            self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, fd=sock.fileno())
        finally:
            sock.close()  # werkzeug holds its own duplicate of the descriptor
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="drm-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        """Start serving and return once the socket accepts connections."""
        self._thread.start()
        # the socket is listening since make_server; one connect proves it to the caller
        with socket.create_connection((self._server.server_address[0], self.port), timeout=5):
            pass

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
