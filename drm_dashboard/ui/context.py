"""What the UI reads: the live store, the source's health, and how the run is set up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..models import SourceHealth
from ..store.live import LiveStore


@dataclass(frozen=True)
class UIContext:
    """Passed to every tab's register_callbacks; no module-level state."""

    live: LiveStore
    health: Callable[[], SourceHealth]
    source: str
    simulated: bool
    update_interval_s: float
    theme: str = "dark"
    debug: bool = False
