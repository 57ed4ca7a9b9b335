"""RowCache: per-tick aggregates over every worker, computed once per tick and reused while it is live."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Callable, Hashable

import numpy as np

from ..store.live import LiveView

Rows = dict[str, np.ndarray]


class RowCache:
    """For each key, the rows of the last view asked about; a newer view computes only its new ticks."""

    # A live tick's row never changes once published (the store only appends and prunes), so an
    # aggregate over one tick's workers (a quantile, a bin of the heatmap) is computed when the
    # tick arrives and kept until it leaves the window: a refresh at 10,000 workers costs one
    # row, not the window. A view from history (or a restarted store) is computed whole.

    def __init__(self, max_keys: int = 16, *, reuse: bool = True) -> None:
        self.max_keys = max_keys
        # False for views whose ticks are not fixed once published (every cluster combined: its
        # newest bucket and held values change, and its numbering is not one tick per row)
        self.reuse = reuse
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[int, Rows]] = OrderedDict()
        self.rows_computed = 0  # for tests and benchmarks

    def rows(self, view: LiveView, key: Hashable, compute: Callable[[slice], Rows]) -> Rows:
        """compute(rows of the view) for every tick of the view, reusing the ticks computed before."""
        first, n = view.first_seq, view.n_ticks
        with self._lock:
            cached = self._entries.get(key)
        done = 0
        if cached is not None and view.history is None and self.reuse:
            start, old = cached
            have = next(iter(old.values())).shape[0] if old else 0
            if start <= first <= start + have:
                done = min(n, start + have - first)  # ticks of this view already computed
        if not done:
            parts = compute(slice(0, n))
        else:
            parts = {k: v[first - start: first - start + done] for k, v in old.items()}
            if done < n:
                fresh = compute(slice(done, n))
                parts = {k: np.concatenate([parts[k], fresh[k]]) for k in fresh}
        self.rows_computed += n - done
        if view.history is None and self.reuse:
            with self._lock:
                self._entries[key] = (first, parts)
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_keys:
                    self._entries.popitem(last=False)
        return parts
