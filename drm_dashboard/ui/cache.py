"""TickCache: what a tab shows is built once per (view, parameters), however many viewers ask."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

from ..store.live import LiveView

T = TypeVar("T")
_RANGE = "drm-range"  # first item of the keys of a chosen range's entries


class TickCache:
    """Bounded LRU of results for the newest view, with one builder per key at a time."""

    # Entries are keyed on the view object itself (the store hands every reader the same object
    # until it changes) plus the caller's parameters. Entries of older views are dropped as soon
    # as a newer one is seen: a cached view pins its arrays, and older arrays are dead weight.
    # A view of a chosen time range (view.history set) has entries of its own, named by its
    # number: a live-window slice's go with the live generation, a history file view's stay
    # (least recently used first out) while the range's buckets do not move.

    def __init__(self, max_entries: int = 64, wait_s: float = 30.0) -> None:
        self.max_entries = max_entries
        self._wait_s = wait_s
        self._lock = threading.Lock()
        self._view: LiveView | None = None
        self._generation = 0
        # a random prefix: a browser tab that outlives a server restart never mistakes the new
        # process's first generation for the one it already shows
        self._prefix = uuid.uuid4().hex[:8]
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, threading.Event] = {}
        self._file_numbers: set[int] = set()  # numbers of history file views with entries
        self.builds = 0  # results computed (for tests and benchmarks)
        self.hits = 0

    def token(self, view: LiveView) -> str:
        """A short text naming this view's generation; equal tokens mean the same data."""
        if view.history is not None and view.history.step_s > 0:
            return f"{self._prefix}-range-{view.history.number}"
        with self._lock:
            current = self._adopt(view)
            return f"{self._prefix}-{self._generation}" if current else f"{self._prefix}-old-{view.seq}"

    def get(self, view: LiveView, key: Hashable, build: Callable[[], T]) -> T:
        """The cached result for (view, key), built by the first caller while the others wait."""
        if view.history is not None:
            key = (_RANGE, view.history.number, key)  # a range's own entries
        while True:
            with self._lock:
                current = self._adopt(view)
                if current and key in self._entries:
                    self.hits += 1
                    self._entries.move_to_end(key)
                    return self._entries[key]
                pending = self._building.get(key) if current else None
                if current and pending is None:
                    done = self._building[key] = threading.Event()
                    break
            if not current:
                return build()  # a reader that raced behind the store: answer it, cache nothing
            pending.wait(self._wait_s)  # another viewer is building it; its result serves us too
        try:
            value = build()
            with self._lock:
                self.builds += 1
                if self._view is view or view.history is not None:
                    if view.history is not None and view.history.step_s > 0:
                        self._file_numbers.add(view.history.number)
                    self._entries[key] = value
                    while len(self._entries) > self.max_entries:
                        self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                if self._building.get(key) is done:
                    del self._building[key]
            done.set()

    def _adopt(self, view: LiveView) -> bool:
        """Make view the current one if it is newer; False when it is older (under the lock)."""
        if view.history is not None and view.history.step_s > 0:
            return True  # read from the file: its entries do not depend on the live window
        if view is self._view or (view.history is not None and self._view is not None
                                  and view.seq == self._view.seq):
            return True
        if self._view is not None and view.seq < self._view.seq:
            return False
        if view.history is not None:  # a slice of a newer tick than the current view: not cached
            return False
        self._view = view
        self._generation += 1
        # a new tick: every entry built from the live window is stale; history ranges' are not
        self._entries = OrderedDict((k, v) for k, v in self._entries.items() if self._from_file(k))
        return True

    def _from_file(self, key: Hashable) -> bool:
        return isinstance(key, tuple) and len(key) == 3 and key[0] is _RANGE and key[1] in self._file_numbers
