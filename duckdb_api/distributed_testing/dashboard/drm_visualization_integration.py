"""The original import path of DRMVisualizationIntegration: an alias of drm_dashboard.monitoring."""

from drm_dashboard.monitoring import DRMVisualizationIntegration

__all__ = ["DRMVisualizationIntegration"]
