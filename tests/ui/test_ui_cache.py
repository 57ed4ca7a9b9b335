"""TickCache: one build per (view, parameters), however many viewers ask at once."""

import threading

import pytest

from drm_dashboard.store.live import LiveStore
from drm_dashboard.ui.cache import TickCache
from drm_fakes import make_snapshot, wait_for

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def store():
    s = LiveStore(retention_s=3600, clock=lambda: 1_700_000_100.0)
    s.ingest(make_snapshot(1_700_000_000.0, 2))
    return s


def test_same_view_and_key_is_built_once(store):
    cache, calls = TickCache(), []
    view = store.view()
    for _ in range(5):
        assert cache.get(view, ("tab", "dark"), lambda: calls.append(1) or "fig") == "fig"
    assert len(calls) == 1 and cache.hits == 4


def test_a_new_tick_rebuilds_and_forgets_the_old_one(store):
    cache = TickCache()
    old = store.view()
    cache.get(old, "k", lambda: "old")
    store.ingest(make_snapshot(1_700_000_005.0, 2))
    assert cache.get(store.view(), "k", lambda: "new") == "new"
    # a reader that raced behind the store is answered but never pollutes the cache
    assert cache.get(old, "k", lambda: "stale") == "stale"
    assert cache.get(store.view(), "k", lambda: "again") == "new"


def test_tokens_change_with_the_view_not_with_the_reader(store):
    cache = TickCache()
    first = cache.token(store.view())
    assert cache.token(store.view()) == first
    store.ingest(make_snapshot(1_700_000_005.0, 2))
    assert cache.token(store.view()) != first


def test_entries_are_bounded(store):
    cache, view = TickCache(max_entries=3), store.view()
    for i in range(10):
        cache.get(view, i, lambda: i)
    built = []
    cache.get(view, 0, lambda: built.append(0) or 0)
    assert built == [0]  # the oldest key was evicted


def test_twenty_viewers_at_once_build_once(store):
    cache, view, calls, asking = TickCache(), store.view(), [], []
    gate = threading.Barrier(20)

    def slow_build():
        calls.append(1)
        # the build lasts until every viewer has asked: an event, not a guess at how long they take
        assert wait_for(lambda: len(asking) == 20, timeout=10)
        return "fig"

    results = []

    def viewer():
        gate.wait()
        asking.append(1)
        results.append(cache.get(view, "tab", slow_build))

    threads = [threading.Thread(target=viewer) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == ["fig"] * 20 and len(calls) == 1
