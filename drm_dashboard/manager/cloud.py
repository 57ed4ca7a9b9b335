"""Cloud providers: the CloudProviderManager seam and a local implementation priced from hourly rates."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

from ..errors import ConfigError
from .capacity import parse_capacity
from .cloud_config import CloudConfig, InstanceType, demo_config

_HOUR_S = 3600.0


@dataclass(frozen=True)
class CloudWorker:
    """One machine a provider ran for us: what it was, what it cost per hour, and when it ran."""

    worker_id: str
    provider: str
    instance_type: str
    hourly_rate: float
    started: float
    ended: float | None = None

    def cost(self, at: float) -> float:
        """Money it had cost by `at` (epoch s)."""
        end = at if self.ended is None else min(self.ended, at)
        return max(end - self.started, 0.0) / _HOUR_S * self.hourly_rate


@runtime_checkable
class CloudProviderManager(Protocol):
    """Where workers come from and what they cost."""

    currency: str

    def providers(self) -> Sequence[str]:
        """Names of the providers workers can be created at."""
        ...

    def create_worker(self, provider: str, instance_type: str) -> str:
        """Start a worker and register it with the resource manager; its id."""
        ...

    def terminate_worker(self, worker_id: str) -> bool:
        """Stop a worker; False when it was not running."""
        ...

    def active_workers(self, provider: str | None = None) -> Sequence[CloudWorker]:
        """Workers running now, at one provider or all."""
        ...

    def cost_estimate(self, provider: str | None = None) -> float:
        """Money spent so far, at one provider or all."""
        ...

    def worker_history(self) -> Sequence[CloudWorker]:
        """Every worker ever run, running ones with ended=None (what the cost chart draws)."""
        ...


class LocalCloudProvider:
    """Providers that are rate cards: workers register with a local manager and accrue hourly cost."""

    def __init__(self, manager: Any, config: CloudConfig | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.manager = manager
        self.config = config or demo_config()
        self.currency = self.config.currency
        self._clock = clock
        self._lock = threading.Lock()
        self._history: list[CloudWorker] = []  # every machine ever run, in start order
        self._running: dict[str, int] = {}  # worker id -> its index in _history
        self._next_id = 0

    def providers(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.config.providers)

    def create_worker(self, provider: str, instance_type: str) -> str:
        """Start a machine of that type at that provider and register it; ConfigError when it can't."""
        it = self.config.instance(instance_type)
        with self._lock:
            rate = self._rate(provider, it.name)
            self._next_id += 1
            worker_id = f"{provider}-{self._next_id:03d}"
            self._start(worker_id, provider, it, rate)
        try:
            self.manager.register_worker(worker_id, it.resources())
        except BaseException:
            self.release(worker_id)  # a machine the pool never saw must not be billed on
            raise
        return worker_id

    def adopt(self, worker_id: str, resources: Mapping[str, Any]) -> CloudWorker:
        """Price a worker registered by someone else: its instance type, at the cheapest provider with room."""
        cap = parse_capacity(resources)
        it = next((t for t in self.config.instance_types
                   if t.matches(cap.cpu_cores, cap.memory_mb, cap.gpu_memory_mb)), None)
        if it is None:
            raise ConfigError(f"worker {worker_id}: no instance type in the rates config has "
                              f"{cap.cpu_cores:g} cores, {cap.memory_mb:g} MB, "
                              f"{cap.gpu_memory_mb:g} MB GPU")
        with self._lock:
            if worker_id in self._running:  # registered again: the same machine, still metered
                return self._history[self._running[worker_id]]
            provider, rate = self._cheapest(it.name)
            return self._start(worker_id, provider, it, rate)

    def terminate_worker(self, worker_id: str) -> bool:
        """Deregister the worker and stop its meter; False when it was not running."""
        if not self.release(worker_id):
            return False
        try:
            self.manager.deregister_worker(worker_id)
        except KeyError:
            pass  # the manager already dropped it (lost or removed): the meter is what matters here
        return True

    def release(self, worker_id: str) -> bool:
        """Stop the worker's meter without touching the manager; False when it was not running."""
        with self._lock:
            index = self._running.pop(worker_id, None)
            if index is None:
                return False
            self._history[index] = replace(self._history[index], ended=self._clock())
            return True

    def active_workers(self, provider: str | None = None) -> list[CloudWorker]:
        with self._lock:
            running = [self._history[i] for i in self._running.values()]
        return [w for w in running if provider in (None, w.provider)]

    def cost_estimate(self, provider: str | None = None) -> float:
        now = self._clock()
        with self._lock:
            history = tuple(self._history)
        return sum(w.cost(now) for w in history if provider in (None, w.provider))

    def hourly_cost(self, provider: str | None = None) -> float:
        """What the running workers cost per hour now."""
        return sum(w.hourly_rate for w in self.active_workers(provider))

    def worker_history(self) -> tuple[CloudWorker, ...]:
        with self._lock:
            return tuple(self._history)

    def provisioning_manager(self) -> "ProvisioningManager":
        """The manager as a provisioner should see it: every worker it registers is priced here."""
        return ProvisioningManager(self)

    # -- under the lock ----------------------------------------------------------------------
    def _rate(self, provider: str, instance_type: str) -> float:
        rates = self.config.provider(provider)
        if instance_type not in rates.hourly:
            raise ConfigError(f"provider {provider!r} has no rate for instance type {instance_type!r}")
        running = sum(1 for i in self._running.values() if self._history[i].provider == provider)
        if rates.max_workers is not None and running >= rates.max_workers:
            raise ConfigError(f"provider {provider!r} already runs its maximum of {rates.max_workers} workers")
        return rates.hourly[instance_type]

    def _cheapest(self, instance_type: str) -> tuple[str, float]:
        offers = []
        for p in self.config.providers:
            try:
                offers.append((self._rate(p.name, instance_type), p.name))
            except ConfigError:
                continue
        if not offers:
            raise ConfigError(f"no provider has room for another {instance_type} worker")
        rate, provider = min(offers)
        return provider, rate

    def _start(self, worker_id: str, provider: str, it: InstanceType, rate: float) -> CloudWorker:
        worker = CloudWorker(worker_id, provider, it.name, rate, self._clock())
        self._running[worker_id] = len(self._history)
        self._history.append(worker)
        return worker


class ProvisioningManager:
    """A DynamicResourceManager seen through the cloud: (de)registering a worker starts (stops) its meter."""

    def __init__(self, cloud: LocalCloudProvider) -> None:
        self._cloud = cloud
        self._manager = cloud.manager

    def register_worker(self, worker_id: str, resources: Mapping[str, Any]) -> None:
        """Price the machine first: a worker with no rate must not join the pool unpriced."""
        self._cloud.adopt(worker_id, resources)
        self._manager.register_worker(worker_id, resources)

    def deregister_worker(self, worker_id: str) -> None:
        self._manager.deregister_worker(worker_id)
        self._cloud.release(worker_id)

    def __getattr__(self, name: str) -> Any:
        # everything else (reserve, release, report_usage, evaluate_scaling, ...) is the manager's
        return getattr(self._manager, name)


@dataclass(frozen=True)
class ProviderSeries:
    """One provider over a time grid: workers running and money spent by each instant."""

    provider: str
    times: np.ndarray
    workers: np.ndarray
    cost: np.ndarray


def provider_series(history: Sequence[CloudWorker], times: np.ndarray) -> list[ProviderSeries]:
    """Workers and accrued cost per provider at each time (epoch s), providers by name."""
    out = []
    t = np.asarray(times, dtype=np.float64)[None, :]
    for provider in sorted({w.provider for w in history}):
        mine = [w for w in history if w.provider == provider]
        start = np.array([w.started for w in mine])[:, None]
        end = np.array([np.inf if w.ended is None else w.ended for w in mine])[:, None]
        rate = np.array([w.hourly_rate for w in mine])[:, None]
        running = (start <= t) & (t < end)
        hours = np.clip(np.minimum(t, end) - start, 0.0, None) / _HOUR_S
        out.append(ProviderSeries(provider, t[0], running.sum(axis=0), (hours * rate).sum(axis=0)))
    return out
