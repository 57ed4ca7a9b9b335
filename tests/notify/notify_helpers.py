"""Alerts as the engine emits them, for the notification tests."""

from __future__ import annotations

from drm_dashboard.models import Alert

T0 = 1_700_000_000.0


def firing(level: str = "warning", n: int = 0) -> Alert:
    return Alert(f"threshold:cpu-hot:{int(T0) + n}", T0 + n, level, "threshold",
                 "CPU saturated (cpu_utilization 95% above 90% for 60 s) <&>",
                 {"state": "firing", "rule": "cpu-hot", "value": 95.0, "threshold": 90.0})


def resolved(level: str = "warning") -> Alert:
    return Alert(f"threshold:cpu-hot:{int(T0)}", T0 + 100, level, "threshold",
                 "Resolved: CPU saturated (cpu_utilization 70% back below 80%)",
                 {"state": "resolved", "rule": "cpu-hot", "value": 70.0, "resolved_at": T0 + 100})


