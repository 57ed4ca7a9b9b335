"""Statistics core of change-point detection: a mean shift in AR(1) noise, tested by GLS.

Model: y_t = mu_t + e_t with e_t = phi * e_{t-1} + eps_t and one step in mu_t at index k.
The step is located by the CUSUM scan (Csorgo & Horvath 1997, "Limit Theorems in Change-Point
Analysis", ch. 1), phi is the lag-1 autocorrelation of the residuals around the two segment
means, and the step is then tested on the prewhitened series w_t = y_t - phi * y_{t-1}
(Chakar, Lebarbier, Levy-Leduc & Robin 2017, "A robust approach for estimating change-points
in the mean of an AR(1) process", Bernoulli 23(2)). In w the step is a spike of size delta at k
followed by a sustained shift of (1 - phi) * delta, so the test stays honest when samples are
autocorrelated: a smooth drift gives phi near 1 and no sustained-shift evidence.
All values are in the units of the series; z is a standard-normal statistic.
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
    z: float  # GLS z of the step under AR(1) noise, |z|
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


def gls_step_scores(y: np.ndarray, phi: float, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Unscaled GLS scores of a step at each k in [lo, hi] on the prewhitened series."""
    n, c = len(y), 1.0 - phi
    w = y[1:] - phi * y[:-1]  # w[t-1] is time t
    m = n - 1
    k = np.arange(max(lo, 1), hi + 1)
    tail = np.concatenate([np.cumsum(w[::-1])[::-1], [0.0]])  # tail[j] = w[j:].sum()
    u_sum = 1.0 + c * (n - 1 - k)
    u_sq = 1.0 + c * c * (n - 1 - k)
    uw = w[k - 1] + c * tail[k]
    u_bar = u_sum / m
    num = uw - m * u_bar * w.mean()
    return k, num / np.sqrt(np.maximum(u_sq - m * u_bar * u_bar, 1e-12))


def _scale_floor(y: np.ndarray) -> float:
    """Smallest noise scale we trust, relative to the series' magnitude."""
    return _SCALE_FLOOR * max(float(np.max(np.abs(y))), 1.0)


def best_split(y: np.ndarray, lo: int, hi: int, rho_max: float) -> SplitTest:
    """Locate and test the best single step with y[:k] >= lo and k <= hi samples (GLS, AR(1))."""
    y = np.asarray(y, dtype=float)
    phi = ar1_coefficient(two_level_residuals(y, cusum_split(y, lo, hi)), rho_max)
    ks, scores = gls_step_scores(y, phi, lo, hi)
    j = int(np.argmax(np.abs(scores)))
    k = int(ks[j])
    resid = two_level_residuals(y, k)
    innov = resid[1:] - phi * resid[:-1]
    floor = _scale_floor(y)
    sigma_eps = max(float(np.sqrt(np.dot(innov, innov) / max(len(innov) - 3, 1))), floor)
    sigma = max(float(np.sqrt(np.dot(resid, resid) / max(len(y) - 2, 1))), floor)
    before, after = float(y[:k].mean()), float(y[k:].mean())
    agree = _agreeing(y[k:], before, after)
    return SplitTest(index=k, z=abs(float(scores[j])) / sigma_eps, phi=phi, before=before,
                     after=after, sigma=sigma, effect_size=abs(after - before) / sigma,
                     agree=agree, persistence=agree / (len(y) - k), n=len(y),
                     candidates=len(ks))


def _agreeing(tail: np.ndarray, before: float, after: float) -> int:
    """Samples of the new segment on the far side of the midpoint between the two levels."""
    mid = 0.5 * (before + after)
    return int(np.count_nonzero(tail > mid if after > before else tail < mid))


def passes(test: SplitTest, penalty: float, min_persistence: float) -> bool:
    """Accept a step: z^2 above a BIC-like penalty * ln(n) and a level that holds."""
    return test.z ** 2 > penalty * np.log(test.n) and test.persistence >= min_persistence


def surprise(history: np.ndarray, value: float) -> float:
    """One-step-ahead AR(1) prediction error of `value`, in innovation standard deviations."""
    mu = float(history.mean())
    dev = history - mu
    phi = ar1_coefficient(dev, 0.95)
    sd = float(np.sqrt(np.dot(dev, dev) / max(len(history) - 1, 1)))
    scale = max(sd * np.sqrt(1.0 - phi * phi), _scale_floor(history))
    return abs(value - mu - phi * (history[-1] - mu)) / scale
