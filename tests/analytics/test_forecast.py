"""forecast and time_to_threshold on literal series with known answers."""

import json
import time

import numpy as np
import pytest

from drm_dashboard.analytics.forecast import (
    POINTS_NEEDED,
    forecast,
    format_duration,
    linear_trend,
    one_step_errors,
    time_to_threshold,
    usable_points,
)


def test_a_straight_line_is_forecast_on_the_line_with_a_narrow_interval():
    t = 1_700_000_000.0 + np.arange(120) * 10.0
    values = 20.0 + 0.05 * (t - t[0])
    fc = forecast(t, values, horizon_s=300, metric="cpu_utilization")
    assert fc.method.startswith("ETS(A,A,N)") and fc.damping == 1.0
    np.testing.assert_allclose(fc.timestamps, t[-1] + 10.0 * np.arange(1, 31))
    np.testing.assert_allclose(fc.mean, 20.0 + 0.05 * (fc.timestamps - t[0]), atol=1e-6)
    assert np.all(fc.upper - fc.lower < 1e-3) and np.all(fc.lower <= fc.mean)
    assert fc.slope == pytest.approx(0.05) and fc.fitted_on == 120


def test_a_flat_noisy_series_gets_a_flat_forecast_whose_interval_covers_about_level():
    rng = np.random.default_rng(7)
    t = np.arange(720) * 5.0
    fc = forecast(t, rng.normal(50.0, 2.0, 720), horizon_s=600, level=0.9)
    assert fc.method.startswith("ETS(A,N,N)") and fc.period_s is None
    assert np.ptp(fc.mean) == 0.0 and abs(fc.mean[0] - 50.0) < 0.6
    # new noise at every step of the horizon, 200 times over
    fresh = rng.normal(50.0, 2.0, (200, fc.mean.size))
    covered = np.mean((fresh >= fc.lower) & (fresh <= fc.upper))
    assert 0.85 <= covered <= 0.97
    assert np.all(np.diff(fc.upper - fc.lower) >= 0)  # wider further out


def test_a_constant_series_gives_a_flat_forecast_with_no_width():
    fc = forecast(np.arange(30.0), np.full(30, 42.0), horizon_s=5)
    np.testing.assert_allclose(fc.mean, 42.0)
    np.testing.assert_allclose(fc.upper - fc.lower, 0.0, atol=1e-6)


def test_a_periodic_series_is_forecast_with_its_cycle():
    rng = np.random.default_rng(3)
    t = np.arange(600) * 5.0
    spikes = np.where(np.arange(600) % 12 == 0, 40.0, 0.0)
    fc = forecast(t, 30.0 + spikes + rng.normal(0, 0.5, 600), horizon_s=120)
    assert fc.period_s == 60.0 and "period 60 s" in fc.method
    # the sample at index 600 (step 1) and 612 (step 13) are spikes, the rest are not
    assert [i for i, v in enumerate(fc.mean) if v > 50] == [0, 12]


def test_nan_gaps_and_irregular_sampling_are_handled():
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.uniform(4.0, 6.0, 300))
    values = 10.0 + 0.1 * t
    values[100:140] = np.nan
    t[5] = np.nan
    fc = forecast(t, values, horizon_s=60)
    assert fc.fitted_on == 259 and 4.5 < fc.step_s < 5.5
    np.testing.assert_allclose(fc.mean, 10.0 + 0.1 * fc.timestamps, rtol=1e-3)


def test_out_of_order_and_repeated_stamps_keep_the_latest_value():
    t = np.r_[np.arange(20.0), 19.0, 5.0]
    values = np.r_[np.full(20, 1.0), 1.0, 1.0]
    assert usable_points(t, values) == 20
    assert forecast(t[::-1], values[::-1], horizon_s=3).mean.size == 3


def test_too_few_points_give_none_and_a_count():
    t = np.arange(POINTS_NEEDED - 1, dtype=float)
    assert forecast(t, t, horizon_s=10) is None
    assert time_to_threshold(t, t, threshold=100.0) is None
    assert forecast(np.array([]), np.array([]), horizon_s=10) is None
    with_nan = np.r_[t, np.nan, np.nan]
    assert usable_points(np.arange(with_nan.size), with_nan) == POINTS_NEEDED - 1


def test_line_of_one_per_minute_from_60_reaches_80_in_20_minutes():
    t = np.arange(0.0, 3600.0, 10.0)
    values = 60.0 - (t[-1] - t) / 60.0  # slope 1 per minute, 60 at the last sample
    eta = time_to_threshold(t, values, threshold=80.0, label="CPU", unit="%")
    assert eta.crossing and eta.direction == "up"
    assert eta.seconds == pytest.approx(1200.0, rel=1e-6)
    assert eta.message == "CPU reaches 80% in about 20 min"


def test_a_falling_series_crosses_a_threshold_below_it():
    t = np.arange(0.0, 600.0, 5.0)
    values = 4000.0 - 2.0 * t  # MB free, 2 MB/s down
    fc = forecast(t, values, horizon_s=60, metric="memory_free")
    eta = time_to_threshold(t, values, threshold=1000.0, forecast=fc, unit="MB")
    assert eta.direction == "down" and eta.seconds == pytest.approx((2810.0 - 1000.0) / 2.0)
    assert eta.message == "memory_free reaches 1000 MB in about 15 min"


def test_a_series_moving_away_from_the_threshold_does_not_cross():
    t = np.arange(0.0, 3600.0, 10.0)
    eta = time_to_threshold(t, 70.0 - t / 600.0, threshold=80.0, label="CPU", unit="%")
    assert not eta.crossing and eta.seconds is None
    assert (eta.state, eta.direction) == ("away", "up")
    assert eta.message == "CPU is moving away from 80%"
    assert json.loads(json.dumps(eta.to_dict()))["state"] == "away"


def test_a_flat_series_has_no_trend_and_a_slow_one_is_past_the_horizon():
    t = np.arange(0.0, 600.0, 5.0)
    flat = time_to_threshold(t, np.full(t.size, 50.0), threshold=80.0, label="GPU", unit="%")
    assert flat.state == "no_trend" and flat.message == "GPU has no clear trend toward 80%"
    slow = 50.0 + t / 3600.0  # +1 per hour: 80 is 30 h away
    beyond = time_to_threshold(t, slow, threshold=80.0, label="GPU", unit="%")
    assert beyond.state == "beyond"
    assert beyond.message == "GPU does not reach 80% within 24 h at the current trend"
    later = time_to_threshold(t, slow, threshold=80.0, max_horizon_s=40 * 3600)
    assert later.crossing and later.seconds == pytest.approx(30 * 3600 - 595.0)


def test_noise_gives_no_eta_but_a_noisy_ramp_does():
    rng = np.random.default_rng(2)
    t = np.arange(720) * 5.0
    noise = [time_to_threshold(t, rng.normal(60.0, 5.0, t.size), threshold=80.0).state
             for _ in range(30)]
    assert set(noise) == {"no_trend"}
    ramp = 60.0 - (t[-1] - t) / 60.0 + rng.normal(0.0, 2.0, t.size)  # +1 per minute
    assert 17 * 60 < time_to_threshold(t, ramp, threshold=80.0).seconds < 23 * 60


def test_the_trend_test_discounts_autocorrelated_noise():
    rng = np.random.default_rng(5)
    t = np.arange(500.0)
    walk = np.cumsum(rng.normal(0.0, 1.0, t.size))
    white = rng.normal(0.0, 1.0, t.size) + 0.01 * t
    assert linear_trend(t, white)[0] == pytest.approx(0.01, abs=0.003)
    assert linear_trend(t, white)[1] > 3.0 > abs(linear_trend(t, walk)[1])
    assert linear_trend(t, 2.0 + 0.5 * t) == (pytest.approx(0.5), np.inf)


def test_one_step_errors_match_the_error_correction_recursion():
    y = np.array([3.0, 4.0, 2.0, 5.0, 6.0, 5.5])
    alpha, beta, phi, level, trend = 0.4, 0.1, 0.9, 2.5, 0.3
    expected = []
    for value in y:
        error = value - (level + phi * trend)
        level, trend = level + phi * trend + alpha * error, phi * trend + beta * error
        expected.append(error)
    np.testing.assert_allclose(one_step_errors(y, alpha, beta, phi, 2.5, 0.3), expected)


def test_durations_read_naturally():
    assert [format_duration(s) for s in (0.2, 45, 720, 5400, 9000)] == [
        "1 s", "45 s", "12 min", "1.5 h", "2.5 h"]
    assert format_duration(7200) == "2 h"


def test_to_dict_is_json_ready():
    fc = forecast(np.arange(40.0), np.arange(40.0) % 7, horizon_s=4, metric="queue_wait_ms")
    doc = json.loads(json.dumps(fc.to_dict()))
    assert doc["metric"] == "queue_wait_ms" and len(doc["mean"]) == 4 and doc["level"] == 0.9


def test_720_points_take_a_few_milliseconds():
    rng = np.random.default_rng(0)
    t = np.arange(720) * 5.0
    values = 50 + np.cumsum(rng.normal(0, 0.2, 720))
    forecast(t, values, horizon_s=600)
    started = time.thread_time()  # this thread's CPU: a loaded machine's other processes do not count
    for _ in range(10):
        forecast(t, values, horizon_s=600)
    assert (time.thread_time() - started) / 10 < 0.05  # ~2 ms idle
