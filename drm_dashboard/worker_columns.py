"""A tick's workers as columns, validated in bulk; WorkerSample records are built only when read."""

from __future__ import annotations

import math
from itertools import chain
from typing import Any, Iterator, Mapping, Sequence, overload

import numpy as np

from .validation import FRACTION_SLACK, display_id, display_text

# the numbers of a WorkerSample in field order; the first seven are fractions 0..1
NUMBER_FIELDS = (
    "cpu", "memory", "gpu", "overall", "alloc_cpu", "alloc_memory", "alloc_gpu", "tasks",
    "cpu_cores", "memory_mb", "gpu_devices", "gpu_memory_mb", "last_heartbeat",
)
FRACTIONS = 7
# gpu and alloc_gpu: None (NaN here) on a machine without a GPU; last_heartbeat: None when the
# source never said (the original project's real manager)
_OPTIONAL = (2, 6, 12)
_REQUIRED = [j for j in range(len(NUMBER_FIELDS)) if j not in _OPTIONAL]
_WHOLE = (7, 10)  # tasks, gpu_devices
_NUMBER_TYPES = frozenset({float, int, type(None)})
_EMPTY: Mapping[str, Any] = {}


def _row(w: Mapping[str, Any]) -> tuple:
    # the hot path at 10,000 workers: one expression per field, no calls of our own; any shape
    # error (missing key, wrong container) raises and sends the tick down the checked path
    u, r = w["utilization"], w["resources"]
    a, g = w.get("allocated") or _EMPTY, r.get("gpu") or _EMPTY
    return (u["cpu"], u["memory"], u.get("gpu"), u["overall"], a.get("cpu", 0.0),
            a.get("memory", 0.0), a.get("gpu"), w.get("tasks", 0), r["cpu"]["cores"],
            r["memory"]["total_mb"], g.get("devices", 0), g.get("memory_mb", 0.0),
            w.get("last_heartbeat"))


def _valid(rows: list[tuple], values: np.ndarray) -> bool:
    """The checks WorkerSample.from_json makes, over all workers at once."""
    finite = np.isfinite(values)
    if not finite[:, _REQUIRED].all():
        return False
    for j in _OPTIONAL:
        missing = np.flatnonzero(~finite[:, j])
        # NaN is allowed only where the payload said null; inf never
        if missing.size and not all(rows[i][j] is None for i in missing.tolist()):
            return False
    with np.errstate(invalid="ignore"):
        if (values < 0).any() or (values[:, :FRACTIONS] > 1.0 + FRACTION_SLACK).any():
            return False
    whole = values[:, _WHOLE]
    return bool((whole == np.floor(whole)).all())


class WorkerColumns(Sequence):
    """Immutable Sequence[WorkerSample] over ids, statuses and a [W, 13] float64 matrix."""

    # Validating 10,000 workers field by field and building a frozen record for each costs
    # several times the json.loads of the payload; most ticks never look at single records.

    __slots__ = ("ids", "status", "values", "_samples", "_index")

    def __init__(self, ids: Sequence[str], status: Sequence[str], values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64).reshape(len(ids), len(NUMBER_FIELDS))
        values.flags.writeable = False
        self.ids, self.status, self.values = tuple(ids), tuple(status), values
        self._samples: list | None = None
        self._index: dict[str, int] | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> "WorkerColumns | None":
        """Validated columns for a statistics' `workers` mapping, or None if any worker is off."""
        try:
            rows = list(map(_row, raw.values()))
            status = tuple(w.get("status", "active") for w in raw.values())
        except Exception:  # noqa: BLE001 (any shape error: the checked path names it)
            return None
        if not set(map(type, chain.from_iterable(rows))) <= _NUMBER_TYPES:
            return None  # bool, text, numpy scalars: the checked path judges each
        if not all(type(s) is str for s in status):
            return None
        try:
            values = np.array(rows, dtype=np.float64).reshape(len(rows), len(NUMBER_FIELDS))
        except (OverflowError, ValueError):
            return None
        if rows and not _valid(rows, values):
            return None
        np.minimum(values[:, :FRACTIONS], 1.0, out=values[:, :FRACTIONS])
        # ids and statuses from a source are made safe to show, as the checked path does
        ids = [display_id(k if type(k) is str else str(k)) for k in raw]
        shown = {s: display_text(s, 64) for s in set(status)}
        return cls(ids, [shown[s] for s in status], values)

    @classmethod
    def from_samples(cls, samples: Sequence[Any]) -> "WorkerColumns":
        """Columns holding records that were validated one by one."""
        values = [[math.nan if (v := getattr(s, f)) is None else v for f in NUMBER_FIELDS]
                  for s in samples]
        out = cls([s.worker_id for s in samples], [s.status for s in samples],
                  np.array(values, dtype=np.float64).reshape(len(samples), len(NUMBER_FIELDS)))
        out._samples = list(samples)
        return out

    def merged(self, changed: "WorkerColumns", removed: Sequence[str] = ()) -> "WorkerColumns":
        """This fleet with the changed workers' rows replaced or appended, and removed ones dropped."""
        if self._index is None:
            self._index = {wid: i for i, wid in enumerate(self.ids)}
        index, status = self._index, list(self.status)
        dst, src, fresh = [], [], []
        for j, wid in enumerate(changed.ids):
            i = index.get(wid)
            if i is None:
                fresh.append(j)
            else:
                dst.append(i)
                src.append(j)
                status[i] = changed.status[j]
        values = self.values.copy()
        values[dst] = changed.values[src]
        ids = list(self.ids) + [changed.ids[j] for j in fresh]
        status += [changed.status[j] for j in fresh]
        values = np.concatenate([values, changed.values[fresh]]) if fresh else values
        gone = {index[w] for w in removed if w in index}
        if gone:
            keep = [i for i in range(len(ids)) if i not in gone]
            ids, status, values = [ids[i] for i in keep], [status[i] for i in keep], values[keep]
        return WorkerColumns(ids, status, values)

    def _sample(self, i: int) -> Any:
        from .models import WorkerSample  # models imports this module: resolve at first use
        v = self.values[i].tolist()
        for j in _OPTIONAL:
            v[j] = None if math.isnan(v[j]) else v[j]
        for j in _WHOLE:
            v[j] = int(v[j])
        return WorkerSample(self.ids[i], self.status[i], *v)

    def _all(self) -> list:
        if self._samples is None:
            self._samples = [self._sample(i) for i in range(len(self.ids))]
        return self._samples

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, i: int) -> Any: ...
    @overload
    def __getitem__(self, i: slice) -> tuple: ...
    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return tuple(self._all()[i])
        return self._all()[i] if self._samples is not None else self._sample(range(len(self))[i])

    def __iter__(self) -> Iterator[Any]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, WorkerColumns):
            return self.ids == other.ids and self.status == other.status and bool(
                np.array_equal(self.values, other.values, equal_nan=True))
        return isinstance(other, (tuple, list)) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash((self.ids, self.status, self.values.tobytes()))

    def __repr__(self) -> str:
        return f"WorkerColumns({len(self)} workers)"


def worker_ids(workers: Sequence[Any]) -> Sequence[str]:
    """The ids of a tick's workers without building records."""
    return workers.ids if isinstance(workers, WorkerColumns) else [w.worker_id for w in workers]


def worker_statuses(workers: Sequence[Any]) -> Sequence[str]:
    """The statuses of a tick's workers without building records."""
    return workers.status if isinstance(workers, WorkerColumns) else [w.status for w in workers]
