"""Where numbers come from: the MetricsSource protocol and its implementations."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from ..models import Snapshot


@runtime_checkable
class MetricsSource(Protocol):
    """Anything the collector can poll for one validated Snapshot."""

    @property
    def description(self) -> str:
        """Where the numbers come from, as the header shows it (never a secret)."""
        ...

    def snapshot(self) -> Snapshot:
        """Poll once; raise a SourceError subclass when no usable snapshot can be had."""
        ...
