"""Bulk worker validation: the same records and the same named errors as the field-by-field path."""

import copy
import math

import numpy as np
import pytest

from drm_dashboard.errors import PayloadError
from drm_dashboard.models import Snapshot, WorkerSample
from drm_dashboard.store.schema import worker_table
from drm_dashboard.worker_columns import WorkerColumns

# the awkward parts a coordinator really sends: GPU null, no `allocated`, no gpu resources, a
# fraction rounded a hair above 1, ints where floats are expected
WORKERS = {
    "gpu-box": {"status": "active", "utilization": {"cpu": 0.5, "memory": 0.25, "gpu": 0.75, "overall": 0.5},
                "allocated": {"cpu": 1.0000001, "memory": 0.5, "gpu": 0.25}, "tasks": 3,
                "resources": {"cpu": {"cores": 8, "available_cores": 0},
                              "memory": {"total_mb": 16384, "available_mb": 8192},
                              "gpu": {"devices": 2, "memory_mb": 24000, "available_memory_mb": 1}},
                "last_heartbeat": 100},
    "cpu-only": {"status": "idle", "utilization": {"cpu": 0, "memory": 0.1, "gpu": None, "overall": 0.05},
                 "tasks": 0, "resources": {"cpu": {"cores": 4}, "memory": {"total_mb": 2048}}},
    "odd": {"utilization": {"cpu": 1, "memory": 1, "overall": 1}, "allocated": None,
            "resources": {"cpu": {"cores": 2.5}, "memory": {"total_mb": 512}, "gpu": None}},
}
STATS = {"timestamp": 100.0, "total_workers": 3, "active_workers": 1, "active_tasks": 3,
         "overall_utilization": {"cpu": 0.5, "memory": 0.25, "gpu": None, "overall": 0.375},
         "workers": WORKERS}


def _checked(raw):
    return tuple(WorkerSample.from_json(wid, w, f"statistics.workers[{wid!r}]") for wid, w in raw.items())


def test_bulk_path_builds_the_records_the_checked_path_builds():
    cols = WorkerColumns.parse(WORKERS)
    assert cols is not None and cols.ids == ("gpu-box", "cpu-only", "odd")
    assert tuple(cols) == _checked(WORKERS)
    assert cols[1].gpu is None and cols[0].alloc_cpu == 1.0 and cols[-1].status == "active"
    assert type(cols[0].tasks) is int and type(cols[0].gpu_devices) is int


def test_snapshot_workers_are_columns_and_the_table_needs_no_records():
    snap = Snapshot.from_json(copy.deepcopy(STATS))
    assert isinstance(snap.workers, WorkerColumns) and snap.workers._samples is None
    table = worker_table(snap.workers)
    assert snap.workers._samples is None  # no record was built to fill the stores
    np.testing.assert_array_equal(table, worker_table(_checked(WORKERS)))
    assert table[0, 0] == 50.0 and math.isnan(table[1, 2])


@pytest.mark.parametrize("path, value, message", [
    (("utilization", "cpu"), "high", r"workers\['cpu-only'\]\.utilization\.cpu: expected a number"),
    (("utilization", "cpu"), True, r"utilization\.cpu: expected a number, got bool"),
    (("utilization", "gpu"), math.nan, r"utilization\.gpu: expected a finite number"),
    (("utilization", "memory"), 1.5, r"utilization\.memory: 1\.5 is outside"),
    (("allocated", "cpu"), None, r"allocated\.cpu: expected a number, got NoneType"),
    (("tasks",), 1.5, r"tasks: expected a whole number"),
    (("tasks",), -1, r"tasks: -1 is outside"),
    (("resources", "cpu", "cores"), math.inf, r"resources\.cpu\.cores: expected a finite number"),
    (("last_heartbeat",), [], r"last_heartbeat: expected a number, got list"),
    (("status",), 7, r"status: expected a string"),
    (("resources",), [], r"resources\.cpu: missing|expected an object"),
])
def test_a_bad_field_is_named_as_the_checked_path_names_it(path, value, message):
    stats = copy.deepcopy(STATS)
    target = stats["workers"]["cpu-only"]
    target.setdefault("allocated", {})
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert WorkerColumns.parse(stats["workers"]) is None
    with pytest.raises(PayloadError, match=message):
        Snapshot.from_json(stats)


def test_columns_compare_with_records_and_are_read_only():
    cols = WorkerColumns.parse(WORKERS)
    assert cols == _checked(WORKERS) and cols == WorkerColumns.from_samples(_checked(WORKERS))
    assert cols != _checked(WORKERS)[:2]
    with pytest.raises(ValueError):
        cols.values[0, 0] = 0.0
    assert WorkerColumns.parse({}) == () and len(WorkerColumns.parse({})) == 0
