"""Short-horizon forecasts with prediction intervals, and the time left until a threshold.

Exponential smoothing in state-space form (Hyndman, Koehler, Snyder & Grose 2002; Hyndman &
Athanasopoulos, "Forecasting: Principles and Practice" (FPP), ch. 8): simple, Holt's linear and
Gardner & McKenzie's (1985) damped trend, fitted by least squares on one fixed grid, lowest AIC
kept; each is an ARIMA filter, so one banded solve gives its one-step errors. Periodic load is
forecast with decomposition (FPP 5.7): the highest autocorrelation peak proposes a period, kept if
the AIC, charged period - 1 parameters, improves. Intervals: Gaussian, state-space h-step variance
(Hyndman et al. 2008, ch. 6). Samples go on a grid of the median step; gaps are bridged linearly,
only real samples count in the fit. The time to a threshold moves the smoothed level at the OLS
slope (as Prometheus' predict_linear) if that is clear: |t| >= 3, AR(1)-inflated (Wilks 2011).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from itertools import product
from statistics import NormalDist
from typing import Any

import numpy as np
from scipy.linalg.lapack import dtbtrs

POINTS_NEEDED = 10  # finite samples before a forecast is made; the UI says "N of M points"
TREND_T = 3.0  # |t| of the OLS slope below which a series has no clear trend for an ETA
MAX_GRID = 20_000  # most regular-grid points a fit runs over; longer spans get a coarser step
ALPHAS = (0.05, 0.1, 0.2, 0.35, 0.6, 1.0)
BETA_SHARES = (0.05, 0.3)  # beta as a share of alpha, which keeps beta <= alpha
PHIS = (0.8, 0.95, 1.0)  # 1.0 is Holt's undamped trend
# (alpha, beta, phi, parameters incl. initial states); no-trend first so exact ties stay simple
GRID = tuple((a, 0.0, 0.0, 2) for a in ALPHAS) + tuple(
    (a, a * s, p, 4 if p == 1.0 else 5) for a, s, p in product(ALPHAS, BETA_SHARES, PHIS))
MESSAGES = {"crossing": "{name} reaches {target} in about {eta}", "at": "{name} is at {target}",
            "no_trend": "{name} has no clear trend toward {target}",
            "away": "{name} is moving away from {target}",
            "beyond": "{name} does not reach {target} within {horizon} at the current trend"}


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
        """Plain JSON-ready dict; arrays become lists."""
        return {k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in vars(self).items()}


@dataclass(frozen=True)
class ThresholdEta:
    """When a series crosses a threshold at its current trend; seconds None when it does not."""

    metric: str
    threshold: float
    direction: str  # "up" when the level is below the threshold, "down" when above
    state: str  # crossing, at, no_trend, away, or beyond (not within max_horizon_s)
    seconds: float | None  # from the last sample; None unless crossing (or 0 when at)
    message: str  # "CPU reaches 80% in about 12 min"

    @property
    def crossing(self) -> bool:
        """True when the current trend reaches the threshold within the horizon."""
        return self.state == "crossing"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


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
    t, y = np.asarray(timestamps, dtype=float), np.asarray(values, dtype=float)
    keep = np.isfinite(t) & np.isfinite(y)
    order = np.argsort(t[keep], kind="stable")
    t, y = t[keep][order], y[keep][order]
    last = np.r_[np.diff(t) > 0, True][: t.size]  # the latest wins, as with a retried scrape
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
    # the filter's state for a virtual past of values (level0 - trend0, level0) with zero errors,
    # which leaves exactly the state (level0, trend0)
    zi = np.array([num[1] * level0 + num[2] * (level0 - trend0), num[2] * level0])
    return filtered(num, den, y, zi)


def filtered(num: np.ndarray, den: np.ndarray, y: np.ndarray, zi: np.ndarray) -> np.ndarray:
    """scipy.signal.lfilter(num, den, y, zi=zi)[0] for three-term num and den (den[0] == 1)."""
    # the filter is the banded unit lower-triangular system den * out = num * y (+ zi in the first
    # two rows), solved by LAPACK's dtbtrs as fast as lfilter; scipy.signal would import
    # scipy.stats with it (60 MB of a process whose budget is 250 MB), scipy.linalg costs 18 MB
    n = y.size
    rhs = np.convolve(num, y)[:n]
    rhs[: min(2, n)] += zi[: min(2, n)]
    bands = np.empty((3, n))
    bands[0], bands[1], bands[2] = 1.0, den[1], den[2]
    out, _ = dtbtrs(bands, rhs[:, None], uplo="L", diag="U")  # info is 0: a unit diagonal never fails
    return out[:, 0]


def initial_state(y: np.ndarray) -> tuple[float, float]:
    """State one step before the first point, from a straight line through the first ten."""
    slope, intercept = np.polyfit(np.arange(min(y.size, 10)), y[:10], 1)
    return float(intercept - slope), float(slope)


def fit(y: np.ndarray, observed: np.ndarray, indices: np.ndarray) -> _Fit:
    """Least-squares fit of every grid model to y less its seasonal indices; the lowest AIC."""
    x = y - indices[(np.arange(y.size) - y.size + 1) % indices.size] if indices.size else y
    extra = max(indices.size - 1, 0)  # the indices are parameters too, summing to zero
    (alpha, beta, phi, k), aic, errors, sse = best_model(x, observed, extra)
    # the state at the end, from the last two values and errors of the error-correction form
    level = x[-1] - (1.0 - alpha) * errors[-1]
    previous = x[-2] - (1.0 - alpha) * errors[-2]
    trend = (level - previous) - (alpha - beta) * errors[-1] if phi else 0.0
    sigma = math.sqrt(sse / max(int(observed.sum()) - k - extra, 1))
    return _Fit(alpha, beta, phi, aic, sigma, float(level), float(trend), indices)


def best_model(x: np.ndarray, observed: np.ndarray, extra: int) -> tuple:
    """The grid model with the lowest AIC on the observed points: model, AIC, errors, SSE."""
    level0, trend0 = initial_state(x)
    n, weights = int(observed.sum()), observed.astype(float)
    # floor the SSE so exact fits (a line, a constant) compare by their parameter counts
    floor = 1e-20 * n * (float(np.max(np.abs(x))) ** 2 + 1.0)
    best: tuple = (GRID[0], math.inf, x, 0.0)
    for alpha, beta, phi, k in GRID:
        errors = one_step_errors(x, alpha, beta, phi, level0, trend0 if phi else 0.0)
        sse = max(float(np.dot(errors * weights, errors)), floor)
        aic = n * math.log(sse / n) + 2 * (k + extra)
        if aic < best[1] - 1e-9:
            best = ((alpha, beta, phi, k), aic, errors, sse)
    return best


def seasonal_period(y: np.ndarray) -> int:
    """Lag of the highest autocorrelation peak within a third of the series (0 if none)."""
    x = y - np.polyval(np.polyfit(np.arange(y.size), y, 1), np.arange(y.size))
    spectrum = np.fft.rfft(x, 2 * y.size)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[: y.size // 3 + 2]
    inner = acf[1:-1]  # lags 1 .. n // 3
    # a peak at lag 2 or more, not merely a high lag: smooth series have high, falling ones
    peaks = (inner > acf[:-2]) & (inner >= acf[2:]) & (inner > 0) & (np.arange(inner.size) > 0)
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


def trend_sums(phi: float, horizon: int) -> np.ndarray:
    """phi + phi^2 + ... + phi^h for h = 1..horizon (h when phi is 1, 0 when phi is 0)."""
    return np.cumsum(phi ** np.arange(1.0, horizon + 1))


def variance_factors(model: _Fit, horizon: int) -> np.ndarray:
    """h-step error variance over the one-step variance, h = 1..horizon (Hyndman et al. 2008)."""
    # c_j = alpha + beta (phi + ... + phi^j): the weight of the error j steps back
    c = model.alpha + model.beta * trend_sums(model.phi, horizon - 1)
    return 1.0 + np.r_[0.0, np.cumsum(c ** 2)]


def describe(model: _Fit, step: float) -> str:
    """ETS label with parameters and the seasonal cycle, e.g. 'ETS(A,N,N) alpha=0.2'."""
    kind = {0.0: "N", 1.0: "A"}.get(model.phi, "Ad")
    trend = f" beta={model.beta:.3g} phi={model.phi:g}" if model.phi else ""
    season = f" + period {model.indices.size * step:g} s" if model.indices.size else ""
    return f"ETS(A,{kind},N) alpha={model.alpha:g}{trend}{season}"


def forecast(timestamps: np.ndarray, values: np.ndarray, *, horizon_s: float,
             step_s: float | None = None, level: float = 0.9, metric: str = "") -> Forecast | None:
    """ETS forecast, trend and season by AIC (Hyndman et al. 2002); None below POINTS_NEEDED."""
    if not 0.0 < level < 1.0:
        raise ValueError(f"interval level must be between 0 and 1, got {level}")
    t, y = clean(timestamps, values)
    if t.size < POINTS_NEEDED:
        return None
    grid, y, observed, step = regular_grid(t, y, step_s)
    if grid.size < POINTS_NEEDED:
        return None  # a step_s wider than the samples' spacing leaves too few grid points
    model = choose(y, observed)
    steps = np.arange(1, max(1, math.ceil(horizon_s / step)) + 1)
    mean = model.level + model.trend * trend_sums(model.phi, steps.size)
    if model.indices.size:
        mean = mean + model.indices[steps % model.indices.size]
    half = NormalDist().inv_cdf(0.5 + level / 2) * model.sigma * np.sqrt(variance_factors(model, steps.size))
    return Forecast(metric=metric, timestamps=grid[-1] + step * steps, mean=mean,
                    lower=mean - half, upper=mean + half, level=level,
                    method=describe(model, step), fitted_on=int(t.size), step_s=step,
                    anchor=model.level, slope=model.trend / step, damping=model.phi,
                    sigma=model.sigma, period_s=model.indices.size * step or None)


_forecast = forecast  # time_to_threshold's keyword `forecast` hides the function inside it


def linear_trend(t: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """OLS slope (units/s) and its t statistic, the variance inflated for AR(1) residuals."""
    tc = t - t.mean()
    slope = float(tc @ y / (tc @ tc))
    resid = y - y.mean() - slope * tc
    rss = float(resid @ resid)
    if rss <= 1e-20 * float(y @ y) or t.size < 3:
        return slope, math.inf if slope else 0.0
    # effective sample size n (1 - rho) / (1 + rho) for lag-1 autocorrelated noise (Wilks 2011)
    rho = min(max(float(resid[1:] @ resid[:-1]) / rss, 0.0), 0.99)
    se = math.sqrt(rss / (t.size - 2) / float(tc @ tc) * (1 + rho) / (1 - rho))
    return slope, slope / se


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
    """Seconds until the smoothed level, at the OLS trend, meets threshold; None if too few."""
    fc = forecast if forecast is not None else _forecast(timestamps, values, horizon_s=0.0)
    t, y = clean(timestamps, values)
    if fc is None or t.size < POINTS_NEEDED:
        return None
    slope, t_stat = linear_trend(t, y)
    distance = threshold - fc.anchor
    seconds = distance / slope if slope else math.inf
    if distance == 0.0:
        state, seconds = "at", 0.0
    elif abs(t_stat) < TREND_T:
        state = "no_trend"
    else:
        state = "away" if seconds < 0 else "beyond" if seconds > max_horizon_s else "crossing"
    target = f"{threshold:g}{unit}" if unit[:1] in ("", "%", "°") else f"{threshold:g} {unit}"
    message = MESSAGES[state].format(name=label or fc.metric or "value", target=target,
                                     eta=format_duration(seconds) if state == "crossing" else "",
                                     horizon=format_duration(max_horizon_s))
    return ThresholdEta(metric=fc.metric, threshold=threshold,
                        direction="up" if distance > 0 else "down", state=state,
                        seconds=seconds if state in ("crossing", "at") else None, message=message)
