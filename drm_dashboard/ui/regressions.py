"""The regression panel's seam: what a detector hands the UI, and the panel's honest wording."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..store.live import LiveView
from .status import clock_time

# change-point tests need enough samples either side of a split to tell a shift from noise;
# 30 ticks (2.5 minutes at the default 5 s) is the floor below which nothing is judged
MIN_POINTS = 30
# the performance series a detector is expected to watch, with the words the panel uses
WATCHED = {"task_throughput": "throughput", "allocation_time_ms": "allocation time",
           "queue_wait_ms": "queue wait", "resource_efficiency": "resource efficiency"}


@dataclass(frozen=True)
class RegressionFinding:
    """One change point the detector judged a regression, in the metric's own units."""

    metric: str  # a PERFORMANCE_COLUMNS name, e.g. "allocation_time_ms"
    timestamp: float  # epoch seconds of the change point
    before: float  # mean before the change
    after: float  # mean after the change
    p_value: float = math.nan
    description: str = ""

    @property
    def change_pct(self) -> float:
        """Relative change after vs before, in percent (NaN when before is zero)."""
        return (self.after - self.before) / abs(self.before) * 100.0 if self.before else math.nan


@dataclass(frozen=True)
class RegressionReport:
    """What one run of the detector found over the points it was given."""

    findings: tuple[RegressionFinding, ...]
    points: int  # samples the detector looked at
    min_points: int = MIN_POINTS  # samples it needs before it judges anything
    method: str = ""  # e.g. "E-divisive means (otava), p < 0.01"


# given the current view, the latest report (None while the detector has not run yet)
RegressionProvider = Callable[[LiveView], "RegressionReport | None"]


@dataclass(frozen=True)
class RegressionPanel:
    """What the panel shows: a headline, its Bootstrap colour, and the lines under it."""

    headline: str
    color: str
    lines: tuple[str, ...] = ()
    findings: tuple[RegressionFinding, ...] = ()


def performance_points(view: LiveView) -> int:
    """Ticks of the view that carried performance KPIs (the detector's input length)."""
    return int(np.count_nonzero(~np.isnan(view.performance["task_throughput"])))


def regression_panel(view: LiveView, report: RegressionReport | None, *, interval_s: float,
                     connected: bool) -> RegressionPanel:
    """Findings when a detector judged them; otherwise why nothing is judged yet."""
    if report is not None and report.points >= report.min_points:
        return _judged(report)
    points = report.points if report is not None else performance_points(view)
    needed = report.min_points if report is not None else MIN_POINTS
    if points < needed:
        wait_s = (needed - points) * interval_s
        return RegressionPanel(
            f"Not judged yet: {points} of {needed} points needed", "secondary",
            (f"Change-point detection compares the {_watched()} series once {needed} samples "
             f"exist; about {_duration(wait_s)} more at one sample every {interval_s:g} s.",))
    if connected:
        return RegressionPanel(f"Not judged yet: {points} points collected, the detector has "
                               "not reported on them", "secondary",
                               ("Its first report appears here after its next run.",))
    return RegressionPanel(
        f"Not judged: {points} points collected, no regression detector connected", "secondary",
        (f"This dashboard was started without a change-point detector, so the {_watched()} series "
         "are shown but not tested for regressions.",))


def panel_for(view: LiveView, provider: RegressionProvider | None, *,
              interval_s: float) -> RegressionPanel:
    """Ask the provider (if any) for its report; a failing detector is shown, not raised."""
    if provider is None:
        raised = [a for a in view.alerts if a.source == "regression_detection"]
        if raised:  # a detector wired as a tick processor reports through the alert store
            n = len(raised)
            return RegressionPanel(f"{n} regression alert{'s' * (n != 1)} in the live window",
                                   "danger", tuple(f"{clock_time(a.timestamp)} {a.message}"
                                                   for a in reversed(raised[-5:])))
        return regression_panel(view, None, interval_s=interval_s, connected=False)
    try:
        report = provider(view)
    except Exception as exc:  # the detector's bug must not take the Performance tab down
        return RegressionPanel("Not judged: the regression detector failed", "warning",
                               (f"{type(exc).__name__}: {exc}",))
    return regression_panel(view, report, interval_s=interval_s, connected=True)


def _judged(report: RegressionReport) -> RegressionPanel:
    method = f" ({report.method})" if report.method else ""
    if not report.findings:
        return RegressionPanel(f"No regression found in {report.points} points", "success",
                               (f"Checked {_watched()}{method}.",))
    n = len(report.findings)
    return RegressionPanel(f"{n} regression{'s' * (n != 1)} found in {report.points} points",
                           "danger", (f"Method{method or ': change-point detection'}.",),
                           report.findings)


def finding_text(finding: RegressionFinding) -> str:
    """One line: which metric moved, from what to what."""
    name = WATCHED.get(finding.metric, finding.metric)
    change = "" if math.isnan(finding.change_pct) else f" ({finding.change_pct:+.0f}%)"
    p = "" if math.isnan(finding.p_value) else f", p = {finding.p_value:.3g}"
    extra = f" - {finding.description}" if finding.description else ""
    return f"{name}: {finding.before:.3g} -> {finding.after:.3g}{change}{p}{extra}"


def _watched() -> str:
    names = list(WATCHED.values())
    return ", ".join(names[:-1]) + " and " + names[-1]


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
