"""The original import path of DRMVisualizationIntegration: an alias of drm_dashboard.visualization."""

from drm_dashboard.visualization import DRMVisualizationIntegration

__all__ = ["DRMVisualizationIntegration"]
