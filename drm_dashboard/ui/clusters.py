"""Several coordinators on the page: the cluster picker, each cluster's health badge, the contexts."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

import dash_bootstrap_components as dbc
from dash import Input, Output, html

from ..store.live import LiveView
from . import ids
from .context import UIContext
from .status import HealthBadge, health_badge
from .rowcache import RowCache
from .timerange import NO_HISTORY

if TYPE_CHECKING:
    from ..fleet import ClusterRuntime, Fleet

ALL_LABEL = "All clusters"


class FleetLive:
    """What a tab reads of "the live store" when it shows every cluster combined."""

    def __init__(self, fleet: Fleet) -> None:
        self._fleet = fleet

    @property
    def retention_s(self) -> float:
        return self._fleet.runtimes[0].live.retention_s

    def view(self) -> LiveView:
        return self._fleet.view()


# combining clusters past the live window would need the live view's alignment in SQL; one cluster
# at a time reads its own rows of the shared file
ALL_HISTORY = "Past the live window, choose one cluster (each reads its own rows of the history file)"


def fleet_context(fleet: Fleet, settings: Any, silenced: Callable[[], frozenset[str]],
                  history: Callable[[], Any] | None = None) -> UIContext:
    """The "All clusters" context, holding one context per cluster (each with its own cache)."""
    common = dict(simulated=False, update_interval_s=settings.update_interval, theme=settings.theme,
                  debug=settings.debug, silenced_elsewhere=silenced)
    choices = {r.name: _cluster_context(fleet, r, common, history) for r in fleet.runtimes}
    # the header names the count; each cluster's name is on its own badge beside it
    return UIContext(live=FleetLive(fleet), health=fleet.health, source=f"{len(fleet.names)} coordinators",
                     regressions=lambda view: fleet.report(), forecasts=fleet.forecasts,
                     clusters=fleet.names, choices=choices, cluster_health=fleet.healths,
                     no_history=ALL_HISTORY if history else NO_HISTORY, rows=RowCache(reuse=False),
                     **common)


def _cluster_context(fleet: Fleet, runtime: ClusterRuntime, common: dict,
                     history: Callable[[], Any] | None) -> UIContext:
    return UIContext(live=runtime.live, health=partial(fleet.health, runtime.name),
                     source=runtime.source.description, regressions=lambda view: runtime.report(),
                     forecasts=partial(fleet.forecasts, runtime.name), history=history,
                     history_cluster=(runtime.name,),
                     # a coordinator's own verdicts (maintain, blocked by a cooldown) and policy
                     evaluations=getattr(runtime.source.inner, "recent_evaluations", None),
                     reported_policy=getattr(runtime.source.inner, "reported_policy", None), **common)


def picker(ctx: UIContext) -> html.Div:
    """The cluster choice above the tabs; present but hidden with one source (tabs read it)."""
    if not ctx.clusters:
        return html.Div(dbc.Select(id=ids.CLUSTER, options=[], value=None), hidden=True)
    options = [{"label": ALL_LABEL, "value": ids.ALL_CLUSTERS}] + [
        {"label": name, "value": name} for name in ctx.clusters]
    return html.Div([
        html.Label("cluster", htmlFor=ids.CLUSTER, className="text-muted small me-2 mb-0"),
        # persisted for the browser session: a reload keeps the cluster being looked at
        dbc.Select(id=ids.CLUSTER, options=options, value=ids.ALL_CLUSTERS, size="sm",
                   persistence=True, persistence_type="session", className="drm-cluster-picker w-auto"),
    ], className="d-flex align-items-center mb-2")


def badges(ctx: UIContext, now: float) -> dict[str, HealthBadge]:
    """Each cluster's health badge, in the clusters' order."""
    healths = ctx.cluster_health() if ctx.cluster_health else {}
    return {name: health_badge(h, now, ctx.update_interval_s) for name, h in healths.items()}


def header_badges(ctx: UIContext) -> list:
    """One small badge per cluster: its name and state; the reason on hover."""
    return [dbc.Badge(f"{name}: {b.label}", color=b.color, className="me-1 drm-cluster-health",
                      title=b.detail or b.label)
            for name, b in badges(ctx, time.time()).items()]


def register_callbacks(app: Any, ctx: UIContext) -> None:
    """With several clusters, the header's per-cluster badges follow every tick."""
    if not ctx.clusters:
        return

    @app.callback(Output(ids.HEADER_CLUSTERS, "children"), Input(ids.INTERVAL, "n_intervals"))
    def _clusters(_n: int) -> list:
        return header_badges(ctx)


def cluster_tag(name: str) -> list:
    """A record's cluster as a small badge; nothing for a single source's records (no name)."""
    return [dbc.Badge(name, color="info", className="me-2 drm-cluster-tag")] if name else []
