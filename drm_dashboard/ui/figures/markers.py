"""Scaling decisions drawn on a time axis: a thin line at each event and a labelled marker."""

from __future__ import annotations

import textwrap
from typing import Sequence

import numpy as np

from ...models import ScalingDecision
from .common import COLORS, axis_time, event_lines

_SYMBOL = {"scale_up": "triangle-up", "scale_down": "triangle-down"}
_WORDS = {"scale_up": "scale up", "scale_down": "scale down"}


def decision_hover(d: ScalingDecision) -> str:
    """Hover text: action, count and the policy's reason, wrapped to stay readable."""
    reason = "<br>".join(textwrap.wrap(d.reason, 60))
    return f"<b>{_WORDS.get(d.action, d.action)} by {d.count}</b><br>{reason}"


def decision_traces(decisions: Sequence[ScalingDecision], *, lo: float, hi: float,
                    marker_y: float | np.ndarray, yaxis: str = "y") -> list[dict]:
    """Per action: one trace of vertical lines and one of markers (hover tells why)."""
    traces: list[dict] = []
    for action, symbol in _SYMBOL.items():
        chosen = [d for d in decisions if d.action == action]
        if not chosen:
            continue
        t = axis_time(np.array([d.timestamp for d in chosen]))
        lx, ly = event_lines(t, lo, hi)
        color = COLORS[action]
        traces.append(dict(type="scatter", x=lx, y=ly, mode="lines", yaxis=yaxis, hoverinfo="skip",
                           line=dict(color=color, width=1, dash="dot"), showlegend=False,
                           legendgroup=action))
        y = marker_y if np.ndim(marker_y) else np.full(t.size, marker_y)
        traces.append(dict(
            type="scatter", x=t, y=np.asarray(y, dtype=np.float32), mode="markers", yaxis=yaxis,
            name=_WORDS[action], legendgroup=action,
            marker=dict(symbol=symbol, size=11, color=color, line=dict(width=0)),
            hovertext=[decision_hover(d) for d in chosen], hoverinfo="text+x"))
    return traces
