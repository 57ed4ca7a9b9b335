"""Themes: Bootswatch CSS served by the app itself (no CDN), and the matching plotly template."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import flask
import flask_bootstrap

_BOOTSWATCH = Path(flask_bootstrap.__file__).parent / "static" / "bootstrap5" / "css" / "bootswatch"
# Bootswatch pulls its web font from a CDN; offline that request fails, so it is dropped and the
# theme's own font stack falls back to the system's sans-serif
_REMOTE_IMPORT = re.compile(rb"@import url\([^)]*\);?")
CSS_ROUTE = "/_drm/theme/<name>.css"


@dataclass(frozen=True)
class Theme:
    """A page look and the plotly template that agrees with it."""

    name: str
    bootswatch: str
    template: str
    paper: str
    grid: str
    text: str

    @property
    def css_url(self) -> str:
        return CSS_ROUTE.replace("<name>", self.bootswatch)


THEMES = {
    "dark": Theme("dark", "darkly", "plotly_dark", "#222222", "#444444", "#dee2e6"),
    "light": Theme("light", "flatly", "plotly_white", "#ffffff", "#e5e5e5", "#212529"),
}


@functools.lru_cache(maxsize=None)
def _css(bootswatch: str) -> bytes:
    raw = (_BOOTSWATCH / bootswatch / "bootstrap.min.css").read_bytes()
    return _REMOTE_IMPORT.sub(b"", raw)


def register_css_route(server: flask.Flask) -> None:
    """Serve the two themes' CSS from this process, cached for a day."""
    allowed = {t.bootswatch for t in THEMES.values()}

    def css(name: str) -> flask.Response:
        if name not in allowed:
            flask.abort(404)
        resp = flask.Response(_css(name), mimetype="text/css")
        resp.cache_control.max_age = 86400
        return resp

    server.add_url_rule(CSS_ROUTE, "drm_theme_css", css)
