"""The /drm-dashboard page: summary cards, a tab per chart (an iframe of its file), refresh and theme."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Mapping, Sequence
from urllib.parse import urlencode

from ..ui.figures.common import offset_label
from ..ui.theme import THEMES, Theme
from ..report.charts import CHARTS
from ..ui.cards import Kpi

# seconds; 0 is off
AUTO_REFRESH_CHOICES = (0, 10, 30, 60, 300)
PAGE = "/drm-dashboard"
CHART_HEIGHT_PX = 860


@dataclass(frozen=True)
class PageState:
    """What the query string asks for, validated: chart, theme, auto-refresh, redraw now."""

    chart: str
    theme: str
    auto_refresh: int
    refresh: bool

    @classmethod
    def from_args(cls, args: Mapping[str, str], default_theme: str, default_refresh: int) -> "PageState":
        """Unknown values fall back to the defaults: a hand-edited URL still gets a page."""
        chart = args.get("chart", "")
        theme = args.get("theme", "")
        try:
            every = int(args.get("auto_refresh", default_refresh))
        except ValueError:
            every = default_refresh
        return cls(chart if chart in CHARTS else next(iter(CHARTS)),
                   theme if theme in THEMES else default_theme,
                   every if every in AUTO_REFRESH_CHOICES else 0,
                   args.get("refresh", "").lower() in ("1", "true", "yes"))

    def url(self, **changes: object) -> str:
        """This page's URL with some parameters changed (never carrying refresh=true along)."""
        params = {"chart": self.chart, "theme": self.theme, "auto_refresh": self.auto_refresh}
        params.update(changes)
        return f"{PAGE}?{urlencode(params)}"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cards(items: Sequence[Kpi]) -> str:
    cols = "".join(
        f"<div class='col-12 col-sm-6 col-lg-3 col-xl'><div class='card h-100 drm-kpi'><div class='card-body'>"
        f"<div class='text-muted small drm-kpi-title'>{_e(c.title)}</div>"
        f"<div class='my-1 drm-kpi-value'>{_e(c.value)}</div><div class='small'>{_e(c.note)}</div>"
        f"</div></div></div>" for c in items)
    return f"<div class='row g-3 mb-3' id='drm-summary'>{cols}</div>"


def _tabs(state: PageState) -> str:
    items = "".join(
        f"<li class='nav-item'><a class='nav-link{' active' if name == state.chart else ''}' "
        f"href='{_e(state.url(chart=name))}' data-chart='{name}'>{_e(title)}</a></li>"
        for name, title in CHARTS.items())
    return f"<ul class='nav nav-tabs mb-2' id='drm-chart-tabs'>{items}</ul>"


def _controls(state: PageState, csrf: str) -> str:
    options = "".join(f"<option value='{s}'{' selected' if s == state.auto_refresh else ''}>"
                      f"{'off' if s == 0 else f'every {s} s'}</option>" for s in AUTO_REFRESH_CHOICES)
    other = "light" if state.theme == "dark" else "dark"
    # outline-dark on the light theme: its secondary grey reads at 2.6:1 on white, dark at 15:1
    btn = "btn btn-sm btn-outline-" + ("light" if state.theme == "dark" else "dark")
    return (
        f"<form class='d-flex flex-wrap align-items-center gap-2 mb-3' method='get' action='{PAGE}'>"
        f"<input type='hidden' name='chart' value='{state.chart}'>"
        f"<input type='hidden' name='theme' value='{state.theme}'>"
        f"<label class='small text-muted' for='drm-auto-refresh'>Auto-refresh</label>"
        f"<select class='form-select form-select-sm w-auto' id='drm-auto-refresh' name='auto_refresh'>"
        f"{options}</select>"
        f"<button class='{btn}' id='drm-refresh-now' form='drm-post' formaction='{PAGE}/refresh'>"
        f"Redraw now</button>"
        f"<a class='{btn}' id='drm-theme-link' "
        f"href='{_e(state.url(theme=other))}'>{other} theme</a>"
        f"<a class='{btn}' href='{PAGE}/report'>Full report (one file)</a>"
        f"<button class='btn btn-sm btn-primary' form='drm-post' formaction='{PAGE}/live'>"
        f"Open live dashboard</button></form>{_post_form(state, csrf)}")


def _post_form(state: PageState, csrf: str) -> str:
    """The form the state-changing buttons submit: a POST carrying the page's state and token."""
    return (f"<form id='drm-post' method='post' action='{PAGE}/refresh' hidden>"
            f"<input type='hidden' name='chart' value='{state.chart}'>"
            f"<input type='hidden' name='theme' value='{state.theme}'>"
            f"<input type='hidden' name='auto_refresh' value='{state.auto_refresh}'>"
            f"<input type='hidden' name='csrf' value='{_e(csrf)}'></form>")


def render_page(state: PageState, *, items: Sequence[Kpi], source: str, simulated: bool,
                chart_src: str, drawn_at: float, update_interval: float, note: str = "",
                csrf: str = "") -> str:
    """The whole page; the iframe shows the chosen chart's file."""
    theme = THEMES[state.theme]
    badge = "<span class='badge bg-info ms-2'>simulated load</span>" if simulated else ""
    drawn = time.strftime("%H:%M:%S", time.localtime(drawn_at))
    body = (
        f"{_navbar(theme, source, badge)}<div class='container-fluid'>{_note(note)}{_controls(state, csrf)}"
        f"{_cards(items)}"
        f"{_tabs(state)}<iframe id='drm-chart' title='{_e(CHARTS[state.chart])}' src='{_e(chart_src)}' "
        f"style='width:100%;height:{CHART_HEIGHT_PX}px;border:0'></iframe>"
        f"<footer class='small text-muted mt-2 mb-3'>Charts drawn at {drawn} (server time, {offset_label()});"
        f" redrawn every {update_interval:g} s, or now with “Redraw now”.</footer></div>")
    return _document(theme, body + f"<script src='{PAGE}/assets/page.js'></script>", state)


def _note(text: str) -> str:
    return f"<div class='alert alert-info py-2' id='drm-action-note'>{_e(text)}</div>" if text else ""


def _navbar(theme: Theme, source: str, badge: str) -> str:
    return (f"<nav class='navbar navbar-dark bg-{theme.navbar} mb-3 shadow-sm'><div class='container-fluid'>"
            f"<span class='navbar-brand fw-bold'>Monitoring · DRM dashboard</span>"
            f"<span class='text-white small'><span class='text-white-50'>source </span>{_e(source)}{badge}"
            f"</span></div></nav>")


def _document(theme: Theme, body: str, state: PageState | None = None) -> str:
    refresh = ""
    if state is not None and state.auto_refresh:
        refresh = f"<meta http-equiv='refresh' content='{state.auto_refresh}; url={_e(state.url())}'>"
    return (f"<!DOCTYPE html><html lang='en' data-drm-theme='{theme.name}'><head><meta charset='utf-8'>"
            f"<title>DRM dashboard</title>{refresh}<link rel='icon' href='data:,'>"  # no favicon request
            f"<link rel='stylesheet' href='{theme.css_url}'>"
            f"<link rel='stylesheet' href='/drm-dashboard/assets/drm.css'></head><body>{body}</body></html>")


def render_notice(theme_name: str, title: str, text: str) -> str:
    """A page that says why there is nothing to show (no integration configured)."""
    theme = THEMES[theme_name]
    body = (f"{_navbar(theme, 'none', '')}<div class='container'><div class='alert alert-secondary' "
            f"id='drm-notice'><h4 class='alert-heading'>{_e(title)}</h4><p class='mb-0'>{_e(text)}</p>"
            f"</div></div>")
    return _document(theme, body)
