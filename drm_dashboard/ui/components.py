"""Small Dash building blocks the tabs share: panels, live graphs that keep zoom, KPI cards."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from .cards import Kpi

# before the first refresh a graph is a transparent blank, not plotly's default white axes
_BLANK = {"data": [], "layout": {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
                                 "xaxis": {"visible": False}, "yaxis": {"visible": False}}}
_CONFIG = {"displaylogo": False, "responsive": True,
           "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def graph(graph_id: str, height: int) -> dcc.Graph:
    """A graph that keeps its space while empty, so the page does not jump on first load."""
    return dcc.Graph(id=graph_id, figure=_BLANK, config=_CONFIG, style={"minHeight": f"{height}px"})


def panel(title: str, body: Any, *, subtitle: Any = None, class_name: str = "") -> dbc.Card:
    """A titled card around a chart or table."""
    head = [html.Span(title, className="fw-semibold")]
    if subtitle is not None:
        head.append(html.Small(subtitle, className="text-muted ms-2"))
    return dbc.Card([dbc.CardHeader(head, className="py-2"), dbc.CardBody(body, className="p-2")],
                    className=f"h-100 {class_name}".strip())


def kpi_card(kpi: Kpi) -> dbc.Card:
    """A number card: title, big value, a note and its trend."""
    value_class = f"my-1 text-{kpi.color}" if kpi.color else "my-1"
    return dbc.Card(dbc.CardBody([
        html.Div(kpi.title, className="text-muted small drm-kpi-title"),
        html.Div(kpi.value, className=f"{value_class} drm-kpi-value"),
        html.Div(kpi.note, className="small"),
        html.Div(kpi.trend, className=f"small text-{kpi.trend_color}") if kpi.trend else None,
    ]), className="h-100 drm-kpi")


def segmented(component_id: str, options: list[dict], value: object) -> html.Div:
    """Radio items drawn as one row of joined buttons (a segmented control)."""
    return html.Div(dbc.RadioItems(
        id=component_id, options=options, value=value, className="btn-group",
        inputClassName="btn-check", labelClassName="btn btn-sm", labelCheckedClassName="active"),
        className="drm-segmented")


def notice(text: str, color: str = "secondary") -> dbc.Alert:
    """An honest empty state: what is missing and why."""
    return dbc.Alert(text, color=color, className="mb-0 py-2")


# Dash 4's dcc.Graph copies every zoom or pan back into its `figure` prop; the next figure from
# the server then reads as an app edit of the axis range and plotly's uirevision drops the zoom.
# So the server writes each new figure to a dcc.Store, and this clientside merge (no round trip)
# copies the axes the user zoomed (autorange false: the server never sends that) onto it while
# uirevision is unchanged. Reset axes (double click) restores autorange and the live range.
# The merge is triggered by the store's modified_timestamp, which the store sets itself, not by
# its data: Dash holds back a callback while any of its inputs is the output of a callback still
# in flight, and on a slow server the next refresh is always in flight, so a merge triggered by
# the data waited for ever and the graph stayed blank.
KEEP_ZOOM_JS = """
function(_stamp, fig, shown) {
    if (!fig) { return window.dash_clientside.no_update; }
    const old = shown && shown.layout;
    if (!old || !fig.layout || old.uirevision !== fig.layout.uirevision) { return fig; }
    const layout = Object.assign({}, fig.layout);
    for (const name of Object.keys(old)) {
        const axis = old[name];
        if (/^[xy]axis[0-9]*$/.test(name) && axis && axis.autorange === false && axis.range) {
            layout[name] = Object.assign({}, layout[name], {range: axis.range, autorange: false});
        }
    }
    return Object.assign({}, fig, {layout: layout});
}
"""


def live_graph(graph_id: str, data_id: str, height: int) -> html.Div:
    """A graph and the store its server figures arrive in."""
    return html.Div([graph(graph_id, height), dcc.Store(id=data_id)])


def keep_zoom(app: Any, data_id: str, graph_id: str) -> None:
    """Draw each figure that lands in data_id on graph_id, keeping the user's zoom."""
    app.clientside_callback(KEEP_ZOOM_JS, Output(graph_id, "figure"), Input(data_id, "modified_timestamp"),
                            State(data_id, "data"), State(graph_id, "figure"), prevent_initial_call=True)
