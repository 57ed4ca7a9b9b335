"""The five report charts by name, all drawn from one consistent set of inputs taken at one instant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import plotly.graph_objects as go

from ..store.view import LiveView
from ..ui.theme import Theme
from ..manager.cloud import CloudProviderManager, CloudWorker
from ..analytics.efficiency import EfficiencyReport, efficiency_report
from .figures import scaling_history_figure, utilization_heatmap_figure
from .figures_cloud import cloud_figure
from .figures_workers import allocation_figure, efficiency_figure
from .static import Chart
from .summary import ReportSummary, summarize

# file stem -> title; the order is the dashboard's
CHARTS = {
    "resource_utilization_heatmap": "Resource utilization",
    "scaling_history": "Scaling history",
    "resource_allocation": "Resource allocation",
    "resource_efficiency": "Resource efficiency",
    "cloud_resources": "Cloud resources",
}


@dataclass(frozen=True, eq=False)
class ReportInputs:
    """One view of the stores plus what is derived from it, so every chart tells the same story."""

    view: LiveView
    efficiency: EfficiencyReport
    summary: ReportSummary
    cloud_history: tuple[CloudWorker, ...] | None
    currency: str
    policy: Any
    now: float


def gather(view: LiveView, *, cloud: CloudProviderManager | None, policy: Any, source: str,
           now: float) -> ReportInputs:
    """Derive the efficiency report, the summary and the cloud ledger from one view."""
    report = efficiency_report(view.worker_ids, view.workers)
    history = tuple(cloud.worker_history()) if cloud is not None else None
    return ReportInputs(view, report, summarize(view, source=source, efficiency=report, cloud=cloud), history,
                        getattr(cloud, "currency", "USD"), policy, now)


def _heatmap(i: ReportInputs, theme: Theme) -> go.Figure:
    return utilization_heatmap_figure(i.view, theme=theme)


def _scaling(i: ReportInputs, theme: Theme) -> go.Figure:
    return scaling_history_figure(i.view, theme=theme, policy=i.policy)


def _allocation(i: ReportInputs, theme: Theme) -> go.Figure:
    return allocation_figure(i.view, theme=theme)


def _efficiency(i: ReportInputs, theme: Theme) -> go.Figure:
    return efficiency_figure(i.view, i.efficiency, theme=theme)


def _cloud(i: ReportInputs, theme: Theme) -> go.Figure:
    return cloud_figure(i.cloud_history, i.view.timestamps, now=i.now, currency=i.currency,
                        cost_per_task=i.summary.cost_per_task, theme=theme)


_BUILDERS: dict[str, Callable[[ReportInputs, Theme], go.Figure]] = {
    "resource_utilization_heatmap": _heatmap, "scaling_history": _scaling,
    "resource_allocation": _allocation, "resource_efficiency": _efficiency, "cloud_resources": _cloud,
}


def build(name: str, inputs: ReportInputs, theme: Theme) -> Chart:
    """One chart by its name (a key of CHARTS)."""
    return Chart(name, CHARTS[name], _BUILDERS[name](inputs, theme))


def build_all(inputs: ReportInputs, theme: Theme) -> list[Chart]:
    """Every chart, in the dashboard's order."""
    return [build(name, inputs, theme) for name in CHARTS]
