"""PNG export through kaleido 1.x and the Chromium already on this machine (never a downloaded one)."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from typing import Any

import plotly.graph_objects as go

from ..errors import DashboardError
from ..threads import AsyncioLoop

# the browser is found in this order; kaleido's own search would also try a browser it downloaded
CHROMIUM_ENV = ("DRM_CHROMIUM", "BROWSER_PATH")
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_START_TIMEOUT_S = 60.0
_RENDER_TIMEOUT_S = 60.0


def quiet_browser_logs() -> None:
    """kaleido and its browser driver log every step at INFO; a command line wants only problems."""
    for name in ("kaleido", "choreographer", "logistro"):
        logging.getLogger(name).setLevel(logging.WARNING)


class PngExportError(DashboardError):
    """A PNG cannot be written: no kaleido, no Chromium, or the browser failed."""


def find_chromium() -> str | None:
    """The Chromium or Chrome executable on this machine, or None."""
    for name in CHROMIUM_ENV:
        path = os.environ.get(name)
        if path and os.access(path, os.X_OK):
            return path
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class PngRenderer:
    """One headless Chromium, started on the first render and kept for the next (3 s, then 0.3 s each)."""

    def __init__(self, chromium: str | None = None) -> None:
        self._chromium = chromium
        self._lock = threading.Lock()  # one render at a time: the browser has one tab
        self._loop: AsyncioLoop | None = None
        self._kaleido: Any = None

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def render(self, fig: go.Figure, *, width: int, height: int) -> bytes:
        """The figure as PNG bytes of exactly width x height pixels."""
        with self._lock:
            if self._kaleido is None:
                self._start()
            opts = {"format": "png", "width": width, "height": height, "scale": 1}
            try:
                return self._call(self._kaleido.calc_fig(fig, opts=opts), _RENDER_TIMEOUT_S)
            except Exception as exc:  # the browser died or timed out: the next render starts afresh
                self._shutdown()
                raise PngExportError(f"PNG export failed: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """Stop the browser and its thread; a later render starts them again."""
        with self._lock:
            self._shutdown()

    # -- the browser's own event loop, on a named thread -------------------------------------
    def _start(self) -> None:
        try:
            import kaleido  # noqa: PLC0415 (only PNG export needs it)
        except ImportError:
            raise PngExportError("PNG export needs the kaleido package (pip install 'kaleido>=1.3'); "
                                 "interactive=True writes HTML without it") from None
        path = self._chromium or find_chromium()
        if path is None:
            raise PngExportError("PNG export needs Chromium or Chrome on this machine (kaleido drives "
                                 "it); install it (Debian: apt-get install chromium) or set "
                                 "DRM_CHROMIUM to its path")
        self._loop = AsyncioLoop("drm-png")
        self._loop.start()

        async def open_browser() -> Any:
            # mathjax=False: its default is a CDN script, and this machine may have no network
            k = kaleido.Kaleido(n=1, timeout=_RENDER_TIMEOUT_S, mathjax=False, path=path)
            await k.open()
            return k
        try:
            self._kaleido = self._call(open_browser(), _START_TIMEOUT_S)
        except Exception as exc:
            self._shutdown()
            raise PngExportError(f"cannot start {path} for PNG export: {exc}") from exc

    def _call(self, coro: Any, timeout: float) -> Any:
        assert self._loop is not None
        return self._loop.call(coro, timeout)

    def _shutdown(self) -> None:
        kaleido, self._kaleido = self._kaleido, None
        if kaleido is not None and self._loop is not None:
            try:
                self._call(kaleido.close(), 15.0)
            except Exception:  # noqa: BLE001 a browser that will not close is killed with its process group
                pass
        if self._loop is not None:
            self._loop.close()
        self._loop = None
