"""LocalSource: poll an in-process manager (ours or one with the original's interface)."""

from __future__ import annotations

import time
from typing import Any, Callable

from ..errors import PayloadError, SourceError
from ..models import Snapshot
from .normalize import (normalize_decision, normalize_performance, normalize_statistics,
                     performance_from_workers)


class LocalSource:
    """Reads get_worker_statistics, get_performance_metrics when offered, and new decisions."""

    def __init__(self, manager: Any, *, description: str = "embedded manager",
                 clock: Callable[[], float] = time.time) -> None:
        self._manager = manager
        self._description = description
        self._clock = clock
        self._cursor = 0
        self._last_legacy: tuple[Any, ...] | None = None

    @property
    def description(self) -> str:
        return self._description

    def snapshot(self) -> Snapshot:
        """Poll the manager once and validate what it returned."""
        # the original's real manager has no get_performance_metrics: its KPIs are not reported
        perf_call = getattr(self._manager, "get_performance_metrics", None)
        try:
            stats = self._manager.get_worker_statistics()
            perf = perf_call() if callable(perf_call) else None
        except Exception as exc:  # a manager's own bug must show as source health, not kill a tick
            raise SourceError(f"manager raised {type(exc).__name__}: {exc}") from exc
        if not isinstance(stats, dict):
            raise PayloadError(f"statistics: expected an object, got {type(stats).__name__}")
        decisions = self._new_decisions()
        snap = Snapshot.from_json(
            normalize_statistics(stats, self._clock()),
            normalize_performance(perf) if isinstance(perf, dict) and perf
            else performance_from_workers(stats),
            decisions,
        )
        self._advance(snap)
        return snap

    def _new_decisions(self) -> list[dict[str, Any]]:
        """Decisions after the cursor; a manager without a log is read through its last decision.

        That one may be any action, maintain included (the original's mock says why it held).
        """
        since = getattr(self._manager, "decisions_since", None)
        if callable(since):
            return [d.to_dict() if hasattr(d, "to_dict") else normalize_decision(d)
                    for d in since(self._cursor)]
        last = normalize_decision(getattr(self._manager, "last_scaling_decision", None))
        if last is None:
            return []
        key = (last.get("timestamp"), last.get("action"), last.get("count"))
        return [] if key == self._last_legacy else [last]

    def _advance(self, snap: Snapshot) -> None:
        # move the cursor only after validation, so a bad payload re-reads the same decisions
        for d in snap.decisions:
            self._cursor = max(self._cursor, d.seq)
            self._last_legacy = (d.timestamp, d.action, d.count)
