"""Pure builders of the numbers shown on the Overview cards (tested without a server)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..models import ALERT_LEVELS, Alert
from ..store.live import LiveView
from .units import count, percent

# a trend compares the newest tick with the one this many seconds earlier
TREND_S = 300.0
# below this much history a trend is noise, and the card says so
MIN_TREND_S = 60.0
LEVEL_COLORS = {"info": "info", "warning": "warning", "error": "danger", "critical": "danger"}


@dataclass(frozen=True)
class Kpi:
    """One card: title, value as text, a line under it, and a trend against a few minutes ago."""

    title: str
    value: str
    note: str = ""
    trend: str = ""
    trend_color: str = "muted"
    color: str = ""  # Bootstrap colour of the value ("" keeps the body colour)


def _last(arr: np.ndarray) -> float:
    """The newest finite value, NaN when there is none."""
    finite = arr[np.isfinite(arr)]
    return float(finite[-1]) if finite.size else math.nan


def _counted(value: float, what: str) -> str:
    """'3 pending', or 'pending not reported' when the source never sends it."""
    return f"{what} not reported" if math.isnan(value) else f"{count(value)} {what}"


def trend(view: LiveView, column: str, *, unit: str = "") -> tuple[str, str]:
    """('▲ 3 vs 5 min ago', colour) comparing the newest value with the one TREND_S earlier."""
    ts = view.timestamps
    if view.span_s < MIN_TREND_S:
        return "trend after the first minute", "muted"
    row = max(0, int(np.searchsorted(ts, ts[-1] - TREND_S, side="right")) - 1)
    values = view.system[column]
    then, now = float(values[row]), float(values[-1])
    if math.isnan(then) or math.isnan(now):
        return "no trend (missing samples)", "muted"
    ago = f"vs {(ts[-1] - ts[row]) / 60:.0f} min ago"
    delta = now - then
    if abs(delta) < 0.5:
        return f"= {ago}", "muted"
    arrow = "▲" if delta > 0 else "▼"
    return f"{arrow} {abs(delta):,.0f}{unit} {ago}", "info"


def alert_counts(alerts: Sequence[Alert]) -> Counter:
    """Alerts per level."""
    return Counter(a.level for a in alerts)


def alerts_kpi(alerts: Sequence[Alert], window: str) -> Kpi:
    """Open alerts by severity, worst first, or All clear (resolved ones do not count)."""
    resolved = sum(a.details.get("state") == "resolved" for a in alerts)
    counts = alert_counts([a for a in alerts if a.details.get("state") != "resolved"])
    if not counts:
        note = f"{resolved} resolved {window}" if resolved else f"no alerts {window}"
        return Kpi("Alerts", "All clear", note, color="success")
    worst = max(counts, key=ALERT_LEVELS.index)
    parts = [f"{counts[level]} {level}" for level in reversed(ALERT_LEVELS) if counts[level]]
    if resolved:
        parts.append(f"{resolved} resolved")
    return Kpi("Alerts", f"{sum(counts.values())} open", " · ".join(parts),
               window, color=LEVEL_COLORS[worst])


def overview_kpis(view: LiveView, window: str) -> list[Kpi]:
    """Workers, active tasks, average utilization and alerts, from the newest tick."""
    s = view.system
    gpu = _last(s["gpu_utilization"])
    gpu_part = "" if math.isnan(gpu) else f" · GPU {percent(gpu)}"
    return [
        Kpi("Workers", count(_last(s["total_workers"])), _counted(_last(s["active_workers"]), "active"),
            *trend(view, "total_workers")),
        Kpi("Active tasks", count(_last(s["active_tasks"])),
            _counted(_last(s["pending_tasks"]), "pending"), *trend(view, "active_tasks")),
        Kpi("Average utilization", f"CPU {percent(_last(s['cpu_utilization']))}",
            f"memory {percent(_last(s['memory_utilization']))}{gpu_part} · "
            f"allocated {percent(_last(s['allocated']))}",
            *trend(view, "cpu_utilization", unit=" pts")),
        alerts_kpi(view.alerts, window),
    ]
