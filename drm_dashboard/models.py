"""Frozen records that cross module boundaries; dicts live only at the JSON edges."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

from .errors import PayloadError
from .worker_columns import WorkerColumns
from .validation import (count, display_id, display_text, fraction, is_mapping, join_path, number,
                         optional_fraction, require)

ACTIONS = ("scale_up", "scale_down", "maintain")
ALERT_LEVELS = ("info", "warning", "error", "critical")
ALERT_SOURCES = ("scaling_decision", "regression_detection", "system", "threshold")
HEALTH_STATES = ("starting", "live", "stale", "error")


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
    last_heartbeat: float | None  # None: the source never said (the original's real manager)

    @classmethod
    def from_json(cls, worker_id: str, data: Mapping[str, Any], path: str) -> "WorkerSample":
        """Validate one entry of the statistics' `workers` mapping."""
        util = require(data, "utilization", path)
        alloc = data.get("allocated") or {}
        res = require(data, "resources", path)
        cpu_res = require(res, "cpu", join_path(path, "resources"))
        mem_res = require(res, "memory", join_path(path, "resources"))
        gpu_res = res.get("gpu") or {}
        up, ap, rp = join_path(path, "utilization"), join_path(path, "allocated"), join_path(path, "resources")
        status = data.get("status", "active")
        if not isinstance(status, str):
            raise PayloadError(f"{join_path(path, 'status')}: expected a string")
        return cls(
            worker_id=worker_id,
            status=display_text(status, 64),
            cpu=fraction(require(util, "cpu", up), join_path(up, "cpu")),
            memory=fraction(require(util, "memory", up), join_path(up, "memory")),
            gpu=optional_fraction(util, "gpu", up),
            overall=fraction(require(util, "overall", up), join_path(up, "overall")),
            alloc_cpu=fraction(alloc.get("cpu", 0.0), join_path(ap, "cpu")),
            alloc_memory=fraction(alloc.get("memory", 0.0), join_path(ap, "memory")),
            alloc_gpu=optional_fraction(alloc, "gpu", ap),
            tasks=count(data.get("tasks", 0), join_path(path, "tasks")),
            cpu_cores=number(require(cpu_res, "cores", rp + ".cpu"), rp + ".cpu.cores"),
            memory_mb=number(require(mem_res, "total_mb", rp + ".memory"), rp + ".memory.total_mb"),
            gpu_devices=count(gpu_res.get("devices", 0), rp + ".gpu.devices"),
            gpu_memory_mb=number(gpu_res.get("memory_mb", 0.0), rp + ".gpu.memory_mb"),
            last_heartbeat=_optional_number(data, "last_heartbeat", path),
        )


KPIS = ("task_throughput", "allocation_time_ms", "queue_wait_ms", "resource_efficiency",
        "tasks_completed", "tasks_failed")
COUNTERS = ("allocations_total", "allocation_ms_total", "placements_total", "queue_wait_ms_total")


def _optional_number(obj: Mapping[str, Any], key: str, path: str) -> float | None:
    value = obj.get(key)
    return None if value is None else number(value, join_path(path, key))


def _optional_count(obj: Mapping[str, Any], key: str, path: str) -> int | None:
    value = obj.get(key)
    return None if value is None else count(value, join_path(path, key))


@dataclass(frozen=True)
class PerformanceSample:
    """Control-plane KPIs at one instant, in the units their names carry."""

    # None is "not reported": the original's managers sent only some of these
    task_throughput: float | None
    allocation_time_ms: float | None
    queue_wait_ms: float | None
    resource_efficiency: float | None
    tasks_completed: int | None
    tasks_failed: int | None
    # cumulative counters; optional because the original project's managers had none
    allocations_total: float | None = None
    allocation_ms_total: float | None = None
    placements_total: float | None = None
    queue_wait_ms_total: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], path: str = "performance") -> "PerformanceSample":
        """Validate `get_performance_metrics()`; efficiency is a fraction; each KPI present, null allowed."""
        for name in KPIS:
            require(data, name, path)
        return cls(
            **{name: _optional_number(data, name, path) for name in KPIS[:4]},
            **{name: _optional_count(data, name, path) for name in KPIS[4:]},
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
    utilization: float | None  # None: the decision did not say (the original's mock)
    worker_ids: tuple[str, ...] = ()
    timestamp: float = 0.0
    seq: int = 0
    trigger: ScalingTrigger | None = None
    # the coordinator it came from when a dashboard watches several ("" with one)
    cluster: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["worker_ids"] = list(self.worker_ids)
        if not self.cluster:
            del data["cluster"]  # one coordinator: the original's dict, field for field
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], path: str = "decision") -> "ScalingDecision":
        """Validate one decision as the API and the history store carry it."""
        action = require(data, "action", path)
        if action not in ACTIONS:
            raise PayloadError(f"{join_path(path, 'action')}: {action!r:.40} is not one of {ACTIONS}")
        ids = data.get("worker_ids") or ()
        if not isinstance(ids, (list, tuple)) or not all(isinstance(i, str) for i in ids):
            raise PayloadError(f"{join_path(path, 'worker_ids')}: expected a list of strings")
        trig = data.get("trigger")
        return cls(
            action=action,
            count=count(require(data, "count", path), join_path(path, "count")),
            reason=display_text(data.get("reason", "")),
            utilization=_optional_number(data, "utilization", path),
            worker_ids=tuple(display_id(i) for i in ids),
            timestamp=number(require(data, "timestamp", path), join_path(path, "timestamp")),
            seq=count(data.get("seq", 0), join_path(path, "seq")),
            trigger=_trigger_from_json(trig, join_path(path, "trigger")) if trig else None,
            cluster=display_text(data.get("cluster") or ""),
        )


def _trigger_from_json(data: Mapping[str, Any], path: str) -> ScalingTrigger:
    ints = {"pending_tasks", "worker_count"}
    values = {}
    for name in ScalingTrigger.__dataclass_fields__:
        raw = require(data, name, path)
        values[name] = count(raw, join_path(path, name)) if name in ints else number(raw, join_path(path, name))
    return ScalingTrigger(**values)


@dataclass(frozen=True)
class Snapshot:
    """Everything one poll of a source returns, validated; utilizations are fractions 0..1."""

    timestamp: float
    total_workers: int
    active_workers: int | None  # None: not reported (the original's real manager sent neither)
    active_tasks: int
    pending_tasks: int | None
    resource_reservations: int
    cpu: float
    memory: float
    gpu: float | None
    overall: float
    # a WorkerColumns from from_json: records are built only for the workers someone reads
    workers: Sequence[WorkerSample] = ()
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
        util = require(stats, "overall_utilization", p)
        up = join_path(p, "overall_utilization")
        raw_workers = stats.get("workers")
        raw_workers = {} if raw_workers is None else raw_workers
        if not is_mapping(raw_workers):
            raise PayloadError(f"{p}.workers: expected an object keyed by worker id")
        workers = WorkerColumns.parse(raw_workers) if type(raw_workers) is dict else None
        if workers is None:
            # the checked path, one field at a time: it names what the bulk checks rejected;
            # ids and texts from a source are made safe to show here, once, for every reader
            workers = WorkerColumns.from_samples([
                WorkerSample.from_json(wid, w, f"{p}.workers[{wid!r}]")
                for wid, w in ((display_id(str(k)), v) for k, v in raw_workers.items())
            ])
        if not isinstance(decisions, (list, tuple)):
            raise PayloadError("decisions: expected a list")
        require(stats, "active_workers", p)  # present, and null when not reported
        return cls(
            timestamp=number(require(stats, "timestamp", p), join_path(p, "timestamp")),
            total_workers=count(require(stats, "total_workers", p), join_path(p, "total_workers")),
            active_workers=_optional_count(stats, "active_workers", p),
            active_tasks=count(require(stats, "active_tasks", p), join_path(p, "active_tasks")),
            pending_tasks=_optional_count(stats, "pending_tasks", p),
            resource_reservations=count(
                stats.get("resource_reservations", 0), join_path(p, "resource_reservations")
            ),
            cpu=fraction(require(util, "cpu", up), join_path(up, "cpu")),
            memory=fraction(require(util, "memory", up), join_path(up, "memory")),
            gpu=optional_fraction(util, "gpu", up),
            overall=fraction(require(util, "overall", up), join_path(up, "overall")),
            workers=workers,
            allocated=_allocated(stats.get("overall_allocation"), join_path(p, "overall_allocation")),
            performance=PerformanceSample.from_json(performance) if performance else None,
            decisions=tuple(
                ScalingDecision.from_json(d, f"decisions[{i}]") for i, d in enumerate(decisions)
            ),
        )


def _allocated(data: Any, path: str) -> float | None:
    if data is None:
        return None
    return fraction(require(data, "overall", path), join_path(path, "overall"))


@dataclass(frozen=True)
class Alert:
    """One alert as the seed names it: level in ALERT_LEVELS, source in ALERT_SOURCES."""

    id: str
    timestamp: float
    level: str
    source: str
    message: str
    details: Mapping[str, Any] = field(default_factory=dict)
    # the coordinator it concerns when a dashboard watches several ("" with one)
    cluster: str = ""

    def __post_init__(self) -> None:
        if self.level not in ALERT_LEVELS:
            raise ValueError(f"alert level {self.level!r} is not one of {ALERT_LEVELS}")
        if self.source not in ALERT_SOURCES:
            raise ValueError(f"alert source {self.source!r} is not one of {ALERT_SOURCES}")

    def to_dict(self) -> dict[str, Any]:
        data = {**asdict(self), "details": dict(self.details)}
        if not self.cluster:
            del data["cluster"]  # one coordinator: the original's dict, field for field
        return data


@dataclass(frozen=True)
class SourceHealth:
    """How the metrics source is doing, as the header shows it."""

    state: str = "starting"
    reason: str = ""
    since: float = 0.0
    last_success: float | None = None
    consecutive_failures: int = 0
    # epoch seconds of the next poll while failing (back-off), None while healthy
    next_try: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
