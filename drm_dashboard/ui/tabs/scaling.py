"""Scaling Decisions tab: when the pool grew or shrank, on which numbers, and what it changed."""

from __future__ import annotations

import math
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from .. import ids
from ...models import ScalingDecision
from ...store.live import LiveView
from ..components import keep_zoom, live_graph, notice, panel
from ..context import UIContext
from ..decisions import IMPACT_WINDOW_S, Thresholds, impact, impact_text, thresholds, trigger_text
from ..figures.common import jsonable
from ..figures.scaling import threshold_figure, timeline_figure
from ..status import clock_time
from ..theme import theme_of

LABEL = "Scaling Decisions"
TIMELINE = "scaling-timeline"
THRESHOLDS = "scaling-thresholds"
SUMMARY = "scaling-summary"
TABLE = "scaling-table"
TIMELINE_DATA = "scaling-timeline-data"
THRESHOLDS_DATA = "scaling-thresholds-data"
RENDERED = "scaling-rendered"
_BADGE = {"scale_up": ("scale up", "success"), "scale_down": ("scale down", "danger"),
          "maintain": ("maintain", "secondary")}
HEADER = ("Time", "Action", "Count", "Reason", "Trigger values",
          f"Impact ({IMPACT_WINDOW_S / 60:.0f} min before → after)")


def layout() -> html.Div:
    """The two charts side by side, a one-line summary, then the table of decisions."""
    return html.Div([
        dbc.Row([
            dbc.Col(panel("Worker count and scaling events", live_graph(TIMELINE, TIMELINE_DATA, 320),
                          subtitle="▲ scale up · ▼ scale down; hover for the reason"), lg=6),
            dbc.Col(panel("Allocation against the policy's thresholds",
                          live_graph(THRESHOLDS, THRESHOLDS_DATA, 320),
                          subtitle="the policy judges allocation, not CPU used"), lg=6),
        ], className="g-3 mb-3"),
        html.Div(id=SUMMARY, className="mb-2"),
        panel("Decisions", html.Div(id=TABLE), subtitle="newest first"),
        dcc.Store(id=RENDERED),
    ])


def summary_text(view: LiveView, limits: Thresholds | None, window: str) -> str:
    """How many decisions the window holds, and the thresholds they were judged against."""
    ups = sum(d.action == "scale_up" for d in view.decisions)
    downs = sum(d.action == "scale_down" for d in view.decisions)
    # a window NaN: the manager (the original's mock) judged each instant, over no stated window
    over = "" if limits is None or math.isnan(limits.window_s) else f", judged over {limits.window_s:g} s"
    policy = ("" if limits is None else
              f" Policy ({limits.source}): scale up at {limits.scale_up:.0f}%, down at "
              f"{limits.scale_down:.0f}%, target {limits.target:.0f}%{over}.")
    holds = sum(d.action == "maintain" for d in view.decisions)
    held_too = f", {holds} to maintain" if holds else ""
    if not ups + downs:
        workers = view.latest("total_workers")
        held = "" if view.is_empty else f" The pool has {workers:.0f} workers now."
        return f"No scale-up or scale-down {window}{held_too}.{held}{policy}"
    return f"{ups} scale-up and {downs} scale-down decisions{held_too} {window}.{policy}"


def _row(view: LiveView, d: ScalingDecision) -> html.Tr:
    word, color = _BADGE.get(d.action, (d.action, "secondary"))
    alloc, wait = impact_text(impact(view, d))
    return html.Tr([
        html.Td(clock_time(d.timestamp), className="text-nowrap"),
        html.Td(dbc.Badge(word, color=color)), html.Td(d.count, className="text-end"),
        html.Td(d.reason, className="drm-reason"), html.Td(trigger_text(d), className="small"),
        html.Td([html.Div(alloc), html.Div(wait)], className="small text-nowrap"),
    ])


def decision_table(view: LiveView, window: str) -> Any:
    """The decisions newest first with trigger values and measured impact, or why there are none."""
    if not view.decisions:
        return notice(f"No scaling decisions {window}.")
    rows = [_row(view, d) for d in sorted(view.decisions, key=lambda d: d.timestamp, reverse=True)]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in HEADER])), html.Tbody(rows)],
                     size="sm", hover=True, striped=True, responsive=True, className="mb-0 align-middle")


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """One refresh for the whole tab, cached per (view, theme)."""

    keep_zoom(app, TIMELINE_DATA, TIMELINE)
    keep_zoom(app, THRESHOLDS_DATA, THRESHOLDS)

    @app.callback(Output(TIMELINE_DATA, "data"), Output(THRESHOLDS_DATA, "data"),
                  Output(SUMMARY, "children"), Output(TABLE, "children"), Output(RENDERED, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  Input(ids.THEME, "data"), State(RENDERED, "data"))
    def _refresh(_n: int, active: str, theme: str, rendered: str | None) -> tuple:
        view, stamp = ctx.changed_view(LABEL, active, rendered, theme)
        look = theme_of(theme)

        def build() -> tuple:
            limits = thresholds(view, ctx.policy)
            return (jsonable(timeline_figure(view, theme=look)),
                    jsonable(threshold_figure(view, limits=limits, theme=look)),
                    html.Small(summary_text(view, limits, ctx.window_words(view)), className="text-muted"),
                    decision_table(view, ctx.window_words(view)))

        return (*ctx.cache.get(view, (LABEL, look.name), build), stamp)
