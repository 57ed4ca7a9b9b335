"""Report figures per worker: capacity, allocated and used; efficiency with the outliers named."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..models import WorkerSample
from ..store.view import LiveView
from ..ui.figures.common import empty_figure, plain_all, series_xy
from ..ui.figures.performance import kpi_values
from ..analytics.efficiency import EfficiencyReport, name_list
from ..ui.theme import Theme
from .figures import NO_SAMPLES, frame, no_workers, rows, time_axes
from ..ui.units import plural

_MB_PER_GB = 1024.0
# (label, unit, capacity, allocated share, used share) of one worker, per resource kind
_KINDS = {
    "cpu": ("CPU", "cores", lambda w: w.cpu_cores, lambda w: w.alloc_cpu, lambda w: w.cpu),
    "memory": ("Memory", "GB", lambda w: w.memory_mb / _MB_PER_GB, lambda w: w.alloc_memory,
               lambda w: w.memory),
    "gpu": ("GPU memory", "GB", lambda w: w.gpu_memory_mb / _MB_PER_GB, lambda w: w.alloc_gpu or 0.0,
            lambda w: w.gpu or 0.0),
}
# nested bars: capacity widest and faint, allocated inside it, used innermost
_BARS = (("capacity", 0.8, "rgba(149,165,166,0.35)"), ("allocated", 0.55, "#f39c12"),
         ("used", 0.28, "#3498db"))
VERDICT_COLORS = {"over-provisioned": "#f39c12", "under-provisioned": "#e74c3c",
                  "balanced": "#00bc8c", "too few samples": "#95a5a6"}


def _kind_values(workers: list[WorkerSample], kind: str) -> tuple[np.ndarray, ...]:
    _, _, cap, alloc, used = _KINDS[kind]
    capacity = np.array([cap(w) for w in workers], dtype=np.float64)
    return capacity, capacity * np.array([alloc(w) for w in workers]), \
        capacity * np.array([used(w) for w in workers])


def allocation_figure(view: LiveView, *, theme: Theme) -> go.Figure:
    """Per worker at the newest sample: capacity, what tasks reserved, and what was really used."""
    workers = sorted(view.latest_workers, key=lambda w: w.worker_id)
    if not workers:
        return empty_figure(no_workers(view), theme, height=360)
    kinds = ["cpu", "memory"] + (["gpu"] if any(w.gpu_memory_mb > 0 for w in workers) else [])
    fig = rows([f"{_KINDS[k][0]} ({_KINDS[k][1]})" for k in kinds], theme)
    ids = plain_all([w.worker_id for w in workers])
    for row, kind in enumerate(kinds, start=1):
        label, unit = _KINDS[kind][:2]
        capacity = _kind_values(workers, kind)[0]
        for (name, width, color), values in zip(_BARS, _kind_values(workers, kind)):
            share = np.divide(values, capacity, out=np.zeros_like(values), where=capacity > 0) * 100
            fig.add_trace(go.Bar(
                x=ids, y=values, name=name, width=width, marker_color=color, legendgroup=name,
                showlegend=row == 1, customdata=share,
                hovertemplate=f"%{{x}}<br>{name} %{{y:.1f}} {unit} (%{{customdata:.0f}}% of capacity)"
                              f"<extra>{label}</extra>"), row=row, col=1)
        fig.update_yaxes(title_text=unit, row=row, col=1)
    when = f"newest sample of {plural(len(workers), 'worker')}"
    frame(fig, theme, title="Resource allocation per worker: capacity, allocated, used",
          height=260 * len(kinds) + 120, note=f"{when}; allocated is the reserved share of capacity")
    fig.update_layout(barmode="overlay", bargap=0.1)
    fig.update_xaxes(type="category", tickangle=-45 if len(ids) > 12 else 0)
    fig.update_yaxes(gridcolor=theme.grid, rangemode="tozero")
    return fig


def efficiency_note(report: EfficiencyReport) -> str:
    """One line naming the over- and under-provisioned workers (or saying there are none)."""
    parts = []
    if report.over:
        parts.append(f"over-provisioned (below {report.low:.0f}%): {name_list(report.over, 8)}")
    if report.under:
        parts.append(f"under-provisioned (above {report.high:.0f}%): {name_list(report.under, 8)}")
    return " · ".join(parts) or (f"No over- or under-provisioned worker (all within "
                                 f"{report.low:.0f}-{report.high:.0f}%)")


def _verdict_bars(fig: go.Figure, report: EfficiencyReport) -> None:
    """One bar trace per verdict (the legend explains the colours), and the two thresholds."""
    for verdict, color in VERDICT_COLORS.items():
        ws = [w for w in report.workers if w.verdict == verdict]
        if not ws:
            continue
        fig.add_trace(go.Bar(
            x=plain_all([w.worker_id for w in ws]),
            y=np.array([w.efficiency for w in ws], dtype=np.float32),
            marker_color=color, name=verdict, customdata=[w.samples for w in ws],
            hovertemplate="%{x}<br>%{y:.0f}% of allocated used over %{customdata} samples"
                          f"<extra>{verdict}</extra>"), row=1, col=1)
    for y, text in ((report.low, "over-provisioned below"), (report.high, "under-provisioned above")):
        fig.add_hline(y=y, row=1, col=1, line=dict(color="#95a5a6", width=1.2, dash="dash"),
                      annotation=dict(text=f"{text} {y:.0f}%", font=dict(size=10)),
                      annotation_position="top left")


def efficiency_figure(view: LiveView, report: EfficiencyReport, *, theme: Theme) -> go.Figure:
    """Mean used / allocated per worker (coloured by verdict) and the pool's efficiency over time."""
    if view.is_empty:
        return empty_figure(NO_SAMPLES, theme, height=360)
    if not report.workers:
        return empty_figure(no_workers(view), theme, height=360)
    fig = rows(["Used / allocated per worker (mean over the ticks it held reservations)",
                "Pool efficiency over time (the manager's resource_efficiency)"], theme, [0.55, 0.45],
               shared=False)
    _verdict_bars(fig, report)
    x, y = series_xy(view.timestamps, kpi_values(view, "resource_efficiency"))
    fig.add_trace(go.Scatter(x=x, y=y.astype(np.float32), mode="lines", name="pool efficiency",
                             line=dict(color="#b07cd8", width=1.8), connectgaps=False,
                             hovertemplate="%{y:.0f}%<extra>pool</extra>"), row=2, col=1)
    frame(fig, theme, title="Resource efficiency: used / allocated", height=620,
          note=efficiency_note(report))
    fig.update_layout(barmode="overlay")  # one verdict per worker: no slots for the other three
    time_axes(fig, theme)
    ids = plain_all([w.worker_id for w in report.workers])
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=ids, row=1, col=1,
                     tickangle=-45 if len(ids) > 12 else 0)
    fig.update_yaxes(title_text="% of allocated", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text="%", rangemode="tozero", row=2, col=1)
    return fig
