"""The original import path of MonitoringDashboard: an alias of drm_dashboard.visualization."""

from drm_dashboard.visualization import MonitoringDashboard

__all__ = ["MonitoringDashboard"]
