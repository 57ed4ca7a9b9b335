"""drm-dashboard: the real-time performance dashboard for Dynamic Resource Management."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it; loaded on first use, so `import drm_dashboard` pulls in
# neither dash, plotly nor duckdb (a testing framework importing only the manager stays light)
_EXPORTS = {
    "DRMRealTimeDashboard": ".dashboard",
    "DynamicResourceManager": ".manager",
    "ScalingPolicy": ".manager",
    "Workload": ".manager",
    "WorkloadConfig": ".manager",
    "WorkloadDriver": ".manager",
    "ScalingDecision": ".models",
    "Snapshot": ".models",
    "Settings": ".config",
    "LocalSource": ".sources.local",
    "CoordinatorSource": ".sources.coordinator",
    "LiveStore": ".store.live",
    "HistoryStore": ".store.history",
    "DRMVisualization": ".report.visualization",
    "DRMVisualizationIntegration": ".monitoring",
    "MonitoringDashboard": ".monitoring",
    "CloudProviderManager": ".manager.cloud",
    "LocalCloudProvider": ".manager.cloud",
    "CloudConfig": ".manager.cloud_config",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
