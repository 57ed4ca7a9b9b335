"""Power of regression alerts in the product, and its table in docs/PERFORMANCE.md.

Runs `python -m drm_dashboard.evaluation.power` (the demo on a fake clock through the real pipeline) and
writes its figures beside the targets. Usage:
    python bench/bench_power.py [--out DIR] [--jobs N] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from perfdoc import machine, table, write_section  # noqa: E402

from drm_dashboard.evaluation import power, rule_choice  # noqa: E402

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


def _fold(f: dict) -> str:
    t, h = f["training"], f["held_out"]
    return (f"held out the {f['held_out_seeds']} seeds: chose {t['min_confidence']:g} / "
            f"{t['recurrent_margin']:g}; there x2 within 2 min {_pct(h['x2_within_2min'])}, x1.5 "
            f"{_pct(h['x1.5_alerted'])}, {h['false_alerts_per_24h']:.2f} false alerts per 24 h")


def _choice(c: dict) -> str:
    cfg, chosen = c["config"], c["chosen"]
    return (f"How the alert rule was chosen (`python -m drm_dashboard.evaluation.rule_choice`, "
            f"{c['runtime_s']:.0f} s): minimum confidence {list(c['grid']['min_confidence'])} x margin "
            f"beyond the worst minute of the hour before {list(c['grid']['recurrent_margin'])}, by the "
            "fewest false alerts among the rules that alerted x2 within 2 min in >= 95 % and x1.5 in "
            f">= 80 % of the training runs (seeds 0-{cfg['seeds'] - 1}; nothing injected: seeds "
            f"0-{cfg['null_seeds'] - 1}, {cfg['null_hours']:g} h each), two folds by seed parity: "
            + "; ".join(_fold(f) for f in c["folds"])
            + f". On every training seed: {chosen['min_confidence']:g} / {chosen['recurrent_margin']:g} "
            f"({chosen['false_alerts_per_24h']:.2f} false alerts per 24 h there), the defaults "
            f"(match: {c['defaults_match']}). The table above is measured on seeds the choice never saw.")


def _load_metrics(loud: dict) -> str:
    by_metric = ", ".join(f"{m} {n}" for m, n in sorted(loud["false_alerts_by_metric"].items())) or "none"
    return ("Queue wait and throughput rise and fall by multiples with every wave of arrivals (the "
            "demo's waves come every 12 minutes; a real fleet's come daily), so a level shift in "
            "them is no sign of a regression in the control plane, and by default it is a finding "
            "without an alert; the default threshold rules still alert on a backlog and on a wait "
            "over a minute (a floor on throughput is a rule for each fleet's own level). With their regression alerts on as well (`load_metrics = true`), the same rule on "
            f"the training runs alerts `queue_wait*3@2` in {_pct(loud['queue_wait_x3_alerted'])} and "
            f"`throughput*0.5@2` in {_pct(loud['throughput_x0.5_alerted'])} of runs, at "
            f"{loud['false_alerts_per_24h']:.1f} false alerts per 24 h ({by_metric}). Resource "
            "efficiency is not judged while nothing is allocated (the manager reports 0 then).")


def _body(s: dict, choice: dict) -> str:
    cfg, null = s["config"], s["no_injection"]
    rows = [_row(name, c) for name, c in s["changes"].items()]
    by_metric = ", ".join(f"{m} {n}" for m, n in sorted(null["by_metric"].items())) or "none"
    return "\n".join([
        "## Power of regression alerts in the product (`python bench/bench_power.py`)", "",
        (f"{machine()}. The demo workload on a fake clock at a {s['interval_s']:g} s poll through "
         "LocalSource, Collector, LiveStore, AnalyticsPipeline and AlertEngine with the default "
         f"rules (a regression alerts at confidence >= {s['min_confidence']:g} when its new level is "
         f"worse, by {s['recurrent_margin']:.0%}, than the worst minute of the "
         f"{s['recurrent_lookback_s'] / 60:g} min before it; queue wait and throughput follow the "
         "workload, so their level shifts are findings and their threshold rules alert); seeds "
         f"{cfg['first_seed']}-{cfg['first_seed'] + cfg['seeds'] - 1} for each change, injected at "
         f"minute {cfg['onset_min']:g} and watched for {cfg['watch_min']:g} min; runtime "
         f"{s['runtime_s']:.0f} s."), "",
        table(["injected (`--inject-regression`)", "measured effect", "regression alert",
               "within 2 min", "median delay", "90th pct delay", "target"], rows), "",
        (f"No injection: {null['regression_alerts']} regression alerts in "
         f"{null['simulated_hours']:g} simulated hours ({null['runs']} seeds, "
         f"{cfg['first_seed']}-{cfg['first_seed'] + cfg['null_seeds'] - 1}) = "
         f"**{null['false_alerts_per_24h']:.2f} per 24 h** (target <= 1); by metric: {by_metric}."), "",
        _choice(choice), "",
        _load_metrics(choice["with_load_metrics"]), "",
        ("Measured effect: the changed metric's mean over the watch window against the same seed "
         "with nothing injected (median over seeds). A queue-wait regression shows only while tasks "
         "wait for capacity, so its effect depends on where the workload's waves fall."),
    ])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, help="where summary.json goes (default: a temp dir)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes")
    p.add_argument("--no-write", action="store_true", help="print only; leave docs/PERFORMANCE.md alone")
    args = p.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="drm-power-"))
    jobs = ["--jobs", str(args.jobs)]
    # the rule is chosen on seeds 0-19; the power table is measured on seeds from 20 on
    status = rule_choice.main(["--out", str(out / "choice"), *jobs]) or power.main(
        ["--out", str(out), *jobs, "--first-seed", "20", "--seeds", "10", "--null-seeds", "6",
         "--null-hours", "8"])
    if status:
        return status
    body = _body(json.loads((out / "summary.json").read_text()),
                 json.loads((out / "choice" / "summary.json").read_text()))
    print(body)
    if not args.no_write:
        write_section("power", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
