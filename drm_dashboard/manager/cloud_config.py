"""The hourly-rates config of the local cloud provider: instance types and what each provider charges."""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..errors import ConfigError
from .capacity import MachineSize
from .workload import DEFAULT_SHAPES

# capacities compare equal within this much (memory sizes arrive as floats)
_MATCH_EPS = 1e-6


@dataclass(frozen=True)
class InstanceType(MachineSize):
    """A machine size a provider can start."""

    def matches(self, cores: float, memory_mb: float, gpu_memory_mb: float) -> bool:
        """True when a worker of this capacity is a machine of this type."""
        return all(math.isclose(a, b, abs_tol=_MATCH_EPS) for a, b in (
            (self.cpu_cores, cores), (self.memory_mb, memory_mb), (self.gpu_memory_mb, gpu_memory_mb)))


@dataclass(frozen=True)
class ProviderRates:
    """One provider: its hourly price per instance type and how many workers it may run at once."""

    name: str
    hourly: Mapping[str, float]
    max_workers: int | None = None


@dataclass(frozen=True)
class CloudConfig:
    """Instance types and providers; a provider offers exactly the types it has a rate for."""

    instance_types: tuple[InstanceType, ...]
    providers: tuple[ProviderRates, ...]
    currency: str = "USD"

    def instance(self, name: str) -> InstanceType:
        """The instance type of that name; ConfigError naming the known ones otherwise."""
        for it in self.instance_types:
            if it.name == name:
                return it
        known = ", ".join(it.name for it in self.instance_types)
        raise ConfigError(f"unknown instance type {name!r}; the rates config has {known}")

    def provider(self, name: str) -> ProviderRates:
        """The provider of that name; ConfigError naming the known ones otherwise."""
        for p in self.providers:
            if p.name == name:
                return p
        raise ConfigError(f"unknown provider {name!r}; the rates config has "
                          f"{', '.join(p.name for p in self.providers)}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CloudConfig":
        """Validate the config's JSON/TOML shape; ConfigError names the first bad field."""
        types = tuple(_instance(name, spec) for name, spec in _table(data, "instance_types").items())
        providers = tuple(_provider(name, spec, {t.name for t in types})
                          for name, spec in _table(data, "providers").items())
        if not types or not providers:
            raise ConfigError("cloud rates: need at least one instance type and one provider")
        return cls(types, providers, str(data.get("currency", "USD")))

    @classmethod
    def load(cls, path: str | Path) -> "CloudConfig":
        """Read a .json or .toml rates file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cloud rates {path}: {exc}") from None
        return cls.from_dict(data)


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(value, Mapping):
        raise ConfigError(f"cloud rates: {key}: expected a table keyed by name")
    return value


def _positive(value: Any, where: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"cloud rates: {where}: expected a number, got {value!r:.40}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"cloud rates: {where}: must be above 0, got {value}")
    return float(value)


def _instance(name: str, spec: Any) -> InstanceType:
    where = f"instance_types.{name}"
    if not isinstance(spec, Mapping):
        raise ConfigError(f"cloud rates: {where}: expected a table")
    return InstanceType(name, _positive(spec.get("cpu_cores"), f"{where}.cpu_cores"),
                        _positive(spec.get("memory_mb"), f"{where}.memory_mb"),
                        int(_positive(spec.get("gpu_devices", 0), f"{where}.gpu_devices", allow_zero=True)),
                        _positive(spec.get("gpu_memory_mb", 0), f"{where}.gpu_memory_mb", allow_zero=True))


def _provider(name: str, spec: Any, types: set[str]) -> ProviderRates:
    where = f"providers.{name}"
    rates = spec.get("hourly_rates") if isinstance(spec, Mapping) else None
    if not isinstance(rates, Mapping) or not rates:
        raise ConfigError(f"cloud rates: {where}.hourly_rates: expected a table of instance type -> rate")
    unknown = sorted(set(rates) - types)
    if unknown:
        raise ConfigError(f"cloud rates: {where}.hourly_rates: unknown instance type {unknown[0]!r}")
    cap = spec.get("max_workers")
    return ProviderRates(name, {k: _positive(v, f"{where}.hourly_rates.{k}", allow_zero=True)
                                for k, v in rates.items()},
                         None if cap is None else int(_positive(cap, f"{where}.max_workers")))


def _demo_types() -> dict[str, dict[str, float]]:
    """The demo workload's machine shapes as instance types, so every demo worker has a price."""
    return {s.name: {"cpu_cores": s.cpu_cores, "memory_mb": s.memory_mb,
                     "gpu_devices": s.gpu_devices, "gpu_memory_mb": s.gpu_memory_mb}
            for s in DEFAULT_SHAPES}


# Illustrative list prices (USD per hour) for the demo: a small, cheap on-premises pool that fills
# first, and a dearer burst provider without a quota. Pass your own file for real prices.
DEMO_RATES: dict[str, Any] = {
    "currency": "USD",
    "instance_types": _demo_types(),
    "providers": {
        "on-prem": {"max_workers": 4,
                    "hourly_rates": {"cpu-16": 0.35, "cpu-32": 0.70, "gpu-2x24": 1.90}},
        "cloud-burst": {"hourly_rates": {"cpu-16": 0.68, "cpu-32": 1.36, "gpu-2x24": 3.06}},
    },
}


def demo_config() -> CloudConfig:
    """The rates that the demo and the simulated monitoring run price their workers with."""
    return CloudConfig.from_dict(DEMO_RATES)
