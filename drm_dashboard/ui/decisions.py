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
    source: str  # "from the latest decision" or "configured"


def thresholds(view: LiveView, policy: Any = None) -> Thresholds | None:
    """From the newest decision's trigger, else from the configured policy, else unknown."""
    for d in reversed(view.decisions):
        if d.trigger is not None:
            t = d.trigger
            return Thresholds(t.scale_up_threshold * 100, t.target * 100,
                              t.scale_down_threshold * 100, t.window_s, "from the latest decision")
    if policy is not None and hasattr(policy, "scale_up_threshold"):
        return Thresholds(policy.scale_up_threshold * 100, policy.target * 100,
                          policy.scale_down_threshold * 100, policy.window_s, "configured")
    return None


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
