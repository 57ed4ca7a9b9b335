"""Column names and units shared by the live and history stores, and record <-> row conversions."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from operator import attrgetter
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..catalog import METRICS, names
from ..models import Alert, ScalingDecision, Snapshot, WorkerSample
from ..worker_columns import NUMBER_FIELDS, WorkerColumns

# the stores' columns are the catalog's, in its order; every utilization is in PERCENT (0..100)
SYSTEM_COLUMNS = names(group="system")
PERFORMANCE_COLUMNS = names(group="performance")
# the per-worker matrices of the live store
WORKER_METRICS = names(group="worker")
# history keeps every number of a WorkerSample so the latest tick can be rebuilt on a warm start
WORKER_COLUMNS = NUMBER_FIELDS  # the model's order: a validated tick's matrix needs no shuffle
# whole numbers: stored as BIGINT, cast back from the float rows before a bulk insert
INTEGER_COLUMNS = frozenset(names(kind="count")) | {"gpu_devices"}
_WORKER_PERCENT = 7  # the first seven WORKER_COLUMNS are fractions in the model
_WORKER_LIVE = [WORKER_COLUMNS.index(m) for m in WORKER_METRICS]
_worker_numbers = attrgetter(*WORKER_COLUMNS)
_NAN = math.nan


# (record attribute, scale) of each column, read once: a row is built on every tick
_SYSTEM_FIELDS = tuple((METRICS[c].field, METRICS[c].scale) for c in SYSTEM_COLUMNS)
_PERFORMANCE_FIELDS = tuple((METRICS[c].field, METRICS[c].scale) for c in PERFORMANCE_COLUMNS)


def _row(record: Any, fields: tuple[tuple[str, float], ...]) -> list[float]:
    """The record's catalogued values, scaled; NaN for what it did not report (None)."""
    out = []
    for name, scale in fields:
        value = getattr(record, name)
        out.append(_NAN if value is None else value * scale)
    return out


def system_row(snap: Snapshot) -> list[float]:
    """One tick's system values in SYSTEM_COLUMNS order; percent, NaN for a missing GPU."""
    return _row(snap, _SYSTEM_FIELDS)


def performance_row(snap: Snapshot) -> list[float]:
    """One tick's KPIs in PERFORMANCE_COLUMNS order; efficiency in percent, NaN when absent."""
    if snap.performance is None:
        return [_NAN] * len(PERFORMANCE_COLUMNS)
    return _row(snap.performance, _PERFORMANCE_FIELDS)


def worker_table(workers: Sequence[WorkerSample]) -> np.ndarray:
    """[W, WORKER_COLUMNS] float64 in one pass over the samples; None becomes NaN."""
    if isinstance(workers, WorkerColumns):
        table = workers.values.copy()  # validated in bulk: no records to read
    elif not workers:
        return np.empty((0, len(WORKER_COLUMNS)))
    else:
        table = np.array(list(map(_worker_numbers, workers)), dtype=np.float64)
    table[:, :_WORKER_PERCENT] *= 100.0
    return table


def live_metrics(table: np.ndarray) -> np.ndarray:
    """The WORKER_METRICS columns of a worker_table, in that order."""
    return table[:, _WORKER_LIVE]


def workers_from_frame(frame: pd.DataFrame) -> tuple[WorkerSample, ...]:
    """Rebuild WorkerSamples from history rows (percent back to fractions)."""
    out = []
    for row in frame.to_dict("records"):
        values = {c: float(row[c]) for c in WORKER_COLUMNS}
        for name in WORKER_COLUMNS[:_WORKER_PERCENT]:
            values[name] = None if math.isnan(values[name]) else values[name] / 100.0
        for name in ("tasks", "gpu_devices"):
            values[name] = int(values[name])
        if math.isnan(values["last_heartbeat"]):
            values["last_heartbeat"] = None
        out.append(WorkerSample(worker_id=str(row["worker_id"]), status=str(row["status"]), **values))
    return tuple(out)


def decision_key(d: ScalingDecision) -> tuple[int, float, str]:
    """The identity a re-sent decision shares with the original."""
    return (d.seq, d.timestamp, d.action)


def decisions_frame(decisions: Iterable[ScalingDecision]) -> pd.DataFrame:
    """History rows for decisions; worker ids and trigger as JSON text."""
    rows = [{
        "ts": d.timestamp, "seq": d.seq, "action": d.action, "count": d.count, "reason": d.reason,
        "utilization": d.utilization, "worker_ids": json.dumps(list(d.worker_ids)),
        "trigger": None if d.trigger is None else json.dumps(asdict(d.trigger)),
    } for d in decisions]
    return pd.DataFrame(rows, columns=["ts", "seq", "action", "count", "reason", "utilization",
                                       "worker_ids", "trigger"])


def _json_default(value: Any) -> Any:
    # numpy scalars and arrays reach alert details from analytics; anything else as text
    return value.tolist() if hasattr(value, "tolist") else str(value)


def alerts_frame(alerts: Iterable[Alert]) -> pd.DataFrame:
    """History rows for alerts; details as JSON text."""
    rows = [{
        "id": a.id, "ts": a.timestamp, "level": a.level, "source": a.source, "message": a.message,
        "details": json.dumps(dict(a.details), default=_json_default),
    } for a in alerts]
    return pd.DataFrame(rows, columns=["id", "ts", "level", "source", "message", "details"])


def decisions_from_frame(frame: pd.DataFrame) -> tuple[ScalingDecision, ...]:
    """ScalingDecisions from history rows, validated by the model itself."""
    return tuple(ScalingDecision.from_json({
        "action": r["action"], "count": int(r["count"]), "reason": r["reason"],
        "utilization": None if pd.isna(r["utilization"]) else float(r["utilization"]),
        "worker_ids": json.loads(r["worker_ids"]),
        "timestamp": float(r["ts"]), "seq": int(r["seq"]),
        "trigger": json.loads(r["trigger"]) if isinstance(r["trigger"], str) else None,
        "cluster": r.get("cluster") or "",
    }) for r in frame.to_dict("records"))


def alerts_from_frame(frame: pd.DataFrame) -> tuple[Alert, ...]:
    """Alerts from history rows."""
    return tuple(Alert(id=r["id"], timestamp=float(r["ts"]), level=r["level"], source=r["source"],
                       message=r["message"], details=json.loads(r["details"]),
                       cluster=r.get("cluster") or "")
                 for r in frame.to_dict("records"))


@dataclass(frozen=True, eq=False)
class HistoryFrames:
    """One time window of history as pandas frames (ts in epoch s, utilizations in percent)."""

    system: pd.DataFrame
    workers: pd.DataFrame
    performance: pd.DataFrame
    scaling: pd.DataFrame
    alerts: pd.DataFrame

    def decision_records(self) -> tuple[ScalingDecision, ...]:
        """The window's scaling decisions as model records."""
        return decisions_from_frame(self.scaling)

    def alert_records(self) -> tuple[Alert, ...]:
        """The window's alerts as model records."""
        return alerts_from_frame(self.alerts)

    def with_cluster(self, name: str) -> "HistoryFrames":
        """These frames with every row's cluster set to name ('' : one coordinator's records)."""
        def tagged(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.assign(cluster=name) if len(frame) else frame
        return HistoryFrames(*(tagged(f) for f in (self.system, self.workers, self.performance,
                                                    self.scaling, self.alerts)))

