"""The regression panel's seam: what a detector hands the UI, and the panel's honest wording."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping, Protocol, Sequence

import numpy as np

from ..analytics.alert_rules import RegressionRule
from ..store.live import LiveView
from ..catalog import CATALOG, metric_info
from .status import clock_time
from .units import change_text

# without a detector, the count the panel reports against: change-point tests need a baseline of
# samples before a step can be told from noise (the online detector asks for 26 at its defaults)
MIN_POINTS = 30
# the charted series the detectors judge (the Performance tab's), in the catalog's words
WATCHED = {m.name: m.label for m in CATALOG if m.detect and m.axis}
# confidence in words: the lower bound of each band, and what it means for the reader
CONFIDENCE_WORDS = ((0.9, "almost certainly real"), (0.7, "likely real"), (0.5, "probably real"),
                    (0.0, "uncertain, may be noise"))
CONFIDENCE_MEANING = ("Confidence is the detector's estimate that the level really changed, "
                      "rather than noise making it look so.")
# the report's regression alert rule decides: findings below its confidence are counted, not
# listed, and only regressions it raises count as regressions, so the panel, the CI report and the
# Alerts tab agree (the default rule, for a report that does not carry one)
RULE = RegressionRule()


class Finding(Protocol):
    """One confirmed change in a metric's level (analytics' ChangePoint meets it)."""

    @property
    def metric(self) -> str: ...
    @property
    def timestamp(self) -> float: ...
    @property
    def before(self) -> float: ...
    @property
    def after(self) -> float: ...
    @property
    def change_pct(self) -> float: ...
    @property
    def direction(self) -> str: ...  # "regression", "improvement" or "neutral"
    @property
    def confidence(self) -> float: ...  # 0..1
    @property
    def p_value(self) -> float: ...
    @property
    def worst_before(self) -> float: ...  # the worst minute of the hour before the step


class MetricStatus(Protocol):
    """Whether a metric's detector can judge yet (analytics' DetectorStatus meets it)."""

    @property
    def judged(self) -> bool: ...
    @property
    def points(self) -> int: ...
    @property
    def points_needed(self) -> int: ...


class RegressionReport(Protocol):
    """The detector's latest conclusions (analytics' AnalyticsReport meets it)."""

    @property
    def findings(self) -> Sequence[Finding]: ...
    @property
    def statuses(self) -> Mapping[str, MetricStatus]: ...
    @property
    def rule(self) -> RegressionRule: ...  # the regression alert rule in force


# given the current view, the latest report (None while no detector has reported)
RegressionProvider = Callable[[LiveView], "RegressionReport | None"]


@dataclass(frozen=True)
class RegressionPanel:
    """What the panel shows: a headline, its Bootstrap colour, lines under it, findings listed."""

    headline: str
    color: str
    lines: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()


def metric_name(metric: str) -> str:
    """The words the page uses for a metric column."""
    return metric_info(metric).label


def performance_points(view: LiveView) -> int:
    """Ticks of the view that carried performance KPIs (a detector's input length)."""
    return int(np.count_nonzero(~np.isnan(view.performance["task_throughput"])))


def panel_for(view: LiveView, provider: RegressionProvider | None, *,
              interval_s: float) -> RegressionPanel:
    """Ask the provider (if any) for its report; a failing detector is shown, not raised."""
    if provider is None:
        return _without_detector(view, interval_s)
    try:
        report = provider(view)
    except Exception as exc:  # the detector's bug must not take the Performance tab down
        return RegressionPanel("Not judged: the regression detector failed", "warning",
                               (f"{type(exc).__name__}: {exc}",))
    if report is None:
        return RegressionPanel("Not judged yet: the detector has not reported", "secondary",
                               ("Its first report appears here after the next tick.",))
    return judged_panel(view, report, interval_s)


def judged_panel(view: LiveView, report: RegressionReport, interval_s: float) -> RegressionPanel:
    """The detector's confident findings within the live window, or why it has not judged yet."""
    statuses = {m: s for m, s in report.statuses.items() if m in WATCHED}
    start = float(view.timestamps[0]) if view.n_ticks else math.inf
    recent = [f for f in report.findings if f.timestamp >= start and f.metric in WATCHED]
    if statuses and not any(s.judged for s in statuses.values()) and not recent:
        points = max(s.points for s in statuses.values())
        needed = max(s.points_needed for s in statuses.values())
        return _waiting(points, needed, interval_s)
    rule = report.rule
    sure = tuple(f for f in recent if f.confidence >= rule.min_confidence)
    lines = [_status_line(statuses)] if statuses else []
    if len(recent) > len(sure):
        k = len(recent) - len(sure)
        lines.append(f"{k} change{'s' * (k != 1)} below {rule.min_confidence:.0%} confidence not listed.")
    worse = sum(f.direction == "regression" and rule.raises(f) for f in sure)
    usual = sum(f.direction == "regression" for f in sure) - worse
    if usual:
        lines.append(f"{usual} regression{'s' * (usual != 1)} not alerted: no worse than the metric "
                     "held in the hour before, or in queue wait or throughput, which follow the workload.")
    if worse:
        return RegressionPanel(f"{worse} regression{'s' * (worse != 1)} in the live window",
                               "danger", tuple(lines), sure)
    headline = ("No new regression" if usual else "No regression found") + " in the live window" + (
        f"; {len(sure)} other change{'s' * (len(sure) != 1)}" if sure else "")
    return RegressionPanel(headline, "info" if usual else "success", tuple(lines), sure)


def _status_line(statuses: Mapping[str, MetricStatus]) -> str:
    parts = []
    for metric, s in statuses.items():
        if s.judged:
            parts.append(f"{WATCHED[metric]}: judging over {s.points} points")
        else:  # a detector re-learns its baseline after each change it confirms
            since = " since its last change" if getattr(s, "findings", 0) else ""
            parts.append(f"{WATCHED[metric]}: {s.points} of {s.points_needed} points{since}")
    return " · ".join(parts)


def _waiting(points: int, needed: int, interval_s: float) -> RegressionPanel:
    wait_s = max(0, needed - points) * interval_s
    return RegressionPanel(
        f"Not judged yet: {points} of {needed} points needed", "secondary",
        (f"Change-point detection compares the {_watched()} series once {needed} samples "
         f"exist; about {_duration(wait_s)} more at one sample every {interval_s:g} s.",))


def _without_detector(view: LiveView, interval_s: float) -> RegressionPanel:
    raised = [a for a in view.alerts if a.source == "regression_detection"]
    if raised:  # a detector wired as a tick processor only, reporting through the alert store
        n = len(raised)
        return RegressionPanel(f"{n} alert{'s' * (n != 1)} from regression detection in the "
                               "live window", "warning",
                               tuple(f"{clock_time(a.timestamp)} {a.message}" for a in reversed(raised[-5:])))
    points = performance_points(view)
    if points < MIN_POINTS:
        return _waiting(points, MIN_POINTS, interval_s)
    return RegressionPanel(
        f"Not judged: {points} points collected, no regression detector connected", "secondary",
        (f"This page was started without a change-point detector, so the {_watched()} series "
         "are shown but not tested for regressions.",))


def confidence_words(confidence: float) -> str:
    """'likely real (confidence 78%)'; 'confidence not reported' when there is none."""
    if math.isnan(confidence):
        return "confidence not reported"
    words = next(w for floor, w in CONFIDENCE_WORDS if confidence >= floor)
    return f"{words} (confidence {confidence:.0%})"


def finding_text(finding: Finding) -> str:
    """One line: which metric moved, from what to what in its unit, and how sure the detector is."""
    change = "" if math.isnan(finding.change_pct) else f" ({finding.change_pct:+.0f}%)"
    return (f"{metric_name(finding.metric)} {finding.direction}: "
            f"{change_text(finding.metric, finding.before, finding.after)}{change}, "
            f"{confidence_words(finding.confidence)}")


def statistic_text(finding: Finding) -> str:
    """The raw test statistics, for a tooltip: what the words above were computed from."""
    parts = [CONFIDENCE_MEANING]
    for name, label in (("z", "z"), ("p_value", "p"), ("effect_size", "effect size (sd)"),
                        ("persistence", "agreeing samples")):
        value = getattr(finding, name, None)
        if isinstance(value, (int, float)) and not math.isnan(value):
            parts.append(f"{label} = {value:.3g}")
    return " ".join(parts[:1]) + " Test: " + ", ".join(parts[1:]) if len(parts) > 1 else parts[0]


def _watched() -> str:
    names = list(WATCHED.values())
    return ", ".join(names[:-1]) + " and " + names[-1]


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
