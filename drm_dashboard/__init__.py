"""drm-dashboard: the real-time performance dashboard for Dynamic Resource Management."""

__version__ = "0.1.0"
