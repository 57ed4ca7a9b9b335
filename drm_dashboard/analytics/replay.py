"""Policy replay: the stored demand run through another scaling policy, against what happened."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..policy import ScalingPolicy

# how the replayed coordinator works, beyond its policy: it judges the pool this often, and a
# worker it asks for reports this long after the decision
EVALUATE_EVERY_S = 15.0
PROVISIONING_DELAY_S = 30.0
# a step longer than this many sampling intervals is an outage: nothing is counted across it
_GAP_INTERVALS = 2.0


@dataclass(frozen=True)
class ReplayOutcome:
    """One run of the demand: cost, pressure, modelled queueing and churn (units in names)."""

    worker_hours: float
    above_threshold_s: float  # time the pool's utilization was at or over the scale-up threshold
    queue_wait_s: float  # modelled: time-mean of (work waiting / pool size), fluid queue
    scale_events: int
    covered_s: float  # seconds of history the figures cover (gaps excluded)
    workers: np.ndarray  # pool size at each sample


def demand_of(allocated_pct: np.ndarray, workers: np.ndarray, active_tasks: np.ndarray | None = None,
              pending_tasks: np.ndarray | None = None) -> np.ndarray:
    """Demand in workers' worth of capacity: what is allocated, plus pending tasks at the running size.

    A pending task is assumed as big as the running ones are on average (allocation / active
    tasks, carried forward while nothing runs); NaN where the allocation is unknown.
    """
    held = np.asarray(allocated_pct, dtype=np.float64) / 100.0 * np.asarray(workers, dtype=np.float64)
    if active_tasks is None or pending_tasks is None:
        return held
    active = np.asarray(active_tasks, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        size = np.where(active > 0, held / active, np.nan)
    # carry the last known task size forward over ticks where nothing ran
    idx = np.where(np.isfinite(size), np.arange(size.size), 0)
    np.maximum.accumulate(idx, out=idx)
    size = np.where(np.isfinite(size[idx]), size[idx], 0.0)
    pending = np.nan_to_num(np.asarray(pending_tasks, dtype=np.float64), nan=0.0)
    return held + pending * size


def _steps(timestamps: np.ndarray) -> np.ndarray:
    """Seconds each sample stands for (to the next one); 0 across an outage and after the last."""
    t = np.asarray(timestamps, dtype=np.float64)
    if t.size < 2:
        return np.zeros(t.size)
    dt = np.diff(t)
    dt = np.where(dt > _GAP_INTERVALS * float(np.median(dt)), 0.0, dt)
    return np.append(dt, 0.0)


class _Queue:
    """Work above capacity waits (worker-seconds) and drains into spare capacity."""

    def __init__(self) -> None:
        self.backlog = 0.0
        self.wait_area = 0.0

    def step(self, demand: float, n: float, dt: float) -> float:
        """Advance dt seconds; the utilization the pool shows meanwhile (1 while work waits)."""
        self.backlog = max(0.0, self.backlog + (demand - n) * dt)
        if n > 0:
            self.wait_area += self.backlog / n * dt
        return 1.0 if self.backlog > 0 or n <= 0 else min(1.0, demand / n)


def _outcome(workers: np.ndarray, demand: np.ndarray, dt: np.ndarray, threshold: float,
             events: int) -> ReplayOutcome:
    """Cost, pressure and modelled queue wait of a given pool-size history under the demand."""
    queue, above = _Queue(), 0.0
    for n, d, s in zip(workers.tolist(), demand.tolist(), dt.tolist()):
        if s and not math.isnan(d) and not math.isnan(n):
            above += s if queue.step(d, n, s) >= threshold else 0.0
    covered = float(dt[~np.isnan(demand) & ~np.isnan(workers)].sum())
    hours = float(np.nansum(workers * dt)) / 3600.0
    return ReplayOutcome(hours, above, queue.wait_area / covered if covered else math.nan, events,
                         covered, workers)


def observed(timestamps: np.ndarray, demand: np.ndarray, workers: np.ndarray, *, threshold: float,
             scale_events: int) -> ReplayOutcome:
    """What happened, measured the same way as a replay (so the two columns compare)."""
    return _outcome(np.asarray(workers, dtype=np.float64), np.asarray(demand, dtype=np.float64),
                    _steps(timestamps), threshold, scale_events)


def replay(timestamps: np.ndarray, demand: np.ndarray, start_workers: int, policy: ScalingPolicy, *,
           evaluate_every_s: float = EVALUATE_EVERY_S,
           provisioning_delay_s: float = PROVISIONING_DELAY_S) -> ReplayOutcome:
    """Pool size under `policy` facing the same demand: window-mean thresholds, cooldowns, delay."""
    if not (0 < evaluate_every_s < math.inf and 0 <= provisioning_delay_s < math.inf):
        raise ValueError("the evaluation period must be finite and above 0 s, the delay finite and >= 0 s")
    t = np.asarray(timestamps, dtype=np.float64)
    demand = np.asarray(demand, dtype=np.float64)
    dt = _steps(t)
    n, arriving = float(start_workers), []  # (ready time, count)
    last_up = last_down = -math.inf
    next_eval = float(t[0]) + evaluate_every_s if t.size else 0.0
    window: list[tuple[float, float]] = []  # (time, utilization)
    queue, sizes, events = _Queue(), np.empty(t.size), 0
    for i, now in enumerate(t.tolist()):
        n += sum(c for ready, c in arriving if ready <= now)
        arriving = [(ready, c) for ready, c in arriving if ready > now]
        sizes[i] = n
        d = demand[i]
        if math.isnan(d):
            continue
        util = queue.step(d, n, dt[i]) if dt[i] else (1.0 if queue.backlog else min(1.0, d / max(n, 1e-9)))
        window.append((now, util))
        window = [(w, u) for w, u in window if w > now - policy.window_s]
        if now < next_eval:
            continue
        next_eval = now + evaluate_every_s
        change = _decide(float(np.mean([u for _, u in window])), n + sum(c for _, c in arriving),
                         now, last_up, last_down, policy, now - window[0][0] >= policy.window_s / 2)
        if change > 0:
            arriving.append((now + provisioning_delay_s, change))
            last_up, events = now, events + 1
        elif change < 0:
            n += change
            last_down, events = now, events + 1
    return _outcome(sizes, demand, dt, policy.scale_up_threshold, events)


def _decide(mean: float, n: float, now: float, last_up: float, last_down: float,
            policy: ScalingPolicy, warm: bool) -> int:
    """Workers to add (> 0) or remove (< 0), as the manager's policy would."""
    if not warm:
        return 0
    if mean >= policy.scale_up_threshold and now - last_up >= policy.cooldown_up_s and n < policy.max_workers:
        wanted = math.ceil(n * mean / policy.target - 1e-9)
        return int(min(max(wanted - n, 1), policy.max_workers - n))
    cooled = now - last_down >= policy.cooldown_down_s and now - last_up >= policy.cooldown_up_s
    if mean <= policy.scale_down_threshold and cooled and n > policy.min_workers:
        keep = max(policy.min_workers, math.ceil(n * mean / policy.target - 1e-9))
        return int(keep - n) if keep < n else 0
    return 0
