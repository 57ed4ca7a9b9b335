"""Forecast backtest: `python -m drm_dashboard.evaluation.forecast_backtest --data-root DIR --out DIR`.

Rolling origin (Tashman 2000) over every NAB series of the realAWSCloudwatch and realKnownCause
folders: at 100 evenly spaced origins the dashboard's `forecast`, in its one default
configuration, sees the last 720 rows before the origin (the dashboard's window) and predicts
the next 12. Accuracy is MASE (Hyndman & Koehler 2006): the forecast's mean absolute error
divided by the in-sample MAE of the one-step seasonal-naive forecast over all rows before the
origin, season = one day of rows (naive, season 1, when the series is shorter than two days plus
the horizon); MASE < 1 means smaller errors than seasonal-naive makes in-sample. Rows are taken
in file order on their median step, as NAB asks, not resampled. Also reported: the empirical
coverage of the prediction intervals and, as references, the MASE of the seasonal-naive and
naive forecasts over the same horizons. Writes forecast_per_series.csv, forecast_summary.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from drm_dashboard.analytics.forecast import POINTS_NEEDED, forecast
from drm_dashboard.evaluation.nab import epoch, read_scores_csv
from drm_dashboard.evaluation.results import write_results

GROUPS = ("realAWSCloudwatch", "realKnownCause")
DAY_S = 86_400.0


def nab_folder(data_root: Path) -> Path:
    """The folder holding data/<group>/: the NAB folder itself or the benchdata root above it."""
    return data_root / "nab" if (data_root / "nab" / "data").is_dir() else data_root


def read_series(path: Path) -> tuple[np.ndarray, float]:
    """Values in file order and the median positive step in seconds."""
    stamps, values = read_scores_csv(path, "value")
    gaps = np.diff([epoch(s) for s in stamps])
    return values, float(np.median(gaps[gaps > 0])) if (gaps > 0).any() else 1.0


def season_of(n: int, step_s: float, horizon: int) -> int:
    """Rows in one day, or 1 (naive) when the series is shorter than two days plus the horizon."""
    season = max(1, round(DAY_S / step_s))
    return season if n >= 2 * season + horizon else 1


def origins_of(n: int, season: int, horizon: int, count: int) -> np.ndarray:
    """Evenly spaced origins with two seasons (and enough points to fit) before each."""
    first = max(2 * season, 2 * POINTS_NEEDED)
    if n - horizon < first:
        return np.array([], dtype=int)
    return np.unique(np.linspace(first, n - horizon, count).round().astype(int))


def snaive_scale(train: np.ndarray, season: int) -> float:
    """In-sample MAE of the one-step seasonal-naive forecast (the MASE denominator)."""
    return float(np.mean(np.abs(train[season:] - train[:-season])))


def snaive_forecast(train: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """Seasonal-naive forecast: the value one season before each step (last value if season 1)."""
    return train[len(train) - season + np.arange(horizon) % season]


def mae(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute error, metric units."""
    return float(np.mean(np.abs(actual - predicted)))


def evaluate_origin(values: np.ndarray, origin: int, *, season: int, horizon: int, step_s: float,
                    level: float, history: int) -> dict[str, float] | None:
    """MASE of the forecast, seasonal-naive and naive, coverage and season use, at one origin."""
    train, actual = values[:origin], values[origin:origin + horizon]
    scale = snaive_scale(train, season)
    if not scale > 0:
        return None  # a constant history: every scaled error is undefined
    start = max(0, origin - history)
    stamps = np.arange(start, origin) * step_s
    fc = forecast(stamps, train[start:], horizon_s=horizon * step_s, step_s=step_s, level=level)
    if fc is None:
        return None
    snaive = snaive_forecast(train, season, horizon)
    return {"mase": mae(actual, fc.mean) / scale, "mase_snaive": mae(actual, snaive) / scale,
            "mase_naive": mae(actual, np.full(horizon, train[-1])) / scale,
            "coverage": float(np.mean((actual >= fc.lower) & (actual <= fc.upper))),
            "seasonal": float(fc.period_s is not None)}


def backtest_series(values: np.ndarray, step_s: float, *, horizon: int, origins: int,
                    level: float, history: int) -> dict[str, float | int]:
    """Mean per-origin MASE (forecast, seasonal-naive, naive) and coverage of one series."""
    season = season_of(len(values), step_s, horizon)
    results = [r for o in origins_of(len(values), season, horizon, origins)
               if (r := evaluate_origin(values, int(o), season=season, horizon=horizon,
                                        step_s=step_s, level=level, history=history))]
    keys = ("mase", "mase_snaive", "mase_naive", "coverage", "seasonal")
    means = {k: float(np.mean([r[k] for r in results])) if results else float("nan") for k in keys}
    return {"n_obs": len(values), "step_s": step_s, "season": season, "origins": len(results),
            **means}


def aggregate(rows: list[dict]) -> dict[str, float | int]:
    """Mean and median MASE, reference MASEs and mean coverage over series that were scored."""
    scored = [r for r in rows if r["origins"] > 0]
    if not scored:
        return {"series": 0}

    def column(key: str) -> np.ndarray:
        return np.array([r[key] for r in scored])
    return {"series": len(scored), "mase_mean": float(column("mase").mean()),
            "mase_median": float(np.median(column("mase"))),
            "mase_snaive_mean": float(column("mase_snaive").mean()),
            "mase_naive_mean": float(column("mase_naive").mean()),
            "coverage": float(column("coverage").mean()),
            "beats_snaive": int((column("mase") < column("mase_snaive")).sum())}


def backtest(data_root: Path, *, horizon: int = 12, origins: int = 100, level: float = 0.9,
             history: int = 720) -> dict:
    """Rolling-origin backtest of every series; {"series": rows, "summary": per folder and all}."""
    folder = nab_folder(Path(data_root)) / "data"
    rows = []
    for group in GROUPS:
        for path in sorted((folder / group).glob("*.csv")):
            values, step_s = read_series(path)
            rows.append({"group": group, "series": path.name,
                         **backtest_series(values, step_s, horizon=horizon, origins=origins,
                                           level=level, history=history)})
    summary = {group: aggregate([r for r in rows if r["group"] == group]) for group in GROUPS}
    summary["all"] = aggregate(rows)
    summary["config"] = {"horizon_steps": horizon, "origins": origins, "level": level,
                         "history_points": history}
    return {"series": rows, "summary": summary}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    parser = argparse.ArgumentParser(prog="python -m drm_dashboard.evaluation.forecast_backtest",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, required=True,
                        help="benchdata root holding nab/, or a NAB folder holding data/")
    parser.add_argument("--out", type=Path, required=True, help="folder for the result files")
    return parser.parse_args(argv)


def report(summary: dict) -> str:
    """A short human summary for the terminal."""
    lines = []
    for name, agg in summary.items():
        if isinstance(agg, dict) and agg.get("series"):
            lines.append(
                f"{name:18} MASE mean {agg['mase_mean']:.3f} median {agg['mase_median']:.3f}"
                f"  (snaive {agg['mase_snaive_mean']:.3f}, naive {agg['mase_naive_mean']:.3f})"
                f"  coverage {agg['coverage']:.3f}  {agg['series']} series")
    lines.append(f"time  {summary['runtime_s']:.1f} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the backtest; write forecast_per_series.csv and forecast_summary.json under --out."""
    args = parse_args(argv)
    if not (nab_folder(args.data_root) / "data").is_dir():
        print(f"error: no NAB data/ folder under {args.data_root}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = backtest(args.data_root)
    summary = {**result["summary"], "runtime_s": time.perf_counter() - started}
    write_results(args.out, result["series"], "forecast_per_series.csv", summary,
                  "forecast_summary.json")
    print(report(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
