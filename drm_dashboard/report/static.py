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
from ..ui.cards import Kpi
from ..ui.figures.common import offset_label
from ..ui.theme import Theme
from ..ui.units import plural
from .page import FIGURE_CONFIG, cards_html, figure_divs, finish, page, when
from .png import PngRenderer
from .summary import ReportSummary

PLOTLY_JS = "plotly.min.js"
# the live dashboard's stylesheet (cards, tabs), shared by the report pages that use Bootstrap
UI_ASSETS = Path(ui_package.__file__).parent / "assets"
PNG_WIDTH = 1200


@dataclass(frozen=True)
class Chart:
    """One report chart: its file stem, its title, and the figure."""

    name: str
    title: str
    figure: go.Figure


def ensure_plotlyjs(folder: Path) -> Path:
    """plotly.js beside the HTML files (once per folder), so they open offline from disk."""
    path = folder / PLOTLY_JS
    bundle = get_plotlyjs()
    if not path.exists() or path.stat().st_size != len(bundle.encode("utf-8")):
        path.write_text(bundle, encoding="utf-8")
    return path


def write_html(chart: Chart, path: Path, theme: Theme) -> Path:
    """One chart as a full page that loads plotly.js from beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ensure_plotlyjs(path.parent)
    div = pio.to_html(finish(chart.figure, theme), full_html=False, include_plotlyjs=False,
                      div_id=f"chart-{chart.name}", config=FIGURE_CONFIG)
    head = f"<script src='{PLOTLY_JS}'></script>"
    path.write_text(page(chart.title, div, theme, head), encoding="utf-8")
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


def render_index(charts: Sequence[Chart], summary: ReportSummary, items: Sequence[Kpi],
                 advice: Sequence[str], theme: Theme, generated_at: float | None = None) -> str:
    """The whole dashboard as one page: summary, every chart, plotly.js inline once."""
    divs = figure_divs([(f"chart-{c.name}", c.figure) for c in charts], theme)
    nav = "<nav>" + "".join(f"<a href='#{c.name}'>{html.escape(c.title)}</a>" for c in charts) + "</nav>"
    sections = "".join(f"<section id='{c.name}'><h2>{html.escape(c.title)}</h2>{div}</section>"
                       for c, div in zip(charts, divs))
    tips = "".join(f"<li>{html.escape(a)}</li>" for a in advice) or "<li>None: nothing to judge yet.</li>"
    body = (f"<h1>DRM resource dashboard</h1><p class='muted'>Source: {html.escape(summary.source)} · "
            f"{plural(summary.samples, 'sample')} from {when(summary.window_start)} to {when(summary.window_end)}"
            # generated on the same clock as the samples, so the window never ends after it
            f" (server time, {offset_label()}) · generated "
            f"{when(dt.datetime.now().timestamp() if generated_at is None else generated_at)}</p>"
            f"{cards_html(items)}{nav}<h2>Recommendations</h2><ul id='advice'>{tips}</ul>{sections}")
    return page("DRM resource dashboard", body, theme)
