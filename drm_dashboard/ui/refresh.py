"""The guard every tab refresh starts with: only the visible tab, only when something changed."""

from __future__ import annotations

from typing import Hashable

from dash.exceptions import PreventUpdate

from ..store.live import LiveView
from .context import UIContext


def changed_view(ctx: UIContext, label: str, active_tab: str | None, rendered: str | None,
                 *params: Hashable) -> tuple[LiveView, str]:
    """The current view and the stamp of what will be drawn; PreventUpdate when nothing would change.

    A hidden tab draws nothing (its graphs would be sized for a zero-width pane), and a browser
    that already shows this view with these parameters gets no bytes at all.
    """
    if active_tab != label:
        raise PreventUpdate
    view = ctx.live.view()
    stamp = "|".join(map(str, (ctx.cache.token(view), *params)))
    if stamp == rendered:
        raise PreventUpdate
    return view, stamp
