"""Stores: the live window in numpy columns (LiveStore) and the DuckDB history (HistoryStore)."""

from .history import HistoryStore
from .live import LiveStore
from .schema import HistoryFrames
from .view import LiveView

__all__ = ["HistoryFrames", "HistoryStore", "LiveStore", "LiveView"]
