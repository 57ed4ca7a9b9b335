"""Themes: Bootswatch CSS served by the app itself (no CDN), and the matching plotly look."""

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
LINK_ID = "drm-theme-css"


@dataclass(frozen=True)
class Theme:
    """A page look and the plotly template that agrees with it."""

    name: str
    bootswatch: str
    template: str
    text: str  # body text colour of the Bootswatch theme
    muted: str
    grid: str
    navbar: str  # dbc.Navbar colour
    # Dash 4's dcc components read these CSS variables; dark pages need dark dropdowns
    dash_vars: tuple[tuple[str, str], ...] = ()
    # body colour of the Bootswatch theme: a report file's page and its charts' paper
    background: str = "#ffffff"

    @property
    def css_url(self) -> str:
        return CSS_ROUTE.replace("<name>", self.bootswatch)

    @property
    def dark(self) -> bool:
        return self.name == "dark"


_DARK_VARS = (
    ("Fill-Inverse-Strong", "#303030"), ("Fill-Interactive-Strong", "#375a7f"),
    ("Fill-Interactive-Weak", "rgba(255,255,255,0.06)"), ("Fill-Primary-Hover", "rgba(255,255,255,0.08)"),
    ("Fill-Primary-Active", "rgba(255,255,255,0.14)"), ("Fill-Disabled", "rgba(255,255,255,0.08)"),
    ("Stroke-Strong", "rgba(255,255,255,0.35)"), ("Stroke-Weak", "rgba(255,255,255,0.15)"),
    ("Text-Strong", "#ffffff"), ("Text-Primary", "#dee2e6"), ("Text-Weak", "#adb5bd"),
    ("Text-Disabled", "#888888"), ("Shading-Strong", "rgba(0,0,0,0.6)"), ("Shading-Weak", "rgba(0,0,0,0.4)"),
)
_LIGHT_VARS = (("Fill-Interactive-Strong", "#2c3e50"),)

THEMES = {
    "dark": Theme("dark", "darkly", "plotly_dark", "#dee2e6", "#adb5bd", "rgba(255,255,255,0.10)",
                  "dark", _DARK_VARS, background="#222222"),
    "light": Theme("light", "flatly", "plotly_white", "#212529", "#6c757d", "rgba(0,0,0,0.08)",
                   "primary", _LIGHT_VARS),
}


def theme_of(name: str | None) -> Theme:
    """The named theme; an unknown name (a hand-edited request) falls back to dark."""
    return THEMES.get(name or "", THEMES["dark"])


def _dash_vars(theme: Theme) -> bytes:
    # html:root outranks the :root rules dcc injects after this stylesheet loads
    body = ";".join(f"--Dash-{k}:{v}" for k, v in theme.dash_vars)
    return f"\nhtml:root{{{body}}}\n".encode()


@functools.lru_cache(maxsize=None)
def _css(bootswatch: str) -> bytes:
    theme = next(t for t in THEMES.values() if t.bootswatch == bootswatch)
    raw = (_BOOTSWATCH / bootswatch / "bootstrap.min.css").read_bytes()
    return _REMOTE_IMPORT.sub(b"", raw) + _dash_vars(theme)


def register_css_route(server: flask.Flask) -> None:
    """Serve the two themes' CSS from this process; the app's own rules are Dash assets."""
    allowed = {t.bootswatch for t in THEMES.values()}

    def css(name: str) -> flask.Response:
        if name not in allowed:
            flask.abort(404)
        resp = flask.Response(_css(name), mimetype="text/css")
        resp.cache_control.max_age = 86400
        return resp

    server.add_url_rule(CSS_ROUTE, "drm_theme_css", css)


def stylesheet(theme: Theme) -> dict[str, str]:
    """The <link> Dash puts in the page; its id lets the theme switch swap its href."""
    return {"rel": "stylesheet", "href": theme.css_url, "id": LINK_ID}
