"""The original import path of DRMRealTimeDashboard: an alias of drm_dashboard.dashboard."""

from drm_dashboard.dashboard import DRMRealTimeDashboard

__all__ = ["DRMRealTimeDashboard"]
