#!/usr/bin/env python3
"""Run the DRM visualization integration demo (the original project's integration test runner)."""

import sys

from drm_dashboard.integration_demo import main

if __name__ == "__main__":
    sys.exit(main(prog="run_drm_integration_demo.py"))
