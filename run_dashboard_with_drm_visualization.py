#!/usr/bin/env python3
"""Run the monitoring dashboard with DRM visualization at /drm-dashboard (the original's entry point)."""

import sys

from drm_dashboard.monitoring.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="run_dashboard_with_drm_visualization.py"))
