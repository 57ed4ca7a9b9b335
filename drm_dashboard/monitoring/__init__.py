"""The original's monitoring web app: /drm-dashboard over DRMVisualizationIntegration, and its command line."""

from .app import MonitoringDashboard
from .integration import DRMVisualizationIntegration

__all__ = ["DRMVisualizationIntegration", "MonitoringDashboard"]
