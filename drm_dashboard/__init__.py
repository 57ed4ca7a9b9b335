"""drm-dashboard: the real-time performance dashboard for Dynamic Resource Management."""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """DRMVisualization on first use: plotly loads only for the reports that need it."""
    if name == "DRMVisualization":
        from .visualization import DRMVisualization  # noqa: PLC0415
        return DRMVisualization
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
