"""RowCache: aggregates over every worker are computed once per tick, and equal a whole recomputation."""

import numpy as np
import pytest

from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.figures.workers import heat_rows, pool_rows
from drm_dashboard.ui.rowcache import RowCache
from drm_fakes import make_snapshot

pytestmark = pytest.mark.timeout(60)
T0 = 1_700_000_000.0


def _store(ticks: int, workers: int) -> tuple[LiveStore, list[float]]:
    now = [T0]
    store = LiveStore(retention_s=100.0, clock=lambda: now[0])
    for i in range(ticks):
        now[0] = T0 + 5.0 * i
        store.ingest(make_snapshot(now[0], workers))
    return store, now


@pytest.mark.parametrize("rows_of", [pool_rows, lambda v, m, r: heat_rows(v, m, r)])
def test_a_new_tick_computes_one_row_and_matches_a_fresh_computation(rows_of):
    store, now = _store(20, 7)
    cache = RowCache()
    first = store.view()
    cache.rows(first, "k", lambda rows: rows_of(first, "cpu", rows))
    assert cache.rows_computed == 20
    for i in range(20, 40):  # the window (100 s) slides: old ticks leave, one arrives each time
        now[0] = T0 + 5.0 * i
        store.ingest(make_snapshot(now[0], 7))
        store.prune(now[0])
        view = store.view()
        got = cache.rows(view, "k", lambda rows: rows_of(view, "cpu", rows))
        fresh = rows_of(view, "cpu", slice(None))
        assert got.keys() == fresh.keys()
        for key in got:
            np.testing.assert_array_equal(got[key], fresh[key])
    assert cache.rows_computed == 40


def test_an_older_view_is_computed_whole_and_still_right():
    store, now = _store(10, 4)
    old = store.view()
    now[0] += 5.0
    store.ingest(make_snapshot(now[0], 4))
    cache = RowCache()
    new = store.view()
    cache.rows(new, "k", lambda rows: pool_rows(new, "cpu", rows))
    got = cache.rows(old, "k", lambda rows: pool_rows(old, "cpu", rows))
    np.testing.assert_array_equal(got["median"], pool_rows(old, "cpu", slice(None))["median"])


def test_a_cache_that_may_not_reuse_computes_every_view_whole():
    store, now = _store(10, 4)
    cache = RowCache(reuse=False)
    first = store.view()
    cache.rows(first, "k", lambda rows: pool_rows(first, "cpu", rows))
    now[0] += 5.0
    store.ingest(make_snapshot(now[0], 4))
    later = store.view()
    cache.rows(later, "k", lambda rows: pool_rows(later, "cpu", rows))
    assert cache.rows_computed == 10 + 11
