"""Rows the history store has not written yet, kept as per-tick arrays so a flush concatenates once."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..models import Alert, ScalingDecision
from .schema import (INTEGER_COLUMNS, PERFORMANCE_COLUMNS, SYSTEM_COLUMNS, WORKER_COLUMNS,
                     alerts_frame, decisions_frame)


@dataclass
class Buffer:
    """Rows not yet written; numbers kept as per-tick arrays so a flush concatenates once."""

    ts: list[float] = field(default_factory=list)
    system: list[list[float]] = field(default_factory=list)
    clusters: list[str] = field(default_factory=list)  # the cluster of each system row
    perf_ts: list[float] = field(default_factory=list)
    perf: list[list[float]] = field(default_factory=list)
    perf_clusters: list[str] = field(default_factory=list)
    worker_ts: list[np.ndarray] = field(default_factory=list)
    worker_ids: list[str] = field(default_factory=list)
    worker_clusters: list[str] = field(default_factory=list)
    worker_status: list[str] = field(default_factory=list)
    workers: list[np.ndarray] = field(default_factory=list)
    decisions: dict[tuple, tuple[str, ScalingDecision]] = field(default_factory=dict)
    alerts: dict[str, tuple[str, Alert]] = field(default_factory=dict)
    since: float | None = None  # clock time of the first row buffered

    def frames(self) -> dict[str, pd.DataFrame]:
        """One DataFrame per table that has rows to write."""
        out: dict[str, pd.DataFrame] = {}
        if self.ts:
            out["system_metrics"] = _numeric_frame(self.ts, self.system, SYSTEM_COLUMNS)
            out["system_metrics"]["cluster"] = self.clusters
        if self.perf_ts:
            out["performance_metrics"] = _numeric_frame(self.perf_ts, self.perf, PERFORMANCE_COLUMNS)
            out["performance_metrics"]["cluster"] = self.perf_clusters
        if self.workers:
            frame = _numeric_frame(np.concatenate(self.worker_ts), np.concatenate(self.workers),
                                   WORKER_COLUMNS)
            frame.insert(1, "worker_id", self.worker_ids)
            frame.insert(2, "status", self.worker_status)
            frame["cluster"] = self.worker_clusters
            out["worker_metrics"] = frame
        if self.decisions:
            out["scaling_decisions"] = _with_clusters(decisions_frame(d for _, d in self.decisions.values()),
                                                      self.decisions.values())
        if self.alerts:
            out["alerts"] = _with_clusters(alerts_frame(a for _, a in self.alerts.values()),
                                           self.alerts.values())
        return out


def _with_clusters(frame: pd.DataFrame, tagged: object) -> pd.DataFrame:
    frame["cluster"] = [c for c, _ in tagged]  # type: ignore[attr-defined]
    return frame


def _numeric_frame(ts: object, rows: object, names: tuple[str, ...]) -> pd.DataFrame:
    values = np.asarray(rows, dtype=np.float64).reshape(-1, len(names))
    data = {"ts": np.asarray(ts, dtype=np.float64)}
    for j, name in enumerate(names):
        column = values[:, j]
        if name in INTEGER_COLUMNS:
            # a count the source did not report is stored as NULL, not as 0 (nullable only then:
            # pandas' Int64 costs 50x a plain cast)
            column = pd.array(column, dtype="Int64") if np.isnan(column).any() else column.astype(np.int64)
        data[name] = column
    return pd.DataFrame(data)
