"""Alerts as the engine emits them, a free port and a poller, for the notification tests."""

from __future__ import annotations

import socket
import time
from typing import Callable

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


def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll predicate until true or timeout; True when it came true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
