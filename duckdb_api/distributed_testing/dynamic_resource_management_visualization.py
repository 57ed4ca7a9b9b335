"""The original import path of DRMVisualization: an alias of drm_dashboard.report.visualization."""

from drm_dashboard.report.visualization import DRMVisualization

__all__ = ["DRMVisualization"]
