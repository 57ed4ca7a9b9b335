"""TickSeries: the live window as analytics reads it, aligned arrays by catalogued name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np


@dataclass(frozen=True, eq=False)
class TickSeries:
    """Ticks up to `seq`: sequence numbers, epoch-second timestamps and one array per metric."""

    seq: int  # the last tick published, also when the window holds none
    seqs: np.ndarray  # int, [T], increasing
    timestamps: np.ndarray  # float64 epoch seconds, [T]
    columns: Mapping[str, np.ndarray]  # catalog name -> float64 [T], NaN where not reported

    @property
    def n_ticks(self) -> int:
        return int(self.timestamps.shape[0])

    @property
    def last_timestamp(self) -> float | None:
        return float(self.timestamps[-1]) if self.n_ticks else None

    def latest(self, name: str) -> float:
        """Last value of a column; NaN for an empty window."""
        return float(self.columns[name][-1]) if self.n_ticks else float("nan")

    @classmethod
    def of(cls, timestamps: np.ndarray, columns: Mapping[str, np.ndarray],
           first_seq: int = 1) -> "TickSeries":
        """A series numbered first_seq.. from plain arrays (tests, replays, benchmarks)."""
        ts = np.asarray(timestamps, dtype=np.float64)
        seqs = np.arange(first_seq, first_seq + ts.shape[0])
        cols = {k: np.asarray(v, dtype=np.float64) for k, v in columns.items()}
        return cls(first_seq + ts.shape[0] - 1, seqs, ts, cols)
