"""Regression-detection benchmark (TCPD and NAB) and its figures in docs/PERFORMANCE.md.

Runs `python -m drm_dashboard.bench.detection` on a data root with the benchdata layout and writes
its summary beside the published numbers. Usage:
    python bench/bench_detection.py --data-root ../shared/benchdata [--out DIR] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, table, write_section  # noqa: E402

from drm_dashboard.bench import detection  # noqa: E402

def _forecast_rows(f: dict | None) -> list[list[str]]:
    if not f:
        return []
    return [[f"forecast MASE vs seasonal-naive, {name} ({row['series']} series)",
             f"{row['mase_mean']:.3f} (median {row['mase_median']:.3f}; interval coverage "
             f"{row['coverage']:.3f} at 0.9)", "< 1",
             f"seasonal-naive {row['mase_snaive_mean']:.3f}, naive {row['mase_naive_mean']:.3f}"]
            for name, row in f.items() if name != "config"]


def _body(s: dict) -> str:
    t, nab, conf = s["tcpd"], s["nab"], s["confidence"]
    aws, known = nab["realAWSCloudwatch"], nab["realKnownCause"]
    rows = [
        ["TCPD F1 (margin 5)", f"{t['f1']:.3f}", ">= 0.70", "binseg default 0.698"],
        ["TCPD covering", f"{t['cover']:.3f}", ">= 0.68", "amoc default 0.677"],
        ["NAB realAWSCloudwatch, standard", f"{aws['standard']:.1f}", ">= 55",
         "Windowed Gaussian 49.1, Random Cut Forest 61.0"],
        ["NAB realAWSCloudwatch, low FP / low FN", f"{aws['reward_low_FP_rate']:.1f} / "
         f"{aws['reward_low_FN_rate']:.1f}", "", ""],
        ["NAB realKnownCause, standard / low FP / low FN", f"{known['standard']:.1f} / "
         f"{known['reward_low_FP_rate']:.1f} / {known['reward_low_FN_rate']:.1f}", "", ""],
        ["confidence: precision by tercile", " / ".join(f"{p:.3f}" for p in conf["precision_by_tercile"]),
         "not falling", ""],
        *_forecast_rows(s.get("forecast")),
        ["confidence: Brier vs constant", f"{conf['brier']:.4f} vs {conf['brier_constant']:.4f}",
         "below constant", f"{conf['findings']} findings, base rate {conf['base_rate']:.2f}"],
    ]
    return "\n".join([
        "## Regression detection and forecasts (`python bench/bench_detection.py --data-root DIR`)", "",
        f"{machine()}. One fixed configuration for every series ({json.dumps(s['config'])}); "
        f"{t['series']} scored TCPD series; NAB rows fed one at a time through the dashboard's "
        f"`OnlineDetector`; runtime {s['runtime_s']:.0f} s.", "",
        table(["measure", "ours", "target", "published"], rows), "",
        f"Scorer checks: TCPD scorer reproduces the published `zero` scores (max diff "
        f"{t['zero_check']['max_abs_diff']:.1g} over {t['zero_check']['compared']}); NAB scorer "
        f"re-scores Numenta's published detections to max diff "
        f"{nab['numenta_check']['max_abs_diff']:.1g} over {nab['numenta_check']['compared']} files.",
        "These figures are on the shared split; one third of each dataset is held out, and small sets "
        "make both noisy.",
    ])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-root", required=True, type=Path)
    p.add_argument("--out", type=Path, help="where summary.json and per_series.csv go (default: a temp dir)")
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    args = p.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="drm-detection-"))
    status = detection.main(["--data-root", str(args.data_root), "--out", str(out)])
    if status:
        return status
    body = _body(json.loads((out / "summary.json").read_text()))
    print(body)
    if not args.no_write:
        write_section("detection", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
