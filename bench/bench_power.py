"""Power of regression alerts in the product, and its table in docs/PERFORMANCE.md.

Runs `python -m drm_dashboard.evaluation.power` (the demo on a fake clock through the real pipeline) and
writes its figures beside the targets. Usage:
    python bench/bench_power.py [--out DIR] [--jobs N] [--no-write] [power flags: --seeds N ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, table, write_section  # noqa: E402

from drm_dashboard.evaluation import power  # noqa: E402

# the DESIGN.md targets by change; the other changes are measured, with no target set
TARGETS = {"allocation_time_x2": ("alerted_within_2min_share", ">= 95 % within 2 min"),
           "allocation_time_x1.5": ("alerted_share", ">= 80 %")}


def _pct(x: float | None) -> str:
    return "not reported" if x is None else f"{100 * x:.0f} %"


def _secs(x: float | None) -> str:
    return "no alert" if x is None else f"{x:.0f} s"


def _row(name: str, c: dict) -> list[str]:
    ratio = c["realized_ratio_median"]
    target = TARGETS.get(name, ("", ""))[1]
    return [f"`{c['inject']}`", "not measured" if ratio is None else f"x{ratio:.2f}",
            _pct(c["alerted_share"]), _pct(c["alerted_within_2min_share"]),
            _secs(c["median_delay_s"]), _secs(c["p90_delay_s"]), target]


def _body(s: dict) -> str:
    cfg, null = s["config"], s["no_injection"]
    rows = [_row(name, c) for name, c in s["changes"].items()]
    by_metric = ", ".join(f"{m} {n}" for m, n in sorted(null["by_metric"].items())) or "none"
    return "\n".join([
        "## Power of regression alerts in the product (`python bench/bench_power.py`)", "",
        (f"{machine()}. The demo workload on a fake clock at a {s['interval_s']:g} s poll through "
         "LocalSource, Collector, LiveStore, AnalyticsPipeline and AlertEngine with the default "
         f"rules (regression alerts at confidence >= {s['min_confidence']:g}, none for a return "
         f"to a level reached within {s['recurrent_lookback_s'] / 60:g} min); seeds "
         f"{cfg['first_seed']}-{cfg['first_seed'] + cfg['seeds'] - 1} for each change, injected at "
         f"minute {cfg['onset_min']:g} and watched for {cfg['watch_min']:g} min; runtime "
         f"{s['runtime_s']:.0f} s."), "",
        table(["injected (`--inject-regression`)", "measured effect", "alerted",
               "within 2 min", "median delay", "90th pct delay", "target"], rows), "",
        (f"No injection: {null['regression_alerts']} regression alerts in "
         f"{null['simulated_hours']:g} simulated hours ({null['runs']} seeds) = "
         f"**{null['false_alerts_per_24h']:.2f} per 24 h** (target <= 1); by metric: {by_metric}."), "",
        ("How the alert rule was chosen: minimum confidence {0.25, 0.3, 0.35, 0.4, 0.5} x lookback "
         "{off, 30 min, 1 h} by the fewest false alerts on the training seeds among the rules that "
         "alerted x2 within 2 min in >= 95 % and x1.5 in >= 80 % of runs, two-fold over seeds 0-19 "
         "(nothing injected: seeds 0-11, 2 h each); both folds chose 0.3 and 1 h. Seeds from 20 on "
         "were not used in the choice. The findings' confidence is the calibrated one of the "
         "detection section (about 0.37 for a x2 step, 0.31 for x1.5), so the threshold is where "
         "an alert starts for a user, not a probability cut. With nothing injected the demo's "
         "alerts are real recurring shifts: each load wave queues tasks and grows the pool; the "
         "lookback silences a wave only once the hour holds an earlier one as bad, so the first "
         "hour of a run carries more of them than a later hour."), "",
        ("Measured effect: the changed metric's mean over the watch window against the same seed "
         "with nothing injected (median over seeds). A queue-wait regression shows only while tasks "
         "wait for capacity, so its effect depends on where the workload's waves fall."),
    ])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, help="where summary.json goes (default: a temp dir)")
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    args, rest = p.parse_known_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="drm-power-"))
    status = power.main(["--out", str(out), *rest])
    if status:
        return status
    body = _body(json.loads((out / "summary.json").read_text()))
    print(body)
    if not args.no_write:
        write_section("power", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
