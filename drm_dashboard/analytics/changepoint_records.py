"""Records of change-point detection: the configuration, a finding, a detector's status."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


OFFLINE_COSTS = ("level", "linear")


@dataclass(frozen=True)
class DetectorConfig:
    """One fixed configuration for offline and online detection (sample counts, unitless)."""

    # chosen by cross-validation across series (drm_dashboard.evaluation.crossval, docs/PERFORMANCE.md)
    penalty: float = 14.0  # online: accept a step when z^2 > penalty * ln(window length)
    offline_penalty: float = 3.0  # offline PELT: penalty * ln(n) on the z-scored series
    # offline PELT's segment cost: "level" (flat) or "linear" (a line; a trend is one segment),
    # compared out of fold on TCPD, each with its penalty chosen in fold (docs/PERFORMANCE.md)
    offline_cost: str = "linear"
    ar1_adjust: bool = False  # online: deflate z by the AR(1) effective sample size of the residuals
    rho_max: float = 0.99  # cap on the reported lag-1 autocorrelation
    min_segment: int = 6  # offline: shortest segment PELT may cut
    window: int = 300  # online: most samples kept as the baseline
    min_before: int = 20  # online: baseline samples needed before judging
    min_after: int = 6  # online: samples past a step before it can be confirmed
    surprise_half: float = 4.0  # one-step surprise (innovation sds) that scores 0.5 per row
    # logistic weights of the confidence: bias, ln(z^2 / threshold), ln(relative change);
    # inputs chosen by cross-validation, weights fitted (evaluation/calibration.fit_weights) per
    # statistic on the benchmark findings of the chosen penalties: online on NAB's, offline on
    # TCPD's (the two z's are on different scales), each weight bounded below at 0, reported
    # out-of-fold by evaluation/crossval. Online, the bound holds the z weight at 0: on NAB a larger
    # within-level z made a finding no likelier to be real, its relative size did
    confidence_weights: tuple[float, float, float] = (-0.518, 0.0, 0.399)
    offline_confidence_weights: tuple[float, float, float] = (-0.241, 0.744, 0.494)

    def __post_init__(self) -> None:
        if self.offline_cost not in OFFLINE_COSTS:
            raise ValueError(f"offline_cost must be one of {OFFLINE_COSTS}, not {self.offline_cost!r}")

    @property
    def min_points(self) -> int:
        """Samples an online detector needs before it can judge a step."""
        return self.min_before + self.min_after


@dataclass(frozen=True)
class ChangePoint:
    """One confirmed change in a metric's level, with the numbers behind its confidence."""

    metric: str
    index: int  # sample index of the first point at the new level
    timestamp: float  # epoch seconds of that sample (the index for offline series)
    before: float  # mean level before, metric units
    after: float  # mean level after, metric units
    change_pct: float  # 100 * (after - before) / |before|; nan when before is 0
    direction: str  # "improvement", "regression" or "neutral"
    confidence: float  # 0..1, combines the three components below
    z: float  # step statistic: offline in sds of the series, online in within-level noise sds
    p_value: float  # two-sided, scan-corrected (Bonferroni over candidate splits)
    effect_size: float  # |after - before| / residual sd
    persistence: int  # samples since the change that agree with the new level
    phi: float  # lag-1 autocorrelation of the residuals (used online only with ar1_adjust)
    threshold: float = math.nan  # z^2 the step had to beat: penalty * ln(samples judged)
    cluster: str = ""  # the coordinator whose series moved, when a dashboard watches several
    # the worst level the metric held for a minute in the alert rule's lookback before the step
    # (nan: no such minute); a regression no worse than it is the fleet's normal life
    worst_before: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; nan becomes None."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in asdict(self).items()}


Finding = ChangePoint


@dataclass(frozen=True)
class DetectorStatus:
    """Whether an online detector can judge yet, and how many more samples it needs."""

    metric: str
    judged: bool
    points: int
    points_needed: int
    findings: int
    message: str


def change_pct(before: float, after: float) -> float:
    """Relative change in percent of the earlier level; nan when it is 0."""
    return 100.0 * (after - before) / abs(before) if before != 0 else math.nan


def direction(before: float, after: float, higher_is_better: bool | None) -> str:
    """Improvement or regression given which way is better; neutral when no side is better."""
    if higher_is_better is None or after == before:
        return "neutral"
    return "improvement" if (after > before) == higher_is_better else "regression"
