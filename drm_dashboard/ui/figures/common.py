"""What every figure shares: time axis, point caps, theme layout, empty states, scaling events."""

from __future__ import annotations

import functools
import math
import textwrap
import time
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from ...models import ScalingDecision
from ..theme import Theme

# a chart is at most ~800 px wide: more points per trace than that are bytes nobody sees
MAX_POINTS = 800
# time axis values are epoch milliseconds shifted to the server's wall clock: plotly draws
# numeric dates as they are, so the axis reads in server local time without a string per point
TIME_HOVER = "%H:%M:%S server time"
# a line breaks where no sample came for more than this many sampling intervals
GAP_INTERVALS = 2.0
COLORS = {
    "cpu": "#3498db", "memory": "#b07cd8", "gpu": "#00bc8c", "allocated": "#f39c12",
    "workers": "#95a5a6", "active": "#3498db", "pending": "#f39c12", "tasks": "#e67e22",
    "scale_up": "#00bc8c", "scale_down": "#e74c3c",
    # crossing a threshold triggers the event of the same colour
    "threshold_up": "#00bc8c", "threshold_down": "#e74c3c", "target": "#95a5a6",
}
_SYMBOL = {"scale_up": "triangle-up", "scale_down": "triangle-down"}
_WORDS = {"scale_up": "scale up", "scale_down": "scale down"}


def utc_offset_s(epoch_s: float | None = None) -> int:
    """The server's UTC offset in seconds at that instant (now when None)."""
    return time.localtime(time.time() if epoch_s is None else epoch_s).tm_gmtoff


def offset_label(epoch_s: float | None = None) -> str:
    """UTC+hh:mm of the server at that instant."""
    off = utc_offset_s(epoch_s)
    sign = "+" if off >= 0 else "-"
    return f"UTC{sign}{abs(off) // 3600:02d}:{abs(off) % 3600 // 60:02d}"


def axis_time(epoch_s: np.ndarray) -> np.ndarray:
    """Epoch seconds -> float64 milliseconds of server local wall-clock time, for a date axis."""
    if epoch_s.size == 0:
        return np.asarray(epoch_s, dtype=np.float64)
    return (np.asarray(epoch_s, dtype=np.float64) + utc_offset_s(float(epoch_s[-1]))) * 1000.0


def minmax_decimate(x: np.ndarray, y: np.ndarray, max_points: int = MAX_POINTS
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Keep each bucket's min and max in time order, so spikes survive; all-NaN buckets stay gaps."""
    n = y.shape[0]
    if n <= max_points:
        return x, y
    buckets = max_points // 2
    k = -(-n // buckets)
    padded = np.full(buckets * k, np.nan, dtype=np.float64)
    padded[:n] = y
    rows = padded.reshape(buckets, k)
    empty = np.isnan(rows).all(axis=1)
    lo = np.argmin(np.where(np.isnan(rows), np.inf, rows), axis=1)
    hi = np.argmax(np.where(np.isnan(rows), -np.inf, rows), axis=1)
    base = np.arange(buckets) * k
    idx = np.stack([np.minimum(lo, hi), np.maximum(lo, hi)], axis=1) + base[:, None]
    idx = np.minimum(idx, n - 1).ravel()
    out = np.asarray(y, dtype=np.float64)[idx]
    out[np.repeat(empty, 2)] = np.nan
    return x[idx], out.astype(y.dtype, copy=False)


def gap_positions(epoch_s: np.ndarray, interval_s: float | None = None) -> np.ndarray:
    """Indices i where more than GAP_INTERVALS sampling intervals pass between sample i and i+1."""
    t = np.asarray(epoch_s, dtype=np.float64)
    if t.size < 3 and interval_s is None:
        return np.empty(0, dtype=np.intp)
    steps = np.diff(t)
    interval = float(np.median(steps)) if interval_s is None else interval_s
    return np.flatnonzero(steps > GAP_INTERVALS * max(interval, 1e-9))


def series_xy(epoch_s: np.ndarray, y: np.ndarray, interval_s: float | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Axis x and y of one line: decimated, with a NaN wherever samples stopped (lines break)."""
    # every line builder goes through here, so an outage or a restart is a gap, never a slope
    x = axis_time(np.asarray(epoch_s))
    dx, dy = minmax_decimate(x, np.asarray(y))
    gaps = gap_positions(epoch_s, interval_s)
    if not gaps.size:
        return dx, dy
    mids = (x[gaps] + x[gaps + 1]) / 2.0
    at = np.searchsorted(dx, mids)
    return np.insert(dx, at, mids), np.insert(dy.astype(np.float64), at, np.nan).astype(dy.dtype)


def nice_step(top: float, ticks: int = 5) -> float:
    """A 1, 2 or 5 x 10^k step giving about `ticks` ticks from 0 to top."""
    raw = max(top, 1e-12) / ticks
    mag = 10.0 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1.0, 2.0, 5.0, 10.0) if m * mag >= raw)


def count_axis(top: float) -> dict:
    """A y axis for whole numbers: integer ticks only, none repeated, room above the top value."""
    top = max(1.0, float(top) if math.isfinite(top) else 1.0)
    step = max(1.0, nice_step(top))
    upper = (math.floor(top / step) + 1) * step
    return dict(range=[0, upper], tickmode="linear", tick0=0, dtick=step, tickformat=",d",
                rangemode="tozero", exponentformat="none")


def fitted_axis(*series: np.ndarray) -> dict:
    """A y axis from 0 to just above the data (forecast bands beyond it are clipped at the edge)."""
    tops = [float(np.nanmax(s)) for s in series if np.size(s) and np.isfinite(s).any()]
    top = max(tops, default=0.0)
    if top <= 0:
        return dict(range=[0, 1], exponentformat="none")
    return dict(range=[0, top * 1.15], exponentformat="none", autorange=False)


def bucket_mean(matrix: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """[T, W] -> ([B, W] NaN-aware means, [B] first row index of each bucket); B <= buckets."""
    t = matrix.shape[0]
    k = max(1, -(-t // max(buckets, 1)))
    b = -(-t // k)
    # the whole buckets are a reshaped view of the input (no padded copy of a large matrix);
    # only the last, partial bucket is handled apart
    whole = t // k
    sums = np.zeros((b,) + matrix.shape[1:], dtype=np.float32)
    counts = np.zeros((b,) + matrix.shape[1:], dtype=np.int32)
    parts = [(slice(0, whole), matrix[: whole * k].reshape((whole, k) + matrix.shape[1:]))]
    if whole < b:
        parts.append((slice(whole, b), matrix[whole * k:][None]))
    for rows, blocks in parts:
        missing = np.isnan(blocks)
        counts[rows] = blocks.shape[1] - np.count_nonzero(missing, axis=1)
        sums[rows] = np.where(missing, np.float32(0), blocks).sum(axis=1, dtype=np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan).astype(np.float32)
    return means, np.arange(b) * k


@functools.lru_cache(maxsize=None)
def template(name: str) -> dict:
    """The named plotly template as JSON, trimmed to the trace types these figures draw."""
    # plotly copies a template into every figure: the trimmed one is half the bytes and time
    full = pio.templates[name]
    return go.layout.Template(layout=full.layout, data={"scatter": full.data.scatter,
                                                        "heatmap": full.data.heatmap}).to_plotly_json()


def merged(base: dict, **over: object) -> dict:
    """base with over applied; nested dicts are merged rather than replaced."""
    out = dict(base)
    for key, value in over.items():
        out[key] = merged(out[key], **value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value
    return out


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure from trace and layout dicts, without plotly's per-property validation."""
    # validation costs ~40 ms per figure, once per tick per tab; the tests validate every
    # builder's output in full instead (tests/ui/test_ui_figure_validity.py)
    return go.Figure(data=traces, layout=layout, _validate=False)


def jsonable(fig: go.Figure) -> dict:
    """The figure as Dash sends it (arrays already base64): cached once, written per viewer."""
    return fig.to_plotly_json()


def base_layout(theme: Theme, *, uirevision: str, height: int, ytitle: str = "",
                legend: bool = True) -> dict:
    """Layout shared by live figures: theme template, transparent paper, kept zoom."""
    return dict(
        template=template(theme.template), uirevision=uirevision, height=height,
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font=dict(color=theme.text, size=12), margin=dict(l=56, r=16, t=28, b=28),
        hovermode="x unified" if legend else "closest", showlegend=legend,
        modebar=dict(bgcolor="rgba(0,0,0,0)", color=theme.muted, activecolor=theme.text),
        legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom", bgcolor="rgba(0,0,0,0)"),
        xaxis=dict(type="date", gridcolor=theme.grid, showspikes=False, hoverformat=TIME_HOVER),
        # exponentformat none: plotly's default SI prefixes turn 0.0000002 into "200n"
        yaxis=dict(title=dict(text=ytitle), gridcolor=theme.grid, zerolinecolor=theme.grid,
                   rangemode="tozero", exponentformat="none"),
    )


def empty_figure(message: str, theme: Theme, *, height: int = 300) -> go.Figure:
    """A figure that says why it has nothing to draw, instead of drawing nothing."""
    return figure([], dict(
        template=template(theme.template), height=height, paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)", margin=dict(l=16, r=16, t=16, b=16),
        xaxis=dict(visible=False), yaxis=dict(visible=False),
        annotations=[dict(text=message, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5,
                          font=dict(color=theme.muted, size=14))]))


def event_lines(times_ms: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """One trace of vertical segments at each time (NaN breaks them apart)."""
    n = times_ms.size
    x = np.repeat(times_ms, 3)
    y = np.tile(np.array([lo, hi, np.nan]), n)
    x[2::3] = np.nan
    return x, y


def plain(text: str) -> str:
    """Text from a source, shown as text in a chart: plotly renders <b>, <a href> and entities."""
    # every figure builder passes source text (worker ids, reasons) through here, once
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_all(texts: Sequence[str]) -> list[str]:
    """plain() of each text."""
    return [plain(t) for t in texts]


def decision_hover(d: ScalingDecision) -> str:
    """Hover text: action, count and the policy's reason, wrapped to stay readable."""
    reason = "<br>".join(plain(line) for line in textwrap.wrap(d.reason, 60))
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
