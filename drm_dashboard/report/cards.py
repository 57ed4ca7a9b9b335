"""A report's summary cards: the numbers of the one ReportSummary, as the dashboard's own card records."""

from __future__ import annotations

import math

from ..ui.cards import Kpi
from ..ui.units import count, percent
from .summary import ReportSummary


def money(value: float, currency: str) -> str:
    """$1,234.56 (or 'EUR 1,234.56'); amounts below a dime keep four decimals."""
    if math.isnan(value):
        return "—"
    symbol = "$" if currency == "USD" else f"{currency} "
    return f"{symbol}{value:,.2f}" if value >= 0.1 else f"{symbol}{value:.4f}"


def cards(summary: ReportSummary) -> list[Kpi]:
    """The summary cards, in reading order."""
    gpu = "" if math.isnan(summary.gpu) else f" · GPU {percent(summary.gpu)}"
    out = [
        Kpi("Workers", count(summary.workers),
             f"{count(summary.active_workers)} busy · {summary.workers_seen} seen in the window"),
        Kpi("Tasks", count(summary.active_tasks), f"{count(summary.pending_tasks)} pending · "
             f"{count(summary.tasks_completed)} completed · {count(summary.tasks_failed)} failed"),
        Kpi("Utilization", f"CPU {percent(summary.cpu)}",
             f"memory {percent(summary.memory)}{gpu} · allocated {percent(summary.allocated)}"),
        Kpi("Scaling events", count(summary.scale_ups + summary.scale_downs),
             f"{summary.scale_ups} up · {summary.scale_downs} down"),
        Kpi("Efficiency", percent(summary.efficiency), _outliers(summary)),
    ]
    if summary.cost is not None:
        c = summary.cost
        out.append(Kpi("Cost so far", money(c.total, c.currency),
                        f"{money(c.hourly, c.currency)}/h now · {c.running} running"))
        out.append(Kpi("Cost per completed task", money(summary.cost_per_task, c.currency),
                        f"over {count(summary.tasks_completed)} tasks"))
    return out


def _outliers(summary: ReportSummary) -> str:
    parts = [f"{len(ids)} {label}" for ids, label in ((summary.over_provisioned, "over-provisioned"),
                                                     (summary.under_provisioned, "under-provisioned"))
             if ids]
    return " · ".join(parts) or "no over- or under-provisioned worker"

