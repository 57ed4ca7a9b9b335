"""The scaling policy applied: a pure function from a view of the pool to a verdict with its reason."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..models import ScalingTrigger
from ..policy import ScalingPolicy  # its home is the leaf module: the replay uses it too

Amounts = tuple[float, float, float]  # (cpu cores, memory MB, GPU memory MB)


@dataclass(frozen=True)
class WorkerLoad:
    """One schedulable worker as the policy sees it."""

    worker_id: str
    tasks: int
    reserved: Amounts
    capacity: Amounts


@dataclass(frozen=True)
class PoolView:
    """The numbers one decision is judged on; built by the manager under its lock."""

    now: float
    instant: float
    window_mean: float
    workers: tuple[WorkerLoad, ...]
    window_span: float = 0.0  # seconds from the oldest sample in the window to now
    pending: int = 0
    unplaceable: int = 0
    pending_demand: Amounts = (0.0, 0.0, 0.0)
    # typical reservable capacity of one worker that has each kind; converts demand into workers
    reference: Amounts = (0.0, 0.0, 0.0)
    last_up: float | None = None
    last_down: float | None = None


@dataclass(frozen=True)
class Verdict:
    """What the policy decided and why, before it becomes a ScalingDecision."""

    action: str
    count: int
    reason: str
    worker_ids: tuple[str, ...] = field(default=())


def tasks(n: int) -> str:
    """'1 task', '3 tasks'."""
    return f"{n} task{'s' * (n != 1)}"


def unplaceable(n: int) -> str:
    """'1 pending task fits no worker', '3 pending tasks fit no worker'."""
    return f"{n} pending {'task fits' if n == 1 else 'tasks fit'} no worker"


def pct(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def cooldown_left(last: float | None, cooldown_s: float, now: float) -> float:
    """Seconds until a cooldown that started at `last` has passed; 0 when it has."""
    return 0.0 if last is None else max(0.0, last + cooldown_s - now)


def trigger_of(view: PoolView, policy: ScalingPolicy) -> ScalingTrigger:
    """The values a decision was judged on; cooldowns as they stood then, not the decision's effect."""
    return ScalingTrigger(
        window_utilization=view.window_mean, instant_utilization=view.instant,
        window_s=policy.window_s, target=policy.target,
        scale_up_threshold=policy.scale_up_threshold,
        scale_down_threshold=policy.scale_down_threshold,
        cooldown_up_remaining_s=cooldown_left(view.last_up, policy.cooldown_up_s, view.now),
        cooldown_down_remaining_s=cooldown_left(view.last_down, policy.cooldown_down_s, view.now),
        pending_tasks=view.pending, worker_count=len(view.workers))


def decide(view: PoolView, policy: ScalingPolicy) -> Verdict:
    """Scale up on a high window mean or unplaceable tasks, down on a low one, else maintain."""
    n, mean = len(view.workers), view.window_mean
    level = f"allocation {pct(mean)} over {policy.window_s:g} s"
    if n == 0:
        if not view.pending:
            return Verdict("maintain", 0, "empty pool, no pending tasks")
        return _up(view, policy, f"empty pool, {tasks(view.pending)} pending")
    if n < policy.min_workers:
        return _up(view, policy, f"{n} workers < min_workers {policy.min_workers}")
    # a mean over a few seconds is an instant in disguise: thresholds wait for half a window
    warm = view.window_span >= policy.window_s / 2
    if warm and mean >= policy.scale_up_threshold:
        why = f"{level} >= {pct(policy.scale_up_threshold)} scale-up threshold"
        return _up(view, policy, why + (f"; {tasks(view.pending)} pending" if view.pending else ""))
    if view.unplaceable:
        return _up(view, policy, f"{unplaceable(view.unplaceable)} ({level})")
    if not warm:
        return Verdict("maintain", 0, f"collecting allocation samples: {view.window_span:.0f} s of "
                                      f"the {policy.window_s:g} s window so far")
    if mean <= policy.scale_down_threshold:
        return _down(view, policy, f"{level} <= {pct(policy.scale_down_threshold)} scale-down threshold")
    return Verdict("maintain", 0, f"{level} is between the {pct(policy.scale_down_threshold)} "
                                  f"scale-down and {pct(policy.scale_up_threshold)} scale-up thresholds")


def _up(view: PoolView, policy: ScalingPolicy, why: str) -> Verdict:
    n = len(view.workers)
    if n >= policy.max_workers:
        return Verdict("maintain", 0, f"{why}, but the pool is at max_workers ({policy.max_workers})")
    left = cooldown_left(view.last_up, policy.cooldown_up_s, view.now)
    if left > 0:
        return Verdict("maintain", 0, f"{why}, but the scale-up cooldown has {left:.0f} s of "
                                      f"{policy.cooldown_up_s:g} s left")
    count = min(scale_up_count(view, policy), policy.max_workers - n)
    return Verdict("scale_up", count, f"{why}; adding {count} worker{'s' * (count != 1)} "
                                      f"towards the {pct(policy.target)} target")


def scale_up_count(view: PoolView, policy: ScalingPolicy) -> int:
    """Workers to add so that the window's load plus pending demand sits at the target."""
    n = len(view.workers)
    kinds = [d / r for d, r in zip(view.pending_demand, view.reference) if d > 0 and r > 0]
    pending_workers = max(kinds, default=0.0)
    needed = math.ceil((n * view.window_mean + pending_workers) / policy.target - 1e-9)
    return max(needed - n, policy.min_workers - n, 1)


def _down(view: PoolView, policy: ScalingPolicy, why: str) -> Verdict:
    n = len(view.workers)
    if view.pending:
        return Verdict("maintain", 0, f"{why}, but {tasks(view.pending)} {'is' if view.pending == 1 else 'are'} pending")
    if n <= policy.min_workers:
        return Verdict("maintain", 0, f"{why}, but the pool is at min_workers ({policy.min_workers})")
    left = cooldown_left(view.last_down, policy.cooldown_down_s, view.now)
    if left > 0:
        return Verdict("maintain", 0, f"{why}, but the scale-down cooldown has {left:.0f} s of "
                                      f"{policy.cooldown_down_s:g} s left")
    left = cooldown_left(view.last_up, policy.cooldown_up_s, view.now)
    if left > 0:
        return Verdict("maintain", 0, f"{why}, but the scale-up cooldown ({policy.cooldown_up_s:g} s "
                                      f"after the last scale-up) has {left:.0f} s left")
    ids = removable_workers(view, policy)
    if not ids:
        return Verdict("maintain", 0, f"{why}, but no worker can go without exceeding the "
                                      f"{pct(policy.target)} target")
    return Verdict("scale_down", len(ids), f"{why}; removing {len(ids)} worker"
                   f"{'s' * (len(ids) != 1)} keeps allocation at or under the {pct(policy.target)} "
                   "target", tuple(ids))


def removable_workers(view: PoolView, policy: ScalingPolicy) -> list[str]:
    """Workers with the fewest tasks first, while the rest can carry the load at the target."""
    capacity = [sum(w.capacity[k] for w in view.workers) for k in range(3)]
    reserved = [sum(w.reserved[k] for w in view.workers) for k in range(3)]
    # the window mean is the dominant kind's share; applying it to every kind errs on keeping capacity
    demand = [max(r, view.window_mean * c) for r, c in zip(reserved, capacity)]
    order = sorted(enumerate(view.workers), key=lambda iw: (iw[1].tasks, _share(iw[1]), iw[0]))
    chosen: list[str] = []
    for _, worker in order:
        if len(view.workers) - len(chosen) <= policy.min_workers:
            break
        trial = [c - w for c, w in zip(capacity, worker.capacity)]
        if all(d <= policy.target * t + 1e-9 for d, t in zip(demand, trial)):
            capacity = trial
            chosen.append(worker.worker_id)
    return chosen


def _share(worker: WorkerLoad) -> float:
    return max((r / c for r, c in zip(worker.reserved, worker.capacity) if c > 0), default=0.0)
