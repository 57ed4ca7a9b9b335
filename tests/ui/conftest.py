"""Fixtures of the UI tests; the view builders live in ui_views.py."""

import pytest

from drm_dashboard.store.live import LiveView
from ui_views import T0, decision, fill


@pytest.fixture
def view() -> LiveView:
    """A 60-tick, three-worker view with one scale-up at tick 30."""
    return fill(60, 3, decisions={30: [decision(T0 + 30 * 5.0)]})
