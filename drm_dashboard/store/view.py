"""LiveView: one published, immutable state of the live store."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Mapping

import numpy as np

from ..models import Alert, ScalingDecision, WorkerSample
from ..series import TickSeries
from .schema import PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_METRICS


Arrays = Mapping[str, np.ndarray]


def _empty_view_arrays() -> tuple[np.ndarray, Arrays, Arrays, Arrays]:
    def ro(arr: np.ndarray) -> np.ndarray:
        arr.flags.writeable = False
        return arr
    return (ro(np.empty(0)), {k: ro(np.empty(0)) for k in SYSTEM_COLUMNS},
            {k: ro(np.empty(0)) for k in PERFORMANCE_COLUMNS},
            {k: ro(np.empty((0, 0), np.float32)) for k in WORKER_METRICS})


@dataclass(frozen=True)
class HistoryRange:
    """Where a view read from the history file comes from: its range and bucket step (epoch s)."""

    start: float
    end: float
    step_s: float
    number: int  # distinct for every view built: names what a page shows


@dataclass(frozen=True, eq=False)
class LiveView:
    """Ticks first_seq..seq: read-only arrays (utilizations in percent) that never change."""

    seq: int
    first_seq: int
    timestamps: np.ndarray  # float64 epoch seconds, [T]
    system: Arrays  # SYSTEM_COLUMNS -> float64 [T]
    performance: Arrays  # PERFORMANCE_COLUMNS -> float64 [T], NaN when absent
    worker_ids: tuple[str, ...]
    workers: Arrays  # WORKER_METRICS -> float32 [T, W], NaN when absent
    latest_workers: tuple[WorkerSample, ...]
    decisions: tuple[ScalingDecision, ...]
    alerts: tuple[Alert, ...]
    # None for the live window; set on a view of bucket means read from the history file
    history: HistoryRange | None = None

    @classmethod
    def empty(cls, seq: int = 0) -> "LiveView":
        """A view with no ticks."""
        ts, system, perf, workers = _empty_view_arrays()
        return cls.build(seq, seq + 1, ts, system, perf, (), workers, (), (), ())

    @classmethod
    def build(cls, seq: int, first_seq: int, timestamps: np.ndarray, system: Arrays,
              performance: Arrays, worker_ids: tuple[str, ...], workers: Arrays,
              latest_workers: tuple[WorkerSample, ...], decisions: tuple[ScalingDecision, ...],
              alerts: tuple[Alert, ...], history: HistoryRange | None = None) -> "LiveView":
        """A view whose mappings are read-only proxies."""
        return cls(seq, first_seq, timestamps, MappingProxyType(dict(system)),
                   MappingProxyType(dict(performance)), worker_ids,
                   MappingProxyType(dict(workers)), latest_workers, decisions, alerts, history)

    @property
    def n_ticks(self) -> int:
        return int(self.timestamps.shape[0])

    @property
    def n_workers(self) -> int:
        return len(self.worker_ids)

    @property
    def is_empty(self) -> bool:
        return self.n_ticks == 0

    @property
    def span_s(self) -> float:
        """Seconds between the first and the last tick in the view."""
        return float(self.timestamps[-1] - self.timestamps[0]) if self.n_ticks else 0.0

    @property
    def last_timestamp(self) -> float | None:
        return float(self.timestamps[-1]) if self.n_ticks else None

    @property
    def seqs(self) -> np.ndarray:
        """Tick sequence numbers, one per row."""
        return np.arange(self.first_seq, self.first_seq + self.n_ticks)

    @cached_property
    def worker_index(self) -> Mapping[str, int]:
        """Column of each worker id in the worker matrices."""
        return MappingProxyType({wid: i for i, wid in enumerate(self.worker_ids)})

    @cached_property
    def present(self) -> np.ndarray:
        """[T, W] bool: the worker reported in that tick (its cpu is never NaN when it did)."""
        mask = ~np.isnan(self.workers["cpu"])
        mask.flags.writeable = False
        return mask

    def worker_series(self, worker_id: str, metric: str) -> np.ndarray:
        """One worker's metric over the view's ticks (NaN where absent); KeyError if unknown."""
        return self.workers[metric][:, self.worker_index[worker_id]]

    @cached_property
    def series(self) -> TickSeries:
        """The system and performance columns as the TickSeries analytics reads (no copies)."""
        return TickSeries(self.seq, self.seqs, self.timestamps,
                          MappingProxyType({**self.system, **self.performance}))

    def latest(self, name: str) -> float:
        """Last value of a system or performance column; NaN for an empty view."""
        column = self.system[name] if name in self.system else self.performance[name]
        return float(column[-1]) if self.n_ticks else float("nan")
