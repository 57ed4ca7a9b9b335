"""The Scaling tab's policy replay: other thresholds, target and cooldowns against what happened."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, html

from ..analytics.replay import ReplayOutcome, demand_of, observed, replay
from ..policy import ScalingPolicy, policy_from_reported, unstated
from ..store.live import LiveView
from . import ids
from .components import notice, panel


UP, DOWN, TARGET = "replay-scale-up", "replay-scale-down", "replay-target"
COOL_UP, COOL_DOWN, RUN, RESULT = "replay-cooldown-up", "replay-cooldown-down", "replay-run", "replay-result"
# fields: component id -> (label, unit, policy attribute, scale from the policy's unit to the field's)
FIELDS = {UP: ("scale up at", "%", "scale_up_threshold", 100.0),
          DOWN: ("scale down at", "%", "scale_down_threshold", 100.0),
          TARGET: ("target", "%", "target", 100.0),
          COOL_UP: ("cooldown after a scale-up", "s", "cooldown_up_s", 1.0),
          COOL_DOWN: ("cooldown after a scale-down", "s", "cooldown_down_s", 1.0)}
# samples a replay of a history range runs over: 7 days at one a minute (about a second to replay)
REPLAY_POINTS = 10_080


@dataclass(frozen=True)
class Comparison:
    """What happened and the replay, over the same demand."""

    actual: ReplayOutcome
    baseline: ReplayOutcome  # the running policy replayed: how far the model is from what happened
    replayed: ReplayOutcome
    measured_wait_ms: float
    at_full_s: float  # seconds the real pool was fully allocated: demand then is a lower bound


def starting_values(policy: Any) -> dict[str, float]:
    """The fields' first values: what the running policy states, the defaults for the rest."""
    start = policy_from_reported(policy) if policy is not None else ScalingPolicy()
    return {fid: float(getattr(start, attr)) * scale for fid, (_, _, attr, scale) in FIELDS.items()}


def policy_from(values: dict[str, Any], base: Any = None) -> ScalingPolicy:
    """The running policy with the fields' values (percent and seconds); ValueError naming a bad field."""
    for fid, (label, unit, _, _) in FIELDS.items():
        v = values.get(fid)
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ValueError(f"{label}: enter a number of {unit} (0 or more)")
    if not values[DOWN] < values[TARGET] < values[UP] <= 100:
        raise ValueError(f"need scale down at < target < scale up at <= 100 %, got {values[DOWN]:g} %, "
                         f"{values[TARGET]:g} %, {values[UP]:g} %")
    # what the manager does not state (the original's mock: no window) is the default, as the
    # fields' first values are; assumed_words() says so under the result
    return policy_from_reported(base, **{attr: values[fid] / scale for fid, (_, _, attr, scale) in FIELDS.items()})


_WORDS = {"target": ("target", "%"), "scale_up_threshold": ("scale-up threshold", "%"),
          "scale_down_threshold": ("scale-down threshold", "%"), "cooldown_up_s": ("scale-up cooldown", " s"),
          "cooldown_down_s": ("scale-down cooldown", " s"), "window_s": ("window", " s"),
          "min_workers": ("minimum pool size", ""), "max_workers": ("maximum pool size", "")}


def assumed_words(base: Any) -> str:
    """' The manager does not state its window (replayed with the default: 120 s).' or ''."""
    if base is None:
        return " The source does not report its policy: the replays start from the defaults."
    default = ScalingPolicy()
    said = [f"{_WORDS[name][0]} (default {getattr(default, name) * (100 if _WORDS[name][1] == '%' else 1):g}"
            f"{_WORDS[name][1]})" for name in unstated(base)]
    return f" The manager does not state its {', '.join(said)}: the replays use the defaults." if said else ""


def compare(view: LiveView, policy: ScalingPolicy, current: ScalingPolicy) -> Comparison | None:
    """Replay the window's demand under policy and the current one; None when too short to judge."""
    ts, s = view.timestamps, view.system
    workers = s["total_workers"]
    known = np.isfinite(workers) & np.isfinite(s["allocated"])
    if np.count_nonzero(known) < 3:
        return None
    demand = demand_of(s["allocated"], workers, s["active_tasks"], s["pending_tasks"])
    events = sum(d.action in ("scale_up", "scale_down") for d in view.decisions)
    actual = observed(ts, demand, workers, threshold=current.scale_up_threshold, scale_events=events)
    start = int(workers[np.argmax(known)])
    replayed, baseline = replay(ts, demand, start, policy), replay(ts, demand, start, current)
    wait = view.performance["queue_wait_ms"]
    full = float(np.sum(np.where(s["allocated"][:-1] >= 99.5, np.diff(ts), 0.0))) if ts.size > 1 else 0.0
    return Comparison(actual, baseline, replayed,
                      float(np.nanmean(wait)) if np.isfinite(wait).any() else math.nan, full)


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:,.1f} min"


def _wait(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else (f"{seconds:,.1f} s" if seconds < 120 else _minutes(seconds))


def _delta(a: float, b: float, unit: str, fmt: str = ",.2f") -> str:
    if math.isnan(a) or math.isnan(b):
        return "n/a"
    d = b - a
    return "same" if abs(d) < 1e-9 else f"{d:+{fmt}}{unit}"


HEADS = ("", "What happened", "Current policy, replayed", "Other policy, replayed", "Change")


def comparison_rows(c: Comparison) -> list[tuple[str, str, str, str, str]]:
    """(measure, what happened, current replayed, other replayed, change) rows of the table.

    The change is other minus current, both replayed: the model's own bias cancels out.
    """
    a, b, r = c.actual, c.baseline, c.replayed
    measured = "not reported" if math.isnan(c.measured_wait_ms) else f"{c.measured_wait_ms:,.0f} ms"
    return [
        ("worker-hours", f"{a.worker_hours:,.2f}", f"{b.worker_hours:,.2f}", f"{r.worker_hours:,.2f}",
         _delta(b.worker_hours, r.worker_hours, " h")),
        ("time at or above the scale-up threshold", _minutes(a.above_threshold_s),
         _minutes(b.above_threshold_s), _minutes(r.above_threshold_s),
         _delta(b.above_threshold_s / 60, r.above_threshold_s / 60, " min", ",.1f")),
        ("queue wait (modelled, mean)", _wait(a.queue_wait_s), _wait(b.queue_wait_s),
         _wait(r.queue_wait_s), _delta(b.queue_wait_s, r.queue_wait_s, " s", ",.1f")),
        ("queue wait (measured, mean)", measured, "—", "—", ""),
        ("scale events", str(a.scale_events), str(b.scale_events), str(r.scale_events),
         _delta(b.scale_events, r.scale_events, "", "d")),
    ]


def comparison_view(c: Comparison | None, covered_words: str, assumed: str = "") -> Any:
    """The table, or why there is nothing to compare yet."""
    if c is None:
        return notice("Not enough history to replay yet: it needs at least three samples of "
                      "allocation and worker count.")
    head = html.Thead(html.Tr([html.Th(h) for h in HEADS]))
    body = html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in comparison_rows(c)])
    note = (f"Over {_minutes(c.actual.covered_s)} of history {covered_words}. Demand is what was "
            "allocated plus the pending tasks at the running tasks' mean size; the queue model lets "
            "work above capacity wait and drain into spare capacity. Both columns use that model, so "
            "they compare; the change sets the other policy against the current one, both replayed, so the "
            f"model's own error cancels. The measured wait is the coordinator's own.{assumed}")
    if c.at_full_s > 0:
        note += (f" The real pool was fully allocated for {_minutes(c.at_full_s)}: demand then was at "
                 "least what was allocated, so the replay's shortfalls are a lower bound.")
    return html.Div([dbc.Table([head, body], size="sm", className="mb-1 align-middle", id="replay-table"),
                     html.Small(note, className="text-muted")])


def layout(policy: Any) -> dbc.Card:
    """The policy fields, a button, and the result."""
    start = starting_values(policy)
    fields = [dbc.Col([html.Div(f"{label} ({unit})", className="small text-muted"),
                       dbc.Input(id=fid, type="number", value=start[fid], min=0, size="sm",
                                 step=1, debounce=True)], xs=6, md=2)
              for fid, (label, unit, _, _) in FIELDS.items()]
    fields.append(dbc.Col(dbc.Button("Replay", id=RUN, size="sm", color="primary"), xs=6, md=2,
                          className="d-flex align-items-end"))
    return panel("Policy replay", [dbc.Row(fields, className="g-2 mb-2"), html.Div(id=RESULT)],
                 subtitle="the stored demand run through other thresholds, target and cooldowns, "
                          "beside what happened", class_name="mt-3")


def register_callbacks(app: Any, ctx: Any, label: str, tabs_id: str, range_id: str) -> None:
    """Replay on demand (when the tab opens, or the time range changes) over the chosen range."""

    @app.callback(Output(RESULT, "children"), Input(RUN, "n_clicks"), Input(tabs_id, "active_tab"),
                  Input(ids.CLUSTER, "value"), Input(range_id, "data"), *(State(fid, "value") for fid in FIELDS))
    def _replay(_clicks: int | None, active: str, cluster: str | None, chosen: dict | None, *values: Any) -> Any:
        if active != label:
            return html.Div()
        shown = ctx.pick(cluster)
        running = shown.current_policy()  # a remote coordinator says its policy with its verdicts
        try:
            policy = policy_from(dict(zip(FIELDS, values)), running)
        except ValueError as exc:
            return notice(f"Cannot replay: {exc}.", "warning")
        # fleet-wide rows only (the replay needs no worker), at a finer step than a chart's
        view = shown.range_view(chosen, workers=False, points=REPLAY_POINTS)[0]
        current = policy_from(starting_values(running), running)
        words = shown.window_words(view)
        if view.history is not None and view.history.step_s > 0:
            words += f" (from the history file, means of {view.history.step_s:g} s)"
        return comparison_view(compare(view, policy, current), words, assumed_words(running))


