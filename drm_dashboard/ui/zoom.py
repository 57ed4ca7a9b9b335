"""Live graphs that keep the user's zoom across refreshes: server figures land in a store."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, State, dcc, html

from .components import graph

# Dash 4's dcc.Graph copies every zoom or pan back into its `figure` prop; the next figure from
# the server then reads as an app edit of the axis range and plotly's uirevision drops the zoom.
# So the server writes each new figure to a dcc.Store, and this clientside merge (no round trip)
# copies the axes the user zoomed (autorange false: the server never sends that) onto it while
# uirevision is unchanged. Reset axes (double click) restores autorange and the live range.
KEEP_ZOOM_JS = """
function(fig, shown) {
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
    app.clientside_callback(KEEP_ZOOM_JS, Output(graph_id, "figure"), Input(data_id, "data"),
                            State(graph_id, "figure"), prevent_initial_call=True)
