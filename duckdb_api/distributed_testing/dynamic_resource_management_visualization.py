"""The original import path of DRMVisualization: an alias of drm_dashboard.visualization."""

from drm_dashboard.visualization import DRMVisualization

__all__ = ["DRMVisualization"]
