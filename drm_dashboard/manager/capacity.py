"""Capacity, requirement and usage records, validated with errors that name the field."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

# a fraction a little over 1 is rounding in the reporter, not a bad value
_FRACTION_SLACK = 1e-6
KINDS = ("cpu", "memory", "gpu")


def fmt(value: float) -> str:
    """A number as a person writes it: 65536, not 65536.0."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def check_id(value: Any, name: str) -> None:
    """A worker or task id: a non-empty string, or ValueError naming the argument."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name}: expected a non-empty string, got {value!r:.40}")


def check_number(value: Any, where: str) -> float:
    """Return value as a finite, non-negative float or raise ValueError naming where."""
    # bool is an int subclass, but True cores is a bug in the caller, not a number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: expected a number, got {type(value).__name__} {value!r:.40}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{where}: expected a finite number, got {result}")
    if result < 0:
        raise ValueError(f"{where}: must not be negative, got {fmt(result)}")
    return result


def check_fraction(value: Any, where: str) -> float:
    """Return value as a fraction in [0, 1] or raise ValueError naming where."""
    result = check_number(value, where)
    if result > 1.0 + _FRACTION_SLACK:
        raise ValueError(f"{where}: {fmt(result)} is above 1 (usage is a fraction 0..1)")
    return min(result, 1.0)


def _field(section: Mapping[str, Any], path: str, key: str, default: float | None = None) -> float:
    if key not in section or section[key] is None:
        if default is None:
            raise ValueError(f"{path}.{key}: missing")
        return default
    return check_number(section[key], f"{path}.{key}")


def _not_above(avail_path: str, avail: float, total_path: str, total: float) -> None:
    if avail > total:
        raise ValueError(f"{avail_path} ({fmt(avail)}) exceeds {total_path} ({fmt(total)})")


def _section(resources: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    section = resources.get(key)
    if not isinstance(section, Mapping):
        got = "missing" if section is None else f"expected an object, got {type(section).__name__}"
        raise ValueError(f"{key}: {got}")
    return section


@dataclass(frozen=True)
class Capacity:
    """A worker's capacity: totals, and what of them we may reserve (the rest is taken outside us)."""

    cpu_cores: float
    reservable_cores: float
    memory_mb: float
    reservable_memory_mb: float
    gpu_devices: int = 0
    gpu_memory_mb: float = 0.0
    reservable_gpu_memory_mb: float = 0.0

    @property
    def has_gpu(self) -> bool:
        return self.gpu_memory_mb > 0

    @property
    def reservable(self) -> tuple[float, float, float]:
        """Reservable (cpu cores, memory MB, GPU memory MB)."""
        return (self.reservable_cores, self.reservable_memory_mb, self.reservable_gpu_memory_mb)


def parse_capacity(resources: Mapping[str, Any]) -> Capacity:
    """Validate the capacity schema; also the original's `{"resources": {...}}`, `total_memory_mb`."""
    if not isinstance(resources, Mapping):
        raise ValueError(f"resources: expected an object, got {type(resources).__name__}")
    if isinstance(resources.get("resources"), Mapping):
        resources = resources["resources"]
    cpu, mem = _section(resources, "cpu"), _section(resources, "memory")
    cores = _field(cpu, "cpu", "cores")
    free_cores = _field(cpu, "cpu", "available_cores", cores)
    _not_above("cpu.available_cores", free_cores, "cpu.cores", cores)
    total_mb = _field(mem, "memory", "total_mb")
    free_mb = _field(mem, "memory", "available_mb", total_mb)
    _not_above("memory.available_mb", free_mb, "memory.total_mb", total_mb)
    gpu = resources.get("gpu")
    if not gpu:
        return Capacity(cores, free_cores, total_mb, free_mb)
    return Capacity(cores, free_cores, total_mb, free_mb, *_parse_gpu(gpu))


def _parse_gpu(gpu: Any) -> tuple[int, float, float]:
    if not isinstance(gpu, Mapping):
        raise ValueError(f"gpu: expected an object, got {type(gpu).__name__}")
    devices = _field(gpu, "gpu", "devices", 1.0)
    if not devices.is_integer():
        raise ValueError(f"gpu.devices: expected a whole number, got {fmt(devices)}")
    key = "memory_mb" if "memory_mb" in gpu or "total_memory_mb" not in gpu else "total_memory_mb"
    total = _field(gpu, "gpu", key)
    free = _field(gpu, "gpu", "available_memory_mb", total)
    _not_above("gpu.available_memory_mb", free, f"gpu.{key}", total)
    return int(devices), total, free


@dataclass(frozen=True)
class MachineSize:
    """A kind of machine: its capacity, and the schema a fresh one registers with."""

    name: str
    cpu_cores: float
    memory_mb: float
    gpu_devices: int = 0
    gpu_memory_mb: float = 0.0

    @property
    def has_gpu(self) -> bool:
        return self.gpu_memory_mb > 0

    def resources(self) -> dict[str, Any]:
        """The capacity schema a fresh machine of this size registers with."""
        out: dict[str, Any] = {"cpu": {"cores": self.cpu_cores, "available_cores": self.cpu_cores},
                               "memory": {"total_mb": self.memory_mb, "available_mb": self.memory_mb}}
        if self.has_gpu:
            out["gpu"] = {"devices": self.gpu_devices, "memory_mb": self.gpu_memory_mb,
                          "available_memory_mb": self.gpu_memory_mb}
        return out


@dataclass(frozen=True)
class Requirements:
    """What one task asks for."""

    cpu_cores: float = 0.0
    memory_mb: float = 0.0
    gpu_memory_mb: float = 0.0

    @property
    def amounts(self) -> tuple[float, float, float]:
        return (self.cpu_cores, self.memory_mb, self.gpu_memory_mb)


def parse_requirements(requirements: Mapping[str, Any]) -> Requirements:
    """Validate `{cpu_cores, memory_mb, gpu_memory_mb}`; a missing key means 0."""
    if not isinstance(requirements, Mapping):
        raise ValueError(f"requirements: expected an object, got {type(requirements).__name__}")
    return Requirements(*(check_number(requirements.get(key, 0.0), key)
                          for key in ("cpu_cores", "memory_mb", "gpu_memory_mb")))


@dataclass(frozen=True)
class Usage:
    """Measured use of a worker, fractions 0..1 of its capacity."""

    cpu: float = 0.0
    memory: float = 0.0
    gpu: float | None = None


def parse_usage(cpu: Any, memory: Any, gpu: Any) -> Usage:
    """Validate one usage report; gpu may be None (no GPU, or not measured)."""
    return Usage(check_fraction(cpu, "cpu"), check_fraction(memory, "memory"),
                 None if gpu is None else check_fraction(gpu, "gpu"))


@dataclass(frozen=True)
class Reservation:
    """Resources held for one task on one worker since `created_at` (epoch s)."""

    reservation_id: str
    task_id: str
    worker_id: str
    cpu_cores: float
    memory_mb: float
    gpu_memory_mb: float
    created_at: float

    @property
    def amounts(self) -> tuple[float, float, float]:
        return (self.cpu_cores, self.memory_mb, self.gpu_memory_mb)
