"""System Overview tab: the pool's current numbers."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, html, no_update

from .. import ids
from ..cards import Kpi, live_kpis
from ..context import UIContext

CARDS = "overview-cards"
LABEL = "System Overview"


def layout() -> html.Div:
    """Cards are filled by the first refresh."""
    return html.Div(dbc.Row(id=CARDS, className="g-3"))


def _card(kpi: Kpi) -> dbc.Col:
    return dbc.Col(dbc.Card(dbc.CardBody([
        html.Div(kpi.title, className="text-muted small"),
        html.H3(kpi.value, className="my-1"),
        html.Small(kpi.note, className="text-muted"),
    ])), xs=6, md=3)


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """Cards follow the store's newest tick."""

    @app.callback(Output(CARDS, "children"), Input(ids.INTERVAL, "n_intervals"))
    def _refresh(_n: int) -> Any:
        view = ctx.live.view()
        if view.is_empty:
            return dbc.Col(dbc.Alert("Waiting for the first sample from the source.", color="secondary"))
        return [_card(k) for k in live_kpis(view)]
