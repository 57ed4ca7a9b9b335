"""Power of regression alerts in the product: `python -m drm_dashboard.evaluation.power --out DIR`.

Runs the demo (a real DynamicResourceManager driven by the seeded Workload) on a fake clock at the
default 5 s poll through the product's pipeline: LocalSource -> Collector -> LiveStore ->
AnalyticsPipeline -> AlertEngine with the default alert rules. Each injected change (spelled as
for --inject-regression) runs on many seeds, and so do runs with no injection. summary.json holds,
per change, the share of runs that raised a regression alert on the changed metric and the delay
from onset to that alert, and for runs with no injection the false regression alerts per
simulated 24 h. Left out because no alert depends on them: DuckDB history, the UI, forecasts;
and the machine's own CPU time in allocation time, so that a seed always gives the same run.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from drm_dashboard.analytics.alert_rules import RegressionRule, default_alert_config
from drm_dashboard.analytics.alerts import AlertEngine
from drm_dashboard.analytics.changepoint_records import DetectorConfig
from drm_dashboard.analytics.intervals import interval_samples
from drm_dashboard.analytics.pipeline import AlertEvaluator, AnalyticsPipeline
from drm_dashboard.cli_common import OneLineParser
from drm_dashboard.collector import Collector
from drm_dashboard.config import parse_regression
from drm_dashboard.manager import (
    DynamicResourceManager,
    InjectedRegression,
    Workload,
    WorkloadConfig,
)
from drm_dashboard.models import Alert
from drm_dashboard.sources.local import LocalSource
from drm_dashboard.store.live import LiveStore

INTERVAL_S = 5.0  # the product's default poll
START = 1_700_000_000.0  # epoch of the fake clock's first tick
# name -> (--inject-regression spelling without the minute, the metric its alert must name)
CHANGES: dict[str, tuple[str, str]] = {
    "allocation_time_x2": ("allocation_time*2", "allocation_time_ms"),
    "allocation_time_x1.5": ("allocation_time*1.5", "allocation_time_ms"),
    "queue_wait_x3": ("queue_wait*3", "queue_wait_ms"),
    "throughput_x0.5": ("throughput*0.5", "task_throughput"),
}
PROMPT_S = 120.0  # "within two minutes of onset", the DESIGN.md target
# a located step may sit a sample or two before the onset it belongs to
EARLY_S = 2 * INTERVAL_S


@dataclass(frozen=True)
class PowerConfig:
    """How much to simulate: seeds for each change and for the runs with no injection."""

    seeds: int = 40
    first_seed: int = 0
    onset_min: float = 2.0
    watch_min: float = 10.0  # simulated minutes after onset in which an alert counts
    null_seeds: int = 6
    null_hours: float = 8.0


@dataclass(frozen=True)
class RunResult:
    """Regression alerts of one run as (raised s, step s, metric, confidence) from its start."""

    alerts: tuple[tuple[float, float, str, float], ...]
    # per-interval mean of each changed metric over the watch window, for the realized effect
    window_means: dict[str, float]


class _Clock:
    """A fake clock the run moves by hand: simulated time, no sleeping."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def simulate(seed: int, regression: InjectedRegression | None, minutes: float,
             window: tuple[float, float], rule: RegressionRule | None = None) -> RunResult:
    """One demo run through the product's pipeline; regression alerts and window means."""
    clock, alerts = _Clock(), []

    def record(alert: Alert) -> None:
        if alert.source == "regression_detection" and alert.details.get("direction") == "regression":
            alerts.append((clock.now - START, alert.details["timestamp"] - START,
                           alert.details["metric"], alert.details["confidence"]))

    config = default_alert_config()
    if rule is not None:
        config = replace(config, regression=rule)
    engine = AlertEngine(config, interval_s=INTERVAL_S, clock=clock, on_transition=record)
    means = run_demo(seed, regression, minutes, window, engine, clock, config.regression)
    return RunResult(tuple(alerts), means)


class FindingLog:
    """An alert evaluator that raises nothing and keeps every finding revision with its tick."""

    def __init__(self) -> None:
        self.revisions: list[tuple[float, Any]] = []

    def evaluate(self, now: float, values: Any, decisions: Any, health: Any,
                 findings: Sequence[Any] = ()) -> list[Alert]:
        """Keep the tick's finding revisions; raise nothing."""
        self.revisions += [(now - START, f) for f in findings]
        return []

    def check_health(self, health: Any) -> list[Alert]:
        """Nothing: the choice is about findings."""
        return []


def run_demo(seed: int, regression: InjectedRegression | None, minutes: float,
             window: tuple[float, float], evaluator: AlertEvaluator, clock: _Clock,
             rule: RegressionRule) -> dict[str, float]:
    """Drive the demo on the fake clock with `evaluator` as the alert engine; the window means."""
    # a constant timer: allocation time is the workload's latency model alone, not also the CPU
    # time of placement on this (shared, loaded) machine, so a seed gives the same run every time
    manager = DynamicResourceManager(clock=clock, timer=lambda: 0.0)
    workload = Workload(manager, WorkloadConfig(seed=seed, regression=regression), clock=clock)
    # forecasts feed no alert: refit never after the first tick
    pipeline = AnalyticsPipeline(evaluator, config=DetectorConfig(), clock=clock,
                                 forecast_every_s=math.inf, rule=rule)
    live = LiveStore(3600.0, clock=clock)
    collector = Collector(LocalSource(manager, clock=clock), live, None, interval_s=INTERVAL_S,
                          clock=clock, processors=[pipeline])
    means: dict[str, float] = {}
    for tick in range(1, int(minutes * 60 / INTERVAL_S) + 1):
        clock.now = START + tick * INTERVAL_S
        workload.step(clock.now)
        collector.poll_once()
        if clock.now - START == window[1]:
            means = _window_means(live, window)
    return means


def alerts_under(rule: RegressionRule, revisions: Sequence[tuple[float, Any]]
                 ) -> tuple[tuple[float, float, str, float], ...]:
    """The regression alerts a rule raises from a run's finding revisions, as AlertEngine does."""
    seen, out = set(), []
    for now, finding in revisions:
        key = (finding.metric, finding.timestamp)
        if finding.direction == "regression" and key not in seen and rule.raises(finding):
            seen.add(key)
            out.append((now, finding.timestamp - START, finding.metric, finding.confidence))
    return tuple(out)


def _window_means(live: LiveStore, window: tuple[float, float]) -> dict[str, float]:
    """Mean of the detectors' per-interval samples of the changed metrics inside the window."""
    view = live.view()
    samples = interval_samples(view.series, [metric for _, metric in CHANGES.values()], 0)
    inside = (view.timestamps - START > window[0]) & (view.timestamps - START <= window[1])
    return {m: float(np.nanmean(v[inside])) if np.isfinite(v[inside]).any() else math.nan
            for m, v in samples.items()}


def _regression(spec: str, onset_min: float) -> InjectedRegression:
    metric, start_s, factor = parse_regression(f"{spec}@{onset_min:g}")
    return InjectedRegression(metric=metric, start_s=start_s, factor=factor)


def _jobs(config: PowerConfig) -> list[tuple[str, int, InjectedRegression | None, float]]:
    """(change or "none", seed, regression, minutes) for every run."""
    window = config.onset_min + config.watch_min
    seeds = range(config.first_seed, config.first_seed + config.seeds)
    jobs = [(name, s, _regression(spec, config.onset_min), window)
            for name, (spec, _) in CHANGES.items() for s in seeds]
    null_seeds = range(config.first_seed, config.first_seed + config.null_seeds)
    return jobs + [("none", s, None, max(config.null_hours * 60, window)) for s in null_seeds]


def _run(job: tuple[str, int, InjectedRegression | None, float], window: tuple[float, float]
         ) -> tuple[str, int, RunResult]:
    name, seed, regression, minutes = job
    return name, seed, simulate(seed, regression, minutes, window)


def detection(result: RunResult, metric: str, onset_s: float, watch_s: float) -> float | None:
    """Seconds from onset to the first regression alert on metric for a step at the onset."""
    for raised, step, name, _ in result.alerts:
        if name == metric and step >= onset_s - EARLY_S and raised <= onset_s + watch_s:
            return raised - onset_s
    return None


def summarize(config: PowerConfig, results: Sequence[tuple[str, int, RunResult]]) -> dict[str, Any]:
    """The summary.json body: power per change, false alarms per simulated day."""
    onset, watch = config.onset_min * 60, config.watch_min * 60
    null = {seed: r for name, seed, r in results if name == "none"}
    rule = default_alert_config().regression
    out: dict[str, Any] = {"config": asdict(config), "interval_s": INTERVAL_S,
                           "min_confidence": rule.min_confidence,
                           "recurrent_lookback_s": rule.recurrent_lookback_s,
                           "recurrent_margin": rule.recurrent_margin, "changes": {}}
    for name, (spec, metric) in CHANGES.items():
        runs = [(seed, r) for n, seed, r in results if n == name]
        delays = [d for _, r in runs if (d := detection(r, metric, onset, watch)) is not None]
        ratios = [r.window_means[metric] / null[s].window_means[metric] for s, r in runs
                  if s in null and null[s].window_means.get(metric, 0) > 0]
        out["changes"][name] = {
            "inject": f"{spec}@{config.onset_min:g}", "metric": metric, "runs": len(runs),
            "alerted_share": len(delays) / len(runs) if runs else None,
            "alerted_within_2min_share": sum(d <= PROMPT_S for d in delays) / len(runs) if runs else None,
            "median_delay_s": statistics.median(delays) if delays else None,
            "p90_delay_s": float(np.percentile(delays, 90)) if delays else None,
            # measured effect on the metric over the watch window, against the same seed uninjected
            "realized_ratio_median": statistics.median(ratios) if ratios else None,
        }
    out["no_injection"] = _false_alarms(config, list(null.values()))
    return out


def _false_alarms(config: PowerConfig, runs: Sequence[RunResult]) -> dict[str, Any]:
    """Regression alerts on runs with nothing injected, per simulated 24 h and by metric."""
    hours = len(runs) * max(config.null_hours, (config.onset_min + config.watch_min) / 60)
    by_metric: dict[str, int] = {}
    for r in runs:
        for _, _, metric, _ in r.alerts:
            by_metric[metric] = by_metric.get(metric, 0) + 1
    total = sum(by_metric.values())
    return {"runs": len(runs), "simulated_hours": hours, "regression_alerts": total,
            "false_alerts_per_24h": total / hours * 24 if hours else None, "by_metric": by_metric}


def run_power(config: PowerConfig, jobs: int = 1) -> dict[str, Any]:
    """Simulate every run (in `jobs` processes) and summarize."""
    window = (config.onset_min * 60, (config.onset_min + config.watch_min) * 60)
    work = _jobs(config)
    if jobs <= 1:
        results = [_run(job, window) for job in work]
    else:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_run, work, [window] * len(work), chunksize=4))
    return summarize(config, results)


def report(summary: dict[str, Any]) -> str:
    """A short human summary for the terminal."""
    lines = [f"{name:22s} alerted {c['alerted_share']:.2f}  within 2 min "
             f"{c['alerted_within_2min_share']:.2f}  median delay {c['median_delay_s']} s"
             for name, c in summary["changes"].items()]
    null = summary["no_injection"]
    lines.append(f"no injection: {null['regression_alerts']} regression alerts in "
                 f"{null['simulated_hours']:g} h = {null['false_alerts_per_24h']:.2f} per 24 h")
    return "\n".join(lines + [f"time {summary['runtime_s']:.0f} s"])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line flags; defaults are PowerConfig's."""
    d = PowerConfig()
    p = OneLineParser(prog="python -m drm_dashboard.evaluation.power", description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="folder for summary.json")
    p.add_argument("--seeds", type=int, default=d.seeds, help="runs per injected change")
    p.add_argument("--first-seed", type=int, default=d.first_seed, help="seed of the first run")
    p.add_argument("--onset-min", type=float, default=d.onset_min, help="minute the change starts")
    p.add_argument("--watch-min", type=float, default=d.watch_min, help="minutes watched after onset")
    p.add_argument("--null-seeds", type=int, default=d.null_seeds, help="runs with no injection")
    p.add_argument("--null-hours", type=float, default=d.null_hours, help="hours of each such run")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    args = p.parse_args(argv)
    for name in ("seeds", "null_seeds", "jobs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("onset_min", "watch_min", "null_hours"):
        if not 0 < getattr(args, name) < math.inf:
            p.error(f"--{name.replace('_', '-')} must be above 0")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write summary.json under --out."""
    args = parse_args(argv)
    config = PowerConfig(seeds=args.seeds, first_seed=args.first_seed, onset_min=args.onset_min,
                         watch_min=args.watch_min, null_seeds=args.null_seeds,
                         null_hours=args.null_hours)
    started = time.perf_counter()
    summary = run_power(config, jobs=args.jobs)
    summary["runtime_s"] = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    print(report(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
