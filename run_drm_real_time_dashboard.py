#!/usr/bin/env python3
"""Run the DRM real-time dashboard (the original project's entry point)."""

import sys

from drm_dashboard.cli import main

if __name__ == "__main__":
    sys.exit(main(prog="run_drm_real_time_dashboard.py"))
