"""The live store's memory: float32 per-worker columns, and rows held bounded by the window."""

import math

import numpy as np

from drm_dashboard.store.columns import MIN_ROWS, spare_columns
from drm_dashboard.store.live import DEAD_SHARE, LiveStore
from drm_dashboard.store.schema import WORKER_METRICS

from drm_fakes import make_snapshot

T0 = 1_700_000_000.0
WINDOW = 300  # ticks
WORKERS = 12


def _run(store, ticks, start=0):
    for k in range(start, start + ticks):
        ts = T0 + 5.0 * k
        store.ingest(make_snapshot(ts, workers=WORKERS, gpu=True))
        store.prune(ts)


def test_per_worker_columns_are_float32_and_cost_24_bytes_a_sample():
    store = LiveStore(retention_s=WINDOW * 5.0)
    _run(store, 10)
    view = store.view()
    assert {view.workers[m].dtype for m in WORKER_METRICS} == {np.dtype(np.float32)}
    assert sum(view.workers[m].itemsize for m in WORKER_METRICS) == 24
    # system and performance columns stay float64: one row per tick, whatever the fleet
    assert view.system["cpu_utilization"].dtype == np.float64


def test_rows_held_stay_within_the_window_and_its_dead_share():
    store = LiveStore(retention_s=(WINDOW - 0.5) * 5.0)
    most_rows = 0
    for start in range(0, 4 * WINDOW, 50):
        _run(store, 50, start)
        most_rows = max(most_rows, store._block.end)
    limit = WINDOW + max(math.ceil(WINDOW * DEAD_SHARE), MIN_ROWS) + 1
    assert WINDOW <= most_rows <= limit
    assert store.view().n_ticks == WINDOW
    assert store.memory_bytes() <= limit * spare_columns(WORKERS) * 24


def test_a_compaction_spends_the_old_block_but_not_a_view_a_reader_holds():
    store = LiveStore(retention_s=(WINDOW - 0.5) * 5.0)
    _run(store, WINDOW)
    held = store.view()
    before = held.workers["cpu"].copy()
    old = store._block
    _run(store, MIN_ROWS + 2, WINDOW)  # enough pruned rows for a compaction
    assert store._block is not old and old.workers == {}  # each matrix let go once copied
    np.testing.assert_array_equal(held.workers["cpu"], before)
    new = store.view()
    np.testing.assert_array_equal(new.workers["cpu"][: WINDOW - MIN_ROWS - 2],
                                  before[MIN_ROWS + 2:])
