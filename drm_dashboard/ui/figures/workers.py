"""Worker Details figures: chosen workers over time (or their spread), and a heatmap of all."""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from ...catalog import metric_info
from ...store.live import LiveView
from ..theme import Theme
from .common import (MAX_POINTS, axis_time, base_layout, bucket_mean, count_axis, empty_figure, figure,
                     merged, plain, plain_all, series_xy)
from ..units import plural
from ..workertable import natural_key

# the per-worker metrics the tab offers: (label, unit after a value), in the catalog's words
METRICS = {m: (metric_info(m).label, metric_info(m).suffix) for m in ("cpu", "memory", "gpu", "tasks")}
# beyond this many lines a chart is a hairball: draw median / p90 / max bands instead (as Dask does)
BAND_ABOVE = 50
BUSIEST = 5
# the heatmap's cells are capped: 100 workers keep every tick, 1,000 get 50 s buckets (~0.4 MB)
HEATMAP_CELLS = 72_000
# a 720-pixel chart shows no more rows than this; beyond it each row is the mean of a run of
# workers (in id order), so 10,000 workers cost what 200 do
HEATMAP_ROWS = 200
_RECENT_S = 300.0


def no_worker_message(view: LiveView) -> str:
    """Why no worker is drawn: none registered, or registered but none has reported usage yet."""
    registered = view.latest("total_workers")
    if registered == registered and registered >= 1:
        n = int(registered)
        return (f"{n} worker{'s are' if n != 1 else ' is'} registered; none has reported its usage "
                "yet: nothing to draw.")
    return "No worker has reported yet: nothing to draw."


def busiest(view: LiveView, metric: str = "cpu", n: int = BUSIEST) -> list[str]:
    """The n workers with the highest mean of metric over the last five minutes, busiest first."""
    if view.is_empty or not view.n_workers:
        return []
    rows = view.timestamps >= view.timestamps[-1] - _RECENT_S
    recent = view.workers[metric][rows]
    seen = ~np.isnan(recent).all(axis=0)
    score = np.where(seen, np.nansum(recent, axis=0) / np.maximum((~np.isnan(recent)).sum(0), 1), -1)
    order = np.argsort(-score, kind="stable")[:n]
    return [view.worker_ids[i] for i in order if seen[i]]


def chosen_workers(view: LiveView, wanted: Sequence[str] | None, metric: str) -> tuple[list[str], bool]:
    """The wanted ids still in the window, or the busiest when none is; True when defaulted."""
    known = [w for w in (wanted or ()) if w in view.worker_index]
    return (known, False) if known else (busiest(view, metric), True)


def spread(matrix: np.ndarray) -> dict[str, np.ndarray]:
    """Per row of [T, W]: median, p90 and max over the finite values (NaN where none)."""
    ordered = np.sort(matrix, axis=1)  # NaN sorts last, so the first `count` values are finite
    count = np.count_nonzero(~np.isnan(matrix), axis=1)
    rows = np.arange(matrix.shape[0])
    out = {}
    for name, q in (("median", 0.5), ("p90", 0.9), ("max", 1.0)):
        pos = q * np.maximum(count - 1, 0)
        lo = np.floor(pos).astype(np.intp)
        hi = np.minimum(lo + 1, np.maximum(count - 1, 0))
        frac = (pos - lo).astype(np.float32)
        value = ordered[rows, lo] * (1 - frac) + ordered[rows, hi] * frac if matrix.shape[1] else pos
        out[name] = np.where(count > 0, value, np.nan).astype(np.float32)
    return out


def _band_traces(x: np.ndarray, bands: dict[str, np.ndarray], label: str, color: str,
                 unit: str) -> list[dict]:
    """max and p90 as filled areas over the median line; hover reads all three."""
    fills = {"max": None, "p90": "tonexty", "median": "tonexty"}
    alphas = {"max": 0.0, "p90": 0.18, "median": 0.32}
    traces = []
    for name in ("max", "p90", "median"):
        dx, dy = series_xy(x, bands[name])
        traces.append(dict(
            type="scatter", x=dx, y=dy, mode="lines", name=f"{name} of {label}", fill=fills[name],
            fillcolor=_rgba(color, alphas[name]), legendgroup=label,
            line=dict(color=color, width=2 if name == "median" else 0.6),
            hovertemplate=f"%{{y:.1f}}{unit}<extra>{name} of {label}</extra>"))
    return traces


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def pool_rows(view: LiveView, metric: str, rows: slice) -> dict[str, np.ndarray]:
    """The spread of every worker in the view's ticks `rows` (for a RowCache: one row a tick)."""
    return spread(view.workers[metric][rows])


def heat_rows(view: LiveView, metric: str, rows: slice) -> dict[str, np.ndarray]:
    """Each tick's workers (in id order) as at most HEATMAP_ROWS bin means: [ticks, bins]."""
    data = view.workers[metric][rows]
    if view.n_workers <= HEATMAP_ROWS:
        return {"z": data[:, _id_order(view)]}
    means, _ = bucket_mean(data[:, _id_order(view)].T, HEATMAP_ROWS)
    return {"z": means.T}


def _id_order(view: LiveView) -> np.ndarray:
    return _order_of(view.worker_ids)


@functools.lru_cache(maxsize=4)
def _order_of(ids: tuple[str, ...]) -> np.ndarray:
    """Columns in natural id order (worker-2 above worker-10, as the table); once per set of workers."""
    order = np.array(sorted(range(len(ids)), key=lambda j: natural_key(ids[j])), dtype=np.intp)
    order.flags.writeable = False
    return order


def worker_timeseries_figure(view: LiveView, *, worker_ids: Sequence[str], metric: str,
                             theme: Theme, pool: dict[str, np.ndarray] | None = None) -> go.Figure:
    """One line per chosen worker, over the pool's spread (pool_rows, when given) if the pool is large."""
    name, unit = METRICS[metric]
    if view.is_empty or not worker_ids:
        return empty_figure(no_worker_message(view), theme, height=360)
    data = view.workers[metric]
    # the pool's max is finite wherever any worker reported: a check on T values, not T x W
    bands = pool if pool is not None else pool_rows(view, metric, slice(None))
    if not np.isfinite(bands["max"]).any():
        return empty_figure(f"No worker reports {name} usage.", theme, height=360)
    x = view.timestamps  # epoch seconds: series_xy breaks each line where samples stopped
    traces: list[dict] = []
    if view.n_workers > BAND_ABOVE:
        traces += _band_traces(x, bands, f"all {view.n_workers}", "#95a5a6", unit)
    cols = [view.worker_index[w] for w in worker_ids]
    if len(cols) > BAND_ABOVE:
        traces += _band_traces(x, spread(data[:, cols]), f"{len(cols)} chosen", "#3498db", unit)
    else:
        for wid, j in zip(worker_ids, cols):
            dx, dy = series_xy(x, data[:, j])
            traces.append(dict(type="scatter", x=dx, y=dy, mode="lines", name=plain(wid),
                               line=dict(width=1.6),
                               hovertemplate=f"%{{y:.1f}}{unit}<extra>{wid}</extra>"))
    layout = base_layout(theme, uirevision=f"workers-lines-{metric}", height=360,
                         ytitle=f"{name} used (%)" if unit else "running tasks")
    top = float(np.nanmax(data[:, cols])) if np.isfinite(data[:, cols]).any() else 1.0
    return figure(traces, merged(layout, yaxis=dict(range=[0, 102]) if unit else count_axis(top)))


def heatmap_figure(view: LiveView, *, metric: str, theme: Theme,
                   binned: np.ndarray | None = None) -> go.Figure:
    """Every worker (rows, by id; heat_rows bins, when given) over time (bucket means); blank where absent."""
    name, unit = METRICS[metric]
    if view.is_empty or not view.n_workers:
        return empty_figure("No worker has reported yet.", theme, height=320)
    per_tick = binned if binned is not None else heat_rows(view, metric, slice(None))["z"]
    if not np.isfinite(per_tick).any():
        return empty_figure(f"No worker reports {name} usage.", theme, height=320)
    rows = per_tick.shape[1]
    buckets = min(MAX_POINTS, max(60, HEATMAP_CELLS // rows))
    means, starts = bucket_mean(per_tick, buckets)
    labels = _row_labels([view.worker_ids[i] for i in _id_order(view)], rows)
    zmax = 100.0 if unit else max(1.0, float(np.nanmax(means)))
    height = int(min(720, max(300, 14 * len(labels) + 90)))
    per_row = "" if len(labels) == view.n_workers else f", mean of {-(-view.n_workers // len(labels))} a row"
    heat = dict(
        type="heatmap", x=axis_time(view.timestamps[starts]), y=plain_all(labels),
        z=np.ascontiguousarray(means.T), zmin=0.0, zmax=zmax, colorscale="Viridis",
        hoverongaps=False, colorbar=dict(title=dict(text=f"{name} {unit}".strip()), thickness=12),
        hovertemplate=f"%{{y}}<br>%{{x|%H:%M:%S}} server time<br>{name} %{{z:.0f}}{unit}<extra></extra>")
    layout = base_layout(theme, uirevision=f"workers-heatmap-{metric}", height=height, legend=False)
    return figure([heat], merged(
        layout, xaxis=dict(showgrid=False), margin=dict(l=80),
        yaxis=dict(title=dict(text=plural(view.n_workers, "worker") + per_row), type="category", rangemode="normal",
                   showgrid=False, autorange="reversed")))


def _row_labels(labels: list[str], rows: int) -> list[str]:
    """Each heatmap row's label: the worker, or its bin's first and last id and their count."""
    if rows >= len(labels):
        return labels
    k = -(-len(labels) // HEATMAP_ROWS)  # workers a bin, as heat_rows' bucket_mean cuts them
    ends = [min(a + k, len(labels)) for a in range(0, len(labels), k)]
    return [f"{labels[a]} … {labels[e - 1]} ({e - a})" for a, e in zip(range(0, len(labels), k), ends)]


def selection_note(view: LiveView, worker_ids: Sequence[str], defaulted: bool, metric: str) -> str:
    """What the chart shows and why, in one or two sentences."""
    name = METRICS[metric][0]
    parts = []
    if defaulted and worker_ids:
        parts.append(f"No worker chosen: showing the {len(worker_ids)} busiest by {name} "
                     "over the last 5 minutes.")
    if len(worker_ids) > BAND_ABOVE:
        parts.append(f"{len(worker_ids)} workers chosen: drawn as median, p90 and max bands.")
    if view.n_workers > BAND_ABOVE:
        parts.append(f"Grey bands: median, p90 and max of all {view.n_workers} workers.")
    return " ".join(parts)
