"""The time range every tab shows: the live window, a slice of it, or history read from the file."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Mapping

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from ..errors import StorageError
from ..store.history import HistoryStore
from ..store.range_view import aligned, history_view, live_slice, points_for, view_frame
from ..store.view import HistoryRange, LiveView
from . import ids
from .figures.common import MAX_POINTS

CHOICE = "range-choice"
FROM = "range-from"
TO = "range-to"
CUSTOM = "range-custom"
NOTE = "range-note"
DOWNLOAD_BUTTON = "range-download-button"
DOWNLOAD = "range-download"
LIVE = "live"
# choice -> (words, seconds back from now); "custom" reads the two fields
PRESETS: dict[str, tuple[str, float]] = {
    "15m": ("last 15 minutes", 900.0), "1h": ("last hour", 3600.0), "6h": ("last 6 hours", 21_600.0),
    "24h": ("last 24 hours", 86_400.0), "7d": ("last 7 days", 604_800.0), "30d": ("last 30 days", 2_592_000.0),
}
CUSTOM_CHOICE = "custom"
_FIELD_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


@dataclass(frozen=True)
class Span:
    """A chosen range in epoch seconds."""

    start: float
    end: float


def span_of(chosen: Mapping[str, Any] | None, now: float) -> Span | None:
    """The range a picker value names (None: the live window as it is)."""
    kind = (chosen or {}).get("kind")
    if kind in PRESETS:
        return Span(now - PRESETS[kind][1], now)
    if kind == CUSTOM_CHOICE:
        start, end = chosen.get("start"), chosen.get("end")
        # the store is the browser's to set: a range outside 1970..tomorrow is refused, not computed on
        if isinstance(start, (int, float)) and isinstance(end, (int, float)) and math.isfinite(start) \
                and math.isfinite(end) and 0 <= start < end <= now + 86_400.0:
            return Span(float(start), float(end))
    return None


def parse_field(text: str | None) -> float | None:
    """Epoch seconds from a datetime-local field (server local time); None when empty or malformed."""
    try:
        return dt.datetime.strptime((text or "").strip()[:16], _FIELD_FORMAT).timestamp()
    except ValueError:
        return None


def field_text(epoch_s: float) -> str:
    """A datetime-local field's value for epoch seconds (server local time)."""
    return time.strftime(_FIELD_FORMAT, time.localtime(epoch_s))


def chosen_value(choice: str | None, start_text: str | None, end_text: str | None
                 ) -> tuple[dict[str, Any], str]:
    """The picker's value for the tabs, and why a custom range was not taken (empty when it was)."""
    if choice in PRESETS:
        return {"kind": choice}, ""
    if choice != CUSTOM_CHOICE:
        return {"kind": LIVE}, ""
    start, end = parse_field(start_text), parse_field(end_text)
    if start is None or end is None:
        return {"kind": LIVE}, "Custom range: enter both a start and an end; showing the live window."
    if end <= start:
        return {"kind": LIVE}, "Custom range: the end must come after the start; showing the live window."
    return {"kind": CUSTOM_CHOICE, "start": start, "end": end}, ""


def range_key(chosen: Mapping[str, Any] | None) -> str:
    """A short text naming the choice, for page stamps and cache keys."""
    kind = (chosen or {}).get("kind", LIVE)
    return f"{kind}:{chosen.get('start')}:{chosen.get('end')}" if kind == CUSTOM_CHOICE else str(kind)


def range_words(history: HistoryRange) -> str:
    """'between 23 Nov 10:00 and 30 Nov 10:00' (server local time)."""
    fmt = "%d %b %H:%M"
    return (f"between {time.strftime(fmt, time.localtime(history.start))} and "
            f"{time.strftime(fmt, time.localtime(history.end))}")


def _step_words(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


def describe(view: LiveView, note: str) -> str:
    """What the tabs show now, in one sentence."""
    h = view.history
    if h is None:
        return note or "Showing the live window, every tick."
    if h.step_s == 0:
        return f"Live window {range_words(h)}, every tick."
    workers = f" for {view.n_workers:,} workers" if view.n_workers else ""
    return (f"From the history file {range_words(h)}: means of {_step_words(h.step_s)} "
            f"({view.n_ticks:,} points{workers}).")


NO_HISTORY = "There is no history file"


class RangeViews:
    """Views of chosen ranges: a live slice per tick, a history view per (range, step) while it holds."""

    # A history view is rebuilt when the range's last bucket moves on (its ends are multiples of
    # the step), so a 7-day range at 800 points reads the file every 12.6 minutes, not every tick.
    # Views are large at fleet scale (MAX_WORKER_CELLS), so only a few are kept.

    def __init__(self, max_views: int = 3) -> None:
        self.max_views = max_views
        self._lock = threading.Lock()
        self._views: OrderedDict[tuple, LiveView] = OrderedDict()
        self._numbers = 0
        self.reads = 0  # history views built (for tests)

    def _number(self) -> int:
        with self._lock:
            self._numbers += 1
            return self._numbers

    def view(self, live: LiveView, history: HistoryStore | None, span: Span | None, *,
             workers: bool = True, points: int = MAX_POINTS, cluster: tuple[str, ...] | None = None,
             missing: str = NO_HISTORY) -> tuple[LiveView, str]:
        """The view of span (the live window when None) and a note when it could not be read."""
        if span is None:
            return live, ""
        if live.n_ticks and span.start >= live.timestamps[0] - 2 * _tick(live):
            key = ("slice", live.seq, span.start, span.end)
            return self._cached(key, lambda: live_slice(live, span.start, span.end, self._number())), ""
        if history is None:
            return live, f"{missing}: showing the live window."
        start, end, step = aligned(span.start, span.end, points_for(points, live.n_workers) if workers else points)
        key = ("file", start, end, step, workers)
        try:
            return self._cached(key, lambda: history_view(history, start, end, step, self._number(),
                                                          workers=workers, cluster=cluster)), ""
        except StorageError as exc:  # a closing or broken file: say so, keep showing the live window
            return live, f"The history file could not be read ({exc}): showing the live window."

    def _cached(self, key: tuple, build: Callable[[], LiveView]) -> LiveView:
        with self._lock:
            found = self._views.get(key)
            if found is not None:
                self._views.move_to_end(key)
                return found
        made = build()  # outside the lock: a history read takes a while
        with self._lock:
            self.reads += key[0] == "file"
            self._views[key] = made
            while len(self._views) > self.max_views:
                self._views.popitem(last=False)
        return made


def _tick(view: LiveView) -> float:
    return view.span_s / max(view.n_ticks - 1, 1)


def layout() -> html.Div:
    """The picker, the custom fields (shown for a custom range), the note and the CSV download."""
    options = [{"label": "live window", "value": LIVE}] + [
        {"label": words, "value": key} for key, (words, _) in PRESETS.items()] + [
        {"label": "custom range", "value": CUSTOM_CHOICE}]
    custom = html.Div([
        dbc.Input(id=FROM, type="datetime-local", size="sm", debounce=True, className="me-1"),
        html.Span("to", className="small text-muted me-1"),
        dbc.Input(id=TO, type="datetime-local", size="sm", debounce=True),
    ], id=CUSTOM, className="d-none align-items-center me-2")
    return html.Div([
        html.Span("Time range", className="small text-muted me-2"),
        dbc.Select(id=CHOICE, options=options, value=LIVE, size="sm", className="me-2 drm-range-choice",
                   style={"maxWidth": "12rem"}),
        custom,
        dbc.Button("Download CSV", id=DOWNLOAD_BUTTON, size="sm", color="secondary", outline=True,
                   className="me-2"),
        html.Small(id=NOTE, className="text-muted"),
        dcc.Download(id=DOWNLOAD), dcc.Store(id=ids.RANGE, data={"kind": LIVE}),
    ], className="d-flex flex-wrap align-items-center mb-2")


def register_callbacks(app: Any, ctx: Any) -> None:
    """Picker -> the range every tab reads; a note on what is shown; the shown range as CSV."""

    @app.callback(Output(ids.RANGE, "data"), Output(CUSTOM, "className"), Output(FROM, "value"),
                  Output(TO, "value"), Input(CHOICE, "value"), Input(FROM, "value"), Input(TO, "value"))
    def _choose(choice: str | None, start: str | None, end: str | None) -> tuple:
        shown = "d-flex align-items-center me-2" if choice == CUSTOM_CHOICE else "d-none"
        if choice == CUSTOM_CHOICE and not start and not end:  # start from the last day, to edit
            now = ctx.now()
            start, end = field_text(now - 86_400.0), field_text(now)
            return no_update, shown, start, end
        value, _ = chosen_value(choice, start, end)
        return value, shown, no_update, no_update

    @app.callback(Output(NOTE, "children"), Input(ids.RANGE, "data"), Input(ids.INTERVAL, "n_intervals"),
                  Input(ids.CLUSTER, "value"), State(CHOICE, "value"), State(FROM, "value"), State(TO, "value"))
    def _note(chosen: dict | None, _n: int, cluster: str | None, choice: str | None, start: str | None,
              end: str | None) -> str:
        _, problem = chosen_value(choice, start, end)
        view, note = ctx.pick(cluster).range_view(chosen)
        return problem or describe(view, note)

    @app.callback(Output(DOWNLOAD, "data"), Input(DOWNLOAD_BUTTON, "n_clicks"), State(ids.RANGE, "data"),
                  State(ids.CLUSTER, "value"), prevent_initial_call=True)
    def _download(_clicks: int | None, chosen: dict | None, cluster: str | None) -> Any:
        view, _ = ctx.pick(cluster).range_view(chosen)
        name = f"drm-{range_key(chosen).split(':')[0]}-{time.strftime('%Y%m%d-%H%M', time.localtime())}.csv"
        return dcc.send_data_frame(view_frame(view).to_csv, name, index=False)
