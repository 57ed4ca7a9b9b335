"""Detection benchmark: `python -m drm_dashboard.evaluation.detection --data-root DIR --out DIR`.

Runs the TCPD track (offline, F1 margin 5 and covering; van den Burg & Williams 2020) and the
NAB track (OnlineDetector row by row; Lavin & Ahmad 2015) with the one default DetectorConfig,
checks the scorers against the published numbers shipped with the data, and writes
per_series.csv and summary.json (scores, finding calibration, runtime in seconds). With
`--cross-validate` it also runs `crossval` (k-fold across series, `--folds`, default 3; 0 for
leave-one-series-out) and adds its out-of-fold figures under the `crossval` key (with the
leave-one-series-out figures under `crossval.loso`), beside the in-sample ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from drm_dashboard.analytics.changepoint import DetectorConfig
from drm_dashboard.evaluation.calibration import calibration_summary
from drm_dashboard.evaluation.crossval import FOLDS, crossvalidate
from drm_dashboard.evaluation.forecast_backtest import backtest
from drm_dashboard.evaluation.nab import run_nab
from drm_dashboard.evaluation.reference import check_numenta, check_tcpd_zero
from drm_dashboard.evaluation.results import write_results
from drm_dashboard.evaluation.tcpd import run_tcpd


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    parser = argparse.ArgumentParser(prog="python -m drm_dashboard.evaluation.detection",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, required=True,
                        help="folder holding tcpd/ and nab/ in the benchdata layout")
    parser.add_argument("--out", type=Path, required=True, help="folder for the result files")
    parser.add_argument("--cross-validate", action="store_true",
                        help="also cross-validate the settings across series (a few minutes)")
    parser.add_argument("--folds", type=int, default=FOLDS, help="folds of --cross-validate (0: leave-one-series-out)")
    return parser.parse_args(argv)


def run_tracks(root: Path, config: DetectorConfig) -> tuple[list[dict], dict]:
    """Run whichever tracks the data root holds; per-series rows and the summary."""
    rows: list[dict] = []
    pairs: list = []  # (finding, true change) outcomes of the online (NAB) track: the product's
    offline: list = []  # every offline candidate's outcome (TCPD), a statistic of its own
    summary: dict = {"tcpd": {"f1": None, "cover": None, "series": 0}, "nab": {}}
    if (root / "tcpd" / "datasets").is_dir():
        tcpd_rows, summary["tcpd"], offline = run_tcpd(root / "tcpd", config)
        rows += tcpd_rows
        summary["tcpd"]["zero_check"] = check_tcpd_zero(root / "tcpd")
    if (root / "nab" / "data").is_dir():
        nab_rows, summary["nab"], nab_pairs = run_nab(root / "nab", config)
        rows += nab_rows
        pairs += nab_pairs
        summary["nab"]["numenta_check"] = check_numenta(root / "nab")
        # the forecasts' rolling-origin backtest runs on the same NAB series
        summary["forecast"] = backtest(root)["summary"]
    summary["confidence"] = calibration_summary([(f.confidence, hit) for f, hit in pairs])
    summary["offline_confidence"] = calibration_summary([(f.confidence, hit) for f, hit in offline])
    summary["config"] = asdict(config)
    return rows, summary


def report(summary: dict) -> str:
    """A short human summary for the terminal."""
    lines = [f"TCPD  f1 {summary['tcpd']['f1']}  cover {summary['tcpd']['cover']}"
             f"  ({summary['tcpd']['series']} series)"]
    if summary["tcpd"].get("zero_check"):
        lines.append(f"TCPD  scorer vs published 'zero': {summary['tcpd']['zero_check']}")
    for group, scores in summary["nab"].items():
        if group not in ("threshold", "numenta_check"):
            lines.append(f"NAB   {group}: " + ", ".join(f"{p} {v:.2f}" for p, v in scores.items()))
    if summary["nab"].get("numenta_check"):
        lines.append(f"NAB   scorer vs published Numenta: {summary['nab']['numenta_check']}")
    conf = summary["confidence"]
    lines.append(f"conf  terciles {conf['precision_by_tercile']}  brier {conf['brier']}"
                 f"  constant {conf['brier_constant']}  ({conf['findings']} findings)")
    cv = summary.get("crossval")
    if cv:
        lines.append("CV    " + ", ".join(f"{m} {v['mean']:.3f} (sd {v['sd']:.3f})"
                                          for m, v in cv["scores"].items()))
        oof = cv["confidence_oof"]
        lines.append(f"CV    confidence terciles {oof['precision_by_tercile']}  brier {oof['brier']}"
                     f"  constant {oof['brier_constant']}; chosen {cv['chosen']}"
                     f"  (defaults match: {cv['defaults_match']})")
    lines.append(f"time  {summary['runtime_s']:.1f} s")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write per_series.csv and summary.json under --out."""
    args = parse_args(argv)
    if not args.data_root.is_dir():
        print(f"error: data root {args.data_root} is not a folder", file=sys.stderr)
        return 2
    if args.folds < 2 and args.folds != 0:
        print(f"error: --folds must be 0 (leave-one-series-out) or at least 2, got {args.folds}",
              file=sys.stderr)
        return 2
    root = args.data_root
    if args.cross_validate and not ((root / "tcpd" / "datasets").is_dir() and (root / "nab" / "data").is_dir()):
        print(f"error: --cross-validate needs both tcpd/ and nab/ under {root}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    rows, summary = run_tracks(root, DetectorConfig())
    summary["runtime_s"] = time.perf_counter() - started
    if args.cross_validate:
        started = time.perf_counter()
        summary["crossval"] = crossvalidate(root, DetectorConfig(), args.folds)
        summary["crossval"]["runtime_s"] = time.perf_counter() - started
    write_results(args.out, rows, "per_series.csv", summary, "summary.json")
    print(report(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
