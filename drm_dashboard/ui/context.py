"""What the UI reads: the live store, the source's health, and how the run is set up."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, Mapping, Protocol, Sequence

from dash.exceptions import PreventUpdate

from ..models import SourceHealth
from ..store.history import HistoryStore
from ..store.live import LiveView
from .cache import TickCache
from .regressions import RegressionProvider
from .rowcache import RowCache
from .status import window_words
from .timerange import NO_HISTORY, RangeViews, range_key, range_words, span_of


class LiveReader(Protocol):
    """What a tab reads of the live store: LiveStore, or every cluster combined (ui.clusters.FleetLive)."""

    retention_s: float

    def view(self) -> LiveView:
        """The current view."""
        ...


@dataclass(frozen=True)
class UIContext:
    """Passed to every tab's register_callbacks; no module-level state."""

    # `regressions` is the seam for the change-point detector: given the current view it returns
    # a RegressionReport (or None while it has not run); unset, the Performance tab says how many
    # points detection needs and that no detector is connected. `policy` is the scaling policy
    # when it is known (an in-process manager): its thresholds are drawn before any decision.

    live: LiveReader
    health: Callable[[], SourceHealth]
    source: str
    simulated: bool
    update_interval_s: float
    theme: str = "dark"
    debug: bool = False
    regressions: RegressionProvider | None = None
    # () -> (forecasts by metric, ETAs by metric), as the analytics last computed them
    forecasts: Callable[[], tuple[Mapping[str, Any], Mapping[str, Any]]] | None = None
    policy: Any = None
    # the demo's simulated clock runs this many times faster than the wall clock
    demo_speed: float = 1.0
    # () -> every recent scaling evaluation (maintain included), oldest first; None: not reported
    evaluations: Callable[[], Sequence[Any]] | None = None
    # () -> ids of our alerts that Alertmanager silences now (read by its refresh thread, not here)
    silenced_elsewhere: Callable[[], frozenset[str]] | None = None
    # () -> the history file (None without one): the time-range picker reads beyond the live window
    history: Callable[[], HistoryStore | None] | None = None
    # () -> the policy a remote coordinator says it applies (None until it says); else `policy`
    reported_policy: Callable[[], Any] | None = None
    # several coordinators share the file: a cluster's context reads its own rows; the "all"
    # context has no history and says why (`no_history`)
    history_cluster: tuple[str, ...] | None = None
    no_history: str = NO_HISTORY
    cache: TickCache = field(default_factory=TickCache)
    rows: RowCache = field(default_factory=RowCache)
    ranges: RangeViews = field(default_factory=RangeViews)
    # several coordinators (ui/clusters.py): this context shows all of them; `choices` holds one
    # context per cluster (each with its own cache), `cluster_health` every cluster's health
    clusters: tuple[str, ...] = ()
    choices: Mapping[str, "UIContext"] = field(default_factory=dict)
    cluster_health: Callable[[], Mapping[str, SourceHealth]] | None = None

    def pick(self, cluster: str | None) -> "UIContext":
        """The context of the cluster chosen on the page; this one for "all" or a single source."""
        return self.choices.get(cluster, self) if cluster else self

    def current_policy(self) -> Any:
        """The policy the source reports now, else the one known at start (None: unknown)."""
        reported = self.reported_policy() if self.reported_policy else None
        return self.policy if reported is None else reported

    @property
    def retention_min(self) -> float:
        """Minutes of history the live store keeps."""
        return self.live.retention_s / 60.0

    def window_words(self, view: LiveView) -> str:
        """How far back the view reaches, in words ("in the last 60 minutes", "since 14:05:10")."""
        if view.history is not None:
            return range_words(view.history)
        first = float(view.timestamps[0]) if view.n_ticks else None
        return window_words(first, view.span_s, self.retention_min)

    def now(self) -> float:
        """The source's time of the newest tick (a demo's clock may run fast), else the wall clock."""
        last = self.live.view().last_timestamp
        return time.time() if last is None else last

    def range_view(self, chosen: Mapping[str, Any] | None, *, workers: bool = True,
                   points: int | None = None) -> tuple[LiveView, str]:
        """The view of the picker's range (ui/timerange.py) and a note when it fell back."""
        live = self.live.view()
        span = span_of(chosen, time.time() if live.last_timestamp is None else live.last_timestamp)
        extra = {} if points is None else {"points": points}
        return self.ranges.view(live, self.history() if self.history else None, span, workers=workers,
                                cluster=self.history_cluster, missing=self.no_history, **extra)

    def changed_view(self, label: str, active_tab: str | None, rendered: str | None,
                     *params: Hashable, chosen: Mapping[str, Any] | None = None) -> tuple[LiveView, str]:
        """The view and the stamp of what will be drawn; PreventUpdate when nothing would change."""
        # a hidden tab draws nothing (its graphs would be sized for a zero-width pane), and a
        # browser that already shows this view with these parameters gets no bytes at all
        if active_tab != label:
            raise PreventUpdate
        view = self.range_view(chosen)[0] if chosen else self.live.view()
        stamp = "|".join(map(str, (self.cache.token(view), range_key(chosen), *params)))
        if stamp == rendered:
            raise PreventUpdate
        return view, stamp
