"""Calibration of finding confidences: precision by tercile, the Brier score, the fitted weights.

Brier (1950), "Verification of forecasts expressed in terms of probability": mean squared
error of a probability against the 0/1 outcome; the reference is the best constant forecast,
the base rate, whose Brier score is p(1 - p). The log-loss (Good 1952) is judged against the
same constant, whose log-loss is the entropy of the base rate. The confidence model's weights are a logistic
regression of finding outcomes on its features (Platt 1999).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import minimize


def precision_by_tercile(pairs: Sequence[tuple[float, bool]]) -> list[float | None]:
    """Share of true findings in the low, middle and high third by confidence."""
    if not pairs:
        return [None, None, None]
    ordered = sorted(pairs, key=lambda p: p[0])
    thirds = np.array_split(np.array([bool(o) for _, o in ordered], dtype=float), 3)
    return [float(t.mean()) if len(t) else None for t in thirds]


def brier(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """Mean squared error of confidence against outcome."""
    if not pairs:
        return None
    conf = np.array([c for c, _ in pairs])
    outcome = np.array([bool(o) for _, o in pairs], dtype=float)
    return float(np.mean((conf - outcome) ** 2))


def brier_constant(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """Brier score of always forecasting the base rate."""
    if not pairs:
        return None
    rate = float(np.mean([bool(o) for _, o in pairs]))
    return rate * (1.0 - rate)


# probabilities are clipped this far from 0 and 1, so one confident miss costs ln(1e6), not inf
_LOG_LOSS_EPS = 1e-6


def log_loss(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """Mean negative log-likelihood (nats) of the outcomes under the confidences."""
    if not pairs:
        return None
    conf = np.clip([c for c, _ in pairs], _LOG_LOSS_EPS, 1.0 - _LOG_LOSS_EPS)
    outcome = np.array([bool(o) for _, o in pairs])
    return float(-np.mean(np.where(outcome, np.log(conf), np.log1p(-conf))))


def log_loss_constant(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """Log-loss of always forecasting the base rate (its entropy; 0 when every outcome agrees)."""
    if not pairs:
        return None
    return log_loss([(float(np.mean([bool(o) for _, o in pairs])), o) for _, o in pairs])


def calibration_summary(pairs: Sequence[tuple[float, bool]]) -> dict:
    """The confidence block of summary.json."""
    return {"findings": len(pairs), "precision_by_tercile": precision_by_tercile(pairs),
            "brier": brier(pairs), "brier_constant": brier_constant(pairs),
            "log_loss": log_loss(pairs), "log_loss_constant": log_loss_constant(pairs),
            "base_rate": float(np.mean([bool(o) for _, o in pairs])) if pairs else None}


def fit_weights(feats: Sequence[Sequence[float]], outcomes: Sequence[bool],
                ridge: float = 1.0) -> tuple[float, ...]:
    """Logistic-regression weights (bias first) by maximum likelihood, a small ridge, and the
    features' weights bounded below at 0."""
    x = np.column_stack([np.ones(len(feats)), np.asarray(feats, dtype=float)])
    y = np.asarray(outcomes, dtype=float)
    # the ridge (not on the bias) keeps the fit finite when one feature separates the classes
    penalty = np.r_[0.0, np.full(x.shape[1] - 1, ridge)]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = x @ w
        p = 1.0 / (1.0 + np.exp(-s))
        value = float(np.sum(np.logaddexp(0.0, s) - y * s) + 0.5 * np.sum(penalty * w * w))
        return value, x.T @ (p - y) + penalty * w

    # every feature is evidence for a change (how far its statistic clears the threshold, how
    # large it is): more of it must never lower the confidence, whatever a benchmark's labels
    # happen to reward, so a fitted negative weight is held at 0
    bounds = [(None, None)] + [(0.0, None)] * (x.shape[1] - 1)
    result = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", bounds=bounds)
    return tuple(round(float(w), 3) + 0.0 for w in result.x)
