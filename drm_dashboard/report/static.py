"""Writing report files: one chart as HTML (plotly.js beside it) or PNG, and the self-contained index."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from .. import ui as ui_package
from ..ui.figures.common import offset_label
from ..ui.theme import Theme
from .png import PngRenderer
from .cards import Card, ReportSummary
from ..ui.units import plural

PLOTLY_JS = "plotly.min.js"
# the live dashboard's stylesheet (cards, tabs), shared by the report pages that use Bootstrap
UI_ASSETS = Path(ui_package.__file__).parent / "assets"
PNG_WIDTH = 1200
# the Bootswatch body colours, so a file looks like the dashboard it came from
PAGE_BACKGROUND = {"dark": "#222222", "light": "#ffffff"}
_CONFIG = {"displaylogo": False, "responsive": True}
_STYLE = """body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;padding:20px 28px;
background:%(bg)s;color:%(fg)s}h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 8px}
.muted{color:%(muted)s}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:12px;
margin:16px 0}.card{border:1px solid %(grid)s;border-radius:8px;padding:10px 14px}.card .t{font-size:.8rem;
color:%(muted)s}.card .v{font-size:1.6rem;font-weight:600;margin:2px 0}.card .n{font-size:.8rem}
nav a{color:inherit;margin-right:14px}section{margin-bottom:12px}li{margin:4px 0}"""


@dataclass(frozen=True)
class Chart:
    """One report chart: its file stem, its title, and the figure."""

    name: str
    title: str
    figure: go.Figure


def finish(fig: go.Figure, theme: Theme) -> go.Figure:
    """A copy with the page's solid background: a file has no dashboard behind it."""
    out = go.Figure(fig)
    bg = PAGE_BACKGROUND[theme.name]
    out.update_layout(paper_bgcolor=bg, plot_bgcolor=bg)
    return out


def ensure_plotlyjs(folder: Path) -> Path:
    """plotly.js beside the HTML files (once per folder), so they open offline from disk."""
    path = folder / PLOTLY_JS
    bundle = get_plotlyjs()
    if not path.exists() or path.stat().st_size != len(bundle.encode("utf-8")):
        path.write_text(bundle, encoding="utf-8")
    return path


def _page(title: str, body: str, theme: Theme, head: str = "") -> str:
    style = _STYLE % {"bg": PAGE_BACKGROUND[theme.name], "fg": theme.text, "muted": theme.muted,
                      "grid": theme.grid}
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><meta name='viewport' content='width=device-width, initial-scale=1'>{head}"
            f"<style>{style}</style></head><body>{body}</body></html>")


def write_html(chart: Chart, path: Path, theme: Theme) -> Path:
    """One chart as a full page that loads plotly.js from beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ensure_plotlyjs(path.parent)
    div = pio.to_html(finish(chart.figure, theme), full_html=False, include_plotlyjs=False,
                      div_id=f"chart-{chart.name}", config=_CONFIG)
    head = f"<script src='{PLOTLY_JS}'></script>"
    path.write_text(_page(chart.title, div, theme, head), encoding="utf-8")
    return path


def png_height(fig: go.Figure) -> int:
    """The figure's own height, so a PNG looks like the chart on the page."""
    return int(fig.layout.height or 500)


def write_png(chart: Chart, path: Path, theme: Theme, renderer: PngRenderer) -> Path:
    """One chart as a PNG, PNG_WIDTH wide and as tall as the figure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig = finish(chart.figure, theme)
    path.write_bytes(renderer.render(fig, width=PNG_WIDTH, height=png_height(fig)))
    return path


def _when(epoch: float | None) -> str:
    return "—" if epoch is None else dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def cards_html(items: Sequence[Card]) -> str:
    """The summary cards as HTML."""
    return "<div class='cards' id='summary-cards'>" + "".join(
        f"<div class='card'><div class='t'>{html.escape(c.title)}</div><div class='v'>"
        f"{html.escape(c.value)}</div><div class='n'>{html.escape(c.note)}</div></div>"
        for c in items) + "</div>"


def render_index(charts: Sequence[Chart], summary: ReportSummary, items: Sequence[Card],
                 advice: Sequence[str], theme: Theme, generated_at: float | None = None) -> str:
    """The whole dashboard as one page: summary, every chart, plotly.js inline once."""
    divs = [pio.to_html(finish(c.figure, theme), full_html=False, include_plotlyjs=(i == 0),
                        div_id=f"chart-{c.name}", config=_CONFIG) for i, c in enumerate(charts)]
    nav = "<nav>" + "".join(f"<a href='#{c.name}'>{html.escape(c.title)}</a>" for c in charts) + "</nav>"
    sections = "".join(f"<section id='{c.name}'><h2>{html.escape(c.title)}</h2>{div}</section>"
                       for c, div in zip(charts, divs))
    tips = "".join(f"<li>{html.escape(a)}</li>" for a in advice) or "<li>None: nothing to judge yet.</li>"
    body = (f"<h1>DRM resource dashboard</h1><p class='muted'>Source: {html.escape(summary.source)} · "
            f"{plural(summary.samples, 'sample')} from {_when(summary.window_start)} to {_when(summary.window_end)}"
            # generated on the same clock as the samples, so the window never ends after it
            f" (server time, {offset_label()}) · generated "
            f"{_when(dt.datetime.now().timestamp() if generated_at is None else generated_at)}</p>"
            f"{cards_html(items)}{nav}<h2>Recommendations</h2><ul id='advice'>{tips}</ul>{sections}")
    return _page("DRM resource dashboard", body, theme)
