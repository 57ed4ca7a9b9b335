"""Reports and visualization: the five DRM charts, the resource dashboard, the live page, monitoring."""

from .cloud import CloudProviderManager, CloudWorker, LocalCloudProvider
from .cloud_config import CloudConfig, InstanceType, ProviderRates
from .integration import DRMVisualizationIntegration
from .monitoring import MonitoringDashboard
from .visualization import DRMVisualization

__all__ = ["CloudConfig", "CloudProviderManager", "CloudWorker", "DRMVisualization",
           "DRMVisualizationIntegration", "InstanceType", "LocalCloudProvider", "MonitoringDashboard",
           "ProviderRates"]
