"""Replay the seeded demo workload's history under other scaling policies; print the comparison.

Usage: python bench/replay_demo.py [--hours 4] [--seed 0]
The demo runs on a simulated clock (no waiting); the dashboard's collector samples it every 5 s.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from drm_dashboard.manager import DynamicResourceManager, Workload, WorkloadConfig
from drm_dashboard.sources.local import LocalSource
from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.replay import compare, comparison_rows


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def record(hours: float, seed: int):
    """The demo's live view after `hours` of simulated time, and its manager's policy."""
    clock = Clock(1_700_000_000.0)
    manager = DynamicResourceManager(clock=clock)
    workload = Workload(manager, WorkloadConfig(seed=seed), clock=clock)
    source = LocalSource(manager, clock=clock)
    live = LiveStore(retention_s=hours * 3600 + 60, clock=clock)
    end = clock.t + hours * 3600
    while clock.t < end:
        clock.t += 5
        workload.step(clock.t)
        live.ingest(source.snapshot())
    return live.view(), manager.policy


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--hours", type=float, default=4.0)
    args.add_argument("--seed", type=int, default=0)
    opts = args.parse_args()
    view, policy = record(opts.hours, opts.seed)
    base = policy  # the demo manager's own ScalingPolicy, replayed beside the variants
    variants = {
        "scale down at 45%": replace(base, scale_down_threshold=0.45),
        "scale down at 20%": replace(base, scale_down_threshold=0.20),
        "scale-down cooldown 120 s": replace(base, cooldown_down_s=120),
        "scale down at 45%, cooldown 120 s": replace(base, scale_down_threshold=0.45, cooldown_down_s=120),
        "scale up at 70%, target 60%": replace(base, scale_up_threshold=0.7, target=0.6),
    }
    print(f"demo seed {opts.seed}, {opts.hours:g} h simulated, {view.n_ticks} samples, "
          f"{len(view.decisions)} scale events")
    for name, pol in variants.items():
        c = compare(view, pol, base)
        print(f"\n{name}  (what happened | current policy replayed | this policy replayed | change)")
        for measure, *cells in comparison_rows(c):
            print(f"  {measure:40s}" + "".join(f"{cell:>13s}" for cell in cells))


if __name__ == "__main__":
    main()
