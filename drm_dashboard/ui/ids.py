"""Component ids shared across modules (constants, never built by concatenation)."""

INTERVAL = "drm-interval"
HEADER_SOURCE = "drm-header-source"
HEADER_HEALTH = "drm-header-health"
HEADER_DETAIL = "drm-header-detail"
HEADER_UPDATED = "drm-header-updated"
TABS = "drm-tabs"
