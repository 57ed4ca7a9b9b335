"""Scaling decisions as the UI reads them: the policy's thresholds and each decision's impact."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..models import ScalingDecision
from ..store.live import LiveView

# impact compares this many seconds before a decision with as many after it
IMPACT_WINDOW_S = 300.0


@dataclass(frozen=True)
class Thresholds:
    """The policy's lines in percent of pool capacity, and the window it judges over."""

    scale_up: float
    target: float
    scale_down: float
    window_s: float
    source: str  # "from the latest decision" or "as configured"
    cooldown_up_s: float = math.nan  # NaN: the source does not report its cooldowns
    cooldown_down_s: float = math.nan


def thresholds(view: LiveView, policy: Any = None) -> Thresholds | None:
    """From the newest decision's trigger, else from the configured policy, else unknown."""
    for d in reversed(view.decisions):
        if d.trigger is not None:
            t = d.trigger
            return Thresholds(t.scale_up_threshold * 100, t.target * 100,
                              t.scale_down_threshold * 100, t.window_s, "from the latest decision",
                              *_cooldowns(policy))
    if policy is not None and hasattr(policy, "scale_up_threshold"):
        return Thresholds(policy.scale_up_threshold * 100, policy.target * 100,
                          policy.scale_down_threshold * 100, policy.window_s, "as configured",
                          *_cooldowns(policy))
    return None


def _cooldowns(policy: Any) -> tuple[float, float]:
    up, down = getattr(policy, "cooldown_up_s", None), getattr(policy, "cooldown_down_s", None)
    return (math.nan if up is None else float(up), math.nan if down is None else float(down))


def policy_text(limits: Thresholds) -> str:
    """'scale up at 80%, down at 30%, target 70%, judged over 120 s; cooldowns 300 s up, 600 s down'."""
    if math.isnan(limits.cooldown_up_s):
        cool = "cooldowns not reported by this source"
    else:
        cool = f"cooldowns {limits.cooldown_up_s:g} s after a scale-up, {limits.cooldown_down_s:g} s after a scale-down"
    # a window NaN: the manager (the original's mock) judged each instant, over no stated window
    over = "" if math.isnan(limits.window_s) else f", judged over {limits.window_s:g} s"
    return (f"scale up at {limits.scale_up:.0f}%, down at {limits.scale_down:.0f}%, target "
            f"{limits.target:.0f}%{over}; {cool}")


@dataclass(frozen=True)
class Impact:
    """Means over the minutes before and after one decision; `after_s` is how much of after exists."""

    alloc_before: float
    alloc_after: float
    wait_before: float
    wait_after: float
    after_s: float

    @property
    def complete(self) -> bool:
        return self.after_s >= IMPACT_WINDOW_S


def _mean(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else math.nan


def impact(view: LiveView, decision: ScalingDecision, window_s: float = IMPACT_WINDOW_S) -> Impact:
    """Allocation (the policy's measure) and queue wait, before vs after the decision."""
    ts, t = view.timestamps, decision.timestamp
    before = slice(int(np.searchsorted(ts, t - window_s)), int(np.searchsorted(ts, t)))
    after = slice(int(np.searchsorted(ts, t, side="right")),
                  int(np.searchsorted(ts, t + window_s, side="right")))
    alloc, wait = view.system["allocated"], view.performance["queue_wait_ms"]
    after_s = max(0.0, min(window_s, (float(ts[-1]) - t) if ts.size else 0.0))
    return Impact(_mean(alloc[before]), _mean(alloc[after]), _mean(wait[before]),
                  _mean(wait[after]), after_s)


def trigger_text(d: ScalingDecision) -> str:
    """The values the decision was judged on, in one line."""
    t = d.trigger
    if t is None:
        if d.utilization is None:
            return "no trigger values sent"
        return f"allocation {d.utilization * 100:.0f}% (no trigger values sent)"
    parts = [f"window {t.window_utilization * 100:.0f}% over {t.window_s:g} s",
             f"instant {t.instant_utilization * 100:.0f}%", f"pending {t.pending_tasks}",
             f"workers {t.worker_count}"]
    if t.cooldown_up_remaining_s or t.cooldown_down_remaining_s:
        parts.append(f"cooldown up {t.cooldown_up_remaining_s:.0f} s / "
                     f"down {t.cooldown_down_remaining_s:.0f} s")
    return " · ".join(parts)


def _pct(v: float) -> str:
    return "—" if math.isnan(v) else f"{v:.0f}%"


def _ms(v: float) -> str:
    if math.isnan(v):
        return "—"
    return f"{v / 1000:.1f} s" if v >= 1000 else f"{v:.0f} ms"


def impact_text(i: Impact) -> tuple[str, str]:
    """('allocation 85% -> 62%', 'queue wait 1.2 s -> 300 ms'), marked while 'after' is partial."""
    partial = "" if i.complete else f" (first {i.after_s / 60:.1f} of {IMPACT_WINDOW_S / 60:.0f} min)"
    return (f"allocation {_pct(i.alloc_before)} → {_pct(i.alloc_after)}{partial}",
            f"queue wait {_ms(i.wait_before)} → {_ms(i.wait_after)}")


def verdict_words(d: ScalingDecision) -> str:
    """The verdict in a few words: 'scale up by 2', 'maintain', 'blocked by cooldown, 140 s left'."""
    if d.action == "scale_up":
        return f"scale up by {d.count}"
    if d.action == "scale_down":
        return f"scale down by {d.count}"
    reason, t = d.reason, d.trigger
    if "cooldown" in reason:
        up = "scale-up cooldown" in reason
        left = (t.cooldown_up_remaining_s if up else t.cooldown_down_remaining_s) if t else math.nan
        which = "scale-up" if up else "scale-down"
        return (f"blocked by the {which} cooldown" if math.isnan(left)
                else f"blocked by the {which} cooldown, {left:.0f} s left")
    for words, verdict in (("max_workers", "blocked: pool at its maximum size"),
                           ("min_workers", "blocked: pool at its minimum size"),
                           ("are pending", "blocked: tasks are pending"),
                           ("is pending", "blocked: a task is pending"),
                           ("no worker can go", "blocked: no worker can go"),
                           ("collecting", "warming up: window not full yet")):
        if words in reason:
            return verdict
    return "maintain"


def time_to_effect(view: LiveView, decision: ScalingDecision) -> float:
    """Seconds from a scale-up to the first report of a worker that was not there before; NaN if none yet."""
    if decision.action != "scale_up" or view.is_empty or not view.n_workers:
        return math.nan
    ts = view.timestamps
    at = int(np.searchsorted(ts, decision.timestamp, side="right"))
    if at >= ts.size or at == 0:
        return math.nan  # no tick after it yet, or the view starts after it (the pool before is unknown)
    present = view.present
    before = present[:at].any(axis=0)
    new = ~before & present[at:].any(axis=0)
    if not new.any():
        return math.nan
    first = at + int(np.argmax(present[at:][:, new].any(axis=1)))
    return float(ts[first] - decision.timestamp)
