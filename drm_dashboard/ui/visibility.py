"""The page's refresh pauses while its browser tab is hidden, and catches up when it is shown."""

from __future__ import annotations

from typing import Any

from dash import Input, Output, dcc

from . import ids

VISIBILITY = "drm-visibility"

# Installed once per page by the first refresh: a hidden tab (another tab in front, a minimized
# window) disables the interval, so an idle background tab asks the server for nothing; shown
# again, the interval is enabled and one refresh is asked for at once, not an interval later.
PAUSE_WHEN_HIDDEN_JS = """
function(n) {
    const dc = window.dash_clientside;
    window.drmLastInterval = n || 0;
    if (!window.drmVisibilityWatched) {
        window.drmVisibilityWatched = true;
        document.addEventListener('visibilitychange', function() {
            const hidden = document.visibilityState === 'hidden';
            const change = hidden ? {disabled: true}
                                  : {disabled: false, n_intervals: window.drmLastInterval + 1};
            dc.set_props('%s', change);
        });
    }
    return document.visibilityState;
}
""" % ids.INTERVAL


def layout() -> dcc.Store:
    """Where the page keeps its visibility (read by tests; the callback needs an output)."""
    return dcc.Store(id=VISIBILITY)


def register_callbacks(app: Any) -> None:
    """Pause the shared interval while the tab is hidden."""
    app.clientside_callback(PAUSE_WHEN_HIDDEN_JS, Output(VISIBILITY, "data"),
                            Input(ids.INTERVAL, "n_intervals"))
