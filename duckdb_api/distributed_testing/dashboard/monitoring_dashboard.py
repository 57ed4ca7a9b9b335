"""The original import path of MonitoringDashboard: an alias of drm_dashboard.monitoring."""

from drm_dashboard.monitoring import MonitoringDashboard

__all__ = ["MonitoringDashboard"]
