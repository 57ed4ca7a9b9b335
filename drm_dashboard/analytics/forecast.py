"""Short-horizon forecasts with prediction intervals, and the time left until a threshold.

Exponential smoothing in state-space form (Hyndman, Koehler, Snyder & Grose 2002; Hyndman &
Athanasopoulos, "Forecasting: Principles and Practice" (FPP), ch. 8): simple (ETS(A,N,N)),
Holt's linear (ETS(A,A,N)) and Gardner & McKenzie's (1985) damped trend (ETS(A,Ad,N)), each
fitted by least squares over one fixed parameter grid, the lowest AIC kept. Each model is an
ARIMA filter (ARIMA(0,1,1) or (1,1,2)), so one `scipy.signal.lfilter` call gives all its
one-step errors. Periodic load (cron jobs, daily cycles) is handled by forecasting with
decomposition (FPP 5.7): the highest autocorrelation peak proposes a period, classical
decomposition gives its indices, and the seasonal variant is kept only if its AIC, charged
period - 1 more parameters, is lower. Intervals are Gaussian with the state-space h-step
variance sigma^2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta (phi + ... + phi^j) (Hyndman et al.
2008, "Forecasting with Exponential Smoothing", ch. 6). Samples go on a regular grid of the median
step; gaps are bridged linearly, but only real samples count in the fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product
from typing import Any

import numpy as np
from scipy.signal import lfilter
from scipy.stats import norm

POINTS_NEEDED = 10  # finite samples before a forecast is made; the UI says "N of M points"
MAX_GRID = 20_000  # most regular-grid points a fit runs over; longer spans get a coarser step
ALPHAS = (0.05, 0.1, 0.2, 0.35, 0.6, 1.0)
BETA_SHARES = (0.05, 0.3)  # beta as a share of alpha, which keeps beta <= alpha
PHIS = (0.8, 0.95, 1.0)  # 1.0 is Holt's undamped trend
# (alpha, beta, phi, parameters incl. initial states); no-trend first so exact ties stay simple
GRID = tuple((a, 0.0, 0.0, 2) for a in ALPHAS) + tuple(
    (a, a * s, p, 4 if p == 1.0 else 5) for a, s, p in product(ALPHAS, BETA_SHARES, PHIS))


@dataclass(frozen=True)
class Forecast:
    """A forecast path (epoch s, metric units) with its prediction interval and model state."""

    metric: str
    timestamps: np.ndarray  # epoch seconds of the forecast steps, after the last sample
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    level: float  # coverage of the interval, e.g. 0.9
    method: str  # e.g. "ETS(A,Ad,N) alpha=0.35 beta=0.0175 phi=0.95"
    fitted_on: int  # finite samples with distinct timestamps the model was fitted on
    step_s: float  # spacing of the regular grid the model runs on
    anchor: float  # smoothed (deseasonalised) level at the last sample, metric units
    slope: float  # trend at the last sample, metric units per second
    damping: float  # phi per step: 1 keeps the trend, below 1 fades it, 0 means no trend
    sigma: float  # sd of the one-step errors, metric units
    period_s: float | None = None  # length of the seasonal cycle removed, if any

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: arrays become lists, nan becomes None."""
        out: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            value = value.tolist() if isinstance(value, np.ndarray) else value
            out[name] = None if isinstance(value, float) and math.isnan(value) else value
        return out


@dataclass(frozen=True)
class ThresholdEta:
    """When a series crosses a threshold at its current trend; seconds None when it does not."""

    metric: str
    threshold: float
    direction: str  # "up" when the series is below the threshold, "down" when above
    seconds: float | None  # from the last sample; None: not within max_horizon_s at this trend
    message: str  # "CPU reaches 80% in about 12 min"

    @property
    def crossing(self) -> bool:
        """True when the current trend reaches the threshold within the horizon."""
        return self.seconds is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"metric": self.metric, "threshold": self.threshold, "direction": self.direction,
                "seconds": self.seconds, "message": self.message, "crossing": self.crossing}


@dataclass(frozen=True)
class _Fit:
    """A fitted model: parameters, AIC, one-step error sd and state at the last grid point."""

    alpha: float
    beta: float
    phi: float
    aic: float
    sigma: float
    level: float
    trend: float
    indices: np.ndarray  # seasonal index per phase (phase 0 = the last point); empty if none


def clean(timestamps: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite samples sorted by time; a repeated timestamp keeps its latest value."""
    t = np.asarray(timestamps, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = np.isfinite(t) & np.isfinite(y)
    order = np.argsort(t[keep], kind="stable")
    t, y = t[keep][order], y[keep][order]
    last = np.r_[np.diff(t) > 0, True]  # the latest wins, as with a retried scrape
    return t[last], y[last]


def usable_points(timestamps: np.ndarray, values: np.ndarray) -> int:
    """Samples a forecast can use (finite, distinct times), to compare with POINTS_NEEDED."""
    return int(clean(timestamps, values)[0].size)


def regular_grid(t: np.ndarray, y: np.ndarray,
                 step_s: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Samples on a grid ending at the last one: times, values, observed mask, step (s)."""
    span = t[-1] - t[0]
    step = float(step_s) if step_s else float(np.median(np.diff(t)))
    step = max(step, span / (MAX_GRID - 1), 1e-9)
    grid = t[-1] - step * np.arange(int(span // step), -1, -1)
    after = np.minimum(np.searchsorted(t, grid), t.size - 1)
    near = np.minimum(np.abs(t[after] - grid), np.abs(t[np.maximum(after - 1, 0)] - grid))
    return grid, np.interp(grid, t, y), near <= step / 2, step


def one_step_errors(y: np.ndarray, alpha: float, beta: float, phi: float,
                    level0: float, trend0: float) -> np.ndarray:
    """In-sample one-step errors of ETS(A,Ad,N) from state (level0, trend0), as an ARIMA filter."""
    # (1-B)(1-phi B) y_t = (1 + (alpha + phi beta - 1 - phi) B + phi (1 - alpha) B^2) e_t
    num = np.array([1.0, -(1.0 + phi), phi])
    den = np.array([1.0, alpha + phi * beta - 1.0 - phi, phi * (1.0 - alpha)])
    # lfilter state for a virtual past of values (level0 - trend0, level0) with zero errors,
    # which leaves exactly the state (level0, trend0); lfiltic computes the same, slower
    zi = np.array([num[1] * level0 + num[2] * (level0 - trend0), num[2] * level0])
    return lfilter(num, den, y, zi=zi)[0]


def initial_state(y: np.ndarray) -> tuple[float, float]:
    """State one step before the first point, from a straight line through the first ten."""
    slope, intercept = np.polyfit(np.arange(min(y.size, 10)), y[:10], 1)
    return float(intercept - slope), float(slope)


def fit(y: np.ndarray, observed: np.ndarray, indices: np.ndarray) -> _Fit:
    """Least-squares fit of every grid model to y less its seasonal indices; the lowest AIC."""
    x = y - indices[(np.arange(y.size) - y.size + 1) % indices.size] if indices.size else y
    level0, trend0 = initial_state(x)
    n, weights = int(observed.sum()), observed.astype(float)
    # floor the SSE so exact fits (a line, a constant) compare by their parameter counts
    floor = 1e-20 * n * (float(np.max(np.abs(x))) ** 2 + 1.0)
    best, best_aic, best_errors, best_sse = GRID[0], math.inf, x, 0.0
    for alpha, beta, phi, k in GRID:
        errors = one_step_errors(x, alpha, beta, phi, level0, trend0 if phi else 0.0)
        sse = max(float(np.dot(errors * weights, errors)), floor)
        aic = n * math.log(sse / n) + 2 * (k + max(indices.size - 1, 0))
        if aic < best_aic - 1e-9:
            best, best_aic, best_errors, best_sse = (alpha, beta, phi, k), aic, errors, sse
    alpha, beta, phi, k = best
    # the state at the end, from the last two values and errors of the error-correction form
    level = x[-1] - (1.0 - alpha) * best_errors[-1]
    previous = x[-2] - (1.0 - alpha) * best_errors[-2]
    trend = (level - previous) - (alpha - beta) * best_errors[-1] if phi else 0.0
    sigma = math.sqrt(best_sse / max(n - k - max(indices.size - 1, 0), 1))
    return _Fit(alpha, beta, phi, best_aic, sigma, float(level), float(trend), indices)


def seasonal_period(y: np.ndarray) -> int:
    """Lag of the highest autocorrelation peak within a third of the series (0 if none)."""
    x = y - np.polyval(np.polyfit(np.arange(y.size), y, 1), np.arange(y.size))
    spectrum = np.fft.rfft(x, 2 * y.size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[: y.size // 3 + 2]
    if acf[0] <= 0 or acf.size < 4:
        return 0
    inner = acf[1:-1]
    # a peak, not merely a high lag: smooth series have high but falling autocorrelation
    peaks = (inner > acf[:-2]) & (inner >= acf[2:]) & (inner > 0) & (np.arange(1, acf.size - 1) >= 2)
    return int(np.argmax(np.where(peaks, inner, -np.inf)) + 1) if peaks.any() else 0


def seasonal_indices(y: np.ndarray, period: int) -> np.ndarray:
    """Classical-decomposition indices (FPP 3.4), by phase with phase 0 at the last point."""
    n, half = y.size, period // 2
    sums = np.cumsum(np.r_[0.0, y])
    means = (sums[period:] - sums[:-period]) / period  # window i..i+period-1
    # an even period needs the 2 x period moving average to centre on a sample
    trend = means if period % 2 else (means[:-1] + means[1:]) / 2
    centre = np.arange(half, half + trend.size)
    phase = (centre - n + 1) % period
    indices = np.bincount(phase, y[centre] - trend, period) / np.bincount(phase, minlength=period)
    return indices - indices.mean()


def choose(y: np.ndarray, observed: np.ndarray) -> _Fit:
    """The ETS fit, or its seasonal variant when that has the lower AIC."""
    plain = fit(y, observed, np.empty(0))
    period = seasonal_period(y)
    if period < 2 or 3 * period > y.size:
        return plain
    seasonal = fit(y, observed, seasonal_indices(y, period))
    return seasonal if seasonal.aic < plain.aic else plain


def trend_sums(phi: float, steps: np.ndarray) -> np.ndarray:
    """phi + phi^2 + ... + phi^h for each h in steps (h when phi is 1, 0 when phi is 0)."""
    if phi == 1.0:
        return steps.astype(float)
    return phi * (1.0 - phi ** steps) / (1.0 - phi)


def variance_factors(model: _Fit, horizon: int) -> np.ndarray:
    """h-step error variance over the one-step variance, h = 1..horizon (Hyndman et al. 2008)."""
    c = model.alpha + model.beta * trend_sums(model.phi, np.arange(1, horizon))
    return 1.0 + np.r_[0.0, np.cumsum(c ** 2)]


def describe(model: _Fit, step: float) -> str:
    """ETS label with parameters and the seasonal cycle, e.g. 'ETS(A,N,N) alpha=0.2'."""
    kind = "N" if model.phi == 0.0 else "A" if model.phi == 1.0 else "Ad"
    text = f"ETS(A,{kind},N) alpha={model.alpha:g}"
    text += f" beta={model.beta:.3g} phi={model.phi:g}" if model.phi else ""
    return text + (f" + period {model.indices.size * step:g} s" if model.indices.size else "")


def forecast(timestamps: np.ndarray, values: np.ndarray, *, horizon_s: float,
             step_s: float | None = None, level: float = 0.9, metric: str = "") -> Forecast | None:
    """ETS forecast, trend and season chosen by AIC (Hyndman et al. 2002); None below POINTS_NEEDED."""
    t, y = clean(timestamps, values)
    if t.size < POINTS_NEEDED:
        return None
    grid, y, observed, step = regular_grid(t, y, step_s)
    model = choose(y, observed)
    steps = np.arange(1, max(1, math.ceil(horizon_s / step)) + 1)
    mean = model.level + model.trend * trend_sums(model.phi, steps)
    if model.indices.size:
        mean = mean + model.indices[steps % model.indices.size]
    half = norm.ppf(0.5 + level / 2) * model.sigma * np.sqrt(variance_factors(model, steps.size))
    return Forecast(metric=metric, timestamps=grid[-1] + step * steps, mean=mean,
                    lower=mean - half, upper=mean + half, level=level,
                    method=describe(model, step), fitted_on=int(t.size), step_s=step,
                    anchor=model.level, slope=model.trend / step, damping=model.phi,
                    sigma=model.sigma, period_s=model.indices.size * step or None)


# time_to_threshold's keyword `forecast` shadows the function inside it
_forecast = forecast


def crossing_steps(distance: float, trend: float, phi: float) -> float | None:
    """Steps until level + trend * (phi + ... + phi^k) has moved by distance; None if never."""
    if trend == 0.0 or phi == 0.0 or distance / trend <= 0.0:
        return None
    ratio = distance / trend
    if phi == 1.0:
        return ratio
    # a damped path stops at trend * phi / (1 - phi); inside that, invert the geometric sum
    inner = 1.0 - ratio * (1.0 - phi) / phi
    return math.log(inner) / math.log(phi) if inner > 0.0 else None


def format_duration(seconds: float) -> str:
    """Rounded human duration: '45 s', '12 min', '3.5 h'."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h".replace(".0 h", " h")


def time_to_threshold(timestamps: np.ndarray, values: np.ndarray, *, threshold: float,
                      forecast: Forecast | None = None, label: str = "", unit: str = "",
                      max_horizon_s: float = 86_400.0) -> ThresholdEta | None:
    """Seconds until the fitted level and (damped) trend cross threshold; None below POINTS_NEEDED."""
    fc = forecast if forecast is not None else _forecast(timestamps, values, horizon_s=0.0)
    if fc is None:
        return None
    name = label or fc.metric or "value"
    target = f"{threshold:g}{unit}" if unit[:1] in ("", "%", "°") else f"{threshold:g} {unit}"
    distance = threshold - fc.anchor
    direction = "up" if distance > 0 else "down"
    if distance == 0.0:
        return ThresholdEta(fc.metric, threshold, direction, 0.0, f"{name} is at {target}")
    steps = crossing_steps(distance, fc.slope * fc.step_s, fc.damping)
    if steps is None or steps * fc.step_s > max_horizon_s:
        message = (f"{name} does not reach {target} within {format_duration(max_horizon_s)}"
                   " at the current trend")
        return ThresholdEta(fc.metric, threshold, direction, None, message)
    seconds = steps * fc.step_s
    message = f"{name} reaches {target} in about {format_duration(seconds)}"
    return ThresholdEta(fc.metric, threshold, direction, seconds, message)
