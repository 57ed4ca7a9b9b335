"""Component ids shared across modules (constants, never built by concatenation)."""

INTERVAL = "drm-interval"
HEADER_SOURCE = "drm-header-source"
HEADER_HEALTH = "drm-header-health"
HEADER_DETAIL = "drm-header-detail"
HEADER_UPDATED = "drm-header-updated"
NAVBAR = "drm-navbar"
TABS = "drm-tabs"
THEME = "drm-theme"  # dcc.Store holding "dark" or "light"; every figure callback reads it
THEME_SWITCH = "drm-theme-switch"
HEADER_SPEED = "drm-header-speed"
CLUSTER = "drm-cluster"  # the cluster picker's dropdown: a cluster's name, or ALL_CLUSTERS
ALL_CLUSTERS = "*"
HEADER_CLUSTERS = "drm-header-clusters"
RANGE = "drm-range"  # dcc.Store: the time range every tab shows (ui/timerange.py)
