"""Builders shared by the manager's tests (the fake clock itself lives in tests/drm_fakes.py)."""

from __future__ import annotations

from typing import Any

from drm_dashboard.manager import DynamicResourceManager, ScalingPolicy


def machine(cores: float = 10, memory_mb: float = 10_000, gpu_mb: float = 0, **extra: Any) -> dict:
    """A capacity record in the DESIGN.md schema; gpu_mb > 0 adds one GPU device."""
    res: dict[str, Any] = {"cpu": {"cores": cores}, "memory": {"total_mb": memory_mb}}
    if gpu_mb:
        res["gpu"] = {"devices": 1, "memory_mb": gpu_mb}
    res.update(extra)
    return res


def pool(clock, workers: int = 4, policy: ScalingPolicy | None = None, **kwargs: Any
         ) -> DynamicResourceManager:
    """A manager with `workers` identical 10-core, 10,000 MB workers named w0, w1, ..."""
    manager = DynamicResourceManager(clock=clock, policy=policy, **kwargs)
    for i in range(workers):
        manager.register_worker(f"w{i}", machine())
    return manager


def fill(manager: DynamicResourceManager, cores: float, prefix: str = "t") -> list[str]:
    """Reserve `cores` one core at a time (100 MB each); return the reservation ids."""
    ids = [manager.reserve_resources(f"{prefix}{i}", {"cpu_cores": 1, "memory_mb": 100})
           for i in range(int(cores))]
    assert all(ids), "the pool was expected to have room"
    return ids  # type: ignore[return-value]


def hold(manager: DynamicResourceManager, clock, seconds: float, every: float = 10.0) -> None:
    """Let time pass while a collector polls statistics (each poll is a policy sample)."""
    for _ in range(int(seconds / every)):
        clock.advance(every)
        manager.get_worker_statistics()
