"""The rolling-origin forecast backtest: MASE by hand, and the CLI on a synthetic NAB root."""

import csv
import json
from datetime import datetime, timedelta

import numpy as np
import pytest

from drm_dashboard.evaluation.forecast_backtest import (
    backtest,
    evaluate_origin,
    main,
    origins_of,
    season_of,
    snaive_forecast,
    snaive_scale,
)


def write_nab_file(path, values, minutes):
    path.parent.mkdir(parents=True, exist_ok=True)
    start = datetime(2014, 4, 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        for i, value in enumerate(values):
            stamp = start + timedelta(minutes=minutes * i)
            writer.writerow([stamp.strftime("%Y-%m-%d %H:%M:%S"), f"{value:.4f}"])


def make_root(root):
    """Two groups: a noisy random walk at 5 min, a daily cycle at 1 h, a short and a flat file."""
    rng = np.random.default_rng(0)
    data = root / "nab" / "data"
    walk = 50 + np.cumsum(rng.normal(0, 1, 700)) + rng.normal(0, 1, 700)
    write_nab_file(data / "realAWSCloudwatch" / "walk.csv", walk, 5)
    write_nab_file(data / "realAWSCloudwatch" / "flat.csv", np.full(700, 3.0), 5)
    hours = np.arange(24 * 12)
    daily = 100 + 30 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 2, hours.size)
    write_nab_file(data / "realKnownCause" / "daily.csv", daily, 60)
    write_nab_file(data / "realKnownCause" / "short.csv", 10 + rng.normal(0, 1, 50), 60)
    # another group is not part of the backtest
    write_nab_file(data / "artificialNoAnomaly" / "other.csv", np.arange(50.0), 5)


def test_mase_parts_on_a_hand_checked_case():
    train = np.array([1.0, 2.0, 4.0, 7.0, 5.0])
    assert snaive_scale(train, 1) == pytest.approx((1 + 2 + 3 + 2) / 4)
    assert snaive_scale(train, 2) == pytest.approx((3 + 5 + 1) / 3)
    np.testing.assert_array_equal(snaive_forecast(train, 2, 3), [7.0, 5.0, 7.0])
    np.testing.assert_array_equal(snaive_forecast(train, 1, 2), [5.0, 5.0])


def test_mase_of_a_line_is_zero_and_naive_lags_by_the_step():
    # on 0, 1, 2, ... the one-step naive error is 1, so the scale is 1 and naive's MASE over
    # 4 steps is (1 + 2 + 3 + 4) / 4; the forecast follows the line exactly
    values = np.arange(60.0)
    result = evaluate_origin(values, 50, season=1, horizon=4, step_s=300.0, level=0.9,
                             history=720)
    assert result["mase_naive"] == pytest.approx(2.5)
    assert result["mase_snaive"] == pytest.approx(2.5)
    assert result["mase"] == pytest.approx(0.0, abs=1e-6)
    assert evaluate_origin(np.full(60, 3.0), 50, season=1, horizon=4, step_s=300.0, level=0.9,
                           history=720) is None


def test_season_is_a_day_unless_the_series_is_shorter_than_two():
    assert season_of(700, 300.0, 12) == 288 and season_of(587, 300.0, 12) == 1
    assert season_of(100, 3600.0, 12) == 24
    origins = origins_of(700, 288, 12, 5)
    assert origins[0] == 576 and origins[-1] == 688 and origins.size == 5


def test_backtest_reports_mase_and_coverage_per_folder(tmp_path):
    make_root(tmp_path)
    result = backtest(tmp_path, horizon=6, origins=15)
    rows = {r["series"]: r for r in result["series"]}
    assert set(rows) == {"walk.csv", "flat.csv", "daily.csv", "short.csv"}
    assert rows["walk.csv"]["season"] == 288 and rows["daily.csv"]["season"] == 24
    assert rows["short.csv"]["season"] == 1 and rows["flat.csv"]["origins"] == 0
    # a random walk defeats yesterday's value; a daily cycle is found once 3 days are seen
    assert rows["walk.csv"]["mase"] < rows["walk.csv"]["mase_snaive"]
    assert rows["daily.csv"]["seasonal"] > 0.5
    assert rows["daily.csv"]["mase"] < rows["daily.csv"]["mase_naive"] / 3
    summary = result["summary"]
    assert summary["realAWSCloudwatch"]["series"] == 1 and summary["all"]["series"] == 3
    assert summary["all"]["mase_mean"] < 1.0
    assert summary["all"]["mase_median"] == pytest.approx(
        np.median([rows[s]["mase"] for s in ("walk.csv", "daily.csv", "short.csv")]))
    assert 0.6 <= summary["all"]["coverage"] <= 1.0


def test_cli_writes_rows_and_summary(tmp_path):
    make_root(tmp_path / "data")
    assert main(["--data-root", str(tmp_path / "data"), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads((tmp_path / "out" / "forecast_summary.json").read_text())
    assert set(summary) >= {"realAWSCloudwatch", "realKnownCause", "all", "config", "runtime_s"}
    assert summary["config"]["horizon_steps"] == 12
    with (tmp_path / "out" / "forecast_per_series.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4 and {"mase", "mase_snaive", "coverage"} <= set(rows[0])
    # the NAB folder itself is accepted as the data root too
    assert main(["--data-root", str(tmp_path / "data" / "nab"), "--out", str(tmp_path / "o2")]) == 0


def test_cli_rejects_a_root_without_nab_data(tmp_path):
    assert main(["--data-root", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
