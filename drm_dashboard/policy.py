"""The scaling policy's numbers: one home for the manager that applies them and the replay that tries others."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ScalingPolicy:
    """Thresholds are fractions of reservable capacity (dominant resource); times are seconds."""

    target: float = 0.7
    scale_up_threshold: float = 0.8
    scale_down_threshold: float = 0.3
    cooldown_up_s: float = 300.0
    cooldown_down_s: float = 600.0
    window_s: float = 120.0
    min_workers: int = 1
    max_workers: int = 64

    def __post_init__(self) -> None:
        if not 0 <= self.scale_down_threshold < self.target < self.scale_up_threshold <= 1:
            raise ValueError("ScalingPolicy: need 0 <= scale_down_threshold < target < "
                             f"scale_up_threshold <= 1, got {self.scale_down_threshold:g}, "
                             f"{self.target:g}, {self.scale_up_threshold:g}")
        if not 0 <= self.min_workers <= self.max_workers:
            raise ValueError(f"ScalingPolicy: need 0 <= min_workers <= max_workers, got "
                             f"{self.min_workers}, {self.max_workers}")
        # NaN fails every comparison, so each bound is written to refuse it too
        if not (0 <= self.cooldown_up_s < math.inf and 0 <= self.cooldown_down_s < math.inf):
            raise ValueError("ScalingPolicy: cooldowns must be finite and >= 0 s")
        if not 0 < self.window_s < math.inf:
            raise ValueError("ScalingPolicy: window_s must be finite and above 0 s")


def _stated(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def unstated(reported: Any) -> tuple[str, ...]:
    """The policy fields a reported policy does not state as a finite number (NaN, missing)."""
    return tuple(f.name for f in fields(ScalingPolicy) if not _stated(getattr(reported, f.name, None)))


def policy_from_reported(reported: Any, **changes: Any) -> ScalingPolicy:
    """The fields a manager states, the defaults for those it does not, then `changes`; ValueError if inconsistent."""
    stated = {f.name: getattr(reported, f.name) for f in fields(ScalingPolicy)
              if _stated(getattr(reported, f.name, None))}
    return ScalingPolicy(**{**stated, **changes})
