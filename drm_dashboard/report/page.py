"""The one shell of every static report page: the document, its style, a solid background, its times."""

from __future__ import annotations

import datetime as dt
import html
from typing import Sequence

import plotly.graph_objects as go
import plotly.io as pio

from ..ui.cards import Kpi
from ..ui.theme import Theme

FIGURE_CONFIG = {"displaylogo": False, "responsive": True}
_STYLE = """body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;padding:20px 28px;
background:%(bg)s;color:%(fg)s}h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 8px}
h1,h2{font-weight:600}.muted{color:%(muted)s}.cards{display:grid;grid-template-columns:repeat(auto-fill,
minmax(210px,1fr));gap:12px;margin:16px 0}.card{border:1px solid %(grid)s;border-radius:8px;padding:10px 14px}
.card .t{font-size:.8rem;color:%(muted)s}.card .v{font-size:1.6rem;font-weight:600;margin:2px 0}
.card .n{font-size:.8rem}nav a{color:inherit;margin-right:14px}section{margin-bottom:12px}li{margin:4px 0}
table{border-collapse:collapse;margin:8px 0 24px}td,th{padding:4px 10px;border-bottom:1px solid %(grid)s;
text-align:left}.bad{color:#e74c3c}.ok{color:#00bc8c}"""


def when(epoch: float | None) -> str:
    """An instant as the server's local date and time; '—' for none."""
    return "—" if epoch is None else dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def finish(fig: go.Figure, theme: Theme) -> go.Figure:
    """A copy with the page's solid background: a file has no dashboard behind it."""
    out = go.Figure(fig)
    out.update_layout(paper_bgcolor=theme.background, plot_bgcolor=theme.background)
    return out


def figure_divs(figures: Sequence[tuple[str, go.Figure]], theme: Theme) -> list[str]:
    """Each (id, figure) as a div on the page's background; plotly.js inline once, so the file opens offline."""
    return [pio.to_html(finish(fig, theme), full_html=False, include_plotlyjs=(i == 0), div_id=div_id,
                        config=FIGURE_CONFIG) for i, (div_id, fig) in enumerate(figures)]


def cards_html(items: Sequence[Kpi]) -> str:
    """Summary cards as HTML: the dashboard's card records, drawn without Dash."""
    return "<div class='cards' id='summary-cards'>" + "".join(
        f"<div class='card'><div class='t'>{html.escape(c.title)}</div><div class='v'>"
        f"{html.escape(c.value)}</div><div class='n'>{html.escape(c.note)}</div></div>"
        for c in items) + "</div>"


def page(title: str, body: str, theme: Theme, head: str = "") -> str:
    """A whole document in the theme's colours around `body`; `head` adds scripts or links."""
    style = _STYLE % {"bg": theme.background, "fg": theme.text, "muted": theme.muted, "grid": theme.grid}
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title><meta name='viewport' content='width=device-width, initial-scale=1'>{head}"
            f"<style>{style}</style></head><body>{body}</body></html>")
