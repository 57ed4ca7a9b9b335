"""The embedded DynamicResourceManager, its scaling policy and the built-in seeded workload."""

from .capacity import Capacity, Reservation
from .manager import DynamicResourceManager
from .scaling import ScalingPolicy
from .workload import InjectedRegression, WorkerShape, Workload, WorkloadConfig, WorkloadDriver

__all__ = ["Capacity", "DynamicResourceManager", "InjectedRegression", "Reservation",
           "ScalingPolicy", "WorkerShape", "Workload", "WorkloadConfig", "WorkloadDriver"]
