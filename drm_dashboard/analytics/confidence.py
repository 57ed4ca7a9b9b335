"""Confidence of a detected step: a calibrated probability that the change is real, not 1 - p.

Platt (1999), "Probabilistic outputs for support vector machines": a logistic map of the
evidence to a probability, fitted on labelled findings (`evaluation/calibration.py`). The inputs are
ln(z^2 / threshold), how far the step's L2 statistic clears the BIC-type acceptance threshold
(as samples accumulate after a real change, z^2 grows and so does the confidence), and
ln(|after - before| / |before|), the relative size of the change: a real regression moves a
metric by a share of its level, while a step that only clears the noise of a quiet series is
often a blip. Chosen by cross-validation across series (`evaluation/crossval.py`) among these two,
effect size and the count of agreeing samples. Each statistic has its own weights (online: the
within-level z on NAB's findings; offline: PELT's z on TCPD's), fitted with every weight of
evidence bounded below at 0, since more evidence for a change must never lower its confidence.
Refitted for the online step test, the bound holds the z weight at 0: on NAB a larger z made a
finding no likelier to be real, while its relative size did, so with the default weights the
confidence follows the re-estimated size of the change as samples arrive.
"""

from __future__ import annotations

import math

from drm_dashboard.analytics.step_test import SplitTest
from drm_dashboard.analytics.changepoint_records import (
    ChangePoint,
    DetectorConfig,
    change_pct,
    direction,
)

# keep logs finite for noiseless steps (z and d can be ~1e9)
_LOG_CAP = 8.0


def scan_p_value(z: float, candidates: int) -> float:
    """Two-sided normal p-value of z, Bonferroni-corrected for the splits scanned."""
    # erfc, not 1 - cdf: exact far into the tail; and no scipy.stats (60 MB) in the tick's path
    return min(1.0, math.erfc(abs(z) / math.sqrt(2.0)) * max(candidates, 1))


def _capped_log(x: float) -> float:
    """ln(x) clipped to +-_LOG_CAP; x <= 0 maps to the lower cap."""
    if x <= 0:
        return -_LOG_CAP
    return min(max(math.log(x), -_LOG_CAP), _LOG_CAP)


def relative_change(before: float, after: float) -> float:
    """|after - before| / |before|; 0 (no evidence) for a change from a level of exactly 0."""
    # undefined there; of {no evidence, neutral (1), the cap}, no evidence scored best
    # out-of-fold (the shared benchmark's few such findings were all false)
    pct = change_pct(before, after)
    return 0.0 if math.isnan(pct) else abs(pct) / 100.0


def evidence(z: float, threshold: float, before: float, after: float) -> tuple[float, float]:
    """ln(z^2 / acceptance threshold) and ln(relative change), each capped."""
    return (_capped_log(z ** 2 / threshold), _capped_log(relative_change(before, after)))


def features(test: SplitTest, config: DetectorConfig) -> tuple[float, float]:
    """The confidence model's inputs for a split test judged with config.penalty."""
    return evidence(test.z, config.penalty * math.log(test.n), test.before, test.after)


def finding_features(finding: ChangePoint) -> tuple[float, float]:
    """The same inputs recovered from a finding's record (for refitting the weights)."""
    return evidence(finding.z, finding.threshold, finding.before, finding.after)


def logistic(weights: tuple[float, ...], feats: tuple[float, ...]) -> float:
    """The confidence model: 1 / (1 + exp(-(bias + w . features)))."""
    bias, *w = weights
    score = bias + sum(a * b for a, b in zip(w, feats))
    return 1.0 / (1.0 + math.exp(-min(max(score, -50.0), 50.0)))


def confidence(test: SplitTest, config: DetectorConfig) -> float:
    """Probability-like confidence in 0..1 from the logistic model of DetectorConfig."""
    return logistic(config.confidence_weights, features(test, config))


def make_change_point(test: SplitTest, config: DetectorConfig, *, metric: str, offset: int,
                      timestamp: float, higher_is_better: bool | None) -> ChangePoint:
    """Turn an accepted split test into a ChangePoint record at global index offset + k."""
    return ChangePoint(
        metric=metric, index=offset + test.index, timestamp=float(timestamp),
        before=test.before, after=test.after, change_pct=change_pct(test.before, test.after),
        direction=direction(test.before, test.after, higher_is_better),
        confidence=confidence(test, config), z=test.z,
        p_value=scan_p_value(test.z, test.candidates), effect_size=test.effect_size,
        persistence=test.agree, phi=test.phi, threshold=config.penalty * math.log(test.n),
    )
