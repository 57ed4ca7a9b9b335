"""Scaling Decisions tab: when the pool grew or shrank, on which numbers, and what it changed."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from .. import ids
from ...models import ScalingDecision
from ...store.live import LiveView
from ..clusters import cluster_tag
from ..components import keep_zoom, live_graph, notice, panel
from ..context import UIContext
from .. import replay
from ..decisions import (IMPACT_WINDOW_S, Thresholds, impact, impact_text, policy_text, thresholds,
                         time_to_effect, trigger_text, verdict_words)
from ..figures.common import jsonable
from ..figures.scaling import threshold_figure, timeline_figure
from ..status import clock_time
from ..units import plural
from ..theme import theme_of

LABEL = "Scaling Decisions"
TIMELINE = "scaling-timeline"
THRESHOLDS = "scaling-thresholds"
SUMMARY = "scaling-summary"
TABLE = "scaling-table"
TIMELINE_DATA = "scaling-timeline-data"
THRESHOLDS_DATA = "scaling-thresholds-data"
RENDERED = "scaling-rendered"
VERDICTS = "scaling-verdicts"
VERDICTS_SHOWN = 20
_BADGE = {"scale_up": ("scale up", "success"), "scale_down": ("scale down", "danger"),
          "maintain": ("maintain", "secondary")}
HEADER = ("Time", "Action", "Count", "Reason", "Trigger values",
          f"Impact ({IMPACT_WINDOW_S / 60:.0f} min before → after)", "Time to effect")


def layout(policy: Any = None) -> html.Div:
    """The two charts side by side, a summary, the decisions, every verdict, and the replay."""
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
        panel("Why not scaled", html.Div(id=VERDICTS), class_name="mt-3",
              subtitle="every evaluation's verdict, maintain included, newest first"),
        replay.layout(policy),
        dcc.Store(id=RENDERED),
    ])


def summary_text(view: LiveView, limits: Thresholds | None, window: str) -> str:
    """How many decisions the window holds, and the thresholds they were judged against."""
    ups = sum(d.action == "scale_up" for d in view.decisions)
    downs = sum(d.action == "scale_down" for d in view.decisions)
    policy = "" if limits is None else f" Policy ({limits.source}): {policy_text(limits)}."
    holds = sum(d.action == "maintain" for d in view.decisions)
    held_too = f", {holds} to maintain" if holds else ""
    if not ups + downs:
        workers = view.latest("total_workers")
        held = "" if view.is_empty or workers != workers else (
            f" The pool has {plural(int(workers), 'worker')} now.")
        return f"No scale-up or scale-down {window}{held_too}.{held}{policy}"
    return f"{plural(ups, 'scale-up')} and {plural(downs, 'scale-down')}{held_too} {window}.{policy}"


def _row(view: LiveView, d: ScalingDecision) -> html.Tr:
    word, color = _BADGE.get(d.action, (d.action, "secondary"))
    alloc, wait = impact_text(impact(view, d))
    return html.Tr([
        html.Td(clock_time(d.timestamp), className="text-nowrap"),
        html.Td([*cluster_tag(d.cluster), dbc.Badge(word, color=color)], className="text-nowrap"),
        html.Td(d.count, className="text-end"),
        html.Td(d.reason, className="drm-reason"), html.Td(trigger_text(d), className="small"),
        html.Td([html.Div(alloc), html.Div(wait)], className="small text-nowrap"),
        html.Td(_effect(view, d), className="small text-nowrap"),
    ])


def _effect(view: LiveView, d: ScalingDecision) -> str:
    """Decision to the new worker's first report (scale-ups only)."""
    if d.action != "scale_up":
        return ""
    seconds = time_to_effect(view, d)
    return "no new worker has reported yet" if seconds != seconds else f"{seconds:,.0f} s"


def verdict_table(evaluations: Any, view: LiveView) -> Any:
    """The newest verdicts with their reasons, or why they are not shown."""
    if evaluations is None:
        return notice("This source sends only its scale-ups and scale-downs; the verdicts of its "
                      "other evaluations (maintain, blocked by a cooldown) are not reported.")
    if not evaluations:
        return notice("No scaling evaluation yet: the policy judges the pool every few seconds.")
    newest = list(reversed(evaluations))[:VERDICTS_SHOWN]
    rows = [html.Tr([html.Td(clock_time(d.timestamp), className="text-nowrap"),
                     html.Td(verdict_words(d), className="text-nowrap"),
                     html.Td(d.reason, className="drm-reason small"),
                     html.Td(trigger_text(d), className="small")]) for d in newest]
    head = html.Thead(html.Tr([html.Th(h) for h in ("Time", "Verdict", "Reason", "Trigger values")]))
    more = html.Small(f"The newest {len(newest)} of {plural(len(evaluations), 'evaluation')} kept.",
                      className="text-muted")
    return html.Div([dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True,
                               className="mb-1 align-middle"), more])


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

    replay.register_callbacks(app, ctx, LABEL, ids.TABS, ids.RANGE)

    @app.callback(Output(TIMELINE_DATA, "data"), Output(THRESHOLDS_DATA, "data"),
                  Output(SUMMARY, "children"), Output(TABLE, "children"), Output(VERDICTS, "children"),
                  Output(RENDERED, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  Input(ids.THEME, "data"), Input(ids.CLUSTER, "value"), Input(ids.RANGE, "data"),
                  State(RENDERED, "data"))
    def _refresh(_n: int, active: str, theme: str, cluster: str | None, chosen: dict | None,
                 rendered: str | None) -> tuple:
        c = ctx.pick(cluster)
        view, stamp = c.changed_view(LABEL, active, rendered, theme, chosen=chosen)
        look = theme_of(theme)

        def build() -> tuple:
            limits = thresholds(view, c.policy)
            return (jsonable(timeline_figure(view, theme=look)),
                    jsonable(threshold_figure(view, limits=limits, theme=look)),
                    html.Small(summary_text(view, limits, c.window_words(view)), className="text-muted"),
                    decision_table(view, c.window_words(view)),
                    verdict_table(c.evaluations() if c.evaluations else None, view))

        return (*c.cache.get(view, (LABEL, look.name), build), stamp)
