"""Worker Details tab: chosen workers compared over time, and a heatmap of every worker."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dash_table, dcc, html, no_update
from dash.dash_table.Format import Format

from ...catalog import metric_info
from .. import ids
from ..components import keep_zoom, live_graph, panel, segmented
from ..context import UIContext
from ..figures.common import jsonable
from ..figures.workers import (METRICS, busiest, chosen_workers, heat_rows, heatmap_figure, pool_rows,
                               selection_note, worker_timeseries_figure)
from ..theme import theme_of
from ..workertable import COLUMNS, PAGE_SIZE, filtered, naturally_sorted, page_of, sort_rows, worker_rows

LABEL = "Worker Details"
LABELS = {m: metric_info(m).title for m in METRICS}
TABLE = "workers-table"
SEARCH = "workers-search"
TABLE_NOTE = "workers-table-note"
METRIC = "workers-metric"
CHOICE = "workers-choice"
NOTE = "workers-note"
LINES = "workers-lines"
HEATMAP = "workers-heatmap"
LINES_DATA = "workers-lines-data"
HEATMAP_DATA = "workers-heatmap-data"
RENDERED = "workers-rendered"
OPTIONS_KEY = "workers-options-key"
TABLE_RENDERED = "workers-table-rendered"
SHOWN = "workers-table-shown"
ROWS = "workers-table-rows"
BUSIEST = "workers-busiest"


def _controls() -> dbc.Row:
    metric = segmented(METRIC, [{"label": v, "value": k} for k, v in LABELS.items()],
                       "cpu")
    choice = dcc.Dropdown(id=CHOICE, multi=True, options=[], placeholder="Workers to compare",
                          className="drm-dropdown")
    return dbc.Row([
        dbc.Col([html.Div("Metric", className="small text-muted mb-1"), metric], md="auto"),
        dbc.Col([html.Div("Workers to compare", className="small text-muted mb-1"), choice]),
    ], className="g-3 mb-2 align-items-end")


def _table() -> html.Div:
    """Every worker, paged, sorted and filtered on the server (cheap at 10,000 workers)."""
    # a number the worker did not send reads "not reported", never a blank that looks like 0
    columns = [{"name": head, "id": cid, "type": "numeric", "format": Format(nully="not reported")}
               if kind == "number" else {"name": head, "id": cid, "type": "text"}
               for cid, (head, kind) in COLUMNS.items()]
    table = dash_table.DataTable(
        id=TABLE, columns=columns, data=[], row_selectable="multi", selected_rows=[],
        page_action="custom", page_current=0, page_size=PAGE_SIZE, page_count=1,
        sort_action="custom", sort_mode="multi", sort_by=[], filter_action="custom", filter_query="",
        style_table={"overflowX": "auto"}, style_as_list_view=True,
        style_cell={"fontSize": "0.8rem", "fontFamily": "inherit", "padding": "2px 6px", "backgroundColor": "transparent",
                    "color": "inherit", "textAlign": "right"},
        style_cell_conditional=[{"if": {"column_id": c}, "textAlign": "left"}
                                for c in ("id", "status", "heartbeat")],
        style_header={"fontWeight": "600", "backgroundColor": "transparent", "color": "inherit"},
        style_filter={"backgroundColor": "transparent", "color": "inherit"},
        style_data_conditional=[{"if": {"filter_query": '{status} = "lost"'}, "color": "#e74c3c"},
                                {"if": {"filter_query": '{status} = "not reporting"'}, "opacity": 0.6}],
        css=[{"selector": ".dash-spreadsheet-menu", "rule": "display: none"}])
    search = dbc.Input(id=SEARCH, type="search", placeholder="search worker id", size="sm",
                       debounce=True, className="mb-2", style={"maxWidth": "18rem"})
    return html.Div([search, table, html.Small(id=TABLE_NOTE, className="text-muted")])


def layout() -> html.Div:
    """The worker table, controls, then the comparison chart, then the heatmap of all workers."""
    return html.Div([
        panel("Workers", _table(), class_name="mb-3",
              subtitle="tick rows to compare them below; filter under each header (e.g. > 80), "
                       "click a header to sort"),
        _controls(),
        html.Div(id=NOTE, className="small text-muted mb-2"),
        panel("Chosen workers over time", live_graph(LINES, LINES_DATA, 360), class_name="mb-3"),
        panel("Every worker over time", live_graph(HEATMAP, HEATMAP_DATA, 320),
              subtitle="bucket means; blank cells: the worker was not reporting"),
        dcc.Store(id=RENDERED), dcc.Store(id=OPTIONS_KEY), dcc.Store(id=TABLE_RENDERED),
        dcc.Store(id=SHOWN), dcc.Store(id=ROWS), dcc.Store(id=BUSIEST),
    ])


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """Options follow the set of workers; charts follow ticks, metric and choice."""

    @app.callback(Output(CHOICE, "options"), Output(BUSIEST, "data"), Output(OPTIONS_KEY, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  Input(ids.CLUSTER, "value"), State(CHOICE, "value"), State(OPTIONS_KEY, "data"))
    def _options(_n: int, active: str, cluster: str | None, value: list[str] | None,
                 shown: str | None) -> tuple:
        c = ctx.pick(cluster)
        view = c.live.view()
        key = f"{view.n_workers}:{view.worker_ids[:1]}:{view.worker_ids[-1:]}"
        if active != LABEL or (key == shown and value is not None):
            return no_update, no_update, no_update
        options = c.cache.get(view, (OPTIONS_KEY,), lambda: list(naturally_sorted(view.worker_ids)))
        # pre-select the busiest once; after that the choice is the user's, even when emptied
        return options, busiest(view) if value is None else no_update, key

    # the pre-selection reaches the dropdown in the browser: a server callback on the refresh
    # tick that wrote the choice would hold back the table's selection sync (see components.py)
    app.clientside_callback(PRESELECT_JS, Output(CHOICE, "value", allow_duplicate=True),
                            Input(BUSIEST, "modified_timestamp"), State(BUSIEST, "data"),
                            State(CHOICE, "value"), prevent_initial_call=True)

    _register_table(app, ctx)
    keep_zoom(app, LINES_DATA, LINES)
    keep_zoom(app, HEATMAP_DATA, HEATMAP)

    @app.callback(Output(LINES_DATA, "data"), Output(HEATMAP_DATA, "data"), Output(NOTE, "children"),
                  Output(RENDERED, "data"), Input(ids.INTERVAL, "n_intervals"),
                  Input(ids.TABS, "active_tab"), Input(ids.THEME, "data"), Input(METRIC, "value"),
                  Input(CHOICE, "value"), Input(ids.CLUSTER, "value"), Input(ids.RANGE, "data"),
                  State(RENDERED, "data"))
    def _charts(_n: int, active: str, theme: str, metric: str, value: list[str] | None,
                cluster: str | None, span: dict | None, rendered: str | None) -> tuple:
        c = ctx.pick(cluster)
        metric = metric if metric in METRICS else "cpu"
        chosen_key = tuple(str(v) for v in value or ())
        # the table lists the workers now; the charts show the chosen time range
        view, stamp = c.changed_view(LABEL, active, rendered, theme, metric, chosen_key, chosen=span)
        look = theme_of(theme)
        chosen, defaulted = c.cache.get(view, (CHOICE, metric, chosen_key),
                                        lambda: chosen_workers(view, chosen_key, metric))
        # aggregates over every worker are kept per tick (RowCache): a refresh computes the new tick only
        lines = c.cache.get(view, (LINES, look.name, metric, tuple(chosen)), lambda: jsonable(
            worker_timeseries_figure(view, worker_ids=chosen, metric=metric, theme=look, pool=c.rows.rows(
                view, (LINES, metric), lambda rows: pool_rows(view, metric, rows)))))
        heat = c.cache.get(view, (HEATMAP, look.name, metric), lambda: jsonable(heatmap_figure(
            view, metric=metric, theme=look, binned=c.rows.rows(
                view, (HEATMAP, metric, view.worker_ids), lambda rows: heat_rows(view, metric, rows))["z"])))
        return lines, heat, selection_note(view, chosen, defaulted, metric), stamp


PRESELECT_JS = """
function(_stamp, busiest, value) {
    return value == null && busiest ? busiest : window.dash_clientside.no_update;
}
"""

# The ticked rows and the chosen workers are one state (the dropdown's value, a list of ids),
# kept in step in the browser: a server round trip here raced the live refresh, whose answer,
# computed from the choice as it stood when the refresh left, unticked a row ticked meanwhile.
# The server's rows land in ROWS; this callback puts them in the table together with the ticks
# of the choice as it is now, in one render. A tick or untick is read as the difference between
# the rows the table holds ticked and the rows this callback last ticked (kept in SHOWN with the
# ids they index), whichever input fired: a refresh handled before the click's own event would
# otherwise tick the rows again and lose the click. The table empties its selection by itself
# after a sort, filter or page change: an emptying that follows a change of those settings (kept
# in SHOWN too) is not the user's and is undone. The rows are read when their store's
# modified_timestamp fires, not its data: no input of this callback is the output of a server
# callback, which Dash would wait for (see components.py).
SYNC_SELECTION_JS = """
function(_stamp, _tickedIds, chosen, fresh, data, ticked, shown, sortBy, query, page) {
    const dc = window.dash_clientside, nu = dc.no_update;
    const fired = (dc.callback_context.triggered || []).map(t => t.prop_id);
    const arrived = fired.some(p => p.endsWith('.modified_timestamp'));
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    const held = (data || []).map(r => r.id), now = ticked || [];
    const table = (arrived ? fresh : data) || [], ids = table.map(r => r.id);
    const controls = JSON.stringify([sortBy || [], query || '', page || 0]);
    const last = shown || {controls: controls, ids: held, rows: now};
    let picked = chosen || [];
    if (last.controls === controls && same(held, last.ids)) {
        const added = now.filter(i => !last.rows.includes(i)).map(i => last.ids[i]);
        const removed = last.rows.filter(i => !now.includes(i)).map(i => last.ids[i]);
        picked = picked.concat(added.filter(w => w !== undefined && !picked.includes(w)));
        if (removed.length === 1 || (removed.length && now.length)) {  // not the table's emptying
            picked = picked.filter(w => !removed.includes(w));
        }
    }
    const want = new Set(picked);
    const rows = ids.map((w, i) => want.has(w) ? i : -1).filter(i => i >= 0);
    const keep = {controls: controls, ids: ids, rows: rows};
    return [arrived ? table : nu, same(picked, chosen || []) ? nu : picked,
            arrived || !same(rows, now) ? rows : nu,
            JSON.stringify(keep) === JSON.stringify(shown) ? nu : keep];
}
"""


def _register_table(app: Any, ctx: UIContext) -> None:
    """The server pages, sorts and filters the rows; the browser keeps ticks and choice in step."""

    @app.callback(Output(ROWS, "data"), Output(TABLE, "page_count"), Output(TABLE, "page_current"),
                  Output(TABLE_NOTE, "children"), Output(TABLE_RENDERED, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  Input(TABLE, "page_current"), Input(TABLE, "page_size"), Input(TABLE, "sort_by"),
                  Input(TABLE, "filter_query"), Input(SEARCH, "value"), Input(ids.CLUSTER, "value"),
                  State(TABLE_RENDERED, "data"))
    def _rows(_n: int, active: str, page: int, size: int, sort_by: list, query: str, search: str,
              cluster: str | None, rendered: str | None) -> tuple:
        c = ctx.pick(cluster)
        needle = (search or "").strip().lower()
        # an unchanged view under unchanged controls sends nothing: the table is not re-drawn
        view, stamp = c.changed_view(LABEL, active, rendered, repr(sort_by), query or "", needle,
                                     page, size, cluster)
        key = (TABLE, repr(sort_by), query or "", needle)
        rows = c.cache.get(view, key, lambda: sort_rows(filtered(
            c.cache.get(view, (TABLE,), lambda: worker_rows(view)), query, search), sort_by))
        shown = page_of(rows, page, size or PAGE_SIZE)
        # a filter that leaves fewer pages moves the pager onto the last page there is
        at = min(max(int(page or 0), 0), shown.page_count - 1)
        note = f"{shown.matched:,} of {view.n_workers:,} workers match" if (query or needle) else \
            f"{view.n_workers:,} worker{'s' * (view.n_workers != 1)} in the window"
        return list(shown.rows), shown.page_count, no_update if at == page else at, note, stamp

    app.clientside_callback(SYNC_SELECTION_JS, Output(TABLE, "data"),
                            Output(CHOICE, "value", allow_duplicate=True), Output(TABLE, "selected_rows"),
                            Output(SHOWN, "data"), Input(ROWS, "modified_timestamp"),
                            Input(TABLE, "selected_row_ids"), Input(CHOICE, "value"), State(ROWS, "data"),
                            State(TABLE, "data"), State(TABLE, "selected_rows"),
                            State(SHOWN, "data"), State(TABLE, "sort_by"), State(TABLE, "filter_query"),
                            State(TABLE, "page_current"), prevent_initial_call=True)
