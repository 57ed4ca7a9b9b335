"""Frozen records that cross module boundaries; dicts live only at the JSON edges."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

from .errors import PayloadError

ACTIONS = ("scale_up", "scale_down", "maintain")
ALERT_LEVELS = ("info", "warning", "error", "critical")
ALERT_SOURCES = ("scaling_decision", "regression_detection", "system", "threshold")
HEALTH_STATES = ("starting", "live", "stale", "error")
# a fraction a little over 1 is rounding in the reporter, not a schema break
_FRACTION_SLACK = 1e-6


def is_mapping(obj: Any) -> bool:
    """dict first: a typing.Mapping check is an ABC lookup, too slow for 1,000 workers a tick."""
    return type(obj) is dict or isinstance(obj, Mapping)


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _get(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if not is_mapping(obj):
        raise PayloadError(f"{path or 'payload'}: expected an object, got {type(obj).__name__}")
    if key not in obj:
        raise PayloadError(f"{_at(path, key)}: missing")
    return obj[key]


def number(value: Any, where: str, *, minimum: float = 0.0, maximum: float = math.inf) -> float:
    """Return value as a finite float in [minimum, maximum] or raise PayloadError naming where."""
    # fast path: a plain int or float in range (NaN fails the comparison, inf is excluded)
    kind = type(value)
    if (kind is float or kind is int) and minimum <= value <= maximum and value != math.inf:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PayloadError(f"{where}: expected a number, got {type(value).__name__} {value!r:.40}")
    result = float(value)
    if not math.isfinite(result):
        raise PayloadError(f"{where}: expected a finite number, got {result}")
    if result < minimum or result > maximum:
        raise PayloadError(f"{where}: {result:g} is outside [{minimum:g}, {maximum:g}]")
    return result


def count(value: Any, where: str) -> int:
    """Return value as a non-negative int or raise PayloadError naming where."""
    result = number(value, where)
    if result != int(result):
        raise PayloadError(f"{where}: expected a whole number, got {result:g}")
    return int(result)


def fraction(value: Any, where: str) -> float:
    """Return value as a fraction in [0, 1] or raise PayloadError naming where."""
    return min(number(value, where, maximum=1.0 + _FRACTION_SLACK), 1.0)


def optional_fraction(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    """A fraction that may be absent or null (GPU on a machine without one)."""
    value = obj.get(key) if is_mapping(obj) else None
    return None if value is None else fraction(value, _at(path, key))


@dataclass(frozen=True)
class WorkerSample:
    """One worker at one instant: measured use and reserved share, both fractions 0..1."""

    worker_id: str
    status: str
    cpu: float
    memory: float
    gpu: float | None
    overall: float
    alloc_cpu: float
    alloc_memory: float
    alloc_gpu: float | None
    tasks: int
    cpu_cores: float
    memory_mb: float
    gpu_devices: int
    gpu_memory_mb: float
    last_heartbeat: float

    @classmethod
    def from_json(cls, worker_id: str, data: Mapping[str, Any], path: str) -> "WorkerSample":
        """Validate one entry of the statistics' `workers` mapping."""
        util = _get(data, "utilization", path)
        alloc = data.get("allocated") or {}
        res = _get(data, "resources", path)
        cpu_res = _get(res, "cpu", _at(path, "resources"))
        mem_res = _get(res, "memory", _at(path, "resources"))
        gpu_res = res.get("gpu") or {}
        up, ap, rp = _at(path, "utilization"), _at(path, "allocated"), _at(path, "resources")
        status = data.get("status", "active")
        if not isinstance(status, str):
            raise PayloadError(f"{_at(path, 'status')}: expected a string")
        return cls(
            worker_id=worker_id,
            status=status,
            cpu=fraction(_get(util, "cpu", up), _at(up, "cpu")),
            memory=fraction(_get(util, "memory", up), _at(up, "memory")),
            gpu=optional_fraction(util, "gpu", up),
            overall=fraction(_get(util, "overall", up), _at(up, "overall")),
            alloc_cpu=fraction(alloc.get("cpu", 0.0), _at(ap, "cpu")),
            alloc_memory=fraction(alloc.get("memory", 0.0), _at(ap, "memory")),
            alloc_gpu=optional_fraction(alloc, "gpu", ap),
            tasks=count(data.get("tasks", 0), _at(path, "tasks")),
            cpu_cores=number(_get(cpu_res, "cores", rp + ".cpu"), rp + ".cpu.cores"),
            memory_mb=number(_get(mem_res, "total_mb", rp + ".memory"), rp + ".memory.total_mb"),
            gpu_devices=count(gpu_res.get("devices", 0), rp + ".gpu.devices"),
            gpu_memory_mb=number(gpu_res.get("memory_mb", 0.0), rp + ".gpu.memory_mb"),
            last_heartbeat=number(data.get("last_heartbeat", 0.0), _at(path, "last_heartbeat")),
        )


COUNTERS = ("allocations_total", "allocation_ms_total", "placements_total", "queue_wait_ms_total")


def _optional_number(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    value = obj.get(key)
    return None if value is None else number(value, _at(path, key))


@dataclass(frozen=True)
class PerformanceSample:
    """Control-plane KPIs at one instant, in the units their names carry."""

    task_throughput: float
    allocation_time_ms: float
    queue_wait_ms: float
    resource_efficiency: float
    tasks_completed: int
    tasks_failed: int
    # cumulative counters; optional because the original project's managers had none
    allocations_total: float | None = None
    allocation_ms_total: float | None = None
    placements_total: float | None = None
    queue_wait_ms_total: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], path: str = "performance") -> "PerformanceSample":
        """Validate `get_performance_metrics()`; efficiency is a fraction here."""
        return cls(
            task_throughput=number(_get(data, "task_throughput", path), _at(path, "task_throughput")),
            allocation_time_ms=number(
                _get(data, "allocation_time_ms", path), _at(path, "allocation_time_ms")
            ),
            queue_wait_ms=number(_get(data, "queue_wait_ms", path), _at(path, "queue_wait_ms")),
            resource_efficiency=number(
                _get(data, "resource_efficiency", path), _at(path, "resource_efficiency")
            ),
            tasks_completed=count(_get(data, "tasks_completed", path), _at(path, "tasks_completed")),
            tasks_failed=count(_get(data, "tasks_failed", path), _at(path, "tasks_failed")),
            **{name: _optional_number(data, name, path) for name in COUNTERS},
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ScalingTrigger:
    """The values a scaling decision was judged on, kept for provenance."""

    window_utilization: float
    instant_utilization: float
    window_s: float
    target: float
    scale_up_threshold: float
    scale_down_threshold: float
    cooldown_up_remaining_s: float
    cooldown_down_remaining_s: float
    pending_tasks: int
    worker_count: int


@dataclass(frozen=True)
class ScalingDecision:
    """What the policy decided, why, and on which numbers."""

    action: str
    count: int
    reason: str
    utilization: float
    worker_ids: tuple[str, ...] = ()
    timestamp: float = 0.0
    seq: int = 0
    trigger: ScalingTrigger | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["worker_ids"] = list(self.worker_ids)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], path: str = "decision") -> "ScalingDecision":
        """Validate one decision as the API and the history store carry it."""
        action = _get(data, "action", path)
        if action not in ACTIONS:
            raise PayloadError(f"{_at(path, 'action')}: {action!r:.40} is not one of {ACTIONS}")
        ids = data.get("worker_ids") or ()
        if not isinstance(ids, (list, tuple)) or not all(isinstance(i, str) for i in ids):
            raise PayloadError(f"{_at(path, 'worker_ids')}: expected a list of strings")
        trig = data.get("trigger")
        return cls(
            action=action,
            count=count(_get(data, "count", path), _at(path, "count")),
            reason=str(data.get("reason", "")),
            utilization=number(_get(data, "utilization", path), _at(path, "utilization")),
            worker_ids=tuple(ids),
            timestamp=number(_get(data, "timestamp", path), _at(path, "timestamp")),
            seq=count(data.get("seq", 0), _at(path, "seq")),
            trigger=_trigger_from_json(trig, _at(path, "trigger")) if trig else None,
        )


def _trigger_from_json(data: Mapping[str, Any], path: str) -> ScalingTrigger:
    ints = {"pending_tasks", "worker_count"}
    values = {}
    for name in ScalingTrigger.__dataclass_fields__:
        raw = _get(data, name, path)
        values[name] = count(raw, _at(path, name)) if name in ints else number(raw, _at(path, name))
    return ScalingTrigger(**values)


@dataclass(frozen=True)
class Snapshot:
    """Everything one poll of a source returns, validated; utilizations are fractions 0..1."""

    timestamp: float
    total_workers: int
    active_workers: int
    active_tasks: int
    pending_tasks: int
    resource_reservations: int
    cpu: float
    memory: float
    gpu: float | None
    overall: float
    workers: tuple[WorkerSample, ...] = ()
    performance: PerformanceSample | None = None
    decisions: tuple[ScalingDecision, ...] = ()
    # reserved share of the pool (dominant resource), the number the scaling policy judges;
    # optional because the original project's managers did not report it
    allocated: float | None = None

    @classmethod
    def from_json(
        cls,
        stats: Mapping[str, Any],
        performance: Mapping[str, Any] | None = None,
        decisions: Sequence[Mapping[str, Any]] = (),
    ) -> "Snapshot":
        """Validate the DESIGN.md shapes; raise PayloadError naming the first bad field."""
        p = "statistics"
        util = _get(stats, "overall_utilization", p)
        up = _at(p, "overall_utilization")
        raw_workers = stats.get("workers")
        raw_workers = {} if raw_workers is None else raw_workers
        if not is_mapping(raw_workers):
            raise PayloadError(f"{p}.workers: expected an object keyed by worker id")
        workers = tuple(
            WorkerSample.from_json(str(wid), w, f"{p}.workers[{wid!r}]")
            for wid, w in raw_workers.items()
        )
        if not isinstance(decisions, (list, tuple)):
            raise PayloadError("decisions: expected a list")
        return cls(
            timestamp=number(_get(stats, "timestamp", p), _at(p, "timestamp")),
            total_workers=count(_get(stats, "total_workers", p), _at(p, "total_workers")),
            active_workers=count(_get(stats, "active_workers", p), _at(p, "active_workers")),
            active_tasks=count(_get(stats, "active_tasks", p), _at(p, "active_tasks")),
            pending_tasks=count(stats.get("pending_tasks", 0), _at(p, "pending_tasks")),
            resource_reservations=count(
                stats.get("resource_reservations", 0), _at(p, "resource_reservations")
            ),
            cpu=fraction(_get(util, "cpu", up), _at(up, "cpu")),
            memory=fraction(_get(util, "memory", up), _at(up, "memory")),
            gpu=optional_fraction(util, "gpu", up),
            overall=fraction(_get(util, "overall", up), _at(up, "overall")),
            workers=workers,
            allocated=_allocated(stats.get("overall_allocation"), _at(p, "overall_allocation")),
            performance=PerformanceSample.from_json(performance) if performance else None,
            decisions=tuple(
                ScalingDecision.from_json(d, f"decisions[{i}]") for i, d in enumerate(decisions)
            ),
        )


def _allocated(data: Any, path: str) -> float | None:
    if data is None:
        return None
    return fraction(_get(data, "overall", path), _at(path, "overall"))


@dataclass(frozen=True)
class Alert:
    """One alert as the seed names it: level in ALERT_LEVELS, source in ALERT_SOURCES."""

    id: str
    timestamp: float
    level: str
    source: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.level not in ALERT_LEVELS:
            raise ValueError(f"alert level {self.level!r} is not one of {ALERT_LEVELS}")
        if self.source not in ALERT_SOURCES:
            raise ValueError(f"alert source {self.source!r} is not one of {ALERT_SOURCES}")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "details": dict(self.details)}


@dataclass(frozen=True)
class SourceHealth:
    """How the metrics source is doing, as the header shows it."""

    state: str = "starting"
    reason: str = ""
    since: float = 0.0
    last_success: float | None = None
    consecutive_failures: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
