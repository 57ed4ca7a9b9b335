"""Statistics core of change-point detection: a mean shift under the L2 cost on standardised data.

Model: y_t = mu_t + e_t with piecewise-constant mu_t. A split at k lowers the L2 cost (the sum
of squared deviations from the segment means) by k (n - k) / n * (mean(y[k:]) - mean(y[:k]))^2;
in units of the variance of the data judged, that reduction is z^2, where z is the standardised
CUSUM statistic (Csorgo & Horvath 1997, "Limit Theorems in Change-Point Analysis", ch. 1). A
split is accepted when z^2 > penalty * ln(n), a BIC-type penalty (Schwarz 1978) as in PELT
(Killick, Fearnhead & Eckley 2012), which `changepoint.detect_changes` runs offline through
`ruptures`. Offline the scale is the standard deviation of the whole series judged, as
TCPDBench does (van den Burg & Williams 2020), so the penalty is a share of the variance a step
must explain. Online (`best_split`) the scale is the within-level (residual) standard deviation
around the two levels, which makes z the two-sample t statistic of the step (Hawkins, Qiu & Kang
2003, "The changepoint model for statistical process control", J. Quality Technology 35): the
window's total sd would include the step itself and cap z^2 at n, so no short window could ever
pass. With `ar1` that scale is widened by sqrt((1 + phi) / (1 - phi)), the effective-sample-size
factor of AR(1) noise with lag-1 autocorrelation phi of the residuals (clipped to [0, rho_max]).
The window's single lowest and highest samples are clipped to their neighbours first. Values
are in the units of the series; z is unitless.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# relative floor on the noise scale, so a noiseless step gives a large finite z, not inf
_SCALE_FLOOR = 1e-9


@dataclass(frozen=True)
class SplitTest:
    """The best single step in a segment and the numbers that judge it."""

    index: int  # first sample of the new level, 0-based within the segment
    z: float  # step over the noise scale, times sqrt(k (n - k) / n)
    phi: float  # lag-1 autocorrelation of the residuals, clipped to [0, rho_max]
    before: float  # mean level before the step
    after: float  # mean level from the step on
    sigma: float  # residual standard deviation around the two levels
    effect_size: float  # |after - before| / sigma (Cohen's d)
    agree: int  # samples from the step on that sit on the new level's side of the midpoint
    persistence: float  # agree / samples from the step on
    n: int  # segment length
    candidates: int  # split positions scanned, for the scan correction of the p-value


def cusum_split(y: np.ndarray, lo: int, hi: int) -> int:
    """Index k in [lo, hi] maximising the standardised CUSUM |mean(y[k:]) - mean(y[:k])|."""
    n = len(y)
    csum = np.cumsum(y)
    k = np.arange(lo, hi + 1)
    left = csum[k - 1] / k
    right = (csum[-1] - csum[k - 1]) / (n - k)
    return int(k[np.argmax(np.abs(right - left) * np.sqrt(k * (n - k) / n))])


def two_level_residuals(y: np.ndarray, k: int) -> np.ndarray:
    """Residuals of y around the mean of y[:k] and the mean of y[k:]."""
    return np.concatenate([y[:k] - y[:k].mean(), y[k:] - y[k:].mean()])


def ar1_coefficient(resid: np.ndarray, rho_max: float) -> float:
    """Lag-1 autocorrelation of residuals, clipped to [0, rho_max] (negative phi only helps)."""
    energy = float(np.dot(resid, resid))
    if energy <= 0.0 or len(resid) < 3:
        return 0.0
    phi = float(np.dot(resid[1:], resid[:-1])) / energy
    return min(max(phi, 0.0), rho_max)


def _scale_floor(y: np.ndarray) -> float:
    """Smallest noise scale we trust, relative to the series' magnitude."""
    return _SCALE_FLOOR * max(float(np.max(np.abs(y))), 1.0)


def split_test(y: np.ndarray, k: int, scale: float, rho_max: float, candidates: int = 1) -> SplitTest:
    """Judge a step at k in y, z on the given scale (a noise standard deviation)."""
    y = np.asarray(y, dtype=float)
    n = len(y)
    floor = _scale_floor(y)
    before, after = float(y[:k].mean()), float(y[k:].mean())
    resid = two_level_residuals(y, k)
    sigma = max(float(np.sqrt(np.dot(resid, resid) / max(n - 2, 1))), floor)
    z = abs(after - before) * np.sqrt(k * (n - k) / n) / max(scale, floor)
    agree = _agreeing(y[k:], before, after)
    return SplitTest(index=k, z=float(z), phi=ar1_coefficient(resid, rho_max), before=before,
                     after=after, sigma=sigma, effect_size=abs(after - before) / sigma,
                     agree=agree, persistence=agree / (n - k), n=n, candidates=candidates)


def winsorize_one(y: np.ndarray) -> np.ndarray:
    """y with its single highest sample lowered to the next highest, and the lowest likewise."""
    # one glitch (a 10x sample) would otherwise pass for a step, or inflate the window's
    # variance and mute every real step for as long as it stays in the window
    if len(y) < 4:
        return y
    order = np.argsort(y, kind="stable")
    w = y.copy()
    w[order[0]], w[order[-1]] = y[order[1]], y[order[-2]]
    return w


def best_split(y: np.ndarray, lo: int, hi: int, rho_max: float, ar1: bool = False) -> SplitTest:
    """Locate (CUSUM) and judge the best single step with lo <= k <= hi, on the within-level noise."""
    w = winsorize_one(np.asarray(y, dtype=float))
    k = cusum_split(w, lo, hi)
    resid = two_level_residuals(w, k)
    # the two-sample scale: the residual sd around the two levels, so the step itself does
    # not inflate the noise it is judged against (the window's total sd caps z^2 at n)
    scale = float(np.sqrt(np.dot(resid, resid) / max(len(w) - 2, 1)))
    if ar1:
        phi = ar1_coefficient(resid, rho_max)
        scale *= float(np.sqrt((1.0 + phi) / (1.0 - phi)))
    return split_test(w, k, scale, rho_max, candidates=hi - lo + 1)


def _agreeing(tail: np.ndarray, before: float, after: float) -> int:
    """Samples of the new segment on the far side of the midpoint between the two levels."""
    mid = 0.5 * (before + after)
    return int(np.count_nonzero(tail > mid if after > before else tail < mid))


def passes(test: SplitTest, penalty: float) -> bool:
    """Accept a step when its L2 cost reduction beats the BIC-type penalty * ln(n)."""
    return test.z ** 2 > penalty * np.log(test.n)


def surprise(history: np.ndarray, value: float) -> float:
    """One-step-ahead AR(1) prediction error of `value`, in innovation standard deviations."""
    mu = float(history.mean())
    dev = history - mu
    phi = ar1_coefficient(dev, 0.95)
    sd = float(np.sqrt(np.dot(dev, dev) / max(len(history) - 1, 1)))
    scale = max(sd * np.sqrt(1.0 - phi * phi), _scale_floor(history))
    return abs(value - mu - phi * (history[-1] - mu)) / scale
