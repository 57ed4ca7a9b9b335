"""Alerts tab: newest first, filtered by severity and by source, each with its details."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html

from .. import ids
from ...models import ALERT_LEVELS, ALERT_SOURCES, Alert
from ..alertlist import (MAX_LISTED, SOURCE_WORDS, AlertListing, details_text, human_names, is_resolved,
                        list_alerts, open_alerts)
from ..cards import LEVEL_COLORS, alert_counts
from ..clusters import cluster_tag
from ..components import notice, panel
from ..context import UIContext
from ..status import clock_time

LABEL = "Alerts"
LEVELS = "alerts-levels"
SOURCES = "alerts-sources"
COUNTS = "alerts-counts"
LIST = "alerts-list"
RENDERED = "alerts-rendered"


def _checklist(component_id: str, options: dict[str, str]) -> dbc.Checklist:
    return dbc.Checklist(id=component_id, value=list(options), inline=True, switch=True,
                         options=[{"label": label, "value": v} for v, label in options.items()])


def layout() -> html.Div:
    """Filters and counts on top, the list under them."""
    filters = dbc.Row([
        dbc.Col([html.Div("Severity", className="small text-muted mb-1"),
                 _checklist(LEVELS, {level: level for level in ALERT_LEVELS})], md="auto"),
        dbc.Col([html.Div("Source", className="small text-muted mb-1"),
                 _checklist(SOURCES, {s: SOURCE_WORDS[s] for s in ALERT_SOURCES})], md="auto"),
    ], className="g-4 mb-3")
    counts = html.Span(["newest first", html.Span(id=COUNTS, className="ms-3")])
    return html.Div([filters, panel("Alerts", html.Div(id=LIST), subtitle=counts),
                     dcc.Store(id=RENDERED)])


# details beyond the first few fold away, so one chatty alert does not push the rest off screen
_DETAILS_SHOWN = 4


def _details(a: Alert) -> list:
    items = details_text(a.details, a.message)
    out: list = [" · ".join(items[:_DETAILS_SHOWN])]
    if len(items) > _DETAILS_SHOWN:
        out.append(html.Details([html.Summary(f"{len(items) - _DETAILS_SHOWN} more"),
                                 html.Div(" · ".join(items[_DETAILS_SHOWN:]))]))
    return out


SILENCED_WORDS = "silenced in Alertmanager"


def _alert_row(a: Alert, silenced: bool = False) -> html.Tr:
    details = _details(a)
    if is_resolved(a):  # looks like history: grey badge naming the level it had, muted row
        badge = dbc.Badge(f"resolved ({a.level})", color="secondary", className="drm-resolved")
    else:
        badge = dbc.Badge(a.level, color=LEVEL_COLORS[a.level],
                          className="drm-level-critical" if a.level == "critical" else "")
    message: list = [*cluster_tag(a.cluster), human_names(a.message)]
    if silenced:
        message.append(dbc.Badge(SILENCED_WORDS, color="secondary", className="ms-2 drm-am-silenced"))
    return html.Tr([
        html.Td(clock_time(a.timestamp), className="text-nowrap"), html.Td(badge),
        html.Td(SOURCE_WORDS[a.source], className="text-nowrap small"),
        html.Td(message), html.Td(details, className="small text-muted"),
    ], className="text-muted drm-alert-resolved" if is_resolved(a) else "")


def alert_table(listing: AlertListing, silenced: frozenset[str] = frozenset()) -> Any:
    """The listed alerts, or why there are none; those Alertmanager silences are marked."""
    if not listing.alerts:
        return notice(listing.empty_reason, "success" if not listing.total else "secondary")
    head = html.Thead(html.Tr([html.Th(h) for h in ("Time", "Severity", "Source", "Message", "Details")]))
    rows = [_alert_row(a, a.id in silenced) for a in listing.alerts]
    table = dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True,
                      className="mb-0 align-middle")
    more = [] if listing.matched <= MAX_LISTED else [
        html.Small(f"Showing the newest {MAX_LISTED} of {listing.matched}.", className="text-muted")]
    return html.Div([table, *more])


def count_badges(alerts: tuple[Alert, ...], window: str) -> list:
    """Open alerts in the window per severity, worst first; resolved ones counted apart."""
    counts = alert_counts(open_alerts(alerts))
    resolved = len(alerts) - sum(counts.values())
    badges = [dbc.Badge(f"{counts[level]} {level}", color=LEVEL_COLORS[level], className="ms-1")
              for level in reversed(ALERT_LEVELS) if counts[level]]
    if resolved:
        badges.append(dbc.Badge(f"{resolved} resolved", color="secondary", className="ms-1"))
    return [html.Small(f"{window}: ", className="text-muted"),
            *(badges or [dbc.Badge("none open", color="success", className="ms-1")])]


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """The list follows the store and the filters."""

    @app.callback(Output(LIST, "children"), Output(COUNTS, "children"), Output(RENDERED, "data"),
                  Input(ids.INTERVAL, "n_intervals"), Input(ids.TABS, "active_tab"),
                  Input(LEVELS, "value"), Input(SOURCES, "value"), Input(ids.CLUSTER, "value"),
                  Input(ids.RANGE, "data"), State(RENDERED, "data"))
    def _refresh(_n: int, active: str, levels: list[str], sources: list[str], cluster: str | None,
                 span: dict | None,
                 rendered: str | None) -> tuple:
        c = ctx.pick(cluster)
        # only known names reach the cache key, whatever a request carries
        chosen = (tuple(v for v in ALERT_LEVELS if v in (levels or ())),
                  tuple(v for v in ALERT_SOURCES if v in (sources or ())))
        silenced = c.silenced_elsewhere() if c.silenced_elsewhere else frozenset()
        marks = hash(silenced)  # a silence made in Alertmanager redraws the list, tick or not
        view, stamp = c.changed_view(LABEL, active, rendered, *chosen, marks, chosen=span)
        return (*c.cache.get(view, (LABEL, *chosen, marks), lambda: (
            alert_table(list_alerts(view.alerts, *chosen, c.window_words(view)), silenced),
            count_badges(view.alerts, c.window_words(view)))), stamp)
