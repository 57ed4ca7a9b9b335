"""The original import path of DynamicResourceManager: an alias of drm_dashboard.manager."""

from drm_dashboard.manager import DynamicResourceManager, ScalingPolicy
from drm_dashboard.models import ScalingDecision

__all__ = ["DynamicResourceManager", "ScalingDecision", "ScalingPolicy"]
