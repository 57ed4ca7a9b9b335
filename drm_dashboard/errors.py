"""The project's error tree; a leaf module that imports nothing of ours."""

from __future__ import annotations


class DashboardError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(DashboardError):
    """A flag, environment variable or config file holds a value we cannot use."""


class StorageError(DashboardError):
    """The history database cannot be opened or written."""


class SourceError(DashboardError):
    """A metrics source failed to give a usable snapshot."""


class SourceUnavailable(SourceError):
    """The source could not be reached (refused, timeout, 5xx)."""


class AuthRejected(SourceError):
    """The source refused our credentials."""


class PayloadError(SourceError):
    """The source answered, but its payload breaks the schema."""


class ServerError(DashboardError):
    """The web server could not start (for example, the port is taken)."""
